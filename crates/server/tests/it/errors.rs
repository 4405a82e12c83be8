//! Bad input of every kind: a 4xx with a stable code and a message that says what to fix, and
//! nothing written.

use serde_json::json;

use crate::helpers::{TestApp, assert_error, new_incident};

#[tokio::test]
async fn bad_incident_bodies_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let with = |patch: serde_json::Value| {
        let mut body = new_incident();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            with(json!({"location": {"type": "point", "lat": 91.2, "lon": -95.2}})),
            422,
            "invalid_field",
            "location.lat: latitude 91.2 is out of range [-90, 90]",
        ),
        (
            with(json!({"location": {"type": "point", "lat": 38.9, "lon": -181}})),
            422,
            "invalid_field",
            "location.lon: longitude -181 is out of range [-180, 180]",
        ),
        (
            with(json!({"location": {"type": "point", "lat": 38.9, "lon": -95.2, "radius_m": -5}})),
            422,
            "invalid_field",
            "location.radius_m",
        ),
        (
            with(
                json!({"location": {"type": "polygon", "points": [[38.9, -95.3], [38.9, -95.2]]}}),
            ),
            422,
            "invalid_field",
            "at least 3",
        ),
        (
            with(json!({"location": {"type": "polygon", "points":
                [[38.95, -95.25], [38.99, -95.21], [38.99, -95.25], [38.95, -95.23]]}})),
            422,
            "invalid_field",
            "location.points: polygon edges 1 and 3 cross or touch",
        ),
        (
            with(json!({"location": {"type": "square"}})),
            422,
            "invalid_field",
            "unknown variant `square`",
        ),
        (with(json!({"channel": "112"})), 422, "invalid_field", "unknown variant `112`"),
        (
            with(json!({"callback_number": "555-0100"})),
            422,
            "invalid_field",
            "callback_number: callback number \"555-0100\" is not a phone number",
        ),
        (
            with(json!({"summary": "x".repeat(4001)})),
            422,
            "invalid_field",
            "summary: is 4001 characters long; at most 4000",
        ),
        (
            with(json!({"summary": 42})),
            422,
            "invalid_field",
            "invalid type: integer `42`, expected a string",
        ),
        (with(json!({"priority": "high"})), 422, "invalid_field", "unknown field `priority`"),
        (json!({"channel": "911"}), 422, "invalid_field", "missing field"),
    ];
    for (body, status, code, says) in cases {
        let response = app.post_json("/api/v1/incidents", Some(&token), &body).await;
        assert_error(response, status, code, says).await;
    }
    assert_eq!(app.store_head().await, 0);
}

#[tokio::test]
async fn malformed_oversized_and_mistyped_requests_get_their_own_codes() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let post = |body: String, content_type: &'static str| {
        app.client
            .post(app.url("/api/v1/incidents"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_error(
        post("{\"channel\":".into(), "application/json").await.unwrap(),
        400,
        "malformed_json",
        "not valid JSON",
    )
    .await;
    assert_error(
        post("channel=911".into(), "application/x-www-form-urlencoded").await.unwrap(),
        415,
        "unsupported_media_type",
        "Content-Type: application/json",
    )
    .await;
    let huge = serde_json::to_string(
        &json!({"channel": "911", "location": {"type": "unknown"}, "summary": "x".repeat(70_000)}),
    )
    .unwrap();
    assert_error(post(huge, "application/json").await.unwrap(), 413, "payload_too_large", "64 KiB")
        .await;
    assert_eq!(app.store_head().await, 0);
}

#[tokio::test]
async fn bad_paths_queries_and_actions_say_what_is_wrong() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    assert_error(
        app.get("/api/v1/incidents/not-an-id", &token).await,
        400,
        "invalid_parameter",
        "incident id \"not-an-id\" is not a UUID",
    )
    .await;
    assert_error(
        app.get("/api/v1/incidents?status=pending", &token).await,
        400,
        "invalid_parameter",
        "unknown status \"pending\"",
    )
    .await;
    assert_error(
        app.get("/api/v1/incidents?limit=0", &token).await,
        400,
        "invalid_parameter",
        "limit: 0 is out of range",
    )
    .await;
    assert_error(
        app.get("/api/v1/incidents?colour=red", &token).await,
        400,
        "invalid_parameter",
        "unknown field `colour`",
    )
    .await;
    assert_error(app.get("/api/v1/nowhere", &token).await, 404, "not_found", "this path").await;

    let id = app.open_incident(&token).await;
    let head = app.store_head().await;
    let cases = [
        (json!({"action": "fly"}), 422, "invalid_field", "unknown variant `fly`"),
        (json!({"action": "add_note", "text": "   "}), 422, "invalid_field", "text: is empty"),
        (
            json!({"action": "record_triage", "outcome": "divert_988"}),
            422,
            "invalid_field",
            "unknown variant `record_triage`",
        ),
        (
            json!({"action": "offer_transfer", "to_agency": "01a20b53-b295-7543-90e8-0834837ada43", "reason": "x"}),
            422,
            "invalid_field",
            "to_agency: agency",
        ),
        (
            json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "x", "deadline_seconds": 0}),
            422,
            "invalid_field",
            "deadline_seconds: 0 is out of range",
        ),
        (
            json!({"action": "offer_transfer", "to_agency": app.psap.id.to_string(), "reason": "x"}),
            409,
            "invalid_transition",
            "already held by agency",
        ),
        (json!({"action": "accept_transfer"}), 409, "invalid_transition", "no pending transfer"),
        (
            json!({"action": "close", "disposition": "vanished"}),
            422,
            "invalid_field",
            "disposition: unknown disposition",
        ),
    ];
    for (action, status, code, says) in cases {
        assert_error(app.act(&token, &id, action).await, status, code, says).await;
    }
    let ghost = "01a20b53-b295-7543-90e8-0834837ada43";
    let note = json!({"action": "add_note", "text": "x"});
    assert_error(app.act(&token, ghost, note).await, 404, "not_found", "was not found").await;
    assert_eq!(app.store_head().await, head);
}
