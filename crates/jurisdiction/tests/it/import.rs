//! Importing boundary files: the real Census, us-atlas and demo files, and hand-made broken
//! inputs, each refused (or repaired) with the message a user needs.

use std::collections::HashSet;
use std::io::Write;

use jurisdiction::import::{
    Format, ImportError, gunzip_if_needed, import_json, import_json_report, import_shapefile,
    import_shapefile_report,
};
use jurisdiction::{Area, Polygon};

fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn total_vertices(areas: &[Area]) -> usize {
    areas.iter().map(Area::vertex_count).sum()
}

/// The message of an import that must fail.
fn error<T: std::fmt::Debug>(result: Result<T, ImportError>) -> String {
    result.expect_err("the import should fail").to_string()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

// ---- real data -------------------------------------------------------------------------

#[test]
fn census_500k_counties_shapefile() {
    let Some(data) = crate::shared_data() else { return };
    let dir = data.join("census-cb2016-500k");
    let shp = read(&dir.join("cb_2016_us_county_500k.shp.gz"));
    let dbf = read(&dir.join("cb_2016_us_county_500k.dbf.gz"));

    let started = std::time::Instant::now();
    let report = import_shapefile_report(&shp, Some(&dbf), "GEOID").unwrap();
    eprintln!(
        "census 1:500k counties: gunzip + import + validate took {:?} ({} areas, {} vertices, \
         repairs {:?}, skipped {:?})",
        started.elapsed(),
        report.areas.len(),
        total_vertices(&report.areas),
        report.repairs,
        report.skipped
    );

    assert_eq!(report.format, Format::Shapefile);
    assert_eq!(report.areas.len(), 3_233);
    assert!(report.skipped.is_empty());
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let ids: HashSet<&str> = report.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 3_233, "GEOIDs are unique");
    assert!(
        report.areas.iter().all(|a| a.id.len() == 5 && a.id.bytes().all(|b| b.is_ascii_digit()))
    );
    let douglas = report.areas.iter().find(|a| a.id == "20045").unwrap();
    assert_eq!(douglas.name, "Douglas");
    // GDAL counts 1,039,365 vertices (closing points included), as `vertex_count` does; the
    // file has no unclosed rings and no consecutive duplicate points, so nothing is removed.
    assert_eq!(report.repairs.closed_rings, 0);
    assert_eq!(report.repairs.duplicate_points, 0);
    assert_eq!(total_vertices(&report.areas), 1_039_365);

    // Every hole found an outer ring.
    assert_eq!(report.repairs.orphan_holes, 0);
    let plain = import_shapefile(&shp, Some(&dbf), "GEOID").unwrap();
    assert_eq!(plain, report.areas);
}

