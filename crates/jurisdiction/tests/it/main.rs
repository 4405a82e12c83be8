//! Jurisdictions: importing real boundary files, and the grid index against the reference
//! point-in-polygon test.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod import;
mod index;
mod index_file;

/// Where the real data sets live; `None` (with a loud message) when they are absent.
pub fn shared_data() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        .to_path_buf();
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("\n!!!!! SKIPPED: the shared data sets are not at {} !!!!!\n", dir.display());
        None
    }
}
