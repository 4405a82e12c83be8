//! The protocol gate through the API, as a new user would meet it: every way to send a call
//! to 988 or a team is refused when the decision forbids it (`decision_forbids`) or the call
//! was never triaged (`triage_required`); "unknown" is an answer; a second decision needs a
//! reason; a supervisor's override is recorded and shown; bad input changes nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error};

const SHIPPED_911: &str =
    include_str!("../../../../protocols/ks-911-behavioral-health-diversion.toml");
const SUICIDE: &str = "urn:service:counseling.suicide";

async fn with_protocol() -> TestApp {
    let app = TestApp::spawn_with_areas().await;
    let admin = app.login("admin").await;
    let stored: Value = app.upload(&admin, SHIPPED_911).await.json().await.unwrap();
    assert_eq!(stored["check_passed"], true, "{stored}");
    let id = stored["protocol_id"].as_str().unwrap().to_owned();
    assert_eq!(app.activate(&admin, &id, 1).await.status(), 200);
    app
}

/// A 911 call in West County, routed to the 988 center.
async fn call(app: &TestApp, token: &str) -> String {
    let body = json!({"channel": "911", "summary": "brother on the roof",
        "location": {"type": "point", "lat": 38.5, "lon": -95.5}});
    let response = app.post_json("/api/v1/incidents", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

fn answers(changes: Value) -> Value {
    let mut base = json!({"attempt_in_progress": false, "medical": false, "violence": false,
        "crime": false, "weapon": false, "risk": "low", "welfare_entry": false, "age_band": "adult",
        "requests_police": false, "in_person": false, "consent": true});
    base.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
    base
}

#[tokio::test]
async fn after_a_weapon_decision_no_action_reaches_988_or_a_team() {
    let app = with_protocol().await;
    let calltaker = app.login("calltaker").await;
    let id = call(&app, &calltaker).await;
    let decided: Value = app
        .triage(&calltaker, &id, answers(json!({"weapon": true, "risk": "high"})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decided["decision"]["outcome"], "law_enforcement_and_ems");
    let head = app.store_head().await;
    for action in [
        json!({"action": "offer_transfer", "service": SUICIDE, "reason": "try 988"}),
        json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "try 988"}),
        json!({"action": "offer_transfer", "service": SUICIDE, "to_agency": app.backup.id.to_string(), "reason": "try the backup"}),
    ] {
        assert_error(
            app.act(&calltaker, &id, action).await,
            409,
            "decision_forbids",
            "the incident's triage decision is law_enforcement_and_ems (rule weapon-high-risk), which does not send it to 988",
        )
        .await;
    }
    assert_error(
        app.act(&calltaker, &id, json!({"action": "divert_988"})).await,
        409,
        "invalid_transition",
        "not divert_988",
    )
    .await;
    assert_eq!(app.store_head().await, head, "nothing was written");
}

#[tokio::test]
async fn an_untriaged_call_is_not_offered_to_988_and_unknown_is_an_answer() {
    let app = with_protocol().await;
    let calltaker = app.login("calltaker").await;
    let id = call(&app, &calltaker).await;
    assert_error(
        app.act(
            &calltaker,
            &id,
            json!({"action": "offer_transfer", "service": SUICIDE, "reason": "r"}),
        )
        .await,
        409,
        "triage_required",
        "answer the diversion protocol first",
    )
    .await;

    // The caller cannot say whether there is a weapon: "unknown" (or null) is an answer.
    let decided: Value = app
        .triage(&calltaker, &id, answers(json!({"weapon": "unknown", "consent": null})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decided["status"], "decided", "{decided}");
    assert_eq!(decided["decision"]["outcome"], "co_response");
    assert_eq!(decided["decision"]["unknowns"], json!(["weapon"]));
    assert!(
        decided["incident"]["triage"]["answers"]
            .as_array()
            .unwrap()
            .contains(&json!(["weapon", "unknown"]))
    );
    // Everything unknown: the protocol's most protective outcome, and why.
    let id = call(&app, &calltaker).await;
    let all_unknown: serde_json::Map<String, Value> = answers(json!({}))
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (k.clone(), json!("unknown")))
        .collect();
    let decided: Value =
        app.triage(&calltaker, &id, Value::Object(all_unknown)).await.json().await.unwrap();
    assert_eq!(decided["decision"]["outcome"], "law_enforcement_and_ems");
    assert_eq!(decided["decision"]["rule"], "when_unknown");
    assert_eq!(decided["decision"]["open_rule"], "attempt-in-progress");
    assert_error(
        app.triage(&calltaker, &id, answers(json!({"weapon": "perhaps"}))).await,
        422,
        "invalid_field",
        "answers.weapon: answer true or false (or \"yes\" / \"no\"), or \"unknown\"",
    )
    .await;
}

#[tokio::test]
async fn a_decision_is_changed_only_by_a_retriage_with_a_reason_which_withdraws_the_offer() {
    let app = with_protocol().await;
    let calltaker = app.login("calltaker").await;
    let id = call(&app, &calltaker).await;
    app.triage(&calltaker, &id, answers(json!({}))).await;
    let offered: Value =
        app.act(&calltaker, &id, json!({"action": "divert_988"})).await.json().await.unwrap();
    assert_eq!(offered["incident"]["transfer"]["destination"], "988");

    let head = app.store_head().await;
    assert_error(
        app.triage(&calltaker, &id, answers(json!({"weapon": true}))).await,
        409,
        "invalid_transition",
        "give the reason (retriage_reason)",
    )
    .await;
    let body = json!({"answers": answers(json!({"weapon": true})), "retriage_reason": " "});
    assert_error(
        app.post_json(&format!("/api/v1/incidents/{id}/triage"), Some(&calltaker), &body).await,
        422,
        "invalid_field",
        "retriage_reason",
    )
    .await;
    assert_eq!(app.store_head().await, head);

    let body = json!({"answers": answers(json!({"weapon": true})),
        "retriage_reason": "the caller now says he has a knife"});
    let retriaged: Value = app
        .post_json(&format!("/api/v1/incidents/{id}/triage"), Some(&calltaker), &body)
        .await
        .json()
        .await
        .unwrap();
    let incident = &retriaged["incident"];
    assert_eq!(incident["recommended_action"], "co_response");
    assert_eq!(incident["triage"]["retriage_reason"], "the caller now says he has a knife");
    assert_eq!(incident["triage_history"][0]["outcome"], "divert_988");
    assert_eq!(incident["transfer"], Value::Null, "the 988 offer was withdrawn, not re-targeted");
    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &calltaker).await.json().await.unwrap();
    let tail: Vec<&str> =
        events.iter().rev().take(2).map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(tail, ["transfer_withdrawn", "retriaged"]);
}

