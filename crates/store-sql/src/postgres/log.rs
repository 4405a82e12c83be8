//! The read side of the event log on PostgreSQL, and the doors into the writer.

use async_trait::async_trait;
use domain::{AgencyId, Event, Incident, IncidentId, IncidentStatus};
use sqlx::Row;
use store::{Appended, EventLog, IncidentFilter, RebuildReport, RecordedEvent, Result, Seq, codec};
use tokio::sync::broadcast;

use super::{PgStore, db_err, rows};

#[async_trait]
impl EventLog for PgStore {
    async fn append(&self, events: Vec<Event>) -> Result<Appended> {
        self.writer.append(events).await
    }

    async fn append_with_team(
        &self,
        events: Vec<Event>,
        change: store::TeamChange,
    ) -> Result<(Appended, dispatch::TeamState)> {
        self.writer.append_with_team(events, change).await
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<()> {
        self.writer.import(events).await
    }

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>> {
        let row = sqlx::query("SELECT state FROM incidents WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| codec::decode_incident(&rows::get::<String>(&r, "state")?)).transpose()
    }

    async fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>> {
        let statuses: Vec<String> = if filter.statuses.is_empty() {
            IncidentStatus::ALL
                .iter()
                .filter(|s| **s != IncidentStatus::Closed)
                .map(|s| s.as_str().to_owned())
                .collect()
        } else {
            filter.statuses.iter().map(|s| s.as_str().to_owned()).collect()
        };
        let found = sqlx::query(
            "SELECT i.state FROM incidents i WHERE i.status = ANY($1) \
             AND ($2::uuid IS NULL OR i.id IN (SELECT incident_id FROM incident_agencies WHERE agency_id = $2)) \
             AND ($3::text IS NULL OR i.channel = $3) \
             ORDER BY i.updated_at DESC, i.id DESC LIMIT $4",
        )
        .bind(statuses)
        .bind(filter.involving.map(|a| a.as_uuid()))
        .bind(filter.channel.map(|c| c.as_str()))
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        found.iter().map(|r| codec::decode_incident(&rows::get::<String>(r, "state")?)).collect()
    }

    async fn incident_events(&self, id: IncidentId) -> Result<Vec<RecordedEvent>> {
        let sql = format!(
            "SELECT {} FROM events WHERE incident_id = $1 ORDER BY seq",
            rows::EVENT_COLUMNS
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found.iter().map(rows::event).collect()
    }

    async fn events_after(
        &self,
        after: Seq,
        involving: Option<AgencyId>,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>> {
        let sql = format!(
            "SELECT {} FROM events WHERE seq > $1 AND ($2::uuid IS NULL OR incident_id IN \
             (SELECT incident_id FROM incident_agencies WHERE agency_id = $2)) ORDER BY seq LIMIT $3",
            rows::EVENT_COLUMNS
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::try_from(after).unwrap_or(i64::MAX))
            .bind(involving.map(|a| a.as_uuid()))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found.iter().map(rows::event).collect()
    }

    async fn chained_events(
        &self,
        after: Seq,
        limit: u32,
    ) -> Result<Vec<(RecordedEvent, Option<String>)>> {
        let sql = format!(
            "SELECT {}, hash FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            rows::EVENT_COLUMNS
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::try_from(after).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found
            .iter()
            .map(|row| Ok((rows::event(row)?, row.try_get("hash").map_err(db_err)?)))
            .collect()
    }

    async fn head(&self) -> Result<Seq> {
        let head: i64 = sqlx::query_scalar("SELECT seq FROM log_head WHERE id")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        u64::try_from(head).map_err(rows::corrupt)
    }

    fn subscribe(&self) -> broadcast::Receiver<RecordedEvent> {
        self.events.subscribe()
    }

    async fn rebuild_projections(&self) -> Result<RebuildReport> {
        self.writer.rebuild().await
    }
}
