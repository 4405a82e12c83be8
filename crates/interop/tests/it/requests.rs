//! Request semantics of RFC 5222 beyond the vectors: choosing among locations, defaults,
//! the other request kinds, and what is refused as a bad request.

use interop::lost::{
    BoundaryMode, ErrorKind, GetServiceBoundary, ListServices, LocationValue, LostError, Request,
    parse_request,
};
use interop::pidf::Shape;

const LOST: &str = "xmlns=\"urn:ietf:params:xml:ns:lost1\"";
const POINT: &str = "<gml:Point xmlns:gml=\"http://www.opengis.net/gml\" srsName=\"urn:ogc:def:crs:EPSG::4326\">\
                     <gml:pos>38.9717 -95.2353</gml:pos></gml:Point>";
const CIVIC: &str = "<civicAddress xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\">\
                     <country>US</country><A1>KS</A1><A3>Lawrence</A3></civicAddress>";

fn parse(xml: &str) -> Result<Request, LostError> {
    parse_request(xml.as_bytes())
}

fn bad(message: &str) -> Result<Request, LostError> {
    Err(LostError::bad_request(message))
}

fn find(attributes: &str, body: &str) -> String {
    format!(
        "<findService {LOST} {attributes}>{body}<service>urn:service:sos</service></findService>"
    )
}

#[test]
fn the_first_location_with_an_understood_profile_is_used() {
    let xml = find(
        "",
        &format!(
            "<location id=\"a\" profile=\"geodetic-3d\">{POINT}</location>\
             <location id=\"b\" profile=\"civic\">{CIVIC}</location>\
             <location id=\"c\" profile=\"geodetic-2d\">{POINT}</location>"
        ),
    );
    let Ok(Request::FindService(f)) = parse(&xml) else { panic!("{:?}", parse(&xml)) };
    assert_eq!((f.location.id.as_str(), f.location.profile.as_str()), ("b", "civic"));
    let LocationValue::Civic(address) = &f.location.value else { panic!() };
    assert_eq!(address.get("A3"), Some("Lawrence"));
}

#[test]
fn the_chosen_location_being_invalid_is_reported_not_skipped() {
    let bad_point = POINT.replace("38.9717 -95.2353", "-95.2353 38.9717");
    let xml = find(
        "",
        &format!(
            "<location id=\"a\" profile=\"geodetic-2d\">{bad_point}</location>\
             <location id=\"b\" profile=\"civic\">{CIVIC}</location>"
        ),
    );
    let error = parse(&xml).unwrap_err();
    assert_eq!(error.kind, ErrorKind::LocationInvalid);
    assert!(
        error.message.starts_with("location \"a\": latitude -95.2353 is out of range"),
        "{error}"
    );
}

#[test]
fn no_understood_profile_lists_the_unsupported_ones() {
    let xml = find(
        "",
        &format!(
            "<location id=\"a\" profile=\"geodetic-3d\">{POINT}</location>\
             <location id=\"b\" profile=\"postal\">{CIVIC}</location>\
             <location id=\"c\" profile=\"postal\">{CIVIC}</location>"
        ),
    );
    assert_eq!(
        parse(&xml),
        Err(LostError::new(
            ErrorKind::LocationProfileUnrecognized {
                unsupported_profiles: vec!["geodetic-3d".into(), "postal".into()]
            },
            "no location has a profile this server understands (geodetic-2d, civic)"
        ))
    );
}

#[test]
fn a_location_without_profile_is_taken_for_its_content() {
    let xml = find("", &format!("<location id=\"a\">{POINT}</location>"));
    let Ok(Request::FindService(f)) = parse(&xml) else { panic!() };
    assert_eq!(f.location.profile, "geodetic-2d");
    assert_eq!(
        f.location.value,
        LocationValue::Geodetic(Shape::Point { lat: 38.9717, lon: -95.2353 })
    );
    let xml = find("", "<location id=\"a\"><x:y xmlns:x=\"urn:x\"/></location>");
    assert_eq!(
        parse(&xml).unwrap_err().kind,
        ErrorKind::LocationProfileUnrecognized { unsupported_profiles: vec![] }
    );
}

