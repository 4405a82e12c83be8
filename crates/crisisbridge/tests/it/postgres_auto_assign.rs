//! Auto-assignment on two PostgreSQL nodes at once: both see every offer and race to answer
//! it, yet each incident is accepted once and every team sent to one incident only. Needs the
//! server at `CRISISBRIDGE_TEST_POSTGRES`; skips loudly without one.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use domain::{Agency, AgencyId, AgencyKind, GeoPoint, Role, TeamId, Timestamp, UserId};
use serde_json::{Value, json};
use store::{Directory, NewUser, Team};

use crate::postgres::{Node, drop_schema, fresh_schema};
use crate::process::create_incident;

const TEAMS: usize = 12;

fn agency(code: &str, name: &str, kind: AgencyKind) -> Agency {
    Agency {
        id: AgencyId::new(Timestamp::from_millis(1)),
        code: code.into(),
        name: name.into(),
        kind,
        time_zone: "America/Chicago".into(),
        uri: None,
    }
}

/// Where team `n` is based: spread over a few kilometres of Lawrence.
fn base_of(n: usize) -> (f64, f64) {
    let n = n as f64;
    (38.94 + 0.005 * (n % 4.0), -95.28 + 0.01 * (n / 4.0).floor())
}

async fn post(node: &Node, token: &str, path: &str, body: Value) -> Value {
    let response = node
        .client
        .post(format!("{}/api/v1{path}", node.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "POST {path}: {status} {body}");
    body
}

async fn get(node: &Node, token: &str, path: &str) -> Value {
    let response =
        node.client.get(format!("{}/api/v1{path}", node.base)).bearer_auth(token).send().await;
    response.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn two_nodes_auto_assigning_accept_each_offer_once_and_send_each_team_once() {
    let Some((store, url, schema)) = fresh_schema().await else { return };
    let psap = agency("psap-20045", "Douglas County 911", AgencyKind::Psap);
    let provider =
        agency("mct-douglas", "Douglas County Mobile Crisis", AgencyKind::MobileCrisisProvider);
    for a in [&psap, &provider] {
        store.put_agency(a).await.unwrap();
    }
    let hash = server::auth::hash_password("crisisbridge-demo").unwrap();
    for (username, role, agency) in [
        ("calltaker", Role::CallTaker, &psap),
        ("dispatcher", Role::Dispatcher, &provider),
        ("responder", Role::Responder, &provider),
    ] {
        let user = NewUser {
            id: UserId::new(Timestamp::from_millis(1)),
            username: username.into(),
            display_name: username.into(),
            agency: agency.id,
            role,
            password_hash: hash.clone(),
        };
        store.put_user(&user).await.unwrap();
    }
    let mut teams = Vec::new();
    for n in 0..TEAMS {
        let (lat, lon) = base_of(n);
        let team = Team {
            id: TeamId::new(Timestamp::from_millis(1)),
            provider: provider.id,
            name: format!("Team {n}"),
            capabilities: Vec::new(),
            home_base: Some(GeoPoint::parse(lat, lon).unwrap()),
            members: Vec::new(),
        };
        store.put_team(&team).await.unwrap();
        teams.push(team);
    }
    store.close().await;

    let env = [("CRISISBRIDGE_AUTO_ASSIGN", "mct-douglas")];
    let nodes = [Node::start_with(&url, "a", &env), Node::start_with(&url, "b", &env)];
    let responder = nodes[0].login("responder").await;
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            as i64;
    for (n, team) in teams.iter().enumerate() {
        let path = format!("/teams/{}", team.id);
        post(&nodes[0], &responder, &format!("{path}/actions"), json!({"action": "start_shift"}))
            .await;
        let (lat, lon) = base_of(n);
        let fix = json!({"at": now_ms, "lat": lat, "lon": lon, "accuracy_m": 10.0});
        post(&nodes[1], &responder, &format!("{path}/positions"), fix).await;
    }

    // Offers through both nodes at once, so both nodes' auto-assigners race on each one.
    let calltakers = [nodes[0].login("calltaker").await, nodes[1].login("calltaker").await];
    let offers = (0..TEAMS).map(|n| {
        let (node, token) = (&nodes[n % 2], &calltakers[n % 2]);
        let provider = provider.id.to_string();
        async move {
            let summary = format!("call {n}");
            let opened = create_incident(&node.client, &node.base, token, &summary).await.unwrap();
            let opened: Value = opened.json().await.unwrap();
            let id = opened["id"].as_str().unwrap().to_owned();
            let offer = json!({"action": "offer_transfer", "to_agency": provider, "reason": "mobile crisis"});
            post(node, token, &format!("/incidents/{id}/actions"), offer).await;
            id
        }
    });
    let incidents: Vec<String> = futures_util::future::join_all(offers).await;

    // Wait until every incident carries auto-assignment's closing note.
    let dispatcher = nodes[1].login("dispatcher").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut logs: HashMap<&str, Vec<Value>> = HashMap::new();
    for id in &incidents {
        loop {
            let events: Vec<Value> = serde_json::from_value(
                get(&nodes[1], &dispatcher, &format!("/incidents/{id}/events")).await,
            )
            .unwrap();
            let noted = events.iter().any(|e| {
                e["kind"] == "note_added"
                    && e["data"]["text"].as_str().is_some_and(|t| t.starts_with("Accepted by"))
            });
            if noted {
                logs.insert(id, events);
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "incident {id} was not auto-assigned within 30 s: {events:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let mut sent = HashSet::new();
    for (id, events) in &logs {
        let count = |kind: &str| events.iter().filter(|e| e["kind"] == kind).count();
        assert_eq!(count("transfer_accepted"), 1, "{id} accepted once: {events:?}");
        assert_eq!(count("team_dispatched"), 1, "{id} sent one team: {events:?}");
        let team = events.iter().find(|e| e["kind"] == "team_dispatched").unwrap();
        assert!(
            sent.insert(team["data"]["team"].as_str().unwrap().to_owned()),
            "a team was sent to two incidents: {team}"
        );
    }
    assert_eq!(sent.len(), TEAMS, "every team went to exactly one incident");
    let states: Vec<Value> =
        serde_json::from_value(get(&nodes[0], &dispatcher, "/teams").await).unwrap();
    assert!(states.iter().all(|t| t["status"] == "dispatched"), "{states:?}");
    drop(nodes);
    drop_schema(&schema).await;
}
