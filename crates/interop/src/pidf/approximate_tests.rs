//! The approximations checked against an independent geodesic (Vincenty's inverse formula,
//! written here only for the test) and against the shapes they stand for.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

const B: f64 = WGS84_A * (1.0 - WGS84_F);

/// Distance (m) and initial bearing (radians) from point 1 to point 2.
fn vincenty_inverse(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> (f64, f64) {
    let f = WGS84_F;
    let l = (lon2 - lon1).to_radians();
    let u1 = ((1.0 - f) * lat1.to_radians().tan()).atan();
    let u2 = ((1.0 - f) * lat2.to_radians().tan()).atan();
    let (sin_u1, cos_u1) = u1.sin_cos();
    let (sin_u2, cos_u2) = u2.sin_cos();
    let mut lambda = l;
    let (mut sin_sigma, mut cos_sigma, mut sigma, mut cos2_alpha, mut cos_2sm);
    let mut n = 0;
    loop {
        let (sin_l, cos_l) = lambda.sin_cos();
        sin_sigma =
            ((cos_u2 * sin_l).powi(2) + (cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_l).powi(2)).sqrt();
        if sin_sigma == 0.0 {
            return (0.0, 0.0);
        }
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_l;
        sigma = sin_sigma.atan2(cos_sigma);
        let sin_alpha = cos_u1 * cos_u2 * sin_l / sin_sigma;
        cos2_alpha = 1.0 - sin_alpha * sin_alpha;
        cos_2sm =
            if cos2_alpha == 0.0 { 0.0 } else { cos_sigma - 2.0 * sin_u1 * sin_u2 / cos2_alpha };
        let c = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha));
        let next = l
            + (1.0 - c)
                * f
                * sin_alpha
                * (sigma
                    + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
        n += 1;
        let done = (next - lambda).abs() < 1e-13 || n > 200;
        lambda = next;
        if done {
            break;
        }
    }
    let u2sq = cos2_alpha * (WGS84_A * WGS84_A - B * B) / (B * B);
    let a = 1.0 + u2sq / 16384.0 * (4096.0 + u2sq * (-768.0 + u2sq * (320.0 - 175.0 * u2sq)));
    let b = u2sq / 1024.0 * (256.0 + u2sq * (-128.0 + u2sq * (74.0 - 47.0 * u2sq)));
    let delta = b
        * sin_sigma
        * (cos_2sm
            + b / 4.0
                * (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)
                    - b / 6.0
                        * cos_2sm
                        * (-3.0 + 4.0 * sin_sigma * sin_sigma)
                        * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
    let s = B * a * (sigma - delta);
    let (sin_l, cos_l) = lambda.sin_cos();
    let bearing = (cos_u2 * sin_l).atan2(cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_l);
    (s, bearing)
}

fn dms(d: f64, m: f64, s: f64) -> f64 {
    d.signum() * (d.abs() + m / 60.0 + s / 3600.0)
}

#[test]
fn direct_formula_reproduces_vincentys_published_example() {
    // Flinders Peak to Buninyong, the worked example of Vincenty (1975) as published by
    // Geoscience Australia.
    let (lat, lon) = vincenty_direct(
        dms(-37.0, 57.0, 3.720_30),
        dms(144.0, 25.0, 29.524_40),
        dms(306.0, 52.0, 5.37).to_radians(),
        54_972.271,
    );
    let arcsec = 1.0 / 3600.0;
    assert!((lat - dms(-37.0, 39.0, 10.156_10)).abs() < 0.001 * arcsec, "lat {lat}");
    assert!((lon - dms(143.0, 55.0, 35.383_90)).abs() < 0.001 * arcsec, "lon {lon}");
}

/// The ring's vertices back in the plane around the centre, as (north, east) metres.
fn to_plane(center: GeoPoint, ring: &[(f64, f64)]) -> Vec<(f64, f64)> {
    ring.iter()
        .map(|&(lat, lon)| {
            let (s, bearing) =
                vincenty_inverse(center.lat.degrees(), center.lon.degrees(), lat, lon);
            (s * bearing.cos(), s * bearing.sin())
        })
        .collect()
}

/// Crossing-number test in the plane; `ring` is open.
fn inside(ring: &[(f64, f64)], p: (f64, f64)) -> bool {
    let mut inside = false;
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
        if (a.0 > p.0) != (b.0 > p.0) && p.1 < a.1 + (p.0 - a.0) / (b.0 - a.0) * (b.1 - a.1) {
            inside = !inside;
        }
    }
    inside
}

/// Twice the signed area with east as x and north as y: positive when counter-clockwise.
fn signed_area(ring: &[(f64, f64)]) -> f64 {
    (0..ring.len())
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            a.1 * b.0 - b.1 * a.0
        })
        .sum()
}

