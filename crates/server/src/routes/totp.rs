//! `/api/v1/me/totp`: a user enrols an authenticator app. Nothing is stored until the user
//! proves the app works by typing a code it made.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use store::UserChange;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::totp;

/// A new secret to enrol, three ways.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32, to type into an app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, what the QR code says.
    pub otpauth_uri: String,
    /// The QR code, as an SVG document.
    pub qr_svg: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirm {
    /// The secret from `POST /api/v1/me/totp`.
    pub secret: String,
    /// A code the app shows for it now.
    pub code: String,
}

fn already() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidTransition,
        "you have an authenticator already; to change it, ask an administrator to reset it",
    )
}

/// Start enrolling an authenticator app.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "sessions",
    responses((status = 200, body = TotpEnrolment), (status = 401, body = ErrorBody),
        (status = 409, description = "an authenticator is enrolled already", body = ErrorBody)))]
pub async fn start(caller: Caller) -> ApiResult<Json<TotpEnrolment>> {
    if caller.user.totp_secret.is_some() {
        return Err(already());
    }
    let secret = totp::new_secret().map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    let issuer = format!("Crisisbridge {}", caller.agency.code);
    let otpauth_uri = totp::otpauth_uri(&issuer, &caller.user.username, &secret);
    let qr_svg = totp::qr_svg(&otpauth_uri).map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    Ok(Json(TotpEnrolment { secret, otpauth_uri, qr_svg }))
}

/// Finish enrolling: the code proves the app holds the secret, which is then stored.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "sessions", request_body = TotpConfirm,
    responses((status = 204, description = "enrolled; log in with a code from now on"),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "the code does not match the secret now", body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<TotpConfirm>,
) -> ApiResult<axum::http::StatusCode> {
    if caller.user.totp_secret.is_some() {
        return Err(already());
    }
    let secret: String = body.secret.chars().filter(|c| !c.is_whitespace()).collect();
    let well_formed = totp::from_base32(&secret).is_some_and(|b| b.len() >= 16);
    if !well_formed {
        return Err(ApiError::field("secret", "send the secret POST /api/v1/me/totp gave"));
    }
    let now = state.clock.now();
    let Some(step) = totp::matching_step(&secret, &body.code, now.as_millis()) else {
        return Err(ApiError::field(
            "code",
            "the code does not match: check the phone's clock and type the code the app shows now",
        ));
    };
    let change = UserChange::Totp { secret: Some(secret) };
    state
        .store
        .change_user(caller.id(), &change)
        .await?
        .ok_or_else(|| ApiError::not_found("your user"))?;
    // The code that enrolled cannot also log in.
    state.store.use_totp_step(caller.id(), step).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
