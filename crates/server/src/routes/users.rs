//! `/api/v1/users`: an agency administrator lists, creates, disables, enables and unlocks the
//! agency's users and resets their passwords. Every request is audited; a user disabled or
//! given a new password is logged out everywhere at once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::{Permission, Role, UserId};
use serde::{Deserialize, Serialize};
use store::{NewUser, User, UserChange};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{self, Caller, SessionEnded};
use crate::credentials::{normalize_username, password_problem, username_problem};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

/// A user as an administrator sees them; never the password hash.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub agency_id: Uuid,
    /// Failed logins since the last success.
    pub failed_attempts: u32,
    /// Until when (ms since the epoch) logins are refused after failures, if locked now or
    /// last.
    pub locked_until: Option<i64>,
    /// When an administrator disabled the user (ms since the epoch); `null` when enabled.
    pub disabled_at: Option<i64>,
    /// Whether the user has enrolled an authenticator app.
    pub totp: bool,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
            agency_id: u.agency.as_uuid(),
            failed_attempts: u.login.failed_attempts,
            locked_until: u.login.locked_until.map(|t| t.as_millis()),
            disabled_at: u.disabled_at.map(|t| t.as_millis()),
            totp: u.totp_secret.is_some(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// 2–64 letters, digits, `.`, `_`, `-`; compared without case, stored in lower case.
    pub username: String,
    pub display_name: Option<String>,
    /// A role that exists in the administrator's agency.
    pub role: String,
    /// At least 12 characters and hard to guess.
    pub password: String,
}

/// What to do to a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum UserAction {
    /// Refuse the user's logins and end their sessions now.
    Disable,
    Enable,
    /// Clear failed logins and any lock.
    Unlock,
    /// Set a new password; ends the user's sessions.
    ResetPassword {
        password: String,
    },
    /// Remove the user's authenticator (a lost phone); ends their sessions. They enrol a new
    /// one at their next login when their role needs one.
    ResetTotp,
}

/// The agency's users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = [UserDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UserDto>>> {
    caller.require(Permission::UserManage)?;
    let users = state.store.users().await?;
    Ok(Json(users.iter().filter(|u| u.agency == caller.agency.id).map(UserDto::from).collect()))
}

/// Create a user in the administrator's agency.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, body = UserDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "the username is taken (in any case)", body = ErrorBody),
        (status = 422, description = "bad username, role or password", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserDto>)> {
    caller.require(Permission::UserManage)?;
    let username = normalize_username(&body.username);
    if let Some(problem) = username_problem(&username) {
        return Err(ApiError::field("username", problem));
    }
    let role: Role = body.role.parse().map_err(|e| ApiError::field("role", format!("{e}")))?;
    if !role.fits(caller.agency.kind) {
        return Err(ApiError::field(
            "role",
            format!("role {role} does not exist in a {} agency", caller.agency.kind),
        ));
    }
    let display_name = body.display_name.map(|d| d.trim().to_owned()).unwrap_or_default();
    let display_name = if display_name.is_empty() { username.clone() } else { display_name };
    if display_name.chars().count() > 128 || display_name.chars().any(char::is_control) {
        return Err(ApiError::field(
            "display_name",
            "at most 128 characters, no control characters",
        ));
    }
    if let Some(problem) = password_problem(&body.password, &username, &display_name) {
        return Err(ApiError::field("password", problem));
    }
    if state.store.user_by_username(&username).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::Duplicate,
            format!("the username {username:?} is taken (usernames are compared without case)"),
        ));
    }
    let password_hash = hash(body.password).await?;
    let user = state
        .store
        .put_user(&NewUser {
            id: UserId::new(state.clock.now()),
            username,
            display_name,
            agency: caller.agency.id,
            role,
            password_hash,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(UserDto::from(&user))))
}

/// Disable, enable or unlock a user of the administrator's agency, or reset their password.
#[utoipa::path(post, path = "/api/v1/users/{id}/actions", tag = "users", request_body = UserAction,
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = UserDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(action): JsonBody<UserAction>,
) -> ApiResult<Json<UserDto>> {
    caller.require(Permission::UserManage)?;
    let not_found = || ApiError::not_found(format!("user {id} in your agency"));
    let uuid: Uuid = id.parse().map_err(|_| not_found())?;
    let target = state
        .store
        .user(UserId::from_uuid(uuid))
        .await?
        .filter(|u| u.agency == caller.agency.id)
        .ok_or_else(not_found)?;
    if target.id == caller.id() && matches!(action, UserAction::Disable) {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            "you cannot disable your own account; another administrator can",
        ));
    }
    let change = match action {
        UserAction::Disable => UserChange::Disable { at: state.clock.now() },
        UserAction::Enable => UserChange::Enable,
        UserAction::Unlock => UserChange::Unlock,
        UserAction::ResetPassword { password } => {
            if let Some(problem) =
                password_problem(&password, &target.username, &target.display_name)
            {
                return Err(ApiError::field("password", problem));
            }
            UserChange::Password { hash: hash(password).await? }
        }
        UserAction::ResetTotp => UserChange::Totp { secret: None },
    };
    let ends_sessions = matches!(
        change,
        UserChange::Disable { .. }
            | UserChange::Password { .. }
            | UserChange::Totp { secret: None }
    );
    let user = state.store.change_user(target.id, &change).await?.ok_or_else(not_found)?;
    if ends_sessions {
        state.session_ends.end(SessionEnded::User(user.id));
    }
    Ok(Json(UserDto::from(&user)))
}

async fn hash(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("hashing stopped: {e}")))?
        .map_err(|e| ApiError::new(ErrorCode::Internal, e))
}
