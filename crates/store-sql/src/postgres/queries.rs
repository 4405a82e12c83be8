//! The reads PostgreSQL plans its own way: statuses bound as one array, and an optional agency
//! tested in the statement.

use domain::{AgencyId, Incident, IncidentStatus};
use sqlx::PgPool;
use store::{IncidentFilter, RecordedEvent, Result, Seq, codec};

use super::{db_err, rows};

pub(crate) async fn incidents(pool: &PgPool, filter: &IncidentFilter) -> Result<Vec<Incident>> {
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
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    found.iter().map(|r| codec::decode_incident(&rows::get::<String>(r, "state")?)).collect()
}

pub(crate) async fn events_after(
    pool: &PgPool,
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
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    found.iter().map(rows::event).collect()
}

pub(crate) async fn head(pool: &PgPool) -> Result<Seq> {
    let head: i64 = sqlx::query_scalar("SELECT seq FROM log_head WHERE id")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    u64::try_from(head).map_err(rows::corrupt)
}
