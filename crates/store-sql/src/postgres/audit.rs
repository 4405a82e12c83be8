//! The audit trail on PostgreSQL: this node's audit writer (behind [`store::audit`]'s
//! group-committing queue) and the reads. Each batch locks `audit_head` (`FOR UPDATE`), so the
//! records of every node form one chain, gap-free.

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use store::audit::{AuditEntry, AuditQueue, AuditRecord, AuditWriter};
use store::{AuditLog, Result, StoreError};
use uuid::Uuid;

use super::rows::{corrupt, get};
use super::{PgStore, db_err};

pub(crate) struct Writer {
    pool: PgPool,
    conn: Option<PoolConnection<Postgres>>,
    sealer: store::seal::Sealer,
}

impl Writer {
    pub(crate) fn start(pool: &PgPool, sealer: store::seal::Sealer) -> AuditQueue {
        AuditQueue::spawn(Self { pool: pool.clone(), conn: None, sealer })
    }

    async fn connection(&mut self) -> Result<&mut PgConnection> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await.map_err(db_err)?);
        }
        self.conn.as_deref_mut().ok_or_else(|| StoreError::Database("no connection".into()))
    }
}

#[async_trait]
impl AuditWriter for Writer {
    async fn write(&mut self, entries: &[AuditEntry]) -> Result<()> {
        let sealer = self.sealer.clone();
        let result = write(self.connection().await?, entries, &sealer).await;
        if result.is_err() {
            // The connection may be broken; take a fresh one next time.
            self.conn = None;
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
    let (seq, mut hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
    let mut seq = u64::try_from(seq).map_err(corrupt)?;
    for entry in entries {
        seq += 1;
        hash = sealer.hash(&hash, seq, entry);
        sqlx::query(
            "INSERT INTO audit_log (seq, at_ms, user_id, agency_id, client, action, incident_id, outcome, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(i64::try_from(seq).map_err(corrupt)?)
        .bind(entry.at.as_millis())
        .bind(entry.user.map(|u| u.as_uuid()))
        .bind(entry.agency.map(|a| a.as_uuid()))
        .bind(&entry.client)
        .bind(&entry.action)
        .bind(entry.incident.map(|i| i.as_uuid()))
        .bind(i32::from(entry.outcome))
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(i64::try_from(seq).map_err(corrupt)?)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

fn record(row: &PgRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: u64::try_from(get::<i64>(row, "seq")?).map_err(corrupt)?,
        entry: AuditEntry {
            at: domain::Timestamp::from_millis(get(row, "at_ms")?),
            user: get::<Option<Uuid>>(row, "user_id")?.map(domain::UserId::from_uuid),
            agency: get::<Option<Uuid>>(row, "agency_id")?.map(domain::AgencyId::from_uuid),
            client: get(row, "client")?,
            action: get(row, "action")?,
            incident: get::<Option<Uuid>>(row, "incident_id")?.map(domain::IncidentId::from_uuid),
            outcome: u16::try_from(get::<i32>(row, "outcome")?).map_err(corrupt)?,
        },
        hash: get(row, "hash")?,
    })
}

#[async_trait]
impl AuditLog for PgStore {
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
        sqlx::query(
            "SELECT * FROM audit_log WHERE seq > $1 AND ($2::uuid IS NULL OR incident_id = $2) ORDER BY seq LIMIT $3",
        )
        .bind(after)
        .bind(incident.map(|i| i.as_uuid()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(record)
        .collect()
    }
}
