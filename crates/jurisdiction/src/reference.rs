//! The straightforward point-in-polygon test: the crossing-number rule of W. R. Franklin's
//! PNPOLY over every ring of an area (holes included: a point in a hole crosses one ring more).
//! Slow — it reads every vertex — and obviously right; [`crate::AreaIndex`] is checked against it.

use crate::geometry::Area;

/// Whether `p` (`[lon, lat]`) lies inside `area`.
pub fn contains(area: &Area, p: [f64; 2]) -> bool {
    let mut inside = false;
    for (a, b) in area.edges() {
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            inside = !inside;
        }
    }
    inside
}

/// The reference lookup over many areas: a bounding-box check, then [`contains`].
#[derive(Debug, Clone)]
pub struct Reference<'a> {
    areas: &'a [Area],
    bounds: Vec<[f64; 4]>,
}

impl<'a> Reference<'a> {
    pub fn new(areas: &'a [Area]) -> Self {
        Self { areas, bounds: areas.iter().map(Area::bounds).collect() }
    }

    /// Indices of every area containing `p`, in order.
    pub fn lookup(&self, p: [f64; 2]) -> Vec<usize> {
        self.areas
            .iter()
            .zip(&self.bounds)
            .enumerate()
            .filter(|(_, (area, b))| {
                p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3] && contains(area, p)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// Indices of every area containing `p`, in order (computes every bounding box: for one-off
/// checks; use [`Reference`] for many points).
pub fn lookup(areas: &[Area], p: [f64; 2]) -> Vec<usize> {
    Reference::new(areas).lookup(p)
}
