//! The PostgreSQL backend of the Crisisbridge store, for deployments that outgrow one machine:
//! several stateless `crisisbridge serve` nodes share one database.
//!
//! - [`PgStore::open`] connects, runs the embedded migrations (under an advisory lock, so nodes
//!   starting together do not race) and starts the node's writer and listener.
//! - `writer`: group commit, as on SQLite. Each transaction first locks the single `log_head`
//!   row, so appends from every node are serialized: sequence numbers are gap-free and in commit
//!   order, and each append is checked against the incident's committed state.
//! - `listener`: live events for this node's subscribers. Every commit sends `NOTIFY`; each node
//!   LISTENs, and on every notification — and after every reconnect, and once a second in any
//!   case — reads the log after the last sequence number it published. Since committed sequence
//!   numbers form a gap-free prefix, this delivers every event to every node, in order, once,
//!   even across lost connections: a notification is only a hint to look now.
//! - `log`, `directory`, `protocols`: reads and the directory, on the pool.
//!
//! Architecture invariant: the same conformance suite as SQLite (`store::conformance_suite!`).

mod audit;
#[path = "../shared/audit_trail.rs"]
mod audit_trail;
#[path = "../shared/calls.rs"]
mod calls;
mod dialect;
#[path = "../shared/directory.rs"]
mod directory;
#[path = "../shared/facilities.rs"]
mod facilities;
mod held;
#[path = "../shared/index.rs"]
mod index;
mod listener;
#[path = "../shared/log.rs"]
mod log;
#[path = "../shared/protocols.rs"]
mod protocols;
mod queries;
#[path = "../shared/received.rs"]
mod received;
#[path = "../shared/rows.rs"]
mod rows;
mod schema;
#[path = "../shared/search.rs"]
mod search;
#[path = "../shared/shift_log.rs"]
mod shift_log;
mod team_writer;
#[path = "../shared/teams.rs"]
mod teams;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use store::{RecordedEvent, Result, StoreError};
use tokio::sync::{broadcast, oneshot};

/// Connections a node holds besides its request pool: the event, team and audit writers, and the
/// event and team listeners.
const BACKGROUND_CONNECTIONS: u32 = 5;

/// How many committed events a slow live subscriber may fall behind before it must catch up
/// from the log.
const BROADCAST_CAPACITY: usize = 16_384;

/// The notification channel commits announce themselves on.
pub(crate) const CHANNEL: &str = "crisisbridge_events";

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// Connections this node keeps open (the writer and the listener take one each).
    pub pool_size: u32,
    /// Run everything in this schema instead of `public` (one database, several deployments or
    /// test runs).
    pub schema: Option<String>,
}

impl Default for PgSettings {
    fn default() -> Self {
        Self { pool_size: 10, schema: None }
    }
}

/// The PostgreSQL store of one node.
#[derive(Debug)]
pub struct PgStore {
    pool: PgPool,
    writer: store::queue::WriterQueue,
    events: broadcast::Sender<RecordedEvent>,
    /// Dropping it stops the listener.
    _stop_listener: oneshot::Sender<()>,
    /// The queue of this node's team writer (shifts, statuses, GPS fixes).
    teams: store::team_batch::TeamQueue,
    /// Committed team states from every node, for live subscribers.
    team_events: broadcast::Sender<dispatch::TeamState>,
    /// Dropping it stops the team listener.
    _stop_team_listener: oneshot::Sender<()>,
    /// The queue of this node's audit writer.
    audit: store::audit::AuditQueue,
    /// What seals new audit records, shared with the audit writer.
    sealer: store::seal::Sealer,
}

impl PgStore {
    /// Connects to a `postgres://` URL.
    pub async fn open(url: &str, settings: &PgSettings) -> Result<Self> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Database(format!(
                "invalid PostgreSQL URL {url:?}: it must start with postgres:// (e.g. postgres://127.0.0.1:5432/crisisbridge)"
            )));
        }
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(format!("invalid PostgreSQL URL {url:?}: {e}")))?;
        if let Some(schema) = &settings.schema {
            if !schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                return Err(StoreError::Database(format!(
                    "schema {schema:?} must be a-z, 0-9 and _"
                )));
            }
            options = options.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            // The pool size is for requests; the three writers and two listeners hold
            // connections of their own on top.
            .max_connections(settings.pool_size.max(3) + BACKGROUND_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Database(format!("connecting to {}: {e}", redact(url))))?;
        if let Some(schema) = &settings.schema {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
                .execute(&pool)
                .await
                .map_err(db_err)?;
        }
        schema::migrate(&pool).await?;
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let sealer = store::seal::Sealer::default();
        let writer = writer::Writer::start(&pool, sealer.clone()).await?;
        let (stop_listener, stopped) = oneshot::channel();
        listener::start(pool.clone(), events.clone(), stopped).await?;
        let (team_events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (stop_team_listener, team_stopped) = oneshot::channel();
        team_writer::listen(pool.clone(), team_events.clone(), team_stopped).await?;
        let teams = team_writer::Writer::start(&pool);
        let audit = audit::Writer::start(&pool, sealer.clone());
        Ok(Self {
            pool,
            writer,
            events,
            _stop_listener: stop_listener,
            teams,
            team_events,
            _stop_team_listener: stop_team_listener,
            audit,
            sealer,
        })
    }

    /// Waits for queued writes to finish and closes every connection.
    pub async fn close(self) {
        drop(self.writer);
        self.pool.close().await;
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", url.get(..scheme).unwrap_or(""), url.get(at + 1..).unwrap_or(""))
        }
        _ => url.to_owned(),
    }
}

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}
