//! The area index file: what `crisisbridge import area-index` writes and `crisisbridge route`
//! reads, so a lookup from the command line does not rebuild the index (a second on the Census
//! counties) every time.
//!
//! Little-endian throughout:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `CBAREAS\0` |
//! | 4 | format version, [`VERSION`] |
//! | 4 × 9 | counts: areas, columns, rows, mixed cells, sub-cell words, entries, edge pieces, points, kept areas |
//! | 8 × 4 | origin (lon, lat) and cell size (lon, lat), degrees |
//! | per area | id: length (u32) and UTF-8 bytes |
//! | 4 per cell | cell words |
//! | 12 per mixed cell | kind (0 entries, 1 finer grid), then (first, length) or (first, 0) |
//! | 4 per word | sub-cell words |
//! | 16 per entry | area, flags (1 reference point inside, 2 degenerate), first edge, edge count |
//! | 4 per edge piece | the position of the edge's first end among the points |
//! | 16 per point | lon, lat: every ring's points, ring after ring |
//! | per kept area | its position, polygon count, then per polygon its ring count and per ring the point count and points (the areas degenerate entries test whole) |
//! | 4 | CRC-32 (IEEE) of every byte before it |
//!
//! Loading checks the checksum, then that every count fits in the bytes that are left, then
//! every invariant a lookup relies on (words, ranges and areas in range, finite coordinates, a
//! ring kept for every degenerate entry): a damaged file is refused as damaged, and no file —
//! cut, damaged or edited with its checksum redone — makes a lookup panic or read out of range,
//! or takes memory out of proportion to its own size. (The checksum finds damage, not intent:
//! a deliberately altered but consistent index cannot be told from a real one.)

use std::io::{Read, Seek, SeekFrom};

use crate::geometry::{Area, Polygon, Ring};
use crate::index::{AreaIndex, EMPTY, Entry, Mixed, SUB, WHOLE};

const MAGIC: &[u8; 8] = b"CBAREAS\0";
/// Bumped whenever the layout or the meaning of a field changes.
pub const VERSION: u32 = 1;

/// Why an area index file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IndexFileError {
    #[error("not an area index file (it does not start with CBAREAS)")]
    NotAnIndex,
    #[error(
        "area index file format version {found}; this build reads version {VERSION}: build the index again with `crisisbridge import area-index`"
    )]
    Version { found: u32 },
    #[error("the area index file is cut short: {0}")]
    Truncated(&'static str),
    #[error(
        "the area index file is damaged (checksum mismatch): build it again with `crisisbridge import area-index`"
    )]
    Checksum,
    #[error("the area index file is inconsistent: {0}")]
    Invalid(String),
}

