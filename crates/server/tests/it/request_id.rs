//! Every answer carries its request's id: the caller's own when it sent a plain one, a new one
//! otherwise — never a header the caller could use to inject another.

use crate::helpers::TestApp;

#[tokio::test]
async fn answers_carry_the_request_id() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let sent =
        client.get(app.url("/healthz")).header("X-Request-Id", "lb-7.req_42").send().await.unwrap();
    assert_eq!(sent.headers()["x-request-id"], "lb-7.req_42", "the caller's id is kept");
    let made = client.get(app.url("/api/v1/incidents")).send().await.unwrap();
    assert_eq!(made.status(), 401);
    let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "a new id when none was sent: {id}");
    let other = client.get(app.url("/healthz")).send().await.unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id, "one id per request");
    let bad = client.get(app.url("/healthz")).header("X-Request-Id", "a b").send().await.unwrap();
    assert_ne!(bad.headers()["x-request-id"], "a b", "an id with spaces is replaced");
}
