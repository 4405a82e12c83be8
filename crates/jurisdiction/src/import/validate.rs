//! The checks and repairs every imported ring goes through (listed in the docs of
//! `import/mod.rs`), and the geometry helpers the shapefile importer needs to sort holes.
//!
//! Problems come back as text naming the ring and vertex; the caller adds the feature.

use super::Repairs;
use crate::geometry::{Polygon, Ring};

/// Why a ring was refused.
#[derive(Debug)]
pub(crate) enum RingFault {
    /// Fewer than 3 distinct corners after the repairs: no area.
    Collapsed(String),
    /// Anything else.
    Invalid(String),
}

impl RingFault {
    pub fn into_message(self) -> String {
        match self {
            Self::Collapsed(m) | Self::Invalid(m) => m,
        }
    }
}

/// Checks and repairs every ring of `polygons` in place. Rings are named `ring R` (0 is the
/// outer ring, then the holes), or `polygon P ring R` when there are several polygons.
/// `drop_collapsed`: drop rings with fewer than 3 distinct corners (and the holes of such an
/// outer ring) instead of refusing them; `polygons` may end up empty.
pub(crate) fn polygons(
    polygons: &mut Vec<Polygon>,
    drop_collapsed: bool,
    repairs: &mut Repairs,
) -> Result<(), String> {
    let multi = polygons.len() > 1;
    let name = |p: usize, r: usize| {
        if multi { format!("polygon {p} ring {r}") } else { format!("ring {r}") }
    };
    let mut kept = Vec::with_capacity(polygons.len());
    for (p, mut polygon) in std::mem::take(polygons).into_iter().enumerate() {
        match ring(&mut polygon.exterior, &name(p, 0), repairs) {
            Ok(()) => {}
            Err(RingFault::Collapsed(_)) if drop_collapsed => {
                repairs.collapsed_rings += 1 + polygon.holes.len();
                continue;
            }
            Err(fault) => return Err(fault.into_message()),
        }
        let mut holes = Vec::with_capacity(polygon.holes.len());
        for (h, mut hole) in polygon.holes.into_iter().enumerate() {
            match ring(&mut hole, &name(p, h + 1), repairs) {
                Ok(()) => holes.push(hole),
                Err(RingFault::Collapsed(_)) if drop_collapsed => repairs.collapsed_rings += 1,
                Err(fault) => return Err(fault.into_message()),
            }
        }
        polygon.holes = holes;
        kept.push(polygon);
    }
    *polygons = kept;
    Ok(())
}

/// Checks and repairs one ring in place; `at` names it in messages ("ring 0", "part 3").
pub(crate) fn ring(ring: &mut Ring, at: &str, repairs: &mut Repairs) -> Result<(), RingFault> {
    for (v, &point) in ring.iter().enumerate() {
        check_point(point).map_err(|m| RingFault::Invalid(format!("{at}, vertex {v}: {m}")))?;
    }
    if let (Some(&first), Some(&last)) = (ring.first(), ring.last())
        && first != last
    {
        ring.push(first);
        repairs.closed_rings += 1;
    }
    let before = ring.len();
    ring.dedup();
    repairs.duplicate_points += before - ring.len();
    if ring.len() < 4 {
        let distinct = if ring.len() > 1 { ring.len() - 1 } else { ring.len() };
        return Err(RingFault::Collapsed(format!(
            "{at} has only {distinct} distinct point(s): a ring needs at least 3 distinct corners \
             and the closing point to enclose an area; fix or remove the ring"
        )));
    }
    if let Some(crossing) = find_crossing(ring) {
        let [x, y] = crossing.at;
        return Err(RingFault::Invalid(format!(
            "{at} crosses itself near [{x:.6}, {y:.6}]: a boundary must not cross itself; fix \
             the ring (e.g. QGIS \"Fix geometries\" or `ogr2ogr -makevalid`)"
        )));
    }
    Ok(())
}