/// Whether `bytes` start like an area index file (of any version).
pub fn is_index_file(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

impl AreaIndex {
    /// The index file's bytes (see the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let kept: Vec<(usize, &Area)> =
            self.areas.iter().enumerate().filter(|(_, a)| !a.polygons.is_empty()).collect();
        let mut out = Vec::with_capacity(
            80 + 4 * self.cells.len()
                + 12 * self.mixed.len()
                + 4 * self.sub_cells.len()
                + 16 * self.entries.len()
                + 4 * self.edges.len()
                + 16 * self.points.len()
                + self.ids.iter().map(|id| 4 + id.len()).sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, VERSION);
        for count in [
            self.ids.len(),
            self.columns,
            self.rows,
            self.mixed.len(),
            self.sub_cells.len(),
            self.entries.len(),
            self.edges.len(),
            self.points.len(),
            kept.len(),
        ] {
            put_u32(&mut out, count as u32);
        }
        for value in [self.origin[0], self.origin[1], self.cell[0], self.cell[1]] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        for id in &self.ids {
            put_u32(&mut out, id.len() as u32);
            out.extend_from_slice(id.as_bytes());
        }
        for word in &self.cells {
            put_u32(&mut out, *word);
        }
        for mixed in &self.mixed {
            let [kind, a, b] = match *mixed {
                Mixed::Entries { from, len } => [0, from, len],
                Mixed::Sub { first } => [1, first, 0],
            };
            for v in [kind, a, b] {
                put_u32(&mut out, v);
            }
        }
        for word in &self.sub_cells {
            put_u32(&mut out, *word);
        }
        for e in &self.entries {
            let flags = u32::from(e.centre_inside) | (u32::from(e.degenerate) << 1);
            for v in [e.area, flags, e.start, e.len] {
                put_u32(&mut out, v);
            }
        }
        for edge in &self.edges {
            put_u32(&mut out, *edge);
        }
        for [x, y] in &self.points {
            out.extend_from_slice(&x.to_le_bytes());
            out.extend_from_slice(&y.to_le_bytes());
        }
        for (position, area) in kept {
            put_u32(&mut out, position as u32);
            put_u32(&mut out, area.polygons.len() as u32);
            for polygon in &area.polygons {
                put_u32(&mut out, 1 + polygon.holes.len() as u32);
                for ring in std::iter::once(&polygon.exterior).chain(&polygon.holes) {
                    put_u32(&mut out, ring.len() as u32);
                    for [x, y] in ring {
                        out.extend_from_slice(&x.to_le_bytes());
                        out.extend_from_slice(&y.to_le_bytes());
                    }
                }
            }
        }
        let crc = crc32fast::hash(&out);
        put_u32(&mut out, crc);
        out
    }

    /// Reads an index file, checking it whole (see the module docs).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IndexFileError> {
        Self::read_from(std::io::Cursor::new(bytes))
    }

    /// Reads an index file from `input` — a file, say — through a small buffer, so the file's
    /// bytes are never held whole beside the index; checked as [`AreaIndex::from_bytes`]. The
    /// checksum is checked first (one pass), so damage anywhere is called damage, not a
    /// section cut short; then the sections are read.
    pub fn read_from(mut input: impl Read + Seek) -> Result<Self, IndexFileError> {
        let len = verify_checksum(&mut input)?;
        input.seek(SeekFrom::Start(0)).map_err(|_| IndexFileError::Truncated("the magic"))?;
        let mut r = Reader::new(input, len);
        let magic = r.take(MAGIC.len(), "the magic").map_err(|_| IndexFileError::NotAnIndex)?;
        if magic != MAGIC {
            return Err(IndexFileError::NotAnIndex);
        }
        let version = r.u32("the version")?;
        if version != VERSION {
            return Err(IndexFileError::Version { found: version });
        }
        let mut counts = [0usize; 9];
        for count in &mut counts {
            *count = r.u32("the counts")? as usize;
        }
        let [areas, columns, rows, mixed, sub_words, entries, edges, points, kept] = counts;
        // Each count times the least its records take must fit in what is left of the file.
        let least = [
            (areas, 4, "the area ids"),
            (columns.saturating_mul(rows), 4, "the cells"),
            (mixed, 12, "the mixed cells"),
            (sub_words, 4, "the finer grids"),
            (entries, 16, "the entries"),
            (edges, 4, "the edges"),
            (points, 16, "the points"),
            (kept, 8, "the kept areas"),
        ];
        let mut need = 32u64;
        for (count, size, what) in least {
            need = need.saturating_add((count as u64).saturating_mul(size));
            if need > r.left() {
                return Err(IndexFileError::Truncated(what));
            }
        }
        let origin = [r.f64("the origin")?, r.f64("the origin")?];
        let cell = [r.f64("the cell size")?, r.f64("the cell size")?];
        let mut ids = Vec::new();
        for _ in 0..areas {
            let len = r.u32("an area id")? as usize;
            let text = r.take(len, "an area id")?;
            let id = std::str::from_utf8(text)
                .map_err(|_| IndexFileError::Invalid("an area id is not UTF-8".into()))?;
            ids.push(id.to_owned());
        }
        if columns > 1 << 15 || rows > 1 << 15 {
            return Err(IndexFileError::Invalid(format!("a grid of {columns} × {rows} cells")));
        }
        let cells = r.u32s(columns * rows, "the cells")?;
        let mut mixed_cells = Vec::new();
        let mut bad_kind = None;
        r.each::<12>(mixed, "the mixed cells", |chunk| {
            let [kind, a, b] = words(chunk);
            mixed_cells.push(match kind {
                0 => Mixed::Entries { from: a, len: b },
                _ => {
                    bad_kind = bad_kind.or((kind != 1).then_some(kind));
                    Mixed::Sub { first: a }
                }
            });
        })?;
        if let Some(kind) = bad_kind {
            return Err(IndexFileError::Invalid(format!("mixed cell kind {kind}")));
        }
        let sub_cells = r.u32s(sub_words, "the finer grids")?;
        let mut entry_list = Vec::new();
        let mut bad_flags = None;
        r.each::<16>(entries, "the entries", |chunk| {
            let [area, flags, start, len] = words(chunk);
            bad_flags = bad_flags.or((flags > 3).then_some(flags));
            entry_list.push(Entry {
                area,
                centre_inside: flags & 1 != 0,
                degenerate: flags & 2 != 0,
                start,
                len,
            });
        })?;
        if let Some(flags) = bad_flags {
            return Err(IndexFileError::Invalid(format!("entry flags {flags}")));
        }
        let edge_list = r.u32s(edges, "the edges")?;
        let point_list = r.points(points, "the points")?;
        let empty = || Area { id: String::new(), name: String::new(), polygons: Vec::new() };
        let mut area_list: Vec<Area> = (0..ids.len()).map(|_| empty()).collect();
        for _ in 0..kept {
            let position = r.u32("a kept area")? as usize;
            let polygons = r.u32("a kept area")? as usize;
            if polygons as u64 * 8 > r.left() {
                return Err(IndexFileError::Invalid("a kept area's polygons".into()));
            }
            let mut list = Vec::new();
            for _ in 0..polygons {
                let rings = r.u32("a kept area's rings")? as usize;
                let mut all: Vec<Ring> = Vec::new();
                if rings == 0 || rings as u64 * 4 > r.left() {
                    return Err(IndexFileError::Invalid("a kept polygon's rings".into()));
                }
                for _ in 0..rings {
                    let count = r.u32("a kept area's ring")? as usize;
                    if count < 4 || count as u64 * 16 > r.left() {
                        return Err(IndexFileError::Invalid(
                            "a kept ring has fewer than four points or runs past the file".into(),
                        ));
                    }
                    all.push(r.points(count, "a kept area's points")?);
                }
                let mut rings = all.into_iter();
                let exterior = rings
                    .next()
                    .ok_or_else(|| IndexFileError::Invalid("a kept polygon has no ring".into()))?;
                list.push(Polygon { exterior, holes: rings.collect() });
            }
            let slot = area_list.get_mut(position).ok_or_else(|| {
                IndexFileError::Invalid(format!("kept area {position} is out of range"))
            })?;
            *slot = Area { id: String::new(), name: String::new(), polygons: list };
        }
        r.finish()?;
        let index = AreaIndex {
            ids,
            origin,
            cell,
            inverse: [1.0 / cell[0], 1.0 / cell[1]],
            columns,
            rows,
            cells,
            mixed: mixed_cells,
            sub_cells,
            entries: entry_list,
            edges: edge_list,
            points: point_list,
            areas: area_list,
        };
        index.check().map_err(IndexFileError::Invalid)?;
        Ok(index)
    }

    /// Every invariant a lookup relies on.
    fn check(&self) -> Result<(), String> {
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        if !finite(&self.origin) || !finite(&self.cell) || !self.cell.iter().all(|c| *c > 0.0) {
            return Err("the grid's origin or cell size is not a positive finite number".into());
        }
        if self.columns > 1 << 15 || self.rows > 1 << 15 {
            return Err(format!("a grid of {} × {} cells", self.columns, self.rows));
        }
        let areas = self.ids.len();
        let word_ok = |word: u32, sub: bool| {
            if word == EMPTY {
                return true;
            }
            if word & WHOLE != 0 {
                return ((word & !WHOLE) as usize) < areas;
            }
            match self.mixed.get(word as usize) {
                Some(Mixed::Entries { .. }) => true,
                Some(Mixed::Sub { .. }) => !sub,
                None => false,
            }
        };
        if let Some(c) = self.cells.iter().position(|w| !word_ok(*w, false)) {
            return Err(format!("cell {c} names nothing in the index"));
        }
        if let Some(c) = self.sub_cells.iter().position(|w| !word_ok(*w, true)) {
            return Err(format!("finer-grid word {c} names nothing in the index"));
        }
        for (i, mixed) in self.mixed.iter().enumerate() {
            let fits = match *mixed {
                Mixed::Entries { from, len } => (from as usize)
                    .checked_add(len as usize)
                    .is_some_and(|e| e <= self.entries.len()),
                Mixed::Sub { first } => (first as usize)
                    .checked_add(SUB * SUB)
                    .is_some_and(|e| e <= self.sub_cells.len()),
            };
            if !fits {
                return Err(format!("mixed cell {i} reaches past its list"));
            }
        }
        for (i, e) in self.entries.iter().enumerate() {
            if e.area as usize >= areas {
                return Err(format!("entry {i} names area {} of {areas}", e.area));
            }
            if (e.start as usize)
                .checked_add(e.len as usize)
                .is_none_or(|end| end > self.edges.len())
            {
                return Err(format!("entry {i} reaches past the edges"));
            }
            if e.degenerate && self.areas.get(e.area as usize).is_none_or(|a| a.polygons.is_empty())
            {
                return Err(format!("entry {i} needs area {} whole, which is not kept", e.area));
            }
        }
        if let Some(i) = self.edges.iter().position(|k| *k as usize + 1 >= self.points.len()) {
            return Err(format!("edge piece {i} starts at no point"));
        }
        if let Some(i) = self.points.iter().position(|p| !finite(p)) {
            return Err(format!("point {i} has a coordinate that is not finite"));
        }
        let ring_ok = |r: &Ring| r.len() >= 4 && r.iter().all(|p| finite(p));
        for area in &self.areas {
            for polygon in &area.polygons {
                if !ring_ok(&polygon.exterior) || !polygon.holes.iter().all(ring_ok) {
                    return Err(
                        "a kept ring has fewer than four points or a point that is not finite"
                            .into(),
                    );
                }
            }
        }
        Ok(())
    }
}

