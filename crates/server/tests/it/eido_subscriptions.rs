//! NENA-STA-024 subscribe/notify over a real WebSocket: a CAD follows one incident or every new
//! incident of its agency and gets each change as an EIDO, until it unsubscribes or the
//! subscription expires; every message valid against NENA's schemas; requests we cannot serve
//! are refused with a code and a reason.

use futures_util::SinkExt;
use serde_json::{Value, json};
use store::AuditLog;
use tokio_tungstenite::tungstenite::Message;

use crate::eido_conveyance::{Socket, ask, cad_eido, connect, next};
use crate::helpers::TestApp;

fn subscribe(request_id: &str, sub_type: &str, incident: Option<&str>) -> String {
    let mut body =
        json!({"requestId": request_id, "requestType": "EIDO", "requestSubType": sub_type});
    if let Some(incident) = incident {
        body["incidentId"] = json!(incident);
    }
    json!({ "subscribe": body }).to_string()
}

/// A granted subscription: its id.
fn granted(answer: &Value, request_id: &str) -> String {
    interop::grammar::assert_valid_conveyance("subscribeResponseObject", answer);
    let response = &answer["subscribeResponse"];
    assert_eq!(
        (response["requestId"].as_str(), response["statusCode"].as_u64()),
        (Some(request_id), Some(200)),
        "{answer}"
    );
    response["subscriptionId"].as_str().unwrap().to_owned()
}

/// A notification for `subscription`: its EIDO, valid against NENA's schemas.
async fn notified(socket: &mut Socket, subscription: &str) -> Value {
    let message = next(socket).await;
    interop::grammar::assert_valid_conveyance("eventObject", &message);
    let event = &message["event"];
    assert_eq!(event["subscriptionId"], subscription, "{message}");
    assert!(event["transactionId"].as_str().is_some_and(|t| !t.is_empty()));
    let eido = event["notification"][0].clone();
    interop::grammar::assert_valid_eido(&eido);
    eido
}

fn internal_id(eido: &Value) -> &str {
    eido["incidentComponent"]["internalIncidentId"].as_str().unwrap()
}

/// A CAD hands a call over on `socket` (a `requestForService` with an EIDO of an incident
/// `calltaker` opened): the id of the incident opened.
async fn handed_over(app: &TestApp, socket: &mut Socket, calltaker: &str) -> String {
    let eido = cad_eido(app, calltaker).await;
    let request = json!({"requestForService": {"requestId": "r1", "eido": eido}});
    let answer = ask(socket, &request.to_string()).await;
    let text = answer["response"]["responseText"].as_str().unwrap().to_owned();
    text.strip_prefix("incident ").unwrap().strip_suffix(" opened").unwrap().to_owned()
}

#[tokio::test]
async fn a_subscriber_follows_one_incident_until_it_unsubscribes() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let other = app.login("other").await;
    let mut socket = connect(&app, Some(&other)).await.unwrap();
    // The CAD hands a call over, then follows it.
    let id = handed_over(&app, &mut socket, &calltaker).await;

    let subscription =
        granted(&ask(&mut socket, &subscribe("s1", "single", Some(&id))).await, "s1");
    let now = notified(&mut socket, &subscription).await;
    assert_eq!(internal_id(&now), id, "at once, the incident as it is");

    // Someone here adds a note: the subscriber gets the incident again, with the note.
    app.act(&other, &id, json!({"action": "add_note", "text": "team on the way"})).await;
    let changed = notified(&mut socket, &subscription).await;
    assert!(changed["notesComponent"].to_string().contains("team on the way"), "{changed}");
    // Acknowledging a notification needs no answer; unsubscribing does.
    let transaction = "ack-1";
    socket
        .send(Message::text(json!({"eventResponse": {"transactionId": transaction, "statusCode": 200, "statusText": "OK"}}).to_string()))
        .await
        .unwrap();
    let gone = ask(
        &mut socket,
        &json!({"unsubscribe": {"requestId": "u1", "subscriptionId": subscription}}).to_string(),
    )
    .await;
    interop::grammar::assert_valid_conveyance("unsubscribeResponseObject", &gone);
    assert_eq!(gone["unsubscribeResponse"]["statusCode"], 200);
    let again = ask(
        &mut socket,
        &json!({"unsubscribe": {"requestId": "u2", "subscriptionId": subscription}}).to_string(),
    )
    .await;
    assert_eq!(again["unsubscribeResponse"]["statusCode"], 481);

    // Each notification is an export in the incident's audit trail.
    let incident: domain::IncidentId = id.parse().unwrap();
    let exports = app
        .store
        .audit_records(0, 100, Some(incident))
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == "WS /api/v1/eido/conveyance event")
        .count();
    assert_eq!(exports, 2);
}

#[tokio::test]
async fn a_new_subscription_gets_the_agencys_new_incidents_only() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let supervisor = app.login("supervisor").await;
    let other = app.login("other").await;
    let mut socket = connect(&app, Some(&supervisor)).await.unwrap();
    let subscription = granted(&ask(&mut socket, &subscribe("s1", "new", None)).await, "s1");
    // Another agency's incident first, then one of ours: only ours is notified.
    app.open_incident(&other).await;
    let ours = app.open_incident(&calltaker).await;
    let eido = notified(&mut socket, &subscription).await;
    assert_eq!(internal_id(&eido), ours);
}

