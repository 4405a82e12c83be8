//! Each leniency decision of the `pidf` and `lost` module docs, accepted and refused forms,
//! with the exact error kind and message a peer gets.

use interop::lost::{ErrorKind, LocationValue, LostError, Request, parse_request};
use interop::pidf::Shape;

/// A findService whose only location is `geodetic-2d` with `shape` inside.
fn request(shape: &str) -> String {
    format!(
        "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" xmlns:gml=\"http://www.opengis.net/gml\" \
         xmlns:gs=\"http://www.opengis.net/pidflo/1.0\">\
         <location id=\"L1\" profile=\"geodetic-2d\">{shape}</location>\
         <service>urn:service:sos</service></findService>"
    )
}

fn shape(shape_xml: &str) -> Result<Shape, LostError> {
    match parse_request(request(shape_xml).as_bytes())? {
        Request::FindService(f) => match f.location.value {
            LocationValue::Geodetic(shape) => Ok(shape),
            other => panic!("not geodetic: {other:?}"),
        },
        other => panic!("not findService: {other:?}"),
    }
}

fn point(srs: &str, pos: &str) -> String {
    format!("<gml:Point srsName=\"{srs}\"><gml:pos>{pos}</gml:pos></gml:Point>")
}

const WGS84: &str = "urn:ogc:def:crs:EPSG::4326";

fn invalid(message: &str) -> Result<Shape, LostError> {
    Err(LostError::new(ErrorKind::LocationInvalid, format!("location \"L1\": {message}")))
}

#[test]
fn commas_in_gml_pos_are_separators() {
    let expected = Ok(Shape::Point { lat: 37.775, lon: -122.422 });
    assert_eq!(shape(&point(WGS84, "37.775, -122.422")), expected);
    assert_eq!(shape(&point(WGS84, "37.775,-122.422")), expected);
    assert_eq!(shape(&point(WGS84, "\n 37.775\t-122.422 ")), expected);
}

#[test]
fn a_decimal_comma_in_gml_pos_fails_on_the_count() {
    assert_eq!(
        shape(&point(WGS84, "37,775 -122,422")),
        invalid("<gml:pos> has 4 numbers; urn:ogc:def:crs:EPSG::4326 needs 2 per position")
    );
}

#[test]
fn commas_in_gml_pos_list_are_refused() {
    let polygon = "<gml:Polygon srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:exterior><gml:LinearRing>\
                   <gml:posList>43.311,-73.422 43.111,-73.322 43.111,-73.222</gml:posList>\
                   </gml:LinearRing></gml:exterior></gml:Polygon>";
    assert_eq!(
        shape(polygon),
        invalid(
            "<gml:posList> separates numbers with a comma; gml:posList takes numbers separated by spaces only (a comma there could be a decimal comma)"
        )
    );
}

#[test]
fn swapped_axes_are_refused_when_detectable() {
    // San Francisco written "lon lat".
    assert_eq!(
        shape(&point(WGS84, "-122.422 37.775")),
        invalid(
            "latitude -122.422 is out of range [-90, 90] and longitude 37.775 would be a valid latitude: urn:ogc:def:crs:EPSG::4326 is \"latitude longitude\", so the coordinates look swapped"
        )
    );
    // Not a swap: nothing valid results from swapping.
    assert_eq!(shape(&point(WGS84, "200 10")), invalid("latitude 200 is out of range [-90, 90]"));
    assert_eq!(
        shape(&point(WGS84, "10 190")),
        invalid("longitude 190 is out of range [-180, 180]")
    );
    // A swap that stays within ±90 is a valid position and cannot be detected.
    assert_eq!(shape(&point(WGS84, "-73.99 40.73")), Ok(Shape::Point { lat: -73.99, lon: 40.73 }));
}

