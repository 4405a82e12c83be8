//! LoST and PIDF-LO against real material: the published vectors and PIDF-LO documents in
//! `../shared/specs`, the RFC 5222 grammar (through `xmllint`), and property tests.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod leniency;
mod pidf_documents;
mod properties;
mod requests;
mod responses;
mod vectors;

use std::path::PathBuf;
use std::process::Command;

/// A file or folder under `../shared/specs`; `None` (with a loud message) when the shared
/// material is absent, as it is outside our machines and CI.
pub fn shared_spec(relative: &str) -> Option<PathBuf> {
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/specs")).join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("\n!!!!! SKIPPED: {} is not there (no ../shared) !!!!!\n", path.display());
        None
    }
}

pub fn read_spec(relative: &str) -> Option<Vec<u8>> {
    shared_spec(relative)
        .map(|p| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// Whether `xmllint` can run. Missing on CI is a failure (the grammar checks are part of
/// the suite); elsewhere it skips loudly.
fn xmllint_available() -> bool {
    if Command::new("xmllint").arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "xmllint is not installed; run scripts/install-test-tools.sh (CI must validate LoST against RFC 5222)"
        );
    }
    eprintln!(
        "\n!!!!! SKIPPED: xmllint is not installed, LoST documents were not checked against the RFC 5222 grammar; run scripts/install-test-tools.sh !!!!!\n"
    );
    false
}

/// Runs `xmllint --relaxng LoST.rng` on the document: `Ok` when valid, `Err` with
/// xmllint's complaint otherwise, `None` when the check could not run (skipped loudly).
pub fn check_against_grammar(xml: &str) -> Option<Result<(), String>> {
    let grammar = shared_spec("lost/rfc5222-relaxng/LoST.rng")?;
    if !xmllint_available() {
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, xml.as_bytes()).unwrap();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--relaxng")
        .arg(&grammar)
        .arg(file.path())
        .output()
        .unwrap();
    if output.status.success() {
        Some(Ok(()))
    } else {
        Some(Err(String::from_utf8_lossy(&output.stderr).into_owned()))
    }
}

/// Fails the test unless the document validates (or the check was skipped).
pub fn assert_valid_lost(xml: &str) {
    if let Some(Err(complaint)) = check_against_grammar(xml) {
        panic!("not valid against RFC 5222's grammar:\n{complaint}\n--- document ---\n{xml}");
    }
}
