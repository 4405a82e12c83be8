//! `POST /api/v1/calls`: the phone system's steps of a contact — idempotent by its call id,
//! refused when they contradict what is recorded or are malformed, and read by the
//! answer-time measures of the agency that received them.

use serde_json::{Value, json};
use store::{AuditLog, CallLog};

use crate::helpers::{TestApp, assert_error};

const NOW: i64 = 1_764_000_000_000;

async fn post(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_json("/api/v1/calls", Some(token), &body).await
}

/// Every call step the store holds.
async fn every_step(app: &TestApp) -> Vec<store::RecordedCall> {
    let (from, to) = (domain::Timestamp::from_millis(0), domain::Timestamp::from_millis(i64::MAX));
    app.store.calls_between(from, to, None).await.unwrap()
}

fn measure<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["groups"][0]["measures"].as_array().unwrap().iter().find(|m| m["id"] == id).unwrap()
}

#[tokio::test]
async fn a_phone_system_posts_a_calls_steps_once_and_the_measures_read_them() {
    let app = TestApp::spawn().await;
    let counselor = app.login("counselor").await;
    let arrived = json!({"call_id": "acd-1", "step": "arrived", "at": NOW - 60_000,
        "channel": "988", "callback_number": "785-555-0100"});
    let first = post(&app, &counselor, arrived.clone()).await;
    assert_eq!(first.status(), 201);
    let body: Value = first.json().await.unwrap();
    assert_eq!(
        body,
        json!({"call_id": "acd-1", "step": "arrived", "at": NOW - 60_000, "recorded": "new"})
    );
    // A retry is harmless.
    let again = post(&app, &counselor, arrived).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["recorded"], "repeat");
    let answered = json!({"call_id": "acd-1", "step": "answered", "at": NOW - 48_000, "answered_by": "agent 7"});
    assert_eq!(post(&app, &counselor, answered).await.status(), 201);
    // Abandoned and rolled over calls; one answered by the console user, at the server's time.
    for (id, end) in [
        ("acd-2", json!({"step": "abandoned", "at": NOW - 30_000})),
        (
            "acd-3",
            json!({"step": "rolled_over", "at": NOW - 30_000, "to": "Kansas backup", "in_state": true}),
        ),
    ] {
        let arrive =
            json!({"call_id": id, "step": "arrived", "at": NOW - 60_000, "channel": "988"});
        assert_eq!(post(&app, &counselor, arrive).await.status(), 201);
        let mut end = end;
        end["call_id"] = json!(id);
        assert_eq!(post(&app, &counselor, end).await.status(), 201);
    }
    let arrive =
        json!({"call_id": "console-4", "step": "arrived", "at": NOW - 5_000, "channel": "988"});
    assert_eq!(post(&app, &counselor, arrive).await.status(), 201);
    let by_console =
        post(&app, &counselor, json!({"call_id": "console-4", "step": "answered"})).await;
    assert_eq!(by_console.status(), 201);
    assert_eq!(by_console.json::<Value>().await.unwrap()["at"], NOW);
    let steps = every_step(&app).await;
    assert_eq!(steps.len(), 8);
    let console =
        steps.iter().find(|s| s.event.call.as_str() == "console-4" && s.event.step.is_end());
    assert_eq!(
        console.map(|s| s.event.step.clone()),
        Some(domain::CallStep::Answered { by: domain::Text::parse("counselor", 20).unwrap() }),
        "answered by the posting user's username when the body names nobody"
    );
    // Each post is in the audit trail.
    let records = app.store.audit_records(0, 1000, None).await.unwrap();
    assert_eq!(records.iter().filter(|r| r.entry.action == "POST /api/v1/calls").count(), 9);

    // The center's supervisor would read them; the PSAP's supervisor sees none of them.
    let supervisor = app.login("supervisor").await;
    let psap: Value = app.get("/api/v1/reports/measures", &supervisor).await.json().await.unwrap();
    assert_eq!(psap["calls"], 0);
    assert_eq!(measure(&psap, "contacts.answered_within_15s")["kind"], "not_measured");
    // The PSAP's own phone system: one call answered after 4 s.
    let calltaker = app.login("calltaker").await;
    let arrive = json!({"call_id": "p-1", "step": "arrived", "at": NOW - 10_000, "channel": "911"});
    assert_eq!(post(&app, &calltaker, arrive).await.status(), 201);
    let answer = json!({"call_id": "p-1", "step": "answered", "at": NOW - 6_000});
    assert_eq!(post(&app, &calltaker, answer).await.status(), 201);
    let psap: Value = app.get("/api/v1/reports/measures", &supervisor).await.json().await.unwrap();
    assert_eq!(psap["calls"], 1);
    let within = measure(&psap, "contacts.answered_within_15s");
    assert_eq!((within["part"].as_u64(), within["of"].as_u64()), (Some(1), Some(1)));
    assert_eq!(measure(&psap, "contacts.speed_to_answer")["p50_ms"], 4_000);
}

