//! Snapping, and travel times between snapped points against Dijkstra on the graph split at
//! the snapped points.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use domain::GeoPoint;
use proptest::prelude::*;
use roads::{Graph, Query, Snap};

use crate::{Rng, helsinki};

/// Distance from `(lat, lon)` to every segment, the slow way, in the same local projection.
fn brute_force_distance(graph: &Graph, lat: f64, lon: f64) -> f64 {
    let m = roads::haversine_m(0.0, 0.0, 1.0, 0.0);
    let cos = lat.to_radians().cos();
    let local = |(la, lo): (f64, f64)| ((lo - lon) * cos * m, (la - lat) * m);
    graph
        .arcs()
        .map(|arc| {
            let (ax, ay) = local(graph.position(arc.from).unwrap());
            let (bx, by) = local(graph.position(arc.to).unwrap());
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            (ax + t * dx).hypot(ay + t * dy)
        })
        .fold(f64::INFINITY, f64::min)
}

/// The reference: the road graph plus one node per snapped point, joined by its arrival and
/// departure arcs (and a direct arc when two points share a segment), then plain Dijkstra.
fn split_graph_time(graph: &Graph, from: &Snap, to: &Snap) -> Option<u32> {
    let n = graph.node_count();
    let (s, t) = (n, n + 1);
    let mut adj: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n + 2];
    for arc in graph.arcs() {
        adj[arc.from.index()].push((arc.to.index(), arc.time.millis()));
    }
    for (point, id) in [(from, s), (to, t)] {
        for (node, time) in point.arrivals() {
            adj[node.index()].push((id, time.millis()));
        }
        for (node, time) in point.departures() {
            adj[id].push((node.index(), time.millis()));
        }
    }
    let (fa, fb, ff) = from.segment();
    let (ta, tb, tf) = to.segment();
    if (fa, fb) == (ta, tb) {
        // Both on one segment: the segment split at both points, in order along it.
        let time_from =
            |p: &Snap, node| p.arrivals().find(|(x, _)| *x == node).map(|(_, t)| t.millis());
        if let (Some(ps), Some(pt)) = (time_from(from, fa), time_from(to, fa))
            && tf >= ff
        {
            adj[s].push((t, pt - ps));
        }
        if let (Some(qs), Some(qt)) = (time_from(from, fb), time_from(to, fb))
            && tf <= ff
        {
            adj[s].push((t, qt - qs));
        }
    }
    let mut dist = vec![u64::MAX; n + 2];
    let mut heap = BinaryHeap::from([Reverse((0u64, s))]);
    dist[s] = 0;
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > dist[v] {
            continue;
        }
        for &(x, w) in &adj[v] {
            if d + u64::from(w) < dist[x] {
                dist[x] = d + u64::from(w);
                heap.push(Reverse((dist[x], x)));
            }
        }
    }
    u32::try_from(dist[t]).ok()
}

fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint::parse(lat, lon).unwrap()
}

/// Random points around the graph's extent snapped, and their travel times both ways
/// against the split-graph reference.
fn check_snapped(graph: &Graph, rng: &mut Rng, points: usize) {
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for v in 0..graph.node_count() {
        let (la, lo) = graph.position(graph.node(v).unwrap()).unwrap();
        (lat0, lat1, lon0, lon1) = (lat0.min(la), lat1.max(la), lon0.min(lo), lon1.max(lo));
    }
    let random_snap = |rng: &mut Rng| {
        let lat = lat0 + (lat1 - lat0) * rng.below(10_000) as f64 / 10_000.0;
        let lon = lon0 + (lon1 - lon0) * rng.below(10_000) as f64 / 10_000.0;
        let snap = graph.snap(point(lat, lon), 1e7).unwrap();
        let brute = brute_force_distance(graph, lat, lon);
        assert!(
            (snap.off_road_m - brute).abs() < 1e-6,
            "{lat},{lon}: {} vs {brute}",
            snap.off_road_m
        );
        snap
    };
    let from = random_snap(rng);
    let mut to: Vec<Snap> = (0..points).map(|_| random_snap(rng)).collect();
    // The same point, and another point on the same segment, are the edge cases.
    to.push(from);
    let mut query = Query::new();
    let mut got = Vec::new();
    query.snapped_times_from(graph, &from, &to, &mut got);
    for (t, time) in to.iter().zip(&got) {
        assert_eq!(time.map(|t| t.millis()), split_graph_time(graph, &from, t), "{from:?} → {t:?}");
    }
    query.snapped_times_to(graph, &to, &from, &mut got);
    for (s, time) in to.iter().zip(&got) {
        assert_eq!(time.map(|t| t.millis()), split_graph_time(graph, s, &from), "{s:?} → {from:?}");
    }
}

#[test]
fn helsinki_snapped_times_equal_the_split_graph_reference() {
    let Some(graph) = helsinki() else { return };
    let mut rng = Rng(3);
    for _ in 0..5 {
        check_snapped(graph, &mut rng, 20);
    }
}

#[test]
fn snapping_respects_the_distance_limit_and_reports_the_offset() {
    let Some(graph) = helsinki() else { return };
    // Helsinki's central station square, then a point in the sea 5 km away.
    let near = graph.snap(point(60.1710, 24.9414), 200.0).unwrap();
    assert!(near.off_road_m < 200.0);
    assert!(graph.snap(point(60.12, 24.94), 1000.0).is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_graphs_snapped_times_equal_the_split_graph_reference(seed in any::<u64>(), side in 2usize..9) {
        let mut rng = Rng(seed | 1);
        let mut net = roads::Network::new();
        for i in 0..side * side {
            net.add_node(40.0 + (i / side) as f64 * 0.001, -74.0 + (i % side) as f64 * 0.0013).unwrap();
        }
        for i in 0..side * side {
            for j in [i + 1, i + side] {
                if j >= side * side || (j == i + 1 && j % side == 0) {
                    continue;
                }
                let millis = 1000 + rng.below(20_000) as u32;
                let arc = |from, to| roads::Arc { from, to, millis, centimetres: 100 };
                let kind = rng.below(4);
                if kind != 1 { net.add_arc(arc(i as u32, j as u32)); }
                if kind != 2 { net.add_arc(arc(j as u32, i as u32)); }
            }
        }
        let Ok((graph, _)) = net.build() else { return Ok(()) };
        check_snapped(&graph, &mut rng, 6);
    }
}
