//! Auto-assignment for a provider that allows it: an offer is accepted and the best team sent
//! by Crisisbridge when the recommendation is sure, and otherwise waits for a dispatcher with
//! a note saying why — until a team can be sent.

use std::sync::Arc;

use serde_json::{Value, json};
use server::{Application, Settings};
use store::{Directory, Store};

use crate::helpers::{SseReader, TestApp};

const T0: i64 = 1_764_000_000_000;

async fn team_act(app: &TestApp, token: &str, body: Value) {
    let r =
        app.post_json(&format!("/api/v1/teams/{}/actions", app.team.id), Some(token), &body).await;
    assert_eq!(r.status(), 200, "{body}");
}

async fn report_position(app: &TestApp, token: &str) {
    let fix = json!({"at": T0, "lat": 38.9600, "lon": -95.2500, "accuracy_m": 8.0});
    let r =
        app.post_json(&format!("/api/v1/teams/{}/positions", app.team.id), Some(token), &fix).await;
    assert_eq!(r.status(), 200);
}

/// Opens an incident and offers it to the provider; its id.
async fn offer_to_provider(app: &TestApp, calltaker: &str) -> String {
    let id = app.open_incident(calltaker).await;
    let offer = json!({"action": "offer_transfer", "to_agency": app.provider.id.to_string(), "reason": "mobile crisis"});
    assert_eq!(app.act(calltaker, &id, offer).await.status(), 200);
    id
}

/// The logged events the stream shows on `incident`, until (and with) one of kind `last`.
async fn events_until(stream: &mut SseReader, incident: &str, last: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let (id, kind, data) = stream.next_message().await;
        if id.is_none() || data["incident_id"] != incident {
            continue; // team messages, other incidents
        }
        seen.push(data);
        if kind == last {
            return seen;
        }
    }
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_sure_recommendation_is_accepted_and_sent_by_crisisbridge() {
    let app = TestApp::spawn_auto_assigning().await;
    let (calltaker, dispatcher, responder) =
        (app.login("calltaker").await, app.login("dispatcher").await, app.login("responder").await);
    team_act(&app, &responder, json!({"action": "start_shift"})).await;
    report_position(&app, &responder).await;
    let mut stream = SseReader::open(&app, &dispatcher, "", None).await;

    let id = offer_to_provider(&app, &calltaker).await;
    let events = events_until(&mut stream, &id, "note_added").await;
    assert_eq!(
        kinds(&events),
        ["transfer_offered", "transfer_accepted", "team_dispatched", "note_added"]
    );
    for e in &events[1..] {
        assert_eq!(
            (&e["actor"], e["agency"].as_str()),
            (&Value::Null, Some(app.provider.id.to_string().as_str())),
            "Crisisbridge acts on the provider's behalf: {e}"
        );
    }
    let note = events[3]["data"]["text"].as_str().unwrap();
    assert!(note.starts_with("Accepted by auto-assignment"), "{note}");
    assert!(note.contains("Team Lawrence 1"), "the note explains the choice: {note}");
    assert_eq!(events[2]["data"]["team"], app.team.id.to_string());

    let incident: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &dispatcher).await.json().await.unwrap();
    assert_eq!(incident["holder"], app.provider.id.to_string());
    assert_eq!(incident["status"], "team_dispatched");
    let teams: Vec<Value> = app.get("/api/v1/teams", &dispatcher).await.json().await.unwrap();
    assert_eq!(
        (teams[0]["status"].as_str(), teams[0]["incident"].as_str()),
        (Some("dispatched"), Some(id.as_str()))
    );

    // The team is busy now: a second offer is not answered by itself, and says why.
    let second = offer_to_provider(&app, &calltaker).await;
    let events = events_until(&mut stream, &second, "note_added").await;
    assert_eq!(kinds(&events), ["transfer_offered", "note_added"]);
    let note = events[1]["data"]["text"].as_str().unwrap();
    assert!(note.starts_with("Auto-assignment sent no team"), "{note}");
    let waiting: Value =
        app.get(&format!("/api/v1/incidents/{second}"), &dispatcher).await.json().await.unwrap();
    assert_eq!(waiting["status"], "transfer_pending");
}

#[tokio::test]
async fn an_offer_waits_for_a_dispatcher_until_a_team_can_be_sent() {
    let app = TestApp::spawn_auto_assigning().await;
    let (calltaker, dispatcher, responder) =
        (app.login("calltaker").await, app.login("dispatcher").await, app.login("responder").await);
    let mut stream = SseReader::open(&app, &dispatcher, "", None).await;
    // The only team is off shift: nobody can be sent.
    let id = offer_to_provider(&app, &calltaker).await;
    let events = events_until(&mut stream, &id, "note_added").await;
    let note = events.last().unwrap()["data"]["text"].as_str().unwrap().to_owned();
    assert!(note.contains("off shift"), "the note names the reason: {note}");

    // On shift but with no fix yet: only a home base, which needs a person's judgement. The
    // offer was explained once; it is not explained again while it waits.
    team_act(&app, &responder, json!({"action": "start_shift"})).await;
    // A live position makes the recommendation sure: the waiting offer is answered.
    report_position(&app, &responder).await;
    let events = events_until(&mut stream, &id, "note_added").await;
    assert_eq!(kinds(&events), ["transfer_accepted", "team_dispatched", "note_added"]);
    let all: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &dispatcher).await.json().await.unwrap();
    let notes = all.iter().filter(|e| e["kind"] == "note_added").count();
    assert_eq!(notes, 2, "one note while waiting, one on accepting: {all:?}");
}

#[tokio::test]
async fn a_provider_code_that_is_not_one_stops_the_server_with_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store_sql::SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
    let psap = domain::Agency {
        id: domain::AgencyId::new(domain::Timestamp::from_millis(1)),
        code: "psap-20045".into(),
        name: "Douglas County 911".into(),
        kind: domain::AgencyKind::Psap,
        time_zone: "America/Chicago".into(),
        uri: None,
    };
    store.put_agency(&psap).await.unwrap();
    for (code, says) in [
        ("mct-nowhere", "no agency has the code \"mct-nowhere\""),
        ("psap-20045", "is Douglas County 911, not a mobile crisis provider"),
    ] {
        let settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            auto_assign: vec![code.to_owned()],
            ..Settings::default()
        };
        let clock = Arc::new(server::SystemClock);
        let err = Application::build(settings, store.clone() as Arc<dyn Store>, clock)
            .await
            .expect_err(code);
        assert!(err.to_string().contains(says), "{err}");
    }
}