#[test]
fn srs_name_must_be_epsg_4326_or_4979() {
    for wrong in
        ["urn:ogc:def::crs:EPSG::4326", "EPSG:4326", "epsg:4326", "urn:ogc:def:crs:OGC:1.3:CRS84"]
    {
        assert_eq!(
            shape(&point(wrong, "37.775 -122.422")),
            invalid(&format!(
                "<gml:Point> has srsName {wrong:?}; use \"urn:ogc:def:crs:EPSG::4326\" (latitude longitude)"
            )),
            "{wrong}"
        );
    }
    assert_eq!(
        shape("<gml:Point><gml:pos>37.775 -122.422</gml:pos></gml:Point>"),
        invalid("<gml:Point> has no srsName; use srsName=\"urn:ogc:def:crs:EPSG::4326\"")
    );
    // Case and surrounding whitespace do not matter.
    assert!(shape(&point(" URN:OGC:DEF:CRS:EPSG::4326 ", "37.775 -122.422")).is_ok());
}

#[test]
fn three_d_positions_keep_their_horizontal_part() {
    let epsg_4979 = "urn:ogc:def:crs:EPSG::4979";
    assert_eq!(
        shape(&point(epsg_4979, "37.775 -122.422 24.8")),
        Ok(Shape::Point { lat: 37.775, lon: -122.422 })
    );
    let circle = format!(
        "<gs:Circle srsName=\"{epsg_4979}\"><gml:pos>42.5463 -73.2512 26.3</gml:pos>\
         <gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">850.24</gs:radius></gs:Circle>"
    );
    assert_eq!(shape(&circle), Ok(Shape::Circle { lat: 42.5463, lon: -73.2512, radius_m: 850.24 }));
    assert_eq!(
        shape(&point(epsg_4979, "37.775 -122.422")),
        invalid("<gml:pos> has 2 numbers; urn:ogc:def:crs:EPSG::4979 needs 3 per position")
    );
    assert_eq!(
        shape(&point(WGS84, "37.775 -122.422 24.8")),
        invalid("<gml:pos> has 3 numbers; urn:ogc:def:crs:EPSG::4326 needs 2 per position")
    );
}

