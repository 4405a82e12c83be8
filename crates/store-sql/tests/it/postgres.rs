//! The PostgreSQL store against the shared conformance suite, each check in a schema of its
//! own on the server at `CRISISBRIDGE_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`).

mod multi_node;

use store_sql::{PgSettings, PgStore};

pub fn server_url() -> String {
    std::env::var("CRISISBRIDGE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Drops its schema when the test ends.
#[derive(Debug)]
pub struct Schema(pub String);

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (server_url(), self.0.clone());
        // A fresh thread with its own runtime: Drop cannot await, and the test's runtime may be
        // shutting down.
        let _ = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA IF EXISTS {name} CASCADE"
                    )))
                    .execute(&pool)
                    .await;
                }
            });
        })
        .join();
    }
}

pub fn new_schema() -> Schema {
    let id = uuid::Uuid::now_v7().simple().to_string();
    Schema(format!("t_{}", id.get(..24).unwrap()))
}

/// A fresh store in a new schema, or `None` (with a loud message) when no server answers.
pub async fn fresh() -> Option<(PgStore, Schema)> {
    let schema = new_schema();
    let settings = PgSettings { pool_size: 5, schema: Some(schema.0.clone()) };
    open_or_skip(&settings).await.map(|store| (store, schema))
}

/// The store `settings` open, or `None` (with a loud message) when no server answers.
pub async fn open_or_skip(settings: &PgSettings) -> Option<PgStore> {
    match PgStore::open(&server_url(), settings).await {
        Ok(store) => Some(store),
        Err(e) if e.to_string().contains("connecting to") => {
            eprintln!(
                "\n!!!!! SKIPPED: no PostgreSQL server answers at {} ({e}). Start one to run the PostgreSQL tests. !!!!!\n",
                server_url()
            );
            None
        }
        Err(e) => panic!("opening the PostgreSQL store failed: {e}"),
    }
}

mod conformance {
    use super::fresh;

    store::conformance_suite!(match fresh().await {
        Some(pair) => pair,
        None => return,
    });
}
