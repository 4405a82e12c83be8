//! The schema harness itself: the upstream sample validates, and it can fail — a broken
//! sample gives the errors NENA's schema defines, and the in-memory repairs take effect.

use interop::grammar::{EidoSchema, read_spec, validate_eido, validate_eido_against};
use serde_json::Value;

fn sample() -> Option<Value> {
    let bytes = read_spec("eido/Samples/Sample call transfer EIDO.json")?;
    Some(serde_json::from_slice(&bytes).unwrap())
}

#[test]
fn the_upstream_sample_validates_against_both_schemas() {
    let Some(sample) = sample() else { return };
    for schema in EidoSchema::ALL {
        assert_eq!(validate_eido_against(schema, &sample), Some(Ok(())), "{schema:?}");
    }
    assert_eq!(validate_eido(&sample), Some(Ok(())));
}

#[test]
fn a_sample_without_eido_version_fails() {
    let Some(mut sample) = sample() else { return };
    sample.as_object_mut().unwrap().remove("eidoVersion");
    let errors = validate_eido(&sample).unwrap().unwrap_err();
    assert_eq!(
        errors,
        [
            "[NENA-STA-021.1b] (root): \"eidoVersion\" is a required property",
            "[NENA-STA-021.1.1 draft] (root): \"eidoVersion\" is a required property",
        ]
    );
}

#[test]
fn a_sample_with_a_sideways_call_fails() {
    let Some(mut sample) = sample() else { return };
    sample["callComponent"][0]["direction"] = "sideways".into();
    for schema in EidoSchema::ALL {
        assert_eq!(
            validate_eido_against(schema, &sample).unwrap().unwrap_err(),
            [
                "/callComponent/0/direction: \"sideways\" is not one of \"incoming\", \"outgoing\" or \"internal\""
            ],
            "{schema:?}"
        );
    }
}

#[test]
fn formats_and_nested_components_are_checked() {
    let Some(mut sample) = sample() else { return };
    sample["lastUpdateTimeStamp"] = "yesterday".into();
    sample["agencyComponent"][0].as_object_mut().unwrap().remove("agencyType");
    sample["locationComponent"][0]["locationByValue"] = 5.into();
    let errors = validate_eido_against(EidoSchema::Published, &sample).unwrap().unwrap_err();
    assert_eq!(
        errors,
        [
            "/lastUpdateTimeStamp: \"yesterday\" is not a \"date-time\"",
            "/agencyComponent/0: \"agencyType\" is a required property",
            "/locationComponent/0/locationByValue: 5 is not of type \"string\"",
        ]
    );
}

/// The draft's `minItems: 1,` is read as the number 1 (the published schema has no
/// `minItems` there at all), so an agent with no role fails only against the draft.
#[test]
fn the_min_items_repair_takes_effect() {
    let Some(mut sample) = sample() else { return };
    sample["agentComponent"][0]["agentRoleRegistryText"] = serde_json::json!([]);
    assert_eq!(validate_eido_against(EidoSchema::Published, &sample), Some(Ok(())));
    assert_eq!(
        validate_eido_against(EidoSchema::Draft, &sample).unwrap().unwrap_err(),
        ["/agentComponent/0/agentRoleRegistryText: [] has less than 1 item"]
    );
}

#[test]
fn every_registry_value_written_is_in_the_registry() {
    let Some(bytes) = read_spec("eido/registries-extracted-from-NENA-STA-021.1b.json") else {
        return;
    };
    let registries: Value = serde_json::from_slice(&bytes).unwrap();
    for (registry, value) in interop::eido::registry::written() {
        let entries = registries["registries"][registry].as_array().unwrap();
        assert!(
            entries.iter().any(|e| e["value"] == value),
            "{value} is not in the {registry} registry"
        );
    }
}

#[test]
fn the_conveyance_message_schema_can_fail() {
    use interop::grammar::validate_conveyance;
    let good = serde_json::json!({"response": {"requestId": "r1", "responseCode": 200, "responseText": "ok"}});
    let Some(verdict) = validate_conveyance("responseToRequestObject", &good) else { return };
    assert_eq!(verdict, Ok(()));
    let unknown_code = serde_json::json!({"response": {"requestId": "r1", "responseCode": 201, "responseText": "ok"}});
    let errors =
        validate_conveyance("responseToRequestObject", &unknown_code).unwrap().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("/response/responseCode: 201 is not one of"), "{errors:?}");
    let no_text = serde_json::json!({"response": {"requestId": "r1", "responseCode": 200}});
    assert!(validate_conveyance("responseToRequestObject", &no_text).unwrap().is_err());
    // A subscriber's 501 answer has its own shape.
    let not_implemented = serde_json::json!({"response": {"requestId": "s1", "statusCode": 501, "statusText": "Not implemented"}});
    assert_eq!(validate_conveyance("responseObject", &not_implemented), Some(Ok(())));
    assert!(validate_conveyance("responseObject", &good).unwrap().is_err());
}