fn ring(pos_list: &str) -> String {
    format!(
        "<gml:Polygon srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:exterior><gml:LinearRing>\
         <gml:posList>{pos_list}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    )
}

#[test]
fn unclosed_rings_are_closed() {
    let closed = vec![(43.311, -73.422), (43.111, -73.322), (43.111, -73.222), (43.311, -73.422)];
    assert_eq!(
        shape(&ring("43.311 -73.422 43.111 -73.322 43.111 -73.222")),
        Ok(Shape::Polygon { exterior: closed.clone() })
    );
    assert_eq!(
        shape(&ring("43.311 -73.422 43.111 -73.322 43.111 -73.222 43.311 -73.422")),
        Ok(Shape::Polygon { exterior: closed })
    );
}

#[test]
fn rings_need_three_distinct_vertices_and_whole_positions() {
    assert_eq!(
        shape(&ring("43.3 -73.4 43.1 -73.3 43.3 -73.4 43.1 -73.3")),
        invalid("polygon has 2 distinct vertices; at least 3 are needed")
    );
    assert_eq!(
        shape(&ring("43.3 -73.4 43.1 -73.3 43.1")),
        invalid("<gml:posList> has 5 numbers; urn:ogc:def:crs:EPSG::4326 needs 2 per position")
    );
    assert_eq!(
        shape(&ring("43.3 -73.4 43.1 -73.3 43.1 abc")),
        invalid("<gml:posList>: \"abc\" is not a number")
    );
    assert_eq!(
        shape(&ring("43.3 -73.4 43.1 -73.3 43.1 NaN")),
        invalid("<gml:posList>: \"NaN\" is not a number")
    );
}

#[test]
fn location_polygons_may_not_have_holes() {
    let with_hole = "<gml:Polygon srsName=\"urn:ogc:def:crs:EPSG::4326\">\
        <gml:exterior><gml:LinearRing><gml:posList>0 0 0 1 1 1 1 0 0 0</gml:posList></gml:LinearRing></gml:exterior>\
        <gml:interior><gml:LinearRing><gml:posList>0.2 0.2 0.4 0.2 0.4 0.4 0.2 0.2</gml:posList></gml:LinearRing></gml:interior>\
        </gml:Polygon>";
    assert_eq!(
        shape(with_hole),
        invalid(
            "a location polygon may not have holes (gml:interior): RFC 5491 allows only an exterior ring"
        )
    );
}

fn circle(radius: &str) -> String {
    format!(
        "<gs:Circle srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>42.5463 -73.2512</gml:pos>{radius}</gs:Circle>"
    )
}

#[test]
fn lengths_must_be_metres_finite_and_not_negative() {
    assert!(shape(&circle("<gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">0</gs:radius>")).is_ok());
    assert_eq!(
        shape(&circle("<gs:radius>850</gs:radius>")),
        invalid("<gs:radius> has no uom; use uom=\"urn:ogc:def:uom:EPSG::9001\"")
    );
    // Feet (EPSG 9002, international) are converted; so is every spelling of metres.
    let Ok(Shape::Circle { radius_m, .. }) =
        shape(&circle("<gs:radius uom=\"urn:ogc:def:uom:EPSG::9002\">850</gs:radius>"))
    else {
        panic!("feet refused")
    };
    assert!((radius_m - 259.08).abs() < 1e-9, "{radius_m}");
    for metres in
        ["http://www.opengis.net/def/uom/EPSG/0/9001", "urn:ogc:def:uom:EPSG:6.6:9001", "m"]
    {
        assert_eq!(
            shape(&circle(&format!("<gs:radius uom=\"{metres}\">850</gs:radius>"))),
            Ok(Shape::Circle { lat: 42.5463, lon: -73.2512, radius_m: 850.0 }),
            "{metres}"
        );
    }
    assert_eq!(
        shape(&circle("<gs:radius uom=\"yards\">850</gs:radius>")),
        invalid(
            "<gs:radius> has uom \"yards\"; use \"urn:ogc:def:uom:EPSG::9001\" (metres, or feet as urn:ogc:def:uom:EPSG::9002)"
        )
    );
    assert_eq!(
        shape(&circle("<gs:radius uom=\"urn:ogc:def:uom:EPSG::9102\">850</gs:radius>")),
        invalid(
            "<gs:radius> has uom urn:ogc:def:uom:EPSG::9102 (degrees); use \"urn:ogc:def:uom:EPSG::9001\" (metres, or feet as urn:ogc:def:uom:EPSG::9002)"
        )
    );
    assert_eq!(
        shape(&circle("<gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">-1</gs:radius>")),
        invalid("<gs:radius> is -1; it must be a finite number in [0, ∞)")
    );
    for not_a_number in ["inf", "NaN", "1e400", "ten"] {
        assert_eq!(
            shape(&circle(&format!(
                "<gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">{not_a_number}</gs:radius>"
            ))),
            invalid(&format!("<gs:radius>: \"{not_a_number}\" is not a number")),
        );
    }
    // The domain's limit: beyond 100 km a location narrows nothing down.
    assert_eq!(
        shape(&circle("<gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">150000</gs:radius>")),
        invalid("uncertainty radius 150000 m is out of range [0, 100000] metres")
    );
    assert_eq!(shape(&circle("")), invalid("<gs:Circle> has no <gs:radius>"));
}

fn arc_band(inner: f64, outer: f64, start: &str, opening: &str, angle_uom: &str) -> String {
    let m = "urn:ogc:def:uom:EPSG::9001";
    format!(
        "<gs:ArcBand srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>42.5463 -73.2512</gml:pos>\
         <gs:innerRadius uom=\"{m}\">{inner}</gs:innerRadius><gs:outerRadius uom=\"{m}\">{outer}</gs:outerRadius>\
         <gs:startAngle uom=\"{angle_uom}\">{start}</gs:startAngle>\
         <gs:openingAngle uom=\"{angle_uom}\">{opening}</gs:openingAngle></gs:ArcBand>"
    )
}

#[test]
fn angles_must_be_degrees_in_range() {
    let degrees = "urn:ogc:def:uom:EPSG::9102";
    assert!(shape(&arc_band(0.0, 100.0, "0", "360", degrees)).is_ok());
    assert_eq!(
        shape(&arc_band(10.0, 100.0, "0", "0", degrees)),
        invalid("<gs:openingAngle> is 0; it must be a finite number in (0, 360]")
    );
    assert_eq!(
        shape(&arc_band(10.0, 100.0, "361", "10", degrees)),
        invalid("<gs:startAngle> is 361; it must be a finite number in [0, 360]")
    );
    assert_eq!(
        shape(&arc_band(10.0, 100.0, "0", "10", "urn:ogc:def:uom:EPSG::9001")),
        invalid(
            "<gs:startAngle> has uom urn:ogc:def:uom:EPSG::9001 (metres); use \"urn:ogc:def:uom:EPSG::9102\" (degrees)"
        )
    );
    // Radians are converted to degrees.
    let Ok(Shape::ArcBand { opening_angle_deg, .. }) =
        shape(&arc_band(10.0, 100.0, "0", "1.5707963267948966", "urn:ogc:def:uom:EPSG::9101"))
    else {
        panic!("radians refused")
    };
    assert!((opening_angle_deg - 90.0).abs() < 1e-9, "{opening_angle_deg}");
    assert_eq!(
        shape(&arc_band(100.0, 100.0, "0", "10", degrees)),
        invalid("<gs:outerRadius> is 100 m; it must be more than <gs:innerRadius> (100 m)")
    );
}

#[test]
fn three_d_shapes_and_unknown_elements_are_refused() {
    let sphere = "<gs:Sphere srsName=\"urn:ogc:def:crs:EPSG::4979\"><gml:pos>42.5 -73.2 26.3</gml:pos>\
                  <gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">850</gs:radius></gs:Sphere>";
    assert_eq!(
        shape(sphere),
        invalid(
            "<gs:Sphere> is a 3-D shape; send a 2-D one: gml:Point, gml:Polygon, gs:Circle, gs:Ellipse or gs:ArcBand"
        )
    );
    assert_eq!(
        shape("<gml:LineString/>"),
        invalid(
            "<gml:LineString> is not a location shape; expected gml:Point, gml:Polygon, gs:Circle, gs:Ellipse or gs:ArcBand"
        )
    );
    assert_eq!(
        shape(&circle(
            "<gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">1</gs:radius><gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">2</gs:radius>"
        )),
        invalid("<gs:Circle> has more than one <gs:radius>")
    );
    assert_eq!(
        shape(&circle("<gml:name>x</gml:name>")),
        invalid("<gs:Circle> may not contain <gml:name>")
    );
    // An element of another namespace inside a shape is an extension: skipped.
    assert!(
        shape(&circle(
            "<gs:radius uom=\"urn:ogc:def:uom:EPSG::9001\">1</gs:radius><x:note xmlns:x=\"urn:x\">hi</x:note>"
        ))
        .is_ok()
    );
}

#[test]
fn lost_namespace_extensions_are_bad_requests_other_namespaces_are_skipped() {
    let body = |extension: &str| {
        format!(
            "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" xmlns:gml=\"http://www.opengis.net/gml\">\
             <location id=\"L1\" profile=\"geodetic-2d\"><gml:Point srsName=\"urn:ogc:def:crs:EPSG::4326\">\
             <gml:pos>37.775 -122.422</gml:pos></gml:Point></location>\
             <service>urn:service:sos</service>{extension}</findService>"
        )
    };
    assert_eq!(
        parse_request(body("<asOf>2026-01-01T00:00:00Z</asOf>").as_bytes()).unwrap_err(),
        LostError::bad_request(
            "<asOf> in <findService> is not a LoST element; RFC 5222 extensions must be in a namespace of their own"
        )
    );
    let in_own_namespace =
        body("<p:asOf xmlns:p=\"urn:example:planned\">2026-01-01T00:00:00Z</p:asOf>");
    assert!(matches!(parse_request(in_own_namespace.as_bytes()), Ok(Request::FindService(_))));
    assert_eq!(
        parse_request(body("<asOf xmlns=\"\">x</asOf>").as_bytes()).unwrap_err(),
        LostError::bad_request(
            "<asOf> in <findService> has no namespace; extensions must be in a namespace of their own"
        )
    );
}
