//! `/healthz` and `/metrics`: for load balancers and Prometheus. Health needs no
//! authentication; metrics need the configured token when one is set
//! ([`crate::Settings::metrics_token`]).

use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// Healthy when the store answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "the server and its database answer"), (status = 503)))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.head().await {
        Ok(head) => (StatusCode::OK, format!("ok\nevents {head}\n")),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("unhealthy: {e}\n")),
    }
}

/// Operational metrics in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain"),
        (status = 401, description = "a metrics token is configured and the request did not present it")))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    if let Some(token) = &state.settings.metrics_token {
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compare digests, so the time taken says nothing about how much of the token matched.
        if Sha256::digest(presented.trim().as_bytes()) != Sha256::digest(token.as_bytes()) {
            return Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "metrics need the deployment's metrics token: send Authorization: Bearer <metrics_token>",
            ));
        }
    }
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics::render()))
}
