//! Roads: importing the real extracts, the hierarchy against plain Dijkstra, snapping against
//! a split-graph reference, and the graph file.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod file;
mod import;
mod matrix;
mod query;
mod snap;

pub use roads::testing::{Rng, helsinki, shared_data, shared_file};
