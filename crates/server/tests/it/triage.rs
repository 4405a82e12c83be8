//! Protocols through the API: upload (checked at once), activation only when proven, and
//! triage on an incident that asks only what matters and records the decision.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error};

const SAMPLE: &str = include_str!("../../../triage/tests/protocols/sample.toml");
const BROKEN: &str = include_str!("../../../triage/tests/protocols/broken/safety-violated.toml");

impl TestApp {
    async fn upload(&self, token: &str, source: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/protocols"))
            .bearer_auth(token)
            .header("content-type", "application/toml")
            .body(source.to_owned())
            .send()
            .await
            .unwrap()
    }

    async fn activate(&self, token: &str, id: &str, version: u32) -> reqwest::Response {
        let path = format!("/api/v1/protocols/{id}/versions/{version}/activate");
        self.client.post(self.url(&path)).bearer_auth(token).send().await.unwrap()
    }

    async fn triage(&self, token: &str, incident: &str, answers: Value) -> reqwest::Response {
        self.post_json(
            &format!("/api/v1/incidents/{incident}/triage"),
            Some(token),
            &json!({"answers": answers}),
        )
        .await
    }
}

#[tokio::test]
async fn only_a_protocol_that_passes_the_checker_can_be_activated() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;

    let response = app.upload(&admin, BROKEN).await;
    assert_eq!(response.status(), 201, "a failing protocol is stored, for the record");
    let stored: Value = response.json().await.unwrap();
    assert_eq!(
        (stored["version"].as_u64(), stored["check_passed"].as_bool()),
        (Some(1), Some(false))
    );
    assert!(
        stored["check_report"]
            .as_str()
            .unwrap()
            .contains("rule `youth` decides mobile_crisis which does not include law_enforcement")
    );
    assert_error(
        app.activate(&admin, "sample-911", 1).await,
        409,
        "protocol_failed_check",
        "cannot be activated",
    )
    .await;

    let stored: Value = app.upload(&admin, SAMPLE).await.json().await.unwrap();
    assert_eq!(
        (stored["version"].as_u64(), stored["check_passed"].as_bool()),
        (Some(2), Some(true))
    );
    let activated: Value = app.activate(&admin, "sample-911", 2).await.json().await.unwrap();
    assert_eq!(activated["active"], true);

    let calltaker = app.login("calltaker").await;
    let active: Value =
        app.get("/api/v1/protocols/active?channel=911", &calltaker).await.json().await.unwrap();
    assert_eq!(
        (active["protocol_id"].as_str(), active["version"].as_u64()),
        (Some("sample-911"), Some(2))
    );
    assert_eq!(active["questions"][3]["choices"][2], json!({"id": "high", "label": "High"}));
    let all: Vec<Value> = app.get("/api/v1/protocols", &calltaker).await.json().await.unwrap();
    assert_eq!(
        all.iter().map(|v| v["active"].as_bool().unwrap()).collect::<Vec<_>>(),
        [false, true]
    );
}

#[tokio::test]
async fn bad_uploads_say_where_and_only_admins_manage_protocols() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let broken = SAMPLE.replace("when = \"weapon\"\noutcome", "when = \"weapon = maybe\"\noutcome");
    assert_error(
        app.upload(&admin, &broken).await,
        422,
        "invalid_protocol",
        "upload:44: rule `weapon`: when: column 10",
    )
    .await;
    let all: Vec<Value> = app.get("/api/v1/protocols", &admin).await.json().await.unwrap();
    assert!(all.is_empty(), "a file that does not parse is not stored");

    let calltaker = app.login("calltaker").await;
    assert_error(app.upload(&calltaker, SAMPLE).await, 403, "forbidden", "permission").await;
    assert_error(app.activate(&calltaker, "sample-911", 1).await, 403, "forbidden", "permission")
        .await;
    assert_error(
        app.activate(&admin, "sample-911", 9).await,
        404,
        "not_found",
        "protocol sample-911 version 9",
    )
    .await;
}

#[tokio::test]
async fn triage_asks_only_what_matters_then_records_the_decision() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    app.upload(&admin, SAMPLE).await;
    app.activate(&admin, "sample-911", 1).await;
    let calltaker = app.login("calltaker").await;
    let id = app.open_incident(&calltaker).await;
    let head = app.store_head().await;

    let first: Value = app.triage(&calltaker, &id, json!({})).await.json().await.unwrap();
    assert_eq!(first["status"], "needs_answers");
    assert_eq!(first["next_questions"][0]["id"], "attempt");
    let more: Value = app
        .triage(&calltaker, &id, json!({"attempt": false, "weapon": false, "age": 40}))
        .await
        .json()
        .await
        .unwrap();
    let asked: Vec<_> = more["next_questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(asked, ["consent", "risk"]);
    assert_eq!(app.store_head().await, head, "partial answers write nothing");

    let answers =
        json!({"attempt": false, "weapon": false, "age": 40, "consent": true, "risk": "low"});
    let decided: Value = app.triage(&calltaker, &id, answers).await.json().await.unwrap();
    assert_eq!(decided["status"], "decided");
    assert_eq!(decided["decision"]["outcome"], "divert_988");
    assert_eq!(decided["decision"]["rule"], "divert");
    assert_eq!(decided["decision"]["protocol_version"], 1);
    assert_eq!(decided["incident"]["recommended_action"], "divert_988");
    assert_eq!(decided["incident"]["triage"]["answers"][2], json!(["consent", "yes"]));

    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &calltaker).await.json().await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last["kind"], "triage_recorded");
    assert_eq!(last["data"]["protocol"], "sample-911");
    assert_eq!(last["data"]["protocol_version"], 1);
}

#[tokio::test]
async fn a_weapon_decides_at_once_and_bad_answers_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    app.upload(&admin, SAMPLE).await;
    app.activate(&admin, "sample-911", 1).await;
    let calltaker = app.login("calltaker").await;
    let id = app.open_incident(&calltaker).await;

    let decided: Value = app
        .triage(&calltaker, &id, json!({"attempt": "no", "weapon": "yes"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decided["decision"]["outcome"], "law_enforcement");

    let head = app.store_head().await;
    assert_error(
        app.triage(&calltaker, &id, json!({"risk": "extreme"})).await,
        422,
        "invalid_field",
        "answers.risk: \"extreme\" is not a choice",
    )
    .await;
    assert_error(
        app.triage(&calltaker, &id, json!({"age": 300})).await,
        422,
        "invalid_field",
        "answers.age: 300 is not a whole number in [0, 120]",
    )
    .await;
    assert_error(
        app.triage(&calltaker, &id, json!({"pets": true})).await,
        422,
        "invalid_field",
        "answers.pets: protocol sample-911 has no such question",
    )
    .await;
    assert_error(
        app.triage(&calltaker, &id, json!({"weapon": [1]})).await,
        422,
        "invalid_field",
        "answers.weapon",
    )
    .await;
    assert_eq!(app.store_head().await, head);
}

#[tokio::test]
async fn without_an_active_protocol_triage_says_what_to_do() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let id = app.open_incident(&calltaker).await;
    assert_error(
        app.triage(&calltaker, &id, json!({})).await,
        409,
        "no_active_protocol",
        "an admin uploads one",
    )
    .await;
}
