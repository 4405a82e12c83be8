//! The two databases' schemas, as each database itself describes them after every migration,
//! against each other: the same tables, columns (type family, nullability, position), primary
//! keys, indexes, foreign keys and append-only triggers. Only what the dialects document as
//! theirs alone may differ. And a PostgreSQL database that recorded the versions it had before
//! the migrations were one source is renumbered once, without applying anything again.

use std::collections::BTreeSet;
use std::str::FromStr;

use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::SqlitePoolOptions;
use store_sql::{PgSettings, PgStore, SqliteStore};

use crate::postgres::{new_schema, server_url};

/// Tables only PostgreSQL has: the head rows its writers lock so that appends from every node
/// are serialized (SQLite has one writer at a time and reads each head from its table).
const POSTGRES_ONLY: &[&str] = &["audit_head", "log_head", "team_log_head"];

/// One fact about the schema, as a line that reads the same for both databases.
type Facts = BTreeSet<String>;

/// A column type's family: what SQLite's type affinity makes of it (a UUID is stored as text,
/// a boolean as an integer).
fn family(postgres_type: &str) -> &'static str {
    match postgres_type {
        "uuid" | "text" => "TEXT",
        "bigint" | "integer" | "boolean" => "INTEGER",
        "double precision" => "REAL",
        _ => "UNKNOWN",
    }
}

