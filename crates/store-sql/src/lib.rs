//! Crisisbridge's SQL store: the [`store`] traits on SQLite (one file, the default) and on
//! PostgreSQL (several server nodes on one database).
//!
//! - [`SqliteStore`] (`sqlite`): WAL with `synchronous=FULL`, one event writer that
//!   group-commits, the team and audit writers on connections of their own, taking turns for
//!   SQLite's one write transaction.
//! - [`PgStore`] (`postgres`): the same writers on every node, serialized across nodes by the
//!   `log_head` row; LISTEN/NOTIFY brings every node's commits to every node's subscribers.
//!
//! What the two databases do alike is written once, in `shared/`, and compiled into each
//! backend's module against that backend's `dialect`: its sqlx types, how an id is bound and
//! read (text on SQLite, a native UUID on PostgreSQL), the width of `INTEGER`, byte-order
//! collation, the database's clock, and the few statements each writes its own way (bulk
//! inserts, the reads whose plans differ). Each backend keeps only what truly differs: its
//! writers' locks (SQLite's write turn; PostgreSQL's head rows) and PostgreSQL's listeners.
//! The schema has one source too (`migrations`).
//!
//! Architecture invariant: both pass the same conformance suite (`store::conformance_suite!`),
//! and `tests/it/schema.rs` finds any difference between their schemas.

// Each backend compiles the shared modules against its own dialect (see above).
#![allow(clippy::duplicate_mod, reason = "shared modules are compiled once per dialect")]

mod migrations;
mod postgres;
mod sqlite;

pub use postgres::{PgSettings, PgStore};
pub use sqlite::SqliteStore;
