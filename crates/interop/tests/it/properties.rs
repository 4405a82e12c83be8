//! Property tests: polygons survive writing and reading; no input makes a parser panic; any
//! text a writer is handed still yields a valid document.

use interop::lost::{ErrorKind, LostError, parse_request, write_errors};
use interop::pidf::{
    BoundaryPolygon, parse_boundary_polygon, parse_presence, parse_shape, write_polygon,
};
use proptest::prelude::*;

use crate::check_against_grammar;

/// Twice the signed area, longitude as x: positive when counter-clockwise on a map. Written
/// here independently of the crate's own orientation code.
fn shoelace(ring: &[(f64, f64)]) -> f64 {
    let mut sum = 0.0;
    for i in 0..ring.len() {
        let (lat_a, lon_a) = ring[i];
        let (lat_b, lon_b) = ring[(i + 1) % ring.len()];
        sum += lon_a * lat_b - lon_b * lat_a;
    }
    sum
}

/// What the writer promises: the ring closed, the exterior counter-clockwise (reversed
/// unless its area is positive), holes clockwise (reversed if their area is positive).
/// Reversing the closed ring keeps its first vertex where the sender put it.
fn expected_ring(ring: &[(f64, f64)], exterior: bool) -> Vec<(f64, f64)> {
    let area = shoelace(ring);
    let mut closed = ring.to_vec();
    closed.push(ring[0]);
    if (exterior && area <= 0.0) || (!exterior && area > 0.0) {
        closed.reverse();
    }
    closed
}

fn vertex() -> impl Strategy<Value = (f64, f64)> {
    (-90.0f64..=90.0, -180.0f64..=180.0)
}

/// An open ring of distinct vertices.
fn ring() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec(vertex(), 3..40).prop_filter("distinct vertices", |r| {
        let mut sorted = r.clone();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        sorted.windows(2).all(|w| w[0] != w[1])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn written_polygons_read_back_to_the_same_coordinates(
        exterior in ring(),
        holes in prop::collection::vec(ring(), 0..3),
    ) {
        let polygon = BoundaryPolygon { exterior: exterior.clone(), holes: holes.clone() };
        let read = parse_boundary_polygon(write_polygon(&polygon).as_bytes()).unwrap();
        prop_assert_eq!(read.exterior, expected_ring(&exterior, true));
        let expected_holes: Vec<_> = holes.iter().map(|h| expected_ring(h, false)).collect();
        prop_assert_eq!(read.holes, expected_holes);
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_parser(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_request(&bytes);
        let _ = parse_shape(&bytes);
        let _ = parse_presence(&bytes);
    }

    #[test]
    fn edited_requests_never_panic_and_refusals_are_lost_errors(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        pick in 0usize..SEEDS.len(),
    ) {
        let mut bytes = SEEDS[pick].as_bytes().to_vec();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Err(e) = parse_request(&bytes) {
            prop_assert!(!e.message.is_empty());
        }
    }
}

/// Requests that reach deep into the parser, for byte edits to break in interesting ways.
const SEEDS: &[&str] = &[
    "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" xmlns:gml=\"http://www.opengis.net/gml\" recursive=\"true\">\
     <location id=\"a\" profile=\"geodetic-2d\"><gml:Polygon srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:exterior>\
     <gml:LinearRing><gml:posList>43.3 -73.4 43.1 -73.3 43.1 -73.2 43.3 -73.4</gml:posList></gml:LinearRing>\
     </gml:exterior></gml:Polygon></location><service>urn:service:sos</service>\
     <path><via source=\"a.example.org\"/></path></findService>",
    "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" xmlns:gs=\"http://www.opengis.net/pidflo/1.0\" \
     xmlns:gml=\"http://www.opengis.net/gml\"><location id=\"b\" profile=\"geodetic-2d\">\
     <gs:ArcBand srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>42.5 -73.2</gml:pos>\
     <gs:innerRadius uom=\"urn:ogc:def:uom:EPSG::9001\">1661</gs:innerRadius>\
     <gs:outerRadius uom=\"urn:ogc:def:uom:EPSG::9001\">2215</gs:outerRadius>\
     <gs:startAngle uom=\"urn:ogc:def:uom:EPSG::9102\">266</gs:startAngle>\
     <gs:openingAngle uom=\"urn:ogc:def:uom:EPSG::9102\">120</gs:openingAngle></gs:ArcBand></location></findService>",
    "<listServicesByLocation xmlns=\"urn:ietf:params:xml:ns:lost1\"><location id=\"c\" profile=\"civic\">\
     <civicAddress xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\"><country>US</country><A1>KS</A1>\
     </civicAddress></location><service>urn:service:counseling</service></listServicesByLocation>",
];

proptest! {
    // Each case starts xmllint; a few dozen cover the escaping paths.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_message_text_still_gives_a_valid_errors_document(message in any::<String>(), profile in "\\PC{0,12}") {
        let errors = [
            LostError::new(ErrorKind::BadRequest, message.clone()),
            LostError::new(ErrorKind::LocationProfileUnrecognized { unsupported_profiles: vec![profile] }, message),
        ];
        let xml = write_errors("lost.example.org", &errors);
        if let Some(result) = check_against_grammar(&xml) {
            prop_assert!(result.is_ok(), "{:?}\n{}", result, xml);
        }
    }
}
