//! Crisisbridge's HTTP server.
//!
//! - [`Application::build`] binds the listener (port 0 works, for tests) and assembles the
//!   router; [`Application::run_until_stopped`] serves until the shutdown future resolves.
//! - `routes`: one module per API resource under `/api/v1`, plus `/healthz` and `/metrics`.
//! - `auth`: sessions, password hashing, the [`auth::Caller`] extractor and permission checks.
//! - `dto` and `json`: the wire types and a JSON extractor whose errors carry stable codes.
//! - `error`: [`error::ApiError`], the one error type every handler returns.
//! - `openapi`: the OpenAPI 3 description generated from the handlers.
//! - `console`: the web console's files (`web/`), compiled in and served under `/console/`.
//!
//! Architecture invariants:
//! - Handlers never write state themselves: they turn a request into domain events and hand
//!   them to the store, which checks them against the incident and commits them durably before
//!   the handler answers.
//! - Every route but `/healthz`, `/metrics`, `/api/v1/openapi.json`, the console's static
//!   files (which hold no data) and login itself takes a [`auth::Caller`], and every handler
//!   checks a permission before doing anything.

pub mod audit;
pub mod auth;
pub mod console;
pub mod credentials;
pub mod dto;
pub mod error;
pub mod fuzzing;
pub mod json;
pub mod live_measures;
pub mod lost;
pub mod metrics;
pub mod openapi;
pub mod origin;
pub mod request_id;
pub mod retention;
pub mod routes;
pub mod state;
pub mod tls;
pub mod totp;

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
    /// How often an open event stream or socket checks that its session is still alive (not
    /// logged out on another node, not idle), ending it when it is not. A logout on the same
    /// node ends them at once.
    pub stream_session_check: Duration,
    /// How often the node checks whether areas, service areas or agencies changed (on any
    /// node, or by an import) and rebuilds its routing table.
    pub routing_refresh: Duration,
    /// How often the node looks for transfer offers whose deadline has passed.
    pub transfer_check: Duration,
    /// How often teams' phones are set to report GPS; a team whose last fix is older than
    /// three of these is stale.
    pub gps_reporting_interval: Duration,
    /// How long GPS breadcrumbs are kept.
    pub breadcrumb_retention: Duration,
    /// A facility's availability report older than this is stale: ranked below fresh ones
    /// and marked so.
    pub facility_stale: Duration,
    /// The road network for travel times (`crisisbridge import roads`); without one, ETAs are
    /// straight-line estimates and say so.
    pub roads: Option<Arc<roads::Graph>>,
    /// Streets and address points: the console's street map, places described in words and
    /// found by what a person types (`GET /api/v1/streets/…`, `/places`).
    pub places: Option<Arc<streets::Places>>,
    /// This server's name in LoST answers (`source`, `<via>`): a DNS-style name such as
    /// `lost.county.example`, the same on every node of a deployment.
    pub lost_source: String,
    /// Other LoST servers, asked (recursion) or named (redirect) for locations outside this
    /// deployment's areas; `None`: none.
    pub lost_peers: Option<Arc<lost::peers::Peers>>,
    /// Codes of the mobile crisis providers whose offered incidents Crisisbridge accepts and
    /// dispatches a team to by itself, when the recommendation is sure (see `auto_assign`).
    pub auto_assign: Vec<String>,
    /// How often offers waiting for an auto-assigning provider are looked at again.
    pub auto_assign_check: Duration,
    /// Safety floors a state adds to Crisisbridge's own: every protocol uploaded is checked
    /// against them too, and a decision is made only by a protocol that passes them.
    pub safety_floors: Vec<::triage::Floor>,
    /// Origins besides the server's own from which a page may act with the session cookie,
    /// e.g. `https://crisis.county.example` when a proxy serves the console under that name.
    pub allowed_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed in the audit trail; from any other peer
    /// the header is ignored and the peer address recorded.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// When set, `/metrics` answers only `Authorization: Bearer <metrics_token>`.
    pub metrics_token: Option<String>,
    /// Each area's population (`population_file`): reports grouped by area add rates per
    /// 100,000 residents and the spread between areas.
    pub populations: Option<Arc<reports::measures::population::Populations>>,
    /// When set, the server speaks only HTTPS, with this certificate and key.
    pub tls: Option<tls::TlsSettings>,
    /// Roles whose users must log in with an authenticator code too (RFC 6238); a user of
    /// such a role without one can only enrol it until they do.
    pub totp_required_roles: Vec<domain::Role>,
    /// Serve plain HTTP on an address other than loopback. Off by default: passwords and
    /// session tokens would cross the network in the clear. Turn it on only when a proxy on
    /// the same host or network segment terminates TLS.
    pub allow_plain_http: bool,
}

