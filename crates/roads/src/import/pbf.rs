//! OpenStreetMap PBF through the `osmpbf` crate, in two passes over the bytes: the ways
//! first (to learn which nodes drivable roads use), then only those nodes' positions, so
//! memory grows with the road network, not with every node of the extract.

use std::collections::{HashMap, HashSet};

use osmpbf::{Element, ElementReader};

use super::osm::{OsmReport, OsmWays};
use crate::error::{Result, RoadsError};
use crate::geo::E7;
use crate::network::{Network, Stage};

pub(crate) fn read(
    bytes: &[u8],
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<(Network, OsmReport)> {
    check_framing(bytes)?;
    let total = bytes.len() as u64;
    let mut ways = OsmWays::default();
    ElementReader::new(bytes)
        .for_each(|element| {
            if let Element::Way(way) = element {
                let tags: Vec<(&str, &str)> = way.tags().collect();
                ways.add_way(way.id(), &tags, way.refs());
            }
        })
        .map_err(|e| RoadsError::Pbf(format!("{e} (while reading ways)")))?;
    progress(Stage::Reading, total / 2, total);

    let wanted: HashSet<i64> = ways.referenced().collect();
    let mut positions: HashMap<i64, E7> = HashMap::with_capacity(wanted.len());
    let mut nodes_read = 0usize;
    let mut bad_node: Option<i64> = None;
    let mut keep = |id: i64, lat: i32, lon: i32| {
        nodes_read += 1;
        if wanted.contains(&id) {
            let p = E7 { lat, lon };
            if p.is_valid() {
                positions.insert(id, p);
            } else {
                bad_node.get_or_insert(id);
            }
        }
    };
    ElementReader::new(bytes)
        .for_each(|element| match element {
            Element::DenseNode(n) => keep(n.id(), n.decimicro_lat(), n.decimicro_lon()),
            Element::Node(n) => keep(n.id(), n.decimicro_lat(), n.decimicro_lon()),
            Element::Way(_) | Element::Relation(_) => {}
        })
        .map_err(|e| RoadsError::Pbf(format!("{e} (while reading nodes)")))?;
    if let Some(id) = bad_node {
        return Err(RoadsError::Pbf(format!("node {id}: position out of range")));
    }
    progress(Stage::Reading, total, total);
    ways.report.nodes_read = nodes_read;
    ways.into_network(|id| positions.get(&id).copied())
}

/// Walks the file's blob framing (4-byte length, BlobHeader, blob data) so a truncated file is
/// an error naming where it ends, rather than a file that silently lacks its last blocks.
fn check_framing(bytes: &[u8]) -> Result<()> {
    let mut at = 0usize;
    let mut blob = 0usize;
    while at < bytes.len() {
        let truncated = |what: &str| {
            RoadsError::Pbf(format!(
                "the file is truncated: blob {blob} at byte {at} is cut short in its {what} ({} bytes in the file)",
                bytes.len()
            ))
        };
        let len = bytes.get(at..at + 4).ok_or_else(|| truncated("length"))?;
        let header_len =
            len.try_into().map(u32::from_be_bytes).map_err(|_| truncated("length"))? as usize;
        if header_len > 64 * 1024 {
            return Err(RoadsError::Pbf(format!(
                "blob {blob} at byte {at}: a blob header of {header_len} bytes is not PBF (at most 64 KiB)"
            )));
        }
        let header = bytes.get(at + 4..at + 4 + header_len).ok_or_else(|| truncated("header"))?;
        let data_len = datasize(header).ok_or_else(|| {
            RoadsError::Pbf(format!("blob {blob} at byte {at}: the blob header is malformed"))
        })?;
        let end = at + 4 + header_len + data_len;
        if end > bytes.len() {
            return Err(truncated("data"));
        }
        at = end;
        blob += 1;
    }
    Ok(())
}

/// Field 3 (`datasize`) of a BlobHeader message.
fn datasize(mut message: &[u8]) -> Option<usize> {
    while !message.is_empty() {
        let key = varint(&mut message)?;
        match (key >> 3, key & 7) {
            (3, 0) => return usize::try_from(varint(&mut message)?).ok(),
            (_, 0) => {
                varint(&mut message)?;
            }
            (_, 2) => {
                let len = usize::try_from(varint(&mut message)?).ok()?;
                message = message.get(len..)?;
            }
            _ => return None,
        }
    }
    None
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}
