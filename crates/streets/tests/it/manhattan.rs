//! On the Manhattan OpenStreetMap extract the demo ships: lines keep their names, tiles show
//! what their zoom should, the file round-trips, and places are described and found as a
//! person would check them by hand — with the nearest street re-computed here by brute force.

use std::sync::OnceLock;

use roads::{E7, RoadClass};
use streets::file::{streets_from_bytes, streets_to_bytes};
use streets::{AddressPoint, AddressPoints, FoundKind, Places, StreetMap};

const OSM: &[u8] = include_bytes!("../../../crisisbridge/demo/manhattan-roads.osm.gz");

fn lines() -> &'static Vec<roads::RoadLine> {
    static LINES: OnceLock<Vec<roads::RoadLine>> = OnceLock::new();
    LINES.get_or_init(|| {
        let (mut network, ..) = roads::import::read_network(OSM, &mut |_, _, _| {}).unwrap();
        network.take_lines()
    })
}

fn places() -> &'static Places {
    static PLACES: OnceLock<Places> = OnceLock::new();
    PLACES.get_or_init(|| Places::new(StreetMap::new(lines().clone()), AddressPoints::default()))
}

#[test]
fn the_extract_gives_named_lines_of_every_class() {
    let map = places().map();
    assert!(map.line_count() > 10_000, "{}", map.line_count());
    assert!(map.name_count() > 1_000, "{}", map.name_count());
    for class in [RoadClass::Motorway, RoadClass::Primary, RoadClass::Minor] {
        assert!(map.lines().any(|(_, c, _)| c == class), "no {class:?} line");
    }
    assert!(map.lines().any(|(n, _, _)| n == Some("Broadway")));
    let ((s, w), (n, e)) = map.bounds().unwrap();
    assert!(s > 40.6 && n < 40.9 && w > -74.1 && e < -73.9, "{s} {w} {n} {e}");
}

#[test]
fn tiles_show_more_as_the_zoom_grows_and_names_from_14() {
    let map = places().map();
    // The tiles holding Times Square (40.758, -73.9855) at zooms 11 and 15.
    let at = |z: u8| {
        let size = 360.0 / f64::from(1u32 << z);
        (((-73.9855 + 180.0) / size) as u32, ((90.0 - 40.758) / size) as u32)
    };
    let (x, y) = at(11);
    let low = map.tile(11, x, y).unwrap();
    assert!(!low.lines.is_empty());
    assert!(low.lines.iter().all(|l| l.class <= RoadClass::Primary), "minor roads at zoom 11");
    assert!(low.names.is_empty());
    let (x, y) = at(15);
    let high = map.tile(15, x, y).unwrap();
    assert!(high.lines.iter().any(|l| l.class == RoadClass::Minor));
    assert!(high.names.iter().any(|n| n == "Broadway"), "{:?}", high.names);
    for line in &high.lines {
        assert!(line.points.len() >= 2);
        assert!(line.points.windows(2).all(|w| w[0] != w[1]), "repeated point");
        if let Some(name) = line.name {
            assert!((name as usize) < high.names.len());
        }
    }
    // Every line of the tile starts within the tile or reaches into it.
    let inside = |(u, v): (i32, i32)| {
        (0..=streets::EXTENT).contains(&u) && (0..=streets::EXTENT).contains(&v)
    };
    assert!(
        high.lines.iter().filter(|l| l.points.iter().copied().any(inside)).count() * 10
            >= high.lines.len() * 9
    );
    // A tile of the ocean is empty, and tiles outside the world are refused.
    let ocean = map.tile(15, 0, 100).unwrap();
    assert!(ocean.lines.is_empty());
    assert!(map.tile(5, 0, 0).is_err());
    assert!(map.tile(15, 1 << 15, 0).unwrap_err().to_string().contains("does not exist"));
    assert!(map.tile(15, 0, 1 << 14).is_err());
}

#[test]
fn the_streets_file_round_trips_and_refuses_damage() {
    let map = StreetMap::new(lines().clone())
        .with_attribution(Some("© OpenStreetMap contributors".into()));
    let bytes = streets_to_bytes(&map);
    let back = streets_from_bytes(&bytes).unwrap();
    assert_eq!(back.attribution(), Some("© OpenStreetMap contributors"));
    assert_eq!(streets_from_bytes(&streets_to_bytes(places().map())).unwrap().attribution(), None);
    assert_eq!(back.line_count(), map.line_count());
    assert_eq!(back.name_count(), map.name_count());
    assert_eq!(back.tile(14, 4825, 2527).unwrap(), map.tile(14, 4825, 2527).unwrap());
    let mut damaged = bytes.clone();
    damaged[100] ^= 0x40;
    assert!(streets_from_bytes(&damaged).unwrap_err().to_string().contains("damaged"));
    assert!(streets_from_bytes(&bytes[..bytes.len() - 9]).is_err());
    assert!(
        streets_from_bytes(b"<osm></osm>").unwrap_err().to_string().contains("not a streets file")
    );
}

/// The named line that describes a point, by brute force over every segment: the nearest, or
/// the nearest that is not a motorway or trunk road when it is at most 25 m farther.
fn nearest_name(lat: f64, lon: f64) -> (String, f64) {
    let any = nearest_of(lat, lon, |_| true);
    let ground = nearest_of(lat, lon, |c| !matches!(c, RoadClass::Motorway | RoadClass::Trunk));
    if ground.1 <= (any.1 + 25.0).min(150.0) { ground } else { any }
}