#[tokio::test]
async fn subscriptions_that_cannot_be_served_are_refused_with_a_reason() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let theirs = app.open_incident(&app.login("other").await).await;
    let mut socket = connect(&app, Some(&calltaker)).await.unwrap();
    let unknown = domain::IncidentId::new(domain::Timestamp::from_millis(7)).to_string();
    let cases = [
        (json!({"subscribe": {"requestId": "a", "requestSubType": "new"}}), 400, "requestType"),
        (
            json!({"subscribe": {"requestId": "b", "requestType": "EIDO", "requestSubType": "new", "qualFilter": "x"}}),
            406,
            "qualFilter",
        ),
        (
            json!({"subscribe": {"requestId": "c", "requestType": "EIDO", "requestSubType": "resource"}}),
            406,
            "resource",
        ),
        (
            json!({"subscribe": {"requestId": "d", "requestType": "EIDO", "requestSubType": "single"}}),
            400,
            "incidentId",
        ),
        (
            json!({"subscribe": {"requestId": "e", "requestType": "EIDO", "requestSubType": "single", "incidentId": unknown}}),
            404,
            "not found",
        ),
        (
            json!({"subscribe": {"requestId": "f", "requestType": "EIDO", "requestSubType": "single", "incidentId": theirs}}),
            404,
            "not found",
        ),
        (
            json!({"subscribe": {"requestId": "g", "subscriptionId": "nope"}}),
            481,
            "no such subscription",
        ),
    ];
    for (message, code, says) in cases {
        let answer = ask(&mut socket, &message.to_string()).await;
        interop::grammar::assert_valid_conveyance("subscribeResponseObject", &answer);
        let response = &answer["subscribeResponse"];
        assert_eq!(response["statusCode"], code, "{message}: {answer}");
        assert!(response["statusText"].as_str().unwrap().contains(says), "{message}: {answer}");
        assert!(response.get("subscriptionId").is_none());
    }
}

#[tokio::test]
async fn a_subscription_ends_with_terminate_when_it_expires() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let mut socket = connect(&app, Some(&calltaker)).await.unwrap();
    let ask_for = json!({"subscribe": {"requestId": "s1", "requestType": "EIDO", "requestSubType": "new", "expires": 5}});
    let answer = ask(&mut socket, &ask_for.to_string()).await;
    let subscription = granted(&answer, "s1");
    assert_eq!(answer["subscribeResponse"]["expires"], 60, "the shortest lifetime granted");
    // Renewing keeps the id.
    let renew =
        json!({"subscribe": {"requestId": "s2", "subscriptionId": subscription, "expires": 60}});
    assert_eq!(granted(&ask(&mut socket, &renew.to_string()).await, "s2"), subscription);
    app.clock.advance_ms(61_000);
    let ended = next(&mut socket).await;
    interop::grammar::assert_valid_conveyance("terminateObject", &ended);
    assert_eq!(ended["terminate"]["subscriptionId"], subscription);
    let gone = ask(
        &mut socket,
        &json!({"unsubscribe": {"requestId": "u1", "subscriptionId": subscription}}).to_string(),
    )
    .await;
    assert_eq!(gone["unsubscribeResponse"]["statusCode"], 481, "it is gone");
}

#[tokio::test]
async fn max_rate_coalesces_changes_into_one_notification_and_the_granted_rates_are_said() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let other = app.login("other").await;
    let mut socket = connect(&app, Some(&other)).await.unwrap();
    let id = handed_over(&app, &mut socket, &calltaker).await;

    // At most one notification per 3 s; a heartbeat asked every second is granted at the
    // least the server allows (10 s, and never below maxRate).
    let mut body: Value = serde_json::from_str(&subscribe("s1", "single", Some(&id))).unwrap();
    body["subscribe"]["maxRate"] = json!(3);
    body["subscribe"]["minRate"] = json!(1);
    let answer = ask(&mut socket, &body.to_string()).await;
    let subscription = granted(&answer, "s1");
    assert_eq!(
        (&answer["subscribeResponse"]["maxRate"], &answer["subscribeResponse"]["minRate"]),
        (&json!(3), &json!(10)),
        "{answer}"
    );
    notified(&mut socket, &subscription).await;

    // Three changes inside the window: one notification, with all three.
    for note in ["first", "second", "third"] {
        app.act(&other, &id, json!({"action": "add_note", "text": note})).await;
    }
    let coalesced = notified(&mut socket, &subscription).await;
    let notes = coalesced["notesComponent"].to_string();
    assert!(["first", "second", "third"].iter().all(|n| notes.contains(n)), "{coalesced}");
    // Nothing else was held back: the next message is the answer to unsubscribing.
    let gone = ask(
        &mut socket,
        &json!({"unsubscribe": {"requestId": "u1", "subscriptionId": subscription}}).to_string(),
    )
    .await;
    assert_eq!(gone["unsubscribeResponse"]["statusCode"], 200, "{gone}");

    // A "new" subscription has no incident to repeat: minRate is not granted.
    let mut body: Value = serde_json::from_str(&subscribe("s2", "new", None)).unwrap();
    body["subscribe"]["minRate"] = json!(60);
    let answer = ask(&mut socket, &body.to_string()).await;
    granted(&answer, "s2");
    assert!(answer["subscribeResponse"].get("minRate").is_none(), "{answer}");
    // A rate that is not a whole number of seconds is refused, and says what to send.
    let mut body: Value = serde_json::from_str(&subscribe("s3", "new", None)).unwrap();
    body["subscribe"]["maxRate"] = json!(-5);
    let refused = ask(&mut socket, &body.to_string()).await;
    assert_eq!(refused["response"]["responseCode"], 400, "{refused}");
    assert_eq!(
        refused["response"]["responseText"],
        "subscribe.maxRate: give a whole number of seconds, 0 or more"
    );
}
