//! Exact point lookup through a uniform grid.
//!
//! Built once from the areas:
//! - The bounding box of all areas is cut into square-ish cells (about four per vertex);
//!   each cell has a reference point near its centre.
//! - Every edge is clipped to the cells it crosses. A cell records, per area, the edges of that
//!   area crossing it, and whether the cell's centre is inside that area (computed for all
//!   centres of a row at once with a scan line, by the same crossing rule as
//!   [`crate::reference`]).
//! - An area that contains the centre and has no edge in the cell contains the whole cell.
//!
//! Most cells lie wholly inside one area (or none) and are stored as one word naming it, so
//! most lookups read one word. Otherwise a lookup takes every area that contains the cell
//! whole, and for each
//! area with edges in the cell counts how many of them the segment from the centre to the point
//! crosses: an odd count flips the centre's answer. So a lookup reads a handful of edges, not the
//! area's thousands, and its answers are those of the reference test (points exactly on an edge
//! or vertex are the only ones where two exact rules may disagree).

use crate::geometry::Area;

/// Where in its cell the reference point sits, as fractions of the cell's width and height:
/// near the centre, but off the round numbers that boundaries drawn on a grid (or by hand) tend
/// to run along.
const REFERENCE: [f64; 2] = [0.512_345_678_9, 0.523_456_789_1];

/// A cell no area touches.
pub(crate) const EMPTY: u32 = u32::MAX;
/// The flag of a cell one area holds entirely; the low bits are the area.
pub(crate) const WHOLE: u32 = 1 << 31;

/// A cell whose entries read more edges than this gets a finer grid of its own.
const REFINE_ABOVE: u32 = 16;
/// The finer grid's size: `SUB` × `SUB` sub-cells.
pub(crate) const SUB: usize = 8;

/// Where a batched lookup stands after resolving a point's cell.
#[derive(Debug, Clone, Copy)]
enum Step {
    Empty,
    Whole(u32),
    Entries { from: u32, len: u32, centre: [f64; 2] },
}

/// A cell that is neither empty nor held whole by one area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mixed {
    /// Its entries: `entries[from..from + len]`.
    Entries { from: u32, len: u32 },
    /// A finer grid: `sub_cells[first..first + SUB * SUB]`.
    Sub { first: u32 },
}

/// One area's stake in one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) area: u32,
    /// Whether the cell's reference point is inside the area.
    pub(crate) centre_inside: bool,
    /// The reference point lies on one of the area's edges, so its answer cannot anchor the
    /// crossing count: such entries are answered by the reference test on the whole area.
    pub(crate) degenerate: bool,
    /// The area's edges crossing the cell: `edges[start..start + len]`; none means the area
    /// holds the whole cell.
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// The index. Cheap to query from many threads at once (`&self`).
#[derive(Debug, Clone)]
pub struct AreaIndex {
    pub(crate) ids: Vec<String>,
    pub(crate) origin: [f64; 2],
    pub(crate) cell: [f64; 2],
    pub(crate) inverse: [f64; 2],
    pub(crate) columns: usize,
    pub(crate) rows: usize,
    /// One word per cell (row-major), so most lookups read one word: [`EMPTY`], [`WHOLE`]`|area`
    /// for a cell one area holds entirely, or an index into `mixed`.
    pub(crate) cells: Vec<u32>,
    /// Every other cell: its entries, or a finer grid of its own.
    pub(crate) mixed: Vec<Mixed>,
    /// The words of the finer grids, [`SUB`] × [`SUB`] each, encoded like `cells`.
    pub(crate) sub_cells: Vec<u32>,
    pub(crate) entries: Vec<Entry>,
    /// Edge pieces: each the position in `points` of an edge's first end (the edge runs to
    /// the next point), so a piece is one word however many cells its edge crosses.
    pub(crate) edges: Vec<u32>,
    /// Every ring's points, ring after ring.
    pub(crate) points: Vec<[f64; 2]>,
    /// The areas themselves, for the rare degenerate entry.
    pub(crate) areas: Vec<Area>,
}

