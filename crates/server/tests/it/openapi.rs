//! The OpenAPI description: served, checked in, and complete.

use serde_json::Value;

use crate::helpers::TestApp;

const CHECKED_IN: &str = include_str!("../../../../docs/openapi.json");

#[test]
fn the_checked_in_description_is_current() {
    assert!(
        server::openapi::json().trim() == CHECKED_IN.trim(),
        "docs/openapi.json is out of date: run `cargo run -q -p crisisbridge -- openapi > docs/openapi.json`"
    );
}

#[tokio::test]
async fn the_served_description_names_every_route_and_the_bearer_scheme() {
    let app = TestApp::spawn().await;
    let spec: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/sessions",
        "/api/v1/sessions/current",
        "/api/v1/me",
        "/api/v1/incidents",
        "/api/v1/incidents/{id}",
        "/api/v1/incidents/{id}/events",
        "/api/v1/incidents/{id}/actions",
        "/api/v1/stream",
        "/api/v1/agencies",
        "/api/v1/routing/lookup",
        "/lost",
        "/healthz",
        "/metrics",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} is missing from the OpenAPI description"
        );
    }
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let id = app.open_incident(&token).await;
    app.get(&format!("/api/v1/incidents/{id}"), &token).await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("crisisbridge_http_requests_total{route=\"/api/v1/incidents/{id}\",method=\"GET\",status=\"200\"}"), "{text}");
    assert!(!text.contains(&id), "raw paths must not become labels");
    assert!(text.contains("crisisbridge_store_events_appended_total"));
}
