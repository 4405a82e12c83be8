//! Every writer's output checked against RFC 5222's grammar, with snapshots of the wire
//! format for review.

use interop::lost::{
    Boundary, BoundaryPolygon, ErrorKind, Expires, LocationValidation, LostError, Mapping,
    write_errors, write_find_service_response, write_get_service_boundary_response,
    write_list_services_by_location_response, write_list_services_response,
};

use crate::assert_valid_lost;

const SOURCE: &str = "lost.crisisbridge.example.org";

fn path() -> Vec<String> {
    vec!["esrp.example.org".into(), SOURCE.into()]
}

/// Douglas County, KS, roughly — with a hole — and a second, separate square.
fn polygons() -> Vec<BoundaryPolygon> {
    vec![
        BoundaryPolygon {
            exterior: vec![(38.73, -95.50), (38.73, -95.06), (39.03, -95.06), (39.03, -95.50)],
            holes: vec![vec![(38.9, -95.3), (38.95, -95.3), (38.95, -95.2), (38.9, -95.2)]],
        },
        BoundaryPolygon {
            exterior: vec![
                (38.0, -96.0),
                (38.1, -96.0),
                (38.1, -95.9),
                (38.0, -95.9),
                (38.0, -96.0),
            ],
            holes: vec![],
        },
    ]
}

fn mapping(boundary: Option<Boundary>) -> Mapping {
    Mapping {
        display_names: vec![
            ("en".into(), "Douglas County Emergency Communications".into()),
            ("es".into(), "Comunicaciones de Emergencia & \"Despacho\"".into()),
        ],
        service: "urn:service:sos".into(),
        boundary,
        uris: vec!["sip:psap@douglas.example.org".into(), "xmpp:psap@douglas.example.org".into()],
        service_number: Some("911".into()),
        expires: Expires::At(1_796_154_776_000),
        last_updated_ms: 1_767_225_600_000,
        source: SOURCE.into(),
        source_id: "7e3f40b098c711dbb6060800200c9a66".into(),
        message: Some("Routed by\ncounty boundary".into()),
    }
}

#[test]
fn find_service_response_with_boundary_by_value() {
    let xml = write_find_service_response(
        &[mapping(Some(Boundary::Value(polygons())))],
        None,
        &[],
        SOURCE,
        &path(),
        Some("6020688f1ce1896d"),
    );
    assert_valid_lost(&xml);
    insta::assert_snapshot!("find_service_by_value", xml);
}

#[test]
fn find_service_response_by_reference_with_validation_and_warnings() {
    let mut second =
        mapping(Some(Boundary::Reference { source: SOURCE.into(), key: "douglas-ks-988".into() }));
    second.service = "urn:service:counseling.suicide".into();
    second.expires = Expires::NoCache;
    second.service_number = Some("988".into());
    let mut third = mapping(None);
    third.expires = Expires::NoExpiration;
    third.message = None;
    third.display_names.clear();
    third.service_number = Some("not a number".into());
    let validation = LocationValidation {
        valid: vec!["country".into(), "A1".into(), "A3".into()],
        invalid: vec!["HNO".into()],
        unchecked: vec!["PC".into(), "not a name".into()],
    };
    let warnings = [
        LostError::new(
            ErrorKind::ServiceSubstitution,
            "urn:service:sos.police is answered by urn:service:sos",
        ),
        LostError::new(
            ErrorKind::DefaultMappingReturned,
            "the location is outside every area; the default is returned",
        ),
    ];
    let xml = write_find_service_response(
        &[
            mapping(Some(Boundary::Reference { source: SOURCE.into(), key: "douglas-ks".into() })),
            second,
            third,
        ],
        Some(&validation),
        &warnings,
        SOURCE,
        &path(),
        Some("627b8bf819d0bad4d"),
    );
    assert_valid_lost(&xml);
    assert!(!xml.contains("not a"), "invalid service numbers and names are left out");
    insta::assert_snapshot!("find_service_by_reference", xml);
}

#[test]
fn find_service_response_without_mappings_is_not_found() {
    let xml = write_find_service_response(&[], None, &[], SOURCE, &path(), None);
    assert_valid_lost(&xml);
    assert!(xml.contains("<notFound message=\"no mapping serves this location for this service\""));
}

#[test]
fn list_responses() {
    let services: Vec<String> =
        ["urn:service:sos", "urn:service:sos.police", "urn:service:counseling.suicide"]
            .map(String::from)
            .to_vec();
    let warning = [LostError::new(ErrorKind::ServerTimeout, "the state server did not answer")];
    for xml in [
        write_list_services_response(&services, &[], SOURCE, &path()),
        write_list_services_response(&[], &warning, SOURCE, &[]),
        write_list_services_by_location_response(&services, &warning, SOURCE, &path(), Some("x1")),
        write_list_services_by_location_response(&[], &[], SOURCE, &[], None),
    ] {
        assert_valid_lost(&xml);
    }
    insta::assert_snapshot!(
        "list_services_by_location",
        write_list_services_by_location_response(&services, &warning, SOURCE, &path(), Some("x1"))
    );
}

#[test]
fn get_service_boundary_response() {
    let xml = write_get_service_boundary_response(&polygons(), &[], SOURCE, &path());
    assert_valid_lost(&xml);
    assert_eq!(xml.matches("<gml:Polygon ").count(), 2);
    assert_eq!(xml.matches("<gml:interior>").count(), 1);
    assert_eq!(xml.matches("<serviceBoundary ").count(), 1);
    let empty = write_get_service_boundary_response(&[], &[], SOURCE, &path());
    assert_valid_lost(&empty);
    assert!(empty.contains("<notFound "));
}

#[test]
fn errors_of_every_kind() {
    let kinds = [
        ErrorKind::BadRequest,
        ErrorKind::InternalError,
        ErrorKind::ServiceSubstitution,
        ErrorKind::DefaultMappingReturned,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Loop,
        ErrorKind::ServiceNotImplemented,
        ErrorKind::ServerTimeout,
        ErrorKind::ServerError,
        ErrorKind::LocationInvalid,
        ErrorKind::LocationProfileUnrecognized {
            unsupported_profiles: vec!["geodetic-3d".into(), "postal".into()],
        },
    ];
    for kind in &kinds {
        let one = write_errors(SOURCE, &[LostError::new(kind.clone(), "what & why: \"x\" < y")]);
        assert_valid_lost(&one);
        assert!(one.contains(&format!("<{} ", kind.element_name())), "{one}");
    }
    let all: Vec<LostError> =
        kinds.iter().map(|k| LostError::new(k.clone(), format!("{k} happened"))).collect();
    let xml = write_errors(SOURCE, &all);
    assert_valid_lost(&xml);
    insta::assert_snapshot!("errors_every_kind", xml);
    // No message at all, and no profile: still valid.
    assert_valid_lost(&write_errors(
        SOURCE,
        &[LostError::new(
            ErrorKind::LocationProfileUnrecognized { unsupported_profiles: vec![] },
            "",
        )],
    ));
}
