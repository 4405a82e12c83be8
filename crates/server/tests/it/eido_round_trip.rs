//! An EIDO in and out again: NENA's sample call-transfer EIDO imported, then exported, keeps
//! its leaf values — the sender's identifiers, call, callback, agent, persons, additional data
//! and locations — with what Crisisbridge added laid over it; each export valid against NENA's
//! schemas.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Every leaf value of a JSON document with its JSON pointer.
fn leaves(value: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), value)];
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    stack.push((format!("{path}/{key}"), v));
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    stack.push((format!("{path}/{i}"), v));
                }
            }
            leaf => out.push((path, leaf.clone())),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The sample's leaves the export holds at the same place with the same value, and the ones
/// it does not.
fn kept(sample: &Value, export: &Value) -> (usize, Vec<String>) {
    let all = leaves(sample);
    let lost: Vec<String> = all
        .iter()
        .filter(|(path, value)| export.pointer(path) != Some(value))
        .map(|(path, _)| path.clone())
        .collect();
    (all.len() - lost.len(), lost)
}

/// The incident as EIDO, valid against NENA's schemas.
async fn export(app: &TestApp, id: &str, token: &str) -> Value {
    let response = app.get(&format!("/api/v1/incidents/{id}/eido"), token).await;
    assert_eq!(response.status(), 200);
    let eido: Value = response.json().await.unwrap();
    interop::grammar::assert_valid_eido(&eido);
    eido
}

#[tokio::test]
async fn the_sample_eido_comes_back_with_its_leaf_values_and_ours_laid_over() {
    let Some(bytes) = interop::grammar::read_spec("eido/Samples/Sample call transfer EIDO.json")
    else {
        return;
    };
    let sample: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(leaves(&sample).len(), 72, "NENA's sample has 72 leaf values");
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let response = app.post_json("/api/v1/eido", Some(&calltaker), &sample).await;
    assert_eq!(response.status(), 201);
    let opened: Value = response.json().await.unwrap();
    let id = opened["id"].as_str().unwrap().to_owned();
    // The call's start and answer, its persons and additional data are on the incident's
    // origin note, from the sender's record.
    let notes = opened["notes"].to_string();
    assert!(
        notes.contains("call started 2021-04-30T18:40:00Z, answered 2021-04-30T18:42:00Z; persons: Caller; 3 additional data"),
        "{notes}"
    );

    // Straight back: every one of the sample's 72 leaf values, and Crisisbridge's incident
    // status and agency beside them.
    let back = export(&app, &id, &calltaker).await;
    let (count, lost) = kept(&sample, &back);
    assert!(lost.is_empty(), "kept {count} of 72; lost {lost:?}");
    assert_eq!(back["incidentComponent"]["incidentStatusCommonRegistryText"], json!(["Active"]));
    let agencies = back["agencyComponent"].as_array().unwrap();
    assert!(agencies.len() >= 2, "the sender's agency and ours: {agencies:?}");

    // After a note here: the document says Crisisbridge updated it last, and carries the note.
    // Only the four leaves that say who updated the document last give way (the sender's
    // time, agency, agent and issuing element): 68 of 72.
    app.clock.advance_ms(60_000);
    app.act(&calltaker, &id, json!({"action": "add_note", "text": "mobile crisis team requested"}))
        .await;
    let updated = export(&app, &id, &calltaker).await;
    let (count, lost) = kept(&sample, &updated);
    assert_eq!(
        lost,
        [
            "/issuingElementIdentification",
            "/lastUpdateTimeStamp",
            "/updatedByAgencyReference/$ref",
            "/updatedByAgentReference/$ref"
        ],
        "kept {count} of 72"
    );
    assert_eq!(updated["issuingElementIdentification"], "lost.crisisbridge.local");
    assert!(updated["notesComponent"].to_string().contains("mobile crisis team requested"));
    assert_eq!(updated["$id"], sample["$id"], "the sender's incident id stays");
    // The sender's document has no coordinates by value; located here, the export carries
    // our location and points the incident at it first.
    assert!(!updated.to_string().contains("#location"), "not located yet: {updated}");
    app.clock.advance_ms(60_000);
    let located = json!({"action": "update_location",
                         "location": {"type": "point", "lat": 39.7459, "lon": -75.5466, "radius_m": 25}});
    app.act(&calltaker, &id, located).await;
    let relocated = export(&app, &id, &calltaker).await;
    let first_ref =
        relocated["incidentComponent"]["locationReference"][0]["$ref"].as_str().unwrap();
    assert!(first_ref.ends_with("#location"), "{relocated}");
    let components = relocated["locationComponent"].as_array().unwrap();
    assert!(components.iter().any(|c| c["$id"] == first_ref), "{relocated}");
    assert_eq!(components.len(), 3, "the sender's two and ours");
}

#[tokio::test]
async fn an_agency_that_declined_sees_the_senders_document_only_as_it_stood_then() {
    let Some(bytes) = interop::grammar::read_spec("eido/Samples/Sample call transfer EIDO.json")
    else {
        return;
    };
    let sample: Value = serde_json::from_slice(&bytes).unwrap();
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let opened: Value =
        app.post_json("/api/v1/eido", Some(&calltaker), &sample).await.json().await.unwrap();
    let id = opened["id"].as_str().unwrap().to_owned();
    // Offered to the 988 backup (the default for a location no area serves), which declines.
    let offer = json!({"action": "offer_transfer", "service": "urn:service:counseling.suicide",
                       "reason": "divert to 988"});
    let offered: Value = app.act(&calltaker, &id, offer).await.json().await.unwrap();
    assert_eq!(offered["incident"]["transfer"]["to"], app.backup.id.to_string(), "{offered}");
    let backup = app.login("backup-counselor").await;
    app.clock.advance_ms(1_000);
    app.act(&backup, &id, json!({"action": "decline_transfer", "reason": "no counselor free"}))
        .await;
    let seen_then = export(&app, &id, &backup).await;

    // The CAD sends more: a witness and a note.
    app.clock.advance_ms(60_000);
    let mut more = sample.clone();
    more["personComponent"].as_array_mut().unwrap().push(json!({
        "$id": "witness-1",
        "lastUpdateTimeStamp": "2021-04-30T14:45:00-04:00",
        "updatedByAgencyReference": {"$ref": "state.pa.us"},
        "personIncidentRoleRegistryText": ["Witness"]
    }));
    more["notesComponent"] = json!([{
        "$id": "n-1",
        "lastUpdateTimeStamp": "2021-04-30T14:45:00-04:00",
        "updatedByAgencyReference": {"$ref": "state.pa.us"},
        "notesActionComments": "witness saw the caller on the bridge"
    }]);
    let response = app.post_json("/api/v1/eido", Some(&calltaker), &more).await;
    assert_eq!(response.status(), 200);
    // The PSAP holding the incident sees it; the agency that declined does not.
    assert!(export(&app, &id, &calltaker).await.to_string().contains("witness-1"));
    let backup_now = export(&app, &id, &backup).await;
    assert!(!backup_now.to_string().contains("witness-1"), "{backup_now}");
    assert_eq!(backup_now["personComponent"], seen_then["personComponent"]);
}