fn point(chunk: &[u8; 16]) -> [f64; 2] {
    let (x, y) = chunk.split_at(8);
    [
        f64::from_le_bytes(x.try_into().unwrap_or_default()),
        f64::from_le_bytes(y.try_into().unwrap_or_default()),
    ]
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// The little-endian words of a record.
fn words<const N: usize>(record: &[u8]) -> [u32; N] {
    let mut out = [0; N];
    for (v, b) in out.iter_mut().zip(record.chunks_exact(4)) {
        *v = u32::from_le_bytes(b.try_into().unwrap_or_default());
    }
    out
}

/// Checks the magic, the version and then the checksum of the whole input; its length.
fn verify_checksum(input: &mut (impl Read + Seek)) -> Result<u64, IndexFileError> {
    let mut head = [0u8; 12];
    input.read_exact(&mut head).map_err(|_| IndexFileError::NotAnIndex)?;
    if !is_index_file(&head) {
        return Err(IndexFileError::NotAnIndex);
    }
    let version =
        u32::from_le_bytes(head.get(8..).and_then(|v| v.try_into().ok()).unwrap_or_default());
    if version != VERSION {
        return Err(IndexFileError::Version { found: version });
    }
    let len = input.seek(SeekFrom::End(0)).map_err(|_| IndexFileError::Truncated("the file"))?;
    if len < 16 {
        return Err(IndexFileError::Truncated("the checksum"));
    }
    input.seek(SeekFrom::Start(0)).map_err(|_| IndexFileError::Truncated("the file"))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut left = len - 4;
    let mut block = vec![0u8; BLOCK];
    while left > 0 {
        let now = left.min(BLOCK as u64) as usize;
        let part = block.get_mut(..now).unwrap_or_default();
        input.read_exact(part).map_err(|_| IndexFileError::Truncated("the file"))?;
        hasher.update(part);
        left -= now as u64;
    }
    let mut stored = [0u8; 4];
    input.read_exact(&mut stored).map_err(|_| IndexFileError::Truncated("the checksum"))?;
    if u32::from_le_bytes(stored) != hasher.finalize() {
        return Err(IndexFileError::Checksum);
    }
    Ok(len)
}

/// Reads the file's sections in order through one small buffer.
struct Reader<R> {
    input: R,
    buffer: Vec<u8>,
    /// Bytes read so far, of `len`.
    at: u64,
    len: u64,
}

/// Bytes read at a time for the big sections.
const BLOCK: usize = 1 << 16;

impl<R: Read> Reader<R> {
    fn new(input: R, len: u64) -> Self {
        Self { input, buffer: Vec::with_capacity(BLOCK), at: 0, len }
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&[u8], IndexFileError> {
        self.buffer.clear();
        // Grown as it arrives, so a count no file could fill never reserves the memory.
        let read = self
            .input
            .by_ref()
            .take(len as u64)
            .read_to_end(&mut self.buffer)
            .map_err(|_| IndexFileError::Truncated(what))?;
        if read != len {
            return Err(IndexFileError::Truncated(what));
        }
        self.at += len as u64;
        Ok(&self.buffer)
    }

    /// Calls `each` with `count` records of `N` bytes, read a block at a time.
    fn each<const N: usize>(
        &mut self,
        count: usize,
        what: &'static str,
        mut each: impl FnMut(&[u8; N]),
    ) -> Result<(), IndexFileError> {
        let mut left = count;
        while left > 0 {
            let now = left.min(BLOCK / N);
            for chunk in self.take(now * N, what)?.chunks_exact(N) {
                if let Ok(record) = <&[u8; N]>::try_from(chunk) {
                    each(record);
                }
            }
            left -= now;
        }
        Ok(())
    }

    /// Bytes left before the checksum.
    fn left(&self) -> u64 {
        self.len.saturating_sub(self.at).saturating_sub(4)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, IndexFileError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes(b.try_into().unwrap_or_default()))
    }

    fn u32s(&mut self, count: usize, what: &'static str) -> Result<Vec<u32>, IndexFileError> {
        let mut out = Vec::new();
        self.each::<4>(count, what, |b| out.push(u32::from_le_bytes(*b)))?;
        Ok(out)
    }

    fn points(
        &mut self,
        count: usize,
        what: &'static str,
    ) -> Result<Vec<[f64; 2]>, IndexFileError> {
        let mut out = Vec::new();
        self.each::<16>(count, what, |b| out.push(point(b)))?;
        Ok(out)
    }

    fn f64(&mut self, what: &'static str) -> Result<f64, IndexFileError> {
        let b = self.take(8, what)?;
        Ok(f64::from_le_bytes(b.try_into().unwrap_or_default()))
    }

    /// The checksum (checked before), then nothing more.
    fn finish(mut self) -> Result<(), IndexFileError> {
        let mut stored = [0u8; 4];
        self.input.read_exact(&mut stored).map_err(|_| {
            IndexFileError::Invalid("the last section runs into the checksum".into())
        })?;
        let mut more = [0u8; 1];
        match self.input.read(&mut more) {
            Ok(0) => Ok(()),
            Ok(_) => Err(IndexFileError::Invalid("bytes after the last section".into())),
            Err(_) => Err(IndexFileError::Truncated("the end")),
        }
    }
}
