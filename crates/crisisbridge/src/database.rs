//! Which database: chosen by URL, `sqlite://PATH` or `postgres://…`.

use std::sync::Arc;

use anyhow::{Context, bail};
use store::Store;
use store_sql::SqliteStore;
use store_sql::{PgSettings, PgStore};

/// The environment variable naming the audit key file, for commands given `--database`.
pub const ENV_AUDIT_KEY_FILE: &str = "CRISISBRIDGE_AUDIT_KEY_FILE";

/// A checked database choice, and the key file that seals its audit records.
#[derive(Debug, Clone)]
pub struct Database {
    pub backend: Backend,
    /// Every process that writes audit records (the server, `user`, `import`) seals them with
    /// the current key of this file, so the trail verifies as one sealed chain.
    pub audit_keys: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite { url: String },
    Postgres { url: String, settings: PgSettings },
}

impl Database {
    pub fn parse(url: &str, pool_size: u32, schema: Option<String>) -> anyhow::Result<Self> {
        let audit_keys = std::env::var_os(ENV_AUDIT_KEY_FILE).map(std::path::PathBuf::from);
        let backend = if url.starts_with("sqlite://") {
            if schema.is_some() {
                bail!("database_schema applies to PostgreSQL only; remove it for {url:?}");
            }
            Backend::Sqlite { url: url.to_owned() }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres { url: url.to_owned(), settings: PgSettings { pool_size, schema } }
        } else {
            bail!(
                "database URL {url:?} is not supported: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
            )
        };
        Ok(Self { backend, audit_keys })
    }

    /// A URL as given on the command line, with default settings.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        Self::parse(url, PgSettings::default().pool_size, None)
    }

    /// The URL without any password, for messages.
    pub fn display(&self) -> String {
        match &self.backend {
            Backend::Sqlite { url } => url.clone(),
            Backend::Postgres { url, .. } => match (url.find("://"), url.rfind('@')) {
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

    /// Opens a database that must already exist: opening a SQLite URL creates the file, so a
    /// mistyped path would otherwise report on, verify or change an empty new database.
    pub async fn open_existing(&self) -> anyhow::Result<Arc<dyn Store>> {
        if let Backend::Sqlite { url } = &self.backend {
            let path = url.trim_start_matches("sqlite://");
            let path = path.split('?').next().unwrap_or(path);
            if !std::path::Path::new(path).exists() {
                bail!(
                    "the database {url} does not exist; check the path (`crisisbridge migrate` or `serve` create a new one)"
                );
            }
        }
        self.open().await
    }

    /// Opens the store, creating and migrating the database as needed, with its audit
    /// records sealed by the key file's current key when there is one.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        let keys = self.audit_keys.as_deref().map(crate::keys::read_keys).transpose()?;
        let store: Arc<dyn Store> = match &self.backend {
            Backend::Sqlite { url } => Arc::new(
                SqliteStore::open_url(url)
                    .await
                    .with_context(|| format!("opening the database {url}"))?,
            ),
            Backend::Postgres { url, settings } => Arc::new(
                PgStore::open(url, settings).await.context("opening the PostgreSQL database")?,
            ),
        };
        store.seal_with(keys.and_then(|ring| ring.current().cloned()));
        Ok(store)
    }
}
