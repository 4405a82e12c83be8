//! A second factor for the roles a deployment names: enrolment, codes good once and only
//! near their time, and an administrator's reset — with the clock moved by the test.

use serde_json::{Value, json};
use store::Directory;

use crate::helpers::{PASSWORD, TestApp, assert_error};

/// The code an authenticator app shows for `secret` at the test clock's time, `steps` steps on.
fn code_now(app: &TestApp, secret: &str, steps: i64) -> String {
    use domain::Clock;
    let step = app.clock.now().as_millis() / 1000 / server::totp::STEP_S + steps;
    let raw = server::totp::from_base32(secret).unwrap();
    server::totp::code(&raw, u64::try_from(step).unwrap(), server::totp::DIGITS)
}

async fn login(app: &TestApp, code: Option<&str>) -> reqwest::Response {
    let mut body = json!({"username": "supervisor", "password": PASSWORD});
    if let Some(code) = code {
        body["totp"] = json!(code);
    }
    app.post_json("/api/v1/sessions", None, &body).await
}

#[tokio::test]
async fn a_role_that_needs_an_authenticator_enrols_one_and_then_logs_in_with_its_codes() {
    let app = TestApp::spawn_with(|s| s.totp_required_roles = vec![domain::Role::Supervisor]).await;
    // Other roles are not asked.
    let calltaker = app.login("calltaker").await;
    assert_eq!(app.get("/api/v1/incidents", &calltaker).await.status(), 200);

    let first = login(&app, None).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["totp_enrolment_required"], true);
    let token = first["token"].as_str().unwrap().to_owned();
    assert_error(
        app.get("/api/v1/incidents", &token).await,
        403,
        "totp_enrolment_required",
        "enrol one first",
    )
    .await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);

    let enrolment: Value =
        app.post_json("/api/v1/me/totp", Some(&token), &json!({})).await.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    assert!(enrolment["otpauth_uri"].as_str().unwrap().contains(&secret));
    assert!(enrolment["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    let confirm = |code: String| {
        let (app, token, secret) = (&app, token.clone(), secret.clone());
        async move {
            app.post_json(
                "/api/v1/me/totp/confirm",
                Some(&token),
                &json!({"secret": secret, "code": code}),
            )
            .await
        }
    };
    assert_error(confirm(code_now(&app, &secret, 5)).await, 422, "invalid_field", "does not match")
        .await;
    assert_eq!(confirm(code_now(&app, &secret, 0)).await.status(), 204);
    assert_eq!(app.get("/api/v1/incidents", &token).await.status(), 200, "enrolled, it works");
    assert_error(confirm(code_now(&app, &secret, 0)).await, 409, "invalid_transition", "already")
        .await;

    // From now on the password alone is a failed login, and so is a code used already.
    assert_error(login(&app, None).await, 401, "invalid_credentials", "authenticator code").await;
    assert_eq!(login(&app, Some(&code_now(&app, &secret, 0))).await.status(), 401, "used to enrol");
    app.clock.advance_ms(30_000);
    let fresh = code_now(&app, &secret, 0);
    assert_eq!(login(&app, Some(&fresh)).await.status(), 201);
    assert_eq!(login(&app, Some(&fresh)).await.status(), 401, "a code is good once");
    assert_eq!(login(&app, Some(&code_now(&app, &secret, -3))).await.status(), 401, "too old");
    app.clock.advance_ms(30_000);
    // A code from the step before still works (clock drift).
    assert_eq!(
        login(&app, Some(&code_now(&app, &secret, -1))).await.status(),
        401,
        "that step was used"
    );
    assert_eq!(login(&app, Some(&code_now(&app, &secret, 0))).await.status(), 201);

    // The trail says what each refusal was; the caller was told only "wrong … code".
    use store::AuditLog;
    let outcomes: Vec<String> = app
        .store
        .audit_records(0, 1000, None)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.entry.action.strip_prefix("POST /api/v1/sessions: ").map(str::to_owned))
        .collect();
    for expected in [
        "right password, wrong or missing authenticator code",
        "right password, authenticator code used before",
    ] {
        assert!(outcomes.iter().any(|o| o == expected), "{expected}: {outcomes:?}");
    }

    // A lost phone: the administrator resets it; the supervisor enrols again.
    let user = app.store.user_by_username("supervisor").await.unwrap().unwrap();
    let admin = app.login("admin").await;
    let reset = app
        .post_json(
            &format!("/api/v1/users/{}/actions", user.id),
            Some(&admin),
            &json!({"action": "reset_totp"}),
        )
        .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(reset.json::<Value>().await.unwrap()["totp"], false);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 401, "the reset ended their sessions");
    let again: Value = login(&app, None).await.json().await.unwrap();
    assert_eq!(again["totp_enrolment_required"], true);
}
