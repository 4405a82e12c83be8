//! Received EIDOs ([`store::EidoArchive`]), written once for both databases: one row each,
//! the document as text, found by incident in the order received.

use async_trait::async_trait;
use domain::{AgencyId, IncidentId, Timestamp};
use store::{EidoArchive, ReceivedEido, Result};

use super::db_err;
use super::dialect::{self as d, Row, Store};
use super::rows::get;

fn received(row: &Row) -> Result<ReceivedEido> {
    Ok(ReceivedEido {
        incident: IncidentId::from_uuid(d::uuid(row, "incident_id")?),
        sender: AgencyId::from_uuid(d::uuid(row, "sender_id")?),
        received_at: Timestamp::from_millis(get(row, "received_at")?),
        body: get(row, "body")?,
    })
}

#[async_trait]
impl EidoArchive for Store {
    async fn keep_received_eido(&self, r: &ReceivedEido) -> Result<()> {
        sqlx::query(
            "INSERT INTO received_eidos (id, incident_id, sender_id, received_at, body) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(d::id(uuid::Uuid::now_v7()))
        .bind(d::id(r.incident.as_uuid()))
        .bind(d::id(r.sender.as_uuid()))
        .bind(r.received_at.as_millis())
        .bind(&r.body)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn received_eidos(&self, incident: IncidentId) -> Result<Vec<ReceivedEido>> {
        sqlx::query(
            "SELECT incident_id, sender_id, received_at, body FROM received_eidos \
             WHERE incident_id = $1 ORDER BY received_at, id",
        )
        .bind(d::id(incident.as_uuid()))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(received)
        .collect()
    }

    async fn latest_received_eido(
        &self,
        incident: IncidentId,
        at: Option<Timestamp>,
    ) -> Result<Option<ReceivedEido>> {
        sqlx::query(
            "SELECT incident_id, sender_id, received_at, body FROM received_eidos \
             WHERE incident_id = $1 AND received_at <= $2 \
             ORDER BY received_at DESC, id DESC LIMIT 1",
        )
        .bind(d::id(incident.as_uuid()))
        .bind(at.map_or(i64::MAX, Timestamp::as_millis))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(received)
        .transpose()
    }

    async fn all_received_eidos(&self) -> Result<Vec<ReceivedEido>> {
        sqlx::query(
            "SELECT incident_id, sender_id, received_at, body FROM received_eidos \
             ORDER BY received_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(received)
        .collect()
    }
}