impl AreaIndex {
    /// Builds the index with four cells per vertex: on the Census counties, most lookups then
    /// read one word, and the rest a handful of edges.
    pub fn build(areas: &[Area]) -> Self {
        Self::with_density(areas, 4.0)
    }

    /// Builds the index with about `cells_per_vertex` cells per vertex.
    pub fn with_density(areas: &[Area], cells_per_vertex: f64) -> Self {
        let ids: Vec<String> = areas.iter().map(|a| a.id.clone()).collect();
        let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for area in areas {
            let a = area.bounds();
            b = [b[0].min(a[0]), b[1].min(a[1]), b[2].max(a[2]), b[3].max(a[3])];
        }
        if !b.iter().all(|v| v.is_finite()) {
            return Self::empty(ids);
        }
        let (width, height) = ((b[2] - b[0]).max(1e-9), (b[3] - b[1]).max(1e-9));
        let vertices: usize = areas.iter().map(Area::vertex_count).sum();
        let target = (vertices.max(1) as f64 * cells_per_vertex).clamp(1.0, 64e6);
        let side = (width * height / target).sqrt();
        let columns = ((width / side).ceil() as usize).clamp(1, 1 << 15);
        let rows = ((height / side).ceil() as usize).clamp(1, 1 << 15);
        let cell = [width / columns as f64, height / rows as f64];
        let grid = Grid { origin: [b[0], b[1]], cell, columns, rows };

        // (cell, area, edge) for every edge piece, then centre status per (cell, area).
        let mut points: Vec<[f64; 2]> = Vec::with_capacity(vertices);
        let mut pieces: Vec<(u32, u32, u32)> = Vec::with_capacity(vertices * 2);
        for (index, area) in areas.iter().enumerate() {
            let area_id = u32::try_from(index).unwrap_or(u32::MAX);
            for ring in
                area.polygons.iter().flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes))
            {
                let first = points.len();
                points.extend_from_slice(ring);
                for (i, pair) in ring.windows(2).enumerate() {
                    let (Some(a), Some(b)) = (pair.first(), pair.get(1)) else { continue };
                    let edge = u32::try_from(first + i).unwrap_or(u32::MAX);
                    grid.cells_crossed(*a, *b, |c| pieces.push((c, area_id, edge)));
                }
            }
        }
        // Pieces come by area, then edge: ordered by cell, they are sorted.
        let pieces = by_cell(pieces, columns * rows);
        let centres = grid.centres_inside(areas);

        // Merge both sorted lists into per-cell entries.
        let cell_count = columns * rows;
        let mut cells = Vec::with_capacity(cell_count);
        let mut mixed = Vec::new();
        let mut entries = Vec::new();
        let mut edges = Vec::with_capacity(pieces.len());
        let (mut pi, mut ci) = (0, 0);
        for c in 0..cell_count {
            let first_entry = entries.len();
            let c = u32::try_from(c).unwrap_or(u32::MAX);
            let mut inside_here: Vec<u32> = Vec::new();
            while let Some(&(cell, area)) = centres.get(ci) {
                if cell != c {
                    break;
                }
                inside_here.push(area);
                ci += 1;
            }
            while let Some(&(cell, area, _)) = pieces.get(pi) {
                if cell != c {
                    break;
                }
                let start = u32::try_from(edges.len()).unwrap_or(u32::MAX);
                while let Some((cell2, area2, edge)) = pieces.get(pi) {
                    if *cell2 != c || *area2 != area {
                        break;
                    }
                    edges.push(*edge);
                    pi += 1;
                }
                let len = u32::try_from(edges.len()).unwrap_or(u32::MAX) - start;
                let centre_inside = inside_here.contains(&area);
                inside_here.retain(|a| *a != area);
                let reference = grid.reference(c as usize);
                let degenerate = edges
                    .get(start as usize..)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|k| segment(&points, *k))
                    .any(|(a, b)| on_segment(reference, a, b));
                entries.push(Entry { area, centre_inside, degenerate, start, len });
            }
            for area in inside_here {
                entries.push(Entry {
                    area,
                    centre_inside: true,
                    degenerate: false,
                    start: 0,
                    len: 0,
                });
            }
            let here = entries.get(first_entry..).unwrap_or_default();
            let word = match here {
                [] => EMPTY,
                [only] if only.len == 0 && only.area < WHOLE => WHOLE | only.area,
                _ => {
                    mixed.push(Mixed::Entries {
                        from: u32::try_from(first_entry).unwrap_or(u32::MAX),
                        len: u32::try_from(here.len()).unwrap_or(u32::MAX),
                    });
                    u32::try_from(mixed.len() - 1).unwrap_or(u32::MAX)
                }
            };
            if word & WHOLE != 0 && word != EMPTY {
                entries.truncate(first_entry);
            }
            cells.push(word);
        }
        let inverse = [1.0 / grid.cell[0], 1.0 / grid.cell[1]];
        let mut index = Self {
            ids,
            origin: grid.origin,
            cell: grid.cell,
            inverse,
            columns,
            rows,
            cells,
            mixed,
            sub_cells: Vec::new(),
            entries,
            edges,
            points,
            areas: Vec::new(),
        };
        index.refine();
        index.areas = degenerate_areas(areas, &index.entries);
        index
    }

    /// Gives every cell whose lookups would read many edges a finer grid of its own. A
    /// sub-cell's reference point is classified from the cell's by the same crossing count a
    /// lookup uses, so the answers do not change; only fewer edges are read.
    fn refine(&mut self) {
        for c in 0..self.cells.len() {
            let Some(&word) = self.cells.get(c) else { continue };
            if word == EMPTY || word & WHOLE != 0 {
                continue;
            }
            let Some(&Mixed::Entries { from, len }) = self.mixed.get(word as usize) else {
                continue;
            };
            let parent: Vec<Entry> =
                self.entries.get(from as usize..(from + len) as usize).unwrap_or_default().to_vec();
            if parent.iter().map(|e| e.len).sum::<u32>() <= REFINE_ABOVE {
                continue;
            }
            let (ix, iy) = (c % self.columns, c / self.columns);
            let x0 = self.origin[0] + ix as f64 * self.cell[0];
            let y0 = self.origin[1] + iy as f64 * self.cell[1];
            let parent_ref = [x0 + REFERENCE[0] * self.cell[0], y0 + REFERENCE[1] * self.cell[1]];
            let sub = [self.cell[0] / SUB as f64, self.cell[1] / SUB as f64];
            let rect_of = |sx: usize, sy: usize| {
                let (bx, by) = (x0 + sx as f64 * sub[0], y0 + sy as f64 * sub[1]);
                [bx, by, bx + sub[0], by + sub[1]]
            };
            // Each entry's edges, and which sub-cells each meets: `(sub-cell, edge)` by
            // sub-cell, each sub-cell's edges in the entry's order. An edge is tried only on the
            // sub-cells around its bounding box.
            let mut parent_edges: Vec<Vec<u32>> = Vec::with_capacity(parent.len());
            let mut meets: Vec<Vec<(usize, u32)>> = Vec::with_capacity(parent.len());
            for entry in &parent {
                let edges = self
                    .edges
                    .get(entry.start as usize..(entry.start + entry.len) as usize)
                    .unwrap_or_default()
                    .to_vec();
                let mut hits = Vec::new();
                if entry.len > 0 && !entry.degenerate {
                    let span = |lo: f64, hi: f64, origin: f64, size: f64| {
                        let first = (((lo - origin) / size).floor() - 1.0).max(0.0) as usize;
                        let last = (((hi - origin) / size).floor() + 1.0).max(0.0) as usize;
                        (first.min(SUB - 1), last.min(SUB - 1))
                    };
                    for &k in &edges {
                        let Some((a, b)) = segment(&self.points, k) else { continue };
                        let (c0, c1) = span(a[0].min(b[0]), a[0].max(b[0]), x0, sub[0]);
                        let (r0, r1) = span(a[1].min(b[1]), a[1].max(b[1]), y0, sub[1]);
                        for sy in r0..=r1 {
                            for sx in c0..=c1 {
                                if segment_meets_box(a, b, rect_of(sx, sy)) {
                                    hits.push((sy * SUB + sx, k));
                                }
                            }
                        }
                    }
                    hits.sort_by_key(|(s, _)| *s);
                }
                parent_edges.push(edges);
                meets.push(hits);
            }
            let mut cursor = vec![0usize; parent.len()];
            let first = u32::try_from(self.sub_cells.len()).unwrap_or(u32::MAX);
            for sy in 0..SUB {
                for sx in 0..SUB {
                    let here_sub = sy * SUB + sx;
                    let [bx, by, _, _] = rect_of(sx, sy);
                    let sub_ref = [bx + REFERENCE[0] * sub[0], by + REFERENCE[1] * sub[1]];
                    let first_entry = self.entries.len();
                    for (j, entry) in parent.iter().enumerate() {
                        if entry.len == 0 || entry.degenerate {
                            self.entries.push(*entry);
                            continue;
                        }
                        let all = parent_edges.get(j).map_or(&[][..], Vec::as_slice);
                        let points = &self.points;
                        let inside = entry.centre_inside
                            ^ (crossings(parent_ref, sub_ref, all, points) % 2 == 1);
                        let hits = meets.get(j).map_or(&[][..], Vec::as_slice);
                        let begin = cursor.get(j).copied().unwrap_or(0);
                        let count = hits
                            .get(begin..)
                            .unwrap_or_default()
                            .iter()
                            .take_while(|(s, _)| *s == here_sub)
                            .count();
                        if let Some(slot) = cursor.get_mut(j) {
                            *slot = begin + count;
                        }
                        let mine = hits.get(begin..begin + count).unwrap_or_default();
                        // An edge through the reference point meets its sub-cell.
                        let degenerate = mine
                            .iter()
                            .filter_map(|(_, k)| segment(points, *k))
                            .any(|(a, b)| on_segment(sub_ref, a, b));
                        let start = u32::try_from(self.edges.len()).unwrap_or(u32::MAX);
                        self.edges.extend(mine.iter().map(|(_, k)| *k));
                        let len = u32::try_from(self.edges.len()).unwrap_or(u32::MAX) - start;
                        if len > 0 || degenerate || inside {
                            self.entries.push(Entry {
                                area: entry.area,
                                centre_inside: inside,
                                degenerate,
                                start,
                                len,
                            });
                        }
                    }
                    let here = self.entries.get(first_entry..).unwrap_or_default();
                    let word = match here {
                        [] => EMPTY,
                        [only] if only.len == 0 && !only.degenerate && only.area < WHOLE => {
                            WHOLE | only.area
                        }
                        _ => {
                            self.mixed.push(Mixed::Entries {
                                from: u32::try_from(first_entry).unwrap_or(u32::MAX),
                                len: u32::try_from(here.len()).unwrap_or(u32::MAX),
                            });
                            u32::try_from(self.mixed.len() - 1).unwrap_or(u32::MAX)
                        }
                    };
                    if word == EMPTY || word & WHOLE != 0 {
                        self.entries.truncate(first_entry);
                    }
                    self.sub_cells.push(word);
                }
            }
            if let Some(slot) = self.mixed.get_mut(word as usize) {
                *slot = Mixed::Sub { first };
            }
        }
    }

    fn empty(ids: Vec<String>) -> Self {
        Self {
            ids,
            origin: [0.0, 0.0],
            cell: [1.0, 1.0],
            inverse: [1.0, 1.0],
            columns: 0,
            rows: 0,
            cells: Vec::new(),
            mixed: Vec::new(),
            sub_cells: Vec::new(),
            entries: Vec::new(),
            edges: Vec::new(),
            points: Vec::new(),
            areas: Vec::new(),
        }
    }

    /// The id of area `index` (as given at build).
    pub fn id(&self, index: usize) -> Option<&str> {
        self.ids.get(index).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Cells and stored edge pieces, for reports.
    pub fn stats(&self) -> (usize, usize) {
        (self.columns * self.rows, self.edges.len())
    }

    /// How many edges a lookup at `p` reads (0 for a cell one area holds whole).
    pub fn edges_read(&self, p: [f64; 2]) -> usize {
        match self.cell_of(p) {
            Some((ix, iy, word)) if word & WHOLE == 0 => match self.resolve(ix, iy, word, p) {
                // A sub-cell one area holds whole.
                Some((u32::MAX, _, _)) => 0,
                Some((from, len, _)) => self
                    .entries
                    .get(from as usize..(from + len) as usize)
                    .map_or(0, |entries| entries.iter().map(|e| e.len as usize).sum()),
                None => 0,
            },
            _ => 0,
        }
    }

    /// The cell of `p` and its word, or `None` outside the grid (NaN included).
    #[inline]
    fn cell_of(&self, p: [f64; 2]) -> Option<(usize, usize, u32)> {
        let fx = (p[0] - self.origin[0]) * self.inverse[0];
        let fy = (p[1] - self.origin[1]) * self.inverse[1];
        // NaN and points outside the grid fail these comparisons and find nothing.
        if !(fx >= 0.0 && fy >= 0.0 && fx <= self.columns as f64 && fy <= self.rows as f64) {
            return None;
        }
        let ix = (fx as usize).min(self.columns.saturating_sub(1));
        let iy = (fy as usize).min(self.rows.saturating_sub(1));
        self.cells.get(iy * self.columns + ix).map(|word| (ix, iy, *word))
    }

    /// Looks up many points, calling `each(i, areas)` for every point `points[i]` in order.
    /// Faster than one [`AreaIndex::lookup_into`] at a time: a run of points goes through each
    /// step together — every cell word, then every mixed cell's entries, then the answers — so
    /// the memory loads of one step overlap instead of waiting on each other.
    pub fn lookup_batch(&self, points: &[[f64; 2]], mut each: impl FnMut(usize, &[usize])) {
        const RUN: usize = 32;
        let mut found = Vec::with_capacity(4);
        for (r, run) in points.chunks(RUN).enumerate() {
            let mut cells = [None; RUN];
            for (slot, p) in cells.iter_mut().zip(run) {
                *slot = self.cell_of(*p);
            }
            let mut steps = [Step::Empty; RUN];
            for ((step, p), cell) in steps.iter_mut().zip(run).zip(cells) {
                *step = match cell {
                    None | Some((_, _, EMPTY)) => Step::Empty,
                    Some((_, _, word)) if word & WHOLE != 0 => Step::Whole(word & !WHOLE),
                    Some((ix, iy, word)) => match self.resolve(ix, iy, word, *p) {
                        None => Step::Empty,
                        Some((u32::MAX, area, _)) => Step::Whole(area),
                        Some((from, len, centre)) => Step::Entries { from, len, centre },
                    },
                };
            }
            for (k, (p, step)) in run.iter().zip(steps).enumerate() {
                let i = r * RUN + k;
                match step {
                    Step::Empty => each(i, &[]),
                    Step::Whole(area) => each(i, &[area as usize]),
                    Step::Entries { from, len, centre } => {
                        found.clear();
                        self.answer_entries(from, len, centre, *p, &mut found);
                        each(i, &found);
                    }
                }
            }
        }
    }

    /// Appends to `out` the index of every area containing `p` (`[lon, lat]`), in area order.
    pub fn lookup_into(&self, p: [f64; 2], out: &mut Vec<usize>) {
        let Some((ix, iy, word)) = self.cell_of(p) else { return };
        if word == EMPTY {
            return;
        }
        if word & WHOLE != 0 {
            out.push((word & !WHOLE) as usize);
            return;
        }
        self.mixed_cell(ix, iy, word, p, out);
    }

    /// For a mixed cell, the entries that answer for `p` and the reference point they are
    /// anchored to — the cell's, or the sub-cell's when the cell has a finer grid. `None` when
    /// the sub-cell is empty; a sub-cell held whole answers as `(u32::MAX, area, _)`.
    fn resolve(
        &self,
        ix: usize,
        iy: usize,
        word: u32,
        p: [f64; 2],
    ) -> Option<(u32, u32, [f64; 2])> {
        let x0 = self.origin[0] + ix as f64 * self.cell[0];
        let y0 = self.origin[1] + iy as f64 * self.cell[1];
        match *self.mixed.get(word as usize)? {
            Mixed::Entries { from, len } => Some((
                from,
                len,
                [x0 + REFERENCE[0] * self.cell[0], y0 + REFERENCE[1] * self.cell[1]],
            )),
            Mixed::Sub { first } => {
                let fx = ((p[0] - x0) * self.inverse[0] * SUB as f64).max(0.0);
                let fy = ((p[1] - y0) * self.inverse[1] * SUB as f64).max(0.0);
                let (sx, sy) = ((fx as usize).min(SUB - 1), (fy as usize).min(SUB - 1));
                let sub_word = *self.sub_cells.get(first as usize + sy * SUB + sx)?;
                if sub_word == EMPTY {
                    return None;
                }
                if sub_word & WHOLE != 0 {
                    return Some((u32::MAX, sub_word & !WHOLE, [0.0, 0.0]));
                }
                let Mixed::Entries { from, len } = *self.mixed.get(sub_word as usize)? else {
                    return None;
                };
                let sub = [self.cell[0] / SUB as f64, self.cell[1] / SUB as f64];
                let reference = [
                    x0 + (sx as f64 + REFERENCE[0]) * sub[0],
                    y0 + (sy as f64 + REFERENCE[1]) * sub[1],
                ];
                Some((from, len, reference))
            }
        }
    }

    /// The areas of a mixed cell that contain `p`.
    fn mixed_cell(&self, ix: usize, iy: usize, word: u32, p: [f64; 2], out: &mut Vec<usize>) {
        let Some((from, len, centre)) = self.resolve(ix, iy, word, p) else { return };
        if from == u32::MAX {
            out.push(len as usize);
            return;
        }
        self.answer_entries(from, len, centre, p, out);
    }

    /// The areas of `entries[from..from + len]`, anchored at `centre`, that contain `p`.
    fn answer_entries(
        &self,
        from: u32,
        len: u32,
        centre: [f64; 2],
        p: [f64; 2],
        out: &mut Vec<usize>,
    ) {
        let first = out.len();
        for entry in self.entries.get(from as usize..(from + len) as usize).unwrap_or_default() {
            let inside = if entry.len == 0 {
                true
            } else if entry.degenerate {
                self.areas
                    .get(entry.area as usize)
                    .is_some_and(|a| crate::reference::contains(a, p))
            } else {
                let edges = self
                    .edges
                    .get(entry.start as usize..(entry.start + entry.len) as usize)
                    .unwrap_or_default();
                entry.centre_inside ^ (crossings(centre, p, edges, &self.points) % 2 == 1)
            };
            if inside {
                out.push(entry.area as usize);
            }
        }
        if let Some(found) = out.get_mut(first..) {
            found.sort_unstable();
        }
    }

    /// Every area containing `p`.
    pub fn lookup(&self, p: [f64; 2]) -> Vec<usize> {
        let mut out = Vec::new();
        self.lookup_into(p, &mut out);
        out
    }
}

