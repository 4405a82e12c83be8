//! Mobile crisis teams through the API: shifts and statuses by the status table, GPS fixes
//! from the team's phone, the live map's stream (status, position, stale), dispatch onto an
//! incident, and the ranked recommendation.

use serde_json::{Value, json};

use crate::helpers::{SseReader, TestApp, assert_error};

const T0: i64 = 1_764_000_000_000;

async fn team(app: &TestApp, token: &str) -> Value {
    let teams: Vec<Value> = app.get("/api/v1/teams", token).await.json().await.unwrap();
    assert_eq!(teams.len(), 1, "{teams:?}");
    teams.into_iter().next().unwrap()
}

async fn team_act(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/teams/{}/actions", app.team.id), Some(token), &body).await
}

async fn fixes(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/teams/{}/positions", app.team.id), Some(token), &body).await
}

fn fix(at_ms: i64, lat: f64) -> Value {
    json!({"at": T0 + at_ms, "lat": lat, "lon": -95.2353, "accuracy_m": 8.0, "speed_mps": 11.0, "heading_deg": 0.0})
}

#[tokio::test]
async fn a_responder_starts_a_shift_and_reports_gps_and_the_dispatcher_sees_it_live() {
    let app = TestApp::spawn().await;
    let dispatcher = app.login("dispatcher").await;
    let responder = app.login("responder").await;
    let before = team(&app, &dispatcher).await;
    assert_eq!(
        (before["shift"].as_str(), before["status"].as_str()),
        (Some("off"), Some("out_of_service"))
    );
    assert_eq!(
        (before["stale"].as_bool(), &before["position"]),
        (Some(true), &Value::Null),
        "no fix yet"
    );
    let mut map = SseReader::open(&app, &dispatcher, "", None).await;
    // On connecting, the map learns which teams are stale (this one has never reported).
    let (id, kind, data) = map.next_message().await;
    assert_eq!((id, kind.as_str(), data["stale"].as_bool()), (None, "team_stale", Some(true)));

    assert_eq!(team_act(&app, &responder, json!({"action": "start_shift"})).await.status(), 200);
    let (id, kind, started) = map.next_message().await;
    assert_eq!(
        (id, kind.as_str(), started["status"].as_str()),
        (None, "team_status", Some("available"))
    );

    // A batch from the phone: two in order, one late (kept, but the position does not move
    // back), one 300 km away 10 s later (flagged, not followed).
    let body = json!({"fixes": [fix(-20_000, 38.97), fix(-10_000, 38.971), fix(-15_000, 38.9705), fix(0, 41.7)]});
    let result: Value = fixes(&app, &responder, body).await.json().await.unwrap();
    assert_eq!(
        result["verdicts"],
        json!(["current", "current", "out_of_order", "impossible_jump"])
    );
    assert_eq!(result["team"]["position"]["lat"], 38.971);
    assert_eq!(result["team"]["stale"], false);
    let (_, kind, moved) = map.next_message().await;
    assert_eq!((kind.as_str(), moved["position"]["lat"].as_f64()), ("team_position", Some(38.971)));
    assert_eq!(moved["stale"], false, "the position says it is fresh");
    let crumbs: Vec<Value> = app
        .get(
            &format!("/api/v1/teams/{}/breadcrumbs?since={}", app.team.id, T0 - 60_000),
            &dispatcher,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(crumbs.len(), 4, "every fix is kept as a breadcrumb");

    // Thirty seconds without a fix (three reporting intervals): stale on the live map.
    app.clock.advance_ms(21_000);
    let (_, kind, stale) = map.next_message().await;
    assert_eq!((kind.as_str(), stale["stale"].as_bool()), ("team_stale", Some(true)));
    fixes(&app, &responder, fix(21_000, 38.972)).await;
    let (_, kind, fresh) = map.next_message().await;
    assert_eq!((kind.as_str(), fresh["stale"].as_bool()), ("team_position", Some(false)));
}

#[tokio::test]
async fn teams_are_their_providers_alone_and_bad_reports_are_refused() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let responder = app.login("responder").await;
    assert_error(app.get("/api/v1/teams", &calltaker).await, 403, "forbidden", "").await;
    let other = app.login("backup-counselor").await;
    assert_error(app.get("/api/v1/teams", &other).await, 403, "forbidden", "").await;
    for (body, says) in [
        (
            json!({"fixes": [{"at": T0, "lat": 91.0, "lon": 0.0}]}),
            "fixes[0]: latitude 91 is out of range",
        ),
        (
            json!({"fixes": [{"at": T0, "lat": 38.9, "lon": -95.2, "speed_mps": -1.0}]}),
            "speed -1 is out of range",
        ),
        (json!({"fixes": []}), "give 1 to 500 fixes, not 0"),
    ] {
        assert_error(fixes(&app, &responder, body).await, 422, "invalid_field", says).await;
    }
    assert_error(
        team_act(&app, &responder, json!({"action": "set_status", "status": "on_scene"})).await,
        409,
        "invalid_transition",
        "off shift",
    )
    .await;
    assert_error(
        team_act(&app, &responder, json!({"action": "set_status", "status": "busy"})).await,
        422,
        "invalid_field",
        "is not one of available",
    )
    .await;
    let nobody = format!("/api/v1/teams/{}/positions", uuid::Uuid::now_v7());
    assert_error(
        app.post_json(&nobody, Some(&responder), &fix(0, 38.9)).await,
        404,
        "not_found",
        "",
    )
    .await;
}

