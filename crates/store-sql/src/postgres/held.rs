//! The connection a writer holds between batches: taken from the pool when first needed, and
//! given up after a failure (it may be broken), so the next batch takes a fresh one.

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use store::{Result, StoreError};

use super::db_err;

#[derive(Debug)]
pub(crate) struct HeldConnection {
    pool: PgPool,
    conn: Option<PoolConnection<Postgres>>,
}

impl HeldConnection {
    pub(crate) fn new(pool: &PgPool) -> Self {
        Self { pool: pool.clone(), conn: None }
    }

    /// Holds a connection from the start, so that a node that cannot get one fails to open.
    pub(crate) async fn taken(pool: &PgPool) -> Result<Self> {
        let conn = pool.acquire().await.map_err(db_err)?;
        Ok(Self { pool: pool.clone(), conn: Some(conn) })
    }

    pub(crate) async fn get(&mut self) -> Result<&mut PgConnection> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await.map_err(db_err)?);
        }
        self.conn.as_deref_mut().ok_or_else(|| StoreError::Database("no connection".into()))
    }

    /// Gives the connection up after a failure.
    pub(crate) fn release(&mut self) {
        self.conn = None;
    }
}