/// A position must be finite and within longitude −180..180, latitude −90..90.
fn check_point([lon, lat]: [f64; 2]) -> Result<(), String> {
    if !lon.is_finite() || !lat.is_finite() {
        return Err(format!(
            "coordinate [{lon}, {lat}] is not a finite number; the file is damaged there: fix \
             or remove the vertex"
        ));
    }
    let in_range =
        |lon: f64, lat: f64| (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat);
    if in_range(lon, lat) {
        return Ok(());
    }
    let what = if (-180.0..=180.0).contains(&lon) {
        format!("latitude {lat} is outside -90..90")
    } else if (-90.0..=90.0).contains(&lat) {
        format!("longitude {lon} is outside -180..180")
    } else {
        format!("longitude {lon} and latitude {lat} are outside -180..180 and -90..90")
    };
    let advice = if in_range(lat, lon) {
        "the axes look swapped: the file seems to hold [latitude, longitude], but positions must \
         be [longitude, latitude]; swap them"
    } else if lon.abs() > 360.0 || lat.abs() > 360.0 {
        "this looks like projected coordinates (metres or feet), not degrees: reproject to \
         longitude/latitude (WGS84, EPSG:4326), e.g. `ogr2ogr -t_srs EPSG:4326 out.shp in.shp`"
    } else {
        "positions must be [longitude, latitude] in degrees (WGS84)"
    };
    Err(format!("[{lon}, {lat}] is out of range: {what}; {advice}"))
}

/// Two non-adjacent edges of a ring that properly cross.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Crossing {
    /// Edge `i` runs from vertex `i` to vertex `i + 1`.
    pub edges: (usize, usize),
    /// Where they cross.
    pub at: [f64; 2],
}

/// Rings with at most this many edges are checked pair by pair.
const BRUTE_FORCE_EDGES: usize = 32;

