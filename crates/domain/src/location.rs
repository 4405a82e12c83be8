//! Where a person in crisis is, as far as anyone knows.
//!
//! The shapes follow PIDF-LO (RFC 5491): a point, a circle (a point with an uncertainty
//! radius), a polygon, or nothing known yet. Every coordinate is WGS84 and range-checked when
//! it is parsed, so a `Location` value is always one that a map and a lookup can use.

use std::fmt;

/// Why a coordinate or shape was refused. Messages say what was wrong and what is allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocationError {
    #[error("latitude {0} is out of range [-90, 90]")]
    LatitudeOutOfRange(f64),
    #[error("longitude {0} is out of range [-180, 180]")]
    LongitudeOutOfRange(f64),
    #[error("uncertainty radius {0} m is out of range [0, {max}] metres", max = Location::MAX_RADIUS_M)]
    RadiusOutOfRange(f64),
    #[error("polygon has {0} distinct vertices; at least 3 are needed")]
    TooFewVertices(usize),
    #[error("polygon has {0} vertices; at most {max} are allowed", max = Polygon::MAX_VERTICES)]
    TooManyVertices(usize),
    #[error("polygon encloses no area (its vertices are on one line)")]
    DegeneratePolygon,
}

/// Degrees north, in [-90, 90], finite.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
pub struct Latitude(f64);

impl Latitude {
    pub fn parse(degrees: f64) -> Result<Self, LocationError> {
        if degrees.is_finite() && (-90.0..=90.0).contains(&degrees) {
            Ok(Self(degrees))
        } else {
            Err(LocationError::LatitudeOutOfRange(degrees))
        }
    }

    pub const fn degrees(self) -> f64 {
        self.0
    }
}

/// Degrees east, in [-180, 180], finite.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
pub struct Longitude(f64);

impl Longitude {
    pub fn parse(degrees: f64) -> Result<Self, LocationError> {
        if degrees.is_finite() && (-180.0..=180.0).contains(&degrees) {
            Ok(Self(degrees))
        } else {
            Err(LocationError::LongitudeOutOfRange(degrees))
        }
    }

    pub const fn degrees(self) -> f64 {
        self.0
    }
}

impl fmt::Debug for Latitude {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Longitude {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A WGS84 position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: Latitude,
    pub lon: Longitude,
}

impl GeoPoint {
    pub fn parse(lat: f64, lon: f64) -> Result<Self, LocationError> {
        Ok(Self { lat: Latitude::parse(lat)?, lon: Longitude::parse(lon)? })
    }
}

/// A simple polygon: an open ring of at least three distinct vertices (the closing vertex is
/// implied), enclosing some area.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon(Vec<GeoPoint>);

impl Polygon {
    /// More vertices than any location shape a caller's handset or a CAD sends.
    pub const MAX_VERTICES: usize = 1000;

    /// Accepts a ring given closed (last == first) or open.
    pub fn parse(mut vertices: Vec<GeoPoint>) -> Result<Self, LocationError> {
        if vertices.len() > 1 && vertices.first() == vertices.last() {
            vertices.pop();
        }
        if vertices.len() > Self::MAX_VERTICES {
            return Err(LocationError::TooManyVertices(vertices.len()));
        }
        let mut distinct = vertices.clone();
        distinct.dedup();
        if distinct.len() < 3 {
            return Err(LocationError::TooFewVertices(distinct.len()));
        }
        let polygon = Self(vertices);
        if polygon.signed_area_deg2().abs() < 1e-14 {
            return Err(LocationError::DegeneratePolygon);
        }
        Ok(polygon)
    }

    pub fn vertices(&self) -> &[GeoPoint] {
        &self.0
    }

    /// Shoelace area in square degrees: only its sign and whether it is zero matter here.
    fn signed_area_deg2(&self) -> f64 {
        let next = self.0.iter().cycle().skip(1);
        self.0
            .iter()
            .zip(next)
            .map(|(a, b)| a.lon.degrees() * b.lat.degrees() - b.lon.degrees() * a.lat.degrees())
            .sum::<f64>()
            / 2.0
    }
}

/// What is known about where the person is.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// Nothing yet: a 988 contact before any location arrives, or a caller who cannot say.
    Unknown,
    /// A point, with the radius in metres within which the person is (PIDF-LO Circle);
    /// `radius_m` 0 means the source claims an exact point.
    Circle { center: GeoPoint, radius_m: f64 },
    /// An area (PIDF-LO Polygon), such as a cell sector.
    Polygon(Polygon),
}

impl Location {
    /// Larger than a rural cell sector; beyond it a "location" no longer narrows anything down.
    pub const MAX_RADIUS_M: f64 = 100_000.0;

    pub fn circle(center: GeoPoint, radius_m: f64) -> Result<Self, LocationError> {
        if radius_m.is_finite() && (0.0..=Self::MAX_RADIUS_M).contains(&radius_m) {
            Ok(Self::Circle { center, radius_m })
        } else {
            Err(LocationError::RadiusOutOfRange(radius_m))
        }
    }

    pub const fn is_known(&self) -> bool {
        !matches!(self, Self::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::parse(lat, lon).unwrap()
    }

    #[test]
    fn coordinates_are_range_checked_with_a_message_that_says_the_range() {
        assert_eq!(
            Latitude::parse(91.2).unwrap_err().to_string(),
            "latitude 91.2 is out of range [-90, 90]"
        );
        assert_eq!(
            Longitude::parse(-180.5).unwrap_err().to_string(),
            "longitude -180.5 is out of range [-180, 180]"
        );
        assert!(Latitude::parse(f64::NAN).is_err());
        assert!(Longitude::parse(f64::INFINITY).is_err());
        assert!(GeoPoint::parse(90.0, -180.0).is_ok());
    }

    #[test]
    fn circle_radius_must_be_finite_and_bounded() {
        let c = p(38.97, -95.24);
        assert!(Location::circle(c, 0.0).is_ok());
        assert!(Location::circle(c, 50.0).is_ok());
        assert_eq!(Location::circle(c, -1.0).unwrap_err(), LocationError::RadiusOutOfRange(-1.0));
        assert!(Location::circle(c, f64::NAN).is_err());
        assert!(Location::circle(c, 100_001.0).is_err());
    }

    #[test]
    fn polygon_accepts_open_or_closed_rings_and_rejects_degenerate_ones() {
        let open = vec![p(0.0, 0.0), p(0.0, 1.0), p(1.0, 1.0)];
        let mut closed = open.clone();
        closed.push(p(0.0, 0.0));
        assert_eq!(Polygon::parse(open).unwrap(), Polygon::parse(closed).unwrap());
        assert_eq!(
            Polygon::parse(vec![p(0.0, 0.0), p(0.0, 1.0), p(0.0, 0.0)]).unwrap_err(),
            LocationError::TooFewVertices(2)
        );
        assert_eq!(
            Polygon::parse(vec![p(0.0, 0.0), p(0.0, 1.0), p(0.0, 2.0)]).unwrap_err(),
            LocationError::DegeneratePolygon
        );
        let many = (0..1001).map(|i| p(f64::from(i) / 2000.0, 0.0)).collect();
        assert_eq!(Polygon::parse(many).unwrap_err(), LocationError::TooManyVertices(1001));
    }
}
