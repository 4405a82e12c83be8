//! Imports: the upstream sample, round trips of our own exports, and every kind of broken
//! input with the path and message it is refused with.

use domain::{CallbackNumber, Location, Timestamp};
use interop::eido::{self, EidoError, LocationReference, MAX_EIDO_BYTES, import, registry};
use serde_json::{Value, json};

use super::incidents::{self, county};
use interop::grammar::read_spec;

const CIRCLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
    xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0"
    entity="pres:caller@cad.example">
  <tuple id="t1"><status><gp:geopriv><gp:location-info>
    <gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">
      <gml:pos>38.9717 -95.2353</gml:pos>
      <gs:radius uom="urn:ogc:def:uom:EPSG::9001">25</gs:radius>
    </gs:Circle>
  </gp:location-info><gp:usage-rules/></gp:geopriv></status></tuple>
</presence>"#;

/// A small EIDO as a CAD sends one, with every part that is read.
fn cad_eido() -> Value {
    json!({
        "$id": "urn:emergency:uid:incidentid:4f1c2a9b77:cad.douglas-county.example",
        "lastUpdateTimeStamp": "2025-11-24T10:05:00.250-06:00",
        "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
        "eidoVersion": "1.0",
        "issuingElementIdentification": "cad.douglas-county.example",
        "incidentComponent": {
            "$id": "inc-1",
            "lastUpdateTimeStamp": "2025-11-24T10:05:00-06:00",
            "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
            "incidentTypeCommonRegistryText": "WELFARE",
            "incidentTypeInternalCode": "WELCHK",
            "incidentStatusCommonRegistryText": ["Active"]
        },
        "callComponent": [{
            "$id": "urn:emergency:uid:callid:4f1c2a9b77:cad.douglas-county.example",
            "lastUpdateTimeStamp": "2025-11-24T10:02:00-06:00",
            "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
            "standardPrimaryCallType": "emergency",
            "direction": "incoming",
            "callStartTimestamp": "2025-11-24T10:01:30-06:00",
            "callStateRegistryText": "callAnswered",
            "callBackReference": { "$ref": "cb-2" }
        }],
        "callbackComponent": [
            {
                "$id": "cb-1",
                "lastUpdateTimeStamp": "2025-11-24T10:02:00-06:00",
                "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
                "callBackInformationUri": ["tel:+1-316-555-0199"]
            },
            {
                "$id": "cb-2",
                "lastUpdateTimeStamp": "2025-11-24T10:02:00-06:00",
                "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
                "callBackInformationUri": ["sip:anonymous@carrier.example", "tel:785-555-0142;ext=2"]
            }
        ],
        "locationComponent": [
            {
                "$id": "loc-routing",
                "lastUpdateTimeStamp": "2025-11-24T10:01:30-06:00",
                "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
                "locationTypeDescriptionRegistryText": "RoutingLocation",
                "locationByValue": CIRCLE.replace("25</gs:radius>", "5000</gs:radius>")
            },
            {
                "$id": "loc-caller",
                "lastUpdateTimeStamp": "2025-11-24T10:03:00-06:00",
                "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
                "locationTypeDescriptionRegistryText": "Caller",
                "locationByValue": CIRCLE
            },
            {
                "$id": "loc-staging",
                "lastUpdateTimeStamp": "2025-11-24T10:04:00-06:00",
                "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
                "locationTypeDescriptionRegistryText": "Staging",
                "locationByValue": CIRCLE.replace("38.9717", "38.9")
            }
        ],
        "notesComponent": [
            {
                "$id": "n-2",
                "lastUpdateTimeStamp": "2025-11-24T10:04:00-06:00",
                "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
                "notesActionComments": "<p>Daughter says he has not eaten in days &amp; is confused.</p>"
            },
            {
                "$id": "n-1",
                "lastUpdateTimeStamp": "2025-11-24T10:02:30-06:00",
                "updatedByAgencyReference": { "$ref": "psap.douglas-county.example" },
                "notesActionComments": "Welfare check requested by daughter"
            }
        ],
        "personComponent": [{ "anything": ["a CAD sends", { "is": "skipped" }] }],
        "someExtension": { "deep": [[[["ignored"]]]] }
    })
}

fn ms(rfc3339: &str) -> Timestamp {
    let eido = json!({
        "$id": "x123456789", "eidoVersion": "1.0", "issuingElementIdentification": "x.example",
        "updatedByAgencyReference": { "$ref": "x.example" }, "lastUpdateTimeStamp": rfc3339
    });
    import(eido.to_string().as_bytes()).unwrap().updated_at
}

