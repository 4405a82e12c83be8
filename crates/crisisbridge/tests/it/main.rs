//! The `crisisbridge` binary as a user runs it.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
// `Demo` waits for its child in `Drop`.
#![allow(clippy::zombie_processes)]

mod api_fuzz;
mod architecture;
mod cli;
mod console;
mod demo;
mod import;
mod places;
mod postgres;
mod postgres_auto_assign;
mod process;
mod roads;
mod simulate;
mod simulate_county;
