//! `/healthz` and `/metrics`: for load balancers and Prometheus; no authentication.

use axum::extract::State;
use axum::http::{StatusCode, header::CONTENT_TYPE};
use axum::response::IntoResponse;

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
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain")))]
pub async fn metrics() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics::render())
}