#[test]
fn a_profile_without_its_content_is_invalid() {
    let xml = find("", &format!("<location id=\"a\" profile=\"geodetic-2d\">{CIVIC}</location>"));
    assert_eq!(
        parse(&xml).unwrap_err(),
        LostError::location_invalid(
            "location \"a\": the geodetic-2d profile needs a GML shape (gml:Point, gml:Polygon, gs:Circle, gs:Ellipse or gs:ArcBand)"
        )
    );
    let xml =
        find("", &format!("<location id=\"a\" profile=\"geodetic-2d\">{POINT}{POINT}</location>"));
    assert_eq!(
        parse(&xml).unwrap_err(),
        LostError::location_invalid(
            "location \"a\": it has more than one shape; send one per location"
        )
    );
    let xml = find(
        "",
        "<location id=\"a\" profile=\"civic\"><civicAddress xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\">\
         <country>US</country><STREET>Main</STREET></civicAddress></location>",
    );
    assert!(
        parse(&xml)
            .unwrap_err()
            .message
            .starts_with("location \"a\": <STREET> is not an RFC 5139 civic address element")
    );
}

#[test]
fn find_service_defaults_and_attributes() {
    let location = format!("<location id=\"a\" profile=\"geodetic-2d\">{POINT}</location>");
    let Ok(Request::FindService(f)) = parse(&find("", &location)) else { panic!() };
    assert_eq!(
        (f.validate_location, f.boundary, f.recursive),
        (false, BoundaryMode::Reference, false)
    );
    let attributes = "validateLocation=\"1\" serviceBoundary=\"value\" recursive=\" true \"";
    let Ok(Request::FindService(f)) = parse(&find(attributes, &location)) else { panic!() };
    assert_eq!((f.validate_location, f.boundary, f.recursive), (true, BoundaryMode::Value, true));
    assert_eq!(
        parse(&find("recursive=\"yes\"", &location)),
        bad("recursive is \"yes\"; it must be true or false")
    );
    assert_eq!(
        parse(&find("serviceBoundary=\"both\"", &location)),
        bad("serviceBoundary is \"both\"; it must be \"value\" or \"reference\"")
    );
    assert_eq!(
        parse(&find("priority=\"high\"", &location)),
        bad("<findService> has an unknown attribute \"priority\"")
    );
    // Attributes of other namespaces are extensions.
    assert!(parse(&find("xmlns:x=\"urn:x\" x:priority=\"high\"", &location)).is_ok());
}

#[test]
fn path_and_service_are_read_and_checked() {
    let location = format!("<location id=\"a\" profile=\"geodetic-2d\">{POINT}</location>");
    let xml = format!(
        "<findService {LOST}>{location}<service>URN:SERVICE:SOS.Police</service>\
         <path><via source=\"esrp.example.org\"/><via source=\"lost.state.example.gov\"/></path></findService>"
    );
    let Ok(Request::FindService(f)) = parse(&xml) else { panic!("{:?}", parse(&xml)) };
    assert_eq!(f.service.as_deref(), Some("urn:service:sos.police"));
    assert_eq!(f.path, ["esrp.example.org", "lost.state.example.gov"]);
    assert_eq!(Request::FindService(f).path(), ["esrp.example.org", "lost.state.example.gov"]);

    let with = |tail: &str| format!("<findService {LOST}>{location}{tail}</findService>");
    assert_eq!(parse(&with("<path/>")), bad("<path> needs at least one <via>"));
    assert_eq!(
        parse(&with("<path><via source=\"localhost\"/></path>")),
        bad("<via> source \"localhost\" is not a server name such as lost.example.org")
    );
    assert_eq!(
        parse(&with("<service>police</service>")),
        bad("service \"police\" is not a URN; send a service URN such as urn:service:sos")
    );
    assert_eq!(
        parse(&with("<service>urn:service:sos</service><service>urn:service:sos</service>")),
        bad("<findService> has more than one <service>")
    );
    let Ok(Request::FindService(f)) = parse(&with("")) else { panic!() };
    assert_eq!(f.service, None);
    // The order of the known children is not checked.
    let reordered = format!(
        "<findService {LOST}><path><via source=\"a.example\"/></path><service>urn:service:sos</service>{location}</findService>"
    );
    let Ok(Request::FindService(f)) = parse(&reordered) else { panic!("{:?}", parse(&reordered)) };
    assert_eq!((f.path.len(), f.location.id.as_str()), (1, "a"));
    assert_eq!(parse(&format!("<findService {LOST}/>")), bad("<findService> needs a <location>"));
}