/// The first proper crossing found between two non-adjacent edges of the closed `ring`, if
/// any. Edges that only touch (at a vertex, or a vertex on an edge, or collinear overlap) do
/// not count.
///
/// Each edge is entered into the cells of a uniform grid over the ring's bounding box that it
/// passes through (walking it column by column), with cells about half an average edge wide,
/// so an edge lands in a few cells and a cell holds a few edges. The (cell, edge) entries are
/// sorted by cell, and only edges sharing a cell are tested against each other: about linear
/// in the ring's size plus a sort (a cluster of edges much shorter than the average in one
/// cell is tested pair by pair). The grid is sparse (only the entries exist), so a long thin
/// ring costs no more than a compact one. About 0.1 s for the 1,039,365 vertices of the Census
/// 1:500k counties.
///
/// The grid suits boundaries, whose edges are short and about alike. A ring of long edges
/// flung across its box (random points: every edge crosses hundreds) would put each edge in
/// thousands of cells and make the grid quadratic; when the grid grows past a bound it is
/// abandoned for [`find_crossing_by_tree`], which stops at the first crossing.
pub(crate) fn find_crossing(ring: &[[f64; 2]]) -> Option<Crossing> {
    let edges = ring.len().checked_sub(1)?;
    if edges < 4 {
        return None; // a triangle's edges are all adjacent
    }
    if edges <= BRUTE_FORCE_EDGES {
        return find_crossing_pairwise(ring);
    }
    let edge = |i: usize| Some((*ring.get(i)?, *ring.get(i + 1)?));
    let test = |i: usize, j: usize| test_pair(ring, i, j);

    let [min_x, min_y, max_x, max_y] = bounds(ring);
    let extent: f64 = (0..edges)
        .filter_map(edge)
        .map(|(a, b)| (b[0] - a[0]).abs().max((b[1] - a[1]).abs()))
        .sum();
    let cell = extent / edges as f64 / 2.0;
    if !(cell > 0.0 && cell.is_finite()) {
        return None; // every point the same: not a ring the count check lets through
    }
    // Cells per axis; the sum of the edges' extents bounds the box, so this is at most about
    // twice the edge count.
    let cells = |span: f64| ((span / cell) as u64).saturating_add(1).min(1 << 31);
    let (columns, rows) = (cells(max_x - min_x), cells(max_y - min_y));

    // Past this many entries (or pair tests) the grid is no longer about linear.
    let budget = edges.saturating_mul(GRID_BUDGET_PER_EDGE);
    let mut entries: Vec<(u64, usize)> = Vec::with_capacity(edges * 3);
    for i in 0..edges {
        if entries.len() > budget {
            return find_crossing_by_tree(ring);
        }
        let Some((a, b)) = edge(i) else { continue };
        let grid = |p: [f64; 2]| [(p[0] - min_x) / cell, (p[1] - min_y) / cell];
        let (mut p, mut q) = (grid(a), grid(b));
        if p[0] > q[0] {
            std::mem::swap(&mut p, &mut q);
        }
        let du = q[0] - p[0];
        for column in index(p[0] - SLACK, columns)..=index(q[0] + SLACK, columns) {
            // The edge's extent in v within this column (clipped to the edge's own span).
            let (v0, v1) = if du > 0.0 {
                let u0 = p[0].max(column as f64);
                let u1 = q[0].min(column as f64 + 1.0);
                let at = |u: f64| p[1] + (u - p[0]) / du * (q[1] - p[1]);
                (at(u0), at(u1))
            } else {
                (p[1], q[1])
            };
            let (v0, v1) = (v0.min(v1), v0.max(v1));
            for row in index(v0 - SLACK, rows)..=index(v1 + SLACK, rows) {
                entries.push((row * columns + column, i));
            }
        }
    }
    entries.sort_unstable();

    let mut found: Option<Crossing> = None;
    let mut tests = 0usize;
    for run in entries.chunk_by(|x, y| x.0 == y.0) {
        tests = tests.saturating_add(run.len() * run.len().saturating_sub(1) / 2);
        if tests > budget {
            return found.or_else(|| find_crossing_by_tree(ring));
        }
        for (n, &(_, i)) in run.iter().enumerate() {
            for &(_, j) in run.iter().skip(n + 1) {
                if let Some(c) = test(i, j) {
                    // The lowest pair of edges, so the answer does not depend on the grid.
                    if found.is_none_or(|f| c.edges < f.edges) {
                        found = Some(c);
                    }
                }
            }
        }
    }
    found
}

/// Grid entries, or pair tests, per edge past which the grid gives way to the R-tree.
const GRID_BUDGET_PER_EDGE: usize = 64;

