//! The audit key file: the keys that seal the audit trail and the event log
//! (`store::seal`), one `<id> <hex secret>` per line, kept outside the database.

use std::path::Path;

use anyhow::{Context, bail};
use store::seal::KeyRing;

/// Reads a key file.
pub fn read_keys(path: &Path) -> anyhow::Result<KeyRing> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the audit key file {}", path.display()))?;
    let ring = KeyRing::parse(&text)
        .map_err(|e| anyhow::anyhow!("audit key file {}: {e}", path.display()))?;
    if ring.is_empty() {
        bail!(
            "audit key file {} holds no key: make one with `crisisbridge audit new-key`",
            path.display()
        );
    }
    Ok(ring)
}

/// The keys of the file at `path`, or none without one.
pub fn ring(path: Option<&Path>) -> anyhow::Result<KeyRing> {
    path.map_or_else(|| Ok(KeyRing::default()), read_keys)
}
