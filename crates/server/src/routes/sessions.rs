//! `/api/v1/sessions` and `/api/v1/me`: logging in and out, and who am I.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::SET_COOKIE};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use store::Session;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{self, Caller, LOCK_AFTER_FAILURES, LOCK_FOR_MS, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    pub password: String,
    /// The authenticator app's 6-digit code, for a user who enrolled one.
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`; also set as an HttpOnly cookie.
    pub token: String,
    /// The session ends after this many seconds without a request.
    pub idle_timeout_seconds: u64,
    /// The user's role needs an authenticator they have not enrolled: until they do
    /// (`POST /api/v1/me/totp`, then `…/confirm`), the session can do nothing else.
    pub totp_enrolment_required: bool,
    pub user: MeDto,
}

/// The logged-in user.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeDto {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub agency: AgencyRef,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
}

fn me(caller_user: &store::User, agency: &domain::Agency) -> MeDto {
    MeDto {
        id: caller_user.id.as_uuid(),
        username: caller_user.username.clone(),
        display_name: caller_user.display_name.clone(),
        role: caller_user.role.as_str().to_owned(),
        agency: AgencyRef {
            id: agency.id.as_uuid(),
            code: agency.code.clone(),
            name: agency.name.clone(),
            kind: agency.kind.as_str().to_owned(),
        },
    }
}

/// The one answer to every failed login — unknown user, wrong password, locked or disabled
/// account — so that nobody learns which usernames exist or which account they locked. The
/// audit record says which it was.
fn refused() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        format!(
            "wrong username, password or authenticator code, or the account is locked or disabled. After {LOCK_AFTER_FAILURES} failed logins an account locks for {} minutes; an administrator can unlock it sooner",
            LOCK_FOR_MS / 60_000
        ),
    )
}

/// What checking a login found.
enum Checked {
    WrongPassword(store::LoginState),
    /// The password was right, the authenticator code not; `true` when the code was right but
    /// used before.
    WrongCode(bool),
    Locked,
    LoggedIn,
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = Login,
    responses(
        (status = 201, body = LoginResponse),
        (status = 401, description = "wrong username or password, or the account is locked or disabled: one answer for all, so as not to tell which", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    slot: Option<axum::Extension<crate::audit::AuditSlot>>,
    JsonBody(body): JsonBody<Login>,
) -> ApiResult<impl IntoResponse> {
    let now = state.clock.now();
    let note = |detail: &'static str| {
        if let Some(axum::Extension(slot)) = &slot {
            slot.detail(detail);
        }
    };
    // Every refusal spends the time of a password check, so timing does not tell them apart.
    let refuse = |password: String, detail: &'static str| {
        note(detail);
        async move {
            let _ = auth::check_password(password, auth::dummy_hash().to_owned()).await;
            Err(refused())
        }
    };
    let username = body.username.trim();
    let user = if crate::credentials::username_problem(username).is_none() {
        state.store.user_by_username(username).await?
    } else {
        None
    };
    let Some(user) = user else {
        return refuse(body.password, "unknown user").await;
    };
    // The audit record names whose account was tried, whether or not the password was right.
    if let Some(axum::Extension(slot)) = &slot {
        slot.set(user.id, user.agency);
    }
    if user.disabled_at.is_some() {
        return refuse(body.password, "account disabled").await;
    }
    if user.login.locked_until.is_some_and(|until| until > now) {
        return refuse(body.password, "account locked").await;
    }
    // Count the attempt before checking the password, so parallel guesses cannot all slip
    // past the lock while argon2 runs.
    if !state.store.reserve_login_attempt(user.id, now, LOCK_AFTER_FAILURES, LOCK_FOR_MS).await? {
        return refuse(body.password, "account locked: too many attempts at once").await;
    }
    // The check and its record run on their own: a client that hangs up mid-check still has
    // its attempt counted as a failure or a success, never left reserved.
    let checked = {
        let (store, hash, id) = (state.store.clone(), user.password_hash.clone(), user.id);
        let (totp_secret, totp) = (user.totp_secret.clone(), body.totp);
        tokio::spawn(async move {
            if !auth::check_password(body.password, hash).await {
                let after =
                    store.record_login_failure(id, now, LOCK_AFTER_FAILURES, LOCK_FOR_MS).await?;
                return Ok(Checked::WrongPassword(after));
            }
            // With an authenticator, the right password alone is a failed login.
            if let Some(secret) = totp_secret {
                let step = totp
                    .as_deref()
                    .and_then(|code| crate::totp::matching_step(&secret, code, now.as_millis()));
                let fresh = match step {
                    Some(step) => store.use_totp_step(id, step).await?,
                    None => false,
                };
                if !fresh {
                    store.record_login_failure(id, now, LOCK_AFTER_FAILURES, LOCK_FOR_MS).await?;
                    return Ok(Checked::WrongCode(step.is_some()));
                }
            }
            Ok::<_, store::StoreError>(if store.record_login_success(id, now).await? {
                Checked::LoggedIn
            } else {
                Checked::Locked
            })
        })
    };
    let outcome = checked.await.map_err(|e| {
        ApiError::new(ErrorCode::Internal, format!("the login check stopped: {e}"))
    })??;
    let locked = |after: &store::LoginState| after.locked_until.is_some_and(|until| until > now);
    match outcome {
        // The account is locked after this failure (by it, or by one checked at the same time).
        Checked::WrongPassword(after) if locked(&after) => {
            note("wrong password; the account is locked");
            return Err(refused());
        }
        Checked::WrongPassword(_) => {
            note("wrong password");
            return Err(refused());
        }
        Checked::WrongCode(true) => {
            note("right password, authenticator code used before");
            return Err(refused());
        }
        Checked::WrongCode(false) => {
            note("right password, wrong or missing authenticator code");
            return Err(refused());
        }
        Checked::Locked => {
            note("account locked");
            return Err(refused());
        }
        Checked::LoggedIn => note("logged in"),
    }
    let agency = state
        .store
        .agency(user.agency)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the user's agency is missing"))?;
    let (token, token_hash) = auth::new_token()?;
    state
        .store
        .put_session(&Session { token_hash, user: user.id, created_at: now, last_seen: now })
        .await?;
    let idle = state.settings.session_idle.as_secs();
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        idle * 16,
        secure(&state)
    );
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.insert(SET_COOKIE, value);
    }
    let body = LoginResponse {
        token,
        idle_timeout_seconds: idle,
        totp_enrolment_required: auth::totp_enrolment_required(&state, &user),
        user: me(&user, &agency),
    };
    Ok((StatusCode::CREATED, headers, Json(body)))
}

/// The cookie's `Secure` attribute, under TLS: the browser never sends it over plain HTTP.
fn secure(state: &AppState) -> &'static str {
    if state.settings.tls.is_some() { "; Secure" } else { "" }
}

/// Log out: ends the session the request presents.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<impl IntoResponse> {
    state.store.delete_session(&caller.token_hash).await?;
    state.session_ends.end(auth::SessionEnded::Session(caller.token_hash.clone()));
    let clear = format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        secure(&state)
    );
    let clear = HeaderValue::from_str(&clear)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the logout cookie: {e}")))?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, clear)]))
}

/// Who is logged in.
#[utoipa::path(get, path = "/api/v1/me", tag = "sessions",
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub async fn whoami(caller: Caller) -> Json<MeDto> {
    Json(me(&caller.user, &caller.agency))
}
