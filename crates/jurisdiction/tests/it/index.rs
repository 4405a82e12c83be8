//! The grid index gives the reference test's answers: on shapes built to be awkward, and on
//! the real Census 1:500k counties.

use jurisdiction::{Area, AreaIndex, Polygon, reference};
use proptest::prelude::*;

pub fn ring(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut ring = points.to_vec();
    ring.push(points[0]);
    ring
}

pub fn area(id: &str, polygons: Vec<Polygon>) -> Area {
    Area { id: id.into(), name: id.into(), polygons }
}

/// A square with a square hole, a concave "C", two overlapping squares, a two-part area and a
/// thin diagonal sliver — with coordinates that fall on cell edges as often as not.
pub fn awkward() -> Vec<Area> {
    vec![
        area(
            "donut",
            vec![Polygon {
                exterior: ring(&[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]),
                holes: vec![ring(&[[3.0, 3.0], [3.0, 7.0], [7.0, 7.0], [7.0, 3.0]])],
            }],
        ),
        area(
            "c-shape",
            vec![Polygon {
                exterior: ring(&[
                    [12.0, 0.0],
                    [20.0, 0.0],
                    [20.0, 2.0],
                    [14.0, 2.0],
                    [14.0, 8.0],
                    [20.0, 8.0],
                    [20.0, 10.0],
                    [12.0, 10.0],
                ]),
                holes: vec![],
            }],
        ),
        area(
            "overlap-a",
            vec![Polygon {
                exterior: ring(&[[0.0, 12.0], [6.0, 12.0], [6.0, 18.0], [0.0, 18.0]]),
                holes: vec![],
            }],
        ),
        area(
            "overlap-b",
            vec![Polygon {
                exterior: ring(&[[4.0, 14.0], [9.0, 14.0], [9.0, 20.0], [4.0, 20.0]]),
                holes: vec![],
            }],
        ),
        area(
            "two-parts",
            vec![
                Polygon {
                    exterior: ring(&[[12.0, 12.0], [14.0, 12.0], [14.0, 14.0], [12.0, 14.0]]),
                    holes: vec![],
                },
                Polygon {
                    exterior: ring(&[[17.0, 17.0], [19.5, 16.0], [18.0, 19.7]]),
                    holes: vec![],
                },
            ],
        ),
        area(
            "sliver",
            vec![Polygon {
                exterior: ring(&[[0.0, 20.0], [20.0, 0.5], [20.0, 0.6]]),
                holes: vec![],
            }],
        ),
    ]
}

/// Reference points that fall exactly on an edge are answered by the reference test.
#[test]
fn grid_aligned_boundaries_through_reference_points_stay_exact() {
    // A square whose sides run exactly through the reference points of a 10 × 10 grid.
    let r = 0.5123456789;
    let areas = vec![area(
        "aligned",
        vec![Polygon {
            exterior: ring(&[[r, r + 0.011111], [5.0 + r, r + 0.011111], [5.0 + r, 5.0], [r, 5.0]]),
            holes: vec![],
        }],
    )];
    let index = AreaIndex::with_density(&areas, 100.0 / 5.0);
    for (x, y) in [(r + 0.1, 1.0), (r - 0.1, 1.0), (3.0, 4.9), (5.4, 2.0), (5.0 + r + 0.01, 2.0)] {
        assert_eq!(index.lookup([x, y]), reference::lookup(&areas, [x, y]), "({x}, {y})");
    }
}

#[test]
fn known_points_land_where_they_should() {
    let areas = awkward();
    let index = AreaIndex::with_density(&areas, 0.5);
    let ids = |p| index.lookup(p).iter().map(|i| areas[*i].id.as_str()).collect::<Vec<_>>();
    assert_eq!(ids([1.0, 1.0]), ["donut"]);
    assert!(ids([5.0, 5.0]).is_empty(), "inside the hole");
    assert_eq!(ids([13.0, 5.0]), ["c-shape"]);
    assert!(ids([17.0, 5.0]).is_empty(), "in the C's mouth");
    assert_eq!(ids([5.0, 15.0]), ["overlap-a", "overlap-b"]);
    assert_eq!(ids([18.0, 17.5]), ["two-parts"]);
    assert!(ids([-1.0, 5.0]).is_empty() && ids([f64::NAN, 5.0]).is_empty());
}