impl Settings {
    /// When a team's position counts as stale: three reporting intervals.
    pub fn stale_policy(&self) -> dispatch::StalePolicy {
        let interval =
            u32::try_from(self.gps_reporting_interval.as_secs()).unwrap_or(u32::MAX).max(1);
        dispatch::StalePolicy { reporting_interval_s: interval, intervals: 3 }
    }

    /// `https` when the server speaks TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    pub fn session_idle_ms(&self) -> i64 {
        i64::try_from(self.session_idle.as_millis()).unwrap_or(i64::MAX)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            session_idle: Duration::from_secs(30 * 60),
            stream_session_check: Duration::from_secs(1),
            routing_refresh: Duration::from_secs(5),
            transfer_check: Duration::from_millis(250),
            gps_reporting_interval: Duration::from_secs(10),
            breadcrumb_retention: Duration::from_secs(30 * 24 * 3600),
            facility_stale: Duration::from_secs(4 * 3600),
            roads: None,
            places: None,
            lost_source: "lost.crisisbridge.local".into(),
            lost_peers: None,
            auto_assign: Vec::new(),
            auto_assign_check: Duration::from_secs(5),
            safety_floors: Vec::new(),
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            metrics_token: None,
            populations: None,
            tls: None,
            allow_plain_http: false,
            totp_required_roles: Vec::new(),
        }
    }
}

