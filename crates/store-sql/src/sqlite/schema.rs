//! The schema on SQLite: the migrations of [`crate::migrations`], applied in order at open,
//! each in its own transaction.

use sqlx::{Connection, SqliteConnection};

use super::db_err;
use crate::migrations::{Dialect, MIGRATIONS};
use store::{Result, StoreError};

pub(crate) async fn migrate(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    for migration in MIGRATIONS.iter().filter(|m| Some(m.version) > applied) {
        let sql = migration.sql(Dialect::Sqlite).map_err(StoreError::Database)?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await.map_err(db_err)?;
        if migration.version == crate::migrations::INCIDENT_INDEX {
            let indexed = super::index::backfill(&mut tx).await?;
            tracing::info!(incidents = indexed, "indexed the incidents already stored");
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, unixepoch() * 1000)",
        )
        .bind(migration.version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        tracing::info!(version = migration.version, "applied migration");
    }
    Ok(())
}
