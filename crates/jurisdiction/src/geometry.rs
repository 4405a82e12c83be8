//! Areas as this crate keeps them: polygons of `[lon, lat]` rings in WGS84 degrees.

/// A closed ring of `[lon, lat]` points; the last point repeats the first.
pub type Ring = Vec<[f64; 2]>;

/// One polygon: an outer ring and any holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    pub exterior: Ring,
    pub holes: Vec<Ring>,
}

/// A named area: a county, a PSAP's service area, a 988 center's region.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// The identifier chosen at import (e.g. the 5-digit county FIPS code).
    pub id: String,
    /// A readable name, when the file has one.
    pub name: String,
    pub polygons: Vec<Polygon>,
}

impl Area {
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn bounds(&self) -> [f64; 4] {
        let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for p in self.polygons.iter().flat_map(|p| &p.exterior) {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
        b
    }

    /// Every edge of every ring, as `(from, to)`.
    pub fn edges(&self) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
        self.polygons
            .iter()
            .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes))
            .flat_map(|ring| ring.windows(2).filter_map(|w| Some((*w.first()?, *w.get(1)?))))
    }

    pub fn vertex_count(&self) -> usize {
        self.polygons
            .iter()
            .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes))
            .map(Vec::len)
            .sum()
    }
}
