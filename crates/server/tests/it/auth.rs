//! Logins, sessions, lockout and permissions.

use serde_json::{Value, json};
use store::Directory;

use domain::Clock;

use crate::helpers::{PASSWORD, TestApp, assert_error, new_incident};

#[tokio::test]
async fn every_api_route_needs_a_token_but_health_metrics_and_openapi() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/incidents", "/api/v1/me", "/api/v1/agencies", "/api/v1/stream"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_error(response, 401, "unauthenticated", "log in first").await;
    }
    let response =
        app.client.get(app.url("/api/v1/incidents")).bearer_auth("made-up").send().await.unwrap();
    assert_error(response, 401, "unauthenticated", "not valid").await;
    for path in ["/healthz", "/metrics", "/api/v1/openapi.json"] {
        assert_eq!(app.client.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
    let unknown = json!({"location": {"type": "unknown"}});
    let lookup = app.post_json("/api/v1/routing/lookup", None, &unknown).await;
    assert_error(lookup, 401, "unauthenticated", "log in first").await;
    // LoST is for call-routing systems, which do not log in: it answers (here, that no areas
    // are configured) without a token.
    let lost = app
        .client
        .post(app.url("/lost"))
        .header("content-type", "application/lost+xml")
        .body(r#"<listServices xmlns="urn:ietf:params:xml:ns:lost1"/>"#)
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), 200);
    assert!(lost.text().await.unwrap().contains("<serviceNotImplemented"));
}

#[tokio::test]
async fn login_returns_a_token_that_identifies_the_user_and_the_cookie_works_too() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/sessions",
            None,
            &json!({"username": "calltaker", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["role"], "call_taker");
    assert_eq!(body["user"]["agency"]["code"], "psap-20045");
    assert_eq!(body["idle_timeout_seconds"], 1800);
    let token = body["token"].as_str().unwrap();
    // Only the token's hash is stored.
    assert!(app.store.session(token).await.unwrap().is_none());
    assert!(app.store.session(&server::auth::token_hash(token)).await.unwrap().is_some());

    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    assert_eq!(me["username"], "calltaker");
    let cookie_pair = cookie.split(';').next().unwrap();
    let via_cookie =
        app.client.get(app.url("/api/v1/me")).header("cookie", cookie_pair).send().await.unwrap();
    assert_eq!(via_cookie.status(), 200);
}

