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

#[test]
fn query_parameters_are_query_parameters_and_common_answers_are_listed() {
    let spec: Value = serde_json::from_str(&server::openapi::json()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                if parameter["in"] == "path" {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name} is declared a path parameter"
                    );
                }
            }
            let answers = &operation["responses"];
            let login = path == "/api/v1/sessions" && method == "post";
            if path.starts_with("/api/v1/") && path != "/api/v1/openapi.json" && !login {
                assert!(answers.get("401").is_some(), "{method} {path} lists no 401");
                checked += 1;
            }
            if operation["requestBody"]["content"].get("application/json").is_some() {
                assert!(answers.get("415").is_some(), "{method} {path} lists no 415");
            }
        }
    }
    assert!(checked > 30, "{checked} authenticated operations");
}

#[tokio::test]
async fn a_query_parameter_the_description_names_is_read_from_the_query() {
    // GET /incidents?limit=1 answers one incident: `limit` really is a query parameter.
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    app.open_incident(&token).await;
    app.open_incident(&token).await;
    let listed: Value = app.get("/api/v1/incidents?limit=1", &token).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let spec: Value = serde_json::from_str(&server::openapi::json()).unwrap();
    let limit = spec["paths"]["/api/v1/incidents"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["in"], "query");
    assert_eq!(limit["required"], false);
}
