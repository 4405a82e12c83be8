//! The audit trail on SQLite: its writer (its own connection, behind [`store::audit`]'s
//! group-committing queue) and the reads. Each batch takes SQLite's write lock
//! (`BEGIN IMMEDIATE`), reads the head of the log and chains its records after it.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection, SqliteConnection};
use store::audit::{self, AuditEntry, AuditQueue, AuditRecord, AuditWriter};
use store::{AuditLog, Result};

use super::rows::{corrupt, get};
use super::{SqliteStore, db_err};

pub(crate) struct Writer {
    conn: SqliteConnection,
    turn: super::WriteTurn,
    sealer: store::seal::Sealer,
}

impl Writer {
    pub(crate) fn start(
        conn: SqliteConnection,
        turn: super::WriteTurn,
        sealer: store::seal::Sealer,
    ) -> AuditQueue {
        AuditQueue::spawn(Self { conn, turn, sealer })
    }
}

#[async_trait]
impl AuditWriter for Writer {
    async fn write(&mut self, entries: &[AuditEntry]) -> Result<()> {
        let _turn = self.turn.lock().await;
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        insert(&mut tx, entries, &self.sealer).await?;
        tx.commit().await.map_err(db_err)
    }
}

/// Chains `entries` after the trail's head and inserts them, inside the caller's transaction
/// (which holds SQLite's write lock): the audit writer's batches, and the records the event
/// writer commits with the changes they record.
pub(crate) async fn insert(
    tx: &mut SqliteConnection,
    entries: &[AuditEntry],
    sealer: &store::seal::Sealer,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
    let (mut seq, mut hash) = match head {
        Some((seq, hash)) => (u64::try_from(seq).map_err(corrupt)?, hash),
        None => (0, audit::GENESIS.to_owned()),
    };
    for entry in entries {
        seq += 1;
        hash = sealer.hash(&hash, seq, entry);
        sqlx::query(
            "INSERT INTO audit_log (seq, at_ms, user_id, agency_id, client, action, incident_id, outcome, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(i64::try_from(seq).map_err(corrupt)?)
        .bind(entry.at.as_millis())
        .bind(entry.user.map(|u| u.to_string()))
        .bind(entry.agency.map(|a| a.to_string()))
        .bind(&entry.client)
        .bind(&entry.action)
        .bind(entry.incident.map(|i| i.to_string()))
        .bind(i64::from(entry.outcome))
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

fn record(row: &SqliteRow) -> Result<AuditRecord> {
    let parse = |column: &str| -> Result<Option<String>> { get::<Option<String>>(row, column) };
    Ok(AuditRecord {
        seq: u64::try_from(get::<i64>(row, "seq")?).map_err(corrupt)?,
        entry: AuditEntry {
            at: domain::Timestamp::from_millis(get(row, "at_ms")?),
            user: parse("user_id")?.map(|u| u.parse()).transpose().map_err(corrupt)?,
            agency: parse("agency_id")?.map(|a| a.parse()).transpose().map_err(corrupt)?,
            client: get(row, "client")?,
            action: get(row, "action")?,
            incident: parse("incident_id")?.map(|i| i.parse()).transpose().map_err(corrupt)?,
            outcome: u16::try_from(get::<i64>(row, "outcome")?).map_err(corrupt)?,
        },
        hash: get(row, "hash")?,
    })
}

#[async_trait]
impl AuditLog for SqliteStore {
    async fn audit(&self, entry: AuditEntry) -> Result<()> {
        self.audit.submit(entry).await
    }

    async fn audit_all(&self, entries: Vec<AuditEntry>) -> Result<()> {
        self.audit.submit_all(entries).await
    }

    fn seal_with(&self, key: Option<store::seal::AuditKey>) {
        self.sealer.set(key);
    }

    async fn audit_records(
        &self,
        after: u64,
        limit: u32,
        incident: Option<domain::IncidentId>,
    ) -> Result<Vec<AuditRecord>> {
        let after = i64::try_from(after).map_err(corrupt)?;
        let rows = match incident {
            None => {
                sqlx::query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
            }
            Some(id) => sqlx::query(
                "SELECT * FROM audit_log WHERE incident_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            )
            .bind(id.to_string())
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await,
        }
        .map_err(db_err)?;
        rows.iter().map(record).collect()
    }
}
