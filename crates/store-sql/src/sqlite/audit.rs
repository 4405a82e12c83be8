//! The audit writer on SQLite (its own connection, behind [`store::audit`]'s group-committing
//! queue). Each batch takes SQLite's write lock (`BEGIN IMMEDIATE`), reads the head of the
//! trail and chains its records after it (`audit_trail`).

use async_trait::async_trait;
use sqlx::{Connection, SqliteConnection};
use store::Result;
use store::audit::{self, AuditEntry, AuditQueue, AuditWriter};

use super::db_err;
use super::rows::corrupt;

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
    let head = match head {
        Some((seq, hash)) => (u64::try_from(seq).map_err(corrupt)?, hash),
        None => (0, audit::GENESIS.to_owned()),
    };
    super::audit_trail::chain(tx, entries, head, sealer).await?;
    Ok(())
}
