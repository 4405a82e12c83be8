//! Dispatch: team lifecycles, GPS fixes, travel times against the roads reference, and
//! recommendations end to end.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod fixes;
mod lifecycle;
mod recommend;
mod travel;

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

pub use roads::testing::{Rng, helsinki, shared_file};
