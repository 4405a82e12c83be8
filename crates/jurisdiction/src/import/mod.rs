//! Boundary files into validated [`Area`]s: GeoJSON, TopoJSON and ESRI Shapefile, each
//! optionally gzip-compressed. Functions take bytes; callers read the files.
//!
//! # Identity
//!
//! An area's id is the attribute named `id_field` (a string, or a number — numbers without a
//! fractional part print as integers, so `20045.0` becomes `"20045"`); when the feature has no
//! such attribute (or it is null or empty), the feature's own `id` (GeoJSON, TopoJSON); else
//! the feature's position in the file, counting from 0. Attribute names match exactly first,
//! then ignoring ASCII case. The name is the attribute `NAME`, else `name`, else `""`.
//! Errors name a feature as `20045 (Douglas)`, or `#12` when it has no id of its own.
//!
//! # Checks
//!
//! Every ring of every format is checked the same way (see `validate.rs`); a failed check is an
//! [`ImportError::Feature`] naming the feature, the ring and the vertex:
//! - coordinates are finite numbers, longitude in −180..180 and latitude in −90..90 (when a
//!   point would be in range with its axes swapped, the message says so; when it is far out of
//!   range, that the file looks projected);
//! - after the repairs below, a ring has at least 4 positions: 3 distinct corners and the
//!   closing point;
//! - a ring does not cross itself: two non-adjacent edges must not properly cross. Touching is
//!   allowed — non-adjacent edges meeting at a vertex, or a vertex lying on another edge, or
//!   edges overlapping along a line — because real boundaries pinch like that.
//!
//! Holes are not checked against their outer ring, nor rings against each other. Messages call
//! rings `ring R` (0 is the outer ring, then the holes) or `polygon P ring R` in a
//! multi-polygon, and a shapefile's rings `part N` (the file's parts, checked before holes are
//! sorted); vertices are counted from 0 as in the file.
//!
//! # Repairs
//!
//! These are made silently to the areas and counted in [`Report::repairs`]:
//! - **unclosed ring**: closed by repeating its first point;
//! - **consecutive duplicate points**: all but one removed (before the point count is checked);
//! - **TopoJSON ring collapsed by quantization** (fewer than 3 distinct corners, so no area —
//!   us-atlas's Falls Church, VA is one): dropped, together with the holes of a dropped outer
//!   ring. GeoJSON and Shapefile require 4 positions per ring in their specifications, so there
//!   such a ring is an error;
//! - **Shapefile hole inside no outer ring** (a counter-clockwise ring that no clockwise ring
//!   contains, as written by tools that ignore ring orientation): made an outer ring of its
//!   own.
//!
//! # Skipped features
//!
//! A feature with no area at all — a null geometry, an empty geometry, a Shapefile null shape,
//! a TopoJSON feature whose every ring collapsed, a Shapefile record marked deleted in its
//! `.dbf` — is left out and listed in [`Report::skipped`]. A feature whose geometry is a
//! point or a line is an error: a boundary file with those is probably the wrong file.
//!
//! # Formats
//!
//! - GeoJSON (RFC 7946): a FeatureCollection, a single Feature or a bare geometry; Polygon,
//!   MultiPolygon, or a GeometryCollection of those. Positions are `[lon, lat]`; further
//!   elements (altitude) are ignored.
//! - TopoJSON (as written by topojson-server, e.g. us-atlas): arcs, quantized and
//!   delta-encoded when there is a `transform`; every object in `objects`, in name order (or
//!   one object, see [`import_json_report`]). The members of a top-level GeometryCollection
//!   are the features; a GeometryCollection nested in one is a single feature made of its
//!   members' polygons, as topojson-client does it.
//! - Shapefile: shape types Polygon (5), PolygonZ (15) and PolygonM (25), Z and M ignored; the
//!   `.dbf` (dBASE III and compatible) gives the attributes, text as UTF-8 or else Latin-1.
//!   Outer rings are clockwise and holes counter-clockwise; each hole belongs to the smallest
//!   outer ring that contains it. Output rings keep their vertex order.

mod geojson;
mod shapefile;
mod topojson;
mod validate;

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use serde_json::{Map, Value};

use crate::geometry::{Area, Polygon};

/// Which kind of file the areas came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    TopoJson,
    Shapefile,
}

/// Why a boundary file could not be imported. Messages say what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole: not JSON, not a boundary format, wrong shape type, truncated,
    /// `.shp` and `.dbf` that do not belong together.
    #[error("{0}")]
    Format(String),
    /// One feature's geometry is broken; `feature` is `20045 (Douglas)`, or `#12` (its
    /// position) when it has no id.
    #[error("feature {feature}: {problem}")]
    Feature { feature: String, problem: String },
    /// The data starts like gzip but does not decompress.
    #[error("{0}")]
    Gzip(String),
}

/// What an import produced, with what it repaired and left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub format: Format,
    pub areas: Vec<Area>,
    /// Features with no area, left out (see the module docs).
    pub skipped: Vec<Skipped>,
    pub repairs: Repairs,
    /// Things the caller may want to tell the user, such as no feature having the id attribute.
    pub notes: Vec<String>,
}

