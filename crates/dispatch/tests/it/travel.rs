//! Road travel times against plain Dijkstra (`roads::Dijkstra`) between the same snapped
//! points, on random small graphs and on Helsinki; the straight-line fallback for points off
//! the network; and a recommendation on Helsinki's roads.

use dispatch::{
    EtaSource, RecommendRequest, RecommendSettings, ResponseTarget, RoadTravelTimes, TravelTimes,
    recommend,
};
use domain::{GeoPoint, Location};
use proptest::prelude::*;
use roads::{Arc, Dijkstra, Graph, Network, NodeId, Snap};

use crate::{Rng, helsinki, t};

/// The reference: Dijkstra from the origin's departures to the destination's arrivals, or
/// straight along a shared segment.
fn dijkstra_time(graph: &Graph, from: &Snap, to: &Snap) -> Option<u32> {
    let seeds: Vec<_> = from.departures().collect();
    let arrivals: Vec<_> = to.arrivals().collect();
    let targets: Vec<NodeId> = arrivals.iter().map(|(node, _)| *node).collect();
    let mut out = Vec::new();
    Dijkstra::new().travel_times(graph, &seeds, &targets, &mut out);
    let via_roads = out
        .iter()
        .zip(&arrivals)
        .filter_map(|(time, (_, last))| time.map(|t| t.millis() + last.millis()));
    via_roads.chain(from.along_segment_to(to).map(|t| t.millis())).min()
}

/// A random point in the graph's bounding box.
fn random_point(graph: &Graph, rng: &mut Rng) -> GeoPoint {
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for v in 0..graph.node_count() {
        let (la, lo) = graph.position(graph.node(v).unwrap()).unwrap();
        (lat0, lat1, lon0, lon1) = (lat0.min(la), lat1.max(la), lon0.min(lo), lon1.max(lo));
    }
    GeoPoint::parse(lat0 + (lat1 - lat0) * rng.unit(), lon0 + (lon1 - lon0) * rng.unit()).unwrap()
}