/// us-atlas's counties are quantized and simplified for maps, and it shows: five counties'
/// rings cross themselves (tiny twists a fraction of a quantization step wide) and Falls
/// Church, VA collapses to a 2-point sliver. The import refuses the crossings, which is right
/// for a layer that decides who answers a call (the Census 1:500k file is the one to use).
#[test]
fn us_atlas_counties_topojson() {
    let Some(data) = crate::shared_data() else { return };
    let bytes = read(&data.join("us-atlas-3.0.1/counties-10m.json"));

    // Every object (counties, states, nation): refused at the first crossing, in name order.
    let message = error(import_json(&bytes, "GEOID"));
    assert!(
        message.starts_with(
            "feature 51620 (Franklin): ring 0 crosses itself near [-76.924039, 36.682979]: a \
             boundary must not cross itself"
        ),
        "{message}"
    );

    // Without the five twisted counties, the rest imports. Falls Church's only ring is
    // dropped (repair), and with it the county, reported as skipped.
    let twisted = ["51620", "51093", "22067", "51041", "06001"];
    let mut topology: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let counties = topology["objects"]["counties"]["geometries"].as_array_mut().unwrap();
    assert_eq!(counties.len(), 3_231);
    counties.retain(|g| !twisted.contains(&g["id"].as_str().unwrap()));
    let untwisted = serde_json::to_vec(&topology).unwrap();
    let report = import_json_report(&untwisted, "GEOID", Some("counties")).unwrap();
    assert_eq!(report.format, Format::TopoJson);
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        skipped,
        ["feature 51610 (Falls Church): every outer ring collapsed to fewer than 3 distinct \
          corners (1 ring(s) dropped), so it has no area"]
    );
    // 22 rings collapsed under quantization (small islands and holes besides Falls Church).
    assert_eq!(report.repairs.collapsed_rings, 22);
    assert_eq!(report.areas.len(), 3_231 - 5 - 1);
    // No county has a GEOID property: ids are the geometries' own ids, and the report says so.
    assert!(report.notes.iter().any(|n| n.contains("no feature has the attribute `GEOID`")));
    let ids: HashSet<&str> = report.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), report.areas.len());
    assert!(
        report.areas.iter().all(|a| a.id.len() == 5 && a.id.bytes().all(|b| b.is_ascii_digit()))
    );
    let douglas = report.areas.iter().find(|a| a.id == "20045").unwrap();
    assert_eq!(douglas.name, "Douglas");
    let [west, south, east, north] = douglas.bounds();
    assert!(west > -95.6 && east < -94.9 && south > 38.7 && north < 39.1, "{:?}", douglas.bounds());
    eprintln!(
        "us-atlas counties-10m: {} counties imported, {} vertices, repairs {:?}",
        report.areas.len(),
        total_vertices(&report.areas),
        report.repairs
    );

    // The states and the nation import as they are (each with a collapsed ring dropped).
    let states = import_json_report(&bytes, "GEOID", Some("states")).unwrap();
    assert_eq!(states.areas.len(), 56);
    assert_eq!(states.areas.iter().find(|a| a.id == "20").unwrap().name, "Kansas");
    assert_eq!(import_json_report(&bytes, "GEOID", Some("nation")).unwrap().areas.len(), 1);

    let missing = error(import_json_report(&bytes, "GEOID", Some("county")));
    assert!(
        missing.contains("no object `county`; its objects are: counties, nation, states"),
        "{missing}"
    );
}

#[test]
fn demo_kansas_counties_geojson() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../crisisbridge/demo/kansas-counties.geojson");
    let bytes = read(std::path::Path::new(path));
    let report = import_json_report(&bytes, "fips", None).unwrap();
    assert_eq!(report.format, Format::GeoJson);
    assert_eq!(report.areas.len(), 105);
    assert!(report.skipped.is_empty());
    let douglas = report.areas.iter().find(|a| a.id == "20045").unwrap();
    assert_eq!(douglas.name, "Douglas");
    let ids: HashSet<&str> = report.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 105);

    // The same file gzip-compressed gives the same areas.
    let (format, areas) = import_json(&gzip(&bytes), "fips").unwrap();
    assert_eq!(format, Format::GeoJson);
    assert_eq!(areas, report.areas);
}

// ---- GeoJSON -----------------------------------------------------------------------------

fn feature(id: &str, name: &str, geometry: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"GEOID":"{id}","NAME":"{name}"}},"geometry":{geometry}}}"#
    )
}