async fn sqlite_facts(path: &std::path::Path) -> Facts {
    let pool =
        SqlitePoolOptions::new().connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let mut facts = Facts::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for table in &tables {
        let columns = sqlx::query(
            "SELECT cid, name, upper(type) AS type, \"notnull\", pk FROM pragma_table_info($1)",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut key = Vec::new();
        for c in &columns {
            let (cid, name): (i64, String) = (c.get("cid"), c.get("name"));
            let pk: i64 = c.get("pk");
            let not_null = c.get::<i64, _>("notnull") == 1 || pk > 0;
            facts.insert(format!(
                "column {table}.{name} #{cid} {} {}",
                c.get::<String, _>("type"),
                if not_null { "NOT NULL" } else { "NULL" }
            ));
            if pk > 0 {
                key.push((pk, name));
            }
        }
        key.sort();
        let key: Vec<String> = key.into_iter().map(|(_, n)| n).collect();
        if !key.is_empty() {
            facts.insert(format!("primary key {table} ({})", key.join(", ")));
        }
        let indexes = sqlx::query(
            "SELECT name, \"unique\", origin FROM pragma_index_list($1) WHERE origin <> 'pk' ORDER BY name",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .unwrap();
        for index in &indexes {
            let name: String = index.get("name");
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let columns: Vec<String> =
                columns.into_iter().map(|c| c.unwrap_or_else(|| "<expression>".into())).collect();
            if index.get::<String, _>("origin") == "u" {
                facts.insert(format!("unique {table} ({})", columns.join(", ")));
                continue;
            }
            let unique = if index.get::<i64, _>("unique") == 1 { "unique " } else { "" };
            facts.insert(format!("{unique}index {name} on {table} ({})", columns.join(", ")));
        }
        let keys = sqlx::query(
            "SELECT id, \"table\" AS target, \"from\", \"to\" FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>)> =
            std::collections::BTreeMap::new();
        for k in &keys {
            let entry =
                by_id.entry(k.get("id")).or_insert_with(|| (k.get("target"), vec![], vec![]));
            entry.1.push(k.get("from"));
            entry.2.push(k.get("to"));
        }
        for (target, from, to) in by_id.into_values() {
            facts.insert(format!(
                "foreign key {table} ({}) references {target} ({})",
                from.join(", "),
                to.join(", ")
            ));
        }
    }
    let triggers = sqlx::query("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        .fetch_all(&pool)
        .await
        .unwrap();
    for t in &triggers {
        let (table, sql): (String, String) = (t.get("tbl_name"), t.get("sql"));
        for event in ["UPDATE", "DELETE"] {
            if sql.contains(&format!("BEFORE {event} ON")) && sql.contains("RAISE(ABORT") {
                facts.insert(format!("{table} refuses {event}"));
            }
        }
    }
    pool.close().await;
    facts
}

async fn postgres_facts(schema: &str) -> Facts {
    let pool = PgPoolOptions::new().max_connections(1).connect(&server_url()).await.unwrap();
    let mut facts = Facts::new();
    let columns = sqlx::query(
        "SELECT table_name::text, column_name::text, ordinal_position::bigint - 1 AS cid, \
                data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = $1",
    )
    .bind(schema)
    .fetch_all(&pool)
    .await
    .unwrap();
    for c in &columns {
        let table: String = c.get("table_name");
        if POSTGRES_ONLY.contains(&table.as_str()) {
            continue;
        }
        let not_null = c.get::<String, _>("is_nullable") == "NO";
        facts.insert(format!(
            "column {table}.{} #{} {} {}",
            c.get::<String, _>("column_name"),
            c.get::<i64, _>("cid"),
            family(&c.get::<String, _>("data_type")),
            if not_null { "NOT NULL" } else { "NULL" }
        ));
    }
    // Keys and indexes, with their columns in order (0 for an expression).
    let indexes = sqlx::query(
        "SELECT t.relname::text AS tbl, i.relname::text AS name, x.indisprimary AS is_primary, \
                x.indisunique AS is_unique, \
                array_to_string(array(SELECT COALESCE(a.attname::text, '<expression>') \
                    FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                    ORDER BY k.n), ', ') AS columns, \
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.contype = 'u') AS is_constraint \
         FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = $1",
    )
    .bind(schema)
    .fetch_all(&pool)
    .await
    .unwrap();
    for index in &indexes {
        let table: String = index.get("tbl");
        if POSTGRES_ONLY.contains(&table.as_str()) {
            continue;
        }
        let columns: String = index.get("columns");
        if index.get::<bool, _>("is_primary") {
            facts.insert(format!("primary key {table} ({columns})"));
        } else if index.get::<bool, _>("is_constraint") {
            facts.insert(format!("unique {table} ({columns})"));
        } else {
            let unique = if index.get::<bool, _>("is_unique") { "unique " } else { "" };
            let name: String = index.get("name");
            facts.insert(format!("{unique}index {name} on {table} ({columns})"));
        }
    }
    let keys = sqlx::query(
        "SELECT t.relname::text AS tbl, r.relname::text AS target, \
                array_to_string(array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) \
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o), ', ') AS from_cols, \
                array_to_string(array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) \
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o), ', ') AS to_cols \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace WHERE c.contype = 'f' AND s.nspname = $1",
    )
    .bind(schema)
    .fetch_all(&pool)
    .await
    .unwrap();
    for k in &keys {
        facts.insert(format!(
            "foreign key {} ({}) references {} ({})",
            k.get::<String, _>("tbl"),
            k.get::<String, _>("from_cols"),
            k.get::<String, _>("target"),
            k.get::<String, _>("to_cols"),
        ));
    }
    let triggers = sqlx::query(
        "SELECT event_object_table::text AS tbl, event_manipulation::text AS event \
         FROM information_schema.triggers \
         WHERE trigger_schema = $1 AND action_timing = 'BEFORE' AND action_statement LIKE '%append_only%'",
    )
    .bind(schema)
    .fetch_all(&pool)
    .await
    .unwrap();
    for t in &triggers {
        facts.insert(format!(
            "{} refuses {}",
            t.get::<String, _>("tbl"),
            t.get::<String, _>("event")
        ));
    }
    pool.close().await;
    facts
}

#[tokio::test]
async fn both_databases_have_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.db");
    SqliteStore::open(&path).await.unwrap().close().await;
    let sqlite = sqlite_facts(&path).await;

    let schema = new_schema();
    let settings = PgSettings { pool_size: 1, schema: Some(schema.0.clone()) };
    let Some(store) = crate::postgres::open_or_skip(&settings).await else { return };
    store.close().await;
    let postgres = postgres_facts(&schema.0).await;

    // The comparison can fail: both sides describe every table.
    for table in ["events", "incidents", "users", "team_log", "audit_log", "schema_migrations"] {
        let prefix = format!("primary key {table} (");
        assert!(sqlite.iter().any(|f| f.starts_with(&prefix)), "SQLite: no {table}");
        assert!(postgres.iter().any(|f| f.starts_with(&prefix)), "PostgreSQL: no {table}");
    }
    assert!(sqlite.contains("events refuses UPDATE"), "{sqlite:#?}");
    let only_sqlite: Vec<&String> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<&String> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ:\nonly on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_postgres:#?}"
    );
}

#[tokio::test]
async fn postgres_versions_from_before_one_migration_source_are_renumbered_once() {
    let schema = new_schema();
    let settings = PgSettings { pool_size: 1, schema: Some(schema.0.clone()) };
    let Some(store) = crate::postgres::open_or_skip(&settings).await else { return };
    store.close().await;
    let options = PgConnectOptions::from_str(&server_url())
        .unwrap()
        .options([("search_path", schema.0.as_str())]);
    let pool = PgPoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
    // What a database migrated by the separate PostgreSQL migrations recorded: 1 to 9, and
    // none of what came after them (migration 11 on).
    sqlx::raw_sql(
        "DELETE FROM schema_migrations; \
         INSERT INTO schema_migrations (version, applied_at) SELECT v, 1000 + v FROM generate_series(1, 9) v; \
         DROP TABLE call_events; DROP FUNCTION call_events_are_append_only(); \
         DROP TABLE incident_index; DROP TABLE incident_terms; DROP INDEX incidents_by_status; \
         DROP TABLE shift_note_reads; DROP TABLE shift_notes; DROP FUNCTION shift_log_is_append_only(); \
         DROP TABLE follow_up_queue; DROP TABLE facilities; DROP TABLE place_tables; \
         DROP TABLE received_eidos",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Opening applies nothing of 1 to 10 again (it would fail: their tables exist), renumbers,
    // then applies what is newer.
    PgStore::open(&server_url(), &settings).await.unwrap().close().await;
    let versions: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, applied_at FROM schema_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    let renumbered: Vec<(i64, i64)> =
        (1..=10).map(|v| (v, if v <= 2 { 1001 } else { 1000 + v - 1 })).collect();
    assert_eq!(versions.get(..10), Some(renumbered.as_slice()));
    let newer: Vec<i64> = versions.iter().skip(10).map(|(v, _)| *v).collect();
    assert_eq!(newer, vec![11, 12, 13, 14, 15, 16, 17]);
    let expected = versions;
    // And a second open leaves the one numbering alone.
    PgStore::open(&server_url(), &settings).await.unwrap().close().await;
    let again: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, applied_at FROM schema_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(again, expected);
    pool.close().await;
}