#[tokio::test]
async fn a_dispatched_team_reports_its_statuses_onto_the_incident() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let dispatcher = app.login("dispatcher").await;
    let responder = app.login("responder").await;
    team_act(&app, &responder, json!({"action": "start_shift"})).await;
    let id = app.open_incident(&calltaker).await;
    let offer = json!({"action": "offer_transfer", "to_agency": app.provider.id.to_string(), "reason": "mobile crisis"});
    assert_eq!(app.act(&calltaker, &id, offer).await.status(), 200);

    // The recommendation: straight-line, since this deployment has no road graph.
    let ranked: Vec<Value> = app
        .get(&format!("/api/v1/incidents/{id}/recommendations"), &dispatcher)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ranked.len(), 1);
    assert_eq!(
        (ranked[0]["eligible"].as_bool(), ranked[0]["eta_source"].as_str()),
        (Some(true), Some("straight_line"))
    );
    assert!(
        ranked[0]["explanation"].as_str().unwrap().contains("Team Lawrence 1"),
        "{}",
        ranked[0]
    );
    assert_error(
        app.get(&format!("/api/v1/incidents/{id}/recommendations?target=soon"), &dispatcher).await,
        400,
        "invalid_parameter",
        "target",
    )
    .await;

    let dispatch = json!({"action": "dispatch_team", "team": app.team.id.to_string()});
    let dispatched: Value = app.act(&dispatcher, &id, dispatch.clone()).await.json().await.unwrap();
    assert_eq!(dispatched["events"][0]["kind"], "team_dispatched");
    assert_eq!(team(&app, &dispatcher).await["status"], "dispatched");
    // A busy team cannot go to a second call, and the second incident is left as it was.
    let second = app.open_incident(&calltaker).await;
    app.act(&calltaker, &second, json!({"action": "offer_transfer", "to_agency": app.provider.id.to_string(), "reason": "x"})).await;
    assert_error(
        app.act(&dispatcher, &second, dispatch).await,
        409,
        "invalid_transition",
        "is dispatched to incident",
    )
    .await;
    let untouched: Value =
        app.get(&format!("/api/v1/incidents/{second}"), &dispatcher).await.json().await.unwrap();
    assert_eq!(untouched["teams"], json!([]));

    for status in ["en_route", "on_scene", "available"] {
        let r = team_act(&app, &responder, json!({"action": "set_status", "status": status})).await;
        assert_eq!(r.status(), 200, "{status}");
    }
    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &dispatcher).await.json().await.unwrap();
    let reported: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "team_status_changed")
        .map(|e| e["data"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(reported, ["en_route", "on_scene", "available"]);
    let cleared = team(&app, &dispatcher).await;
    assert_eq!(
        (cleared["status"].as_str(), &cleared["incident"]),
        (Some("available"), &Value::Null)
    );
}
