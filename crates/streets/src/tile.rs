//! Vector tiles for the console's map: the lines of one zoom and area, simplified for the
//! zoom, their positions as small integers relative to the tile.
//!
//! **The tiling.** At zoom `z` the world is cut into square tiles of `360 / 2^z` degrees of
//! longitude and of latitude (the console's map is equirectangular, so a square in degrees
//! stays a rectangle on screen): tile `x` spans longitudes `-180 + x·size ..` and tile `y`
//! latitudes from `90 - y·size` southwards. A position is written as `(u, v)`, `u` east and
//! `v` south of the tile's north-west corner in `size / EXTENT` steps; lines are not cut at
//! the tile's edge, so a point may fall outside `0..EXTENT`.
//!
//! **What each zoom shows.** Motorways and trunk roads from the lowest zoom; primary roads
//! from 11, secondary from 12, tertiary and unnamed edge-list roads from 13, every street from
//! 14; names from 14. Lines are simplified (Douglas–Peucker) to a quarter of a step of a
//! 1024-pixel tile, below anything a screen shows.

use roads::{E7, RoadClass};

use crate::map::{NO_NAME, StreetMap};

pub const MIN_ZOOM: u8 = 6;
pub const MAX_ZOOM: u8 = 18;
/// Steps per tile side.
pub const EXTENT: i32 = 4096;
/// Simplification tolerance in steps.
const TOLERANCE: f64 = 1.0;

/// A tile's address is outside what is drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("zoom {0} is outside {MIN_ZOOM}..={MAX_ZOOM}")]
    Zoom(u8),
    #[error("tile {x}/{y} does not exist at zoom {z}: x must be below {}, y below {}", 1u64 << z, 1u64 << (z - 1))]
    Position { z: u8, x: u32, y: u32 },
}

/// One line of a tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileLine {
    pub class: RoadClass,
    /// An index into [`Tile::names`].
    pub name: Option<u32>,
    /// `(u, v)` pairs, at least two.
    pub points: Vec<(i32, i32)>,
}

/// The lines one tile shows; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    /// The tile's north-west corner and side, in degrees.
    pub west: f64,
    pub north: f64,
    pub size: f64,
    pub names: Vec<String>,
    pub lines: Vec<TileLine>,
}

/// The least important class shown at a zoom.
fn shown(z: u8, class: RoadClass) -> bool {
    match class {
        RoadClass::Motorway | RoadClass::Trunk => true,
        RoadClass::Primary => z >= 11,
        RoadClass::Secondary => z >= 12,
        RoadClass::Tertiary | RoadClass::Unknown => z >= 13,
        RoadClass::Minor => z >= 14,
    }
}

/// The side of a tile at zoom `z`, in degrees.
pub fn tile_size(z: u8) -> f64 {
    360.0 / f64::from(1u32 << z)
}

impl StreetMap {
    /// The tile `z/x/y` (see the module docs).
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Tile, TileError> {
        if !(MIN_ZOOM..=MAX_ZOOM).contains(&z) {
            return Err(TileError::Zoom(z));
        }
        if u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << (z - 1) {
            return Err(TileError::Position { z, x, y });
        }
        let size = tile_size(z);
        let west = -180.0 + f64::from(x) * size;
        let north = 90.0 - f64::from(y) * size;
        let step = size / f64::from(EXTENT);
        let to_uv = |p: E7| -> (i32, i32) {
            // Lines reach at most across the map from the tile, so these fit an i32 easily.
            #[allow(clippy::cast_possible_truncation)]
            (((p.lon() - west) / step).round() as i32, ((north - p.lat()) / step).round() as i32)
        };
        let named = z >= 14;
        let mut names: Vec<String> = Vec::new();
        let mut tile_name: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
        let mut ids: Vec<usize> = self.lines_in(west, north - size, west + size, north).collect();
        ids.sort_unstable();
        let mut lines = Vec::new();
        for id in ids {
            let Some(line) = self.lines.get(id) else { continue };
            if !shown(z, line.class) {
                continue;
            }
            let mut points: Vec<(i32, i32)> =
                self.points_of(line).iter().map(|p| to_uv(*p)).collect();
            points.dedup();
            let points = simplify(&points, TOLERANCE);
            if points.len() < 2 {
                continue;
            }
            let name = (named && line.name != NO_NAME).then(|| {
                *tile_name.entry(line.name).or_insert_with(|| {
                    names.push(self.name(line.name).unwrap_or_default().to_owned());
                    (names.len() - 1) as u32
                })
            });
            lines.push(TileLine { class: line.class, name, points });
        }
        Ok(Tile { z, x, y, west, north, size, names, lines })
    }
}

/// Douglas–Peucker, iterative: the points of `points` that keep the line within `tolerance`.
fn simplify(points: &[(i32, i32)], tolerance: f64) -> Vec<(i32, i32)> {
    let xy = |i: usize| points.get(i).map_or([0.0; 2], |p| [f64::from(p.0), f64::from(p.1)]);
    let n = points.len();
    if n <= 2 {
        return points.to_vec();
    }
    let mut keep = vec![false; n];
    let mut stack = vec![(0usize, n - 1)];
    let tolerance2 = tolerance * tolerance;
    while let Some((first, last)) = stack.pop() {
        let (a, b) = (xy(first), xy(last));
        let mut worst = (0.0, first);
        for i in first + 1..last {
            let (d2, _) = crate::geo::segment_distance2(xy(i), a, b);
            if d2 > worst.0 {
                worst = (d2, i);
            }
        }
        if worst.0 > tolerance2 {
            if let Some(k) = keep.get_mut(worst.1) {
                *k = true;
            }
            stack.push((first, worst.1));
            stack.push((worst.1, last));
        }
    }
    let last = n - 1;
    points
        .iter()
        .zip(keep)
        .enumerate()
        .filter_map(|(i, (p, k))| (k || i == 0 || i == last).then_some(*p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplify_keeps_corners_and_drops_collinear_points() {
        let line = [(0, 0), (5, 0), (10, 0), (10, 5), (10, 10)];
        assert_eq!(simplify(&line, 1.0), vec![(0, 0), (10, 0), (10, 10)]);
        assert_eq!(simplify(&line[..2], 1.0), line[..2].to_vec());
    }
}
