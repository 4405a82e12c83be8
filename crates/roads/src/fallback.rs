//! The travel time to use when there is no road network: straight-line distance times a
//! detour factor, at a fixed speed. Callers must say that an ETA is an estimate of this kind.
//!
//! - [`DETOUR_FACTOR`] 1.417: the mean ratio of driving distance to straight-line distance
//!   that Boscoe, Henry and Zdeb measured across the United States ("A Nationwide
//!   Comparison of Driving Distance Versus Straight-Line Distance to Hospitals", The
//!   Professional Geographer 64(2), 2012).
//! - [`FALLBACK_KMH`] 40 km/h: our own assumption of an urban driving speed including stops
//!   (no lights and sirens: mobile crisis teams drive with traffic); between the 30 km/h of
//!   residential streets and the 50–60 km/h of arterials in the travel-time model.

use domain::GeoPoint;

use crate::geo::haversine_m;

pub const DETOUR_FACTOR: f64 = 1.417;
pub const FALLBACK_KMH: f64 = 40.0;

/// Estimated driving seconds from `from` to `to` without a road network.
pub fn fallback_seconds(from: GeoPoint, to: GeoPoint) -> f64 {
    let metres =
        haversine_m(from.lat.degrees(), from.lon.degrees(), to.lat.degrees(), to.lon.degrees());
    metres * DETOUR_FACTOR / (FALLBACK_KMH / 3.6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_kilometre_north() {
        let a = GeoPoint::parse(40.0, -74.0).unwrap();
        let b = GeoPoint::parse(40.0 + 1000.0 / crate::geo::METRES_PER_DEGREE, -74.0).unwrap();
        // 1 km × 1.417 at 40 km/h = 127.53 s
        assert!((fallback_seconds(a, b) - 127.53).abs() < 0.01, "{}", fallback_seconds(a, b));
        assert_eq!(fallback_seconds(a, a), 0.0);
    }
}
