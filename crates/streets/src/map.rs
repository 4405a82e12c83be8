//! The street map: every named (or, from an edge list, unnamed) stretch of road, with an
//! R-tree of their bounding boxes so a tile or a lookup reads only the lines near it.

use std::collections::HashMap;

use roads::{E7, RoadClass, RoadLine};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Marks a line without a name.
pub(crate) const NO_NAME: u32 = u32::MAX;

/// One line: its name (an index into the names, or [`NO_NAME`]), class and points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    pub name: u32,
    pub class: RoadClass,
    pub start: u32,
    pub end: u32,
}

/// A line's bounding box in degrees (`[lon, lat]` corners) and the line's index.
type Boxed = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The roads as drawn and named; see the crate docs.
pub struct StreetMap {
    pub(crate) names: Vec<String>,
    pub(crate) lines: Vec<Line>,
    pub(crate) points: Vec<E7>,
    tree: RTree<Boxed>,
    /// Whom to credit where the streets are shown, e.g. "© OpenStreetMap contributors".
    attribution: Option<String>,
}

impl std::fmt::Debug for StreetMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreetMap")
            .field("lines", &self.lines.len())
            .field("names", &self.names.len())
            .finish_non_exhaustive()
    }
}

impl StreetMap {
    /// Indexes the lines (those under two points are left out; names are trimmed, and an
    /// empty one is no name).
    pub fn new(lines: impl IntoIterator<Item = RoadLine>) -> Self {
        let mut names = Vec::new();
        let mut name_ids: HashMap<String, u32> = HashMap::new();
        let mut kept = Vec::new();
        let mut points = Vec::new();
        for line in lines {
            if line.points.len() < 2 || points.len() + line.points.len() > u32::MAX as usize {
                continue;
            }
            let name = match line.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                None => NO_NAME,
                Some(name) => *name_ids.entry(name.to_owned()).or_insert_with(|| {
                    names.push(name.to_owned());
                    (names.len() - 1) as u32
                }),
            };
            let start = points.len() as u32;
            points.extend_from_slice(&line.points);
            kept.push(Line { name, class: line.class, start, end: points.len() as u32 });
        }
        let boxes = kept
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let pts = points.get(line.start as usize..line.end as usize).unwrap_or(&[]);
                let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
                for p in pts {
                    lo = [lo[0].min(p.lon()), lo[1].min(p.lat())];
                    hi = [hi[0].max(p.lon()), hi[1].max(p.lat())];
                }
                GeomWithData::new(Rectangle::from_corners(lo, hi), i as u32)
            })
            .collect();
        Self { names, lines: kept, points, tree: RTree::bulk_load(boxes), attribution: None }
    }

    /// The map crediting its source where it is shown (an empty text is none).
    #[must_use]
    pub fn with_attribution(mut self, attribution: Option<String>) -> Self {
        self.attribution = attribution.filter(|a| !a.trim().is_empty());
        self
    }

    /// Whom to credit where the streets are shown.
    pub fn attribution(&self) -> Option<&str> {
        self.attribution.as_deref()
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Distinct street names.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// South-west and north-east corners as `(lat, lon)`, or `None` when empty.
    pub fn bounds(&self) -> Option<((f64, f64), (f64, f64))> {
        let envelope = self.tree.root().envelope();
        if self.lines.is_empty() {
            return None;
        }
        let (lo, hi) = (envelope.lower(), envelope.upper());
        Some(((lo[1], lo[0]), (hi[1], hi[0])))
    }

    /// Every line as (name, class, points), in the order given.
    pub fn lines(&self) -> impl Iterator<Item = (Option<&str>, RoadClass, &[E7])> + '_ {
        self.lines.iter().map(|l| (self.name(l.name), l.class, self.points_of(l)))
    }

    pub(crate) fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    pub(crate) fn points_of(&self, line: &Line) -> &[E7] {
        self.points.get(line.start as usize..line.end as usize).unwrap_or(&[])
    }

    /// Indices of the lines whose bounding box meets the box (degrees).
    pub(crate) fn lines_in(
        &self,
        west: f64,
        south: f64,
        east: f64,
        north: f64,
    ) -> impl Iterator<Item = usize> + '_ {
        let envelope = AABB::from_corners([west, south], [east, north]);
        self.tree.locate_in_envelope_intersecting(&envelope).map(|b| b.data as usize)
    }
}
