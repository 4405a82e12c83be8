//! A county's address points: where each address (a house number on a street) is. Read from
//! the file a county's GIS exports — CSV with a header, or GeoJSON points — and kept in the
//! checked address file `crisisbridge import addresses` writes.
//!
//! **What is read.** The address is taken whole from a column (or property) `address`,
//! `full_address`, `fulladdr` or `add_full`, or built from the NENA NG9-1-1 GIS data model's
//! site/structure address point fields (NENA-STA-006): `AddNum_Pre`, `Add_Number`,
//! `AddNum_Suf`, `St_PreMod`, `St_PreDir`, `St_PreTyp`, `St_PreSep`, `St_Name`, `St_PosTyp`,
//! `St_PosDir`, `St_PosMod`, joined by spaces; `Unit` is added as ", Unit …". The community
//! (`Post_Comm`, `MSAGComm`, `Inc_Muni` or `city`) is kept beside it. A CSV's position is in
//! `lat`/`latitude`/`Lat` and `lon`/`long`/`longitude`/`Long` columns, in degrees (WGS 84);
//! GeoJSON's is the point. Column names are matched without regard to case. CSV is read with
//! the `csv` crate: quoted fields, embedded commas, CRLF and a byte-order mark are fine.
//!
//! **What is refused.** A row without an address or position, a position that is not a
//! number or out of range (saying when latitude and longitude look swapped), a geometry that is
//! not a point; the whole file is refused, naming up to 20 rows, and nothing is written.
//!
//! The file (`CBADDRES`, version 1): a `u32` count, then each point as `i32` latitude and
//! longitude in 1e-7 degrees and the address and community as `u16`-length UTF-8, then the
//! CRC-32 (see [`crate::file`]).

use roads::E7;
use serde_json::Value;

use crate::StreetsError;
use crate::file::{Reader, Writer};

const MAGIC: &[u8; 8] = b"CBADDRES";
pub const VERSION: u32 = 1;
/// Errors named before giving up.
const MAX_ERRORS: usize = 20;
/// More points than any county has; a file beyond it is refused.
pub const MAX_POINTS: usize = 10_000_000;

const WHOLE: [&str; 4] = ["address", "full_address", "fulladdr", "add_full"];
const PARTS: [&str; 11] = [
    "addnum_pre",
    "add_number",
    "addnum_suf",
    "st_premod",
    "st_predir",
    "st_pretyp",
    "st_presep",
    "st_name",
    "st_postyp",
    "st_posdir",
    "st_posmod",
];
const COMMUNITY: [&str; 4] = ["post_comm", "msagcomm", "inc_muni", "city"];
const LAT: [&str; 3] = ["lat", "latitude", "y"];
const LON: [&str; 5] = ["lon", "long", "longitude", "lng", "x"];

/// One address point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPoint {
    /// As the file writes it ("1234 Main St").
    pub address: String,
    pub community: Option<String>,
    pub position: E7,
}

/// Address points, as read or loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPoints {
    pub points: Vec<AddressPoint>,
}

impl AddressPoints {
    /// Reads a CSV or GeoJSON file of address points (see the module docs); `name` is the
    /// file's name for messages.
    pub fn read(bytes: &[u8]) -> Result<Self, StreetsError> {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
            .map_err(|_| {
                StreetsError::Format("the file is not UTF-8 text (save it as UTF-8)".into())
            })?;
        match text.trim_start().chars().next() {
            None => Err(StreetsError::Format("the file is empty".into())),
            Some('{') => read_geojson(text),
            Some(_) => read_csv(text),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer::new(MAGIC, VERSION);
        out.u32(self.points.len() as u32);
        for p in &self.points {
            out.i32(p.position.lat);
            out.i32(p.position.lon);
            out.text(&p.address);
            out.text(p.community.as_deref().unwrap_or_default());
        }
        out.finish()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StreetsError> {
        let mut r = Reader::open(bytes, MAGIC, VERSION, "address")?;
        let n = r.count(12)?;
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            let position = r.position()?;
            let address = r.text()?;
            let community = Some(r.text()?).filter(|c| !c.is_empty());
            points.push(AddressPoint { address, community, position });
        }
        r.end()?;
        Ok(Self { points })
    }

    pub fn is_address_file(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }
}

/// Collects row errors, keeping the first [`MAX_ERRORS`].
#[derive(Default)]
struct Problems {
    first: Vec<String>,
    count: usize,
}

impl Problems {
    fn add(&mut self, at: String, problem: &str) {
        self.count += 1;
        if self.first.len() < MAX_ERRORS {
            self.first.push(format!("{at}: {problem}"));
        }
    }

