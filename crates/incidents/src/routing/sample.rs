//! Points spread over a location's shape, so that the share of the shape in each area can be
//! counted through the point index: the centre of a point; 49 points over a circle's disc
//! (the centre, then rings of 8, 16 and 24 at a third, two thirds and all of the radius); a
//! 12 × 12 grid over a polygon's bounding box, keeping the points inside it (a sliver no grid
//! point falls in is stood for by its vertices). Shares found this way are estimates, good to a
//! few percent — enough to tell "wholly inside" from "straddling", and to rank the candidates.

use domain::{GeoPoint, Location};
use jurisdiction::Area;

/// Metres in one degree of latitude.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// The sample points of `location`; none for an unknown location.
pub(crate) fn samples(location: &Location) -> Vec<GeoPoint> {
    match location {
        Location::Unknown => Vec::new(),
        Location::Circle { center, radius_m } => circle(*center, *radius_m),
        Location::Polygon(polygon) => {
            let ring: Vec<[f64; 2]> =
                polygon.vertices().iter().map(|v| [v.lon.degrees(), v.lat.degrees()]).collect();
            let mut closed = ring.clone();
            closed.extend(ring.first().copied());
            let area = Area {
                id: String::new(),
                name: String::new(),
                polygons: vec![jurisdiction::Polygon { exterior: closed, holes: Vec::new() }],
            };
            let [x0, y0, x1, y1] = area.bounds();
            let mut points = Vec::new();
            for i in 0..12 {
                for j in 0..12 {
                    let p = [
                        x0 + (f64::from(i) + 0.5) / 12.0 * (x1 - x0),
                        y0 + (f64::from(j) + 0.5) / 12.0 * (y1 - y0),
                    ];
                    if jurisdiction::reference::contains(&area, p) {
                        points.extend(GeoPoint::parse(p[1], p[0]).ok());
                    }
                }
            }
            if points.is_empty() {
                points.extend(polygon.vertices().iter().copied());
            }
            points
        }
    }
}

fn circle(center: GeoPoint, radius_m: f64) -> Vec<GeoPoint> {
    let mut points = vec![center];
    if radius_m > 0.0 {
        let lat = center.lat.degrees();
        let dlat = radius_m / METRES_PER_DEGREE;
        let dlon = radius_m / (METRES_PER_DEGREE * lat.to_radians().cos().max(0.01));
        for (ring, count) in [(1.0 / 3.0, 8), (2.0 / 3.0, 16), (1.0, 24)] {
            for k in 0..count {
                let angle = std::f64::consts::TAU * f64::from(k) / f64::from(count);
                let p = GeoPoint::parse(
                    lat + ring * dlat * angle.sin(),
                    center.lon.degrees() + ring * dlon * angle.cos(),
                );
                points.extend(p.ok());
            }
        }
    }
    points
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_point_is_one_sample_a_circle_49_and_unknown_none() {
        let c = GeoPoint::parse(38.97, -95.24).unwrap();
        assert_eq!(samples(&Location::circle(c, 0.0).unwrap()).len(), 1);
        assert_eq!(samples(&Location::circle(c, 500.0).unwrap()).len(), 49);
        assert!(samples(&Location::Unknown).is_empty());
    }

    #[test]
    fn a_polygon_is_sampled_inside_itself() {
        let p = |lat, lon| GeoPoint::parse(lat, lon).unwrap();
        let triangle =
            domain::Polygon::parse(vec![p(38.0, -96.0), p(38.0, -95.0), p(39.0, -96.0)]).unwrap();
        let points = samples(&Location::Polygon(triangle));
        // About half the 144 grid points fall in the triangle, and all of them below its
        // hypotenuse.
        assert!((60..=84).contains(&points.len()), "{}", points.len());
        assert!(points.iter().all(|q| q.lat.degrees() - 38.0 < -95.0 - q.lon.degrees() + 1e-9));
    }
}
