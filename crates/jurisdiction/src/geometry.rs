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

    /// The boundary as a GeoJSON MultiPolygon geometry (RFC 7946: `[lon, lat]` positions),
    /// as the store keeps it; [`crate::import::import_json`] reads it back unchanged.
    pub fn to_geojson(&self) -> String {
        let ring = |r: &Ring| {
            let points: Vec<String> = r.iter().map(|[x, y]| format!("[{x},{y}]")).collect();
            format!("[{}]", points.join(","))
        };
        let polygons: Vec<String> = self
            .polygons
            .iter()
            .map(|p| {
                let rings: Vec<String> =
                    std::iter::once(&p.exterior).chain(&p.holes).map(ring).collect();
                format!("[{}]", rings.join(","))
            })
            .collect();
        format!(r#"{{"type":"MultiPolygon","coordinates":[{}]}}"#, polygons.join(","))
    }

    pub fn vertex_count(&self) -> usize {
        self.polygons
            .iter()
            .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes))
            .map(Vec::len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn geojson_reads_back_as_the_same_polygons() {
        let square = |x: f64| vec![[x, 0.0], [x + 1.0, 0.0], [x + 1.0, 1.0], [x, 1.0], [x, 0.0]];
        let hole = vec![[0.25, 0.25], [0.25, 0.75], [0.75, 0.75], [0.75, 0.25], [0.25, 0.25]];
        let area = Area {
            id: "a".into(),
            name: String::new(),
            polygons: vec![
                Polygon { exterior: square(0.0), holes: vec![hole] },
                Polygon { exterior: square(-95.123_456_789_012), holes: Vec::new() },
            ],
        };
        let (_, back) = crate::import::import_json(area.to_geojson().as_bytes(), "id").unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].polygons, area.polygons, "coordinates survive exactly");
    }
}
