//! Embedded migrations, applied in order at open. An advisory lock makes nodes that start
//! together take turns.

use sqlx::{Acquire, PgPool};
use store::Result;

use super::db_err;

/// Every migration, in order; a new one is appended, none is ever edited.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, include_str!("../../migrations/postgres/0002_routing.sql")),
    (3, include_str!("../../migrations/postgres/0003_teams.sql")),
    (4, include_str!("../../migrations/postgres/0004_external_ids.sql")),
    (5, include_str!("../../migrations/postgres/0005_team_members.sql")),
    (6, include_str!("../../migrations/postgres/0006_audit.sql")),
    (7, include_str!("../../migrations/postgres/0007_user_admin.sql")),
    (8, include_str!("../../migrations/postgres/0008_totp.sql")),
    (9, include_str!("../../migrations/postgres/0009_event_chain.sql")),
];

/// An arbitrary constant naming Crisisbridge's migration lock.
const MIGRATION_LOCK: i64 = 0x0C41_5150_0001;

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
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut version = applied.unwrap_or(0);
    for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| Some(*v) > applied) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(*sql)).execute(&mut *tx).await.map_err(db_err)?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, (extract(epoch from now()) * 1000)::bigint)")
            .bind(v)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tracing::info!(version = v, "applied migration");
        version = *v;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(version)
}
