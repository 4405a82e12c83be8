//! What once took a server down, sent over HTTP: a protocol nesting thousands of parentheses
//! (it overflowed a worker's stack and aborted the process) and one too complex to prove (it
//! held a request for seconds). Each is refused with what to fix, and the server keeps serving
//! everyone else meanwhile.

use serde_json::Value;

use crate::helpers::{TestApp, assert_error};

const HEADER: &str = "[protocol]\nid = \"p\"\ntitle = \"t\"\nchannel = \"other\"\nsource = \"s\"\n\n[[questions]]\nid = \"a\"\ntext = \"?\"\ntype = \"yes_no\"\n";

fn with_rule(when: &str) -> String {
    format!("{HEADER}\n[[rules]]\nid = \"r\"\nwhen = \"{when}\"\noutcome = \"ems\"\nwhy = \"w\"\n")
}

#[tokio::test]
async fn a_protocol_nested_past_any_stack_is_refused_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let calltaker = app.login("calltaker").await;
    for (what, when) in [
        ("parentheses", format!("{}a{}", "(".repeat(2_650), ")".repeat(2_650))),
        ("nots", format!("{}a", "not ".repeat(12_000))),
    ] {
        assert_error(
            app.upload(&admin, &with_rule(&when)).await,
            422,
            "invalid_protocol",
            "nest more than 32 deep here",
        )
        .await;
        // The same node answers the next request, and the next person.
        let incidents = app.get("/api/v1/incidents", &calltaker).await;
        assert_eq!(incidents.status(), 200, "after the {what}");
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    }
    let all: Vec<Value> = app.get("/api/v1/protocols", &admin).await.json().await.unwrap();
    assert!(all.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn a_protocol_too_complex_to_prove_is_stored_as_failing_without_holding_the_server() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let heavy = crate::robustness::heavy(16);
    let (upload, health) = tokio::join!(app.upload(&admin, &heavy), async {
        // While the checker works, off the request threads, other requests are answered.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        app.client.get(app.url("/healthz")).send().await.unwrap().status()
    });
    assert_eq!(health, 200);
    assert_eq!(upload.status(), 201);
    let stored: Value = upload.json().await.unwrap();
    assert_eq!(stored["check_passed"], false);
    assert!(
        stored["check_report"].as_str().unwrap().starts_with("too complex to prove"),
        "{stored}"
    );
}

/// 16 yes/no questions (the floor's five first) and 26 rules of 12 clauses.
pub fn heavy(questions: usize) -> String {
    let floor = ["attempt_in_progress", "weapon", "violence", "medical", "consent"];
    let mut text = String::from(
        "[protocol]\nid = \"heavy\"\ntitle = \"t\"\nchannel = \"other\"\nsource = \"s\"\nwhen_unknown = \"law_enforcement_and_ems\"\n",
    );
    for q in 0..questions {
        text.push_str(&format!(
            "\n[[questions]]\nid = \"q{q}\"\ntext = \"?\"\ntype = \"yes_no\"\n"
        ));
        if let Some(concept) = floor.get(q) {
            text.push_str(&format!("floor = \"{concept}\"\n"));
        }
    }
    text.push_str("\n[[rules]]\nid = \"danger\"\nwhen = \"q0 or q1 or q2 or q3\"\noutcome = \"law_enforcement_and_ems\"\nwhy = \"w\"\n");
    let others = questions - 5;
    for r in 0..26 {
        let clauses: Vec<String> = (0..12)
            .map(|j| format!("(q{} or not q{})", (r + j) % others + 5, (r + j + 1) % others + 5))
            .collect();
        text.push_str(&format!(
            "\n[[rules]]\nid = \"r{r}\"\nwhen = \"q{} and {}\"\noutcome = \"co_response\"\nwhy = \"w\"\n",
            r % others + 5,
            clauses.join(" and ")
        ));
    }
    text.push_str("\n[[rules]]\nid = \"rest\"\nwhen = \"true\"\noutcome = \"embedded_clinician\"\nwhy = \"w\"\n");
    text
}
