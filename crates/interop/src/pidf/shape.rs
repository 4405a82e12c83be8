//! The 2-D PIDF-LO shapes (RFC 5491 §5.2) and their conversion to a [`domain::Location`].

use domain::{GeoPoint, Location, Polygon};

use super::approximate::{self, ARC_STEP_DEG, ELLIPSE_VERTICES};
use super::error::ShapeError;

/// A geodetic 2-D location shape. Coordinates are WGS 84 degrees, lengths metres, angles
/// degrees clockwise from north — the units RFC 5491 prescribes.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `gml:Point`: a position with no stated uncertainty.
    Point { lat: f64, lon: f64 },
    /// `gs:Circle`: the person is within `radius_m` of the centre.
    Circle { lat: f64, lon: f64, radius_m: f64 },
    /// `gs:Ellipse`: `orientation_deg` is the direction of the semi-major axis.
    Ellipse { lat: f64, lon: f64, semi_major_m: f64, semi_minor_m: f64, orientation_deg: f64 },
    /// `gs:ArcBand`: the band between two radii, from `start_angle_deg` clockwise through
    /// `opening_angle_deg` (a cell sector with a timing-advance range).
    ArcBand {
        lat: f64,
        lon: f64,
        inner_radius_m: f64,
        outer_radius_m: f64,
        start_angle_deg: f64,
        opening_angle_deg: f64,
    },
    /// `gml:Polygon`: the exterior ring as (lat, lon), stored closed (last == first).
    Polygon { exterior: Vec<(f64, f64)> },
}

impl Shape {
    /// The domain location for this shape:
    ///
    /// - Point → [`Location::Circle`] with radius 0; Circle → Circle; Polygon → Polygon.
    /// - Ellipse → a [`Location::Polygon`] of 64 vertices that *contains* the ellipse: its
    ///   edges are tangent to it, so it exceeds the ellipse by at most
    ///   `1/cos(π/64) − 1` ≈ 0.12 % of the semi-major axis (1.2 m for a 1 km ellipse).
    /// - ArcBand → a polygon that contains the band: the outer arc is split into segments of
    ///   at most 5.625° whose edges are tangent to it (at most 0.12 % of the outer radius
    ///   beyond it), the inner arc is followed by chords (which only add area), and a zero
    ///   inner radius closes the sector at the centre; a band all the way round (360°) is the
    ///   disc of its outer radius, since one ring cannot hold its hole. At most 130 vertices.
    ///
    /// Vertices are placed at their distance and bearing from the centre on the WGS 84
    /// ellipsoid (Vincenty's direct formula, millimetre-exact), so the polygon does not
    /// distort with latitude. Enclosing rather than inscribing polygons are used because an
    /// uncertainty region that shrinks could leave out where the person actually is.
    ///
    /// Refused: coordinates or lengths out of range (the domain limits radii and semi-axes
    /// to [`Location::MAX_RADIUS_M`]), polygons the domain refuses (fewer than 3 distinct
    /// vertices, more than [`Polygon::MAX_VERTICES`], no area), and shapes that reach across
    /// the antimeridian or a pole.
    pub fn to_location(&self) -> Result<Location, ShapeError> {
        match *self {
            Self::Point { lat, lon } => Ok(Location::circle(GeoPoint::parse(lat, lon)?, 0.0)?),
            Self::Circle { lat, lon, radius_m } => {
                Ok(Location::circle(GeoPoint::parse(lat, lon)?, radius_m)?)
            }
            Self::Ellipse { lat, lon, semi_major_m, semi_minor_m, orientation_deg } => {
                let center = GeoPoint::parse(lat, lon)?;
                for axis in [semi_major_m, semi_minor_m] {
                    check_length(axis)?;
                }
                let ring =
                    approximate::ellipse(center, semi_major_m, semi_minor_m, orientation_deg)?;
                polygon(&ring)
            }
            Self::ArcBand {
                lat,
                lon,
                inner_radius_m,
                outer_radius_m,
                start_angle_deg,
                opening_angle_deg,
            } => {
                let center = GeoPoint::parse(lat, lon)?;
                check_length(inner_radius_m)?;
                check_length(outer_radius_m)?;
                let ring = approximate::arc_band(
                    center,
                    inner_radius_m,
                    outer_radius_m,
                    start_angle_deg,
                    opening_angle_deg,
                )?;
                polygon(&ring)
            }
            Self::Polygon { ref exterior } => {
                let vertices = exterior
                    .iter()
                    .map(|&(lat, lon)| GeoPoint::parse(lat, lon))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Location::Polygon(Polygon::parse_simple(vertices)?))
            }
        }
    }

    /// How many vertices [`Shape::to_location`] gives an ellipse, and the largest angular
    /// step along an arc band's arcs, for callers that document or test the approximation.
    pub const ELLIPSE_VERTICES: usize = ELLIPSE_VERTICES;
    pub const ARC_STEP_DEG: f64 = ARC_STEP_DEG;
}

