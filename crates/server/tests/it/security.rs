//! Cross-site requests, sessions that end everywhere at once, user administration, the
//! metrics token, plain HTTP off loopback, and audit records that survive hang-ups.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::Response;
use serde_json::{Value, json};
use store::{AuditLog, Directory};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

use crate::helpers::{PASSWORD, TestApp, assert_error};

/// Logs in and returns the session cookie's `name=value`, as a browser would keep it.
async fn cookie_login(app: &TestApp, username: &str) -> String {
    let body = json!({"username": username, "password": PASSWORD});
    let response = app.post_json("/api/v1/sessions", None, &body).await;
    assert_eq!(response.status(), 201);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    cookie.split(';').next().unwrap().to_owned()
}

async fn cookie_post(app: &TestApp, cookie: &str, path: &str, origin: Option<&str>) -> Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header("cookie", cookie)
        .header("content-type", "text/plain")
        .body("protocol = \"x\"");
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_page_of_another_origin_cannot_act_with_the_session_cookie() {
    let app = TestApp::spawn().await;
    let cookie = cookie_login(&app, "admin").await;
    let own = format!("http://{}", app.addr);
    let head = app.store_head().await;
    for origin in ["https://evil.example", "http://127.0.0.1:1", "null"] {
        let response = cookie_post(&app, &cookie, "/api/v1/protocols", Some(origin)).await;
        assert_error(response, 403, "cross_origin", "not this deployment's").await;
        let response = app
            .client
            .post(app.url("/api/v1/protocols/psap-911/versions/1/activate"))
            .header("cookie", &cookie)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_error(response, 403, "cross_origin", "not this deployment's").await;
    }
    // Fetch metadata alone, and a cookie that says nothing of where it comes from.
    let response = app
        .client
        .post(app.url("/api/v1/protocols"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-site")
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "cross_origin", "another site").await;
    let response = cookie_post(&app, &cookie, "/api/v1/protocols", None).await;
    assert_error(response, 403, "cross_origin", "Authorization: Bearer").await;
    assert_eq!(app.store_head().await, head, "nothing was written");

    // From our own origin the request reaches the handler (which judges the body).
    let response = cookie_post(&app, &cookie, "/api/v1/protocols", Some(&own)).await;
    assert_error(response, 422, "invalid_protocol", "").await;
    // A bearer token is never sent by a browser on its own: any Origin is fine.
    let token = app.login("calltaker").await;
    let response = app
        .client
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&token)
        .header("origin", "https://cad.vendor.example")
        .json(&crate::helpers::new_incident())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // Reads are not changes: a GET with the cookie from anywhere is answered (no CORS header
    // lets another page read it).
    let response =
        app.client.get(app.url("/api/v1/me")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_listed_origin_may_act_and_a_websocket_upgrade_is_checked_too() {
    let app = TestApp::spawn_with(|s| {
        s.allowed_origins = vec!["https://crisis.county.example".into()];
    })
    .await;
    let cookie = cookie_login(&app, "calltaker").await;
    let response = app
        .client
        .post(app.url("/api/v1/incidents"))
        .header("cookie", &cookie)
        .header("origin", "https://crisis.county.example")
        .json(&crate::helpers::new_incident())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    let upgrade = |origin: &'static str| {
        let mut request =
            format!("ws://{}/api/v1/eido/conveyance", app.addr).into_client_request().unwrap();
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        request.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    match upgrade("https://evil.example").await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a cross-site upgrade was not refused: {:?}", other.map(|_| ())),
    }
    assert!(upgrade("https://crisis.county.example").await.is_ok());
}

/// Reads a response body until it ends; `Err` when it is still open after `within`.
async fn ends_within(response: Response, within: Duration) -> Result<(), &'static str> {
    let mut body = response.bytes_stream();
    tokio::time::timeout(within, async { while let Some(Ok(_)) = body.next().await {} })
        .await
        .map_err(|_| "still open")
}

async fn open_stream(app: &TestApp, token: &str) -> Response {
    let response = app.get("/api/v1/stream", token).await;
    assert_eq!(response.status(), 200);
    response
}