/// A feature left out of the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// As in [`ImportError::Feature`]: `20045 (Douglas)` or `#12`.
    pub feature: String,
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "feature {}: {}", self.feature, self.reason)
    }
}

/// How many repairs an import made (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repairs {
    /// Rings closed by repeating their first point.
    pub closed_rings: usize,
    /// Consecutive duplicate points removed.
    pub duplicate_points: usize,
    /// TopoJSON rings dropped because quantization collapsed them.
    pub collapsed_rings: usize,
    /// Shapefile holes that no outer ring contains, made outer rings.
    pub orphan_holes: usize,
}

/// `bytes` decompressed when they start with the gzip magic (`1f 8b`), else `bytes` itself.
pub fn gunzip_if_needed(bytes: &[u8]) -> Result<Cow<'_, [u8]>, ImportError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out).map_err(|e| {
        ImportError::Gzip(format!(
            "the data starts like gzip but does not decompress ({e}); the file is probably \
             truncated or damaged: copy it again, or import the uncompressed file"
        ))
    })?;
    Ok(Cow::Owned(out))
}

/// GeoJSON or TopoJSON (told apart by `"type": "Topology"`), gzip-compressed or not. For a
/// topology, the areas of every object. See [`import_json_report`] for what was repaired and
/// left out.
pub fn import_json(bytes: &[u8], id_field: &str) -> Result<(Format, Vec<Area>), ImportError> {
    let report = import_json_report(bytes, id_field, None)?;
    Ok((report.format, report.areas))
}

/// [`import_json`], with the repairs, skipped features and notes. `topojson_object` picks one
/// object of a topology by name (us-atlas's `counties-10m.json` holds `counties`, `states` and
/// `nation`); `None` takes them all. It is an error for GeoJSON.
pub fn import_json_report(
    bytes: &[u8],
    id_field: &str,
    topojson_object: Option<&str>,
) -> Result<Report, ImportError> {
    let bytes = gunzip_if_needed(bytes)?;
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let root: Value = serde_json::from_slice(text).map_err(|e| {
        let hint = if text.starts_with(&[0x00, 0x00, 0x27, 0x0a]) {
            "this looks like a Shapefile .shp: import it as a shapefile, with its .dbf"
        } else {
            "expected GeoJSON or TopoJSON"
        };
        ImportError::Format(format!("not JSON ({e}): {hint}"))
    })?;
    let kind = root.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = Collector::new(id_field);
    let format = if kind == "Topology" {
        topojson::import(&root, topojson_object, &mut out)?;
        Format::TopoJson
    } else if geojson::is_geojson_type(kind) {
        if let Some(object) = topojson_object {
            return Err(ImportError::Format(format!(
                "a TopoJSON object (`{object}`) was asked for, but this is GeoJSON; leave the \
                 object out"
            )));
        }
        geojson::import(&root, &mut out)?;
        Format::GeoJson
    } else if kind.is_empty() {
        return Err(ImportError::Format(
            "JSON without a \"type\" member: expected a GeoJSON FeatureCollection, Feature or \
             geometry, or a TopoJSON Topology"
                .into(),
        ));
    } else {
        return Err(ImportError::Format(format!(
            "JSON of type \"{kind}\" is neither GeoJSON (FeatureCollection, Feature, Polygon, \
             MultiPolygon, GeometryCollection) nor TopoJSON (Topology)"
        )));
    };
    Ok(out.finish(format))
}

/// A shapefile's `.shp` with its `.dbf` (attributes; without it, ids are record positions),
/// each gzip-compressed or not. See [`import_shapefile_report`] for what was repaired and left
/// out.
pub fn import_shapefile(
    shp: &[u8],
    dbf: Option<&[u8]>,
    id_field: &str,
) -> Result<Vec<Area>, ImportError> {
    Ok(import_shapefile_report(shp, dbf, id_field)?.areas)
}

/// [`import_shapefile`], with the repairs, skipped features and notes.
pub fn import_shapefile_report(
    shp: &[u8],
    dbf: Option<&[u8]>,
    id_field: &str,
) -> Result<Report, ImportError> {
    let shp = gunzip_if_needed(shp)?;
    let dbf = dbf.map(gunzip_if_needed).transpose()?;
    let mut out = Collector::new(id_field);
    shapefile::import(&shp, dbf.as_deref(), &mut out)?;
    Ok(out.finish(Format::Shapefile))
}

/// Who a feature is: its area id and name, and how errors call it.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub id: String,
    pub name: String,
    pub label: String,
}

impl Identity {
    /// `attribute`: the `id_field` attribute's value; `own_id`: the feature's own id.
    fn new(index: usize, attribute: Option<String>, own_id: Option<String>, name: String) -> Self {
        let (id, label) = match attribute.or(own_id) {
            Some(id) => (id.clone(), id),
            None => (index.to_string(), format!("#{index}")),
        };
        let label = if name.is_empty() { label } else { format!("{label} ({name})") };
        Self { id, name, label }
    }

