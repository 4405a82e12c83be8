//! Embedded migrations, applied in order at open, each in its own transaction.

use sqlx::{Connection, SqliteConnection};

use super::db_err;
use store::Result;

/// Every migration, in order; a new one is appended, none is ever edited.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../../migrations/sqlite/0002_protocols.sql")),
    (3, include_str!("../../migrations/sqlite/0003_routing.sql")),
    (4, include_str!("../../migrations/sqlite/0004_teams.sql")),
    (5, include_str!("../../migrations/sqlite/0005_external_ids.sql")),
    (6, include_str!("../../migrations/sqlite/0006_team_members.sql")),
    (7, include_str!("../../migrations/sqlite/0007_audit.sql")),
    (8, include_str!("../../migrations/sqlite/0008_user_admin.sql")),
    (9, include_str!("../../migrations/sqlite/0009_totp.sql")),
    (10, include_str!("../../migrations/sqlite/0010_event_chain.sql")),
];

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
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| Some(*v) > applied) {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(*sql)).execute(&mut *tx).await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, unixepoch() * 1000)",
        )
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}
