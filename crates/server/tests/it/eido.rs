//! NENA EIDO through the API: an exported incident validates against NENA's schema, and an
//! EIDO from a CAD opens an incident once and updates it after — an invalid one is refused
//! with its JSON path and changes nothing.

use serde_json::{Value, json};
use store::EventLog;

use crate::helpers::{TestApp, assert_error};

async fn post_eido(app: &TestApp, token: &str, eido: &Value) -> reqwest::Response {
    app.post_json("/api/v1/eido", Some(token), eido).await
}

#[tokio::test]
async fn an_exported_incident_is_a_valid_eido() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let id = app.open_incident(&calltaker).await;
    app.act(&calltaker, &id, json!({"action": "add_note", "text": "caller calmer now"})).await;
    let response = app.get(&format!("/api/v1/incidents/{id}/eido"), &calltaker).await;
    assert_eq!(response.status(), 200);
    let eido: Value = response.json().await.unwrap();
    interop::grammar::assert_valid_eido(&eido);
    assert!(eido["$id"].as_str().unwrap().starts_with("urn:emergency:uid:incidentid:"), "{eido}");
    assert_eq!(eido["issuingElementIdentification"], "lost.crisisbridge.local");
    let roles: Vec<&Value> = eido["agencyComponent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["agencyRoleDescriptionRegistryText"])
        .collect();
    assert!(roles.iter().any(|r| r.to_string().contains("CallReceiving")), "{roles:?}");
    // Another agency does not see it, as EIDO or otherwise.
    let other = app.login("other").await;
    assert_eq!(app.get(&format!("/api/v1/incidents/{id}/eido"), &other).await.status(), 404);
}

#[tokio::test]
async fn an_eido_from_a_cad_opens_an_incident_once_and_updates_it_after() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    // A CAD's EIDO: here, one we export, under another system's incident id.
    let source = app.open_incident(&calltaker).await;
    let mut eido: Value = app
        .get(&format!("/api/v1/incidents/{source}/eido"), &calltaker)
        .await
        .json()
        .await
        .unwrap();
    eido["$id"] = json!("urn:emergency:uid:incidentid:cad0042:cad.east-county.example");
    let other = app.login("other").await;

    let first = post_eido(&app, &other, &eido).await;
    assert_eq!(first.status(), 201);
    let opened: Value = first.json().await.unwrap();
    assert_eq!(opened["callback_number"], "+17855550100");
    assert_eq!(opened["location"]["type"], "point");
    assert!(opened["notes"][0]["text"].as_str().unwrap().contains("cad0042"), "{opened}");
    let routed: Vec<&str> = opened["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service"].as_str().unwrap())
        .collect();
    assert!(routed.contains(&"urn:service:sos"), "routed like any new incident: {routed:?}");

    // The same EIDO again: the same incident, nothing new.
    let again = post_eido(&app, &other, &eido).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(
        (again["id"].as_str(), again["version"].as_u64()),
        (opened["id"].as_str(), opened["version"].as_u64())
    );

    // An update with a new location re-routes the incident.
    let mut moved = eido.clone();
    let by_value = moved["locationComponent"][0]["locationByValue"].as_str().unwrap().to_owned();
    let first_pos =
        by_value.split("<gml:pos>").nth(1).unwrap().split("</gml:pos>").next().unwrap().to_owned();
    moved["locationComponent"][0]["locationByValue"] =
        json!(by_value.replace(&first_pos, "38.5 -94.5"));
    let updated: Value = post_eido(&app, &other, &moved).await.json().await.unwrap();
    assert_eq!(updated["location"]["lat"], 38.5);
    assert!(updated["version"].as_u64() > opened["version"].as_u64());
}

