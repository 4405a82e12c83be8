//! The schema on PostgreSQL: the migrations of [`crate::migrations`], applied in order at open
//! in one transaction. An advisory lock makes nodes that start together take turns.

use sqlx::{Acquire, PgConnection, PgPool};
use store::{Result, StoreError};

use super::db_err;
use crate::migrations::{Dialect, MIGRATIONS};

/// An arbitrary constant naming Crisisbridge's migration lock.
const MIGRATION_LOCK: i64 = 0x0C41_5150_0001;

/// The last version PostgreSQL databases recorded when they had migrations of their own,
/// numbered apart from SQLite's: their first held what is now migrations 1 and 2, and their
/// versions 2 to 9 are now 3 to 10. Every database migrated since records at least 10.
const LAST_SEPARATE_VERSION: i64 = 9;

/// Applies pending migrations; returns the schema version after.
pub(crate) async fn migrate(pool: &PgPool) -> Result<i64> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    let mut tx = conn.begin().await.map_err(db_err)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let applied = renumber_separate_versions(&mut tx).await?;
    let mut version = applied.unwrap_or(0);
    for migration in MIGRATIONS.iter().filter(|m| Some(m.version) > applied) {
        let sql = migration.sql(Dialect::Postgres).map_err(StoreError::Database)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await.map_err(db_err)?;
        if migration.version == crate::migrations::INCIDENT_INDEX {
            let indexed = super::index::backfill(&mut tx).await?;
            tracing::info!(incidents = indexed, "indexed the incidents already stored");
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, (extract(epoch from now()) * 1000)::bigint)")
            .bind(migration.version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tracing::info!(version = migration.version, "applied migration");
        version = migration.version;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(version)
}

/// Renumbers a database that recorded PostgreSQL's former separate versions into the one
/// sequence (see [`LAST_SEPARATE_VERSION`]); returns the latest version applied.
async fn renumber_separate_versions(tx: &mut PgConnection) -> Result<Option<i64>> {
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
    let Some(separate) = applied.filter(|v| *v <= LAST_SEPARATE_VERSION) else {
        return Ok(applied);
    };
    // Through negative numbers, so no moved version meets one still waiting to move.
    sqlx::raw_sql(
        "UPDATE schema_migrations SET version = -(version + 1) WHERE version >= 2; \
         UPDATE schema_migrations SET version = -version WHERE version < 0",
    )
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    sqlx::query("INSERT INTO schema_migrations (version, applied_at) SELECT 2, applied_at FROM schema_migrations WHERE version = 1")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tracing::info!(from = separate, to = separate + 1, "renumbered the schema's version");
    Ok(Some(separate + 1))
}
