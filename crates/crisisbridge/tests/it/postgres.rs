//! PostgreSQL deployments: copying a county's SQLite data into PostgreSQL, and two server nodes
//! on one database with one of them killed mid-stream. Needs the server at
//! `CRISISBRIDGE_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`); skips with a
//! loud message when none answers.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use domain::{Agency, AgencyId, AgencyKind, Role, Timestamp, UserId};
use futures_util::StreamExt;
use serde_json::{Value, json};
use store::{Directory, NewUser};
use store_sql::{PgSettings, PgStore};

use crate::process::{BIN, Demo, create_incident, run};

fn server_url() -> String {
    std::env::var("CRISISBRIDGE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema, migrated, and the URL that selects it; `None` (loudly) without a server.
pub(crate) async fn fresh_schema() -> Option<(PgStore, String, String)> {
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple().to_string().get(..24).unwrap());
    match PgStore::open(&server_url(), &PgSettings { pool_size: 3, schema: Some(schema.clone()) })
        .await
    {
        Ok(store) => {
            let url = format!("{}?options[search_path]={schema}", server_url());
            Some((store, url, schema))
        }
        Err(e) => {
            eprintln!(
                "\n!!!!! SKIPPED: no PostgreSQL server answers at {} ({e}). Start one to run the PostgreSQL tests. !!!!!\n",
                server_url()
            );
            None
        }
    }
}

pub(crate) async fn drop_schema(schema: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(&server_url()).await {
        let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
    }
}

#[tokio::test]
async fn copy_moves_a_county_from_sqlite_to_postgres_and_proves_it() {
    let Some((target, url, schema)) = fresh_schema().await else { return };
    target.close().await;
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let token = demo.login("calltaker").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let created: Value =
            demo.create_incident(&token, &format!("call {n}")).await.unwrap().json().await.unwrap();
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    // A team that moved and went en route, and an incident a CAD sent as an EIDO.
    let responder = demo.login("responder").await;
    let teams = demo.get_json(&responder, "/api/v1/teams").await;
    let team_id = teams[0]["id"].as_str().unwrap().to_owned();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let now_ms = i64::try_from(now.as_millis()).unwrap();
    let fixes: Vec<Value> = (0..3)
        .map(|n| json!({"at": now_ms - 20_000 + n * 5_000, "lat": 38.97 + f64::from(n as u8) * 0.0005, "lon": -95.24, "accuracy_m": 8}))
        .collect();
    let posted = demo
        .client
        .post(format!("{}/api/v1/teams/{team_id}/positions", demo.base))
        .bearer_auth(&responder)
        .json(&json!({ "fixes": fixes }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200, "{}", posted.text().await.unwrap());
    let dispatcher = demo.login("dispatcher").await;
    let before = demo.get_json(&dispatcher, "/api/v1/teams").await;
    let mut eido = demo.get_json(&token, &format!("/api/v1/incidents/{}/eido", ids[0])).await;
    eido["$id"] = json!("urn:emergency:uid:incidentid:cad0042:cad.example");
    let post_eido = |client: reqwest::Client, base: String, token: String, eido: Value| async move {
        client
            .post(format!("{base}/api/v1/eido"))
            .bearer_auth(token)
            .json(&eido)
            .send()
            .await
            .unwrap()
    };
    let opened =
        post_eido(demo.client.clone(), demo.base.clone(), token.clone(), eido.clone()).await;
    assert_eq!(opened.status(), 201);
    let opened: Value = opened.json().await.unwrap();
    // A call's timing from the phone system.
    for step in [
        json!({"call_id": "acd-77", "step": "arrived", "at": now_ms - 9_000, "channel": "911"}),
        json!({"call_id": "acd-77", "step": "answered", "at": now_ms - 2_000, "answered_by": "pos 3"}),
    ] {
        let posted = demo
            .client
            .post(format!("{}/api/v1/calls", demo.base))
            .bearer_auth(&token)
            .json(&step)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
    }
    demo.kill();

    let sqlite = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());
    let (ok, stdout, stderr) = run(&["copy", "--from", &sqlite, "--to", &url], &[], None);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("counts and the event log's SHA-256 match"), "{stdout}");
    assert!(!stdout.contains("DIFFERS"), "{stdout}");
    assert!(
        stdout.contains("agencies") && stdout.contains("118"),
        "105 PSAPs + 4 centers + 3 providers + 6 facility operators: {stdout}"
    );
    for line in [
        "team log entries",
        "breadcrumbs",
        "team states SHA-256",
        "external ids",
        "call steps",
        "call steps SHA-256",
        "shift notes",
        "shift notes SHA-256",
        "facilities",
        "facilities SHA-256",
        "audit records",
        "audit contents SHA-256",
    ] {
        assert!(stdout.lines().any(|l| l.contains(line) && l.ends_with("ok")), "{line}: {stdout}");
    }

    let (ok, _, stderr) = run(&["copy", "--from", &sqlite, "--to", &url], &[], None);
    assert!(!ok && stderr.contains("already holds data"), "{stderr}");
    let typo = format!("sqlite://{}", dir.path().join("crisisbrdige.db").display());
    let (ok, _, stderr) = run(&["copy", "--from", &typo, "--to", &url], &[], None);
    assert!(!ok && stderr.contains("does not exist; check the path"), "{stderr}");

    // The state deployment serves the county's data: same logins, same incidents.
    let node = Node::start(&url, "copied");
    let token = node.login("calltaker").await;
    for id in &ids {
        let response = node
            .client
            .get(format!("{}/api/v1/incidents/{id}", node.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let active = node.get_json(&token, "/api/v1/protocols/active?channel=911").await;
    assert_eq!(active["protocol_id"], "ks-911-behavioral-health-diversion");
    // The teams are where they were, in the state they were in.
    let dispatcher = node.login("dispatcher").await;
    let after = node.get_json(&dispatcher, "/api/v1/teams").await;
    let view = |teams: &Value| -> Vec<(Value, Value, Value, Value)> {
        teams
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].clone(),
                    t["status"].clone(),
                    t["status_since"].clone(),
                    t["position"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(view(&after), view(&before));
    assert!(
        after
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == team_id && t["position"]["lat"].as_f64() > Some(38.9709))
    );
    // The CAD's next EIDO for its incident updates the copied one instead of opening another.
    let again = post_eido(node.client.clone(), node.base.clone(), token.clone(), eido).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], opened["id"]);
    drop(node);
    drop_schema(&schema).await;
}

/// A `crisisbridge serve` process on PostgreSQL.
pub(crate) struct Node {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
}

impl Node {
    pub(crate) fn start(database_url: &str, name: &str) -> Self {
        Self::start_with(database_url, name, &[])
    }

    /// Like [`Node::start`], with more environment variables.
    pub(crate) fn start_with(database_url: &str, name: &str, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--config", "/dev/null"])
            .envs(env.iter().copied())
            .env("CRISISBRIDGE_LISTEN", "127.0.0.1:0")
            .env("CRISISBRIDGE_DATABASE_URL", database_url)
            .env("CRISISBRIDGE_DATABASE_POOL_SIZE", "8")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("node {name} printed {line:?}"))
            .to_owned();
        Self { child, base, client: reqwest::Client::new() }
    }

    pub(crate) async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"username": username, "password": "crisisbridge-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    /// A GET that must answer 200, as JSON.
    pub(crate) async fn get_json(&self, token: &str, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn two_nodes_one_killed_mid_stream_and_the_survivors_subscriber_sees_every_event_once_in_order()
 {
    let Some((store, url, schema)) = fresh_schema().await else { return };
    let agency = Agency {
        id: AgencyId::new(Timestamp::from_millis(1)),
        code: "psap-20045".into(),
        name: "Douglas County 911".into(),
        kind: AgencyKind::Psap,
        time_zone: "America/Chicago".into(),
        uri: None,
    };
    store.put_agency(&agency).await.unwrap();
    store
        .put_user(&NewUser {
            id: UserId::new(Timestamp::from_millis(1)),
            username: "calltaker".into(),
            display_name: "calltaker".into(),
            agency: agency.id,
            role: Role::CallTaker,
            password_hash: server::auth::hash_password("crisisbridge-demo").unwrap(),
        })
        .await
        .unwrap();
    store.close().await;

    let (mut a, b) = (Some(Node::start(&url, "a")), Node::start(&url, "b"));
    let token_a = a.as_ref().unwrap().login("calltaker").await;
    let token_b = b.login("calltaker").await;
    let stream = b
        .client
        .get(format!("{}/api/v1/stream?after=0", b.base))
        .bearer_auth(&token_b)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let node = if w % 2 == 0 { a.as_ref().unwrap() } else { &b };
            let (client, base) = (node.client.clone(), node.base.clone());
            let token = if w % 2 == 0 { token_a.clone() } else { token_b.clone() };
            let tx = tx.clone();
            tokio::spawn(async move {
                for n in 0..60 {
                    match create_incident(&client, &base, &token, &format!("writer {w} call {n}"))
                        .await
                    {
                        Ok(r) if r.status() == 201 => {
                            let body: Value = r.json().await.unwrap();
                            let _ = tx.send(body["id"].as_str().unwrap().to_owned());
                        }
                        _ => break, // node a is gone
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let mut acknowledged = HashSet::new();
    while acknowledged.len() < 100 {
        acknowledged.insert(rx.recv().await.unwrap());
    }
    let mut killed = a.take().unwrap();
    Command::new("kill").args(["-9", &killed.child.id().to_string()]).status().unwrap();
    let _ = killed.child.wait();
    for writer in writers {
        writer.await.unwrap();
    }
    while let Some(id) = rx.recv().await {
        acknowledged.insert(id);
    }
    assert!(acknowledged.len() > 100, "node b kept taking commands after node a died");

    // Read B's stream until every acknowledged incident's `opened` event has arrived.
    let mut body = stream.bytes_stream();
    let (mut buffer, mut seen, mut last_seq) = (String::new(), HashSet::new(), 0u64);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !acknowledged.is_subset(&seen) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("events went missing on node b")
            .unwrap()
            .unwrap();
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) else { continue };
            let event: Value = serde_json::from_str(data.trim()).unwrap();
            let seq = event["seq"].as_u64().unwrap();
            assert_eq!(seq, last_seq + 1, "every event once, in order, no gaps");
            last_seq = seq;
            assert!(
                seen.insert(event["incident_id"].as_str().unwrap().to_owned()),
                "an incident opened twice"
            );
        }
    }
    eprintln!(
        "{} acknowledged incidents from two nodes all reached node b's subscriber, {last_seq} events in order",
        acknowledged.len()
    );
    drop(b);
    drop_schema(&schema).await;
}