/// A crossing, if the closed `ring` has one, found through an R-tree of its edges' boxes: each
/// edge is tested against the later edges whose boxes meet its own, in order, stopping at the
/// first proper crossing. O(n log n) to build; each query is cheap where edges are few per
/// place, and where they are many they cross, so the search ends early. Not necessarily the
/// lowest crossing pair.
fn find_crossing_by_tree(ring: &[[f64; 2]]) -> Option<Crossing> {
    use rstar::primitives::{GeomWithData, Rectangle};
    use rstar::{AABB, RTree};
    let edges = ring.len().checked_sub(1)?;
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = (0..edges)
        .filter_map(|i| {
            let (a, b) = (*ring.get(i)?, *ring.get(i + 1)?);
            Some(GeomWithData::new(Rectangle::from_corners(a, b), i))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    for i in 0..edges {
        let (Some(a), Some(b)) = (ring.get(i), ring.get(i + 1)) else { continue };
        let envelope = AABB::from_corners(*a, *b);
        let mut later: Vec<usize> = tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|g| g.data)
            .filter(|j| *j > i)
            .collect();
        later.sort_unstable();
        if let Some(c) = later.into_iter().find_map(|j| test_pair(ring, i, j)) {
            return Some(c);
        }
    }
    None
}

/// [`find_crossing`] the slow way, every pair of edges: the lowest crossing pair.
fn find_crossing_pairwise(ring: &[[f64; 2]]) -> Option<Crossing> {
    let edges = ring.len().saturating_sub(1);
    (0..edges).find_map(|i| (i + 2..edges).find_map(|j| test_pair(ring, i, j)))
}

/// Whether edges `i` and `j` of the closed `ring` are not adjacent and cross.
fn test_pair(ring: &[[f64; 2]], i: usize, j: usize) -> Option<Crossing> {
    if adjacent(i, j, ring.len().saturating_sub(1)) {
        return None;
    }
    let edge = |i: usize| Some((*ring.get(i)?, *ring.get(i + 1)?));
    let ((a, b), (c, d)) = (edge(i)?, edge(j)?);
    cross(a, b, c, d).map(|at| Crossing { edges: (i.min(j), i.max(j)), at })
}

/// Grid coordinates are widened by this much, so that an edge ending on (or rounding across)
/// a cell border lands in the cells on both sides.
const SLACK: f64 = 1e-6;

/// The cell holding grid coordinate `u`, clamped to `0..cells`.
fn index(u: f64, cells: u64) -> u64 {
    if u <= 0.0 { 0 } else { (u as u64).min(cells - 1) }
}

/// Edges `i` and `j` of a closed ring of `edges` edges follow one another.
fn adjacent(i: usize, j: usize, edges: usize) -> bool {
    let (i, j) = (i.min(j), i.max(j));
    j - i <= 1 || (i == 0 && j == edges - 1)
}

/// Twice the signed area of triangle `a b c`: positive when counter-clockwise.
fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Where segments `a b` and `c d` cross, if each has the other's endpoints strictly on
/// opposite sides.
fn cross(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> Option<[f64; 2]> {
    if a[0].max(b[0]) < c[0].min(d[0])
        || c[0].max(d[0]) < a[0].min(b[0])
        || a[1].max(b[1]) < c[1].min(d[1])
        || c[1].max(d[1]) < a[1].min(b[1])
    {
        return None;
    }
    let (o1, o2) = (orient(c, d, a), orient(c, d, b));
    let (o3, o4) = (orient(a, b, c), orient(a, b, d));
    let opposite = |x: f64, y: f64| (x > 0.0 && y < 0.0) || (x < 0.0 && y > 0.0);
    if !(opposite(o1, o2) && opposite(o3, o4)) {
        return None;
    }
    let t = o1 / (o1 - o2);
    Some([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
}

/// Twice the signed area of a closed ring (shoelace): positive when counter-clockwise.
pub(crate) fn signed_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .filter_map(|w| Some((w.first()?, w.get(1)?)))
        .map(|(a, b)| a[0] * b[1] - b[0] * a[1])
        .sum()
}

/// Where `point` lies relative to the closed `ring`: `Some(true)` inside, `Some(false)`
/// outside, `None` on its boundary.
pub(crate) fn locate(point: [f64; 2], ring: &[[f64; 2]]) -> Option<bool> {
    let [x, y] = point;
    let mut inside = false;
    for (a, b) in ring.windows(2).filter_map(|w| Some((*w.first()?, *w.get(1)?))) {
        if orient(a, b, point) == 0.0
            && x >= a[0].min(b[0])
            && x <= a[0].max(b[0])
            && y >= a[1].min(b[1])
            && y <= a[1].max(b[1])
        {
            return None;
        }
        if (a[1] > y) != (b[1] > y) && x < a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]) {
            inside = !inside;
        }
    }
    Some(inside)
}

/// `[min_lon, min_lat, max_lon, max_lat]` of a ring.
pub(crate) fn bounds(ring: &[[f64; 2]]) -> [f64; 4] {
    ring.iter()
        .fold([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY], |b, p| {
            [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn closed(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
        let mut ring = points.to_vec();
        ring.push(points[0]);
        ring
    }

    /// A ring of `n` points around a circle, wiggling in and out.
    fn star(n: usize) -> Vec<[f64; 2]> {
        let points: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 1.0 } else { 0.9 };
                [r * t.cos(), r * t.sin()]
            })
            .collect();
        closed(&points)
    }

    #[test]
    fn a_simple_ring_does_not_cross_itself() {
        assert_eq!(find_crossing(&star(10)), None);
        assert_eq!(find_crossing(&star(10_000)), None);
    }

    #[test]
    fn crossings_are_found_in_small_and_large_rings() {
        let bowtie = closed(&[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]);
        let c = find_crossing(&bowtie).unwrap();
        assert_eq!(c.edges, (0, 2));
        assert_eq!(c.at, [0.5, 0.5]);

        // Swap two far-apart vertices of a big ring: its edges now cross the ring.
        let mut ring = star(10_000);
        ring.swap(10, 5_000);
        assert!(find_crossing(&ring).is_some());
    }

    #[test]
    fn touching_is_not_crossing() {
        // Two squares touching at one vertex, drawn as one ring (a figure eight).
        let eight = closed(&[
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [2.0, 2.0],
            [1.0, 2.0],
            [1.0, 1.0],
            [0.0, 1.0],
        ]);
        assert_eq!(find_crossing(&eight), None);
        // A vertex lying on another edge.
        let t = closed(&[[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [2.0, 0.0], [0.0, 2.0]]);
        assert_eq!(find_crossing(&t), None);
    }

    proptest::proptest! {
        /// The grid finds the same first crossing as trying every pair, on rings of random
        /// jagged shapes (some crossing themselves, some not), with points snapped to a coarse
        /// lattice so that touching and collinear edges are common.
        #[test]
        fn the_grid_agrees_with_trying_every_pair(
            radii in proptest::collection::vec(0.2f64..1.0, 33..300),
            jitter in proptest::collection::vec((-0.3f64..0.3, -0.3f64..0.3), 300),
            wiggle in 0.0f64..0.2,
            snap in proptest::bool::ANY,
        ) {
            let n = radii.len();
            let mut points: Vec<[f64; 2]> = radii
                .iter()
                .zip(&jitter)
                .enumerate()
                .map(|(i, (r, (dx, dy)))| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    let p = [r * t.cos() + dx * wiggle, r * t.sin() + dy * wiggle];
                    if snap { [(p[0] * 20.0).round() / 20.0, (p[1] * 20.0).round() / 20.0] } else { p }
                })
                .collect();
            points.dedup();
            points.push(points[0]);
            points.dedup();
            proptest::prop_assume!(points.len() > BRUTE_FORCE_EDGES + 1);
            let grid = find_crossing(&points);
            let pairwise = find_crossing_pairwise(&points);
            proptest::prop_assert_eq!(grid.map(|c| c.edges), pairwise.map(|c| c.edges));
            // The R-tree finds a crossing exactly when there is one, and a real one.
            let tree = find_crossing_by_tree(&points);
            proptest::prop_assert_eq!(tree.is_some(), pairwise.is_some());
            if let Some(c) = tree {
                proptest::prop_assert!(test_pair(&points, c.edges.0, c.edges.1).is_some());
            }
        }
    }

    /// Random points joined in order: every edge long, crossings everywhere. The grid would
    /// hold hundreds of millions of entries; the tree finds a crossing at once. (Not timed:
    /// counted — the grid gives up within its budget.)
    #[test]
    fn a_ring_of_long_random_edges_is_refused_without_a_quadratic_grid() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut ring: Vec<[f64; 2]> = (0..50_000).map(|_| [next(), next()]).collect();
        ring.push(ring[0]);
        let c = find_crossing(&ring).expect("it crosses itself");
        assert!(test_pair(&ring, c.edges.0, c.edges.1).is_some());
    }

    #[test]
    fn points_are_located_inside_outside_and_on_the_boundary() {
        let square = closed(&[[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]);
        assert_eq!(locate([1.0, 1.0], &square), Some(true));
        assert_eq!(locate([3.0, 1.0], &square), Some(false));
        assert_eq!(locate([2.0, 1.0], &square), None);
        assert_eq!(locate([0.0, 0.0], &square), None);
        assert!(signed_area(&square) > 0.0);
    }
}
