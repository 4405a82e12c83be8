//! Follow-ups and prior contacts through the API: the close that makes a follow-up by rule,
//! the queue, every refusal with its code and nothing changed, and earlier contacts from the
//! same number shown only to the agency that may see them, each audited as read.

use serde_json::{Value, json};
use store::{AuditLog as _, Directory as _, EventLog as _};

use crate::helpers::{TestApp, assert_error};

async fn open(app: &TestApp, token: &str, channel: &str, number: &str) -> String {
    let body = json!({
        "channel": channel,
        "location": {"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 30},
        "callback_number": number,
        "summary": format!("{channel} contact from {number}"),
    });
    let response = app.post_json("/api/v1/incidents", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

fn prior_ids(body: &Value) -> Vec<String> {
    body["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The center's rule: every 988 contact is called back within 24 hours, with consent.
async fn center_rule(app: &TestApp) {
    let rule = incidents::follow_up::Rule {
        agency: app.center.id,
        name: "callback".into(),
        channels: vec![domain::Channel::Nine88],
        decision_rules: Vec::new(),
        outcomes: Vec::new(),
        dispositions: Vec::new(),
        team_sent: false,
        within_hours: 24,
        attempts: 2,
        retry_hours: 4,
        imminent_risk_without_consent: false,
    };
    let json = incidents::follow_up::encode_rules(&[rule]);
    app.store.put_setting(incidents::follow_up::RULES_SETTING, &json).await.unwrap();
}

#[tokio::test]
async fn a_close_with_consent_queues_the_follow_up_for_the_navigator() {
    let app = TestApp::spawn().await;
    center_rule(&app).await;
    let counselor = app.login("counselor").await;
    let id = open(&app, &counselor, "988", "785-555-0100").await;
    let close =
        json!({"action": "close", "disposition": "resolved_by_phone", "follow_up_consent": true});
    let closed: Value = app.act(&counselor, &id, close).await.json().await.unwrap();
    assert_eq!(closed["incident"]["follow_up_consent"], true);
    assert_eq!(closed["incident"]["follow_ups"][0]["rule"], "callback");

    let navigator = app.login("navigator").await;
    let queue: Value = app.get("/api/v1/follow-ups", &navigator).await.json().await.unwrap();
    assert_eq!((queue["total"].as_u64(), queue["overdue"].as_u64()), (Some(1), Some(0)));
    assert_eq!(queue["incidents"][0]["id"], id.as_str());
    app.clock.advance_ms(25 * 3_600_000);
    // A day later: a new shift logs in.
    let navigator = app.login("navigator").await;
    let queue: Value = app.get("/api/v1/follow-ups", &navigator).await.json().await.unwrap();
    assert_eq!(queue["overdue"].as_u64(), Some(1), "past its 24 hours");
    // The PSAP's users never see the center's follow-ups.
    let calltaker = app.login("calltaker").await;
    assert_error(app.get("/api/v1/follow-ups", &calltaker).await, 403, "forbidden", "FollowUpWork")
        .await;
    let attempt = json!({"result": "no_answer", "note": "rang out"});
    let path = format!("/api/v1/incidents/{id}/follow-ups/1/attempts");
    let logged: Value =
        app.post_json(&path, Some(&navigator), &attempt).await.json().await.unwrap();
    assert_eq!(logged["incident"]["follow_ups"][0]["attempts"][0]["result"], "no_answer");
    let queue: Value = app.get("/api/v1/follow-ups", &navigator).await.json().await.unwrap();
    assert_eq!(queue["overdue"].as_u64(), Some(0), "the missed try moved the due time on");
}

#[tokio::test]
async fn bad_follow_up_requests_are_refused_with_what_to_fix_and_change_nothing() {
    let app = TestApp::spawn().await;
    center_rule(&app).await;
    let counselor = app.login("counselor").await;
    let navigator = app.login("navigator").await;
    let id = open(&app, &counselor, "988", "785-555-0100").await;
    let before = app.store.head().await.unwrap();
    let post = |path: String, token: &str, body: Value| {
        let (app, token) = (&app, token.to_owned());
        async move { app.post_json(&path, Some(&token), &body).await }
    };
    let schedule = format!("/api/v1/incidents/{id}/follow-ups");
    let attempts = |n: &str| format!("/api/v1/incidents/{id}/follow-ups/{n}/attempts");
    let finish = format!("/api/v1/incidents/{id}/follow-ups/1/finish");
    let cases = [
        (
            post(schedule.clone(), &counselor, json!({"due_in_hours": 2, "reason": "tonight"}))
                .await,
            409,
            "consent_required",
            "no consent is recorded",
        ),
        (
            post(schedule.clone(), &counselor, json!({"due_in_hours": 0, "reason": "x"})).await,
            422,
            "invalid_field",
            "use 1 to 720 hours",
        ),
        (
            post(schedule.clone(), &counselor, json!({"due_in_hours": 2, "reason": " "})).await,
            422,
            "invalid_field",
            "reason",
        ),
        (
            post(
                schedule.clone(),
                &counselor,
                json!({"due_in_hours": 2, "reason": "x", "when": 1}),
            )
            .await,
            422,
            "invalid_field",
            "when",
        ),
        (
            post(attempts("1"), &navigator, json!({"result": "maybe"})).await,
            422,
            "invalid_field",
            "unknown result \"maybe\"",
        ),
        (
            post(attempts("1"), &navigator, json!({"result": "no_answer"})).await,
            409,
            "invalid_transition",
            "no follow-up number 1",
        ),
        (
            post(attempts("0"), &navigator, json!({"result": "no_answer"})).await,
            400,
            "invalid_parameter",
            "a whole number from 1",
        ),
        (
            post(attempts("x"), &navigator, json!({"result": "no_answer"})).await,
            400,
            "invalid_parameter",
            "follow-up number \"x\"",
        ),
        (
            post(attempts("1"), &navigator, json!({"result": "no_answer", "next_in_hours": 9999}))
                .await,
            422,
            "invalid_field",
            "next_in_hours",
        ),
        (
            post(finish.clone(), &navigator, json!({"outcome": "gone"})).await,
            422,
            "invalid_field",
            "unknown outcome \"gone\"",
        ),
        (
            post(finish.clone(), &counselor, json!({"outcome": "declined"})).await,
            403,
            "forbidden",
            "FollowUpWork",
        ),
    ];
    for (response, status, code, says) in cases {
        assert_error(response, status, code, says).await;
    }
    let queue = app.get("/api/v1/follow-ups?limit=0", &navigator).await;
    assert_error(queue, 400, "invalid_parameter", "limit: 0 is out of range").await;
    assert_eq!(app.store.head().await.unwrap(), before, "nothing was written");

    // Consent recorded, the same follow-up is added; a second is refused while it is open.
    let consent = json!({"action": "record_follow_up_consent", "given": true});
    assert_eq!(app.act(&counselor, &id, consent).await.status(), 200);
    let added =
        post(schedule.clone(), &counselor, json!({"due_in_hours": 2, "reason": "tonight"})).await;
    assert_eq!(added.status(), 200);
    let again = post(schedule, &counselor, json!({"due_in_hours": 2, "reason": "again"})).await;
    assert_error(again, 409, "invalid_transition", "already has an open follow-up").await;
    let declined = post(finish.clone(), &navigator, json!({"outcome": "declined"})).await;
    assert_eq!(declined.status(), 200);
    let after = app.store.head().await.unwrap();
    let more = post(attempts("1"), &navigator, json!({"result": "reached"})).await;
    assert_error(more, 409, "follow_up_finished", "follow-up 1 is finished (declined)").await;
    assert_eq!(app.store.head().await.unwrap(), after);
}

#[tokio::test]
async fn prior_contacts_are_the_agencys_own_earlier_incidents_from_the_number_audited() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let first = open(&app, &calltaker, "911", "785-555-0100").await;
    let close = json!({"action": "close", "disposition": "referred", "remark": "resources"});
    assert_eq!(app.act(&calltaker, &first, close).await.status(), 200);
    app.clock.advance_ms(60_000);
    let elsewhere = open(&app, &counselor, "988", "(785) 555-0100").await;
    app.clock.advance_ms(60_000);
    let unrelated = open(&app, &calltaker, "911", "785-555-0199").await;
    app.clock.advance_ms(60_000);
    let now = open(&app, &calltaker, "911", "+1 785 555 0100").await;

    let prior: Value =
        app.get(&format!("/api/v1/incidents/{now}/prior"), &calltaker).await.json().await.unwrap();
    assert_eq!(prior["callback_number"], "+17855550100");
    assert_eq!(
        prior_ids(&prior),
        [first.as_str()],
        "its own earlier one: not the center's, not another number"
    );
    assert_eq!(prior["incidents"][0]["outcome"], "referred");
    assert_eq!(prior["more"], false);
    // The center's contact from the same number: the PSAP's calls are not its to see.
    let theirs: Value = app
        .get(&format!("/api/v1/incidents/{elsewhere}/prior"), &counselor)
        .await
        .json()
        .await
        .unwrap();
    assert!(prior_ids(&theirs).is_empty(), "{theirs}");
    // The earliest has none before it; another PSAP does not see the incident at all.
    let none: Value = app
        .get(&format!("/api/v1/incidents/{first}/prior"), &calltaker)
        .await
        .json()
        .await
        .unwrap();
    assert!(prior_ids(&none).is_empty());
    let other = app.login("other").await;
    let hidden = app.get(&format!("/api/v1/incidents/{now}/prior"), &other).await;
    assert_error(hidden, 404, "not_found", "was not found").await;
    let responder = app.login("responder").await;
    let refused = app.get(&format!("/api/v1/incidents/{unrelated}/prior"), &responder).await;
    assert_error(refused, 403, "forbidden", "IncidentSearch").await;

    let records = app.store.audit_records(0, 1000, None).await.unwrap();
    assert!(
        records.iter().any(|r| r.entry.action.ends_with("/prior: listed")
            && r.entry.incident.is_some_and(|i| i.to_string() == first)),
        "each prior contact shown is audited as read: {:?}",
        records.iter().map(|r| (&r.entry.action, r.entry.incident)).collect::<Vec<_>>()
    );
}
