//! The reads SQLite plans its own way: one placeholder per status, and a statement without the
//! agency test when there is no agency, so its planner can use the indexes.

use domain::{AgencyId, Incident, IncidentStatus};
use sqlx::{Row, SqlitePool};
use store::{IncidentFilter, RecordedEvent, Result, Seq, codec};

use super::{db_err, rows};

pub(crate) async fn incidents(pool: &SqlitePool, filter: &IncidentFilter) -> Result<Vec<Incident>> {
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
    let found = query.bind(filter.limit).fetch_all(pool).await.map_err(db_err)?;
    found.iter().map(|r| codec::decode_incident(&rows::get::<String>(r, "state")?)).collect()
}

pub(crate) async fn events_after(
    pool: &SqlitePool,
    after: Seq,
    involving: Option<AgencyId>,
    limit: u32,
) -> Result<Vec<RecordedEvent>> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let found = match involving {
        None => {
            let sql = format!("SELECT {} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", rows::EVENT_COLUMNS);
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit).fetch_all(pool).await
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
                .fetch_all(pool)
                .await
        }
    }
    .map_err(db_err)?;
    found.iter().map(rows::event).collect()
}

pub(crate) async fn head(pool: &SqlitePool) -> Result<Seq> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM events")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    let head: i64 = row.try_get("head").map_err(db_err)?;
    u64::try_from(head).map_err(rows::corrupt)
}
