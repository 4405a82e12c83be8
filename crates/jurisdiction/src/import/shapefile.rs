//! ESRI Shapefile: the `.shp` (polygon shapes) and its `.dbf` (dBASE III attributes, one record
//! per shape, in the same order).
//!
//! `.shp`: a 100-byte header (file code 9994 and file length in 16-bit words, big-endian;
//! version and shape type little-endian), then records of an 8-byte big-endian header (record
//! number, content length in 16-bit words) and little-endian content. A polygon's content:
//! shape type, bounding box, part count, point count, the parts' first-point indices, the
//! points as (x, y) doubles, then for PolygonZ/PolygonM the Z and M values, which are skipped.

use super::validate::{self, bounds, locate, signed_area};
use super::{Collector, ImportError, Repairs, number_text};
use crate::geometry::{Polygon, Ring};

const FILE_CODE: i32 = 9994;
const HEADER: usize = 100;

pub(super) fn import(
    shp: &[u8],
    dbf: Option<&[u8]>,
    out: &mut Collector<'_>,
) -> Result<(), ImportError> {
    let shapes = read_shp(shp)?;
    let table = dbf.map(Dbf::parse).transpose()?;
    let (id_column, name_column) = match &table {
        Some(table) => {
            if table.records != shapes.len() {
                return Err(ImportError::Format(format!(
                    "the .dbf has {} records but the .shp has {} shapes: they must come from the \
                     same export (same base name); import the matching .dbf, or none",
                    table.records,
                    shapes.len()
                )));
            }
            let id_column = table.column(out.id_field);
            if id_column.is_none() {
                let names: Vec<&str> = table.fields.iter().map(|f| f.name.as_str()).collect();
                out.note(format!(
                    "the .dbf has no field `{}`: ids are record positions; its fields are {}",
                    out.id_field,
                    names.join(", ")
                ));
            }
            (id_column, table.column("NAME").or_else(|| table.column("name")))
        }
        None => {
            out.note("no .dbf: ids are record positions and areas have no names".into());
            (None, None)
        }
    };

    for (index, shape) in shapes.into_iter().enumerate() {
        let value = |column: Option<usize>| {
            table.as_ref().zip(column).and_then(|(table, column)| table.value(index, column))
        };
        let who =
            out.identify(index, value(id_column), None, value(name_column).unwrap_or_default());
        if table.as_ref().is_some_and(|table| table.deleted(index)) {
            out.skip(&who, "its .dbf record is marked deleted".into());
            continue;
        }
        let Some(mut rings) = shape else {
            out.skip(&who, "it is a null shape (no geometry), so it has no area".into());
            continue;
        };
        if rings.is_empty() {
            out.skip(&who, "its shape has no parts, so it has no area".into());
            continue;
        }
        for (part, ring) in rings.iter_mut().enumerate() {
            validate::ring(ring, &format!("part {part}"), &mut out.repairs)
                .map_err(|fault| who.error(fault.into_message()))?;
        }
        let polygons = assemble(rings, &mut out.repairs);
        out.add_checked(who, polygons);
    }
    Ok(())
}

/// Outer rings (clockwise) become polygons; each hole (counter-clockwise) goes to the smallest
/// outer ring that contains it, or becomes an outer ring itself when none does.
fn assemble(rings: Vec<Ring>, repairs: &mut Repairs) -> Vec<Polygon> {
    let (outer, holes): (Vec<Ring>, Vec<Ring>) =
        rings.into_iter().partition(|ring| signed_area(ring) <= 0.0);
    let mut polygons: Vec<(Polygon, [f64; 4], f64)> = outer
        .into_iter()
        .map(|ring| {
            let (b, area) = (bounds(&ring), signed_area(&ring).abs());
            (Polygon { exterior: ring, holes: Vec::new() }, b, area)
        })
        .collect();
    let mut orphans = Vec::new();
    for hole in holes {
        let hb = bounds(&hole);
        let owner = polygons
            .iter()
            .enumerate()
            .filter(|(_, (_, b, _))| {
                b[0] <= hb[0] && b[1] <= hb[1] && b[2] >= hb[2] && b[3] >= hb[3]
            })
            .filter(|(_, (polygon, _, _))| contains(&polygon.exterior, &hole))
            .min_by(|x, y| x.1.2.total_cmp(&y.1.2))
            .map(|(i, _)| i);
        match owner.and_then(|i| polygons.get_mut(i)) {
            Some((polygon, _, _)) => polygon.holes.push(hole),
            None => {
                repairs.orphan_holes += 1;
                orphans.push(Polygon { exterior: hole, holes: Vec::new() });
            }
        }
    }
    polygons.into_iter().map(|(polygon, _, _)| polygon).chain(orphans).collect()
}

