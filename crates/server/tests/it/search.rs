//! Searching an agency's incidents through the API: closed ones included, by every filter,
//! page by page, as CSV; bad parameters refused with what to fix; every incident shown
//! audited as read.

use serde_json::{Value, json};

use store::AuditLog as _;

use crate::helpers::{TestApp, assert_error};

async fn open(app: &TestApp, token: &str, summary: &str, number: &str) -> String {
    let body = json!({
        "channel": "911",
        "location": {"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 30},
        "callback_number": number,
        "summary": summary,
    });
    let response = app.post_json("/api/v1/incidents", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

fn ids(page: &Value) -> Vec<String> {
    page["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search_finds_closed_incidents_by_words_number_and_outcome() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let roof = open(&app, &token, "Brother on the ROOF", "785-555-0100").await;
    app.clock.advance_ms(1000);
    let bridge = open(&app, &token, "woman on the bridge", "785-555-0199").await;
    app.clock.advance_ms(1000);
    let note = json!({"action": "add_note", "text": "agreed to see the mobile team"});
    assert_eq!(app.act(&token, &bridge, note).await.status(), 200);
    let close = json!({"action": "close", "disposition": "referred", "remark": "resources"});
    assert_eq!(app.act(&token, &roof, close).await.status(), 200);

    let search = |query: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let response = app.get(&format!("/api/v1/incidents/search?{query}"), token).await;
            assert_eq!(response.status(), 200, "{query}");
            response.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(ids(&search("").await), [bridge.as_str(), roof.as_str()], "closed ones too");
    assert_eq!(ids(&search("q=roof").await), [roof.as_str()]);
    assert_eq!(ids(&search("q=Mobile%20TEAM").await), [bridge.as_str()], "words of notes");
    assert_eq!(ids(&search("number=(785)%20555-0199").await), [bridge.as_str()]);
    assert_eq!(ids(&search("outcome=referred").await), [roof.as_str()]);
    assert_eq!(ids(&search("status=open").await), [bridge.as_str()]);
    let by_id = app.get(&format!("/api/v1/incidents/search?id={roof}"), &token).await;
    assert_eq!(ids(&by_id.json::<Value>().await.unwrap()), [roof.as_str()]);
    assert!(ids(&search("q=roof&status=open").await).is_empty());
    // Another agency's search does not reach them.
    let counselor = app.login("counselor").await;
    let other: Value =
        app.get("/api/v1/incidents/search?q=roof", &counselor).await.json().await.unwrap();
    assert!(ids(&other).is_empty());
    // Each incident shown is audited as read by the searcher.
    let records = app.store.audit_records(0, 1000, None).await.unwrap();
    assert!(
        records.iter().any(|r| r.entry.action == "GET /api/v1/incidents/search: listed"
            && r.entry.incident.is_some_and(|i| i.to_string() == roof)),
        "a search's disclosures are in the audit trail: {:?}",
        records.iter().map(|r| (&r.entry.action, r.entry.incident)).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn search_pages_with_the_cursor_it_gives() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let mut opened = Vec::new();
    for n in 0..7 {
        opened.push(open(&app, &token, &format!("contact {n}"), "785-555-0100").await);
        app.clock.advance_ms(10);
    }
    opened.reverse();
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let page: Value = app
            .get(&format!("/api/v1/incidents/search?limit=3&after={after}"), &token)
            .await
            .json()
            .await
            .unwrap();
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, opened, "newest first, each once");
}

#[tokio::test]
async fn search_exports_every_match_as_csv() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let a = open(&app, &token, "says \"help\", then hangs up", "785-555-0100").await;
    app.clock.advance_ms(1000);
    let response = app.get("/api/v1/incidents/search?format=csv&q=help", &token).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], a.as_str());
    let summary = headers.iter().position(|h| h == "summary").unwrap();
    assert_eq!(&rows[0][summary], "says \"help\", then hangs up", "quoted as CSV quotes");
    let number = headers.iter().position(|h| h == "callback_number").unwrap();
    assert_eq!(&rows[0][number], "'+17855550100", "a spreadsheet shows it as text, not a sum");
    assert!(body.starts_with('\u{feff}'), "a byte-order mark, for spreadsheets");
}

#[tokio::test]
async fn bad_search_parameters_say_what_to_fix() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    for (query, says) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("number=12", "number"),
        ("id=nope", "id"),
        ("from=2026-13-01", "from"),
        ("from=2026-03-02&to=2026-03-01", "later day"),
        ("status=done", "unknown status"),
        ("channel=112", "unknown channel"),
        ("outcome=fine", "unknown outcome"),
        ("after=garbage", "next"),
        ("q=%21%21%21", "at least one word"),
        ("q=a%20b%20cc%20dd%20ee%20ff%20gg%20hh%20ii%20jj%20kk", "at most 8"),
        ("format=xml", "json or csv"),
        ("outcom=referred", "unknown field"),
    ] {
        let response = app.get(&format!("/api/v1/incidents/search?{query}"), &token).await;
        assert_error(response, 400, "invalid_parameter", says).await;
    }
    let responder = app.login("responder").await;
    let response = app.get("/api/v1/incidents/search", &responder).await;
    assert_eq!(response.status(), 403);
}

/// An agency whose part ended (it declined) finds the incident as it saw it: not by a status
/// or an outcome it reached afterwards.
#[tokio::test]
async fn a_declining_agency_does_not_find_the_incident_by_what_happened_after() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let body = json!({"channel": "911", "summary": "ladder on the bridge",
        "location": {"type": "point", "lat": 38.5, "lon": -95.5}});
    let id: String = app
        .post_json("/api/v1/incidents", Some(&calltaker), &body)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let offer = json!({"action": "offer_transfer", "service": "urn:service:counseling.suicide", "reason": "divert"});
    assert_eq!(app.act(&calltaker, &id, offer).await.status(), 200);
    let decline = json!({"action": "decline_transfer", "reason": "no counselor free"});
    assert_eq!(app.act(&counselor, &id, decline).await.status(), 200);
    let withdraw = json!({"action": "withdraw_transfer", "reason": "handled here"});
    assert_eq!(app.act(&calltaker, &id, withdraw).await.status(), 200);
    let close = json!({"action": "close", "disposition": "transported", "remark": "to the ED"});
    assert_eq!(app.act(&calltaker, &id, close).await.status(), 200);

    let found = |token: &str, query: &str| {
        let url = format!("/api/v1/incidents/search?{query}");
        let (app, token) = (&app, token.to_owned());
        async move { ids(&app.get(&url, &token).await.json::<Value>().await.unwrap()) }
    };
    assert_eq!(found(&counselor, "q=ladder").await, [id.as_str()], "it took part: it finds it");
    assert!(
        found(&counselor, "status=closed").await.is_empty(),
        "not by the status it closed with"
    );
    assert!(found(&counselor, "outcome=transported").await.is_empty(), "nor by its outcome");
    assert_eq!(found(&calltaker, "status=closed&outcome=transported").await, [id.as_str()]);
    // Each status once, however often a list names it.
    let twice: Vec<Value> =
        app.get("/api/v1/incidents?status=closed,closed", &calltaker).await.json().await.unwrap();
    assert_eq!(twice.len(), 1);
}
