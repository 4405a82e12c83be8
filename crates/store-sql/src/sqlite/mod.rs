//! The embedded SQLite backend of the Crisisbridge store: the default, one file on disk.
//!
//! - [`SqliteStore::open`] creates or opens the file, switches it to WAL with
//!   `synchronous=FULL`, runs the embedded migrations and starts the writer.
//! - `writer`: one task owns the only connection that writes the event log. It takes every
//!   append waiting in its queue, checks each against the incident's state, and commits them
//!   together in one transaction — group commit, so one fsync covers many commands without
//!   weakening durability. Each caller is answered only after that commit.
//! - `log` and `directory`: the read side and the directory, on a small connection pool.
//! - `teams` and `audit`: the team writer and the audit writer, each on its own connection.
//!
//! Architecture invariant: `events` is append-only, enforced twice — by the code, which only
//! inserts, and by triggers that abort any UPDATE or DELETE.

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
#[path = "../shared/index.rs"]
mod index;
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

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use store::{RecordedEvent, Result, StoreError};
use tokio::sync::{broadcast, oneshot};

/// How many committed events a slow live subscriber may fall behind before it must catch up
/// from the log.
const BROADCAST_CAPACITY: usize = 16_384;

/// The SQLite store. Cheap to share behind an `Arc`; every method takes `&self`.
#[derive(Debug)]
pub struct SqliteStore {
    /// Readers and directory writes.
    pool: SqlitePool,
    /// The queue of the single event-log writer.
    writer: store::queue::WriterQueue,
    /// Committed events, in order, for live subscribers.
    events: broadcast::Sender<RecordedEvent>,
    /// The queue of the team writer (shifts, statuses, GPS fixes), on its own connection.
    teams: store::team_batch::TeamQueue,
    /// Committed team states, for live subscribers.
    team_events: broadcast::Sender<dispatch::TeamState>,
    /// The queue of the audit writer, on its own connection.
    audit: store::audit::AuditQueue,
    /// What seals new audit records, shared with the audit writer.
    sealer: store::seal::Sealer,
    /// Dropping it stops the background checkpoints.
    _stop_checkpoints: oneshot::Sender<()>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with(SqliteConnectOptions::new().filename(path)).await
    }

    /// Opens a `sqlite://PATH` URL.
    pub async fn open_url(url: &str) -> Result<Self> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::Database(format!(
                "invalid SQLite URL {url:?}: it must start with sqlite:// (e.g. sqlite://data/crisisbridge.db)"
            )));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(format!("invalid SQLite URL {url:?}: {e}")))?;
        Self::open_with(options).await
    }

    async fn open_with(options: SqliteConnectOptions) -> Result<Self> {
        create_private(options.get_filename())?;
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: in WAL mode, every commit is fsynced before it returns.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Checkpoints run in the background (see `checkpointer`), never inside a commit.
            .pragma("wal_autocheckpoint", "0");
        let mut conn = options.connect().await.map_err(db_err)?;
        schema::migrate(&mut conn).await.map_err(|e| match e {
            StoreError::Database(m) => StoreError::Database(format!("migrating the database: {m}")),
            other => other,
        })?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await
            .map_err(db_err)?;
        let turn = WriteTurn::default();
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (team_events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let sealer = store::seal::Sealer::default();
        let writer = writer::Writer::start(
            conn,
            events.clone(),
            team_events.clone(),
            turn.clone(),
            sealer.clone(),
        )
        .await?;
        // Team writes get a connection of their own: SQLite takes one writer at a time, so the
        // two writers take turns per transaction, each group-committing its own queue.
        let team_conn = options.connect().await.map_err(db_err)?;
        let teams = team_writer::Writer::start(team_conn, team_events.clone(), turn.clone());
        let audit = audit::Writer::start(
            options.connect().await.map_err(db_err)?,
            turn.clone(),
            sealer.clone(),
        );
        let (stop_checkpoints, stopped) = oneshot::channel();
        tokio::spawn(checkpointer(pool.clone(), turn, stopped));
        Ok(Self {
            pool,
            writer,
            events,
            teams,
            team_events,
            audit,
            sealer,
            _stop_checkpoints: stop_checkpoints,
        })
    }

    /// Waits for queued writes to finish and closes every connection.
    pub async fn close(self) {
        drop(self.writer);
        self.pool.close().await;
    }
}

