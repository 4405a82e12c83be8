//! The `crisisbridge` binary as a user runs it.

mod cli;
mod demo;
mod process;
