//! Fuzz targets: every parser of input from outside, as `fn(&[u8])` that must never panic,
//! hang or recurse without bound, whatever the bytes. Each returns whether the input was
//! accepted, so a harness can tell that it reached past the first check.
//!
//! - `protocol`, `floor`: triage protocol and safety floor files (TOML and conditions); an
//!   accepted protocol is also checked, within the checker's work budget.
//! - `boundaries`: GeoJSON and TopoJSON boundary files; `shapefile`: `.shp` with a `.dbf`.
//! - `roads`: OpenStreetMap XML and PBF, and the CSV edge list, gzip or bzip2 or plain.
//! - `lost`: LoST requests; `pidf`: PIDF-LO presence documents and GML shapes.
//! - `eido`: NENA EIDO JSON; `conveyance`: NENA-STA-024 messages.
//! - `api`: the JSON bodies of the API's incident routes.
//!
//! [`mutate`] is a small seeded mutator for the stable, bounded smoke run the test suite does
//! (`tests/it`); `fuzz/` (its own workspace, nightly) runs these same functions under
//! libFuzzer, coverage-guided, for as long as one likes.

pub mod mutate;

/// A triage protocol file.
pub fn protocol(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    match triage::Protocol::parse("fuzz.toml", &text) {
        Ok(protocol) => {
            let _ = triage::check(&protocol, &[]);
            true
        }
        Err(_) => false,
    }
}

/// A safety floor file.
pub fn floor(data: &[u8]) -> bool {
    triage::Floor::parse("fuzz.toml", &String::from_utf8_lossy(data)).is_ok()
}

/// A GeoJSON or TopoJSON boundary file, gzipped or not.
pub fn boundaries(data: &[u8]) -> bool {
    jurisdiction::import::import_json(data, "fips").is_ok()
        || jurisdiction::import::import_json(data, "GEOID").is_ok()
}

/// A shapefile: the first half of the bytes as the `.shp`, the rest as the `.dbf`.
pub fn shapefile(data: &[u8]) -> bool {
    let (shp, dbf) = data.split_at(data.len() / 2);
    jurisdiction::import::import_shapefile(shp, Some(dbf), "GEOID").is_ok()
}

/// A road file: OSM XML or PBF, or the CSV edge list, compressed or not.
pub fn roads(data: &[u8]) -> bool {
    roads::import::import(data).is_ok()
}

/// A LoST request.
pub fn lost(data: &[u8]) -> bool {
    interop::lost::parse_request(data).is_ok()
}

/// A PIDF-LO presence document, and the same bytes as a bare GML shape.
pub fn pidf(data: &[u8]) -> bool {
    let presence = interop::pidf::parse_presence(data).is_ok();
    let shape = interop::pidf::parse_shape(data).is_ok();
    presence || shape
}

/// A NENA EIDO.
pub fn eido(data: &[u8]) -> bool {
    interop::eido::import(data).is_ok()
}

/// A NENA-STA-024 conveyance message.
pub fn conveyance(data: &[u8]) -> bool {
    server::fuzzing::conveyance_message(&String::from_utf8_lossy(data))
}

/// The JSON body of `POST /incidents`, an incident action, or a triage request.
pub fn api(data: &[u8]) -> bool {
    server::fuzzing::api_body(data)
}
