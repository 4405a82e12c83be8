//! Polygons that enclose an ellipse or an arc band, for a domain that only knows circles
//! and polygons.
//!
//! Each vertex is first placed in the plane around the centre (north, east in metres), then
//! carried onto the WGS 84 ellipsoid by its distance and bearing from the centre with
//! Vincenty's direct formula. Vertices sit on tangents of the shape's curved edges, so the
//! polygon encloses the shape.

use std::f64::consts::PI;

use domain::GeoPoint;

use super::error::ShapeError;

/// Vertices of an ellipse's polygon: enough that the polygon exceeds the ellipse by at most
/// 0.12 % of the semi-major axis, few enough to keep lookups cheap.
pub const ELLIPSE_VERTICES: usize = 64;
/// The largest angle an arc band's arc segment spans: the same 360°/64 as the ellipse.
pub const ARC_STEP_DEG: f64 = 360.0 / 64.0;

/// The ring (lat, lon), open and counter-clockwise, of a polygon enclosing the ellipse.
pub fn ellipse(
    center: GeoPoint,
    semi_major_m: f64,
    semi_minor_m: f64,
    orientation_deg: f64,
) -> Result<Vec<(f64, f64)>, ShapeError> {
    #[allow(clippy::cast_precision_loss)] // 64 is exact
    let step = 2.0 * PI / ELLIPSE_VERTICES as f64;
    // Vertices at equal parametric angles scaled by 1/cos(step/2) make the polygon that is
    // the affine image of a regular polygon circumscribing the unit circle, so its edges are
    // tangent to the ellipse.
    let scale = 1.0 / (step / 2.0).cos();
    let (sin_o, cos_o) = orientation_deg.to_radians().sin_cos();
    let mut ring = Vec::with_capacity(ELLIPSE_VERTICES);
    for k in 0..ELLIPSE_VERTICES {
        // Decreasing parametric angle: from the major axis towards the minor axis at
        // orientation − 90°, which runs counter-clockwise on a map.
        #[allow(clippy::cast_precision_loss)]
        let t = -(k as f64) * step;
        let along_major = semi_major_m * t.cos() * scale;
        let along_minor = semi_minor_m * t.sin() * scale;
        // The major axis points to bearing `orientation`; the minor axis 90° clockwise of it.
        let north = along_major * cos_o - along_minor * sin_o;
        let east = along_major * sin_o + along_minor * cos_o;
        ring.push(offset(center, north, east)?);
    }
    Ok(ring)
}

/// The ring (lat, lon), open and counter-clockwise, of a polygon enclosing the arc band.
pub fn arc_band(
    center: GeoPoint,
    inner_radius_m: f64,
    outer_radius_m: f64,
    start_angle_deg: f64,
    opening_angle_deg: f64,
) -> Result<Vec<(f64, f64)>, ShapeError> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // opening ≤ 360
    let segments = ((opening_angle_deg / ARC_STEP_DEG).ceil() as usize).max(1);
    #[allow(clippy::cast_precision_loss)]
    let step = opening_angle_deg / segments as f64;
    let scale = 1.0 / (step.to_radians() / 2.0).cos();
    let bearing = |i: usize| {
        #[allow(clippy::cast_precision_loss)]
        let i = i as f64;
        (start_angle_deg + i * step).to_radians()
    };
    let mut ring = Vec::with_capacity(2 * segments + 2);
    // A band all the way round is a ring with a hole, which one polygon cannot be: it becomes
    // the disc of its outer radius (which encloses it), its last vertex not repeating its
    // first — else the ring would double back along the seam.
    if opening_angle_deg >= 360.0 {
        for i in 0..segments {
            let (sin_b, cos_b) = bearing(i).sin_cos();
            ring.push(offset(
                center,
                outer_radius_m * scale * cos_b,
                outer_radius_m * scale * sin_b,
            )?);
        }
        ring.reverse();
        return Ok(ring);
    }
    // The outer arc clockwise, then the inner arc back; reversed at the end so the ring is
    // counter-clockwise like every other ring this crate produces.
    for i in 0..=segments {
        let (sin_b, cos_b) = bearing(i).sin_cos();
        ring.push(offset(center, outer_radius_m * scale * cos_b, outer_radius_m * scale * sin_b)?);
    }
    if inner_radius_m > 0.0 {
        for i in (0..=segments).rev() {
            let (sin_b, cos_b) = bearing(i).sin_cos();
            ring.push(offset(center, inner_radius_m * cos_b, inner_radius_m * sin_b)?);
        }
    } else {
        ring.push((center.lat.degrees(), center.lon.degrees()));
    }
    ring.reverse();
    Ok(ring)
}