#[tokio::test]
async fn logout_and_disabling_a_user_close_their_streams_and_sockets_at_once() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let stream = open_stream(&app, &calltaker).await;
    let mut socket = crate::eido_conveyance::connect(&app, Some(&calltaker)).await.unwrap();
    let started = Instant::now();
    let logout = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&calltaker)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    ends_within(stream, Duration::from_secs(1)).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            match socket.next().await {
                Some(Ok(tungstenite::Message::Close(frame))) => return frame,
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the socket is closed within a second");
    assert!(closed.is_some_and(|f| f.reason.contains("session ended")));
    eprintln!("stream and socket closed {:?} after logout", started.elapsed());

    // An administrator disables the user: every session of theirs ends.
    let (first, second) = (app.login("calltaker").await, app.login("calltaker").await);
    let streams = [open_stream(&app, &first).await, open_stream(&app, &second).await];
    let admin = app.login("admin").await;
    let id = app.store.user_by_username("calltaker").await.unwrap().unwrap().id;
    let path = format!("/api/v1/users/{id}/actions");
    let disabled = app.post_json(&path, Some(&admin), &json!({"action": "disable"})).await;
    assert_eq!(disabled.status(), 200);
    let disabled: Value = disabled.json().await.unwrap();
    assert!(disabled["disabled_at"].is_i64(), "{disabled}");
    for stream in streams {
        ends_within(stream, Duration::from_secs(1)).await.unwrap();
    }
    assert_error(app.get("/api/v1/me", &first).await, 401, "unauthenticated", "").await;
    let login = json!({"username": "calltaker", "password": PASSWORD});
    assert_eq!(app.post_json("/api/v1/sessions", None, &login).await.status(), 401);
    let enabled = app.post_json(&path, Some(&admin), &json!({"action": "enable"})).await;
    assert_eq!(enabled.status(), 200);
    assert_eq!(app.post_json("/api/v1/sessions", None, &login).await.status(), 201);
}

#[tokio::test]
async fn an_administrator_creates_unlocks_and_resets_users_of_their_agency_only() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let create = |username: &str, password: &str, role: &str| json!({"username": username, "password": password, "role": role, "display_name": "Dana Reyes"});
    let post = |body: Value| {
        let (app, admin) = (&app, &admin);
        async move { app.post_json("/api/v1/users", Some(admin), &body).await }
    };
    let strong = "plinth-ovation-marrow-sleet";
    for (body, field, says) in [
        (create("dreyes", "aaaaaaaaaaaa", "call_taker"), "password", "too easy to guess"),
        (create("dreyes", "            ", "call_taker"), "password", "only spaces"),
        (create("dreyes", "password1234", "call_taker"), "password", "too easy to guess"),
        (create("dreyes", "short", "call_taker"), "password", "at least 12"),
        (create("<script>", strong, "call_taker"), "username", "not allowed"),
        (create("dreyes", strong, "counselor"), "role", "does not exist in a psap agency"),
        (create("dreyes", strong, "pilot"), "role", "pilot"),
    ] {
        let body = assert_error(post(body).await, 422, "invalid_field", says).await;
        assert_eq!(body["error"]["field"], field);
    }
    let created = post(create("DReyes", strong, "call_taker")).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["username"], "dreyes", "stored in lower case");
    assert!(created.get("password_hash").is_none());
    assert_error(post(create("dreyes", strong, "call_taker")).await, 409, "duplicate", "taken")
        .await;
    assert_error(post(create("CALLTAKER", strong, "call_taker")).await, 409, "duplicate", "case")
        .await;
    // The new user logs in with any case of their name.
    let login = |username: &str, password: &str| {
        let body = json!({"username": username, "password": password});
        let app = &app;
        async move { app.post_json("/api/v1/sessions", None, &body).await.status() }
    };
    assert_eq!(login("DREYES", strong).await, 201);

    let listed: Vec<Value> = app.get("/api/v1/users", &admin).await.json().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert!(names.contains(&"dreyes") && names.contains(&"calltaker"), "{names:?}");
    assert!(!names.contains(&"counselor"), "another agency's users are not listed: {names:?}");
    let calltaker = app.login("calltaker").await;
    assert_error(app.get("/api/v1/users", &calltaker).await, 403, "forbidden", "UserManage").await;

    // Locked by failures, unlocked by the administrator.
    let id = created["id"].as_str().unwrap();
    for _ in 0..5 {
        assert_eq!(login("dreyes", "wrong").await, 401);
    }
    assert_eq!(login("dreyes", strong).await, 401, "locked");
    let act = |body: Value| {
        let (app, admin) = (&app, &admin);
        let path = format!("/api/v1/users/{id}/actions");
        async move { app.post_json(&path, Some(admin), &body).await }
    };
    let unlocked: Value = act(json!({"action": "unlock"})).await.json().await.unwrap();
    assert_eq!(unlocked["failed_attempts"], 0);
    assert_eq!(login("dreyes", strong).await, 201);
    // A reset password is checked like a new one, and ends the user's sessions.
    let session = {
        let body = json!({"username": "dreyes", "password": strong});
        let response = app.post_json("/api/v1/sessions", None, &body).await;
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    };
    let weak = act(json!({"action": "reset_password", "password": "dreyes123456"})).await;
    assert_error(weak, 422, "invalid_field", "too easy to guess").await;
    let next = "gravel-tundra-sonnet-ledger";
    assert_eq!(act(json!({"action": "reset_password", "password": next})).await.status(), 200);
    assert_eq!(app.get("/api/v1/me", &session).await.status(), 401);
    assert_eq!(login("dreyes", strong).await, 401);
    assert_eq!(login("dreyes", next).await, 201);
    // Nobody disables themselves by mistake.
    let me: Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
    let own = format!("/api/v1/users/{}/actions", me["id"].as_str().unwrap());
    let response = app.post_json(&own, Some(&admin), &json!({"action": "disable"})).await;
    assert_error(response, 409, "invalid_transition", "your own account").await;

    // Each administration request is in the audit trail, with who did it.
    let records = app.store.audit_records(0, 1000, None).await.unwrap();
    let admin_id = app.store.user_by_username("admin").await.unwrap().unwrap().id;
    let actions: Vec<(&str, u16)> = records
        .iter()
        .filter(|r| r.entry.action.contains("/api/v1/users") && r.entry.user == Some(admin_id))
        .map(|r| (r.entry.action.as_str(), r.entry.outcome))
        .collect();
    assert!(actions.contains(&("POST /api/v1/users", 201)), "{actions:?}");
    assert!(actions.contains(&("POST /api/v1/users/{id}/actions", 200)), "{actions:?}");
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_configured() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some("0123456789abcdef0123".into())).await;
    let metrics = |token: Option<&'static str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_error(metrics(None).await.unwrap(), 401, "unauthenticated", "metrics token").await;
    assert_eq!(metrics(Some("0123456789abcdef012")).await.unwrap().status(), 401);
    let response = metrics(Some("0123456789abcdef0123")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("crisisbridge_"));
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        std::sync::Arc::new(store_sql::SqliteStore::open(&dir.path().join("t.db")).await.unwrap())
            as std::sync::Arc<dyn store::Store>;
    let clock = std::sync::Arc::new(server::SystemClock);
    let settings = |allow| server::Settings {
        listen: "0.0.0.0:0".parse().unwrap(),
        allow_plain_http: allow,
        ..Default::default()
    };
    let refused = server::Application::build(settings(false), store.clone(), clock.clone())
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("in the clear"), "{refused}");
    assert!(server::Application::build(settings(true), store, clock).await.is_ok());
}

