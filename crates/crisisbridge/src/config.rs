//! Configuration: a TOML file, then environment variables over it, checked in two steps —
//! raw values as written, then [`Config`] with every value parsed.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

/// The file as written. Every key is optional; unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// `ADDR:PORT` to listen on.
    listen: Option<String>,
    /// `sqlite://PATH` or `postgres://USER@HOST:PORT/DATABASE`.
    database_url: Option<String>,
    /// PostgreSQL: connections this node keeps open.
    database_pool_size: Option<u32>,
    /// PostgreSQL: the schema to use instead of `public`.
    database_schema: Option<String>,
    /// Minutes without a request after which a session ends.
    session_idle_minutes: Option<u64>,
    /// This deployment's name in LoST answers, e.g. `lost.county.example`.
    lost_source: Option<String>,
    /// Other LoST servers, for locations outside this deployment's areas (`lost_peers.rs`).
    lost_peer: Option<Vec<crate::lost_peers::RawPeer>>,
    /// Milliseconds a LoST peer may take to answer.
    lost_peer_timeout_ms: Option<u64>,
    /// PEM certificate authorities of LoST peers reached over https.
    lost_peer_ca: Option<std::path::PathBuf>,
    /// Seconds between checks for changed areas, service areas and agencies.
    routing_refresh_seconds: Option<u64>,
    /// A graph file from `crisisbridge import roads`, for travel times by road (and the
    /// streets file beside it, for the console's map and places in words).
    road_graph: Option<std::path::PathBuf>,
    /// Address points from `crisisbridge import addresses` (or a CSV / GeoJSON file it reads).
    address_points: Option<std::path::PathBuf>,
    /// How often teams' phones report GPS, in seconds; three intervals without a fix is stale.
    gps_reporting_interval_seconds: Option<u64>,
    /// Days GPS breadcrumbs are kept.
    breadcrumb_retention_days: Option<u64>,
    /// Minutes after which a facility's availability report is stale.
    facility_stale_minutes: Option<u64>,
    /// Codes of the mobile crisis providers whose offers Crisisbridge answers by itself.
    auto_assign: Option<Vec<String>>,
    /// A state's safety floor files, checked with every protocol besides Crisisbridge's own.
    safety_floor: Option<Vec<std::path::PathBuf>>,
    /// PEM certificate chain and private key: with both, `serve` speaks only HTTPS.
    tls_cert: Option<std::path::PathBuf>,
    tls_key: Option<std::path::PathBuf>,
    /// PEM certificate authorities of the machine peers (LoST clients, CADs) that present
    /// client certificates.
    tls_client_ca: Option<std::path::PathBuf>,
    /// Routes only certified peers reach: "lost", "eido".
    client_cert_required_for: Option<Vec<String>>,
    /// Serve plain HTTP on an address other than loopback (a TLS proxy beside the server).
    allow_plain_http: Option<bool>,
    /// Origins besides the server's own from which a page may act with the session cookie.
    allowed_origins: Option<Vec<String>>,
    /// Addresses or networks (CIDR) of proxies whose X-Forwarded-For is believed.
    trusted_proxies: Option<Vec<String>>,
    /// A file holding the token `/metrics` asks for (Authorization: Bearer).
    metrics_token_file: Option<std::path::PathBuf>,
    /// The key file that seals audit records (`crisisbridge audit new-key`).
    audit_key_file: Option<std::path::PathBuf>,
    /// Roles that must log in with an authenticator code too, e.g. ["admin", "supervisor"].
    totp_required_for: Option<Vec<String>>,
    /// Each area's population, `area,name,population` (e.g. demo/kansas-population.csv): the
    /// measures grouped by area add rates per 100,000 residents.
    population_file: Option<std::path::PathBuf>,
    /// `text` (default) or `json`: one JSON object per line, for log shippers.
    log_format: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: one line per event, coloured on a terminal.
    #[default]
    Text,
    /// One JSON object per line (tracing's JSON formatter), each with the request's id.
    Json,
}

