//! The SQL store on both databases: the shared conformance suite on each, what only a file or a
//! server can show, and the two schemas against each other.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod postgres;
mod schema;
mod sqlite;