#[tokio::test]
async fn contradicting_and_malformed_steps_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let counselor = app.login("counselor").await;
    let arrive =
        json!({"call_id": "acd-9", "step": "arrived", "at": NOW - 60_000, "channel": "988"});
    assert_eq!(post(&app, &counselor, arrive).await.status(), 201);
    let refusals = [
        (
            json!({"call_id": "acd-9", "step": "arrived", "at": NOW - 59_000, "channel": "988"}),
            409,
            "invalid_transition",
            "already has its arrived step recorded differently",
        ),
        (
            json!({"call_id": "nope", "step": "abandoned", "at": NOW}),
            409,
            "invalid_transition",
            "post its `arrived` step first",
        ),
        (
            json!({"call_id": "acd-9", "step": "answered", "at": NOW - 61_000}),
            422,
            "invalid_field",
            "before its arrival",
        ),
        (
            json!({"call_id": "acd-9", "step": "answered", "at": NOW + 3_600_000}),
            422,
            "invalid_field",
            "ahead of this server's clock",
        ),
        (json!({"call_id": "acd 9", "step": "abandoned"}), 422, "invalid_field", "call_id"),
        (
            json!({"call_id": "old", "step": "arrived", "channel": "988", "at": NOW - 31 * 86_400_000}),
            422,
            "invalid_field",
            "more than 30 days before this server's clock",
        ),
        (
            json!({"call_id": "old", "step": "arrived", "channel": "988", "at": i64::MIN}),
            422,
            "invalid_field",
            "more than 30 days before",
        ),
        (
            json!({"call_id": "acd-9", "step": "hung_up"}),
            422,
            "invalid_field",
            "use arrived, answered, abandoned or rolled_over",
        ),
        (
            json!({"call_id": "acd-9", "step": "abandoned", "channel": "988"}),
            422,
            "invalid_field",
            "channel: belongs to the arrived step, not abandoned",
        ),
        (json!({"call_id": "x", "step": "arrived"}), 422, "invalid_field", "its channel"),
        (
            json!({"call_id": "x", "step": "arrived", "channel": "912"}),
            422,
            "invalid_field",
            "use 911, 988 or other",
        ),
        (
            json!({"call_id": "x", "step": "arrived", "channel": "988", "callback_number": "55"}),
            422,
            "invalid_field",
            "callback_number",
        ),
        (
            json!({"call_id": "acd-9", "step": "rolled_over", "to": "backup"}),
            422,
            "invalid_field",
            "in_state",
        ),
        (
            json!({"call_id": "acd-9", "step": "rolled_over", "in_state": true}),
            422,
            "invalid_field",
            "names the backup center",
        ),
        (
            json!({"call_id": "acd-9", "step": "answered", "answered_by": "  "}),
            422,
            "invalid_field",
            "answered_by",
        ),
        (
            json!({"call_id": "acd-9", "step": "answered", "extra": 1}),
            422,
            "invalid_field",
            "unknown field `extra`",
        ),
    ];
    for (body, status, code, says) in refusals {
        assert_error(post(&app, &counselor, body).await, status, code, says).await;
    }
    let response = app
        .client
        .post(app.url("/api/v1/calls"))
        .bearer_auth(&counselor)
        .header("content-type", "application/json")
        .body("{\"call_id\": ")
        .send()
        .await
        .unwrap();
    assert_error(response, 400, "malformed_json", "not valid JSON").await;
    // An end once: answered, then abandoned is refused.
    let answer = json!({"call_id": "acd-9", "step": "answered", "at": NOW - 50_000});
    assert_eq!(post(&app, &counselor, answer).await.status(), 201);
    let abandon = json!({"call_id": "acd-9", "step": "abandoned", "at": NOW - 40_000});
    assert_error(
        post(&app, &counselor, abandon).await,
        409,
        "invalid_transition",
        "already ended (answered)",
    )
    .await;
    // Only the arrival and the answer are recorded.
    let steps = every_step(&app).await;
    assert_eq!(steps.len(), 2);
    // Roles that take no calls may not record them; nobody without a session may.
    let dispatcher = app.login("dispatcher").await;
    let arrive = json!({"call_id": "d-1", "step": "arrived", "channel": "other"});
    assert_error(post(&app, &dispatcher, arrive.clone()).await, 403, "forbidden", "CallRecord")
        .await;
    assert_eq!(app.post_json("/api/v1/calls", None, &arrive).await.status(), 401);
}
