//! Test support (feature `grammar-check`): checking LoST documents against the RFC 5222 RELAX NG
//! grammar with `xmllint`, EIDOs against NENA's JSON schema ([`validate_eido`]), and reading
//! the published material in `../shared/specs`.
//!
//! This is the one part of the crate that does IO — it runs a program and reads files — and
//! it exists only for tests: ours, the server's and the binary's, so that every LoST document
//! and every EIDO any of them produces is checked by the same grammar in the same way.

use std::path::PathBuf;
use std::process::Command;

/// A file or folder under `../shared/specs` (beside the repository); `None`, with a loud
/// message, when the shared material is absent, as it is outside our machines and CI.
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

/// The bytes of [`shared_spec`]`(relative)`.
///
/// # Panics
/// When the file is there but cannot be read (a test failure).
#[allow(clippy::panic)]
pub fn read_spec(relative: &str) -> Option<Vec<u8>> {
    shared_spec(relative)
        .map(|p| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// Whether `xmllint` can run. Missing on CI (`CI` set) is a failure — the grammar checks are
/// part of the suite; elsewhere it skips loudly.
#[allow(clippy::panic)]
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

/// Runs `xmllint --relaxng LoST.rng` on the document: `Ok` when valid, `Err` with xmllint's
/// complaint otherwise, `None` when the check could not run (skipped loudly).
///
/// # Panics
/// When the temporary file cannot be written or xmllint cannot be started after all.
#[allow(clippy::panic, clippy::expect_used)]
pub fn check_against_grammar(xml: &str) -> Option<Result<(), String>> {
    let grammar = shared_spec("lost/rfc5222-relaxng/LoST.rng")?;
    if !xmllint_available() {
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::io::Write::write_all(&mut file, xml.as_bytes()).expect("writing the temporary file");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--relaxng")
        .arg(&grammar)
        .arg(file.path())
        .output()
        .expect("running xmllint");
    if output.status.success() {
        Some(Ok(()))
    } else {
        Some(Err(String::from_utf8_lossy(&output.stderr).into_owned()))
    }
}

/// Fails the test unless the document validates against RFC 5222's grammar (or the check was
/// skipped, loudly).
///
/// # Panics
/// When the document does not validate.
#[allow(clippy::panic)]
pub fn assert_valid_lost(xml: &str) {
    if let Some(Err(complaint)) = check_against_grammar(xml) {
        panic!("not valid against RFC 5222's grammar:\n{complaint}\n--- document ---\n{xml}");
    }
}

mod conveyance_schema;
mod eido_schema;

pub use conveyance_schema::{
    assert_valid as assert_valid_conveyance, validate as validate_conveyance,
};
pub use eido_schema::{EidoSchema, validate_against as validate_eido_against};

/// Validates an EIDO against NENA's schema, both the published NENA-STA-021.1b and the
/// NENA-STA-021.1.1 draft (see [`EidoSchema`]): `Ok` when it is valid against both, else
/// every error, each starting with the schema it came from. `None`, with a loud message,
/// when `../shared` is absent.
///
/// # Panics
/// When the schema files are there but cannot be read or compiled (a test failure).
pub fn validate_eido(eido: &serde_json::Value) -> Option<Result<(), Vec<String>>> {
    let mut errors = Vec::new();
    for schema in EidoSchema::ALL {
        if let Err(found) = validate_eido_against(schema, eido)? {
            errors.extend(found.into_iter().map(|e| format!("[{}] {e}", schema.label())));
        }
    }
    Some(if errors.is_empty() { Ok(()) } else { Err(errors) })
}

/// Fails the test unless the EIDO validates against NENA's schemas (or the check was
/// skipped, loudly).
///
/// # Panics
/// When the EIDO does not validate.
#[allow(clippy::panic)]
pub fn assert_valid_eido(eido: &serde_json::Value) {
    if let Some(Err(errors)) = validate_eido(eido) {
        panic!(
            "not valid against NENA's EIDO schema:\n{}\n--- EIDO ---\n{eido:#}",
            errors.join("\n")
        );
    }
}