#[tokio::test]
async fn only_a_supervisor_overrides_with_a_reason_and_the_override_is_shown() {
    let app = with_protocol().await;
    let calltaker = app.login("calltaker").await;
    let supervisor = app.login("supervisor").await;
    let id = call(&app, &calltaker).await;
    app.triage(&calltaker, &id, answers(json!({"requests_police": true}))).await;
    let head = app.store_head().await;
    let over = |reason: &str, destination: &str| json!({"action": "override_decision", "destination": destination, "reason": reason});
    assert_error(
        app.act(&calltaker, &id, over("she changed her mind", "988")).await,
        403,
        "override_not_allowed",
        "a supervisor does",
    )
    .await;
    assert_error(app.act(&supervisor, &id, over("", "988")).await, 422, "invalid_field", "reason")
        .await;
    assert_error(
        app.act(&supervisor, &id, over("x", "police")).await,
        422,
        "invalid_field",
        "use 988, mobile_crisis or embedded_clinician",
    )
    .await;
    assert_eq!(app.store_head().await, head, "no refused override wrote anything");

    let reason = "the caller withdrew the request for police and agreed to talk to 988";
    let done: Value = app.act(&supervisor, &id, over(reason, "988")).await.json().await.unwrap();
    assert_eq!(done["events"][0]["kind"], "decision_overridden");
    assert_eq!(done["incident"]["overrides"][0]["destination"], "988");
    assert_eq!(done["incident"]["overrides"][0]["reason"], reason);
    let offered = app.act(&calltaker, &id, json!({"action": "divert_988"})).await;
    assert_eq!(offered.status(), 200);
    // The override is in the audit trail as a change, like every action.
    let trail: Value =
        app.get(&format!("/api/v1/incidents/{id}/audit"), &supervisor).await.json().await.unwrap();
    assert!(trail.to_string().contains("/actions"), "{trail}");
}

