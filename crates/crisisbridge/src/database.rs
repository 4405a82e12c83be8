//! Which database: chosen by URL, `sqlite://PATH` or `postgres://…`.

use std::sync::Arc;

use anyhow::{Context, bail};
use store::Store;
use store_postgres::{PgSettings, PgStore};
use store_sqlite::SqliteStore;

/// A checked database choice.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite { url: String },
    Postgres { url: String, settings: PgSettings },
}

impl Database {
    pub fn parse(url: &str, pool_size: u32, schema: Option<String>) -> anyhow::Result<Self> {
        if url.starts_with("sqlite://") {
            if schema.is_some() {
                bail!("database_schema applies to PostgreSQL only; remove it for {url:?}");
            }
            Ok(Self::Sqlite { url: url.to_owned() })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres { url: url.to_owned(), settings: PgSettings { pool_size, schema } })
        } else {
            bail!(
                "database URL {url:?} is not supported: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
            )
        }
    }

    /// A URL as given on the command line, with default settings.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        Self::parse(url, PgSettings::default().pool_size, None)
    }

    /// The URL without any password, for messages.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite { url } => url.clone(),
            Self::Postgres { url, .. } => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let user = url.get(scheme + 3..at).unwrap_or("");
                    let user = user.split(':').next().unwrap_or("");
                    format!(
                        "{}://{user}@{}",
                        url.get(..scheme).unwrap_or(""),
                        url.get(at + 1..).unwrap_or("")
                    )
                }
                _ => url.clone(),
            },
        }
    }

    /// Opens the store, creating and migrating the database as needed.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        Ok(match self {
            Self::Sqlite { url } => Arc::new(
                SqliteStore::open_url(url)
                    .await
                    .with_context(|| format!("opening the database {url}"))?,
            ),
            Self::Postgres { url, settings } => Arc::new(
                PgStore::open(url, settings).await.context("opening the PostgreSQL database")?,
            ),
        })
    }
}
