//! The audit writer on PostgreSQL: this node's writer (behind [`store::audit`]'s
//! group-committing queue). Each batch locks `audit_head` (`FOR UPDATE`), so the records of
//! every node form one chain, gap-free, and chains its records after it (`audit_trail`).

use async_trait::async_trait;
use sqlx::{Connection, PgConnection, PgPool};
use store::Result;
use store::audit::{AuditEntry, AuditQueue, AuditWriter};

use super::db_err;
use super::held::HeldConnection;
use super::rows::corrupt;

pub(crate) struct Writer {
    conn: HeldConnection,
    sealer: store::seal::Sealer,
}

impl Writer {
    pub(crate) fn start(pool: &PgPool, sealer: store::seal::Sealer) -> AuditQueue {
        AuditQueue::spawn(Self { conn: HeldConnection::new(pool), sealer })
    }
}

#[async_trait]
impl AuditWriter for Writer {
    async fn write(&mut self, entries: &[AuditEntry]) -> Result<()> {
        let sealer = self.sealer.clone();
        let result = write(self.conn.get().await?, entries, &sealer).await;
        if result.is_err() {
            // The connection may be broken; take a fresh one next time.
            self.conn.release();
        }
        result
    }
}

async fn write(
    conn: &mut PgConnection,
    entries: &[AuditEntry],
    sealer: &store::seal::Sealer,
) -> Result<()> {
    let mut tx = conn.begin().await.map_err(db_err)?;
    insert(&mut tx, entries, sealer).await?;
    tx.commit().await.map_err(db_err)
}

/// Chains `entries` after the trail's head — locked (`FOR UPDATE`) until the caller's
/// transaction ends, so every node's records form one chain — and inserts them: the audit
/// writer's batches, and the records the event writer commits with the changes they record.
pub(crate) async fn insert(
    tx: &mut PgConnection,
    entries: &[AuditEntry],
    sealer: &store::seal::Sealer,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
    let head = (u64::try_from(seq).map_err(corrupt)?, hash);
    let (seq, hash) = super::audit_trail::chain(tx, entries, head, sealer).await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(i64::try_from(seq).map_err(corrupt)?)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    Ok(())
}