#[tokio::test]
async fn a_returned_transfer_keeps_its_alarm_until_someone_says_what_was_done() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let id = call(&app, &calltaker).await;
    assert_error(
        app.act(&calltaker, &id, json!({"action": "resolve_alarm", "done": "x"})).await,
        409,
        "invalid_transition",
        "no alarm",
    )
    .await;
    let offer = json!({"action": "offer_transfer", "service": SUICIDE, "reason": "r", "deadline_seconds": 1});
    app.act(&calltaker, &id, offer).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let incident = loop {
        let incident: Value =
            app.get(&format!("/api/v1/incidents/{id}"), &calltaker).await.json().await.unwrap();
        if incident["alarm"]["kind"] == "transfer_returned" {
            break incident;
        }
        // Each tier's deadline passes in turn.
        app.clock.advance_ms(60_000);
        assert!(std::time::Instant::now() < deadline, "no alarm: {incident}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(incident["alarm"]["reason"].as_str().unwrap().contains("nobody took the incident"));
    assert_error(
        app.act(&calltaker, &id, json!({"action": "close", "disposition": "no_contact"})).await,
        409,
        "invalid_transition",
        "resolve it, saying what was done",
    )
    .await;
    let resolved: Value = app
        .act(
            &calltaker,
            &id,
            json!({"action": "resolve_alarm", "done": "called 988 by phone; they took it"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved["incident"]["alarm"], Value::Null);
    let closed =
        app.act(&calltaker, &id, json!({"action": "close", "disposition": "referred"})).await;
    assert_eq!(closed.status(), 200);
}

/// The 988 counselor who takes a diverted 911 call sees why the PSAP's protocol sent it — the
/// same why, rule and answers the call-taker saw — though the center has no 911 protocol of its
/// own; an agency not on the call sees nothing, and an untriaged call has no decision.
#[tokio::test]
async fn the_counselor_sees_why_the_psaps_protocol_sent_the_call() {
    let app = with_protocol().await;
    let calltaker = app.login("calltaker").await;
    let id = call(&app, &calltaker).await;
    let counselor = app.login("counselor").await;
    let path = format!("/api/v1/incidents/{id}/decision");
    let none: Value = app.get(&path, &calltaker).await.json().await.unwrap();
    assert_eq!(none["decision"], Value::Null, "not triaged yet");

    let decided: Value =
        app.triage(&calltaker, &id, answers(json!({}))).await.json().await.unwrap();
    assert_eq!(decided["decision"]["outcome"], "divert_988", "{decided}");
    app.act(&calltaker, &id, json!({"action": "divert_988"})).await;
    assert_eq!(app.act(&counselor, &id, json!({"action": "accept_transfer"})).await.status(), 200);

    let explained: Value = app.get(&path, &counselor).await.json().await.unwrap();
    let d = &explained["decision"];
    assert_eq!(d["outcome"], "divert_988");
    for field in ["rule", "why", "read", "unknowns", "passed_over", "protocol", "protocol_version"]
    {
        assert_eq!(d[field], decided["decision"][field], "{field}: {d}");
    }
    assert!(!d["why"].as_str().unwrap().is_empty());
    assert!(
        d["read"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["question"] == "risk" && a["answer"] == "low"),
        "{d}"
    );

    // Another PSAP's call-taker is not on the call.
    let other = app.login("other").await;
    assert_error(app.get(&path, &other).await, 404, "not_found", "incident").await;
    assert_error(
        app.get("/api/v1/incidents/not-an-id/decision", &counselor).await,
        400,
        "invalid_parameter",
        "not-an-id",
    )
    .await;
}

/// A 988 center whose offer was withdrawn by a re-triage sees the incident as it was when its
/// part ended — the explanation of the decision too: the one that sent it the call, not the
/// later one.
#[tokio::test]
async fn an_agency_whose_part_ended_sees_the_decision_of_then() {
    let app = with_protocol().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let id = call(&app, &calltaker).await;
    let first: Value = app.triage(&calltaker, &id, answers(json!({}))).await.json().await.unwrap();
    app.act(&calltaker, &id, json!({"action": "divert_988"})).await;
    let body = json!({"answers": answers(json!({"weapon": true})),
        "retriage_reason": "the caller now says he has a knife"});
    let retriaged =
        app.post_json(&format!("/api/v1/incidents/{id}/triage"), Some(&calltaker), &body).await;
    assert_eq!(retriaged.status(), 200);
    let path = format!("/api/v1/incidents/{id}/decision");
    let now: Value = app.get(&path, &calltaker).await.json().await.unwrap();
    assert_eq!(now["decision"]["outcome"], "co_response");
    let then: Value = app.get(&path, &counselor).await.json().await.unwrap();
    assert_eq!(then["decision"]["outcome"], "divert_988", "{then}");
    assert_eq!(then["decision"]["rule"], first["decision"]["rule"]);
    assert!(!then.to_string().contains("knife"), "{then}");
}
