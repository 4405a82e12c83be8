//! Distances in a local flat projection: at street scale (a few kilometres) an
//! equirectangular projection centred on the query is accurate to well under a metre.

use roads::E7;

/// Metres per degree of latitude on the mean sphere (the road crate's radius).
pub const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// A point as (x, y) in degrees with x scaled by `cos(lat0)`: distances in it are degrees of
/// latitude, so × [`METRES_PER_DEGREE`] is metres.
pub fn project(lat: f64, lon: f64, cos_lat0: f64) -> [f64; 2] {
    [lon * cos_lat0, lat]
}

pub fn e7_xy(p: E7, cos_lat0: f64) -> [f64; 2] {
    project(p.lat(), p.lon(), cos_lat0)
}

/// Squared distance from `p` to the segment `a`–`b`, and the nearest point's fraction along it.
pub fn segment_distance2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (x, y) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    (x * x + y * y, t)
}

pub fn distance2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Metres between two points of the projection.
pub fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    distance2(a, b).sqrt() * METRES_PER_DEGREE
}