fn polygon(rings: &str) -> String {
    format!(r#"{{"type":"Polygon","coordinates":{rings}}}"#)
}

fn collection(features: &[String]) -> Vec<u8> {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")).into_bytes()
}

const SQUARE: &str = "[[[-95.5,38.7],[-95.0,38.7],[-95.0,39.1],[-95.5,39.1],[-95.5,38.7]]]";

#[test]
fn geojson_ids_names_and_shapes() {
    let bytes = collection(&[
        feature("20045", "Douglas", &polygon(SQUARE)),
        // A number id without a fractional part, no name, a MultiPolygon with a hole.
        r#"{"type":"Feature","properties":{"GEOID":20001.0},"geometry":{"type":"MultiPolygon",
            "coordinates":[[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,4],[4,4],[4,2],[2,2]]],
                           [[[20,0],[21,0],[21,1],[20,0]]]]}}"#
            .into(),
        // No GEOID: the feature's own id; positions with altitude.
        r#"{"type":"Feature","id":7,"properties":{"name":"Lower"},"geometry":
            {"type":"Polygon","coordinates":[[[1,1,100],[2,1,100],[2,2,100],[1,1,100]]]}}"#
            .into(),
        // Neither: its position.
        r#"{"type":"Feature","properties":null,"geometry":{"type":"GeometryCollection",
            "geometries":[{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}]}}"#
            .into(),
        // Null geometry: skipped.
        r#"{"type":"Feature","properties":{"GEOID":"99999"},"geometry":null}"#.into(),
    ]);
    let report = import_json_report(&bytes, "GEOID", None).unwrap();
    let ids: Vec<(&str, &str)> =
        report.areas.iter().map(|a| (a.id.as_str(), a.name.as_str())).collect();
    assert_eq!(ids, [("20045", "Douglas"), ("20001", ""), ("7", "Lower"), ("3", "")]);
    let multi = &report.areas[1];
    assert_eq!(multi.polygons.len(), 2);
    assert_eq!(multi.polygons[0].holes.len(), 1);
    assert_eq!(
        report.areas[2].polygons[0].exterior,
        [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 1.0]]
    );
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped, ["feature 99999: its geometry is null, so it has no area"]);

    // A bare geometry is one area, named by its position.
    let (format, areas) = import_json(polygon(SQUARE).as_bytes(), "GEOID").unwrap();
    assert_eq!(format, Format::GeoJson);
    assert_eq!(areas.len(), 1);
    assert_eq!(areas[0].id, "0");
}

#[test]
fn swapped_axes_are_named() {
    let rings = "[[[38.97,-95.23],[38.97,-95.0],[39.1,-95.0],[38.97,-95.23]]]";
    let message =
        error(import_json(&collection(&[feature("20045", "Douglas", &polygon(rings))]), "GEOID"));
    assert_eq!(
        message,
        "feature 20045 (Douglas): ring 0, vertex 0: [38.97, -95.23] is out of range: latitude \
         -95.23 is outside -90..90; the axes look swapped: the file seems to hold [latitude, \
         longitude], but positions must be [longitude, latitude]; swap them"
    );
}

#[test]
fn projected_coordinates_are_named() {
    let rings = "[[[500000,4300000],[500100,4300000],[500100,4300100],[500000,4300000]]]";
    let message = error(import_json(&collection(&[feature("1", "A", &polygon(rings))]), "GEOID"));
    assert!(message.contains("this looks like projected coordinates"), "{message}");
}

#[test]
fn a_ring_of_three_points_is_refused() {
    let rings = "[[[-95.5,38.7],[-95.0,38.7],[-95.5,38.7]]]";
    let message =
        error(import_json(&collection(&[feature("20045", "Douglas", &polygon(rings))]), "GEOID"));
    assert_eq!(
        message,
        "feature 20045 (Douglas): ring 0 has only 2 distinct point(s): a ring needs at least 3 \
         distinct corners and the closing point to enclose an area; fix or remove the ring"
    );
}

#[test]
fn a_bowtie_is_refused_with_where_it_crosses() {
    let bowtie = "[[[0,0],[2,2],[2,0],[0,2],[0,0]]]";
    let message =
        error(import_json(&collection(&[feature("20045", "Douglas", &polygon(bowtie))]), "GEOID"));
    assert!(
        message.starts_with(
            "feature 20045 (Douglas): ring 0 crosses itself near [1.000000, 1.000000]: a \
             boundary must not cross itself"
        ),
        "{message}"
    );

    // In a ring too big to check pair by pair, and in a hole of a second polygon.
    let mut points: Vec<[f64; 2]> = (0..1_000)
        .map(|i| {
            let t = f64::from(i) / 1_000.0 * std::f64::consts::TAU;
            [t.cos(), t.sin()]
        })
        .collect();
    points.swap(100, 600);
    points.push(points[0]);
    let geometry = serde_json::json!({
        "type": "MultiPolygon",
        "coordinates": [
            [[[10, 10], [11, 10], [11, 11], [10, 10]]],
            [[[-5, -5], [5, -5], [5, 5], [-5, 5], [-5, -5]], points],
        ],
    });
    let message =
        error(import_json(&collection(&[feature("1", "Big", &geometry.to_string())]), "GEOID"));
    assert!(
        message.starts_with("feature 1 (Big): polygon 1 ring 1 crosses itself near"),
        "{message}"
    );
}

