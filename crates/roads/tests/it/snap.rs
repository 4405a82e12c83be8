//! Snapping, and travel times between snapped points against Dijkstra on the graph split at
//! the snapped points.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use domain::GeoPoint;
use proptest::prelude::*;
use roads::{Dijkstra, Graph, NodeId, Query, Snap, TravelTime};

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

/// Where a point lies on one segment, worked out here from the geometry alone: the segment's
/// ends `(a, b)` (as the graph's arcs join them), the fraction from `a`, and the distance.
#[derive(Debug, Clone, Copy)]
struct OnSegment {
    a: usize,
    b: usize,
    fraction: f64,
    distance: f64,
}

/// The graph as the reference reads it, built once per graph: arcs by their ends, rows of
/// arcs by tail, and the segments (a two-way road once, from its lower node; a one-way arc as
/// it is).
struct Reference<'g> {
    graph: &'g Graph,
    arcs: HashMap<(usize, usize), u32>,
    adj: Vec<Vec<(usize, u32)>>,
    segments: Vec<(usize, usize)>,
}

impl<'g> Reference<'g> {
    fn new(graph: &'g Graph) -> Self {
        let arcs: HashMap<(usize, usize), u32> =
            graph.arcs().map(|a| ((a.from.index(), a.to.index()), a.time.millis())).collect();
        let mut adj = vec![Vec::new(); graph.node_count()];
        for (&(u, v), &w) in &arcs {
            adj[u].push((v, w));
        }
        let segments =
            arcs.keys().filter(|&&(u, v)| u < v || !arcs.contains_key(&(v, u))).copied().collect();
        Self { graph, arcs, adj, segments }
    }

    fn position(&self, v: usize) -> (f64, f64) {
        self.graph.position(self.graph.node(v).unwrap()).unwrap()
    }

    /// Every segment the point lies on by the documented rule — within 0.5 m of the nearest
    /// segment's distance, only the node's own when the nearest road point is a node, the
    /// nearest 8 — by brute force over every segment.
    fn segments_of(&self, lat: f64, lon: f64) -> Vec<OnSegment> {
        let m = roads::haversine_m(0.0, 0.0, 1.0, 0.0);
        let cos = lat.to_radians().cos();
        let local = |(la, lo): (f64, f64)| ((lo - lon) * cos * m, (la - lat) * m);
        let mut all: Vec<OnSegment> = self
            .segments
            .iter()
            .map(|&(a, b)| {
                let (ax, ay) = local(self.position(a));
                let (bx, by) = local(self.position(b));
                let (dx, dy) = (bx - ax, by - ay);
                let len2 = dx * dx + dy * dy;
                let t =
                    if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                OnSegment { a, b, fraction: t, distance: (ax + t * dx).hypot(ay + t * dy) }
            })
            .collect();
        all.sort_by(|x, y| x.distance.total_cmp(&y.distance));
        let nearest = all[0].distance;
        all.retain(|s| s.distance <= nearest + roads::SAME_PLACE_M);
        let node_distance = |v: usize| {
            let (x, y) = local(self.position(v));
            x.hypot(y)
        };
        if let Some(v) =
            all.iter().flat_map(|s| [s.a, s.b]).find(|v| node_distance(*v) <= nearest + 1e-6)
        {
            all.retain(|s| s.a == v || s.b == v);
        }
        all.truncate(roads::MAX_SEGMENTS);
        all
    }

