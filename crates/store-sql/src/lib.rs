//! Crisisbridge's SQL store: the [`store`] traits on SQLite (one file, the default) and on
//! PostgreSQL (several server nodes on one database).
//!
//! - [`SqliteStore`] (`sqlite`): WAL with `synchronous=FULL`, one event writer that
//!   group-commits, the team and audit writers on connections of their own, taking turns for
//!   SQLite's one write transaction.
//! - [`PgStore`] (`postgres`): the same writers on every node, serialized across nodes by the
//!   `log_head` row; LISTEN/NOTIFY brings every node's commits to every node's subscribers.
//!
//! Architecture invariant: both pass the same conformance suite (`store::conformance_suite!`).

mod migrations;
mod postgres;
mod sqlite;

pub use postgres::{PgSettings, PgStore};
pub use sqlite::SqliteStore;