/// Whether `ring` contains `hole`, judged by the first vertex of the hole not on the ring's
/// boundary (a hole touching its outer ring at a vertex is common). A hole entirely on the
/// boundary counts as contained.
fn contains(ring: &[[f64; 2]], hole: &[[f64; 2]]) -> bool {
    hole.iter().find_map(|&p| locate(p, ring)).unwrap_or(true)
}

/// Every record's rings (`None` for a null shape), in file order.
fn read_shp(shp: &[u8]) -> Result<Vec<Option<Vec<Ring>>>, ImportError> {
    if shp.first().is_some_and(|b| matches!(b, b'{' | b'[')) {
        return Err(ImportError::Format(
            "not a shapefile .shp: this looks like JSON; import it as GeoJSON or TopoJSON".into(),
        ));
    }
    if shp.len() < HEADER {
        return Err(ImportError::Format(format!(
            "the .shp is truncated or not a shapefile: a .shp starts with a 100-byte header, \
             this has {} bytes",
            shp.len()
        )));
    }
    if be_i32(shp, 0) != Some(FILE_CODE) {
        return Err(ImportError::Format(
            "not a shapefile .shp: it does not start with the file code 9994".into(),
        ));
    }
    let declared = be_i32(shp, 24).and_then(|w| usize::try_from(w).ok()).unwrap_or(0) * 2;
    if declared > shp.len() {
        return Err(ImportError::Format(format!(
            "the .shp is truncated: its header says {declared} bytes, but there are only {}; \
             copy the file again",
            shp.len()
        )));
    }
    let file_type = le_i32(shp, 32).unwrap_or(-1);
    if !matches!(file_type, 5 | 15 | 25) {
        return Err(ImportError::Format(format!(
            "the .shp holds {} (shape type {file_type}), which have no area: boundaries must be \
             polygons (shape type 5, 15 or 25)",
            shape_type_name(file_type)
        )));
    }

    let end = declared.max(HEADER);
    let mut shapes = Vec::new();
    let mut at = HEADER;
    while at < end {
        let number = shapes.len();
        let truncated = |what: String| {
            ImportError::Format(format!(
                "the .shp is truncated or damaged: shape #{number} (counting from 0, at byte \
                 {at}) {what}; copy the file again"
            ))
        };
        let words = be_i32(shp, at + 4)
            .filter(|_| at + 8 <= end)
            .ok_or_else(|| truncated("has its record header cut off".into()))?;
        let length = usize::try_from(words)
            .map_err(|_| truncated(format!("has a negative content length ({words})")))?
            * 2;
        let content =
            shp.get(at + 8..at + 8 + length).filter(|_| at + 8 + length <= end).ok_or_else(
                || truncated(format!("needs {length} bytes, but only {} are left", end - at - 8)),
            )?;
        shapes.push(read_polygon(content, file_type).map_err(truncated)?);
        at += 8 + length;
    }
    Ok(shapes)
}

/// One record's rings, or `None` for a null shape. Errors say what is wrong with the record.
fn read_polygon(content: &[u8], file_type: i32) -> Result<Option<Vec<Ring>>, String> {
    let shape_type = le_i32(content, 0).ok_or("has no shape type")?;
    if shape_type == 0 {
        return Ok(None);
    }
    if shape_type != file_type {
        return Err(format!(
            "holds {} (shape type {shape_type}) in a file of {} (type {file_type})",
            shape_type_name(shape_type),
            shape_type_name(file_type)
        ));
    }
    let count = |at: usize, what: &str| {
        le_i32(content, at)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("has a damaged {what} count"))
    };
    let (parts, points) = (count(36, "part")?, count(40, "point")?);
    let first_point = 44 + parts.checked_mul(4).ok_or("has a damaged part count")?;
    if points
        .checked_mul(16)
        .and_then(|n| n.checked_add(first_point))
        .is_none_or(|n| n > content.len())
    {
        return Err(format!(
            "declares {parts} parts and {points} points, more than its {} bytes hold",
            content.len()
        ));
    }
    let starts = (0..parts)
        .map(|k| count(44 + 4 * k, "part start"))
        .chain(std::iter::once(Ok(points)))
        .collect::<Result<Vec<usize>, String>>()?;
    starts
        .windows(2)
        .map(|w| {
            let (&from, &to) = (w.first().unwrap_or(&0), w.get(1).unwrap_or(&0));
            if from > to || to > points {
                return Err(format!("has a damaged part table (part from point {from} to {to})"));
            }
            (from..to)
                .map(|i| {
                    let at = first_point + 16 * i;
                    Ok([
                        le_f64(content, at).unwrap_or(f64::NAN),
                        le_f64(content, at + 8).unwrap_or(f64::NAN),
                    ])
                })
                .collect()
        })
        .collect::<Result<Vec<Ring>, String>>()
        .map(Some)
}