#[test]
fn ellipse_polygon_encloses_the_ellipse_tightly_at_every_latitude_and_size() {
    let scale = 1.0 / (PI / 64.0).cos();
    for lat in [0.0, 38.97, -43.57, 64.8] {
        for (a, b, orientation) in
            [(50.0, 20.0, 0.0), (1275.0, 670.0, 43.2), (100_000.0, 3.0, 291.0)]
        {
            let center = GeoPoint::parse(lat, -95.24).unwrap();
            let ring = ellipse(center, a, b, orientation).unwrap();
            assert_eq!(ring.len(), ELLIPSE_VERTICES);
            let plane = to_plane(center, &ring);
            assert!(signed_area(&plane) > 0.0, "counter-clockwise");
            let (sin_o, cos_o) = f64::to_radians(orientation).sin_cos();
            // Each vertex is on the ellipse scaled by 1/cos(π/64): no farther out than that.
            for &(n, e) in &plane {
                let u = n * cos_o + e * sin_o;
                let v = -n * sin_o + e * cos_o;
                let r = ((u / a).powi(2) + (v / b).powi(2)).sqrt();
                assert!((r - scale).abs() < 1e-6 + 0.001 / b, "vertex at {r} of the ellipse");
            }
            // And the ellipse itself is inside the polygon.
            for k in 0..997 {
                let t = f64::from(k) * 2.0 * PI / 997.0;
                let (u, v) = (a * t.cos() * 0.9999, b * t.sin() * 0.9999);
                let p = (u * cos_o - v * sin_o, u * sin_o + v * cos_o);
                assert!(inside(&plane, p), "ellipse point {p:?} outside at lat {lat}");
            }
        }
    }
}

#[test]
fn arc_band_polygon_encloses_the_band() {
    // RFC 5491's ArcBand example and a full sector with no inner radius.
    for (inner, outer, start, opening) in
        [(1661.55, 2215.4, 266.0, 120.0), (3594.0, 4148.0, 20.0, 20.0), (0.0, 5000.0, 350.0, 360.0)]
    {
        let center = GeoPoint::parse(42.5463, -73.2512).unwrap();
        let ring = arc_band(center, inner, outer, start, opening).unwrap();
        assert!(ring.len() <= 130);
        let plane = to_plane(center, &ring);
        assert!(signed_area(&plane) > 0.0, "counter-clockwise");
        for &(n, e) in &plane {
            let r = n.hypot(e);
            assert!(r <= outer / (ARC_STEP_DEG.to_radians() / 2.0).cos() + 0.001, "{r}");
            assert!(r >= inner - 0.001 || r < 0.001, "{r}");
        }
        for i in 1..100 {
            for j in 1..20 {
                let bearing = (start + opening * f64::from(i) / 100.0).to_radians();
                let r = inner + (outer - inner) * f64::from(j) / 20.0 * 0.9999;
                let p = (r * bearing.cos(), r * bearing.sin());
                assert!(inside(&plane, p), "band point {p:?} outside");
            }
        }
    }
}

#[test]
fn a_band_all_the_way_round_is_a_simple_ring() {
    // Every generated ring must pass the check a polygon from outside gets: a full band used to
    // double back along its seam, so its exported polygon could not be read back.
    let center = GeoPoint::parse(42.5463, -73.2512).unwrap();
    for (inner, start) in [(500.0, 0.0), (500.0, 45.0), (0.0, 90.0), (1661.55, 270.0)] {
        let ring = arc_band(center, inner, 2215.4, start, 360.0).unwrap();
        let vertices = ring.iter().map(|&(lat, lon)| GeoPoint::parse(lat, lon).unwrap()).collect();
        assert!(domain::Polygon::parse_simple(vertices).is_ok(), "inner {inner}, start {start}");
        assert!(signed_area(&to_plane(center, &ring)) > 0.0, "counter-clockwise");
    }
    for (a, b, o) in [(1275.0, 670.0, 43.2), (100_000.0, 3.0, 291.0)] {
        let ring = ellipse(center, a, b, o).unwrap();
        let vertices = ring.iter().map(|&(lat, lon)| GeoPoint::parse(lat, lon).unwrap()).collect();
        assert!(domain::Polygon::parse_simple(vertices).is_ok(), "ellipse {a} {b}");
    }
}

#[test]
fn shapes_across_the_antimeridian_are_refused() {
    let center = GeoPoint::parse(51.9, 179.99).unwrap();
    assert_eq!(ellipse(center, 5000.0, 1000.0, 90.0), Err(ShapeError::CrossesPoleOrAntimeridian));
    let pole = GeoPoint::parse(89.99, 0.0).unwrap();
    assert_eq!(arc_band(pole, 0.0, 5000.0, 0.0, 360.0), Err(ShapeError::CrossesPoleOrAntimeridian));
}
