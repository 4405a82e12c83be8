//! How PostgreSQL spells what the shared modules (`src/shared`) need: its types, ids bound as
//! native UUIDs, and the statements it writes differently (one array-bound statement where
//! SQLite takes one per row).

use store::{Area, Result, ServiceArea, StoreError};
use uuid::Uuid;

use super::db_err;
use super::rows::get;

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Row = sqlx::postgres::PgRow;
pub(crate) type Connection = sqlx::PgConnection;
/// An id as [`id`] binds it.
pub(crate) type Id = Uuid;
pub(crate) type Store = super::PgStore;

/// An id as bound: a native UUID.
pub(crate) fn id(id: Uuid) -> Uuid {
    id
}

/// The UUID in `column`.
pub(crate) fn uuid(row: &Row, column: &str) -> Result<Uuid> {
    get(row, column)
}

/// The UUID in `column`, which may be NULL.
pub(crate) fn opt_uuid(row: &Row, column: &str) -> Result<Option<Uuid>> {
    get(row, column)
}

/// A column declared `INTEGER`: 32 bits on PostgreSQL.
pub(crate) fn integer(row: &Row, column: &str) -> Result<i64> {
    get::<i32>(row, column).map(i64::from)
}

/// The most values one statement may bind.
pub(crate) const BOUND_VALUES_PER_STATEMENT: usize = 65_535;

/// Orders text by its bytes, as SQLite does, whatever the database's locale.
pub(crate) const BYTE_ORDER: &str = r#"COLLATE "C""#;

/// The current UTC time in epoch milliseconds, by the database's clock.
pub(crate) const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// Inserts or replaces `areas` in one statement; a code given twice keeps its last boundary,
/// as repeated single puts would.
pub(crate) async fn put_areas(tx: &mut sqlx::PgConnection, areas: &[Area]) -> Result<()> {
    let codes: Vec<&str> = areas.iter().map(|a| a.code.as_str()).collect();
    let names: Vec<&str> = areas.iter().map(|a| a.name.as_str()).collect();
    let geometries: Vec<&str> = areas.iter().map(|a| a.geometry_geojson.as_str()).collect();
    sqlx::query(
        "INSERT INTO areas (code, name, geometry) \
         SELECT DISTINCT ON (code) code, name, geometry \
         FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS a (code, name, geometry, n) \
         ORDER BY code, n DESC \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, geometry = excluded.geometry",
    )
    .bind(&codes)
    .bind(&names)
    .bind(&geometries)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Replaces every tier of each (service, area) that `service_areas` names, in two statements.
pub(crate) async fn replace_service_areas(
    tx: &mut sqlx::PgConnection,
    service_areas: &[ServiceArea],
) -> Result<()> {
    let services: Vec<&str> = service_areas.iter().map(|s| s.service.as_str()).collect();
    let areas: Vec<&str> = service_areas.iter().map(|s| s.area.as_str()).collect();
    let tiers: Vec<i32> = service_areas.iter().map(|s| i32::from(s.tier)).collect();
    let agencies: Vec<Uuid> = service_areas.iter().map(|s| s.agency.as_uuid()).collect();
    let answer: Vec<i64> = service_areas.iter().map(|s| i64::from(s.answer_within_s)).collect();
    sqlx::query(
        "DELETE FROM service_areas s USING unnest($1::text[], $2::text[]) AS p (service, area) \
         WHERE s.service = p.service AND s.area = p.area",
    )
    .bind(&services)
    .bind(&areas)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    sqlx::query(
        "INSERT INTO service_areas (service, area, tier, agency_id, answer_within_s) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::uuid[], $5::bigint[])",
    )
    .bind(&services)
    .bind(&areas)
    .bind(&tiers)
    .bind(&agencies)
    .bind(&answer)
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::Invalid(format!(
            "a service area names an agency that does not exist: {}",
            d.message()
        )),
        _ => db_err(e),
    })?;
    Ok(())
}