/// `origins` random points to each of `destinations` random points, through the trait,
/// against the reference.
fn check_against_dijkstra(graph: &Graph, rng: &mut Rng, origins: usize, destinations: usize) {
    let points: Vec<GeoPoint> = (0..origins).map(|_| random_point(graph, rng)).collect();
    let mut travel = RoadTravelTimes::new(graph, 1e7);
    travel.set_origins(&points);
    let mut got = Vec::new();
    for _ in 0..destinations {
        let to = random_point(graph, rng);
        travel.times_to(to, &mut got);
        let to_snap = graph.snap(to, 1e7).unwrap();
        assert_eq!(got.len(), points.len());
        for (from, eta) in points.iter().zip(&got) {
            let from_snap = graph.snap(*from, 1e7).unwrap();
            assert_eq!(eta.source, EtaSource::Road);
            assert_eq!(
                Some(eta.millis),
                dijkstra_time(graph, &from_snap, &to_snap),
                "{from:?} → {to:?}"
            );
        }
        // A few of the origins (and one that does not exist) give the same times.
        let which: Vec<usize> = (0..3).map(|_| rng.below(origins + 1)).collect();
        let mut some = Vec::new();
        travel.times_to_from(to, &which, &mut some);
        let want: Vec<_> = which.iter().filter_map(|i| got.get(*i).copied()).collect();
        assert_eq!(some, want, "{which:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn road_travel_times_equal_dijkstra_on_random_graphs(seed in any::<u64>(), side in 2usize..10) {
        let mut rng = Rng(seed | 1);
        let mut net = Network::new();
        for i in 0..side * side {
            let jitter = rng.below(100) as f64 * 1e-6;
            net.add_node(40.0 + (i / side) as f64 * 0.001 + jitter, -74.0 + (i % side) as f64 * 0.0013).unwrap();
        }
        for i in 0..side * side {
            for j in [i + 1, i + side] {
                if j >= side * side || (j == i + 1 && j % side == 0) {
                    continue;
                }
                // Equal and zero weights are where shortest-path code goes wrong.
                let millis = [0, 1000, 1000, 7][rng.below(4)] + rng.below(20_000) as u32;
                let arc = |from, to| Arc { from, to, millis, centimetres: 100 };
                let kind = rng.below(4);
                if kind != 1 { net.add_arc(arc(i as u32, j as u32)); }
                if kind != 2 { net.add_arc(arc(j as u32, i as u32)); }
            }
        }
        let Ok((graph, _)) = net.build() else { return Ok(()) };
        check_against_dijkstra(&graph, &mut rng, 8, 4);
    }
}

#[test]
fn points_too_far_from_a_road_fall_back_to_the_straight_line() {
    let mut net = Network::new();
    let a = net.add_node(40.0, -74.0).unwrap();
    let b = net.add_node(40.001, -74.0).unwrap();
    for (from, to) in [(a, b), (b, a)] {
        net.add_arc(Arc { from, to, millis: 10_000, centimetres: 11_100 });
    }
    let (graph, _) = net.build().unwrap();
    let on_road = GeoPoint::parse(40.0, -74.0).unwrap();
    let far = GeoPoint::parse(40.05, -74.0).unwrap(); // 5.4 km from the road
    let mut travel = RoadTravelTimes::new(&graph, RoadTravelTimes::DEFAULT_MAX_SNAP_M);
    travel.set_origins(&[on_road, far]);
    let mut got = Vec::new();
    let to = GeoPoint::parse(40.001, -74.0).unwrap();
    travel.times_to(to, &mut got);
    assert_eq!((got[0].millis, got[0].source), (10_000, EtaSource::Road));
    let fallback = (roads::fallback_seconds(far, to) * 1000.0).round() as u32;
    assert_eq!((got[1].millis, got[1].source), (fallback, EtaSource::StraightLine));
    // A destination off the network: every pair is an estimate.
    travel.times_to(far, &mut got);
    assert!(got.iter().all(|e| e.source == EtaSource::StraightLine));
    assert_eq!(got[1].millis, 0);
}

#[test]
fn helsinki_road_travel_times_equal_dijkstra() {
    let Some(graph) = helsinki() else { return };
    check_against_dijkstra(graph, &mut Rng(11), 50, 5);
}

#[test]
fn helsinki_recommendation_ranks_by_road_time() {
    let Some(graph) = helsinki() else { return };
    let mut rng = Rng(5);
    // Teams near the centre's roads: snapped positions, so every ETA is by road.
    let mut teams = Vec::new();
    while teams.len() < 20 {
        let p = random_point(graph, &mut rng);
        let Some(snap) = graph.snap(p, 200.0) else { continue };
        let n = teams.len() as u128;
        let mut team = crate::team(n + 1, &format!("Helsinki {}", n + 1), &[]);
        team.start_shift(t(0)).unwrap();
        team.profile.home_base = GeoPoint::parse(snap.lat, snap.lon).unwrap();
        team.apply_fix(dispatch::Fix::at_point(t(999), team.profile.home_base), t(999));
        teams.push(team);
    }
    let incident = GeoPoint::parse(60.1710, 24.9414).unwrap(); // the central station square
    let location = Location::circle(incident, 20.0).unwrap();
    let request = RecommendRequest {
        location: &location,
        required: &[],
        target: ResponseTarget::Urban,
        coverage: None,
    };
    let mut travel = RoadTravelTimes::new(graph, RoadTravelTimes::DEFAULT_MAX_SNAP_M);
    let got =
        recommend(&request, &teams, &mut travel, &RecommendSettings::default(), t(1000)).unwrap();
    assert_eq!(got.len(), 20);
    let to = graph.snap(incident, 500.0).unwrap();
    let mut want: Vec<(u32, String)> = teams
        .iter()
        .map(|team| {
            let from = graph.snap(team.profile.home_base, 500.0).unwrap();
            (dijkstra_time(graph, &from, &to).unwrap(), team.profile.name.clone())
        })
        .collect();
    want.sort();
    let ranked: Vec<(u32, String)> =
        got.iter().map(|c| (c.eta.unwrap().millis, c.name.clone())).collect();
    assert_eq!(ranked, want);
    assert!(got.iter().all(|c| c.eta.unwrap().source == EtaSource::Road));
    assert!(
        got[0].explanation.contains(" by road from its position 1 s ago;"),
        "{}",
        got[0].explanation
    );
}
