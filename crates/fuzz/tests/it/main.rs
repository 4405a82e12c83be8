//! A bounded, seeded smoke run of every fuzz target: each seed as it is, then mutations of it,
//! through the target. A panic, an overflowed stack or a hang fails the test suite (the suite's
//! own timeout); the inputs are the same on every run. Seeds are the repository's own files
//! and, where present, the real files in `../shared` (NENA samples, LoST vectors, PIDF-LO test
//! files, OpenStreetMap, Census boundaries); without `../shared` the run says so and uses the
//! repository's alone.
//!
//! `fuzz/` runs the same targets under libFuzzer, coverage-guided, for longer (docs/limits.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use fuzz_targets::mutate::Mutator;

/// Mutations per seed. The run is about a few seconds per target in a debug build.
const MUTATIONS: usize = 250;
/// The largest input tried: parsers must refuse or handle anything, but a smoke run need not
/// spend its time on megabytes.
const MAX_LEN: usize = 64 * 1024;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "\n*** ../shared is absent: fuzz smoke seeds come from the repository only ***\n"
        );
        None
    }
}

/// A file's bytes, decompressed when gzipped or bzip2-compressed (for seeds), at most
/// `MAX_LEN`.
fn read(path: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
    let mut bytes = match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => jurisdiction::import::gunzip_if_needed(&bytes).ok()?.into_owned(),
        _ => bytes,
    };
    bytes.truncate(MAX_LEN);
    Some(bytes)
}