    /// The road graph with each point inserted into every segment it lies on (one node per
    /// point), the segment's arcs split there, and where both points lie on one segment the
    /// stretch between them; then plain Dijkstra. Built from the geometry, not from `Snap`.
    fn split_graph_time(&self, from: (f64, f64), to: (f64, f64)) -> Option<u32> {
        let n = self.graph.node_count();
        let (s, t) = (n, n + 1);
        let mut extra: HashMap<usize, Vec<(usize, u32)>> = HashMap::new();
        let mut add = |u: usize, v: usize, w: u32| extra.entry(u).or_default().push((v, w));
        let from_parts = self.segments_of(from.0, from.1);
        let to_parts = self.segments_of(to.0, to.1);
        for (parts, id) in [(&from_parts, s), (&to_parts, t)] {
            for p in parts {
                if let Some(&w) = self.arcs.get(&(p.a, p.b)) {
                    add(p.a, id, part(w, p.fraction));
                    add(id, p.b, w - part(w, p.fraction));
                }
                if let Some(&w) = self.arcs.get(&(p.b, p.a)) {
                    add(p.b, id, part(w, 1.0 - p.fraction));
                    add(id, p.a, w - part(w, 1.0 - p.fraction));
                }
            }
        }
        for f in &from_parts {
            for g in to_parts.iter().filter(|g| (g.a, g.b) == (f.a, f.b)) {
                if let Some(&w) = self.arcs.get(&(f.a, f.b)).filter(|_| g.fraction >= f.fraction) {
                    add(s, t, part(w, g.fraction) - part(w, f.fraction));
                }
                if let Some(&w) = self.arcs.get(&(f.b, f.a)).filter(|_| g.fraction <= f.fraction) {
                    add(s, t, part(w, 1.0 - g.fraction) - part(w, 1.0 - f.fraction));
                }
            }
        }
        let mut dist = vec![u64::MAX; n + 2];
        let mut heap = BinaryHeap::from([Reverse((0u64, s))]);
        dist[s] = 0;
        while let Some(Reverse((d, v))) = heap.pop() {
            if v == t {
                break;
            }
            if d > dist[v] {
                continue;
            }
            let row =
                self.adj.get(v).into_iter().flatten().chain(extra.get(&v).into_iter().flatten());
            for &(x, w) in row {
                if d + u64::from(w) < dist[x] {
                    dist[x] = d + u64::from(w);
                    heap.push(Reverse((dist[x], x)));
                }
            }
        }
        u32::try_from(dist[t]).ok()
    }
}

/// `round(f × w)`, the part of an arc's time up to a point at fraction `f` (the definition in
/// `snap.rs`).
fn part(w: u32, f: f64) -> u32 {
    ((f * f64::from(w)).round() as u32).min(w)
}

/// Snaps and times `from` → each of `to` and each of `to` → `from` with the hierarchy, and
/// checks every answer against the split-graph reference.
fn check_points(reference: &Reference<'_>, from: (f64, f64), to: &[(f64, f64)]) {
    let graph = reference.graph;
    let snap = |(lat, lon): (f64, f64)| graph.snap(point(lat, lon), 1e7).unwrap();
    let source = snap(from);
    let targets: Vec<Snap> = to.iter().map(|p| snap(*p)).collect();
    let mut query = Query::new();
    let mut got = Vec::new();
    query.snapped_times_from(graph, &source, &targets, &mut got);
    for (p, time) in to.iter().zip(&got) {
        assert_eq!(
            time.map(|t| t.millis()),
            reference.split_graph_time(from, *p),
            "{from:?} → {p:?}"
        );
    }
    query.snapped_times_to(graph, &targets, &source, &mut got);
    for (p, time) in to.iter().zip(&got) {
        assert_eq!(
            time.map(|t| t.millis()),
            reference.split_graph_time(*p, from),
            "{p:?} → {from:?}"
        );
    }
}

fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint::parse(lat, lon).unwrap()
}

/// Random points around the graph's extent, a point on a node, points a hair and half a
/// metre off a node, and the same point twice: each snapped (checked against the brute-force
/// distance) and timed both ways against the split-graph reference.
fn check_snapped(graph: &Graph, rng: &mut Rng, points: usize) {
    let (lat0, lat1, lon0, lon1) = extent(graph);
    let random_point = |rng: &mut Rng| {
        let lat = lat0 + (lat1 - lat0) * rng.below(10_000) as f64 / 10_000.0;
        let lon = lon0 + (lon1 - lon0) * rng.below(10_000) as f64 / 10_000.0;
        let snap = graph.snap(point(lat, lon), 1e7).unwrap();
        let brute = brute_force_distance(graph, lat, lon);
        assert!(
            (snap.off_road_m - brute).abs() < 1e-6,
            "{lat},{lon}: {} vs {brute}",
            snap.off_road_m
        );
        (lat, lon)
    };
    let from = random_point(rng);
    let mut to: Vec<(f64, f64)> = (0..points).map(|_| random_point(rng)).collect();
    let node = graph.position(graph.node(rng.below(graph.node_count())).unwrap()).unwrap();
    to.extend([node, (node.0 + 1e-8, node.1), (node.0, node.1 + 4e-6), from]);
    let reference = Reference::new(graph);
    check_points(&reference, from, &to);
    check_points(&reference, node, &to);
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

/// A `side` × `side` grid of roads with random times, some one-way either way; `None` when
/// the draw leaves no two nodes that reach each other.
pub(crate) fn random_grid(rng: &mut Rng, side: usize) -> Option<Graph> {
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
            if kind != 1 {
                net.add_arc(arc(i as u32, j as u32));
            }
            if kind != 2 {
                net.add_arc(arc(j as u32, i as u32));
            }
        }
    }
    net.build().ok().map(|(graph, _)| graph)
}

