//! The live stream: events arrive as they commit, only the agency's own, and a reconnecting
//! client resumes exactly where it stopped.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{SseReader, TestApp};

#[tokio::test]
async fn events_arrive_live_in_order() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let mut stream = SseReader::open(&app, &token, "", None).await;
    let id = app.open_incident(&token).await;
    app.act(&token, &id, json!({"action": "add_note", "text": "caller calmer"})).await;

    let opened = stream.next().await;
    assert_eq!((opened.id, opened.event.as_str()), (1, "opened"));
    assert_eq!(opened.data["incident_id"], id);
    assert_eq!(opened.data["data"]["channel"], "911");
    // An event's location reads exactly as the incident's does in the API.
    let incident: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &token).await.json().await.unwrap();
    assert_eq!(opened.data["data"]["location"], incident["location"]);
    let note = stream.next().await;
    assert_eq!((note.id, note.event.as_str()), (2, "note_added"));
    assert_eq!(note.data["data"]["text"], "caller calmer");
}

#[tokio::test]
async fn an_agency_sees_only_events_of_incidents_it_is_involved_in() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let mut center = SseReader::open(&app, &counselor, "", None).await;
    let id = app.open_incident(&calltaker).await;
    center.assert_quiet().await;

    let offer = json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "divert"});
    app.act(&calltaker, &id, offer).await;
    let offered = center.next().await;
    assert_eq!(offered.event, "transfer_offered");
    assert_eq!(offered.data["data"]["to"], app.center.id.to_string());
}

#[tokio::test]
async fn a_reconnecting_client_gets_exactly_what_it_missed() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let id = app.open_incident(&token).await;
    let mut first = SseReader::open(&app, &token, "?after=0", None).await;
    assert_eq!(first.next().await.id, 1);
    drop(first);

    for n in 0..5 {
        app.act(&token, &id, json!({"action": "add_note", "text": format!("note {n}")})).await;
    }
    // Resume with Last-Event-ID as a browser does: the backlog, then live events, no repeats.
    let mut resumed = SseReader::open(&app, &token, "", Some(1)).await;
    for want in 2..=6 {
        assert_eq!(resumed.next().await.id, want);
    }
    app.act(&token, &id, json!({"action": "add_note", "text": "live"})).await;
    let live = resumed.next().await;
    assert_eq!((live.id, live.data["data"]["text"].as_str()), (7, Some("live")));
    resumed.assert_quiet().await;

    // `?after=` works the same for clients that cannot set headers.
    let mut from_query = SseReader::open(&app, &token, "?after=5", None).await;
    assert_eq!(from_query.next().await.id, 6);
    assert_eq!(from_query.next().await.id, 7);
}

#[tokio::test]
async fn concurrent_writers_never_make_a_subscriber_miss_or_repeat_an_event() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let id = app.open_incident(&token).await;
    let mut stream = SseReader::open(&app, &token, "?after=0", None).await;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (client, url, token) = (
                app.client.clone(),
                app.url(&format!("/api/v1/incidents/{id}/actions")),
                token.clone(),
            );
            tokio::spawn(async move {
                for n in 0..25 {
                    let body =
                        json!({"action": "add_note", "text": format!("writer {w} note {n}")});
                    let response =
                        client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    for want in 1..=101 {
        assert_eq!(stream.next().await.id, want);
    }
    stream.assert_quiet().await;
}

#[tokio::test]
async fn a_malformed_last_event_id_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let response = app
        .client
        .get(app.url("/api/v1/stream"))
        .bearer_auth(&token)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    crate::helpers::assert_error(response, 400, "invalid_parameter", "Last-Event-ID").await;
}

#[tokio::test]
async fn a_stream_ends_when_its_session_does() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let mut stream = SseReader::open(&app, &token, "", None).await;
    let id = app.open_incident(&token).await;
    assert_eq!(stream.next().await.data["incident_id"], id);
    let response = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    // The server closes the stream at its next session check (100 ms in tests).
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.body.next().await {
                None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream of a logged-out session must end");
}