/// Files under `dir` (recursively) whose names end with one of `suffixes`.
fn files(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| suffixes.iter().any(|s| n.ends_with(s)))
            {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

/// Runs `target` on every seed and on mutations of each; returns how many inputs it accepted.
fn smoke(name: &str, seeds: &[Vec<u8>], target: fn(&[u8]) -> bool) -> usize {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let mut mutator = Mutator::new(name.len() as u64 * 7919);
    let mut accepted = 0;
    let mut tried = 0;
    for (n, seed) in seeds.iter().enumerate() {
        accepted += usize::from(target(seed));
        tried += 1;
        let other = &seeds[(n + 1) % seeds.len()];
        for _ in 0..MUTATIONS {
            let input = mutator.mutate(seed, other, MAX_LEN);
            accepted += usize::from(target(&input));
            tried += 1;
        }
    }
    println!("{name}: {tried} inputs, {accepted} accepted");
    accepted
}

fn seeds(paths: impl IntoIterator<Item = PathBuf>) -> Vec<Vec<u8>> {
    paths.into_iter().filter_map(|p| read(&p)).collect()
}

#[test]
fn protocols() {
    let mut paths = files(&root().join("protocols"), &[".toml"]);
    paths.extend(files(&root().join("crates/triage/tests/protocols"), &[".toml"]));
    let accepted = smoke("protocol", &seeds(paths), fuzz_targets::protocol);
    assert!(accepted > 0, "the seeds themselves parse");
}

#[test]
fn floors() {
    let seeds = vec![triage::PLATFORM_FLOOR.as_bytes().to_vec()];
    assert!(smoke("floor", &seeds, fuzz_targets::floor) > 0);
}

#[test]
fn boundaries() {
    // The demo's counties, a few at a time, so the seeds are whole files.
    let kansas =
        std::fs::read(root().join("crates/crisisbridge/demo/kansas-counties.geojson")).unwrap();
    let kansas: serde_json::Value = serde_json::from_slice(&kansas).unwrap();
    let mut seeds: Vec<Vec<u8>> = kansas["features"]
        .as_array()
        .unwrap()
        .chunks(2)
        .take(4)
        .map(|features| {
            serde_json::to_vec(
                &serde_json::json!({"type": "FeatureCollection", "features": features}),
            )
            .unwrap()
        })
        .collect();
    seeds.push(br#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#.to_vec());
    if let Some(shared) = shared() {
        seeds.extend(
            files(&shared.join("data/us-atlas-3.0.1"), &[".json"])
                .iter()
                .take(2)
                .filter_map(|p| read(p)),
        );
    }
    assert!(smoke("boundaries", &seeds, fuzz_targets::boundaries) > 0);
}

#[test]
fn shapefiles() {
    let mut seeds = Vec::new();
    if let Some(shared) = shared() {
        let census = shared.join("data/census-cb2016-500k");
        if let (Some(shp), Some(dbf)) = (
            read(&census.join("cb_2016_us_state_500k.shp.gz")),
            read(&census.join("cb_2016_us_state_500k.dbf.gz")),
        ) {
            // A prefix of the real file: its header and first records, and the attributes.
            let shp: Vec<u8> = shp.into_iter().take(dbf.len()).collect();
            seeds.push([shp, dbf].concat());
        }
    }
    seeds.push(vec![0; 200]);
    smoke("shapefile", &seeds, fuzz_targets::shapefile);
}

#[test]
fn roads() {
    let mut seeds = vec![
        b"from_lat,from_lon,to_lat,to_lon,seconds\n38.0,-95.0,38.1,-95.0,60\n38.1,-95.0,38.0,-95.0,60\n".to_vec(),
        br#"<?xml version="1.0"?><osm><node id="1" lat="38" lon="-95"/><node id="2" lat="38.1" lon="-95"/><way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>"#.to_vec(),
    ];
    if let Some(shared) = shared() {
        seeds.extend(read(&shared.join("data/osm-west-oakland/West-Oakland.osm.bz2")));
    }
    smoke("roads", &seeds, fuzz_targets::roads);
}

#[test]
fn lost_requests() {
    let mut seeds = Vec::new();
    if let Some(shared) = shared() {
        seeds.extend(self::seeds(files(&shared.join("specs/lost/vectors"), &[".xml"])));
    }
    seeds.push(br#"<findService xmlns="urn:ietf:params:xml:ns:lost1" xmlns:gml="http://www.opengis.net/gml"><location id="l1" profile="geodetic-2d"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>38.9717 -95.2353</gml:pos></gml:Point></location><service>urn:service:sos</service></findService>"#.to_vec());
    assert!(smoke("lost", &seeds, fuzz_targets::lost) > 0);
}

#[test]
fn pidf_documents() {
    let mut seeds = Vec::new();
    if let Some(shared) = shared() {
        seeds.extend(self::seeds(
            files(&shared.join("specs/pidf-lo"), &[".xml"]).into_iter().take(20),
        ));
    }
    seeds.push(br#"<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>38.9717 -95.2353</gml:pos></gml:Point>"#.to_vec());
    assert!(smoke("pidf", &seeds, fuzz_targets::pidf) > 0);
}

#[test]
fn eidos() {
    let mut seeds = Vec::new();
    if let Some(shared) = shared() {
        seeds.extend(self::seeds(files(&shared.join("specs/eido/Samples"), &[".json"])));
    }
    seeds.push(
        br#"{"$id":"urn:emergency:uid:incidentid:abc:cad.example","eidoVersion":"1.0"}"#.to_vec(),
    );
    smoke("eido", &seeds, fuzz_targets::eido);
}

#[test]
fn conveyance_messages() {
    let seeds = vec![
        br#"{"requestForService":{"requestId":"r1","eido":{"$id":"urn:emergency:uid:incidentid:abc:cad.example"}}}"#.to_vec(),
        br#"{"subscribe":{"requestId":"r2","requestType":"eido","requestSubType":"single","incidentId":"x","expires":60}}"#.to_vec(),
        br#"{"unsubscribe":{"requestId":"r3","subscriptionId":"s"}}"#.to_vec(),
        br#"{"cancelRequest":{"requestId":"r1"}}"#.to_vec(),
    ];
    assert!(smoke("conveyance", &seeds, fuzz_targets::conveyance) > 0);
}

#[test]
fn api_bodies() {
    let seeds = vec![
        br#"{"channel":"911","location":{"type":"point","lat":38.9717,"lon":-95.2353,"radius_m":30},"callback_number":"785-555-0100","summary":"s"}"#.to_vec(),
        br#"{"channel":"988","location":{"type":"polygon","points":[[38,-95],[38.1,-95],[38.1,-94.9]]},"summary":"s"}"#.to_vec(),
        br#"{"action":"offer_transfer","service":"urn:service:counseling.suicide","reason":"r","deadline_seconds":30}"#.to_vec(),
        br#"{"action":"override_decision","destination":"988","reason":"r"}"#.to_vec(),
        br#"{"answers":{"weapon":"unknown","risk":"low","age":40,"consent":null},"retriage_reason":"r"}"#.to_vec(),
    ];
    assert!(smoke("api", &seeds, fuzz_targets::api) > 0);
}