fn shape_type_name(shape_type: i32) -> &'static str {
    match shape_type {
        0 => "null shapes",
        1 | 11 | 21 => "points",
        3 | 13 | 23 => "lines (polylines)",
        5 | 15 | 25 => "polygons",
        8 | 18 | 28 => "multipoints",
        31 => "multipatches",
        _ => "unknown shapes",
    }
}

fn bytes<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn be_i32(data: &[u8], at: usize) -> Option<i32> {
    bytes(data, at).map(i32::from_be_bytes)
}

fn le_i32(data: &[u8], at: usize) -> Option<i32> {
    bytes(data, at).map(i32::from_le_bytes)
}

fn le_f64(data: &[u8], at: usize) -> Option<f64> {
    bytes(data, at).map(f64::from_le_bytes)
}

/// A dBASE III table (and the compatible variants shapefile writers produce).
#[derive(Debug)]
struct Dbf<'a> {
    fields: Vec<Field>,
    records: usize,
    record_len: usize,
    /// The records, from the end of the header.
    data: &'a [u8],
}

#[derive(Debug)]
struct Field {
    name: String,
    kind: u8,
    /// From the start of the record, whose first byte is the deleted flag.
    offset: usize,
    len: usize,
}

impl<'a> Dbf<'a> {
    fn parse(dbf: &'a [u8]) -> Result<Self, ImportError> {
        let bad = |what: String| ImportError::Format(format!("the .dbf {what}"));
        let u16_at = |at: usize| bytes(dbf, at).map(u16::from_le_bytes).map(usize::from);
        let (Some(records), Some(header_len), Some(record_len)) =
            (bytes(dbf, 4).map(u32::from_le_bytes), u16_at(8), u16_at(10))
        else {
            return Err(bad(format!(
                "is too short for a dBASE header ({} bytes); is it a .dbf?",
                dbf.len()
            )));
        };
        let records = usize::try_from(records).unwrap_or(usize::MAX);

        let mut fields = Vec::new();
        let mut offset = 1;
        let mut at = 32;
        while at + 32 <= header_len && dbf.get(at).is_some_and(|&b| b != 0x0d) {
            let descriptor = dbf
                .get(at..at + 32)
                .ok_or_else(|| bad("is truncated inside its field descriptors".into()))?;
            let name = descriptor.get(..11).unwrap_or_default();
            let name = name.split(|&b| b == 0).next().unwrap_or_default();
            let len = descriptor.get(16).map_or(0, |&b| usize::from(b));
            fields.push(Field {
                name: text(name).trim().to_string(),
                kind: descriptor.get(11).copied().unwrap_or(b'C'),
                offset,
                len,
            });
            offset += len;
            at += 32;
        }
        if offset > record_len {
            return Err(bad(format!(
                "is damaged: its fields take {offset} bytes per record, but its records are \
                 {record_len} bytes"
            )));
        }
        let need = records.checked_mul(record_len).and_then(|n| n.checked_add(header_len));
        let data = need.and_then(|need| dbf.get(header_len..need)).ok_or_else(|| {
            bad(format!(
                "is truncated: its header says {records} records of {record_len} bytes after a \
                 {header_len}-byte header, but the file has {} bytes; copy it again",
                dbf.len()
            ))
        })?;
        Ok(Self { fields, records, record_len, data })
    }

    /// The column named `name`: exactly, else ignoring ASCII case.
    fn column(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .or_else(|| self.fields.iter().position(|f| f.name.eq_ignore_ascii_case(name)))
    }

    fn record(&self, index: usize) -> Option<&'a [u8]> {
        let start = index.checked_mul(self.record_len)?;
        self.data.get(start..start + self.record_len)
    }

    fn deleted(&self, index: usize) -> bool {
        self.record(index).and_then(<[u8]>::first) == Some(&b'*')
    }

    /// A value as trimmed text (numbers without a fractional part as integers); `None` when
    /// blank.
    fn value(&self, index: usize, column: usize) -> Option<String> {
        let field = self.fields.get(column)?;
        let raw = self.record(index)?.get(field.offset..field.offset + field.len)?;
        let value = text(raw);
        let value = value.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        if value.is_empty() {
            return None;
        }
        if matches!(field.kind, b'N' | b'F')
            && value.contains('.')
            && let Ok(x) = value.parse::<f64>()
            && x.fract() == 0.0
        {
            return Some(number_text(x));
        }
        Some(value.to_string())
    }
}

/// UTF-8, or else Latin-1 (each byte one character).
fn text(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => raw.iter().copied().map(char::from).collect(),
    }
}
