//! Writing GML polygons for service boundaries.

use std::fmt::Write as _;

use super::error::EPSG_4326;
use super::shape::BoundaryPolygon;
use crate::ns;
use crate::xml::XmlWriter;

/// The polygon as a standalone `gml:Polygon` element (with its namespace declared): the
/// exterior in `gml:exterior`, each hole in a `gml:interior` (RFC 5964), every ring a
/// `gml:LinearRing` with a `gml:posList` of "lat lon" pairs in `urn:ogc:def:crs:EPSG::4326`.
///
/// Rings are closed if given open, and oriented as RFC 5491 and RFC 5964 ask: the exterior
/// counter-clockwise and holes clockwise, seen from above. Coordinates are written in
/// Rust's shortest round-trip decimal form, so reading them back gives the same `f64`s.
/// Rings must have at least three vertices and finite coordinates (as the jurisdiction
/// crate's validated areas do); GML has no way to write anything less.
pub fn write_polygon(polygon: &BoundaryPolygon) -> String {
    let mut w = XmlWriter::fragment();
    write_polygon_into(&mut w, polygon, true);
    w.finish()
}

/// Writes the polygon into a larger document; `declare_ns` adds `xmlns:gml` on the
/// element for documents that have not declared the `gml` prefix.
pub(crate) fn write_polygon_into(w: &mut XmlWriter, polygon: &BoundaryPolygon, declare_ns: bool) {
    let mut attributes = vec![("srsName", EPSG_4326)];
    if declare_ns {
        attributes.push(("xmlns:gml", ns::GML));
    }
    w.start("gml:Polygon", &attributes);
    write_ring(w, "gml:exterior", &polygon.exterior, true);
    for hole in &polygon.holes {
        write_ring(w, "gml:interior", hole, false);
    }
    w.end();
}

fn write_ring(w: &mut XmlWriter, boundary: &str, ring: &[(f64, f64)], counter_clockwise: bool) {
    let mut ring = ring.to_vec();
    if let Some(&first) = ring.first()
        && ring.len() > 1
        && ring.last() != Some(&first)
    {
        ring.push(first);
    }
    if (signed_area(&ring) > 0.0) != counter_clockwise {
        ring.reverse();
    }
    let mut list = String::with_capacity(ring.len() * 24);
    for (i, (lat, lon)) in ring.iter().enumerate() {
        if i > 0 {
            list.push(' ');
        }
        // Writing to a String cannot fail.
        let _ = write!(list, "{lat} {lon}");
    }
    w.start(boundary, &[]);
    w.start("gml:LinearRing", &[]);
    w.text_element("gml:posList", &[], &list);
    w.end();
    w.end();
}

/// Twice the signed area of a closed ring with longitude as x and latitude as y: positive
/// when the ring runs counter-clockwise on a map.
fn signed_area(ring: &[(f64, f64)]) -> f64 {
    ring.windows(2)
        .map(|pair| match pair {
            [(lat_a, lon_a), (lat_b, lon_b)] => lon_a * lat_b - lon_b * lat_a,
            _ => 0.0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_closed_rings_exterior_counter_clockwise_holes_clockwise() {
        // Exterior given clockwise and open; hole given counter-clockwise and closed.
        let polygon = BoundaryPolygon {
            exterior: vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
            holes: vec![vec![(0.25, 0.25), (0.25, 0.5), (0.5, 0.5), (0.25, 0.25)]],
        };
        assert_eq!(
            write_polygon(&polygon),
            "<gml:Polygon srsName=\"urn:ogc:def:crs:EPSG::4326\" xmlns:gml=\"http://www.opengis.net/gml\">\n  \
             <gml:exterior>\n    <gml:LinearRing>\n      \
             <gml:posList>0 0 0 1 1 1 1 0 0 0</gml:posList>\n    </gml:LinearRing>\n  </gml:exterior>\n  \
             <gml:interior>\n    <gml:LinearRing>\n      \
             <gml:posList>0.25 0.25 0.5 0.5 0.25 0.5 0.25 0.25</gml:posList>\n    </gml:LinearRing>\n  </gml:interior>\n\
             </gml:Polygon>\n"
        );
    }
}
