//! Minimum necessary: a 988 center's clinical notes on a diverted 911 call stay with the
//! center unless its counselor shares them, and an agency that declined an incident sees it
//! as it was when it declined — in the incident, its events, its EIDO, lists and the stream.

use serde_json::{Value, json};
use store::AuditLog;

use crate::helpers::{SseReader, TestApp, assert_error};

const SECRET: &str = "uses methamphetamine daily";

async fn offer_and_accept(app: &TestApp, calltaker: &str, counselor: &str, id: &str) {
    let offer = json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "divert to 988"});
    assert_eq!(app.act(calltaker, id, offer).await.status(), 200);
    assert_eq!(app.act(counselor, id, json!({"action": "accept_transfer"})).await.status(), 200);
}

fn texts(incident: &Value) -> Vec<String> {
    incident["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_crisis_centers_notes_on_a_diverted_call_stay_with_it_unless_shared() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let mut psap_stream = SseReader::open(&app, &calltaker, "", None).await;
    let id = app.open_incident(&calltaker).await;
    offer_and_accept(&app, &calltaker, &counselor, &id).await;
    while psap_stream.next().await.event != "transfer_accepted" {}

    // The counselor's note, not choosing: the center's own record.
    let private = app.act(&counselor, &id, json!({"action": "add_note", "text": SECRET})).await;
    assert_eq!(private.status(), 200);
    let private: Value = private.json().await.unwrap();
    assert_eq!(private["incident"]["notes"][0]["audience"], "agency");
    // Shared on purpose: everyone on the call reads it, with who wrote it.
    let shared = json!({"action": "add_note", "text": "caller agreed to a mobile team visit", "audience": "involved"});
    assert_eq!(app.act(&counselor, &id, shared).await.status(), 200);
    let close = json!({"action": "close", "disposition": "resolved_by_phone", "remark": "safety plan made"});
    assert_eq!(app.act(&counselor, &id, close).await.status(), 200);

    // The stream: the shared note arrives, the private one never did before it.
    let next = psap_stream.next().await;
    assert_eq!(
        (next.event.as_str(), next.data["data"]["text"].as_str()),
        ("note_added", Some("caller agreed to a mobile team visit"))
    );
    assert_eq!(psap_stream.next().await.event, "closed", "the PSAP sees the disposition");

    let seen: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &calltaker).await.json().await.unwrap();
    assert_eq!(texts(&seen), ["caller agreed to a mobile team visit"]);
    assert_eq!(seen["closure"]["disposition"], "resolved_by_phone");
    let own: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &counselor).await.json().await.unwrap();
    assert_eq!(texts(&own), [SECRET, "caller agreed to a mobile team visit"]);
    for (who, token) in [("the PSAP", &calltaker), ("the center", &counselor)] {
        let body = |path: String| {
            let (app, token) = (&app, token.clone());
            async move { app.get(&path, &token).await.text().await.unwrap() }
        };
        let events = body(format!("/api/v1/incidents/{id}/events")).await;
        let eido = body(format!("/api/v1/incidents/{id}/eido")).await;
        let listed = body("/api/v1/incidents".to_owned()).await;
        let shows = events.contains(SECRET) || eido.contains(SECRET) || listed.contains(SECRET);
        assert_eq!(shows, who == "the center", "{who}: events {events}");
    }

    // What the center shared leaves in EIDO exports with 42 CFR 2.32's notice.
    let eido =
        app.get(&format!("/api/v1/incidents/{id}/eido"), &calltaker).await.text().await.unwrap();
    assert!(eido.contains("42 CFR part 2 prohibits unauthorized use or disclosure"), "{eido}");
    let psap_only = app.open_incident(&calltaker).await;
    let note = json!({"action": "add_note", "text": "PSAP's own note"});
    assert_eq!(app.act(&calltaker, &psap_only, note).await.status(), 200);
    let eido = app
        .get(&format!("/api/v1/incidents/{psap_only}/eido"), &calltaker)
        .await
        .text()
        .await
        .unwrap();
    assert!(!eido.contains("42 CFR part 2"), "no crisis center notes, no notice: {eido}");

    let bad = json!({"action": "add_note", "text": "x", "audience": "everyone"});
    assert_error(app.act(&counselor, &id, bad).await, 422, "invalid_field", "involved or agency")
        .await;
}

#[tokio::test]
async fn an_agency_that_declined_sees_the_incident_as_it_was_when_it_declined() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let id = app.open_incident(&calltaker).await;
    let offer = json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "divert to 988"});
    assert_eq!(app.act(&calltaker, &id, offer).await.status(), 200);
    let mut center_stream = SseReader::open(&app, &counselor, "", None).await;
    let decline = json!({"action": "decline_transfer", "reason": "caller is outside our area"});
    assert_eq!(app.act(&counselor, &id, decline).await.status(), 200);
    while center_stream.next().await.event != "transfer_declined" {}

    let later = json!({"action": "add_note", "text": "caller gave his name and address"});
    assert_eq!(app.act(&calltaker, &id, later).await.status(), 200);
    let relocate = json!({"action": "update_location", "location": {"type": "point", "lat": 39.05, "lon": -95.68, "radius_m": 10}});
    assert_eq!(app.act(&calltaker, &id, relocate).await.status(), 200);
    center_stream.assert_quiet().await;

    let then: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &counselor).await.json().await.unwrap();
    assert!(texts(&then).is_empty(), "{then}");
    assert_eq!(then["location"]["lat"], 38.9717, "the location when it declined");
    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &counselor).await.json().await.unwrap();
    assert_eq!(events.last().unwrap()["kind"], "transfer_declined");
    let listed = app.get("/api/v1/incidents", &counselor).await.text().await.unwrap();
    assert!(listed.contains(&id) && !listed.contains("his name and address"), "{listed}");
    // It changes nothing either.
    let late = json!({"action": "add_note", "text": "we could take it after all"});
    assert_error(
        app.act(&counselor, &id, late).await,
        409,
        "invalid_transition",
        "part in incident",
    )
    .await;
    // The PSAP, still holding it, sees everything.
    let now: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &calltaker).await.json().await.unwrap();
    assert_eq!(texts(&now), ["caller gave his name and address"]);

    // What was disclosed to the center is on the incident's trail, the list included.
    let records = app.store.audit_records(0, 1000, None).await.unwrap();
    let listed = records.iter().filter(|r| {
        r.entry.action == "GET /api/v1/incidents: listed"
            && r.entry.incident.map(|i| i.to_string()) == Some(id.clone())
    });
    assert_eq!(listed.count(), 1);
    let streamed = records.iter().filter(|r| {
        r.entry.action.starts_with("GET /api/v1/stream: ")
            && r.entry.incident.map(|i| i.to_string()) == Some(id.clone())
    });
    assert!(streamed.count() >= 1, "the decline went to the center's stream");
}
