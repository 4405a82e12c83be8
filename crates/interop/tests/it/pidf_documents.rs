//! Every PIDF-LO document of `../shared/specs/pidf-lo` (PhrSite Ng911Lib test data; see its
//! SOURCE.md) with the locations it must yield — or why it is refused.

use interop::pidf::{CivicAddress, LocationValue, Shape, ShapeError, parse_presence};

use crate::read_spec;

const DIR: &str = "pidf-lo/PhrSite-Ng911Lib/Testing/Ng911LibUnitTests/PidfFiles";

fn civic(pairs: &[(&str, &str)]) -> LocationValue {
    LocationValue::Civic(CivicAddress {
        elements: pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
    })
}

fn circle(lat: f64, lon: f64, radius_m: f64) -> LocationValue {
    LocationValue::Geodetic(Shape::Circle { lat, lon, radius_m })
}

fn hexagon() -> LocationValue {
    let ring = [
        (43.311, -73.422),
        (43.111, -73.322),
        (43.111, -73.222),
        (43.311, -73.122),
        (43.411, -73.222),
        (43.411, -73.322),
        (43.311, -73.422),
    ];
    LocationValue::Geodetic(Shape::Polygon { exterior: ring.to_vec() })
}

#[test]
fn every_document_yields_its_locations_or_a_stated_refusal() {
    type Expected = Result<Vec<LocationValue>, ShapeError>;
    let cases: Vec<(&str, Expected)> = vec![
        (
            "RFC5491TupleArcBandLocation.xml",
            Ok(vec![LocationValue::Geodetic(Shape::ArcBand {
                lat: -43.5723,
                lon: 153.2176,
                inner_radius_m: 3594.0,
                outer_radius_m: 4148.0,
                start_angle_deg: 20.0,
                opening_angle_deg: 20.0,
            })]),
        ),
        ("RFC5491TupleCircleLocation.xml", Ok(vec![circle(42.5463, -73.2512, 850.24)])),
        (
            "RFC5491TupleEllipseLocation.xml",
            Ok(vec![LocationValue::Geodetic(Shape::Ellipse {
                lat: 42.5463,
                lon: -73.2512,
                semi_major_m: 1275.0,
                semi_minor_m: 670.0,
                orientation_deg: 43.2,
            })]),
        ),
        // The two encodings of RFC 5491's hexagon (posList and a sequence of pos) agree.
        ("RFC5491TuplePolygonCompactLocation.xml", Ok(vec![hexagon()])),
        ("RFC5491TuplePolygonLocation.xml", Ok(vec![hexagon()])),
        (
            "RFC5491TupleCivicLocation.xml",
            Ok(vec![civic(&[
                ("country", "US"),
                ("A1", "New York"),
                ("A3", "New York"),
                ("A6", "Broadway"),
                ("HNO", "123"),
                ("LOC", "Suite 75"),
                ("PC", "10027-0401"),
            ])]),
        ),
        // 3-D shapes: the geodetic-2d profile has no place for them.
        ("RFC5491TupleSphereLocation.xml", Err(ShapeError::ThreeDimensional("gs:Sphere".into()))),
        (
            "RFC5491TupleEllipsoidLocation.xml",
            Err(ShapeError::ThreeDimensional("gs:Ellipsoid".into())),
        ),
        ("RFC5491TuplePrismLocation.xml", Err(ShapeError::ThreeDimensional("gs:Prism".into()))),
        // RFC 4119's pre-5491 form (GML 3.0 namespace, gml:coordinates in DMS): not a shape
        // of any namespace we read, so skipped like any other extension — no location.
        ("RFC5491TuplePointLocation.xml", Ok(vec![])),
        (
            "DeviceAndPerson.xml",
            Ok(vec![
                civic(&[
                    ("country", "US"),
                    ("A1", "CA"),
                    ("A3", "Simi Valley"),
                    ("RD", "Stonebrook"),
                    ("STS", "Street"),
                    ("HNO", "311"),
                    ("PC", "93065"),
                ]),
                circle(34.247493, -118.791885, 50.0),
            ]),
        ),
        (
            "PersonDeviceCivicCircleLocation.xml",
            Ok(vec![
                civic(&[
                    ("country", "US"),
                    ("A1", "CA"),
                    ("A3", "Simi Valley"),
                    ("RD", "Kay"),
                    ("STS", "Ave"),
                    ("HNO", "1657"),
                    ("PC", "93063"),
                ]),
                circle(34.268544, -118.666519, 50.0),
            ]),
        ),
        // Starts with a UTF-8 byte-order mark; dyn:Dynamic beside the circle is skipped.
        ("DeviceCircleDynamic1.xml", Ok(vec![circle(42.5463, -73.2512, 100.0)])),
        ("DeviceCircleLocation.xml", Ok(vec![circle(41.760537, -88.261914, 50.0)])),
        ("DeviceCircleWithConfidence.xml", Ok(vec![circle(41.760537, -88.261914, 50.0)])),
        (
            "DeviceCivicLocation.xml",
            Ok(vec![civic(&[
                ("country", "US"),
                ("A1", "IL"),
                ("A2", "KANE"),
                ("A3", "AURORA"),
                ("PRD", "E"),
                ("RD", "NEW YORK"),
                ("STS", "ST"),
                ("HNO", "2106"),
                ("PCN", "AURORA"),
            ])]),
        ),
        ("DeviceDynamicOnly1.xml", Ok(vec![])),
        (
            "DevicePointLocation.xml",
            Ok(vec![LocationValue::Geodetic(Shape::Point { lat: 41.772035, lon: -88.473291 })]),
        ),
        // RFC 6848 extension elements (other namespaces) are skipped; RFC 5139 ones kept.
        (
            "RFC6848CivicExtendedExample1.xml",
            Ok(vec![civic(&[
                ("country", "UK"),
                ("A1", "Devon"),
                ("A3", "Monkokehampton"),
                ("RD", "Deckport"),
                ("STS", "Cross"),
            ])]),
        ),
        (
            "RFC6848Figure7Example.xml",
            Ok(vec![civic(&[("country", "US"), ("A1", "CA"), ("A2", "Sacramento"), ("RD", "I5")])]),
        ),
        (
            "RFC6848Figure8Example.xml",
            Ok(vec![civic(&[
                ("country", "US"),
                ("A1", "CA"),
                ("A2", "Sacramento"),
                ("RD", "Colorado"),
                ("HNO", "223"),
            ])]),
        ),
        ("RFC6848Section3.4Example.xml", Ok(vec![civic(&[("country", "US"), ("A1", "CA")])])),
        // Upstream's empty placeholders: a declaration and nothing else.
        ("XMLFile1.xml", Err(ShapeError::Document("the document has no root element".into()))),
        ("XMLFile2.xml", Err(ShapeError::Document("the document has no root element".into()))),
    ];
    let Some(dir) = crate::shared_spec(DIR) else { return };
    // Every file in the folder has a case, so a file added upstream is not silently skipped.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut covered: Vec<String> = cases.iter().map(|(n, _)| (*n).to_owned()).collect();
    covered.sort();
    assert_eq!(names, covered);

    for (name, expected) in cases {
        let Some(bytes) = read_spec(&format!("{DIR}/{name}")) else { return };
        assert_eq!(parse_presence(&bytes), expected, "{name}");
    }
}

#[test]
fn every_two_dimensional_shape_found_converts_to_a_domain_location() {
    let Some(dir) = crate::shared_spec(DIR) else { return };
    let mut converted = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for location in parse_presence(&bytes).unwrap_or_default() {
            if let LocationValue::Geodetic(shape) = location {
                shape.to_location().unwrap_or_else(|e| panic!("{shape:?}: {e}"));
                converted += 1;
            }
        }
    }
    assert_eq!(converted, 11);
}