/// What became of each login attempt, as the audit trail records it.
async fn login_outcomes(app: &TestApp) -> Vec<String> {
    use store::AuditLog;
    let records = app.store.audit_records(0, 1000, None).await.unwrap();
    records
        .into_iter()
        .filter_map(|r| r.entry.action.strip_prefix("POST /api/v1/sessions: ").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_failed_login_gets_the_same_answer_and_the_trail_says_which_it_was() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let counselor_id =
        store::Directory::user_by_username(&*app.store, "counselor").await.unwrap().unwrap().id;
    let disable = json!({"action": "disable"});
    let path = format!("/api/v1/users/{counselor_id}/actions");
    // The counselor is in another agency: the PSAP's admin cannot touch them.
    assert_eq!(app.post_json(&path, Some(&admin), &disable).await.status(), 404);
    store::Directory::change_user(
        &*app.store,
        counselor_id,
        &store::UserChange::Disable { at: app.clock.now() },
    )
    .await
    .unwrap();
    let attempt = |username: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let body = json!({"username": username, "password": password});
            let response = app.post_json("/api/v1/sessions", None, &body).await;
            assert_eq!(response.status(), 401, "{username}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "invalid_credentials", "{username}");
            body["error"]["message"].as_str().unwrap().to_owned()
        }
    };
    let mut answers = vec![
        attempt("calltaker", "nope").await,
        attempt("nobody", PASSWORD).await,
        attempt("<script>", PASSWORD).await,
        attempt("counselor", PASSWORD).await,
    ];
    for _ in 0..5 {
        answers.push(attempt("dispatcher", "wrong").await);
    }
    answers.push(attempt("dispatcher", PASSWORD).await);
    answers.dedup();
    assert_eq!(answers.len(), 1, "one answer for every failure: {answers:?}");
    assert!(answers[0].contains("wrong username, password or authenticator code"), "{answers:?}");
    assert_eq!(
        login_outcomes(&app).await[1..],
        [
            "wrong password",
            "unknown user",
            "unknown user",
            "account disabled",
            "wrong password",
            "wrong password",
            "wrong password",
            "wrong password",
            "wrong password; the account is locked",
            "account locked",
        ],
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_for_ten_minutes() {
    let app = TestApp::spawn().await;
    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            app.post_json(
                "/api/v1/sessions",
                None,
                &json!({"username": "calltaker", "password": password}),
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_error(attempt("wrong").await, 401, "invalid_credentials", "locked").await;
    }
    // Even the right password is refused while locked, with the same answer.
    assert_error(attempt(PASSWORD).await, 401, "invalid_credentials", "wrong username").await;
    app.clock.advance_ms(9 * 60 * 1000);
    assert_eq!(attempt(PASSWORD).await.status(), 401, "nine minutes later, still locked");
    app.clock.advance_ms(60 * 1000 + 1);
    assert_eq!(attempt(PASSWORD).await.status(), 201);
    assert_eq!(login_outcomes(&app).await.last().unwrap(), "logged in");
}

/// Once, five wrong passwords from clients that hung up before the answer left the attempts
/// counted but never recorded, and the account refused even the right password for ever.
#[tokio::test]
async fn guesses_from_clients_that_hang_up_lock_the_account_for_ten_minutes_not_for_ever() {
    let app = TestApp::spawn().await;
    let impatient =
        reqwest::Client::builder().timeout(std::time::Duration::from_millis(10)).build().unwrap();
    for _ in 0..5 {
        let sent = impatient
            .post(app.url("/api/v1/sessions"))
            .json(&json!({"username": "calltaker", "password": "wrong"}))
            .send()
            .await;
        assert!(sent.is_err(), "the client gives up before argon2 answers");
    }
    // The checks go on without their clients; wait until the lock they lead to is recorded.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let user =
            store::Directory::user_by_username(&*app.store, "calltaker").await.unwrap().unwrap();
        if user.login.locked_until.is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no lock recorded: {:?}", user.login);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let login = json!({"username": "calltaker", "password": PASSWORD});
    assert_error(
        app.post_json("/api/v1/sessions", None, &login).await,
        401,
        "invalid_credentials",
        "locked",
    )
    .await;
    // Every attempt is in the trail, though no client waited for its answer: checked and
    // refused, or refused as locked when it arrived after the lock (the clients did not wait
    // for each other).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let outcomes = loop {
        let outcomes = login_outcomes(&app).await;
        if outcomes.len() >= 6 {
            break outcomes;
        }
        assert!(std::time::Instant::now() < deadline, "{outcomes:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let refused = [
        "wrong password",
        "wrong password; the account is locked",
        "account locked",
        "account locked: too many attempts at once",
    ];
    assert!(outcomes.iter().all(|o| refused.contains(&o.as_str())), "{outcomes:?}");
    assert!(
        outcomes.iter().any(|o| o.as_str() == "wrong password; the account is locked"),
        "{outcomes:?}"
    );
    app.clock.advance_ms(10 * 60 * 1000 + 1);
    assert_eq!(
        app.post_json("/api/v1/sessions", None, &login).await.status(),
        201,
        "the lock ends"
    );
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes_and_on_logout() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    app.clock.advance_ms(29 * 60 * 1000);
    assert_eq!(
        app.get("/api/v1/me", &token).await.status(),
        200,
        "activity within 30 minutes keeps it alive"
    );
    app.clock.advance_ms(29 * 60 * 1000);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    app.clock.advance_ms(30 * 60 * 1000 + 1);
    assert_error(app.get("/api/v1/me", &token).await, 401, "session_expired", "30 minutes").await;

    let token = app.login("calltaker").await;
    let response = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 401);
}

#[tokio::test]
async fn roles_without_the_permission_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let head = app.store_head().await;
    for user in ["responder", "admin", "dispatcher"] {
        let token = app.login(user).await;
        let response = app.post_json("/api/v1/incidents", Some(&token), &new_incident()).await;
        assert_error(response, 403, "forbidden", "does not have the permission").await;
    }
    assert_eq!(app.store_head().await, head);
}

#[tokio::test]
async fn users_see_only_incidents_their_agency_is_involved_in() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let other = app.login("other").await;
    let counselor = app.login("counselor").await;
    let id = app.open_incident(&calltaker).await;

    let path = format!("/api/v1/incidents/{id}");
    assert_eq!(app.get(&path, &calltaker).await.status(), 200);
    assert_error(app.get(&path, &other).await, 404, "not_found", "was not found").await;
    assert_error(app.get(&path, &counselor).await, 404, "not_found", "was not found").await;
    let listed: Vec<Value> = app.get("/api/v1/incidents", &other).await.json().await.unwrap();
    assert!(listed.is_empty());
    let note = json!({"action": "add_note", "text": "snooping"});
    assert_eq!(app.act(&other, &id, note).await.status(), 404);

    // Offering the incident to the 988 center lets the center see it.
    let offer = json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "divert to 988"});
    assert_eq!(app.act(&calltaker, &id, offer).await.status(), 200);
    assert_eq!(app.get(&path, &counselor).await.status(), 200);
    let listed: Vec<Value> = app.get("/api/v1/incidents", &counselor).await.json().await.unwrap();
    assert_eq!(listed.len(), 1);
}

impl TestApp {
    pub async fn store_head(&self) -> u64 {
        store::EventLog::head(&*self.store).await.unwrap()
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_outrun_the_lock() {
    let app = TestApp::spawn().await;
    let guesses: Vec<_> = (0..20)
        .map(|n| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/sessions"));
            tokio::spawn(async move {
                let body = json!({"username": "calltaker", "password": format!("guess {n}")});
                client.post(url).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    for guess in guesses {
        assert_eq!(guess.await.unwrap(), 401);
    }
    let checked = login_outcomes(&app).await;
    let checked = checked.iter().filter(|o| o.starts_with("wrong password")).count();
    assert!(
        checked <= 5,
        "at most five wrong passwords are checked before the lock, not {checked}"
    );
    let right = app
        .post_json(
            "/api/v1/sessions",
            None,
            &json!({"username": "calltaker", "password": PASSWORD}),
        )
        .await;
    assert_error(right, 401, "invalid_credentials", "locked").await;
}