/// The areas that degenerate entries answer with the reference test, at their positions; the
/// others stay empty placeholders, so the index does not carry every polygon twice.
fn degenerate_areas(areas: &[Area], entries: &[Entry]) -> Vec<Area> {
    let mut keep = vec![false; areas.len()];
    for entry in entries.iter().filter(|e| e.degenerate) {
        if let Some(slot) = keep.get_mut(entry.area as usize) {
            *slot = true;
        }
    }
    areas
        .iter()
        .zip(keep)
        .map(|(area, keep)| {
            if keep {
                area.clone()
            } else {
                Area { id: String::new(), name: String::new(), polygons: Vec::new() }
            }
        })
        .collect()
}

/// How many of `edges` the segment `c`–`p` crosses. A vertex exactly on the segment's line is
/// counted on one side only (half-open), so a crossing through a shared vertex counts once.
fn crossings(c: [f64; 2], p: [f64; 2], edges: &[u32], points: &[[f64; 2]]) -> u32 {
    let mut n = 0;
    for (a, b) in edges.iter().filter_map(|k| segment(points, *k)) {
        let (oa, ob) = (orient(c, p, a) >= 0.0, orient(c, p, b) >= 0.0);
        if oa != ob {
            let (oc, op) = (orient(a, b, c), orient(a, b, p));
            if (oc > 0.0 && op < 0.0) || (oc < 0.0 && op > 0.0) {
                n += 1;
            }
        }
    }
    n
}

