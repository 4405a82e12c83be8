//! Coordinates as the graph stores them, and the few distance formulas the crate needs.
//!
//! Positions are kept as integer 1e-7 degrees (OSM's own precision, about 1.1 cm), so a
//! graph file is compact, an exported edge list prints them exactly, and two inputs that name
//! the same point in different decimal spellings meet at one node.

/// Mean Earth radius (IUGG), the one the comparison scripts use too.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude on the mean sphere.
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// A position in 1e-7 degrees: `lat` in ±900,000,000 and `lon` in ±1,800,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E7 {
    pub lat: i32,
    pub lon: i32,
}

impl E7 {
    /// Rounds degrees to 1e-7; `None` when out of range or not finite.
    pub fn from_degrees(lat: f64, lon: f64) -> Option<Self> {
        if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
            return None;
        }
        // In range, so both fit an i32 (±1.8e9 < 2.147e9).
        #[allow(clippy::cast_possible_truncation)]
        Some(Self { lat: (lat * 1e7).round() as i32, lon: (lon * 1e7).round() as i32 })
    }

    pub fn is_valid(self) -> bool {
        self.lat.unsigned_abs() <= 900_000_000 && self.lon.unsigned_abs() <= 1_800_000_000
    }

    pub fn lat(self) -> f64 {
        f64::from(self.lat) * 1e-7
    }

    pub fn lon(self) -> f64 {
        f64::from(self.lon) * 1e-7
    }
}

/// Great-circle distance in metres (haversine), as the comparison scripts compute it.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = (p2 - p1, (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Distance between two stored positions, in metres.
pub fn e7_distance_m(a: E7, b: E7) -> f64 {
    haversine_m(a.lat(), a.lon(), b.lat(), b.lon())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_and_checks_ranges() {
        let p = E7::from_degrees(40.768_391_9, -73.981_717_3).unwrap();
        assert_eq!((p.lat, p.lon), (407_683_919, -739_817_173));
        assert!(E7::from_degrees(90.5, 0.0).is_none());
        assert!(E7::from_degrees(0.0, f64::NAN).is_none());
        assert!(E7::from_degrees(-90.0, 180.0).unwrap().is_valid());
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // One degree of latitude on the mean sphere.
        let d = haversine_m(0.0, 0.0, 1.0, 0.0);
        assert!((d - METRES_PER_DEGREE).abs() < 1e-6, "{d}");
        assert!(haversine_m(10.0, 10.0, 10.0, 10.0).abs() < 1e-9);
    }
}