#[test]
fn a_cad_eido_gives_what_crisisbridge_takes() {
    let imported = import(cad_eido().to_string().as_bytes()).unwrap();
    assert_eq!(
        imported.incident_id,
        "urn:emergency:uid:incidentid:4f1c2a9b77:cad.douglas-county.example"
    );
    assert_eq!(imported.sending_agency, "psap.douglas-county.example");
    assert_eq!(imported.issuing_element, "cad.douglas-county.example");
    assert_eq!(imported.updated_at, Timestamp::from_millis(1_764_000_300_250));
    assert_eq!(imported.call_started_at, Some(Timestamp::from_millis(1_764_000_090_000)));
    // The caller's location beats the routing location; the staging area is not the caller.
    assert_eq!(
        imported.location,
        Location::circle(incidents::point(38.9717, -95.2353), 25.0).unwrap()
    );
    assert_eq!(imported.location_type.as_deref(), Some("Caller"));
    // The call points at the second callback component; its sip URI names no number.
    assert_eq!(imported.callback, CallbackNumber::parse("785-555-0142").ok());
    assert_eq!(imported.incident_type.as_deref(), Some("WELFARE"));
    assert_eq!(imported.internal_incident_type.as_deref(), Some("WELCHK"));
    assert!(!imported.is_closed());
    let notes: Vec<&str> = imported.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        notes,
        [
            "Welfare check requested by daughter",
            "Daughter says he has not eaten in days & is confused."
        ]
    );
    assert_eq!(
        imported.summary().as_str(),
        "Welfare check requested by daughter\n\nDaughter says he has not eaten in days & is confused."
    );
}

#[test]
fn the_upstream_sample_imports() {
    let Some(bytes) = read_spec("eido/Samples/Sample call transfer EIDO.json") else { return };
    let imported = import(&bytes).unwrap();
    assert_eq!(imported.incident_id, "urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us");
    assert_eq!(imported.sending_agency, "state.pa.us");
    assert_eq!(imported.issuing_element, "idx.state.pa.us");
    assert_eq!(imported.updated_at, ms("2021-04-30T14:43:49.439-04:00"));
    assert_eq!(imported.call_started_at, Some(ms("2021-04-30T14:40:00.0-04:00")));
    // Its routing location is a civic address by value and the caller's is by reference:
    // neither gives coordinates, both are kept for the call-taker.
    assert_eq!(imported.location, Location::Unknown);
    assert_eq!(imported.location_type, None);
    let [civic] = imported.civic_addresses.as_slice() else { panic!("{imported:?}") };
    assert_eq!(
        (civic.get("A3"), civic.get("HNO"), civic.get("RD")),
        (Some("Wilmington"), Some("42"), Some("Cellular"))
    );
    assert_eq!(
        imported.location_references,
        [LocationReference {
            url: "https://lrf.osp.com?oasufdqwerjn12346jfias".into(),
            location_type: "Caller".into()
        }]
    );
    // sip:8195551212@osp.com, a ten-digit North American number.
    assert_eq!(imported.callback, CallbackNumber::parse("+18195551212").ok());
    assert_eq!((imported.incident_type, imported.notes.len()), (None, 0));
}

#[test]
fn our_exports_read_back_with_location_callback_and_type() {
    let c = county();
    for (name, incident) in incidents::all(&c) {
        let bytes = serde_json::to_vec(&eido::export(&incident, &c.context())).unwrap();
        let imported = import(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(imported.location, incident.location, "{name}");
        assert_eq!(imported.callback, incident.callback, "{name}");
        assert_eq!(
            imported.incident_type.as_deref(),
            Some(registry::incident_type(&incident)),
            "{name}"
        );
        assert_eq!(imported.updated_at, incident.updated_at, "{name}");
        assert_eq!(imported.call_started_at, Some(incident.opened_at), "{name}");
        assert_eq!(
            imported.incident_id,
            eido::incident_tracking_id(incident.id, incidents::ISSUER)
        );
        assert_eq!(imported.is_closed(), incident.closure.is_some(), "{name}");
    }
    let incident = incidents::nine11_with_team(&c);
    let bytes = serde_json::to_vec(&eido::export(&incident, &c.context())).unwrap();
    let notes: Vec<String> =
        import(&bytes).unwrap().notes.iter().map(|n| n.text.as_str().to_owned()).collect();
    let mut expected = vec![incident.summary.as_str().to_owned()];
    expected.extend(incident.notes.iter().map(|n| n.text.as_str().to_owned()));
    assert_eq!(notes, expected);
}

/// The EIDO with the value at `pointer` replaced (or removed, for `None`).
fn with(pointer: &str, value: Option<Value>) -> Vec<u8> {
    let mut eido = cad_eido();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = eido.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}"));
    match (parent, value) {
        (Value::Object(map), Some(v)) => drop(map.insert(key.replace("~1", "/"), v)),
        (Value::Object(map), None) => drop(map.remove(key)),
        (Value::Array(items), Some(v)) => items[key.parse::<usize>().unwrap()] = v,
        (other, _) => panic!("{pointer} in {other}"),
    }
    eido.to_string().into_bytes()
}

fn refused(bytes: &[u8]) -> String {
    match import(bytes) {
        Ok(imported) => panic!("accepted: {imported:?}"),
        Err(e @ EidoError::Invalid { .. }) => format!("{:<52} {}", e.path().unwrap(), e.message()),
        Err(e) => format!("{:<52} {e}", "-"),
    }
}

