//! The incident service's tests: every command through the service itself, without HTTP,
//! over a real SQLite store in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod commands;
mod follow_ups;
mod gate;
mod handoff;
mod harness;
mod properties;
mod record;
mod transfers;
