//! Crisisbridge's HTTP server.
//!
//! - [`Application::build`] binds the listener (port 0 works, for tests) and assembles the
//!   router; [`Application::run_until_stopped`] serves until the shutdown future resolves.
//! - `routes`: one module per API resource under `/api/v1`, plus `/healthz` and `/metrics`.
//! - `auth`: sessions, password hashing, the [`auth::Caller`] extractor and permission checks.
//! - `dto` and `json`: the wire types and a JSON extractor whose errors carry stable codes.
//! - `error`: [`error::ApiError`], the one error type every handler returns.
//! - `openapi`: the OpenAPI 3 description generated from the handlers.
//!
//! Architecture invariants:
//! - Handlers never write state themselves: they turn a request into domain events and hand
//!   them to the store, which checks them against the incident and commits them durably before
//!   the handler answers.
//! - Every route but `/healthz`, `/metrics` and `/api/v1/openapi.json` (and login itself)
//!   takes a [`auth::Caller`], and every handler checks a permission before doing anything.

pub mod auth;
pub mod dto;
pub mod error;
pub mod handoff;
pub mod json;
pub mod lost;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod routing;
pub mod state;
pub mod transfers;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use domain::Clock;
use store::Store;
use tokio::net::TcpListener;

use crate::routes::{agencies, health, incidents, protocols, sessions, stream, triage};
pub use crate::state::{AppState, SystemClock};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the server needs to know to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// How often an open event stream checks that its session is still alive (not logged out,
    /// not idle), ending the stream when it is not.
    pub stream_session_check: Duration,
    /// How often the node checks whether areas, service areas or agencies changed (on any
    /// node, or by an import) and rebuilds its routing table.
    pub routing_refresh: Duration,
    /// How often the node looks for transfer offers whose deadline has passed.
    pub transfer_check: Duration,
    /// This server's name in LoST answers (`source`, `<via>`): a DNS-style name such as
    /// `lost.county.example`, the same on every node of a deployment.
    pub lost_source: String,
}

impl Settings {
    pub fn session_idle_ms(&self) -> i64 {
        i64::try_from(self.session_idle.as_millis()).unwrap_or(i64::MAX)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            session_idle: Duration::from_secs(30 * 60),
            stream_session_check: Duration::from_secs(30),
            routing_refresh: Duration::from_secs(5),
            transfer_check: Duration::from_millis(250),
            lost_source: "lost.crisisbridge.local".into(),
        }
    }
}

/// A bound, ready-to-serve server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    /// Times out transfer offers while the application runs.
    deadlines: transfers::WatchGuard,
}

impl Application {
    /// Binds `settings.listen` and builds the router over `store`.
    pub async fn build(
        settings: Settings,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        metrics::install();
        if !interop::lost::is_app_unique_string(&settings.lost_source) {
            return Err(std::io::Error::other(format!(
                "lost_source {:?} is not a server name LoST accepts: use dot-separated letters, digits and dashes, e.g. lost.county.example",
                settings.lost_source
            )));
        }
        let listener = TcpListener::bind(settings.listen).await?;
        let routing = routing::Routing::load(store.clone())
            .await
            .map_err(|e| std::io::Error::other(format!("loading the routing table: {e}")))?;
        routing.spawn_refresher(settings.routing_refresh);
        let deadlines =
            transfers::spawn_deadline_watch(store.clone(), clock.clone(), settings.transfer_check);
        let state = AppState { store, clock, settings: Arc::new(settings), routing };
        Ok(Self { listener, router: router(state), deadlines })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes requests in flight.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let _deadlines = self.deadlines;
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/sessions", post(sessions::login))
        .route("/sessions/current", delete(sessions::logout))
        .route("/me", get(sessions::whoami))
        .route("/incidents", post(incidents::create).get(incidents::list))
        .route("/incidents/{id}", get(incidents::get))
        .route("/incidents/{id}/events", get(incidents::events))
        .route("/incidents/{id}/actions", post(routes::actions::act))
        .route("/incidents/{id}/triage", post(triage::answer))
        .route("/clinician-queue", get(routes::clinician::queue))
        .route("/protocols", post(protocols::upload).get(protocols::list))
        .route("/protocols/active", get(protocols::active))
        .route("/protocols/{id}/versions/{version}", get(protocols::get))
        .route("/protocols/{id}/versions/{version}/activate", post(protocols::activate))
        .route("/stream", get(stream::stream))
        .route("/agencies", get(agencies::list))
        .route("/routing/lookup", post(routes::routing::lookup))
        .route("/openapi.json", get(openapi::serve));
    Router::new()
        .nest("/api/v1", api)
        .route("/lost", post(routes::lost::lost))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .fallback(|| async { error::ApiError::not_found("this path") })
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
