//! Shapes as NG911 peers send them: PIDF-LO's shapes in the GML namespace, every spelling of
//! metres, feet and degrees, the other OGC names of WGS 84 — and what is really wrong
//! (an ellipse's axes the wrong way round, a polygon that crosses itself) refused.

use interop::lost::{ErrorKind, LocationValue, LostError, Request, parse_request};
use interop::pidf::Shape;

/// A findService whose only location is `geodetic-2d` with `shape` inside; `gml:` and `gs:`
/// are bound, as are `g32:` (GML 3.2) for the namespaces a peer might use.
fn shape(shape: &str) -> Result<Shape, LostError> {
    let xml = format!(
        "<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" xmlns:gml=\"http://www.opengis.net/gml\" \
         xmlns:gs=\"http://www.opengis.net/pidflo/1.0\">\
         <location id=\"L1\" profile=\"geodetic-2d\">{shape}</location>\
         <service>urn:service:sos</service></findService>"
    );
    match parse_request(xml.as_bytes())? {
        Request::FindService(f) => match f.location.value {
            LocationValue::Geodetic(shape) => Ok(shape),
            other => panic!("not geodetic: {other:?}"),
        },
        other => panic!("not findService: {other:?}"),
    }
}

fn invalid(message: &str) -> Result<Shape, LostError> {
    Err(LostError::new(ErrorKind::LocationInvalid, format!("location \"L1\": {message}")))
}

const WGS84: &str = "urn:ogc:def:crs:EPSG::4326";
const M: &str = "urn:ogc:def:uom:EPSG::9001";
const FT: &str = "urn:ogc:def:uom:EPSG::9002";
const DEG: &str = "urn:ogc:def:uom:EPSG::9102";

fn circle(prefix: &str, child_prefix: &str, uom: &str, radius: &str) -> String {
    format!(
        "<{prefix}:Circle srsName=\"{WGS84}\"><gml:pos>42.5463 -73.2512</gml:pos>\
         <{child_prefix}:radius uom=\"{uom}\">{radius}</{child_prefix}:radius></{prefix}:Circle>"
    )
}

fn ellipse(prefix: &str, uom: &str, major: &str, minor: &str) -> String {
    format!(
        "<{prefix}:Ellipse srsName=\"{WGS84}\"><gml:pos>42.5463 -73.2512</gml:pos>\
         <{prefix}:semiMajorAxis uom=\"{uom}\">{major}</{prefix}:semiMajorAxis>\
         <{prefix}:semiMinorAxis uom=\"{uom}\">{minor}</{prefix}:semiMinorAxis>\
         <{prefix}:orientation uom=\"{DEG}\">43.2</{prefix}:orientation></{prefix}:Ellipse>"
    )
}

fn arc_band(prefix: &str, uom: &str) -> String {
    format!(
        "<{prefix}:ArcBand srsName=\"{WGS84}\"><gml:pos>42.5463 -73.2512</gml:pos>\
         <{prefix}:innerRadius uom=\"{uom}\">1661.55</{prefix}:innerRadius>\
         <{prefix}:outerRadius uom=\"{uom}\">2215.4</{prefix}:outerRadius>\
         <{prefix}:startAngle uom=\"{DEG}\">266</{prefix}:startAngle>\
         <{prefix}:openingAngle uom=\"{DEG}\">120</{prefix}:openingAngle></{prefix}:ArcBand>"
    )
}

#[test]
fn circle_ellipse_and_arc_band_are_read_alike_in_either_namespace() {
    let expected_circle = Ok(Shape::Circle { lat: 42.5463, lon: -73.2512, radius_m: 850.24 });
    for (prefix, child) in [("gs", "gs"), ("gml", "gml"), ("gml", "gs"), ("gs", "gml")] {
        assert_eq!(shape(&circle(prefix, child, M, "850.24")), expected_circle, "{prefix}/{child}");
    }
    let expected_ellipse = Ok(Shape::Ellipse {
        lat: 42.5463,
        lon: -73.2512,
        semi_major_m: 1275.0,
        semi_minor_m: 670.0,
        orientation_deg: 43.2,
    });
    for prefix in ["gs", "gml"] {
        assert_eq!(shape(&ellipse(prefix, M, "1275", "670")), expected_ellipse, "{prefix}");
        let band = shape(&arc_band(prefix, M)).unwrap();
        assert!(matches!(band, Shape::ArcBand { outer_radius_m, .. } if outer_radius_m == 2215.4));
        // Each converts to the same domain location either way.
        assert!(band.to_location().is_ok());
    }
    // One radius, whichever namespace: two of them are still one too many.
    let two = format!(
        "<gml:Circle srsName=\"{WGS84}\"><gml:pos>42.5 -73.2</gml:pos>\
         <gml:radius uom=\"{M}\">1</gml:radius><gs:radius uom=\"{M}\">2</gs:radius></gml:Circle>"
    );
    assert_eq!(shape(&two), invalid("<gml:Circle> has more than one <gs:radius>"));
    // 3-D shapes are refused in the GML namespace as in PIDF-LO's.
    let sphere = format!(
        "<gml:Sphere srsName=\"urn:ogc:def:crs:EPSG::4979\"><gml:pos>42.5 -73.2 26.3</gml:pos>\
         <gml:radius uom=\"{M}\">850</gml:radius></gml:Sphere>"
    );
    assert!(shape(&sphere).unwrap_err().message.contains("<gml:Sphere> is a 3-D shape"));
}