#[test]
fn rings_that_touch_themselves_are_accepted() {
    // A figure eight meeting at one vertex, as real county rings do.
    let eight = "[[[0,0],[1,0],[1,1],[2,1],[2,2],[1,2],[1,1],[0,1],[0,0]]]";
    let (_, areas) =
        import_json(&collection(&[feature("1", "Eight", &polygon(eight))]), "GEOID").unwrap();
    assert_eq!(areas[0].vertex_count(), 9);
}

#[test]
fn an_unclosed_ring_is_closed_and_duplicates_removed() {
    let open = "[[[-95.5,38.7],[-95.0,38.7],[-95.0,38.7],[-95.0,39.1],[-95.5,39.1]]]";
    let report = import_json_report(
        &collection(&[feature("20045", "Douglas", &polygon(open))]),
        "GEOID",
        None,
    )
    .unwrap();
    assert_eq!(
        report.areas[0].polygons,
        [Polygon {
            exterior: vec![
                [-95.5, 38.7],
                [-95.0, 38.7],
                [-95.0, 39.1],
                [-95.5, 39.1],
                [-95.5, 38.7]
            ],
            holes: vec![],
        }]
    );
    assert_eq!(report.repairs.closed_rings, 1);
    assert_eq!(report.repairs.duplicate_points, 1);
}

#[test]
fn not_json_is_refused() {
    let message = error(import_json(b"GEOID,NAME\n20045,Douglas\n", "GEOID"));
    assert!(message.starts_with("not JSON ("), "{message}");
    assert!(message.ends_with("expected GeoJSON or TopoJSON"), "{message}");

    let message = error(import_json(br#"{"type":"Topography"}"#, "GEOID"));
    assert!(message.contains("is neither GeoJSON"), "{message}");
}

#[test]
fn a_point_feature_is_refused() {
    let point = r#"{"type":"Point","coordinates":[-95.23,38.97]}"#;
    let message = error(import_json(&collection(&[feature("20045", "Douglas", point)]), "GEOID"));
    assert_eq!(
        message,
        "feature 20045 (Douglas): its geometry is a Point, which has no area: boundaries must be \
         Polygons or MultiPolygons (is this the right file?)"
    );
}

#[test]
fn a_feature_without_id_is_named_by_position() {
    let bad = r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,"x"],[1,1],[0,0]]]}}"#;
    let bytes = collection(&[feature("20045", "Douglas", &polygon(SQUARE)), bad.into()]);
    let message = error(import_json(&bytes, "GEOID"));
    assert_eq!(
        message,
        "feature #1: ring 0, vertex 1 is not a [longitude, latitude] pair of numbers: [1,\"x\"]"
    );
}

#[test]
fn gzip_geojson_decodes_the_same_as_plain() {
    let plain = collection(&[feature("20045", "Douglas", &polygon(SQUARE))]);
    let compressed = gzip(&plain);
    assert_eq!(&*gunzip_if_needed(&compressed).unwrap(), plain.as_slice());
    assert_eq!(import_json(&compressed, "GEOID").unwrap(), import_json(&plain, "GEOID").unwrap());

    let message = error(import_json(&compressed[..compressed.len() / 2], "GEOID"));
    assert!(message.starts_with("the data starts like gzip but does not decompress"), "{message}");
}

// ---- TopoJSON ----------------------------------------------------------------------------

