//! Triage protocols: parsing errors, the checker's verdicts with counterexamples, decision
//! traces, and properties of evaluation.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod check;
mod evaluate;
mod parse;
mod properties;

use std::path::{Path, PathBuf};

use triage::Protocol;

pub fn protocols_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/protocols")
}

pub fn load(path: &Path) -> Protocol {
    let text = std::fs::read_to_string(path).unwrap();
    Protocol::parse(&path.file_name().unwrap().to_string_lossy(), &text).unwrap()
}

pub fn sample() -> Protocol {
    load(&protocols_dir().join("sample.toml"))
}