fn on_edge(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> bool {
    let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    cross.abs() < 1e-9
        && p[0] >= a[0].min(b[0]) - 1e-9
        && p[0] <= a[0].max(b[0]) + 1e-9
        && p[1] >= a[1].min(b[1]) - 1e-9
        && p[1] <= a[1].max(b[1]) + 1e-9
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    /// Points exactly on an edge are left out: there the reference's half-open rule and the
    /// index's crossing count may each put the point on its own side.
    fn awkward_shapes_agree_with_the_reference(x in -1.0..21.0f64, y in -1.0..21.0f64, density in prop::sample::select(vec![0.05, 0.5, 2.0, 8.0])) {
        let areas = awkward();
        prop_assume!(!areas.iter().flat_map(Area::edges).any(|(a, b)| on_edge([x, y], a, b)));
        let index = AreaIndex::with_density(&areas, density);
        prop_assert_eq!(index.lookup([x, y]), reference::lookup(&areas, [x, y]));
    }
}

/// The Census 1:500k counties (3,233 polygons, 1.04 M vertices), or `None` when absent.
pub fn census_counties() -> Option<Vec<Area>> {
    let dir = crate::shared_data()?.join("census-cb2016-500k");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    Some(
        jurisdiction::import::import_shapefile(
            &read("cb_2016_us_county_500k.shp.gz"),
            Some(&read("cb_2016_us_county_500k.dbf.gz")),
            "GEOID",
        )
        .unwrap(),
    )
}

/// Seeded points: uniform over the contiguous US, and jittered around real boundary vertices.
pub fn sample_points(areas: &[Area], n: usize) -> Vec<[f64; 2]> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let vertices: Vec<[f64; 2]> = areas
        .iter()
        .flat_map(|a| a.polygons.iter().flat_map(|p| p.exterior.iter().copied()))
        .collect();
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                [-124.85 + next() * 57.97, 24.39 + next() * 25.0]
            } else {
                let v = vertices[(next() * vertices.len() as f64) as usize % vertices.len()];
                // Within about a metre to a kilometre of a boundary vertex.
                let scale = 10f64.powf(-5.0 + 3.0 * next());
                [v[0] + (next() - 0.5) * scale, v[1] + (next() - 0.5) * scale]
            }
        })
        .collect()
}

#[test]
fn census_counties_agree_with_the_reference_including_near_boundaries() {
    let Some(areas) = census_counties() else { return };
    let index = AreaIndex::build(&areas);
    let reference = reference::Reference::new(&areas);
    let mut differ = Vec::new();
    for p in sample_points(&areas, 40_000) {
        let (got, want) = (index.lookup(p), reference.lookup(p));
        if got != want {
            differ.push((p, got, want));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of 40,000 points differ, e.g. {:?}",
        differ.len(),
        differ.first()
    );
}

#[test]
fn every_county_interior_point_routes_to_that_county() {
    let Some(areas) = census_counties() else { return };
    let index = AreaIndex::build(&areas);
    for (i, area) in areas.iter().enumerate() {
        let p = interior_point(area);
        assert_eq!(index.lookup(p), [i], "county {} ({}) at {p:?}", area.id, area.name);
    }
}

/// A point inside `area`: on the horizontal line through the middle of its largest polygon,
/// halfway between two successive crossings that enclose the area.
fn interior_point(area: &Area) -> [f64; 2] {
    let polygon = area.polygons.iter().max_by_key(|p| p.exterior.len()).unwrap();
    let (lo, hi) = polygon
        .exterior
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p[1]), hi.max(p[1])));
    for k in 1..64 {
        let y = lo + (hi - lo) * (k as f64 / 64.0 + 0.001);
        let mut xs: Vec<f64> = area
            .edges()
            .filter(|(a, b)| (a[1] > y) != (b[1] > y))
            .map(|(a, b)| (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0])
            .collect();
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks(2) {
            if let [x0, x1] = pair {
                let p = [(x0 + x1) / 2.0, y];
                if reference::contains(area, p) {
                    return p;
                }
            }
        }
    }
    panic!("no interior point found for {}", area.id);
}