#[test]
fn topojson_arcs_are_decoded_and_joined() {
    // Two unit squares side by side sharing arc 0 (the middle edge, drawn upwards), quantized
    // with scale 0.5 and translated to (-100, 40), delta-encoded.
    let topology = r#"{
      "type": "Topology",
      "transform": {"scale": [0.5, 0.5], "translate": [-100, 40]},
      "arcs": [
        [[2, 0], [0, 2]],
        [[2, 2], [-2, 0], [0, -2], [2, 0]],
        [[2, 0], [2, 0], [0, 2], [-2, 0]]
      ],
      "objects": {
        "squares": {"type": "GeometryCollection", "geometries": [
          {"type": "Polygon", "id": "west", "properties": {"name": "West"}, "arcs": [[0, 1]]},
          {"type": "MultiPolygon", "id": 2, "arcs": [[[2, -1]]]},
          {"type": null, "id": "nothing"}
        ]}
      }
    }"#;
    let report = import_json_report(topology.as_bytes(), "GEOID", None).unwrap();
    assert_eq!(report.format, Format::TopoJson);
    assert_eq!(report.areas.len(), 2);
    let west = &report.areas[0];
    assert_eq!((west.id.as_str(), west.name.as_str()), ("west", "West"));
    assert_eq!(
        west.polygons[0].exterior,
        [[-99.0, 40.0], [-99.0, 41.0], [-100.0, 41.0], [-100.0, 40.0], [-99.0, 40.0]]
    );
    let east = &report.areas[1];
    assert_eq!(east.id, "2");
    assert_eq!(
        east.polygons[0].exterior,
        [[-99.0, 40.0], [-98.0, 40.0], [-98.0, 41.0], [-99.0, 41.0], [-99.0, 40.0]]
    );
    assert_eq!(report.skipped.len(), 1);

    let broken = topology.replace("[[2, -1]]", "[[2, -9]]");
    let message = error(import_json(broken.as_bytes(), "GEOID"));
    assert!(
        message.starts_with("feature 2: ring 0 refers to arc -9, but the topology has 3 arcs"),
        "{message}"
    );
}

// ---- Shapefile ---------------------------------------------------------------------------

/// A polygon `.shp` (shape type 5) of the given shapes (`None`: a null shape), each a list of
/// parts.
fn shp(shapes: &[Option<Vec<Vec<[f64; 2]>>>]) -> Vec<u8> {
    let mut records = Vec::new();
    for (n, shape) in shapes.iter().enumerate() {
        let mut content = Vec::new();
        match shape {
            None => content.extend(0i32.to_le_bytes()),
            Some(parts) => {
                content.extend(5i32.to_le_bytes());
                content.extend([0u8; 32]); // bounding box: not read
                let points: usize = parts.iter().map(Vec::len).sum();
                content.extend((parts.len() as i32).to_le_bytes());
                content.extend((points as i32).to_le_bytes());
                let mut start = 0;
                for part in parts {
                    content.extend((start as i32).to_le_bytes());
                    start += part.len();
                }
                for p in parts.iter().flatten() {
                    content.extend(p[0].to_le_bytes());
                    content.extend(p[1].to_le_bytes());
                }
            }
        }
        records.extend((n as i32 + 1).to_be_bytes());
        records.extend((content.len() as i32 / 2).to_be_bytes());
        records.extend(content);
    }
    let mut file = Vec::new();
    file.extend(9994i32.to_be_bytes());
    file.extend([0u8; 20]);
    file.extend(((100 + records.len()) as i32 / 2).to_be_bytes());
    file.extend(1000i32.to_le_bytes());
    file.extend(5i32.to_le_bytes());
    file.extend([0u8; 64]);
    file.extend(records);
    file
}