#[test]
fn feet_are_converted_to_metres_wherever_a_length_is_given() {
    let Shape::Ellipse { semi_major_m, semi_minor_m, .. } =
        shape(&ellipse("gml", FT, "1000", "500")).unwrap()
    else {
        panic!("not an ellipse")
    };
    assert!((semi_major_m - 304.8).abs() < 1e-9 && (semi_minor_m - 152.4).abs() < 1e-9);
    let Shape::ArcBand { inner_radius_m, outer_radius_m, .. } = shape(&arc_band("gs", FT)).unwrap()
    else {
        panic!("not an arc band")
    };
    assert!((inner_radius_m - 1661.55 * 0.3048).abs() < 1e-9);
    assert!((outer_radius_m - 2215.4 * 0.3048).abs() < 1e-9);
    // US survey feet, by UCUM symbol and EPSG code.
    for survey in ["[ft_us]", "urn:ogc:def:uom:EPSG::9003"] {
        let Shape::Circle { radius_m, .. } = shape(&circle("gs", "gs", survey, "3937")).unwrap()
        else {
            panic!("not a circle")
        };
        assert!((radius_m - 1200.0).abs() < 1e-9, "{survey}: {radius_m}");
    }
    // Converted before the domain's limits are applied: 400,000 ft is 121.9 km.
    assert_eq!(
        shape(&circle("gs", "gs", FT, "400000")),
        invalid("uncertainty radius 121920 m is out of range [0, 100000] metres")
    );
}

#[test]
fn the_other_ogc_names_of_wgs_84_are_accepted() {
    for srs in ["http://www.opengis.net/def/crs/EPSG/0/4326", "urn:ogc:def:crs:EPSG:6.6:4326"] {
        let point =
            format!("<gml:Point srsName=\"{srs}\"><gml:pos>38.9717 -95.2353</gml:pos></gml:Point>");
        assert_eq!(shape(&point), Ok(Shape::Point { lat: 38.9717, lon: -95.2353 }), "{srs}");
    }
}

#[test]
fn an_ellipse_whose_semi_major_axis_is_the_shorter_is_refused() {
    assert_eq!(
        shape(&ellipse("gs", M, "670", "1275")),
        invalid(
            "<gs:semiMajorAxis> (670 m) is shorter than <gs:semiMinorAxis> (1275 m): the semi-major axis is the longer one and the orientation its direction; swap the axes and turn the orientation by 90°"
        )
    );
    // A circle written as an ellipse (equal axes) is fine.
    assert!(shape(&ellipse("gs", M, "500", "500")).unwrap().to_location().is_ok());
}

fn polygon(pos_list: &str) -> String {
    format!(
        "<gml:Polygon srsName=\"{WGS84}\"><gml:exterior><gml:LinearRing>\
         <gml:posList>{pos_list}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    )
}

#[test]
fn a_polygon_that_crosses_itself_is_refused_with_the_edges_named() {
    // A bow tie over Lawrence, KS: edge 1 (vertex 1 → 2) crosses edge 3 (vertex 3 → 4).
    assert_eq!(
        shape(&polygon("38.95 -95.25 38.99 -95.21 38.99 -95.25 38.95 -95.23")),
        invalid(
            "polygon edges 1 and 3 cross or touch (edge n runs from vertex n to the next); send a ring that does not cross itself, its vertices in order around the area"
        )
    );
    // The same four corners in order around the area are accepted.
    let square = shape(&polygon("38.95 -95.25 38.95 -95.21 38.99 -95.21 38.99 -95.25")).unwrap();
    assert!(square.to_location().is_ok());
}
