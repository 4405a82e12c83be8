//! Authentication and permissions.
//!
//! Passwords are argon2id hashes. A login returns a random 256-bit token; only its SHA-256 is
//! stored. A session ends after [`crate::Settings::session_idle`] without use (30 minutes by
//! default). Five failed logins in a row lock the account for ten minutes (the CJIS Security
//! Policy's numbers). Every request but health, metrics and the OpenAPI description must
//! present a token — `Authorization: Bearer <token>` or the session cookie — and every
//! handler asks [`Caller::require`] for the permission it needs.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use base64::Engine;
use domain::{Agency, Permission, Role, Timestamp, UserId};
use sha2::{Digest, Sha256};
use store::{Session, User};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// Failed logins in a row that lock an account.
pub const LOCK_AFTER_FAILURES: u32 = 5;
/// How long a locked account stays locked.
pub const LOCK_FOR_MS: i64 = 10 * 60 * 1000;
/// Sessions are touched at most this often, so a burst of requests writes once.
pub(crate) const TOUCH_EVERY_MS: i64 = 15_000;
/// The cookie the console's session rides in.
pub const SESSION_COOKIE: &str = "crisisbridge_session";

/// Hashes a password with argon2id. Slow by design (~50–100 ms): call it off the async
/// threads.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("hashing the password failed: {e}"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// An argon2id hash of a random password nobody knows, checked when a username is unknown so
/// that response times do not reveal which usernames exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = new_token().map(|(token, _)| token).unwrap_or_default();
        hash_password(&secret).unwrap_or_default()
    })
}

/// Checks a password on a blocking thread.
pub async fn check_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}

/// A fresh session token (random, URL-safe) and the hash we store for it.
pub fn new_token() -> ApiResult<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        ApiError::new(ErrorCode::Internal, format!("no randomness for a session token: {e}"))
    })?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub agency: Agency,
    pub token_hash: String,
    /// The request's audit record, on audited routes.
    pub audit: Option<crate::audit::AuditSlot>,
}

impl Caller {
    pub fn id(&self) -> UserId {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The caller as the incident service knows them.
    pub fn incidents(&self) -> incidents::Caller {
        incidents::Caller { user: self.user.id, role: self.user.role, agency: self.agency.clone() }
    }

    /// Records that the answer shows these incidents, each on its own audit trail.
    pub fn disclosed(&self, incidents: impl IntoIterator<Item = domain::IncidentId>) {
        if let Some(slot) = &self.audit {
            slot.disclosed(incidents);
        }
    }

    /// Refuses the request unless the caller's role has `permission`.
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        if self.user.role.allows(permission) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "your role ({}) does not have the permission this needs ({permission:?}); ask a supervisor",
                    self.user.role
                ),
            ))
        }
    }
}

/// The token a request presents, if any.
fn presented_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    session_cookie(&parts.headers).map(str::to_owned)
}

/// The session cookie's value, when the request carries it.
pub(crate) fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = presented_token(parts).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "log in first: POST /api/v1/sessions, then send Authorization: Bearer <token>",
            )
        })?;
        let hash = token_hash(&token);
        let unknown = || {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "the session token is not valid; log in again",
            )
        };
        let store::SessionContext { session, user, agency } =
            state.store.session_context(&hash).await?.ok_or_else(unknown)?;
        let now = state.clock.now();
        if user.disabled_at.is_some() {
            state.store.delete_session(&hash).await?;
            return Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "this account is disabled; ask your agency's administrator",
            ));
        }
        if totp_enrolment_required(state, &user) && !enrolment_route(parts.uri.path()) {
            return Err(ApiError::new(
                ErrorCode::TotpEnrolmentRequired,
                "your role needs an authenticator app: enrol one first (POST /api/v1/me/totp, then POST /api/v1/me/totp/confirm with a code it shows)",
            ));
        }
        if is_idle(&session, now, state.settings.session_idle_ms()) {
            state.store.delete_session(&hash).await?;
            return Err(ApiError::new(
                ErrorCode::SessionExpired,
                format!(
                    "the session ended after {} minutes without activity; log in again",
                    state.settings.session_idle.as_secs() / 60
                ),
            ));
        }
        if now.as_millis() - session.last_seen.as_millis() >= TOUCH_EVERY_MS {
            state.store.touch_session(&hash, now).await?;
        }
        let audit = parts.extensions.get::<crate::audit::AuditSlot>().cloned();
        if let Some(slot) = &audit {
            slot.set(user.id, agency.id);
        }
        Ok(Self { user, agency, token_hash: hash, audit })
    }
}

/// Whether `user` must enrol an authenticator before doing anything else: the deployment
/// requires one for their role and they have none.
pub fn totp_enrolment_required(state: &AppState, user: &User) -> bool {
    user.totp_secret.is_none() && state.settings.totp_required_roles.contains(&user.role)
}

/// What a session that must enrol an authenticator may still reach.
fn enrolment_route(path: &str) -> bool {
    let path = path.trim_start_matches("/api/v1");
    matches!(path, "/me" | "/me/totp" | "/me/totp/confirm" | "/sessions/current")
}

pub fn is_idle(session: &Session, now: Timestamp, idle_ms: i64) -> bool {
    now.as_millis() - session.last_seen.as_millis() > idle_ms
}

/// A session that ended: by logout, or every session of a user an administrator disabled,
/// unlocked or whose password was reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnded {
    Session(String),
    User(UserId),
}

/// Tells the streams and sockets a session holds open on this node that it ended, so they
/// close at once instead of at their next check. Other nodes' streams notice at their next
/// check ([`crate::Settings::stream_session_check`], a second by default).
#[derive(Debug, Clone)]
pub struct SessionEnds(tokio::sync::broadcast::Sender<SessionEnded>);

impl Default for SessionEnds {
    fn default() -> Self {
        Self(tokio::sync::broadcast::channel(256).0)
    }
}

impl SessionEnds {
    pub fn end(&self, ended: SessionEnded) {
        // Nobody listening is fine: no stream is open.
        let _ = self.0.send(ended);
    }

    pub fn subscribe(&self) -> SessionEndWatch {
        SessionEndWatch(self.0.subscribe())
    }
}

/// One stream's view of [`SessionEnds`].
#[derive(Debug)]
pub struct SessionEndWatch(tokio::sync::broadcast::Receiver<SessionEnded>);

impl SessionEndWatch {
    /// Resolves when `token_hash` (of `user`) may have ended: `true` when it surely did,
    /// `false` when messages were missed and the caller must check the store.
    pub async fn ended(&mut self, token_hash: &str, user: UserId) -> bool {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match self.0.recv().await {
                Ok(SessionEnded::Session(hash)) if hash == token_hash => return true,
                Ok(SessionEnded::User(id)) if id == user => return true,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return false,
                Err(RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }
}
