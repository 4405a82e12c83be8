//! The graph file: what `crisisbridge import roads` writes and the server loads, so the
//! slow part (contraction) happens once.
//!
//! Little-endian throughout:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `CBROADS\0` |
//! | 4 | format version, [`VERSION`] |
//! | 4 | node count `n` |
//! | 4 | road arc count `m` |
//! | 4 | upward hierarchy arc count `u` |
//! | 4 | downward hierarchy arc count `d` |
//! | 4 | reserved, 0 |
//! | 8·n | positions: latitude, longitude as i32 1e-7 degrees |
//! | 4·(n+1) | road arc row offsets |
//! | 12·m | road arcs: head, milliseconds, centimetres (u32 each) |
//! | 4·(n+1) + 8·u | upward arcs: offsets, then (head, milliseconds) |
//! | 4·(n+1) + 8·d | downward arcs: offsets, then (tail, milliseconds) |
//! | 4 | CRC-32 (IEEE) of every byte before it |
//!
//! Loading checks the length implied by the counts, the checksum, and then every invariant
//! the queries rely on (offsets, ids in range, hierarchy arcs going up), so a damaged or
//! hand-edited file is an error, never a wrong answer or a panic.

use crate::ch::{Hierarchy, Upward};
use crate::error::{Result, RoadsError};
use crate::geo::E7;
use crate::graph::{Graph, RoadArc};

const MAGIC: &[u8; 8] = b"CBROADS\0";
/// Bumped whenever the layout or the meaning of a field changes.
pub const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 * 6;

/// Whether `bytes` start like a graph file (of any version).
pub fn is_graph_file(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

impl Graph {
    /// The graph file's bytes (see the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.node_count();
        let mut out = Vec::with_capacity(
            HEADER
                + 8 * n
                + 12 * self.arcs.len()
                + 8 * (self.ch.up.arcs.len() + self.ch.down.arcs.len())
                + 12 * n,
        );
        out.extend_from_slice(MAGIC);
        for value in [
            VERSION,
            n as u32,
            self.arcs.len() as u32,
            self.ch.up.arcs.len() as u32,
            self.ch.down.arcs.len() as u32,
            0,
        ] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        for p in &self.positions {
            out.extend_from_slice(&p.lat.to_le_bytes());
            out.extend_from_slice(&p.lon.to_le_bytes());
        }
        put_u32s(&mut out, &self.arc_first);
        for a in &self.arcs {
            put_u32s(&mut out, &[a.head, a.millis, a.centimetres]);
        }
        for upward in [&self.ch.up, &self.ch.down] {
            put_u32s(&mut out, &upward.first);
            for [other, w] in &upward.arcs {
                put_u32s(&mut out, &[*other, *w]);
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Loads a graph file, checking it whole (see the module docs).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |msg: String| RoadsError::GraphFile(msg);
        if !bytes.starts_with(MAGIC) {
            return Err(bad(
                "not a Crisisbridge graph file (it does not start with CBROADS); make one with `crisisbridge import roads FILE`".into(),
            ));
        }
        let mut r = Cursor { bytes, at: MAGIC.len() };
        let version = r.u32().ok_or_else(|| bad("truncated in its header".into()))?;
        if version != VERSION {
            return Err(bad(format!(
                "format version {version}; this build reads version {VERSION}: import the road file again"
            )));
        }
        let mut counts = [0usize; 5];
        for c in &mut counts {
            *c = r.u32().ok_or_else(|| bad("truncated in its header".into()))? as usize;
        }
        let [n, m, up, down, _] = counts;
        let expected = HEADER as u64
            + 8 * n as u64
            + 4 * (n as u64 + 1) * 3
            + 12 * m as u64
            + 8 * (up as u64 + down as u64)
            + 4;
        if bytes.len() as u64 != expected {
            return Err(bad(format!(
                "{} bytes, but its header describes {expected}: the file is truncated or damaged",
                bytes.len()
            )));
        }
        let body = bytes.len() - 4;
        let stored = bytes.get(body..).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        if stored != Some(crc32fast::hash(bytes.get(..body).unwrap_or(&[]))) {
            return Err(bad("checksum mismatch: the file is damaged".into()));
        }
        // The length check above guarantees every read below succeeds; `?` keeps it total.
        let short = || bad("truncated".into());
        let mut positions = Vec::with_capacity(n);
        for _ in 0..n {
            let (lat, lon) = (r.u32().ok_or_else(short)? as i32, r.u32().ok_or_else(short)? as i32);
            positions.push(E7 { lat, lon });
        }
        let arc_first = r.u32s(n + 1).ok_or_else(short)?;
        let mut arcs = Vec::with_capacity(m);
        for _ in 0..m {
            let v = r.u32s(3).ok_or_else(short)?;
            if let [head, millis, centimetres] = *v.as_slice() {
                arcs.push(RoadArc { head, millis, centimetres });
            }
        }
        let mut upward = |count: usize| -> Result<Upward> {
            let first = r.u32s(n + 1).ok_or_else(short)?;
            let flat = r.u32s(2 * count).ok_or_else(short)?;
            let arcs = flat
                .chunks_exact(2)
                .map(|c| [c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)])
                .collect();
            Ok(Upward { first, arcs })
        };
        let ch = Hierarchy { up: upward(up)?, down: upward(down)? };
        check(&positions, &arc_first, &arcs, &ch).map_err(bad)?;
        Ok(Graph::from_parts(positions, arc_first, arcs, ch))
    }
}

fn check(
    positions: &[E7],
    arc_first: &[u32],
    arcs: &[RoadArc],
    ch: &Hierarchy,
) -> Result<(), String> {
    let n = positions.len();
    if let Some(v) = positions.iter().position(|p| !p.is_valid()) {
        return Err(format!("node {v} has a position out of range"));
    }
    if arc_first.first() != Some(&0)
        || arc_first.last().map(|l| *l as usize) != Some(arcs.len())
        || arc_first.windows(2).any(|w| w.first() > w.get(1))
    {
        return Err("road arc rows are inconsistent".into());
    }
    for v in 0..n {
        let start = arc_first.get(v).copied().unwrap_or(0) as usize;
        let end = arc_first.get(v + 1).copied().unwrap_or(0) as usize;
        let row = arcs.get(start..end).unwrap_or(&[]);
        if row.iter().any(|a| a.head as usize >= n || a.head as usize == v)
            || row.windows(2).any(|w| w.first().map(|a| a.head) >= w.get(1).map(|a| a.head))
        {
            return Err(format!("road arcs of node {v} are out of range or out of order"));
        }
    }
    ch.up.check(n)?;
    ch.down.check(n)
}

fn put_u32s(out: &mut Vec<u8>, values: &[u32]) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn u32(&mut self) -> Option<u32> {
        let b = self.bytes.get(self.at..self.at + 4)?;
        self.at += 4;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }

    fn u32s(&mut self, count: usize) -> Option<Vec<u32>> {
        let b = self.bytes.get(self.at..self.at.checked_add(count.checked_mul(4)?)?)?;
        self.at += 4 * count;
        Some(b.chunks_exact(4).filter_map(|c| c.try_into().ok().map(u32::from_le_bytes)).collect())
    }
}
