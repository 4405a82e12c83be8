//! Writes what agencies' lists and searches read (`incident_index`, `incident_terms`; see
//! [`store::search`]), written once for both databases. Called by each writer in the
//! transaction that writes the incidents' projections, by a rebuild, and once by the migration
//! that made the tables, for the incidents already there.

use std::collections::HashMap;

use domain::{AgencyId, Incident, IncidentId};
use store::search::{IndexRow, index_rows};
use store::{Result, codec};

use super::db_err;
use super::dialect::{self as d, Connection};
use super::rows::get;

/// Rows written per statement: well under either database's limit on bound values.
const ROWS_PER_STATEMENT: usize = 500;

type Query<'q> = sqlx::query::Query<'q, d::Db, <d::Db as sqlx::Database>::Arguments>;

/// Indexes `incidents` (their states after the transaction's events) for every agency they
/// involve, rewriting an agency's words only where they changed.
pub(crate) async fn save(conn: &mut Connection, incidents: &[&Incident]) -> Result<()> {
    if incidents.is_empty() {
        return Ok(());
    }
    let rows: Vec<IndexRow> = incidents.iter().flat_map(|i| index_rows(i)).collect();
    let digests = digests(conn, incidents).await?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        upsert_rows(conn, chunk).await?;
    }
    let changed: Vec<&IndexRow> = rows
        .iter()
        .filter(|r| digests.get(&(r.agency, r.incident)) != Some(&r.terms_digest))
        .collect();
    for row in changed.iter().filter(|r| digests.contains_key(&(r.agency, r.incident))) {
        sqlx::query("DELETE FROM incident_terms WHERE agency_id = $1 AND incident_id = $2")
            .bind(d::id(row.agency.as_uuid()))
            .bind(d::id(row.incident.as_uuid()))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    let terms: Vec<(&IndexRow, &str)> =
        changed.iter().flat_map(|r| r.terms.iter().map(move |t| (*r, t.as_str()))).collect();
    for chunk in terms.chunks(ROWS_PER_STATEMENT) {
        insert_terms(conn, chunk).await?;
    }
    // The follow-up queue changes only with the digest. Rows indexed for the first time have
    // no queue entry to replace; an incident has a follow-up only once `follow_up_queue`
    // exists (so the backfill of the index's own migration never writes one).
    for row in changed.iter().filter(|r| digests.contains_key(&(r.agency, r.incident))) {
        sqlx::query("DELETE FROM follow_up_queue WHERE agency_id = $1 AND incident_id = $2")
            .bind(d::id(row.agency.as_uuid()))
            .bind(d::id(row.incident.as_uuid()))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    for row in &changed {
        if let Some(due) = row.follow_up_due {
            sqlx::query(
                "INSERT INTO follow_up_queue (agency_id, incident_id, due) VALUES ($1, $2, $3)",
            )
            .bind(d::id(row.agency.as_uuid()))
            .bind(d::id(row.incident.as_uuid()))
            .bind(due.as_millis())
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

/// The digest of the words indexed now for each agency of `incidents`.
async fn digests(
    conn: &mut Connection,
    incidents: &[&Incident],
) -> Result<HashMap<(AgencyId, IncidentId), i64>> {
    let mut found = HashMap::new();
    for chunk in incidents.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT agency_id, incident_id, terms_digest FROM incident_index WHERE incident_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut query: Query<'_> = sqlx::query(sqlx::AssertSqlSafe(sql));
        for incident in chunk {
            query = query.bind(d::id(incident.id.as_uuid()));
        }
        for row in query.fetch_all(&mut *conn).await.map_err(db_err)? {
            let agency = AgencyId::from_uuid(d::uuid(&row, "agency_id")?);
            let incident = IncidentId::from_uuid(d::uuid(&row, "incident_id")?);
            found.insert((agency, incident), get::<i64>(&row, "terms_digest")?);
        }
    }
    Ok(found)
}

async fn upsert_rows(conn: &mut Connection, rows: &[IndexRow]) -> Result<()> {
    const COLUMNS: usize = 9;
    let values: Vec<String> =
        (0..rows.len()).map(|n| format!("({})", placeholders(n * COLUMNS + 1, COLUMNS))).collect();
    let sql = format!(
        "INSERT INTO incident_index (agency_id, incident_id, status, channel, disposition, callback, \
         opened_at, updated_at, terms_digest) VALUES {} \
         ON CONFLICT (agency_id, incident_id) DO UPDATE SET status = excluded.status, \
         channel = excluded.channel, disposition = excluded.disposition, callback = excluded.callback, \
         updated_at = excluded.updated_at, terms_digest = excluded.terms_digest",
        values.join(", ")
    );
    let mut query: Query<'_> = sqlx::query(sqlx::AssertSqlSafe(sql));
    for r in rows {
        query = query
            .bind(d::id(r.agency.as_uuid()))
            .bind(d::id(r.incident.as_uuid()))
            .bind(r.status.as_str())
            .bind(r.channel.as_str())
            .bind(r.disposition.map(|d| d.as_str()))
            .bind(r.callback.as_ref().map(|c| c.as_str().to_owned()))
            .bind(r.opened_at.as_millis())
            .bind(r.updated_at.as_millis())
            .bind(r.terms_digest);
    }
    query.execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

async fn insert_terms(conn: &mut Connection, terms: &[(&IndexRow, &str)]) -> Result<()> {
    const COLUMNS: usize = 4;
    let values: Vec<String> =
        (0..terms.len()).map(|n| format!("({})", placeholders(n * COLUMNS + 1, COLUMNS))).collect();
    let sql = format!(
        "INSERT INTO incident_terms (agency_id, term, opened_at, incident_id) VALUES {} \
         ON CONFLICT DO NOTHING",
        values.join(", ")
    );
    let mut query: Query<'_> = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (row, term) in terms {
        query = query
            .bind(d::id(row.agency.as_uuid()))
            .bind((*term).to_owned())
            .bind(row.opened_at.as_millis())
            .bind(d::id(row.incident.as_uuid()));
    }
    query.execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// Empties the index, for a rebuild that writes it again.
pub(crate) async fn clear(conn: &mut Connection) -> Result<()> {
    sqlx::query("DELETE FROM follow_up_queue").execute(&mut *conn).await.map_err(db_err)?;
    sqlx::query("DELETE FROM incident_terms").execute(&mut *conn).await.map_err(db_err)?;
    sqlx::query("DELETE FROM incident_index").execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// Indexes every incident already in the database, page by page: for a database made before
/// the index existed, in the transaction of the migration that made it.
pub(crate) async fn backfill(conn: &mut Connection) -> Result<u64> {
    const PAGE: i64 = 2_000;
    let mut after: Option<uuid::Uuid> = None;
    let mut done = 0;
    loop {
        let page = match &after {
            None => {
                sqlx::query("SELECT id, state FROM incidents ORDER BY id LIMIT $1")
                    .bind(PAGE)
                    .fetch_all(&mut *conn)
                    .await
            }
            Some(last) => {
                sqlx::query("SELECT id, state FROM incidents WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(d::id(*last))
                    .bind(PAGE)
                    .fetch_all(&mut *conn)
                    .await
            }
        }
        .map_err(db_err)?;
        let Some(last) = page.last() else { break };
        after = Some(d::uuid(last, "id")?);
        let incidents = page
            .iter()
            .map(|r| codec::decode_incident(&get::<String>(r, "state")?))
            .collect::<Result<Vec<_>>>()?;
        save(conn, &incidents.iter().collect::<Vec<_>>()).await?;
        done += incidents.len() as u64;
    }
    Ok(done)
}

/// `$from, $from+1, …`, `count` of them.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}
