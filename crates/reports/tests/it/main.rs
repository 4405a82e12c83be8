//! The measures against SQL: the same events (and phone systems' call steps) written to a
//! SQLite table as the store writes them, each measure computed again by a query written from
//! docs/measures.md, compared with the tally on seeded synthetic histories.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod oracle;
mod oracle_calls;
mod synthetic;