/// Once, of 29 notes added by clients that hung up before the answer, 16 had no audit record.
#[tokio::test]
async fn a_change_whose_client_hung_up_is_still_committed_and_recorded() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let id = app.open_incident(&token).await;
    // Each client writes its whole request and closes the connection without reading a byte.
    let hung_up = 30;
    for n in 0..hung_up {
        use tokio::io::AsyncWriteExt;
        let body = json!({"action": "add_note", "text": format!("note {n}")}).to_string();
        let request = format!(
            "POST /api/v1/incidents/{id}/actions HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            app.addr,
            body.len()
        );
        let mut socket = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        drop(socket);
    }
    // A record is written after its change commits: read the records first, then the notes,
    // and the two sets are equal exactly when every committed note has its record.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let records = app.store.audit_records(0, 1000, None).await.unwrap();
        let recorded = records
            .iter()
            .filter(|r| r.entry.action == "POST /api/v1/incidents/{id}/actions: add_note")
            .filter(|r| r.entry.outcome == 200)
            .count();
        let events: Vec<Value> =
            app.get(&format!("/api/v1/incidents/{id}/events"), &token).await.json().await.unwrap();
        let committed = events.iter().filter(|e| e["kind"] == "note_added").count();
        if committed == recorded && committed > 0 {
            eprintln!("{hung_up} clients hung up; {committed} notes committed, each recorded");
            break;
        }
        assert!(Instant::now() < deadline, "{committed} notes committed, {recorded} recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A deployment with an audit key: the records the store's writer commits with each change
/// and those written for reads and logins are one sealed chain, and so is the event log.
#[tokio::test]
async fn with_a_key_every_record_and_event_is_sealed_into_one_chain() {
    use store::seal::{AuditKey, KeyRing};
    let app = TestApp::spawn().await;
    let key = AuditKey::new("2026-12", vec![5; 32]).unwrap();
    let mut ring = KeyRing::default();
    ring.push(key.clone()).unwrap();
    app.store.seal_with(Some(key));
    let token = app.login("calltaker").await;
    let id = app.open_incident(&token).await;
    for n in 0..3 {
        let note = json!({"action": "add_note", "text": format!("note {n}")});
        assert_eq!(app.act(&token, &id, note).await.status(), 200);
    }
    assert_eq!(app.get(&format!("/api/v1/incidents/{id}"), &token).await.status(), 200);
    assert_eq!(app.get("/api/v1/incidents", &token).await.status(), 200);
    let audit = store::audit::verify_with(&*app.store, &ring, None).await.unwrap();
    assert_eq!(audit.broken, None);
    assert_eq!(audit.sealed, audit.records, "{audit:?}");
    // The login, the create, three notes, the read, the list and the listed incident.
    assert_eq!(audit.records, 8, "{audit:?}");
    let log = store::log_chain::verify(&*app.store, &ring).await.unwrap();
    assert_eq!((log.broken.clone(), log.sealed), (None, log.events), "{log:?}");
}