/// A bound, ready-to-serve server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    /// Times out transfer offers while the application runs.
    deadlines: ::incidents::DeadlineWatch,
    /// Prunes GPS breadcrumbs past their retention while the application runs.
    retention: retention::RetentionGuard,
    /// Answers offers to auto-assigning providers while the application runs.
    auto_assign: Option<::incidents::auto_assign::AutoAssignGuard>,
    /// The TLS configuration, kept current with its files, when the server speaks HTTPS.
    tls: Option<(axum_server::tls_rustls::RustlsConfig, tls::ReloadGuard)>,
    /// The node's live measures, which read the whole log once at start.
    measures: live_measures::LiveMeasures,
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
        if settings.tls.is_none()
            && !settings.listen.ip().is_loopback()
            && !settings.allow_plain_http
        {
            return Err(std::io::Error::other(format!(
                "serving plain HTTP on {} would send passwords and session tokens across the network in the clear: set tls_cert and tls_key, or listen on 127.0.0.1 behind a TLS proxy, or set allow_plain_http = true when a proxy beside this server terminates TLS",
                settings.listen
            )));
        }
        let tls = settings.tls.as_ref().map(tls::load).transpose()?;
        let listener = TcpListener::bind(settings.listen).await?;
        let routing = ::incidents::routing::Routing::load(store.clone())
            .await
            .map_err(|e| std::io::Error::other(format!("loading the routing table: {e}")))?;
        routing.spawn_refresher(settings.routing_refresh);
        let service = ::incidents::IncidentService::new(
            store.clone(),
            clock.clone(),
            routing.clone(),
            ::incidents::DispatchSettings {
                roads: settings.roads.clone(),
                stale: settings.stale_policy(),
                facility_stale_ms: i64::try_from(settings.facility_stale.as_millis())
                    .unwrap_or(i64::MAX),
            },
        )
        .with_floors(settings.safety_floors.clone());
        let deadlines = service.spawn_deadline_watch(settings.transfer_check);
        let retention =
            retention::spawn(store.clone(), clock.clone(), settings.breadcrumb_retention);
        let auto_providers = ::incidents::auto_assign::resolve(&*store, &settings.auto_assign)
            .await
            .map_err(std::io::Error::other)?;
        let auto_assign = service.spawn_auto_assign(auto_providers, settings.auto_assign_check);
        let measures = live_measures::LiveMeasures::spawn(store.clone());
        let state = AppState {
            measures: measures.clone(),
            store,
            clock,
            settings: Arc::new(settings),
            routing,
            incidents: service,
            session_ends: auth::SessionEnds::default(),
            tiles: routes::places::TileCache::default(),
        };
        Ok(Self {
            listener,
            router: router(state),
            deadlines,
            retention,
            auto_assign,
            tls,
            measures,
        })
    }

    /// The node's live measures: whether they have read the log yet.
    pub fn live_measures(&self) -> live_measures::LiveMeasures {
        self.measures.clone()
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
        let (_deadlines, _retention, _auto_assign) =
            (self.deadlines, self.retention, self.auto_assign);
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let Some((config, _reload)) = self.tls else {
            return axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await;
        };
        let handle = axum_server::Handle::new();
        let stopping = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            stopping.graceful_shutdown(Some(Duration::from_secs(30)));
        });
        axum_server::from_tcp(self.listener.into_std()?)?
            .acceptor(tls::PeerAcceptor::new(config))
            .handle(handle)
            .serve(service)
            .await
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    // What reads, changes or exports incidents, and who logs in: each request audited.
    let audited = Router::new()
        .route("/sessions", post(sessions::login))
        .route("/sessions/current", delete(sessions::logout))
        .route("/incidents", post(incidents::create).get(incidents::list))
        .route("/incidents/search", get(routes::search::search))
        .route("/incidents/{id}", get(incidents::get))
        .route("/incidents/{id}/events", get(incidents::events))
        .route("/incidents/{id}/actions", post(routes::actions::act))
        .route("/incidents/{id}/triage", post(triage::answer))
        .route("/incidents/{id}/decision", get(triage::explain))
        .route("/incidents/{id}/eido", get(routes::eido::export))
        .route("/incidents/{id}/recommendations", get(routes::recommendations::recommend))
        .route("/incidents/{id}/audit", get(routes::audit::trail))
        .route("/incidents/{id}/prior", get(routes::prior::prior))
        .route("/incidents/{id}/follow-ups", post(routes::follow_ups::schedule))
        .route("/incidents/{id}/follow-ups/{number}/attempts", post(routes::follow_ups::attempt))
        .route("/incidents/{id}/follow-ups/{number}/finish", post(routes::follow_ups::finish))
        .route("/follow-ups", get(routes::follow_ups::queue))
        .route("/facilities", get(routes::facilities::list))
        .route("/facilities/incoming", get(routes::facilities::incoming))
        .route("/facilities/{id}/availability", post(routes::facilities::report))
        .route("/incidents/{id}/destinations", get(routes::facilities::destinations))
        .route("/reports/measures", get(routes::reports::measures))
        .route("/reports/charts/{chart}", get(routes::reports::chart))
        .route("/calls", post(routes::calls::record))
        .route(
            "/eido",
            post(routes::eido::import).layer(DefaultBodyLimit::max(interop::eido::MAX_EIDO_BYTES)),
        )
        .route("/eido/conveyance", get(routes::eido_conveyance::conveyance))
        .route("/clinician-queue", get(routes::clinician::queue))
        .route("/stream", get(stream::stream))
        .route("/users", get(routes::users::list).post(routes::users::create))
        .route("/users/{id}/actions", post(routes::users::act))
        .route("/me/totp", post(routes::totp::start))
        .route("/me/totp/confirm", post(routes::totp::confirm))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), audit::record));
    let api = Router::new()
        .route("/me", get(sessions::whoami))
        .route("/clinicians", get(routes::clinician::clinicians))
        .route("/shift-log", get(routes::shift_log::list).post(routes::shift_log::write))
        .route("/shift-log/{id}/acknowledge", post(routes::shift_log::acknowledge))
        .route("/teams", get(routes::teams::list))
        .route("/teams/{id}/positions", post(routes::teams::positions))
        .route("/teams/{id}/actions", post(routes::teams::act))
        .route("/teams/{id}/breadcrumbs", get(routes::teams::breadcrumbs))
        .route("/protocols", post(protocols::upload).get(protocols::list))
        .route("/protocols/active", get(protocols::active))
        .route("/protocols/{id}/versions/{version}", get(protocols::get))
        .route("/protocols/{id}/versions/{version}/activate", post(protocols::activate))
        .route("/agencies", get(agencies::list))
        .route("/routing/lookup", post(routes::routing::lookup))
        .route("/areas", get(routes::areas::list))
        .route("/streets", get(routes::places::info))
        .route("/streets/{z}/{x}/{y}", get(routes::places::tile))
        .route("/places", get(routes::places::find))
        .route("/places/describe", get(routes::places::describe))
        .route("/openapi.json", get(openapi::serve))
        .merge(audited);
    let tls = state.settings.tls.is_some();
    let state_for_tls = state.clone();
    let router = Router::new()
        .nest("/api/v1", api)
        .route("/", get(console::redirect))
        .route("/console", get(console::redirect))
        .route("/console/", get(console::index))
        .route("/console/{*path}", get(console::asset))
        .route("/lost", post(routes::lost::lost))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        // `/lost` in any case (`/LoST`, `/LOST`: what peers are configured with); else 404.
        .fallback(routes::lost::any_case)
        .layer(axum::middleware::from_fn_with_state(state.clone(), origin::guard))
        .layer(axum::middleware::from_fn(metrics::track))
        // A bug hit by one request answers that request 500 and leaves the process serving
        // everyone else. (Stack depth is bounded where input is parsed, so no input can
        // overflow a stack, which nothing could catch.)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panicked))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Outermost: every log line of a request carries its id.
        .layer(axum::middleware::from_fn(request_id::span))
        .with_state(state);
    if tls {
        router
            .layer(axum::middleware::from_fn_with_state(
                state_for_tls,
                tls::require_peer_certificate,
            ))
            .layer(axum::middleware::from_fn(tls::hsts))
    } else {
        router
    }
}
