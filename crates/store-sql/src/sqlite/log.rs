//! The read side of the event log, and the doors into the writer.

use async_trait::async_trait;
use domain::{AgencyId, Event, Incident, IncidentId, IncidentStatus};
use sqlx::Row;
use store::{Appended, EventLog, IncidentFilter, RebuildReport, RecordedEvent, Result, Seq, codec};
use tokio::sync::broadcast;

use super::{SqliteStore, db_err, rows};

#[async_trait]
impl EventLog for SqliteStore {
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
        let row = sqlx::query("SELECT state FROM incidents WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| codec::decode_incident(&rows::get::<String>(&r, "state")?)).transpose()
    }

    async fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>> {
        let statuses: Vec<&str> = if filter.statuses.is_empty() {
            IncidentStatus::ALL
                .iter()
                .filter(|s| **s != IncidentStatus::Closed)
                .map(|s| s.as_str())
                .collect()
        } else {
            filter.statuses.iter().map(|s| s.as_str()).collect()
        };
        // Only placeholders are formatted into the SQL; every value is bound.
        let placeholders = vec!["?"; statuses.len()].join(", ");
        let mut sql = format!("SELECT i.state FROM incidents i WHERE i.status IN ({placeholders})");
        if filter.involving.is_some() {
            sql.push_str(
                " AND i.id IN (SELECT incident_id FROM incident_agencies WHERE agency_id = ?)",
            );
        }
        if filter.channel.is_some() {
            sql.push_str(" AND i.channel = ?");
        }
        sql.push_str(" ORDER BY i.updated_at DESC, i.id DESC LIMIT ?");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for status in statuses {
            query = query.bind(status);
        }
        if let Some(agency) = filter.involving {
            query = query.bind(agency.to_string());
        }
        if let Some(channel) = filter.channel {
            query = query.bind(channel.as_str());
        }
        let found = query.bind(filter.limit).fetch_all(&self.pool).await.map_err(db_err)?;
        found.iter().map(|r| codec::decode_incident(&rows::get::<String>(r, "state")?)).collect()
    }

    async fn incident_events(&self, id: IncidentId) -> Result<Vec<RecordedEvent>> {
        let sql = format!(
            "SELECT {} FROM events WHERE incident_id = ? ORDER BY seq",
            rows::EVENT_COLUMNS
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
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
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let found = match involving {
            None => {
                let sql = format!("SELECT {} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", rows::EVENT_COLUMNS);
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit).fetch_all(&self.pool).await
            }
            Some(agency) => {
                let sql = format!(
                    "SELECT {} FROM events WHERE seq > ? AND incident_id IN \
                     (SELECT incident_id FROM incident_agencies WHERE agency_id = ?) ORDER BY seq LIMIT ?",
                    rows::EVENT_COLUMNS
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .bind(agency.to_string())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db_err)?;
        found.iter().map(rows::event).collect()
    }

    async fn chained_events(
        &self,
        after: Seq,
        limit: u32,
    ) -> Result<Vec<(RecordedEvent, Option<String>)>> {
        let sql = format!(
            "SELECT {}, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            rows::EVENT_COLUMNS
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::try_from(after).unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found
            .iter()
            .map(|row| Ok((rows::event(row)?, row.try_get("hash").map_err(db_err)?)))
            .collect()
    }

    async fn head(&self) -> Result<Seq> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM events")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let head: i64 = row.try_get("head").map_err(db_err)?;
        u64::try_from(head).map_err(rows::corrupt)
    }

    fn subscribe(&self) -> broadcast::Receiver<RecordedEvent> {
        self.events.subscribe()
    }

    async fn rebuild_projections(&self) -> Result<RebuildReport> {
        self.writer.rebuild().await
    }
}