/// A dBASE III `.dbf` with character fields; a row starting with `*` is marked deleted.
fn dbf(fields: &[(&str, usize)], rows: &[Vec<Vec<u8>>]) -> Vec<u8> {
    let record_len = 1 + fields.iter().map(|f| f.1).sum::<usize>();
    let header_len = 32 + 32 * fields.len() + 1;
    let mut file = vec![3u8, 116, 1, 1];
    file.extend((rows.len() as u32).to_le_bytes());
    file.extend((header_len as u16).to_le_bytes());
    file.extend((record_len as u16).to_le_bytes());
    file.extend([0u8; 20]);
    for (name, len) in fields {
        let mut descriptor = [0u8; 32];
        descriptor[..name.len()].copy_from_slice(name.as_bytes());
        descriptor[11] = b'C';
        descriptor[16] = *len as u8;
        file.extend(descriptor);
    }
    file.push(0x0d);
    for row in rows {
        let deleted = row.first().is_some_and(|v| v == b"*");
        file.push(if deleted { b'*' } else { b' ' });
        for ((_, len), value) in fields.iter().zip(row.iter().skip(usize::from(deleted))) {
            let mut cell = value.to_vec();
            cell.resize(*len, b' ');
            file.extend(cell);
        }
    }
    file.push(0x1a);
    file
}

/// A `.dbf` row of text values.
fn row(values: &[&str]) -> Vec<Vec<u8>> {
    values.iter().map(|v| v.as_bytes().to_vec()).collect()
}

/// Clockwise (an outer ring in a shapefile), closed.
fn clockwise(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    vec![[x0, y0], [x0, y1], [x1, y1], [x1, y0], [x0, y0]]
}

/// Counter-clockwise (a hole in a shapefile), closed.
fn counter_clockwise(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    let mut ring = clockwise(x0, y0, x1, y1);
    ring.reverse();
    ring
}

#[test]
fn shapefile_holes_find_their_outer_rings() {
    let shapes = [
        // Two outer rings, the big one first, and a hole inside the small one (which the big
        // one contains too): it belongs to the smallest.
        Some(vec![
            clockwise(0.0, 0.0, 10.0, 10.0),
            counter_clockwise(2.0, 2.0, 3.0, 3.0),
            clockwise(1.0, 1.0, 5.0, 5.0),
            counter_clockwise(6.0, 6.0, 7.0, 7.0),
        ]),
        None,
        // Drawn counter-clockwise: a hole in no outer ring, made an outer ring.
        Some(vec![counter_clockwise(20.0, 20.0, 21.0, 21.0)]),
        Some(vec![clockwise(30.0, 30.0, 31.0, 31.0)]),
    ];
    let table = dbf(
        &[("GEOID", 5), ("NAME", 12)],
        &[
            row(&["20045", "Douglas"]),
            row(&["00000", "Null"]),
            vec![b"20001".to_vec(), b"Ni\xf1o".to_vec()], // Latin-1
            row(&["*", "20003", "Añil"]),
        ],
    );
    let report = import_shapefile_report(&shp(&shapes), Some(&table), "GEOID").unwrap();
    let ids: Vec<(&str, &str)> =
        report.areas.iter().map(|a| (a.id.as_str(), a.name.as_str())).collect();
    assert_eq!(ids, [("20045", "Douglas"), ("20001", "Niño")]);
    let douglas = &report.areas[0].polygons;
    assert_eq!(douglas.len(), 2);
    assert_eq!(douglas[0].exterior, clockwise(0.0, 0.0, 10.0, 10.0));
    assert_eq!(douglas[0].holes, [counter_clockwise(6.0, 6.0, 7.0, 7.0)]);
    assert_eq!(douglas[1].exterior, clockwise(1.0, 1.0, 5.0, 5.0));
    assert_eq!(douglas[1].holes, [counter_clockwise(2.0, 2.0, 3.0, 3.0)]);
    assert_eq!(report.areas[1].polygons[0].exterior, counter_clockwise(20.0, 20.0, 21.0, 21.0));
    assert_eq!(report.repairs.orphan_holes, 1);
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        skipped,
        [
            "feature 00000 (Null): it is a null shape (no geometry), so it has no area",
            "feature 20003 (Añil): its .dbf record is marked deleted",
        ]
    );

    // Without the .dbf, ids are positions.
    let report = import_shapefile_report(&shp(&shapes), None, "GEOID").unwrap();
    let ids: Vec<&str> = report.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["0", "2", "3"]);
    assert_eq!(report.notes, ["no .dbf: ids are record positions and areas have no names"]);
}

