//! Protocols through the API: upload (checked at once), activation only when proven, and
//! triage on an incident that asks only what matters and records the decision.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error};

const SAMPLE: &str = include_str!("../../../triage/tests/protocols/sample.toml");
const BROKEN: &str = include_str!("../../../triage/tests/protocols/broken/unreachable-rule.toml");
const SHIPPED_911: &str =
    include_str!("../../../../protocols/ks-911-behavioral-health-diversion.toml");

impl TestApp {
    pub(crate) async fn upload(&self, token: &str, source: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/protocols"))
            .bearer_auth(token)
            .header("content-type", "application/toml")
            .body(source.to_owned())
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn activate(&self, token: &str, id: &str, version: u32) -> reqwest::Response {
        let path = format!("/api/v1/protocols/{id}/versions/{version}/activate");
        self.client.post(self.url(&path)).bearer_auth(token).send().await.unwrap()
    }

    pub(crate) async fn triage(
        &self,
        token: &str,
        incident: &str,
        answers: Value,
    ) -> reqwest::Response {
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
    assert!(stored["check_report"].as_str().unwrap().contains("rule `high-risk` can never decide"));
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
    assert_eq!(active["questions"][5]["choices"][2], json!({"id": "high", "label": "High"}));
    let all: Vec<Value> = app.get("/api/v1/protocols", &calltaker).await.json().await.unwrap();
    assert_eq!(
        all.iter().map(|v| v["active"].as_bool().unwrap()).collect::<Vec<_>>(),
        [false, true]
    );
}

/// The issue a reviewer found: delete the rules that keep a weapon with police, and a weapon
/// call diverts to 988. The platform floor refuses such a file outright.
#[tokio::test]
async fn an_upload_that_breaks_the_safety_floor_is_refused_with_the_counterexample() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let mut weaponless = SHIPPED_911.to_owned();
    for rule in ["weapon-high-risk", "weapon-unknown-co-response", "weapon-co-response"] {
        let at = weaponless.find(&format!("id = \"{rule}\"")).unwrap();
        let start = weaponless[..at].rfind("[[rules]]").unwrap();
        let end = at + weaponless[at..].find("[[").unwrap();
        weaponless.replace_range(start..end, "");
    }
    let body = assert_error(
        app.upload(&admin, &weaponless).await,
        422,
        "protocol_breaks_floor",
        "floor constraint `weapon-needs-police` of crisisbridge-platform-floor is broken: when",
    )
    .await;
    assert!(body["error"]["message"].as_str().unwrap().contains("weapon = yes"), "{body}");
    let all: Vec<Value> = app.get("/api/v1/protocols", &admin).await.json().await.unwrap();
    assert!(all.is_empty(), "a protocol that breaks the floor is not stored");

    // Dropping the weapon question's floor tag does not get around it either.
    let untagged = SHIPPED_911.replace("floor = \"weapon\"\n", "");
    assert_error(
        app.upload(&admin, &untagged).await,
        422,
        "protocol_breaks_floor",
        "needs a question that answers `weapon`",
    )
    .await;
    let stored: Value = app.upload(&admin, SHIPPED_911).await.json().await.unwrap();
    assert_eq!(stored["check_passed"], true);
    assert!(stored["check_report"].as_str().unwrap().contains("weapon-needs-police"));
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
        "rule `weapon`: when: column 10",
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
        .triage(
            &calltaker,
            &id,
            json!({"attempt": false, "violence": false, "medical": false, "weapon": false, "age": 40}),
        )
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

    let answers = json!({"attempt": false, "violence": false, "medical": false, "weapon": false,
        "age": 40, "consent": true, "risk": "low"});
    let decided: Value = app.triage(&calltaker, &id, answers).await.json().await.unwrap();
    assert_eq!(decided["status"], "decided");
    assert_eq!(decided["decision"]["outcome"], "divert_988");
    assert_eq!(decided["decision"]["rule"], "divert");
    assert_eq!(decided["decision"]["protocol_version"], 1);
    assert_eq!(decided["incident"]["recommended_action"], "divert_988");
    assert_eq!(decided["incident"]["triage"]["answers"][4], json!(["consent", "yes"]));

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
        .triage(
            &calltaker,
            &id,
            json!({"attempt": "no", "violence": "no", "medical": "no", "weapon": "yes"}),
        )
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
