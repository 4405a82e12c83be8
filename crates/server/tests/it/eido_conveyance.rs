//! NENA-STA-024 conveyance over a real WebSocket: a CAD pushes `requestForService` and the
//! incident is opened once and updated after, each answer valid against NENA's message
//! schema; a broken message is answered with what to fix, changes nothing, and the
//! connection goes on; the messages Crisisbridge does not implement are answered 501.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use store::{AuditLog, EventLog, IncidentFilter};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::TestApp;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub(crate) async fn connect(
    app: &TestApp,
    token: Option<&str>,
) -> Result<Socket, tungstenite::Error> {
    let url = format!("ws://{}/api/v1/eido/conveyance", app.addr);
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = token {
        request.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.map(|(socket, _)| socket)
}

/// Sends one message and reads the answer, which must be a text frame of JSON.
pub(crate) async fn ask(socket: &mut Socket, message: &str) -> Value {
    socket.send(Message::text(message)).await.unwrap();
    next(socket).await
}

/// The next text frame of JSON the server sends.
pub(crate) async fn next(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("an answer within 10 s")
            .expect("the connection stays open")
            .unwrap();
        match frame {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a text answer, got {other:?}"),
        }
    }
}

/// An answer to a push message: valid against NENA's `responseToRequestObject`, for this
/// request. Answers its code and text.
fn push_answer(answer: &Value, request_id: &str) -> (u64, String) {
    interop::grammar::assert_valid_conveyance("responseToRequestObject", answer);
    let response = &answer["response"];
    assert_eq!(response["requestId"], request_id, "{answer}");
    (response["responseCode"].as_u64().unwrap(), response["responseText"].as_str().unwrap().into())
}

/// A CAD's EIDO: one we export, under another system's incident id.
pub(crate) async fn cad_eido(app: &TestApp, calltaker: &str) -> Value {
    let source = app.open_incident(calltaker).await;
    let mut eido: Value =
        app.get(&format!("/api/v1/incidents/{source}/eido"), calltaker).await.json().await.unwrap();
    eido["$id"] = json!("urn:emergency:uid:incidentid:cad0077:cad.east-county.example");
    eido
}

/// The agency of the user whose session `token` is.
async fn agency_of(app: &TestApp, token: &str) -> domain::AgencyId {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["agency"]["id"].as_str().unwrap().parse().unwrap()
}

async fn incidents_of(app: &TestApp, agency: domain::AgencyId) -> usize {
    let filter =
        IncidentFilter { involving: Some(agency), limit: 100, ..IncidentFilter::default() };
    app.store.incidents(&filter).await.unwrap().len()
}