fn nearest_of(lat: f64, lon: f64, keep: impl Fn(RoadClass) -> bool) -> (String, f64) {
    let k = lat.to_radians().cos();
    let mut best = (String::new(), f64::INFINITY);
    for (name, class, points) in places().map().lines() {
        let Some(name) = name else { continue };
        if !keep(class) {
            continue;
        }
        for w in points.windows(2) {
            let (a, b) = ([w[0].lon() * k, w[0].lat()], [w[1].lon() * k, w[1].lat()]);
            let p = [lon * k, lat];
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let t =
                (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
            let d = ((a[0] + t * dx - p[0]).powi(2) + (a[1] + t * dy - p[1]).powi(2)).sqrt()
                * 111_195.0;
            if d < best.1 {
                best = (name.to_owned(), d);
            }
        }
    }
    best
}

#[test]
fn an_intersection_is_found_and_described_at_it() {
    let found = places().find("W 23rd St & 8th Ave", 5);
    assert!(!found.is_empty(), "nothing found");
    let first = &found[0];
    assert_eq!(first.kind, FoundKind::Intersection);
    assert_eq!(first.label, "West 23rd Street & 8th Avenue");
    // 23rd and 8th: about 40.7454, -73.9985.
    assert!(
        (first.lat - 40.7454).abs() < 0.001 && (first.lon + 73.9985).abs() < 0.001,
        "{first:?}"
    );
    let described = places().describe(first.lat, first.lon).unwrap();
    assert!(described.at_intersection, "{described:?}");
    assert!(described.text.starts_with("at "), "{}", described.text);
    assert!(
        described.text.contains("West 23rd Street") && described.text.contains("8th Avenue"),
        "{}",
        described.text
    );
    // Other spellings meet the same place.
    for spelling in ["west 23rd street and eighth avenue", "8th Avenue / W. 23rd St."] {
        let again = places().find(spelling, 5);
        assert!(again.iter().any(|f| (f.lat - first.lat).abs() < 1e-6), "{spelling}: {again:?}");
    }
}

#[test]
fn a_point_between_intersections_is_on_its_street_near_the_nearer_cross_street() {
    // Along West 23rd Street, a quarter of the way from 8th Avenue to 9th Avenue.
    let at8 = &places().find("W 23rd St & 8th Ave", 1)[0];
    let at9 = &places().find("W 23rd St & 9th Ave", 1)[0];
    let (lat, lon) = (at8.lat + (at9.lat - at8.lat) * 0.25, at8.lon + (at9.lon - at8.lon) * 0.25);
    let d = places().describe(lat, lon).unwrap();
    assert!(!d.at_intersection);
    assert_eq!(d.street.as_deref(), Some("West 23rd Street"), "{d:?}");
    assert!(d.text.starts_with("on West 23rd Street near "), "{}", d.text);
    // A point in the middle of the Hudson, far from any road, has no description.
    assert!(nearest_name(40.77, -74.005).1 > 150.0);
    assert!(places().describe(40.77, -74.005).is_none());
}

#[test]
fn the_street_named_is_the_nearest_by_brute_force() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut checked = 0;
    for _ in 0..150 {
        let (lat, lon) = (40.70 + next() * 0.17, -74.02 + next() * 0.10);
        let (name, d) = nearest_name(lat, lon);
        match places().describe(lat, lon) {
            Some(found) => {
                let street = found.street.unwrap();
                // Ties between two roads at the same distance may name either.
                if street != name {
                    let (_, d2) = nearest_name(lat, lon);
                    assert!((found.distance_m - d2).abs() < 0.5, "{lat},{lon}: {street} vs {name}");
                } else {
                    assert!(
                        (found.distance_m - d).abs() < 1.0,
                        "{lat},{lon}: {} vs {d}",
                        found.distance_m
                    );
                }
                checked += 1;
            }
            None => {
                assert!(d > 149.0, "{lat},{lon}: {name} is {d} m away but nothing was described")
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn streets_are_found_by_name_and_prefix() {
    let found = places().find("broadway", 3);
    assert_eq!(found[0].label, "Broadway");
    assert_eq!(found[0].kind, FoundKind::Street);
    let found = places().find("Riverside", 10);
    assert!(found.iter().any(|f| f.label == "Riverside Drive"), "{found:?}");
    assert!(places().find("zzzz nowhere", 5).is_empty());
    assert!(places().find("   ", 5).is_empty());
}

#[test]
fn address_points_describe_and_are_found() {
    let at8 = places().find("W 23rd St & 8th Ave", 1)[0].clone();
    let position = E7::from_degrees(at8.lat + 0.0001, at8.lon - 0.0001).unwrap();
    let addresses = AddressPoints {
        points: vec![AddressPoint {
            address: "300 West 23rd Street".into(),
            community: Some("New York".into()),
            position,
        }],
    };
    let places = Places::new(StreetMap::new(lines().clone()), addresses);
    let d = places.describe(position.lat(), position.lon()).unwrap();
    assert_eq!(d.text, "300 West 23rd Street");
    assert_eq!(d.address.as_deref(), Some("300 West 23rd Street"));
    assert_eq!(d.street.as_deref(), Some("West 23rd Street"));
    let found = places.find("300 W 23rd", 5);
    assert_eq!(found[0].kind, FoundKind::Address);
    assert_eq!(found[0].label, "300 West 23rd Street, New York");
    // A number no address point starts with: the street search answers, and no street is
    // named "23 Broadway".
    assert!(places.find("23 Broadway", 5).is_empty());
    // A fraction is not a corner.
    assert!(places.find("300 1/2 W 23rd", 5).iter().all(|f| f.kind != FoundKind::Intersection));
}