    fn finish(self, points: Vec<AddressPoint>) -> Result<AddressPoints, StreetsError> {
        if self.count > 0 {
            let more = self.count - self.first.len();
            let tail = if more > 0 { format!("; and {more} more") } else { String::new() };
            return Err(StreetsError::Row {
                at: format!("{} of the rows are wrong, nothing was imported", self.count),
                problem: format!("{}{tail}", self.first.join("; ")),
            });
        }
        if points.is_empty() {
            return Err(StreetsError::Format("the file holds no address points".into()));
        }
        Ok(AddressPoints { points })
    }
}

/// Reads the fields of one row or feature, looked up by lower-case name.
fn build(get: &dyn Fn(&str) -> Option<String>) -> Result<(String, Option<String>), &'static str> {
    let first = |names: &[&str]| names.iter().find_map(|n| get(n)).filter(|v| !v.is_empty());
    let address = match first(&WHOLE) {
        Some(whole) => whole,
        None => {
            let parts: Vec<String> =
                PARTS.iter().filter_map(|n| get(n)).filter(|v| !v.is_empty()).collect();
            if get("add_number").is_none_or(|v| v.is_empty())
                || get("st_name").is_none_or(|v| v.is_empty())
            {
                return Err(
                    "no address: give an `address` column, or NENA's `Add_Number` and `St_Name`",
                );
            }
            let mut whole = parts.join(" ");
            if let Some(unit) = first(&["unit"]) {
                whole.push_str(", Unit ");
                whole.push_str(&unit);
            }
            whole
        }
    };
    Ok((address, first(&COMMUNITY)))
}

fn position(lat: Option<f64>, lon: Option<f64>) -> Result<E7, String> {
    let (Some(lat), Some(lon)) = (lat, lon) else {
        return Err("no position: give `lat` and `lon` in degrees".into());
    };
    if lat.abs() > 90.0 && lon.abs() <= 90.0 {
        return Err(format!("latitude {lat} is out of range; latitude and longitude look swapped"));
    }
    E7::from_degrees(lat, lon).ok_or_else(|| {
        format!("position {lat}, {lon} is out of range (latitude -90..90, longitude -180..180)")
    })
}

fn read_csv(text: &str) -> Result<AddressPoints, StreetsError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| StreetsError::Format(format!("the header row cannot be read: {e}")))?
        .iter()
        .map(str::to_lowercase)
        .collect();
    let column = |names: &[&str]| names.iter().find_map(|n| headers.iter().position(|h| h == n));
    let (lat_col, lon_col) = (column(&LAT), column(&LON));
    if lat_col.is_none() || lon_col.is_none() {
        return Err(StreetsError::Format(format!(
            "the header row ({}) names no latitude or no longitude column: use `lat` and `lon` (or NENA's `Lat` and `Long`)",
            headers.join(",")
        )));
    }
    if column(&WHOLE).is_none()
        && (column(&["add_number"]).is_none() || column(&["st_name"]).is_none())
    {
        return Err(StreetsError::Format(format!(
            "the header row ({}) names no address: use an `address` column, or NENA's `Add_Number` and `St_Name`",
            headers.join(",")
        )));
    }
    let mut points = Vec::new();
    let mut problems = Problems::default();
    for (i, record) in reader.records().enumerate() {
        let line =
            record.as_ref().ok().and_then(|r| r.position()).map_or(i as u64 + 2, |p| p.line());
        let at = format!("line {line}");
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.add(at, &format!("cannot be read: {e}"));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| {
            headers.iter().position(|h| h == name).and_then(|c| record.get(c)).map(str::to_owned)
        };
        let number =
            |c: Option<usize>| c.and_then(|c| record.get(c)).and_then(|v| v.parse::<f64>().ok());
        let found = build(&get).map_err(str::to_owned).and_then(|(address, community)| {
            Ok(AddressPoint {
                address,
                community,
                position: position(number(lat_col), number(lon_col))?,
            })
        });
        match found {
            Ok(point) if points.len() < MAX_POINTS => points.push(point),
            Ok(_) => {
                return Err(StreetsError::Format(format!("more than {MAX_POINTS} address points")));
            }
            Err(problem) => problems.add(at, &problem),
        }
    }
    problems.finish(points)
}