    pub fn error(&self, problem: String) -> ImportError {
        ImportError::Feature { feature: self.label.clone(), problem }
    }
}

/// What the format parsers hand their features to.
#[derive(Debug)]
pub(crate) struct Collector<'a> {
    pub id_field: &'a str,
    areas: Vec<Area>,
    skipped: Vec<Skipped>,
    pub repairs: Repairs,
    notes: Vec<String>,
    /// Features seen, and how many had the id attribute.
    features: usize,
    with_id_attribute: usize,
}

impl<'a> Collector<'a> {
    fn new(id_field: &'a str) -> Self {
        Self {
            id_field,
            areas: Vec::new(),
            skipped: Vec::new(),
            repairs: Repairs::default(),
            notes: Vec::new(),
            features: 0,
            with_id_attribute: 0,
        }
    }

    /// The identity of feature number `index`, from its attribute values and own id.
    pub fn identify(
        &mut self,
        index: usize,
        attribute: Option<String>,
        own_id: Option<String>,
        name: String,
    ) -> Identity {
        self.features += 1;
        self.with_id_attribute += usize::from(attribute.is_some());
        Identity::new(index, attribute, own_id, name)
    }

    /// A JSON feature's identity from its `properties` and `id`.
    pub fn identify_json(
        &mut self,
        index: usize,
        properties: Option<&Map<String, Value>>,
        own_id: Option<&Value>,
    ) -> Identity {
        let attribute = properties.and_then(|p| lookup(p, self.id_field)).and_then(json_text);
        let name = properties
            .and_then(|p| p.get("NAME").or_else(|| p.get("name")).or_else(|| lookup(p, "name")))
            .and_then(json_text)
            .unwrap_or_default();
        self.identify(index, attribute, own_id.and_then(json_text), name)
    }

    /// Validates (and repairs) `polygons`, then keeps them as the feature's area, or records the
    /// feature as skipped when nothing is left. `drop_collapsed`: TopoJSON's leniency.
    pub fn add(
        &mut self,
        who: Identity,
        mut polygons: Vec<Polygon>,
        drop_collapsed: bool,
    ) -> Result<(), ImportError> {
        if polygons.is_empty() {
            self.skip(&who, "its geometry is empty, so it has no area".into());
            return Ok(());
        }
        let collapsed_before = self.repairs.collapsed_rings;
        validate::polygons(&mut polygons, drop_collapsed, &mut self.repairs)
            .map_err(|problem| who.error(problem))?;
        if polygons.is_empty() {
            let n = self.repairs.collapsed_rings - collapsed_before;
            self.skip(
                &who,
                format!(
                    "every outer ring collapsed to fewer than 3 distinct corners ({n} ring(s) \
                     dropped), so it has no area"
                ),
            );
            return Ok(());
        }
        self.areas.push(Area { id: who.id, name: who.name, polygons });
        Ok(())
    }

    /// Keeps polygons whose rings have been through `validate::ring` already.
    pub fn add_checked(&mut self, who: Identity, polygons: Vec<Polygon>) {
        self.areas.push(Area { id: who.id, name: who.name, polygons });
    }

    /// Records a feature with no area.
    pub fn skip(&mut self, who: &Identity, reason: String) {
        self.skipped.push(Skipped { feature: who.label.clone(), reason });
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    fn finish(mut self, format: Format) -> Report {
        // (The shapefile importer says which fields the .dbf has instead.)
        if format != Format::Shapefile && self.features > 0 && self.with_id_attribute == 0 {
            let note = format!(
                "no feature has the attribute `{}`: ids are the features' own ids, or their \
                 positions in the file; choose another id field if that is not what you want",
                self.id_field
            );
            self.notes.insert(0, note);
        }
        Report {
            format,
            areas: self.areas,
            skipped: self.skipped,
            repairs: self.repairs,
            notes: self.notes,
        }
    }
}

/// `key` in `map`: exactly, else ignoring ASCII case.
/// A feature property as the importer reads ids: the name matched exactly, else ignoring
/// case; a string (not blank) or a number, whole numbers printed as integers.
pub fn property_text(properties: &Map<String, Value>, key: &str) -> Option<String> {
    lookup(properties, key).and_then(json_text)
}

fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// A JSON string or number as text; numbers without a fractional part print as integers.
/// Other values, and empty strings, are `None`.
fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i.to_string())
            } else if let Some(u) = n.as_u64() {
                Some(u.to_string())
            } else {
                n.as_f64().map(number_text)
            }
        }
        _ => None,
    }
}

/// A number as an id: without a fractional part (and within the range where f64 holds
/// integers exactly), as an integer.
pub(crate) fn number_text(x: f64) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.is_finite() && x.fract() == 0.0 && x.abs() <= EXACT {
        format!("{x:.0}")
    } else {
        x.to_string()
    }
}

/// A short excerpt of a JSON value for messages.
pub(crate) fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}