/// The graph's extent: south, north, west, east.
pub(crate) fn extent(graph: &Graph) -> (f64, f64, f64, f64) {
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for v in 0..graph.node_count() {
        let (la, lo) = graph.position(graph.node(v).unwrap()).unwrap();
        (lat0, lat1, lon0, lon1) = (lat0.min(la), lat1.max(la), lon0.min(lo), lon1.max(lo));
    }
    (lat0, lat1, lon0, lon1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_graphs_snapped_times_equal_the_split_graph_reference(seed in any::<u64>(), side in 2usize..9) {
        let mut rng = Rng(seed | 1);
        let Some(graph) = random_grid(&mut rng, side) else { return Ok(()) };
        check_snapped(&graph, &mut rng, 6);
    }
}

/// Sources and targets exactly on nodes: the answers are the plain node-to-node Dijkstra
/// times, whatever one-way arcs meet there (on one-way grids, where a tie between a node's
/// segments used to lose the others).
fn check_nodes(graph: &Graph, rng: &mut Rng, sources: usize, targets: usize) {
    let pick = |rng: &mut Rng| graph.node(rng.below(graph.node_count())).unwrap();
    let mut dijkstra = Dijkstra::new();
    let mut query = Query::new();
    let (mut want, mut got) = (Vec::new(), Vec::new());
    for _ in 0..sources {
        let from = pick(rng);
        let to: Vec<NodeId> = (0..targets).map(|_| pick(rng)).collect();
        dijkstra.travel_times(graph, &[(from, TravelTime::from_millis(0))], &to, &mut want);
        let (lat, lon) = graph.position(from).unwrap();
        let source = graph.snap(point(lat, lon), 1.0).unwrap();
        assert!(source.off_road_m < 1e-6);
        let snapped: Vec<Snap> = to
            .iter()
            .map(|t| {
                let (lat, lon) = graph.position(*t).unwrap();
                graph.snap(point(lat, lon), 1.0).unwrap()
            })
            .collect();
        query.snapped_times_from(graph, &source, &snapped, &mut got);
        assert_eq!(got, want, "from node {}", from.index());
        // And the other way: every target's node to the source's.
        query.snapped_times_to(graph, &snapped, &source, &mut got);
        for (t, time) in to.iter().zip(&got) {
            let mut back = Vec::new();
            dijkstra.travel_times(graph, &[(*t, TravelTime::from_millis(0))], &[from], &mut back);
            assert_eq!(*time, back[0], "node {} to node {}", t.index(), from.index());
        }
    }
}

#[test]
fn helsinki_points_on_nodes_get_the_node_to_node_times() {
    let Some(graph) = helsinki() else { return };
    check_nodes(graph, &mut Rng(17), 40, 25);
}

/// The Manhattan graph (JEMSS's edge list, one-way avenues and streets): 400 pairs of nodes,
/// and the pair a tie used to get wrong (193.06 s instead of 110.0 s).
#[test]
fn manhattan_points_on_nodes_get_the_node_to_node_times() {
    let Some(bytes) = crate::shared_file("jemss-manhattan/network/edges.csv.gz") else { return };
    let (graph, _) = roads::import::import(&bytes).unwrap();
    check_nodes(&graph, &mut Rng(5), 20, 20);
    let from = graph.snap(point(40.771_738_3, -73.965_325_5), 1000.0).unwrap();
    let to = graph.snap(point(40.768_801_5, -73.958_363_1), 1.0).unwrap();
    let node = (0..graph.node_count())
        .map(|v| graph.node(v).unwrap())
        .find(|v| {
            let (lat, lon) = graph.position(*v).unwrap();
            (lat - 40.768_801_5).abs() < 1e-9 && (lon + 73.958_363_1).abs() < 1e-9
        })
        .expect("the node of the example is in the graph");
    let mut got = Vec::new();
    Query::new().snapped_times_from(&graph, &from, &[to], &mut got);
    let seeds: Vec<(NodeId, TravelTime)> = from.departures().collect();
    let mut want = Vec::new();
    Dijkstra::new().travel_times(&graph, &seeds, &[node], &mut want);
    let best = want[0]
        .map(|t| t.millis())
        .into_iter()
        .chain(from.along_segment_to(&to).map(|t| t.millis()))
        .min();
    assert_eq!(got[0].map(|t| t.millis()), best);
    assert!(got[0].unwrap().seconds() < 120.0, "{:?}", got[0]);
}

/// A point's times kept against every node (`Query::times_from` / `times_to`) answer exactly
/// as the snapped queries do, for points anywhere on the roads, including pairs on one segment.
#[test]
fn kept_times_from_and_to_a_point_equal_the_snapped_queries() {
    let Some(graph) = helsinki() else { return };
    let mut rng = Rng(23);
    let (min_lat, min_lon, max_lat, max_lon) = (60.15, 24.85, 60.25, 25.05);
    let random_snap = |rng: &mut Rng| loop {
        let lat = min_lat + rng.unit() * (max_lat - min_lat);
        let lon = min_lon + rng.unit() * (max_lon - min_lon);
        if let Some(snap) = graph.snap(point(lat, lon), 300.0) {
            return snap;
        }
    };
    let mut query = Query::new();
    let (mut want, mut checked, mut same_segment) = (Vec::new(), 0, 0);
    for _ in 0..6 {
        let origin = random_snap(&mut rng);
        let from = query.times_from(graph, &origin);
        let to = query.times_to(graph, &origin);
        let mut others: Vec<Snap> = (0..60).map(|_| random_snap(&mut rng)).collect();
        // A point a little along the origin's own segment, for the along-the-road shortcut.
        let (lat, lon) = (origin.lat + 1e-5, origin.lon + 1e-5);
        let near = graph.snap(point(lat, lon), 300.0).unwrap();
        if near.along_segment_to(&origin).is_some() || origin.along_segment_to(&near).is_some() {
            same_segment += 1;
        }
        others.push(near);
        query.snapped_times_from(graph, &origin, &others, &mut want);
        for (other, want) in others.iter().zip(&want) {
            assert_eq!(from.to(other), *want);
            checked += 1;
        }
        query.snapped_times_to(graph, &others, &origin, &mut want);
        for (other, want) in others.iter().zip(&want) {
            assert_eq!(to.from(other), *want);
        }
    }
    assert_eq!(checked, 6 * 61);
    assert!(same_segment > 0, "no pair on one segment was tried");
}

/// A route to a kept destination is a real drive: consecutive nodes joined by road arcs whose
/// times add up to each step's time, ending where the rest is along the destination's segment,
/// and as long as the shortest time.
#[test]
fn a_route_to_a_kept_destination_is_a_shortest_drive_along_road_arcs() {
    let Some(bytes) = crate::shared_file("jemss-manhattan/network/edges.csv.gz") else { return };
    let (graph, _) = roads::import::import(&bytes).unwrap();
    let mut rng = Rng(31);
    let random_snap = |rng: &mut Rng| loop {
        let lat = 40.70 + rng.unit() * 0.17;
        let lon = -74.02 + rng.unit() * 0.11;
        if let Some(snap) = graph.snap(point(lat, lon), 300.0) {
            return snap;
        }
    };
    let arcs: HashMap<(usize, usize), u32> =
        graph.arcs().map(|a| ((a.from.index(), a.to.index()), a.time.millis())).collect();
    let mut query = Query::new();
    for _ in 0..20 {
        let destination = random_snap(&mut rng);
        let to = query.times_to(&graph, &destination);
        for _ in 0..10 {
            let from = random_snap(&mut rng);
            let route = to.route_from(&graph, &from).unwrap();
            assert_eq!(Some(route.total), to.from(&from));
            for pair in route.steps.windows(2) {
                let ((a, ta), (b, tb)) = (pair[0], pair[1]);
                let arc =
                    arcs.get(&(a.index(), b.index())).expect("consecutive nodes share an arc");
                assert_eq!(ta.millis() + arc, tb.millis());
            }
            if let Some((last, at)) = route.steps.last() {
                assert!(
                    destination.arrivals().any(|(n, rest)| n == *last
                        && at.millis() + rest.millis() == route.total.millis()),
                    "ends on the segment"
                );
                let (first, t0) = route.steps[0];
                assert!(from.departures().any(|leg| leg == (first, t0)), "starts on the segment");
                // Halfway, the next node is ahead and reached in time.
                let half = TravelTime::from_millis(route.total.millis() / 2);
                if let Some((_, wait)) = route.next_node(half) {
                    assert!(wait.millis() <= route.total.millis() - half.millis());
                }
            }
        }
    }
}