fn read_geojson(text: &str) -> Result<AddressPoints, StreetsError> {
    let document: Value =
        serde_json::from_str(text).map_err(|e| StreetsError::Format(format!("not JSON: {e}")))?;
    let Some(features) = document.get("features").and_then(Value::as_array) else {
        return Err(StreetsError::Format("not a GeoJSON FeatureCollection (no `features`)".into()));
    };
    if features.len() > MAX_POINTS {
        return Err(StreetsError::Format(format!("more than {MAX_POINTS} address points")));
    }
    let mut points = Vec::new();
    let mut problems = Problems::default();
    for (i, feature) in features.iter().enumerate() {
        let at = format!("feature {i}");
        let properties = feature.get("properties").and_then(Value::as_object);
        let get = |name: &str| {
            properties.and_then(|p| {
                p.iter().find(|(k, _)| k.to_lowercase() == name).and_then(|(_, v)| match v {
                    Value::String(s) => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            })
        };
        let geometry = feature.get("geometry");
        let coordinates = match geometry.and_then(|g| g.get("type")).and_then(Value::as_str) {
            Some("Point") => geometry.and_then(|g| g.get("coordinates")).and_then(Value::as_array),
            other => {
                problems.add(
                    at,
                    &format!("the geometry is {}, not a Point", other.unwrap_or("missing")),
                );
                continue;
            }
        };
        let coordinate = |k: usize| coordinates.and_then(|c| c.get(k)).and_then(Value::as_f64);
        let found = build(&get).map_err(str::to_owned).and_then(|(address, community)| {
            Ok(AddressPoint {
                address,
                community,
                position: position(coordinate(1), coordinate(0))?,
            })
        });
        match found {
            Ok(point) => points.push(point),
            Err(problem) => problems.add(at, &problem),
        }
    }
    problems.finish(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_nena_csv() {
        let plain = "\u{feff}address,lat,lon\r\n\"1234 Main St, Rear\",38.97,-95.24\r\n";
        let points = AddressPoints::read(plain.as_bytes()).unwrap();
        assert_eq!(points.points[0].address, "1234 Main St, Rear");
        let nena = "Add_Number,St_PreDir,St_Name,St_PosTyp,Unit,Post_Comm,Long,Lat\n1000,W,23rd,St,4B,Lawrence,-95.25,38.94\n";
        let points = AddressPoints::read(nena.as_bytes()).unwrap();
        let p = &points.points[0];
        assert_eq!(p.address, "1000 W 23rd St, Unit 4B");
        assert_eq!(p.community.as_deref(), Some("Lawrence"));
        assert_eq!(p.position, E7::from_degrees(38.94, -95.25).unwrap());
        let back = AddressPoints::from_bytes(&points.to_bytes()).unwrap();
        assert_eq!(back, points);
    }

    #[test]
    fn refuses_bad_rows_naming_them() {
        let bad =
            "address,lat,lon\n1 A St,38.9,-95.2\n,38.9,-95.2\n2 B St,-95.2,38.9\n3 C St,x,-95\n";
        let err = AddressPoints::read(bad.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("3 of the rows are wrong"), "{err}");
        assert!(err.contains("line 3: no address"), "{err}");
        assert!(
            err.contains(
                "line 4: latitude -95.2 is out of range; latitude and longitude look swapped"
            ),
            "{err}"
        );
        assert!(err.contains("line 5: no position"), "{err}");
        let err = AddressPoints::read(b"street,y\n").unwrap_err().to_string();
        assert!(err.contains("no latitude or no longitude"), "{err}");
    }

    #[test]
    fn reads_geojson_points() {
        let doc = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"Add_Number":12,"St_Name":"Main","St_PosTyp":"St"},"geometry":{"type":"Point","coordinates":[-95.2,38.9]}},
            {"type":"Feature","properties":{"address":"x"},"geometry":{"type":"LineString","coordinates":[]}}]}"#;
        let err = AddressPoints::read(doc.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("feature 1: the geometry is LineString"), "{err}");
        let ok = doc.replace(r#"{"type":"Feature","properties":{"address":"x"},"geometry":{"type":"LineString","coordinates":[]}}"#, r#"{"type":"Feature","properties":{"address":"9 Elm St"},"geometry":{"type":"Point","coordinates":[-95.3,38.8]}}"#);
        let points = AddressPoints::read(ok.as_bytes()).unwrap();
        assert_eq!(points.points[0].address, "12 Main St");
        assert_eq!(points.points[1].address, "9 Elm St");
    }

    #[test]
    fn damaged_files_are_refused() {
        let points = AddressPoints::read(b"address,lat,lon\n1 A St,38.9,-95.2\n").unwrap();
        let mut bytes = points.to_bytes();
        let last = bytes.len() - 6;
        bytes[last] ^= 1;
        assert!(AddressPoints::from_bytes(&bytes).unwrap_err().to_string().contains("damaged"));
        assert!(AddressPoints::from_bytes(b"CBSTREET....").is_err());
    }
}
