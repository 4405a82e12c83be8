//! The read side of the event log, and the doors into the writer — written once for both
//! databases; the reads each plans differently are in its `queries`.

use async_trait::async_trait;
use domain::{AgencyId, Event, Incident, IncidentId};
use sqlx::Row as _;
use store::{Appended, EventLog, IncidentFilter, RebuildReport, RecordedEvent, Result, Seq, codec};
use tokio::sync::broadcast;

use super::dialect::{self as d, Store};
use super::{db_err, queries, rows, search};

#[async_trait]
impl EventLog for Store {
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
            .bind(d::id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| codec::decode_incident(&rows::get::<String>(&r, "state")?)).transpose()
    }

    async fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>> {
        match filter.involving {
            Some(agency) => {
                let mut conn = self.pool.acquire().await.map_err(db_err)?;
                search::board(&mut conn, agency, filter).await
            }
            None => queries::incidents(&self.pool, filter).await,
        }
    }

    async fn search(&self, query: &store::IncidentSearch) -> Result<store::SearchPage> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        search::search(&mut conn, query).await
    }

    async fn follow_up_queue(
        &self,
        agency: AgencyId,
        now: domain::Timestamp,
        limit: u32,
    ) -> Result<store::FollowUpQueue> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        search::follow_up_queue(&mut conn, agency, now, limit).await
    }

    async fn incident_events(&self, id: IncidentId) -> Result<Vec<RecordedEvent>> {
        let sql = format!(
            "SELECT {} FROM events WHERE incident_id = $1 ORDER BY seq",
            rows::EVENT_COLUMNS
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d::id(id.as_uuid()))
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
        queries::events_after(&self.pool, after, involving, limit).await
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
        queries::head(&self.pool).await
    }

    fn subscribe(&self) -> broadcast::Receiver<RecordedEvent> {
        self.events.subscribe()
    }

    async fn rebuild_projections(&self) -> Result<RebuildReport> {
        self.writer.rebuild().await
    }
}