fn check_length(metres: f64) -> Result<(), ShapeError> {
    if metres.is_finite() && (0.0..=Location::MAX_RADIUS_M).contains(&metres) {
        Ok(())
    } else {
        Err(domain::LocationError::RadiusOutOfRange(metres).into())
    }
}

/// The polygon of a ring this module generated (simple by construction).
fn polygon(ring: &[(f64, f64)]) -> Result<Location, ShapeError> {
    let vertices =
        ring.iter().map(|&(lat, lon)| GeoPoint::parse(lat, lon)).collect::<Result<Vec<_>, _>>()?;
    Ok(Location::Polygon(Polygon::parse(vertices)?))
}

/// A GML polygon with holes (RFC 5964), as used for LoST service boundaries: each ring is a
/// list of (lat, lon). Rings may be given open or closed; writers close them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoundaryPolygon {
    pub exterior: Vec<(f64, f64)>,
    pub holes: Vec<Vec<(f64, f64)>>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use domain::LocationError;

    #[test]
    fn point_and_circle_become_circles() {
        let point = Shape::Point { lat: 37.775, lon: -122.422 }.to_location().unwrap();
        let Location::Circle { center, radius_m } = point else { panic!("{point:?}") };
        assert_eq!((center.lat.degrees(), center.lon.degrees(), radius_m), (37.775, -122.422, 0.0));
        let circle =
            Shape::Circle { lat: 42.5463, lon: -73.2512, radius_m: 850.24 }.to_location().unwrap();
        assert!(matches!(circle, Location::Circle { radius_m, .. } if radius_m == 850.24));
    }

    #[test]
    fn out_of_range_values_are_refused_with_the_domain_message() {
        let e = Shape::Circle { lat: 0.0, lon: 0.0, radius_m: 200_000.0 }.to_location();
        assert_eq!(
            e.unwrap_err(),
            ShapeError::Location(LocationError::RadiusOutOfRange(200_000.0))
        );
        let e = Shape::Point { lat: 91.0, lon: 0.0 }.to_location().unwrap_err();
        assert_eq!(e.to_string(), "latitude 91 is out of range [-90, 90]");
        let e = Shape::Ellipse {
            lat: 0.0,
            lon: 0.0,
            semi_major_m: f64::NAN,
            semi_minor_m: 1.0,
            orientation_deg: 0.0,
        };
        assert!(matches!(e.to_location(), Err(ShapeError::Location(_))));
    }

    #[test]
    fn polygon_goes_through_the_domain_checks() {
        let square = vec![(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)];
        let Location::Polygon(p) = (Shape::Polygon { exterior: square }).to_location().unwrap()
        else {
            panic!()
        };
        assert_eq!(p.vertices().len(), 4);
        let line = vec![(0.0, 0.0), (0.0, 1.0), (0.0, 2.0), (0.0, 0.0)];
        assert_eq!(
            Shape::Polygon { exterior: line }.to_location().unwrap_err(),
            ShapeError::Location(LocationError::DegeneratePolygon)
        );
    }
}
