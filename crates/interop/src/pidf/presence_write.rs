//! Writing a PIDF-LO presence document (RFC 4119, shapes of RFC 5491) for one location, as
//! EIDO's `locationByValue` carries it.

use domain::Location;

use super::error::{EPSG_4326, UOM_METRE};
use super::gml_write::write_polygon_into;
use super::shape::BoundaryPolygon;
use crate::ns;
use crate::xml::XmlWriter;

/// The GEOPRIV basic policy namespace (RFC 4119 §2.2.2 as updated by RFC 5491 §3.1).
const BASIC_POLICY: &str = "urn:ietf:params:xml:ns:pidf:geopriv10:basicPolicy";
/// PIDF (RFC 3863).
const PIDF: &str = "urn:ietf:params:xml:ns:pidf";

/// What a presence document says besides the shape.
#[derive(Debug, Clone, Copy)]
pub struct Presentity<'a> {
    /// The `pres:` URI of whom the location is about (RFC 4119 `entity`).
    pub entity: &'a str,
    /// The tuple's `id`: an XML ID (a letter first, then letters, digits, `-`, `_`, `.`).
    pub tuple_id: &'a str,
    /// When the location was last known to be right, as `xs:dateTime`.
    pub timestamp: Option<&'a str>,
}

/// The presence document for `location`, or `None` for [`Location::Unknown`], which PIDF-LO
/// has no way to say (a presence without `location-info` claims nothing).
///
/// Shapes, as RFC 5491 profiles them: a circle of radius 0 is a `gml:Point` (the domain
/// reads a point back as exactly that), a circle a `gs:Circle` with its radius in metres, a
/// polygon a `gml:Polygon` with only an exterior ring, counter-clockwise (RFC 5491 §5.2.2).
/// Retransmission is allowed: the document goes to emergency services, who pass the
/// location on to the responders they send.
pub fn write_presence(location: &Location, who: Presentity<'_>) -> Option<String> {
    if !location.is_known() {
        return None;
    }
    let mut w = XmlWriter::document();
    w.start(
        "presence",
        &[
            ("xmlns", PIDF),
            ("xmlns:gp", ns::GEOPRIV),
            ("xmlns:gbp", BASIC_POLICY),
            ("xmlns:gml", ns::GML),
            ("xmlns:gs", ns::PIDFLO),
            ("entity", who.entity),
        ],
    );
    w.start("tuple", &[("id", who.tuple_id)]);
    w.start("status", &[]);
    w.start("gp:geopriv", &[]);
    w.start("gp:location-info", &[]);
    write_location(&mut w, location);
    w.end();
    w.start("gp:usage-rules", &[]);
    w.text_element("gbp:retransmission-allowed", &[], "true");
    w.end();
    w.end();
    w.end();
    if let Some(timestamp) = who.timestamp {
        w.text_element("timestamp", &[], timestamp);
    }
    Some(w.finish())
}

fn write_location(w: &mut XmlWriter, location: &Location) {
    let pos = |lat: f64, lon: f64| format!("{lat} {lon}");
    match location {
        Location::Unknown => {}
        Location::Circle { center, radius_m } if *radius_m <= 0.0 => {
            w.start("gml:Point", &[("srsName", EPSG_4326)]);
            w.text_element("gml:pos", &[], &pos(center.lat.degrees(), center.lon.degrees()));
            w.end();
        }
        Location::Circle { center, radius_m } => {
            w.start("gs:Circle", &[("srsName", EPSG_4326)]);
            w.text_element("gml:pos", &[], &pos(center.lat.degrees(), center.lon.degrees()));
            w.text_element("gs:radius", &[("uom", UOM_METRE)], &radius_m.to_string());
            w.end();
        }
        Location::Polygon(polygon) => {
            let exterior =
                polygon.vertices().iter().map(|v| (v.lat.degrees(), v.lon.degrees())).collect();
            write_polygon_into(w, &BoundaryPolygon { exterior, holes: Vec::new() }, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::{GeoPoint, Polygon};

    use super::*;
    use crate::pidf::{LocationValue, Shape, parse_presence};

    const WHO: Presentity<'static> =
        Presentity { entity: "pres:caller@example.org", tuple_id: "t1", timestamp: None };

    fn read_back(location: &Location) -> Location {
        let xml = write_presence(location, WHO).unwrap();
        match parse_presence(xml.as_bytes()).unwrap().as_slice() {
            [LocationValue::Geodetic(shape)] => shape.to_location().unwrap(),
            other => panic!("{other:?} in\n{xml}"),
        }
    }

    #[test]
    fn every_known_location_reads_back_unchanged() {
        let p = |lat, lon| GeoPoint::parse(lat, lon).unwrap();
        let counter_clockwise =
            Polygon::parse(vec![p(38.9, -95.3), p(38.9, -95.2), p(39.0, -95.2), p(39.0, -95.3)])
                .unwrap();
        for location in [
            Location::circle(p(38.971_94, -95.235_44), 0.0).unwrap(),
            Location::circle(p(38.971_94, -95.235_44), 35.5).unwrap(),
            Location::Polygon(counter_clockwise),
        ] {
            assert_eq!(read_back(&location), location);
        }
    }

    #[test]
    fn a_point_is_a_gml_point_and_unknown_writes_nothing() {
        let point = Location::circle(GeoPoint::parse(1.5, 2.5).unwrap(), 0.0).unwrap();
        let xml = write_presence(&point, WHO).unwrap();
        assert!(xml.contains("<gml:Point srsName=\"urn:ogc:def:crs:EPSG::4326\">"), "{xml}");
        let shapes = parse_presence(xml.as_bytes()).unwrap();
        assert_eq!(shapes, [LocationValue::Geodetic(Shape::Point { lat: 1.5, lon: 2.5 })]);
        assert_eq!(write_presence(&Location::Unknown, WHO), None);
    }
}