#[test]
fn each_kind_of_broken_input_is_refused_with_its_path() {
    let location = "/locationComponent/1/locationByValue";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{\"eidoVersion\": \"1.0\",".to_vec()),
        ("not an object", b"[1, 2]".to_vec()),
        ("more after the object", [cad_eido().to_string().as_bytes(), b" {}"].concat()),
        ("a field twice", b"{\"eidoVersion\": \"1.0\", \"eidoVersion\": \"1.0\"}".to_vec()),
        ("no eidoVersion", with("/eidoVersion", None)),
        ("another version", with("/eidoVersion", Some(json!("2.0")))),
        ("version as a number", with("/eidoVersion", Some(json!(1.0)))),
        ("no $id", with("/$id", None)),
        ("an $id with spaces", with("/$id", Some(json!("incident 12")))),
        ("no issuer", with("/issuingElementIdentification", None)),
        ("sender as a string", with("/updatedByAgencyReference", Some(json!("psap.example")))),
        ("sender without $ref", with("/updatedByAgencyReference", Some(json!({})))),
        ("a time without offset", with("/lastUpdateTimeStamp", Some(json!("2025-11-24T10:05:00")))),
        ("a time that is not one", with("/lastUpdateTimeStamp", Some(json!("yesterday")))),
        ("calls as an object", with("/callComponent", Some(json!({})))),
        (
            "a call's start",
            with("/callComponent/0/callStartTimestamp", Some(json!("2025-13-01T00:00:00Z"))),
        ),
        ("incident as an array", with("/incidentComponent", Some(json!([])))),
        ("no incident type", with("/incidentComponent/incidentTypeCommonRegistryText", None)),
        (
            "an empty incident type",
            with("/incidentComponent/incidentTypeCommonRegistryText", Some(json!(""))),
        ),
        (
            "a tel: URI that is no number",
            with("/callbackComponent/1/callBackInformationUri/1", Some(json!("tel:911"))),
        ),
        (
            "a URI that is not a string",
            with("/callbackComponent/1/callBackInformationUri/1", Some(json!(911))),
        ),
        ("location not XML", with(location, Some(json!("<presence")))),
        (
            "location with a DOCTYPE",
            with(location, Some(json!("<!DOCTYPE x [<!ENTITY e \"e\">]><presence/>"))),
        ),
        (
            "location with no shape",
            with(location, Some(json!("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>"))),
        ),
        (
            "location radius too large",
            with(location, Some(json!(CIRCLE.replace("25</gs:radius>", "250000</gs:radius>")))),
        ),
        (
            "location axes swapped",
            with(location, Some(json!(CIRCLE.replace("38.9717 -95.2353", "-95.2353 38.9717")))),
        ),
        (
            "location type missing",
            with("/locationComponent/0/locationTypeDescriptionRegistryText", None),
        ),
        (
            "location URL not a URL",
            with("/locationComponent/2/locationByReferenceUrl", Some(json!("lis lookup 12"))),
        ),
        (
            "a note too long",
            with("/notesComponent/0/notesActionComments", Some(json!("x".repeat(4001)))),
        ),
        (
            "a note with a bell",
            with("/notesComponent/0/notesActionComments", Some(json!("ring \u{7} ring"))),
        ),
        ("a note without text", with("/notesComponent/1/notesActionComments", None)),
        ("too large", vec![b' '; MAX_EIDO_BYTES + 1]),
    ];
    let report: Vec<String> =
        cases.iter().map(|(name, bytes)| format!("{name:<30} {}", refused(bytes))).collect();
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn deep_nesting_is_read_without_exhausting_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    // Skipped where nothing is read …
    let text = cad_eido().to_string();
    let skipped =
        text.replacen("\"someExtension\":", &format!("\"someExtension\":{deep},\"more\":"), 1);
    assert_eq!(import(skipped.as_bytes()).unwrap(), import(text.as_bytes()).unwrap());
    // … and refused at once where a value is read.
    let read = text.replacen("\"eidoVersion\":\"1.0\"", &format!("\"eidoVersion\":{deep}"), 1);
    assert_eq!(
        import(read.as_bytes()).unwrap_err(),
        EidoError::Invalid {
            path: "eidoVersion".into(),
            message: "invalid type: sequence, expected a string".into()
        }
    );
}

#[test]
fn the_summary_keeps_whole_notes_and_counts_the_rest() {
    let mut eido = cad_eido();
    let notes: Vec<Value> = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, letter)| {
            json!({
                "lastUpdateTimeStamp": format!("2025-11-24T10:0{i}:00Z"),
                "notesActionComments": letter.repeat(1900),
            })
        })
        .collect();
    eido["notesComponent"] = notes.into();
    let summary = import(eido.to_string().as_bytes()).unwrap().summary();
    assert_eq!(
        summary.as_str(),
        format!("{}\n\n{}\n\n(1 more note in the EIDO)", "a".repeat(1900), "b".repeat(1900))
    );
}
