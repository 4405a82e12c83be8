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
    /// Edges are numbered from 1: edge n runs from vertex n to the next.
    #[error(
        "polygon edges {first} and {second} cross or touch (edge n runs from vertex n to the next); send a ring that does not cross itself, its vertices in order around the area"
    )]
    SelfCrossing { first: usize, second: usize },
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

    /// [`Polygon::parse`] for a shape arriving from outside (an API request, a PIDF-LO
    /// document): also refuses a ring whose edges cross or touch other than where they meet
    /// (a bow tie, a figure eight, a spike doubling back), because what such a ring encloses
    /// is in doubt. Stored polygons are read back with `parse`, so none stored earlier is
    /// lost.
    pub fn parse_simple(vertices: Vec<GeoPoint>) -> Result<Self, LocationError> {
        let polygon = Self::parse(vertices)?;
        match polygon.first_crossing() {
            Some((first, second)) => {
                Err(LocationError::SelfCrossing { first: first + 1, second: second + 1 })
            }
            None => Ok(polygon),
        }
    }

    pub fn vertices(&self) -> &[GeoPoint] {
        &self.0
    }

    /// The first pair of edges (by the index of their first vertex) that cross or touch
    /// other than at the vertex two neighbouring edges share. Repeated vertices in a row
    /// are one vertex. Every pair is tried: at most [`Polygon::MAX_VERTICES`]² / 2 tests.
    fn first_crossing(&self) -> Option<(usize, usize)> {
        // (x, y) = (lon, lat), each with its index in the ring as given.
        let mut ring: Vec<(usize, (f64, f64))> = Vec::with_capacity(self.0.len());
        for (i, v) in self.0.iter().enumerate() {
            let xy = (v.lon.degrees(), v.lat.degrees());
            if ring.last().is_none_or(|(_, last)| *last != xy) {
                ring.push((i, xy));
            }
        }
        while ring.len() > 1 && ring.first().map(|f| f.1) == ring.last().map(|l| l.1) {
            ring.pop();
        }
        let n = ring.len();
        let edge = |k: usize| {
            let (i, a) = ring.get(k).copied().unwrap_or_default();
            let (_, b) = ring.get((k + 1) % n).copied().unwrap_or_default();
            (i, a, b)
        };
        for k in 0..n {
            let (i, a, b) = edge(k);
            for m in k + 1..n {
                let (j, c, d) = edge(m);
                let crossing = if m == k + 1 {
                    doubles_back(a, b, d)
                } else if k == 0 && m == n - 1 {
                    doubles_back(c, d, b)
                } else {
                    segments_meet(a, b, c, d)
                };
                if crossing {
                    return Some((i, j));
                }
            }
        }
        None
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

type Xy = (f64, f64);

/// Twice the signed area of the triangle a, b, c: positive when it turns left.
fn orient(a: Xy, b: Xy, c: Xy) -> f64 {
    (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
}

/// Whether c, known to be on the line through a and b, lies within the segment a–b.
fn within(a: Xy, b: Xy, c: Xy) -> bool {
    a.0.min(b.0) <= c.0 && c.0 <= a.0.max(b.0) && a.1.min(b.1) <= c.1 && c.1 <= a.1.max(b.1)
}

/// Whether the segments a–b and c–d have any point in common.
fn segments_meet(a: Xy, b: Xy, c: Xy, d: Xy) -> bool {
    let (o1, o2, o3, o4) = (orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b));
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        return true;
    }
    (o1 == 0.0 && within(a, b, c))
        || (o2 == 0.0 && within(a, b, d))
        || (o3 == 0.0 && within(c, d, a))
        || (o4 == 0.0 && within(c, d, b))
}

/// Whether the edge b–c turns straight back along a–b (a spike of no width).
fn doubles_back(a: Xy, b: Xy, c: Xy) -> bool {
    orient(a, b, c) == 0.0 && (b.0 - a.0) * (c.0 - b.0) + (b.1 - a.1) * (c.1 - b.1) < 0.0
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

    #[test]
    fn a_ring_that_crosses_itself_is_refused_from_outside_and_still_read_back() {
        // A lopsided bow tie (a symmetric one encloses no area at all): edge 1 crosses 3.
        let bow_tie = vec![p(0.0, 0.0), p(2.0, 2.0), p(2.0, 0.0), p(0.0, 1.0)];
        assert_eq!(
            Polygon::parse_simple(bow_tie.clone()).unwrap_err(),
            LocationError::SelfCrossing { first: 1, second: 3 }
        );
        // Stored polygons go through `parse`, which keeps what was stored before the rule.
        assert!(Polygon::parse(bow_tie).is_ok());
        // Touching at a vertex (a figure eight pinched at one point) is refused too.
        let pinched =
            vec![p(0.0, 0.0), p(0.0, 2.0), p(1.0, 1.0), p(2.0, 2.0), p(2.0, 0.0), p(1.0, 1.0)];
        assert!(matches!(Polygon::parse_simple(pinched), Err(LocationError::SelfCrossing { .. })));
        // A spike doubling back along its own edge.
        let spike = vec![p(0.0, 0.0), p(0.0, 2.0), p(0.0, 1.0), p(1.0, 1.0)];
        assert!(matches!(Polygon::parse_simple(spike), Err(LocationError::SelfCrossing { .. })));
        // Simple rings pass: convex, concave, closed, with a repeated vertex, the last edge.
        let concave = vec![p(0.0, 0.0), p(0.0, 4.0), p(4.0, 4.0), p(1.0, 2.0), p(4.0, 0.0)];
        assert!(Polygon::parse_simple(concave).is_ok());
        let repeated = vec![p(0.0, 0.0), p(0.0, 1.0), p(0.0, 1.0), p(1.0, 1.0), p(0.0, 0.0)];
        assert!(Polygon::parse_simple(repeated).is_ok());
        // A crossing away from the first edge: edge 2 (east side) is crossed by edge 4.
        let folded = vec![p(0.0, 0.0), p(0.0, 4.0), p(4.0, 4.0), p(4.0, 0.0), p(2.0, 5.0)];
        assert_eq!(
            Polygon::parse_simple(folded).unwrap_err(),
            LocationError::SelfCrossing { first: 2, second: 4 }
        );
    }
}
