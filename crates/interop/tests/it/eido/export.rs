//! Exports: every case validates against NENA's schemas, the choices the mapping makes, and
//! snapshots of the wire format for review.

use domain::Incident;
use interop::eido::{self, registry};
use serde_json::Value;

use super::incidents::{self, County, county};
use interop::grammar::assert_valid_eido;

fn json(incident: &Incident, c: &County) -> Value {
    serde_json::to_value(eido::export(incident, &c.context())).unwrap()
}

#[test]
fn every_export_validates_against_both_nena_schemas() {
    let c = county();
    for (name, incident) in incidents::all(&c) {
        let eido = json(&incident, &c);
        eprintln!("checking {name}");
        assert_valid_eido(&eido);
    }
}

#[test]
fn the_incident_type_follows_the_documented_rule() {
    let c = county();
    let got: Vec<(&str, &str)> = incidents::all(&c)
        .iter()
        .map(|(name, incident)| {
            let eido = json(incident, &c);
            let code = eido["incidentComponent"]["incidentTypeCommonRegistryText"].as_str();
            assert_eq!(code, Some(registry::incident_type(incident)));
            (*name, registry::incident_type(incident))
        })
        .collect();
    assert_eq!(
        got,
        [
            ("911 circle, team dispatched", "MNTL"),
            ("988 polygon, emergency handoff", "SUICTHRT"),
            ("911 closed", "MNTL"),
            ("911 transferred to 988", "MNTL"),
            ("911 offered to 988", "MNTL"),
            ("911 unknown location", "EDP"),
            ("911 opened by a 988 handoff", "SUICTHRT"),
            ("911 violence", "MTLV"),
        ]
    );
}

/// (agency identifier, roles, owning) of every agency component.
fn agencies(eido: &Value) -> Vec<(String, Vec<String>, bool)> {
    eido["agencyComponent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let roles = a["agencyRoleDescriptionRegistryText"].as_array().unwrap();
            (
                a["$id"].as_str().unwrap().to_owned(),
                roles.iter().map(|r| r.as_str().unwrap().to_owned()).collect(),
                a["incidentOwningAgencyIndicator"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn roles(id: &str, roles: &[&str], owning: bool) -> (String, Vec<String>, bool) {
    (format!("{id}.{}", incidents::ISSUER), roles.iter().map(|r| (*r).to_owned()).collect(), owning)
}

#[test]
fn agency_roles_say_who_received_holds_is_offered_and_was_dispatched() {
    let c = county();
    assert_eq!(
        agencies(&json(&incidents::transferred(&c), &c)),
        [
            roles("psap-douglas", &["CallReceiving"], false),
            roles("ksphq", &["TransferredTo"], true)
        ]
    );
    assert_eq!(
        agencies(&json(&incidents::offered(&c), &c)),
        [
            roles("psap-douglas", &["CallReceiving"], true),
            roles("ksphq", &["TransferredTo"], false),
            roles("backup-988", &["Informational"], false),
        ]
    );
    assert_eq!(
        agencies(&json(&incidents::nine11_with_team(&c), &c)),
        [
            roles("psap-douglas", &["CallReceiving"], true),
            roles("mct-bert", &["Dispatched"], false)
        ]
    );
}

#[test]
fn a_988_contact_carries_no_free_text() {
    let c = county();
    let incident = incidents::nine88_handoff(&c);
    let text = serde_json::to_string(&eido::export(&incident, &c.context())).unwrap();
    assert!(!text.contains("CLINICAL"), "{text}");
    assert!(!text.contains("notesComponent") && !text.contains("notesReference"), "{text}");
    // What a 911 incident does carry: its summary and notes, escaped as HTML.
    let nine11 = json(&incidents::nine11_with_team(&c), &c);
    let notes: Vec<&str> = nine11["notesComponent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["notesActionComments"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "Caller's brother is &lt;upset&gt; &amp; talking about &quot;ending it&quot;.<br>No weapons seen.",
            "Team en route, ETA 12 min.",
        ]
    );
}

#[test]
fn an_unknown_location_is_left_out_and_so_is_a_missing_callback() {
    let c = county();
    let eido = json(&incidents::unknown_location(&c), &c);
    for absent in ["locationComponent", "callbackComponent", "notesComponent"] {
        assert!(eido.get(absent).is_none(), "{absent} in {eido:#}");
    }
    assert!(eido["callComponent"][0].get("locationReference").is_none());
    assert!(eido["callComponent"][0].get("callBackReference").is_none());
    assert!(eido["incidentComponent"].get("locationReference").is_none());
}

#[test]
fn closing_gives_the_disposition_code_and_ends_the_call() {
    let c = county();
    let eido = json(&incidents::closed(&c), &c);
    let incident = &eido["incidentComponent"];
    assert_eq!(incident["incidentStatusCommonRegistryText"], serde_json::json!(["Closed"]));
    let disposition = &incident["dispositionComponent"][0];
    assert_eq!(disposition["dispositionCommonRegistryCode"], "15");
    assert_eq!(disposition["dispositionCategoryText"], "referred");
    assert_eq!(
        disposition["dispositionDescriptionText"],
        "Referred to Bert Nash outpatient clinic."
    );
    assert_eq!(eido["callComponent"][0]["callStateRegistryText"], "callEnd");
}

#[test]
fn exporting_twice_gives_the_same_document() {
    let c = county();
    let incident = incidents::transferred(&c);
    assert_eq!(eido::export(&incident, &c.context()), eido::export(&incident, &c.context()));
}

#[test]
fn snapshot_911_call_with_a_team() {
    let c = county();
    let eido = eido::export(&incidents::nine11_with_team(&c), &c.context());
    insta::assert_snapshot!(serde_json::to_string_pretty(&eido).unwrap());
}

#[test]
fn snapshot_988_contact_handed_off() {
    let c = county();
    let eido = eido::export(&incidents::nine88_handoff(&c), &c.context());
    insta::assert_snapshot!(serde_json::to_string_pretty(&eido).unwrap());
}
