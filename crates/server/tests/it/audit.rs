//! The audit trail through the API: every read, change and export of an incident, every
//! refused attempt and every login is recorded — who, when, from where, what, outcome — in a
//! hash-chained log that verifies, and an incident's supervisors can read its trail.

use serde_json::{Value, json};
use store::{AuditLog, Directory};

use crate::helpers::{TestApp, assert_error};

async fn trail(app: &TestApp, token: &str, incident: &str) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/incidents/{incident}/audit"), token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn reads_changes_exports_and_refusals_of_an_incident_are_in_its_trail() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let id = app.open_incident(&calltaker).await;
    assert_eq!(app.get(&format!("/api/v1/incidents/{id}"), &calltaker).await.status(), 200);
    app.act(&calltaker, &id, json!({"action": "add_note", "text": "caller calmer"})).await;
    assert_eq!(app.get(&format!("/api/v1/incidents/{id}/eido"), &calltaker).await.status(), 200);
    // Another PSAP's call-taker tries to read it, claiming a proxy forwarded the request:
    // refused, and recorded — with the peer, since no proxy is trusted here.
    let other = app.login("other").await;
    let refused = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}")))
        .bearer_auth(&other)
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);

    let supervisor = app.login("supervisor").await;
    let records = trail(&app, &supervisor, &id).await;
    let seen: Vec<(&str, u64)> = records
        .iter()
        .map(|r| (r["action"].as_str().unwrap(), r["outcome"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("POST /api/v1/incidents", 201),
            ("GET /api/v1/incidents/{id}", 200),
            ("POST /api/v1/incidents/{id}/actions: add_note", 200),
            ("GET /api/v1/incidents/{id}/eido", 200),
            ("GET /api/v1/incidents/{id}", 404),
        ]
    );
    let user_id = |name: &str| {
        let store = app.store.clone();
        let name = name.to_owned();
        async move { store.user_by_username(&name).await.unwrap().unwrap().id.as_uuid().to_string() }
    };
    let calltaker_id = user_id("calltaker").await;
    assert!(records[..4].iter().all(|r| r["user"] == calltaker_id.as_str()), "{records:?}");
    assert!(records[..4].iter().all(|r| r["client"] == "127.0.0.1"), "{records:?}");
    assert_eq!(records[4]["user"], user_id("other").await.as_str());
    assert_eq!(records[4]["client"], "127.0.0.1", "X-Forwarded-For from an untrusted peer");
    assert_eq!(records[0]["user_name"], "calltaker", "the display name, for people reading it");

    // Reading the trail is itself in the trail, and the whole log verifies.
    let again = trail(&app, &supervisor, &id).await;
    assert_eq!(again.last().unwrap()["action"], "GET /api/v1/incidents/{id}/audit");
    let check = store::audit::verify(&*app.store).await.unwrap();
    assert_eq!(check.broken, None);
    assert!(check.records >= 7, "{check:?}");
    // Paging.
    let after = records[1]["seq"].as_u64().unwrap();
    let page: Vec<Value> = app
        .get(&format!("/api/v1/incidents/{id}/audit?after={after}&limit=2"), &supervisor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["seq"], records[2]["seq"]);
}

#[tokio::test]
async fn only_supervisors_and_admins_read_trails_and_bad_paging_is_refused() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let id = app.open_incident(&calltaker).await;
    assert_error(
        app.get(&format!("/api/v1/incidents/{id}/audit"), &calltaker).await,
        403,
        "forbidden",
        "AuditRead",
    )
    .await;
    let supervisor = app.login("supervisor").await;
    assert_error(
        app.get(&format!("/api/v1/incidents/{id}/audit?limit=0"), &supervisor).await,
        422,
        "invalid_field",
        "limit: 0 is out of range",
    )
    .await;
}

#[tokio::test]
async fn logins_right_and_wrong_are_recorded_with_the_account_tried() {
    let app = TestApp::spawn().await;
    let wrong = app
        .post_json(
            "/api/v1/sessions",
            None,
            &json!({"username": "counselor", "password": "not the password at all"}),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    app.login("counselor").await;
    let records = app.store.audit_records(0, 100, None).await.unwrap();
    let counselor = app.store.user_by_username("counselor").await.unwrap().unwrap();
    let logins: Vec<(Option<domain::UserId>, &str, u16)> = records
        .iter()
        .filter(|r| r.entry.action.starts_with("POST /api/v1/sessions"))
        .map(|r| (r.entry.user, r.entry.action.as_str(), r.entry.outcome))
        .collect();
    assert_eq!(
        logins,
        [
            (Some(counselor.id), "POST /api/v1/sessions: wrong password", 401),
            (Some(counselor.id), "POST /api/v1/sessions: logged in", 201)
        ]
    );
    // Team positions are not incident data: not audited.
    assert!(records.iter().all(|r| !r.entry.action.contains("/teams")));
}

#[tokio::test]
async fn a_trail_page_past_any_sequence_number_is_a_bad_request_not_a_failure() {
    let app = crate::helpers::TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let supervisor = app.login("supervisor").await;
    let id = app.open_incident(&calltaker).await;
    for query in ["after=9223372036854775808", "after=-1", "after=x", "limit=0"] {
        let response = app.get(&format!("/api/v1/incidents/{id}/audit?{query}"), &supervisor).await;
        assert!(
            response.status() == 400 || response.status() == 422,
            "{query}: {}",
            response.status()
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{query}: {body}");
    }
}