/// `pieces` ordered by cell (a counting sort, keeping the order within each cell).
fn by_cell(pieces: Vec<(u32, u32, u32)>, cells: usize) -> Vec<(u32, u32, u32)> {
    let mut next = vec![0u32; cells + 1];
    for (c, _, _) in &pieces {
        if let Some(n) = next.get_mut(*c as usize + 1) {
            *n += 1;
        }
    }
    let mut total = 0;
    for n in &mut next {
        total += *n;
        *n = total;
    }
    let mut out = vec![(0, 0, 0); pieces.len()];
    for piece in pieces {
        if let Some(at) = next.get_mut(piece.0 as usize)
            && let Some(slot) = out.get_mut(*at as usize)
        {
            *slot = piece;
            *at += 1;
        }
    }
    out
}

/// The edge whose first end is `points[k]`.
#[inline]
fn segment(points: &[[f64; 2]], k: u32) -> Option<([f64; 2], [f64; 2])> {
    match points.get(k as usize..k as usize + 2)? {
        [a, b] => Some((*a, *b)),
        _ => None,
    }
}

/// Whether `p` lies on the segment `a`–`b` (exactly, in floating point).
fn on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> bool {
    orient(a, b, p) == 0.0
        && p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// Twice the signed area of triangle `a b c`: positive when `c` is left of `a → b`.
fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

#[derive(Debug, Clone, Copy)]
struct Grid {
    origin: [f64; 2],
    cell: [f64; 2],
    columns: usize,
    rows: usize,
}

impl Grid {
    /// The reference point of cell `c`.
    fn reference(&self, c: usize) -> [f64; 2] {
        let (ix, iy) = (c % self.columns, c / self.columns);
        [
            self.origin[0] + (ix as f64 + REFERENCE[0]) * self.cell[0],
            self.origin[1] + (iy as f64 + REFERENCE[1]) * self.cell[1],
        ]
    }

    fn column_of(&self, x: f64) -> usize {
        (((x - self.origin[0]) / self.cell[0]).max(0.0) as usize).min(self.columns - 1)
    }

    fn row_of(&self, y: f64) -> usize {
        (((y - self.origin[1]) / self.cell[1]).max(0.0) as usize).min(self.rows - 1)
    }

    /// Calls `visit` with every cell the segment `a`–`b` passes through (or touches).
    fn cells_crossed(&self, a: [f64; 2], b: [f64; 2], mut visit: impl FnMut(u32)) {
        let (c0, c1) = (self.column_of(a[0].min(b[0])), self.column_of(a[0].max(b[0])));
        let (r0, r1) = (self.row_of(a[1].min(b[1])), self.row_of(a[1].max(b[1])));
        for row in r0..=r1 {
            for column in c0..=c1 {
                let x0 = self.origin[0] + column as f64 * self.cell[0];
                let y0 = self.origin[1] + row as f64 * self.cell[1];
                if (c0 == c1 && r0 == r1)
                    || segment_meets_box(a, b, [x0, y0, x0 + self.cell[0], y0 + self.cell[1]])
                {
                    visit(u32::try_from(row * self.columns + column).unwrap_or(u32::MAX));
                }
            }
        }
    }

    /// `(cell, area)` for every cell centre inside an area, sorted, by a scan line per row.
    fn centres_inside(&self, areas: &[Area]) -> Vec<(u32, u32)> {
        // Crossings of each row's centre line: (row, area, x).
        let mut crossings: Vec<(u32, u32, f64)> = Vec::new();
        for (index, area) in areas.iter().enumerate() {
            let area_id = u32::try_from(index).unwrap_or(u32::MAX);
            for (a, b) in area.edges() {
                let (lo, hi) = (a[1].min(b[1]), a[1].max(b[1]));
                // Rows whose centre y satisfies the reference rule: (a.y > y) != (b.y > y).
                // One row early, in case rounding put the first row's centre just above `lo`;
                // the exact test below decides.
                let mut row = ((lo - self.origin[1]) / self.cell[1] - 2.0).ceil().max(0.0) as usize;
                while row < self.rows {
                    let y = self.origin[1] + (row as f64 + REFERENCE[1]) * self.cell[1];
                    if y > hi {
                        break;
                    }
                    if (a[1] > y) != (b[1] > y) {
                        let x = (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0];
                        crossings.push((u32::try_from(row).unwrap_or(u32::MAX), area_id, x));
                    }
                    row += 1;
                }
            }
        }
        crossings.sort_unstable_by(|p, q| (p.0, p.1).cmp(&(q.0, q.1)).then(p.2.total_cmp(&q.2)));
        let mut inside = Vec::new();
        for group in crossings.chunk_by(|p, q| p.0 == q.0 && p.1 == q.1) {
            let Some(&(row, area, _)) = group.first() else { continue };
            // The reference rule counts crossings strictly right of the point, so with the
            // crossings sorted x0 <= x1 <= ..., a centre is inside exactly when
            // x0 <= cx < x1, or x2 <= cx < x3, and so on.
            for pair in group.chunks(2) {
                let [(_, _, enter), (_, _, leave)] = pair else { continue };
                // One column early for rounding; the exact test below decides.
                let mut column =
                    (((enter - self.origin[0]) / self.cell[0]) - 2.0).ceil().max(0.0) as usize;
                while column < self.columns {
                    let cx = self.origin[0] + (column as f64 + REFERENCE[0]) * self.cell[0];
                    if cx >= *leave {
                        break;
                    }
                    if cx >= *enter {
                        inside.push((
                            u32::try_from(row as usize * self.columns + column).unwrap_or(u32::MAX),
                            area,
                        ));
                    }
                    column += 1;
                }
            }
        }
        inside.sort_unstable();
        inside
    }
}

/// Whether the segment `a`–`b` meets the box `[x0, y0, x1, y1]` (Liang–Barsky clipping).
fn segment_meets_box(a: [f64; 2], b: [f64; 2], r: [f64; 4]) -> bool {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a[0] - r[0]), (dx, r[2] - a[0]), (-dy, a[1] - r[1]), (dy, r[3] - a[1])] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}