impl LogFormat {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => anyhow::bail!("log_format {other:?}: use text or json"),
        }
    }

    /// What `CRISISBRIDGE_LOG_FORMAT` says; text when unset or unknown (the config check says
    /// which).
    pub fn from_env() -> Self {
        std::env::var(ENV_LOG_FORMAT).ok().and_then(|v| Self::parse(&v).ok()).unwrap_or_default()
    }
}

/// Checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database: crate::database::Database,
    pub session_idle: Duration,
    pub lost_source: String,
    pub lost_peers: crate::lost_peers::PeersConfig,
    pub routing_refresh: Duration,
    pub road_graph: Option<std::path::PathBuf>,
    pub address_points: Option<std::path::PathBuf>,
    pub gps_reporting_interval: Duration,
    pub breadcrumb_retention: Duration,
    pub facility_stale: Duration,
    pub auto_assign: Vec<String>,
    pub safety_floor: Vec<std::path::PathBuf>,
    pub population_file: Option<std::path::PathBuf>,
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    pub tls_client_ca: Option<std::path::PathBuf>,
    pub client_cert_required_for: Vec<server::tls::PeerRoute>,
    pub allow_plain_http: bool,
    pub allowed_origins: Vec<String>,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub metrics_token_file: Option<std::path::PathBuf>,
    pub totp_required_for: Vec<domain::Role>,
    pub log_format: LogFormat,
}

pub const ENV_LISTEN: &str = "CRISISBRIDGE_LISTEN";
pub const ENV_DATABASE_URL: &str = "CRISISBRIDGE_DATABASE_URL";
pub const ENV_SESSION_IDLE_MINUTES: &str = "CRISISBRIDGE_SESSION_IDLE_MINUTES";
pub const ENV_DATABASE_POOL_SIZE: &str = "CRISISBRIDGE_DATABASE_POOL_SIZE";
pub const ENV_DATABASE_SCHEMA: &str = "CRISISBRIDGE_DATABASE_SCHEMA";
pub const ENV_LOST_SOURCE: &str = "CRISISBRIDGE_LOST_SOURCE";
pub const ENV_AUTO_ASSIGN: &str = "CRISISBRIDGE_AUTO_ASSIGN";
pub const ENV_LOG_FORMAT: &str = "CRISISBRIDGE_LOG_FORMAT";

