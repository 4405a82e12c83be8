//! How SQLite spells what the shared modules (`src/shared`) need: its types, how an id is
//! bound and read back (hyphenated text), and the statements it writes differently.

use std::str::FromStr;

use store::{Area, Result, ServiceArea, StoreError};
use uuid::Uuid;

use super::db_err;
use super::rows::get;

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Row = sqlx::sqlite::SqliteRow;
pub(crate) type Connection = sqlx::SqliteConnection;
/// An id as [`id`] binds it.
pub(crate) type Id = String;
pub(crate) type Store = super::SqliteStore;

/// An id as bound: SQLite keeps a UUID as its hyphenated text.
pub(crate) fn id(id: Uuid) -> String {
    id.to_string()
}

/// The UUID in `column`.
pub(crate) fn uuid(row: &Row, column: &str) -> Result<Uuid> {
    parse_uuid(&get::<String>(row, column)?)
}

/// The UUID in `column`, which may be NULL.
pub(crate) fn opt_uuid(row: &Row, column: &str) -> Result<Option<Uuid>> {
    get::<Option<String>>(row, column)?.as_deref().map(parse_uuid).transpose()
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad id {s:?}: {e}")))
}

/// A column declared `INTEGER` (PostgreSQL keeps those in 32 bits, SQLite in 64).
pub(crate) fn integer(row: &Row, column: &str) -> Result<i64> {
    get(row, column)
}

/// The most values one statement may bind.
pub(crate) const BOUND_VALUES_PER_STATEMENT: usize = 32_766;

/// Orders text by its bytes: SQLite's default collation, said explicitly.
pub(crate) const BYTE_ORDER: &str = "COLLATE BINARY";

/// The current UTC time in epoch milliseconds, by the database's clock.
pub(crate) const NOW_MS: &str = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/// Inserts or replaces `areas`, one statement each (SQLite has no arrays to bind).
pub(crate) async fn put_areas(tx: &mut sqlx::SqliteConnection, areas: &[Area]) -> Result<()> {
    for a in areas {
        sqlx::query(
            "INSERT INTO areas (code, name, geometry) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, geometry = excluded.geometry",
        )
        .bind(&a.code)
        .bind(&a.name)
        .bind(&a.geometry_geojson)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// Replaces every tier of each (service, area) that `service_areas` names.
pub(crate) async fn replace_service_areas(
    tx: &mut sqlx::SqliteConnection,
    service_areas: &[ServiceArea],
) -> Result<()> {
    let pairs: std::collections::BTreeSet<(&str, &str)> =
        service_areas.iter().map(|s| (s.service.as_str(), s.area.as_str())).collect();
    for (service, area) in pairs {
        sqlx::query("DELETE FROM service_areas WHERE service = $1 AND area = $2")
            .bind(service)
            .bind(area)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    for s in service_areas {
        sqlx::query(
            "INSERT INTO service_areas (service, area, tier, agency_id, answer_within_s) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.service)
        .bind(&s.area)
        .bind(i64::from(s.tier))
        .bind(s.agency.to_string())
        .bind(i64::from(s.answer_within_s))
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::Invalid(format!("agency {} does not exist", s.agency))
            }
            _ => db_err(e),
        })?;
    }
    Ok(())
}
