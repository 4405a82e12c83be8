//! The audit trail's records, written once for both databases: chaining new records after a
//! head the caller has read (and, on PostgreSQL, locked), reading records back, and the
//! [`AuditLog`] doors into each database's audit writer (its `audit` module).

use async_trait::async_trait;
use store::audit::{AuditEntry, AuditRecord};
use store::{AuditLog, Result};

use super::db_err;
use super::dialect::{self as d, Row, Store};
use super::rows::{corrupt, get};

/// Inserts `entries`, chained after the record `seq` whose hash is `hash`, inside the caller's
/// transaction; returns the new head.
pub(crate) async fn chain(
    tx: &mut d::Connection,
    entries: &[AuditEntry],
    (mut seq, mut hash): (u64, String),
    sealer: &store::seal::Sealer,
) -> Result<(u64, String)> {
    for entry in entries {
        seq += 1;
        hash = sealer.hash(&hash, seq, entry);
        sqlx::query(
            "INSERT INTO audit_log (seq, at_ms, user_id, agency_id, client, action, incident_id, outcome, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(i64::try_from(seq).map_err(corrupt)?)
        .bind(entry.at.as_millis())
        .bind(entry.user.map(|u| d::id(u.as_uuid())))
        .bind(entry.agency.map(|a| d::id(a.as_uuid())))
        .bind(&entry.client)
        .bind(&entry.action)
        .bind(entry.incident.map(|i| d::id(i.as_uuid())))
        .bind(i32::from(entry.outcome))
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    Ok((seq, hash))
}

fn record(row: &Row) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: u64::try_from(get::<i64>(row, "seq")?).map_err(corrupt)?,
        entry: AuditEntry {
            at: domain::Timestamp::from_millis(get(row, "at_ms")?),
            user: d::opt_uuid(row, "user_id")?.map(domain::UserId::from_uuid),
            agency: d::opt_uuid(row, "agency_id")?.map(domain::AgencyId::from_uuid),
            client: get(row, "client")?,
            action: get(row, "action")?,
            incident: d::opt_uuid(row, "incident_id")?.map(domain::IncidentId::from_uuid),
            outcome: u16::try_from(d::integer(row, "outcome")?).map_err(corrupt)?,
        },
        hash: get(row, "hash")?,
    })
}

#[async_trait]
impl AuditLog for Store {
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
        // Two statements rather than one with `$n IS NULL OR`, so each can use its index.
        let rows = match incident {
            None => {
                sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
            }
            Some(id) => sqlx::query(
                "SELECT * FROM audit_log WHERE incident_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(d::id(id.as_uuid()))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await,
        }
        .map_err(db_err)?;
        rows.iter().map(record).collect()
    }
}