/// Creates the database file readable and writable by its owner only (0600), before SQLite
/// does: it holds crisis records, and SQLite gives its `-wal` and `-shm` files the database
/// file's permissions. An existing file is left as it is.
fn create_private(path: &Path) -> Result<()> {
    if path.as_os_str().is_empty() || path == Path::new(":memory:") || path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Created meanwhile by another process: SQLite opens it as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => {
            Err(StoreError::Database(format!("creating the database file {}: {e}", path.display())))
        }
    }
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Frames (pages) the WAL may hold before a checkpoint waits for the writers to pause and
/// empties it: about 64 MiB of 4 KiB pages.
const WAL_RESTART_FRAMES: i64 = 16_384;

/// Copies the WAL into the database file in the background. SQLite would otherwise do it
/// inside whichever commit crosses the WAL size threshold, stalling that commit and every
/// append queued behind it. PASSIVE never blocks a writer; committed data is already durable
/// in the WAL, so this only bounds the WAL's size. But under writes that never pause (a large
/// import, a sustained burst) PASSIVE never catches up, and the WAL would grow until the disk
/// is full: once it holds more than [`WAL_RESTART_FRAMES`], the checkpoint takes the writers'
/// turn — none is mid-transaction — and empties it (TRUNCATE), a pause of one copy.
async fn checkpointer(pool: SqlitePool, turn: WriteTurn, mut stop: oneshot::Receiver<()>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tick.tick() => {
                if let Err(e) = checkpoint(&pool, &turn, WAL_RESTART_FRAMES).await {
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                }
            }
        }
    }
}

/// A passive checkpoint, then, when the WAL holds more than `restart_frames`, one that empties
/// it in the writers' turn.
async fn checkpoint(
    pool: &SqlitePool,
    turn: &WriteTurn,
    restart_frames: i64,
) -> Result<(), sqlx::Error> {
    // (busy, frames in the WAL, frames copied back)
    let (_, frames, _): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
    if frames > restart_frames {
        let _turn = turn.lock().await;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
    }
    Ok(())
}

/// SQLite takes one writing transaction at a time. The three writers (events, teams, audit)
/// take turns through this lock before `BEGIN IMMEDIATE`, in the order they asked, instead of
/// meeting SQLite's busy handler, which would sleep a waiting writer for milliseconds at a time.
pub(crate) type WriteTurn = std::sync::Arc<tokio::sync::Mutex<()>>;

/// Keeps a database error's message; callers add what they were doing.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A WAL past the threshold is emptied, not left to grow.
    #[tokio::test]
    async fn a_large_wal_is_emptied_in_the_writers_turn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new().max_connections(2).connect_with(options).await.unwrap();
        sqlx::query("CREATE TABLE t (x BLOB)").execute(&pool).await.unwrap();
        for _ in 0..50 {
            sqlx::query("INSERT INTO t VALUES (randomblob(8000))").execute(&pool).await.unwrap();
        }
        let wal = dir.path().join("wal.db-wal");
        let before = std::fs::metadata(&wal).unwrap().len();
        assert!(before > 100_000, "the inserts are in the WAL ({before} bytes)");
        let turn = WriteTurn::default();
        checkpoint(&pool, &turn, 1_000_000).await.unwrap();
        assert_eq!(
            std::fs::metadata(&wal).unwrap().len(),
            before,
            "under the threshold: passive only"
        );
        checkpoint(&pool, &turn, 10).await.unwrap();
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0, "over it: emptied");
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&pool).await.unwrap();
        assert_eq!(rows, 50, "and nothing lost");
    }
}
