//! The shift log through the API: a supervisor's handover note reaches the next shift of the
//! same agency only, each reader acknowledges it once, and bad input changes nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error};

#[tokio::test]
async fn a_handover_note_is_read_by_the_next_shift_and_acknowledged_once() {
    let app = TestApp::spawn().await;
    let supervisor = app.login("supervisor").await;
    let calltaker = app.login("calltaker").await;
    let written = app
        .post_json(
            "/api/v1/shift-log",
            Some(&supervisor),
            &json!({"text": "K-10 bridge closed eastbound"}),
        )
        .await;
    assert_eq!(written.status(), 201);
    let note: Value = written.json().await.unwrap();
    assert_eq!(note["author_name"], "supervisor");
    app.clock.advance_ms(1000);
    let second: Value = app
        .post_json(
            "/api/v1/shift-log",
            Some(&supervisor),
            &json!({"text": "backup center short-staffed"}),
        )
        .await
        .json()
        .await
        .unwrap();

    let log: Vec<Value> = app.get("/api/v1/shift-log", &calltaker).await.json().await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["id"], second["id"], "newest first");
    assert!(log.iter().all(|n| n["read_by_me"] == false));

    let id = note["id"].as_str().unwrap();
    let path = format!("/api/v1/shift-log/{id}/acknowledge");
    let ack: Value = app.post_json(&path, Some(&calltaker), &json!({})).await.json().await.unwrap();
    assert_eq!(ack["acknowledged"], "now");
    let again: Value =
        app.post_json(&path, Some(&calltaker), &json!({})).await.json().await.unwrap();
    assert_eq!(again["acknowledged"], "already");
    let log: Vec<Value> = app.get("/api/v1/shift-log", &calltaker).await.json().await.unwrap();
    let read = log.iter().find(|n| n["id"] == note["id"]).unwrap();
    assert_eq!(read["read_by_me"], true);
    assert_eq!(read["read_by"].as_array().unwrap().len(), 1);
    assert_eq!(read["read_by"][0]["name"], "calltaker");
    let page: Vec<Value> = app
        .get(&format!("/api/v1/shift-log?before={}", second["at"].as_i64().unwrap()), &calltaker)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.len(), 1, "the page before the newest");

    // Another agency's log is its own, and its notes are not there for others.
    let counselor = app.login("counselor").await;
    let theirs: Vec<Value> = app.get("/api/v1/shift-log", &counselor).await.json().await.unwrap();
    assert!(theirs.is_empty());
    assert_error(app.post_json(&path, Some(&counselor), &json!({})).await, 404, "not_found", "")
        .await;
    let responder = app.login("responder").await;
    assert_eq!(app.get("/api/v1/shift-log", &responder).await.status(), 403);
}

#[tokio::test]
async fn bad_shift_log_input_says_what_to_fix() {
    let app = TestApp::spawn().await;
    let supervisor = app.login("supervisor").await;
    for (body, says) in
        [(json!({"text": "  "}), "text"), (json!({"text": "x".repeat(4001)}), "text")]
    {
        let response = app.post_json("/api/v1/shift-log", Some(&supervisor), &body).await;
        assert_error(response, 422, "invalid_field", says).await;
    }
    let unknown = app.post_json("/api/v1/shift-log", Some(&supervisor), &json!({"txt": "x"})).await;
    assert_eq!(unknown.status(), 422);
    let bad_id =
        app.post_json("/api/v1/shift-log/nope/acknowledge", Some(&supervisor), &json!({})).await;
    assert_error(bad_id, 400, "invalid_parameter", "not a note id").await;
    assert_error(
        app.get("/api/v1/shift-log?limit=0", &supervisor).await,
        400,
        "invalid_parameter",
        "limit",
    )
    .await;
    let log: Vec<Value> = app.get("/api/v1/shift-log", &supervisor).await.json().await.unwrap();
    assert!(log.is_empty(), "nothing was written");
}
