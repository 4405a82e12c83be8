//! The LoST vectors of `../shared/specs/lost/vectors`, each read and checked field by field.

use interop::lost::{
    BoundaryMode, CivicAddress, ErrorKind, FindService, LocationValue, LostError, Request,
    parse_request, write_errors,
};
use interop::pidf::{Shape, parse_shape};

use crate::{assert_valid_lost, check_against_grammar, read_spec};

const VECTORS: &str = "lost/vectors";

fn vector(name: &str) -> Option<Vec<u8>> {
    read_spec(&format!("{VECTORS}/{name}"))
}

fn find_service(bytes: &[u8]) -> FindService {
    match parse_request(bytes) {
        Ok(Request::FindService(f)) => f,
        other => panic!("expected findService, got {other:?}"),
    }
}

#[test]
fn rfc5222_geodetic_point_find_service() {
    let Some(bytes) = vector("rfc5222-s8.2.1-findService-geodetic-point.xml") else { return };
    let f = find_service(&bytes);
    assert_eq!(f.location.id, "6020688f1ce1896d");
    assert_eq!(f.location.profile, "geodetic-2d");
    assert_eq!(
        f.location.value,
        LocationValue::Geodetic(Shape::Point { lat: 37.775, lon: -122.422 })
    );
    assert_eq!(f.service.as_deref(), Some("urn:service:sos.police"));
    assert_eq!(f.boundary, BoundaryMode::Value);
    assert!(f.recursive);
    assert!(!f.validate_location);
    assert!(f.path.is_empty());
}

#[test]
fn rfc5222_civic_find_service() {
    let Some(bytes) = vector("rfc5222-s8.2.2-findService-civic.xml") else { return };
    let f = find_service(&bytes);
    assert_eq!(f.location.id, "627b8bf819d0bad4d");
    assert_eq!(f.location.profile, "civic");
    let LocationValue::Civic(address) = &f.location.value else { panic!("{:?}", f.location) };
    let expected: Vec<(String, String)> = [
        ("country", "Germany"),
        ("A1", "Bavaria"),
        ("A3", "Munich"),
        ("A6", "Otto-Hahn-Ring"),
        ("HNO", "6"),
        ("PC", "81675"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(address, &CivicAddress { elements: expected });
    assert_eq!(address.get("A3"), Some("Munich"));
    assert_eq!(address.get("A2"), None);
    assert_eq!(f.boundary, BoundaryMode::Value);
    assert!(f.recursive);
}

#[test]
fn rfc5491_circle_fragment() {
    let Some(bytes) = vector("rfc5491-circle-fragment.xml") else { return };
    let shape = parse_shape(&bytes).unwrap();
    assert_eq!(shape, Shape::Circle { lat: 42.5463, lon: -73.2512, radius_m: 850.24 });
    assert!(shape.to_location().is_ok());
}

#[test]
fn rfc5491_arc_band_fragment() {
    let Some(bytes) = vector("rfc5491-arcband-fragment.xml") else { return };
    let shape = parse_shape(&bytes).unwrap();
    assert_eq!(
        shape,
        Shape::ArcBand {
            lat: 42.5463,
            lon: -73.2512,
            inner_radius_m: 1661.55,
            outer_radius_m: 2215.4,
            start_angle_deg: 266.0,
            opening_angle_deg: 120.0,
        }
    );
    let domain::Location::Polygon(polygon) = shape.to_location().unwrap() else { panic!() };
    // 120° in steps of at most 5.625°: 22 segments, 23 vertices on each arc.
    assert_eq!(polygon.vertices().len(), 46);
}

#[test]
fn errors_loop_vector_is_a_response_and_our_writer_produces_the_same_document() {
    let Some(bytes) = vector("nena-lostExt-errors-loop.xml") else { return };
    let refused = parse_request(&bytes).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::BadRequest);
    assert_eq!(
        refused.message,
        "<errors> is a LoST response; send a request (findService, listServices, listServicesByLocation or getServiceBoundary)"
    );
    let ours = write_errors(
        "ecrf-lvf.example.com",
        &[LostError::new(ErrorKind::Loop, "Server already present in path.")],
    );
    let normalize = |s: &str| {
        let s = s.split_once("?>").map_or(s, |(_, rest)| rest);
        s.split_whitespace().collect::<Vec<_>>().join(" ").replace("> <", "><")
    };
    assert_eq!(normalize(&ours), normalize(&String::from_utf8(bytes).unwrap()));
    assert_valid_lost(&ours);
}

#[test]
fn every_lost_vector_is_valid_against_the_grammar_so_the_harness_accepts_valid_documents() {
    for name in [
        "rfc5222-s8.2.1-findService-geodetic-point.xml",
        "rfc5222-s8.2.2-findService-civic.xml",
        "nena-lostExt-errors-loop.xml",
    ] {
        let Some(bytes) = vector(name) else { return };
        assert_valid_lost(std::str::from_utf8(&bytes).unwrap());
    }
}

#[test]
fn the_grammar_check_rejects_an_invalid_document() {
    // Two <badRequest> in one container: the grammar allows each kind once.
    let invalid = "<errors xmlns=\"urn:ietf:params:xml:ns:lost1\" source=\"a.example\">\
                   <badRequest/><badRequest/></errors>";
    if let Some(result) = check_against_grammar(invalid) {
        assert!(result.is_err(), "xmllint accepted an invalid document");
    }
}