#[tokio::test]
async fn an_invalid_eido_is_refused_with_its_path_and_changes_nothing() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let head = app.store.head().await.unwrap();
    let mut eido = json!({"$id": "urn:emergency:uid:incidentid:abc123:cad.example", "eidoVersion": "1.0",
        "issuingElementIdentification": "cad.example", "updatedByAgencyReference": {"$ref": "cad.example"},
        "lastUpdateTimeStamp": "2025-11-24T10:05:00Z"});
    eido["lastUpdateTimeStamp"] = json!("yesterday");
    let refused = assert_error(
        post_eido(&app, &calltaker, &eido).await,
        422,
        "invalid_eido",
        "lastUpdateTimeStamp",
    )
    .await;
    assert_eq!(refused["error"]["field"], "lastUpdateTimeStamp");
    let response = app
        .client
        .post(app.url("/api/v1/eido"))
        .bearer_auth(&calltaker)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let not_json = app
        .client
        .post(app.url("/api/v1/eido"))
        .bearer_auth(&calltaker)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(not_json, 400, "malformed_json", "").await;
    assert_eq!(app.store.head().await.unwrap(), head);
    let responder = app.login("responder").await;
    assert_error(post_eido(&app, &responder, &eido).await, 403, "forbidden", "").await;
}

/// NENA's sample call-transfer EIDO carries a civic address by value: the incident keeps it,
/// on one line, beside the coordinates.
#[tokio::test]
async fn the_civic_address_of_a_cads_eido_is_kept() {
    let Some(bytes) = interop::grammar::read_spec("eido/Samples/Sample call transfer EIDO.json")
    else {
        return;
    };
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let sample: Value = serde_json::from_slice(&bytes).unwrap();
    let response = post_eido(&app, &calltaker, &sample).await;
    assert_eq!(response.status(), 201);
    let opened: Value = response.json().await.unwrap();
    assert_eq!(opened["address"], "42 W Cellular Street, Wilmington, DE", "{opened}");

    // The CAD sends the same incident with another address: it replaces the first.
    let moved = serde_json::to_string(&sample).unwrap().replace("<HNO>42</HNO>", "<HNO>44</HNO>");
    let moved: Value = serde_json::from_str(&moved).unwrap();
    let updated: Value = post_eido(&app, &calltaker, &moved).await.json().await.unwrap();
    assert_eq!(updated["address"], "44 W Cellular Street, Wilmington, DE", "{updated}");
    // The same again changes nothing.
    let again: Value = post_eido(&app, &calltaker, &moved).await.json().await.unwrap();
    assert_eq!(again["version"], updated["version"]);
}

/// A CAD's update that moves the incident without a civic address clears the address said
/// for the old place.
#[tokio::test]
async fn a_move_without_an_address_clears_the_old_one() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let source = app.open_incident(&calltaker).await;
    let mut eido: Value = app
        .get(&format!("/api/v1/incidents/{source}/eido"), &calltaker)
        .await
        .json()
        .await
        .unwrap();
    eido["$id"] = json!("urn:emergency:uid:incidentid:cad0077:cad.east-county.example");
    let other = app.login("other").await;
    let opened: Value = post_eido(&app, &other, &eido).await.json().await.unwrap();
    assert_eq!(opened["address"], Value::Null, "the EIDO has no civic address");
    let id = opened["id"].as_str().unwrap();
    let said =
        app.act(&other, id, json!({"action": "record_address", "address": "1200 Iowa St"})).await;
    assert_eq!(said.status(), 200);
    let by_value = eido["locationComponent"][0]["locationByValue"].as_str().unwrap().to_owned();
    let first_pos =
        by_value.split("<gml:pos>").nth(1).unwrap().split("</gml:pos>").next().unwrap().to_owned();
    eido["locationComponent"][0]["locationByValue"] =
        json!(by_value.replace(&first_pos, "38.5 -94.5"));
    let updated: Value = post_eido(&app, &other, &eido).await.json().await.unwrap();
    assert_eq!(updated["location"]["lat"], 38.5);
    assert_eq!(updated["address"], Value::Null, "{updated}");
}