#[test]
fn the_other_requests() {
    assert_eq!(
        parse(&format!("<listServices {LOST}><service>urn:service:sos</service></listServices>")),
        Ok(Request::ListServices(ListServices {
            service: Some("urn:service:sos".into()),
            path: vec![]
        }))
    );
    let xml = format!(
        "<listServicesByLocation {LOST}><location id=\"a\" profile=\"geodetic-2d\">{POINT}</location></listServicesByLocation>"
    );
    let Ok(Request::ListServicesByLocation(l)) = parse(&xml) else { panic!() };
    assert!(l.recursive, "the grammar's default for listServicesByLocation is true");
    assert_eq!(l.location.id, "a");
    assert_eq!(
        parse(&format!("<getServiceBoundary {LOST} key=\" 123abc \"/>")),
        Ok(Request::GetServiceBoundary(GetServiceBoundary { key: "123abc".into() }))
    );
    assert_eq!(
        parse(&format!("<getServiceBoundary {LOST}/>")),
        bad("<getServiceBoundary> needs a key attribute")
    );
    assert_eq!(
        parse(&format!(
            "<getServiceBoundary {LOST} key=\"k\"><path><via source=\"a.b\"/></path></getServiceBoundary>"
        )),
        bad(
            "<path> in <getServiceBoundary> is not a LoST element; RFC 5222 extensions must be in a namespace of their own"
        )
    );
}

#[test]
fn what_is_not_a_lost_request() {
    assert_eq!(
        parse("<findService/>"),
        bad(
            "the root element <findService> is not in the LoST namespace urn:ietf:params:xml:ns:lost1"
        )
    );
    assert_eq!(
        parse(&format!("<findServices {LOST}/>")),
        bad(
            "<findServices> is not a LoST request; expected findService, listServices, listServicesByLocation or getServiceBoundary"
        )
    );
    assert_eq!(
        parse(&format!("<findServiceResponse {LOST}/>")),
        bad(
            "<findServiceResponse> is a LoST response; send a request (findService, listServices, listServicesByLocation or getServiceBoundary)"
        )
    );
    assert_eq!(
        parse(&format!("<listServices {LOST}>x</listServices>")),
        bad("<listServices> may not contain text")
    );
    let error = parse("<findService").unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadRequest);
    assert!(error.message.starts_with("the document is not well-formed XML: "), "{error}");
    assert_eq!(
        parse_request(b"\xff\xfe"),
        Err(LostError::bad_request(
            "the document is not UTF-8 (invalid utf-8 sequence of 1 bytes from index 0); send it as UTF-8"
        ))
    );
}

#[test]
fn entity_expansion_and_deep_nesting_are_refused_cheaply() {
    let laughs = format!(
        "<!DOCTYPE findService [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\
         <findService {LOST}>&b;</findService>"
    );
    assert_eq!(
        parse(&laughs),
        bad("the document has a DOCTYPE; DTDs and entity declarations are not accepted")
    );
    let deep = format!("<listServices {LOST}>{}", "<x:a xmlns:x=\"urn:x\">".repeat(10_000));
    assert_eq!(parse(&deep), bad("the document nests elements more than 64 deep"));
    let huge = format!("<listServices {LOST}>{}</listServices>", " ".repeat(2 << 20));
    assert_eq!(
        parse(&huge),
        bad(&format!("the document is {} bytes; at most 1048576 are accepted", huge.len()))
    );
}