impl Config {
    /// Reads `path` (when given), then applies `CRISISBRIDGE_*` environment variables.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let mut raw = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the config file {}", path.display()))?;
                toml::from_str::<RawConfig>(&text)
                    .with_context(|| format!("config file {} is not valid", path.display()))?
            }
            None => RawConfig::default(),
        };
        if let Ok(v) = std::env::var(ENV_LISTEN) {
            raw.listen = Some(v);
        }
        if let Ok(v) = std::env::var(ENV_DATABASE_URL) {
            raw.database_url = Some(v);
        }
        if let Ok(v) = std::env::var(ENV_DATABASE_POOL_SIZE) {
            raw.database_pool_size = Some(v.parse().with_context(|| {
                format!("{ENV_DATABASE_POOL_SIZE}={v:?} is not a whole number")
            })?);
        }
        if let Ok(v) = std::env::var(ENV_DATABASE_SCHEMA) {
            raw.database_schema = Some(v);
        }
        if let Ok(v) = std::env::var(ENV_LOST_SOURCE) {
            raw.lost_source = Some(v);
        }
        if let Ok(v) = std::env::var(ENV_AUTO_ASSIGN) {
            raw.auto_assign = Some(
                v.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect(),
            );
        }
        if let Ok(v) = std::env::var(ENV_SESSION_IDLE_MINUTES) {
            raw.session_idle_minutes = Some(v.parse().with_context(|| {
                format!("{ENV_SESSION_IDLE_MINUTES}={v:?} is not a whole number of minutes")
            })?);
        }
        Self::check(raw)
    }

    fn check(raw: RawConfig) -> anyhow::Result<Self> {
        let listen = raw.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen.parse::<SocketAddr>().with_context(|| {
            format!("listen = {listen:?} is not an ADDR:PORT such as 127.0.0.1:8080")
        })?;
        let Some(database_url) = raw.database_url else {
            bail!(
                "database_url is not set: add database_url = \"sqlite://crisisbridge.db\" to the config file or set {ENV_DATABASE_URL}"
            );
        };
        let pool_size = raw.database_pool_size.unwrap_or(10);
        if !(3..=500).contains(&pool_size) {
            bail!("database_pool_size = {pool_size} is out of range [3, 500]");
        }
        let mut database =
            crate::database::Database::parse(&database_url, pool_size, raw.database_schema)?;
        if let Some(keys) = raw.audit_key_file {
            crate::keys::read_keys(&keys).context("audit_key_file")?;
            database.audit_keys = Some(keys);
        }
        let minutes = raw.session_idle_minutes.unwrap_or(30);
        if !(1..=24 * 60).contains(&minutes) {
            bail!("session_idle_minutes = {minutes} is out of range [1, 1440]");
        }
        let defaults = server::Settings::default();
        let lost_source = raw.lost_source.unwrap_or(defaults.lost_source);
        if !interop::lost::is_app_unique_string(&lost_source) {
            bail!(
                "lost_source = {lost_source:?} is not a server name LoST accepts: use dot-separated letters, digits and dashes, e.g. lost.county.example"
            );
        }
        let lost_peers = crate::lost_peers::check(
            raw.lost_peer.unwrap_or_default(),
            &lost_source,
            raw.lost_peer_timeout_ms,
            raw.lost_peer_ca,
        )?;
        let refresh = raw.routing_refresh_seconds.unwrap_or(defaults.routing_refresh.as_secs());
        if !(1..=3600).contains(&refresh) {
            bail!("routing_refresh_seconds = {refresh} is out of range [1, 3600]");
        }
        let gps =
            raw.gps_reporting_interval_seconds.unwrap_or(defaults.gps_reporting_interval.as_secs());
        if !(1..=600).contains(&gps) {
            bail!("gps_reporting_interval_seconds = {gps} is out of range [1, 600]");
        }
        let days = raw
            .breadcrumb_retention_days
            .unwrap_or(defaults.breadcrumb_retention.as_secs() / 86_400);
        if !(1..=3650).contains(&days) {
            bail!("breadcrumb_retention_days = {days} is out of range [1, 3650]");
        }
        let facility_stale =
            raw.facility_stale_minutes.unwrap_or(defaults.facility_stale.as_secs() / 60);
        if !(5..=10_080).contains(&facility_stale) {
            bail!("facility_stale_minutes = {facility_stale} is out of range [5, 10080]");
        }
        let auto_assign = raw.auto_assign.unwrap_or_default();
        if let Some(code) =
            auto_assign.iter().find(|c| c.trim().is_empty() || c.trim() != c.as_str())
        {
            bail!(
                "auto_assign: {code:?} is not an agency code; write codes such as \"mct-douglas\""
            );
        }
        let tls = match (raw.tls_cert, raw.tls_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (Some(_), None) => bail!("tls_cert is set but tls_key is not: set both, or neither"),
            (None, Some(_)) => bail!("tls_key is set but tls_cert is not: set both, or neither"),
        };
        let client_cert_required_for = raw
            .client_cert_required_for
            .unwrap_or_default()
            .iter()
            .map(|r| {
                server::tls::PeerRoute::parse(r).with_context(|| {
                    format!(
                        "client_cert_required_for: {r:?} is not a route; use \"lost\" or \"eido\""
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if raw.tls_client_ca.is_some() && tls.is_none() {
            bail!("tls_client_ca needs tls_cert and tls_key: client certificates come with TLS");
        }
        if !client_cert_required_for.is_empty() && raw.tls_client_ca.is_none() {
            bail!(
                "client_cert_required_for needs tls_client_ca: the authorities whose client certificates are accepted"
            );
        }
        let allowed_origins = raw.allowed_origins.unwrap_or_default();
        for origin in &allowed_origins {
            let well_formed = origin.split_once("://").is_some_and(|(scheme, host)| {
                matches!(scheme, "http" | "https")
                    && !host.is_empty()
                    && !host.contains(['/', '?', '#', ' '])
            });
            if !well_formed {
                bail!(
                    "allowed_origins: {origin:?} is not an origin; write scheme://host[:port] with nothing after it, e.g. \"https://crisis.county.example\""
                );
            }
        }
        let trusted_proxies = raw
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| {
                        format!("trusted_proxies: {p:?} is not an address or a network such as 10.0.0.0/8")
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let totp_required_for = raw
            .totp_required_for
            .unwrap_or_default()
            .iter()
            .map(|r| {
                r.parse::<domain::Role>().map_err(|e| anyhow::anyhow!("totp_required_for: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let log_format = match std::env::var(ENV_LOG_FORMAT).ok().or(raw.log_format) {
            Some(f) => LogFormat::parse(&f)?,
            None => LogFormat::Text,
        };
        Ok(Self {
            log_format,
            totp_required_for,
            tls,
            tls_client_ca: raw.tls_client_ca,
            client_cert_required_for,
            allow_plain_http: raw.allow_plain_http.unwrap_or(false),
            allowed_origins,
            trusted_proxies,
            metrics_token_file: raw.metrics_token_file,
            listen,
            database,
            session_idle: Duration::from_secs(minutes * 60),
            lost_source,
            lost_peers,
            routing_refresh: Duration::from_secs(refresh),
            road_graph: raw.road_graph,
            address_points: raw.address_points,
            gps_reporting_interval: Duration::from_secs(gps),
            breadcrumb_retention: Duration::from_secs(days * 86_400),
            facility_stale: Duration::from_secs(facility_stale * 60),
            auto_assign,
            safety_floor: raw.safety_floor.unwrap_or_default(),
            population_file: raw.population_file,
        })
    }

    /// The server's settings; reads the road graph file when one is configured.
    pub fn server_settings(&self) -> anyhow::Result<server::Settings> {
        let roads_and_places =
            road_settings(self.road_graph.as_deref(), self.address_points.as_deref())?;
        let tls = self.tls.clone().map(|(cert, key)| {
            let mut tls = server::tls::TlsSettings::new(cert, key);
            tls.client_ca.clone_from(&self.tls_client_ca);
            tls.client_cert_required_for.clone_from(&self.client_cert_required_for);
            tls
        });
        let lost_peers = crate::lost_peers::build(&self.lost_peers, tls.as_ref())?;
        Ok(server::Settings {
            lost_peers,
            listen: self.listen,
            session_idle: self.session_idle,
            lost_source: self.lost_source.clone(),
            routing_refresh: self.routing_refresh,
            gps_reporting_interval: self.gps_reporting_interval,
            breadcrumb_retention: self.breadcrumb_retention,
            facility_stale: self.facility_stale,
            auto_assign: self.auto_assign.clone(),
            safety_floors: crate::protocol::read_floors(&self.safety_floor)
                .context("safety_floor")?,
            tls,
            allow_plain_http: self.allow_plain_http,
            allowed_origins: self.allowed_origins.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            metrics_token: self.metrics_token()?,
            totp_required_roles: self.totp_required_for.clone(),
            populations: self.populations()?,
            ..roads_and_places
        })
    }

    /// The areas' populations, read from `population_file`.
    fn populations(
        &self,
    ) -> anyhow::Result<Option<std::sync::Arc<reports::measures::population::Populations>>> {
        let Some(path) = &self.population_file else { return Ok(None) };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("population_file: reading {}", path.display()))?;
        let parsed = reports::measures::population::Populations::parse(&text)
            .map_err(|e| anyhow::anyhow!("population_file {}: {e}", path.display()))?;
        Ok(Some(std::sync::Arc::new(parsed)))
    }

    /// The metrics token, read from its file; a file that is empty or readable by others is
    /// refused.
    fn metrics_token(&self) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.metrics_token_file else { return Ok(None) };
        let token = std::fs::read_to_string(path)
            .with_context(|| format!("reading metrics_token_file {}", path.display()))?;
        let token = token.trim().to_owned();
        if token.len() < 16 {
            bail!(
                "metrics_token_file {} holds a token of {} characters; use at least 16 random ones (e.g. openssl rand -hex 32)",
                path.display(),
                token.len()
            );
        }
        Ok(Some(token))
    }
}

/// The database from `--config` or `--database`.
pub fn database(
    config: Option<&std::path::Path>,
    database: Option<String>,
) -> anyhow::Result<crate::database::Database> {
    match (config, database) {
        (Some(path), _) => Ok(Config::load(Some(path))?.database),
        (None, Some(url)) => crate::database::Database::from_url(&url),
        (None, None) => anyhow::bail!(
            "say which database: --config FILE or --database URL (sqlite://PATH or postgres://…)"
        ),
    }
}

/// Settings holding the road graph (read from its file), the streets beside it and the address
/// points, each when given; everything else default.
pub fn road_settings(
    road_graph: Option<&Path>,
    address_points: Option<&Path>,
) -> anyhow::Result<server::Settings> {
    let roads = match road_graph {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading the road graph {}", path.display()))?;
            let graph = roads::Graph::from_bytes(&bytes)
                .with_context(|| format!("road_graph {} is not a graph file", path.display()))?;
            Some(std::sync::Arc::new(graph))
        }
    };
    let places = crate::places::load(road_graph.zip(roads.as_deref()), address_points)?;
    Ok(server::Settings { roads, places, ..Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Config> {
        Config::check(toml::from_str(text)?)
    }

    #[test]
    fn a_minimal_file_gets_defaults() {
        let c = parse("database_url = \"sqlite://x.db\"").unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.session_idle, Duration::from_secs(1800));
    }

    #[test]
    fn bad_values_say_what_to_fix() {
        let err = |t: &str| format!("{:#}", parse(t).unwrap_err());
        assert!(
            err("listen = \"nowhere\"\ndatabase_url = \"sqlite://x\"")
                .contains("is not an ADDR:PORT")
        );
        assert!(err("").contains("database_url is not set"));
        assert!(err("database_url = \"mysql://x\"").contains("use sqlite://PATH or postgres://"));
        assert!(
            err("database_url = \"postgres://h/db\"\ndatabase_pool_size = 1")
                .contains("out of range [3, 500]")
        );
        assert!(parse("database_url = \"postgres://h/db\"\ndatabase_schema = \"county\"").is_ok());
        assert!(
            err("database_url = \"sqlite://x\"\nsession_idle_minutes = 0").contains("out of range")
        );
        assert!(err("database_url = \"sqlite://x\"\nport = 1").contains("unknown field"));
        assert!(
            err("database_url = \"sqlite://x\"\nlost_source = \"localhost\"")
                .contains("is not a server name LoST accepts")
        );
        assert!(
            err("database_url = \"sqlite://x\"\nrouting_refresh_seconds = 0")
                .contains("out of range [1, 3600]")
        );
        assert!(
            err("database_url = \"sqlite://x\"\nauto_assign = [\" \"]")
                .contains("is not an agency code")
        );
        assert!(
            err("database_url = \"sqlite://x\"\nauto_assign = \"mct\"").contains("invalid type")
        );
        assert!(
            err("database_url = \"sqlite://x\"\ntls_cert = \"c.pem\"")
                .contains("set both, or neither")
        );
        assert!(
            err("database_url = \"sqlite://x\"\nallowed_origins = [\"https://a.example/console\"]")
                .contains("is not an origin")
        );
        assert!(
            err("database_url = \"sqlite://x\"\ntrusted_proxies = [\"10.0.0.0/33\"]")
                .contains("is not an address or a network")
        );
        assert!(
            err("database_url = \"sqlite://x\"\nclient_cert_required_for = [\"lost\"]")
                .contains("needs tls_client_ca")
        );
        assert!(
            err("database_url = \"sqlite://x\"\ntls_client_ca = \"ca.pem\"")
                .contains("needs tls_cert")
        );
        assert!(
            err("database_url = \"sqlite://x\"\ntotp_required_for = [\"boss\"]")
                .contains("totp_required_for")
        );
        let c = parse(
            "database_url = \"sqlite://x\"\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nallowed_origins = [\"https://crisis.county.example\"]",
        )
        .unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(c.allowed_origins, ["https://crisis.county.example"]);
        let c = parse("database_url = \"sqlite://x\"\nauto_assign = [\"mct-douglas\"]").unwrap();
        assert_eq!(c.server_settings().unwrap().auto_assign, ["mct-douglas"]);
    }
}