#[tokio::test]
async fn a_request_for_service_opens_an_incident_once_and_updates_it_after() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let eido = cad_eido(&app, &calltaker).await;
    let other = app.login("other").await;
    let other_agency = agency_of(&app, &other).await;
    let mut socket = connect(&app, Some(&other)).await.unwrap();

    let request = json!({"requestForService": {"requestId": "req-1", "eido": eido}});
    let (code, text) = push_answer(&ask(&mut socket, &request.to_string()).await, "req-1");
    assert_eq!(code, 200, "{text}");
    let id = text.strip_prefix("incident ").and_then(|t| t.strip_suffix(" opened")).unwrap();
    let opened: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &other).await.json().await.unwrap();
    assert_eq!(opened["callback_number"], "+17855550100");
    assert!(opened["notes"][0]["text"].as_str().unwrap().contains("cad0077"), "{opened}");
    assert_eq!(incidents_of(&app, other_agency).await, 1);
    // The message is in the incident's audit trail, with who sent it and what came of it —
    // committed with the incident it opened (201).
    let incident: domain::IncidentId = id.parse().unwrap();
    let records = app.store.audit_records(0, 100, Some(incident)).await.unwrap();
    let pushed: Vec<(&str, u16)> =
        records.iter().map(|r| (r.entry.action.as_str(), r.entry.outcome)).collect();
    assert!(pushed.contains(&("WS /api/v1/eido/conveyance requestForService", 201)), "{pushed:?}");
    assert!(records.iter().all(|r| r.entry.agency == Some(other_agency)));

    // The same incident again, with a new note: the same incident, updated, not a second one.
    let mut again = eido.clone();
    let mut note = eido["notesComponent"][0].clone();
    note["$id"] = json!("urn:emergency:uid:notesid:n2:cad.east-county.example");
    note["notesActionComments"] = json!("caller now on scene with a neighbour");
    again["notesComponent"].as_array_mut().unwrap().push(note);
    let request = json!({"requestForService": {"requestId": "req-2", "eido": again}});
    let (code, text) = push_answer(&ask(&mut socket, &request.to_string()).await, "req-2");
    assert_eq!((code, text), (200, format!("incident {id} updated")));
    assert_eq!(incidents_of(&app, other_agency).await, 1);
    let updated: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &other).await.json().await.unwrap();
    let notes = updated["notes"].to_string();
    assert!(notes.contains("caller now on scene with a neighbour"), "{notes}");

    // The CAD withdraws its first request: noted on the incident, which stays open.
    let (code, text) =
        push_answer(&ask(&mut socket, r#"{"cancelRequest":{"requestId":"req-1"}}"#).await, "req-1");
    assert_eq!((code, text), (200, format!("cancellation noted on incident {id}")));
    let after: Value =
        app.get(&format!("/api/v1/incidents/{id}"), &other).await.json().await.unwrap();
    assert_eq!(after["status"], updated["status"], "a cancellation does not close a contact");
    assert!(after["notes"].to_string().contains("cancelled its request for service req-1"));
    // A request this connection never made cannot be cancelled.
    let (code, _) = push_answer(
        &ask(&mut socket, r#"{"cancelREequest":{"requestId":"req-9"}}"#).await,
        "req-9",
    );
    assert_eq!(code, 404);
}

#[tokio::test]
async fn a_broken_message_is_answered_with_what_to_fix_and_changes_nothing() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let eido = cad_eido(&app, &calltaker).await;
    let other = app.login("other").await;
    let other_agency = agency_of(&app, &other).await;
    let mut socket = connect(&app, Some(&other)).await.unwrap();
    let head = app.store.head().await.unwrap();

    let mut broken = eido.clone();
    broken["callComponent"] = json!({"direction": "incoming"});
    let without_version = {
        let mut e = eido.clone();
        e.as_object_mut().unwrap().remove("eidoVersion");
        e
    };
    let cases: [(String, &str, &str); 7] = [
        ("{not json".into(), "", "not JSON"),
        ("[1, 2]".into(), "", "one JSON object"),
        (r#"{"requestForService":{"eido":{}}}"#.into(), "", "requestForService.requestId"),
        (r#"{"requestForService":{"requestId":"r1"}}"#.into(), "r1", "requestForService.eido"),
        (
            json!({"requestForService": {"requestId": "r2", "eido": broken}}).to_string(),
            "r2",
            "callComponent: invalid type: map",
        ),
        (
            json!({"requestForService": {"requestId": "r3", "eido": without_version}}).to_string(),
            "r3",
            "eidoVersion",
        ),
        (r#"{"hello":{"requestId":"r4"}}"#.into(), "r4", "not a NENA-STA-024 message"),
    ];
    for (message, request_id, says) in cases {
        let (code, text) = push_answer(&ask(&mut socket, &message).await, request_id);
        assert_eq!(code, 400, "{message}: {text}");
        assert!(text.contains(says), "{message}: the answer {text:?} should say {says:?}");
    }
    socket.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    let answer = loop {
        match socket.next().await.unwrap().unwrap() {
            Message::Text(text) => break serde_json::from_str::<Value>(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(push_answer(&answer, "").0, 400);
    assert_eq!(app.store.head().await.unwrap(), head, "nothing was written");
    assert_eq!(incidents_of(&app, other_agency).await, 0);

    // The connection goes on: a good request still works.
    let request = json!({"requestForService": {"requestId": "r5", "eido": eido}});
    assert_eq!(push_answer(&ask(&mut socket, &request.to_string()).await, "r5").0, 200);
}

#[tokio::test]
async fn the_push_messages_not_implemented_are_answered_so() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let mut socket = connect(&app, Some(&calltaker)).await.unwrap();
    for message in [
        json!({"resourceDiscovery": {"requestId": "s1", "requestAccepts": "application/json"}}),
        json!({"requestAwareness": {"requestId": "s1", "eido": {}}}),
    ] {
        let answer = ask(&mut socket, &message.to_string()).await;
        interop::grammar::assert_valid_conveyance("responseObject", &answer);
        assert_eq!(
            answer,
            json!({"response": {"requestId": "s1", "statusCode": 501, "statusText": "Not implemented"}})
        );
    }
}

#[tokio::test]
async fn the_upgrade_needs_a_session_that_may_create_incidents_and_ends_with_it() {
    let app = TestApp::spawn().await;
    match connect(&app, None).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }
    let dispatcher = app.login("dispatcher").await;
    match connect(&app, Some(&dispatcher)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("expected 403, got {other:?}"),
    }
    // Logging out ends an open connection, with a close frame that says why.
    let calltaker = app.login("calltaker").await;
    let mut socket = connect(&app, Some(&calltaker)).await.unwrap();
    let logout = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&calltaker)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await
    .expect("closed within 10 s");
    assert!(closed.unwrap().reason.contains("session ended"));
}