#[test]
fn a_nan_coordinate_is_refused() {
    let mut ring = clockwise(-95.5, 38.7, -95.0, 39.1);
    ring[2] = [f64::NAN, 39.1];
    let table = dbf(&[("GEOID", 5), ("NAME", 12)], &[row(&["20045", "Douglas"])]);
    let message = error(import_shapefile(&shp(&[Some(vec![ring])]), Some(&table), "GEOID"));
    assert_eq!(
        message,
        "feature 20045 (Douglas): part 0, vertex 2: coordinate [NaN, 39.1] is not a finite \
         number; the file is damaged there: fix or remove the vertex"
    );
}

#[test]
fn a_truncated_shp_is_refused() {
    let file = shp(&[
        Some(vec![clockwise(0.0, 0.0, 1.0, 1.0)]),
        Some(vec![clockwise(2.0, 2.0, 3.0, 3.0)]),
    ]);
    let message = error(import_shapefile(&file[..file.len() - 10], None, "GEOID"));
    assert_eq!(
        message,
        format!(
            "the .shp is truncated: its header says {} bytes, but there are only {}; copy the \
             file again",
            file.len(),
            file.len() - 10
        )
    );
    let message = error(import_shapefile(&file[..60], None, "GEOID"));
    assert!(
        message.contains("a .shp starts with a 100-byte header, this has 60 bytes"),
        "{message}"
    );

    // A header that claims less than a record needs.
    let mut short = file.clone();
    short.truncate(file.len() - 10);
    let words = (short.len() as i32 / 2).to_be_bytes();
    short[24..28].copy_from_slice(&words);
    let message = error(import_shapefile(&short, None, "GEOID"));
    assert!(message.starts_with("the .shp is truncated or damaged: shape #1"), "{message}");

    let message = error(import_shapefile(b"{\"type\":\"FeatureCollection\"}", None, "GEOID"));
    assert!(message.contains("this looks like JSON"), "{message}");
}

#[test]
fn a_dbf_that_does_not_match_is_refused() {
    let file = shp(&[Some(vec![clockwise(0.0, 0.0, 1.0, 1.0)]), None]);
    let table = dbf(&[("GEOID", 5)], &[row(&["20045"]), row(&["20001"]), row(&["20003"])]);
    let message = error(import_shapefile(&file, Some(&table), "GEOID"));
    assert_eq!(
        message,
        "the .dbf has 3 records but the .shp has 2 shapes: they must come from the same export \
         (same base name); import the matching .dbf, or none"
    );

    let table = dbf(&[("GEOID", 5)], &[row(&["20045"]), row(&["20001"])]);
    let message = error(import_shapefile(&file, Some(&table[..table.len() - 4]), "GEOID"));
    assert!(message.starts_with("the .dbf is truncated"), "{message}");

    // A field that is not there: ids are positions, and a note lists the fields.
    let report = import_shapefile_report(&file, Some(&table), "FIPS").unwrap();
    assert_eq!(report.areas[0].id, "0");
    assert_eq!(
        report.notes[0],
        "the .dbf has no field `FIPS`: ids are record positions; its fields are GEOID"
    );
}

#[test]
fn shapefile_of_points_is_refused() {
    let mut file = shp(&[]);
    file[32..36].copy_from_slice(&1i32.to_le_bytes());
    let message = error(import_shapefile(&file, None, "GEOID"));
    assert_eq!(
        message,
        "the .shp holds points (shape type 1), which have no area: boundaries must be polygons \
         (shape type 5, 15 or 25)"
    );
}

#[test]
fn gzip_shapefiles_decode_the_same_as_plain() {
    let file = shp(&[Some(vec![clockwise(0.0, 0.0, 1.0, 1.0)])]);
    let table = dbf(&[("GEOID", 5)], &[row(&["20045"])]);
    assert_eq!(
        import_shapefile(&gzip(&file), Some(&gzip(&table)), "GEOID").unwrap(),
        import_shapefile(&file, Some(&table), "GEOID").unwrap()
    );
}