/// The point `north` and `east` metres from `center`, measured as distance and bearing.
fn offset(center: GeoPoint, north: f64, east: f64) -> Result<(f64, f64), ShapeError> {
    let distance = north.hypot(east);
    let bearing = east.atan2(north);
    let (lat, lon) = vincenty_direct(center.lat.degrees(), center.lon.degrees(), bearing, distance);
    // A shape that wraps past a pole or the antimeridian would need to be split into parts;
    // no location a handset or cell sector reports does that, so it is refused.
    if !lat.is_finite() || !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(ShapeError::CrossesPoleOrAntimeridian);
    }
    let dlon = (lon - center.lon.degrees()).abs();
    if dlon > 90.0 {
        return Err(ShapeError::CrossesPoleOrAntimeridian);
    }
    Ok((lat, lon))
}

const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// Vincenty's direct formula on WGS 84: the point `distance_m` from (lat, lon) along the
/// geodesic leaving at `bearing` (radians clockwise from north). Degrees in, degrees out;
/// the longitude is not wrapped, so the caller can see a crossing of the antimeridian.
pub fn vincenty_direct(lat: f64, lon: f64, bearing: f64, distance_m: f64) -> (f64, f64) {
    let b = WGS84_A * (1.0 - WGS84_F);
    let (sin_a1, cos_a1) = bearing.sin_cos();
    let tan_u1 = (1.0 - WGS84_F) * lat.to_radians().tan();
    let cos_u1 = 1.0 / (1.0 + tan_u1 * tan_u1).sqrt();
    let sin_u1 = tan_u1 * cos_u1;
    let sigma1 = tan_u1.atan2(cos_a1);
    let sin_alpha = cos_u1 * sin_a1;
    let cos2_alpha = 1.0 - sin_alpha * sin_alpha;
    let u2 = cos2_alpha * (WGS84_A * WGS84_A - b * b) / (b * b);
    let big_a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)));
    let big_b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)));

    let mut sigma = distance_m / (b * big_a);
    let (mut sin_sigma, mut cos_sigma, mut cos_2sm);
    // Converges in a handful of iterations for the distances used here (at most 100 km);
    // the bound only guards against a pathological input looping forever.
    let mut iterations = 0;
    loop {
        cos_2sm = (2.0 * sigma1 + sigma).cos();
        (sin_sigma, cos_sigma) = sigma.sin_cos();
        let delta = big_b
            * sin_sigma
            * (cos_2sm
                + big_b / 4.0
                    * (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)
                        - big_b / 6.0
                            * cos_2sm
                            * (-3.0 + 4.0 * sin_sigma * sin_sigma)
                            * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
        let next = distance_m / (b * big_a) + delta;
        iterations += 1;
        let converged = (next - sigma).abs() < 1e-12;
        sigma = next;
        if converged || iterations >= 100 {
            break;
        }
    }
    (sin_sigma, cos_sigma) = sigma.sin_cos();
    cos_2sm = (2.0 * sigma1 + sigma).cos();
    let x = sin_u1 * sin_sigma - cos_u1 * cos_sigma * cos_a1;
    let lat2 = (sin_u1 * cos_sigma + cos_u1 * sin_sigma * cos_a1)
        .atan2((1.0 - WGS84_F) * (sin_alpha * sin_alpha + x * x).sqrt());
    let lambda = (sin_sigma * sin_a1).atan2(cos_u1 * cos_sigma - sin_u1 * sin_sigma * cos_a1);
    let c = WGS84_F / 16.0 * cos2_alpha * (4.0 + WGS84_F * (4.0 - 3.0 * cos2_alpha));
    let l = lambda
        - (1.0 - c)
            * WGS84_F
            * sin_alpha
            * (sigma
                + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
    (lat2.to_degrees(), lon + l.to_degrees())
}

#[cfg(test)]
#[path = "approximate_tests.rs"]
mod tests;
