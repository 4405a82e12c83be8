//! The hierarchy's travel times against plain Dijkstra on the same graph.

use proptest::prelude::*;
use roads::{Arc, Dijkstra, Graph, Network, NodeId, Query, TravelTime};

use crate::{Rng, helsinki};

/// Checks one-to-many, many-to-one and one-to-all from `sources` against Dijkstra.
fn check_against_dijkstra(graph: &Graph, rng: &mut Rng, sources: usize, targets: usize) {
    let n = graph.node_count();
    let (mut query, mut dijkstra) = (Query::new(), Dijkstra::new());
    let (mut got, mut want, mut all) = (Vec::new(), Vec::new(), Vec::new());
    let zero = TravelTime::from_millis(0);
    for _ in 0..sources {
        let s = graph.node(rng.below(n)).unwrap();
        let ts: Vec<NodeId> = (0..targets).map(|_| graph.node(rng.below(n)).unwrap()).collect();
        query.travel_times_from(graph, &[(s, zero)], &ts, &mut got);
        dijkstra.travel_times(graph, &[(s, zero)], &ts, &mut want);
        assert_eq!(got, want, "one to many from {s:?}");
        query.travel_times_to_all(graph, s, &mut got);
        dijkstra.travel_times_to_all(graph, s, &mut all);
        assert_eq!(got, all, "one to all from {s:?}");
        // Many to one: each source's time to s equals Dijkstra from that source.
        query.travel_times_to(graph, &ts, &[(s, zero)], &mut got);
        for (t, time) in ts.iter().zip(&got) {
            dijkstra.travel_times(graph, &[(*t, zero)], &[s], &mut want);
            assert_eq!(Some(time), want.first(), "from {t:?} to {s:?}");
        }
    }
}

#[test]
fn helsinki_travel_times_equal_dijkstra() {
    let Some(graph) = helsinki() else { return };
    check_against_dijkstra(graph, &mut Rng(7), 30, 50);
}

/// A random road-like network: nodes on a jittered grid, arcs between near neighbours, some
/// one-way, some with zero or equal weights (ties are where hierarchies go wrong).
fn random_network(side: usize, seed: u64, one_way_percent: u64) -> Network {
    let mut rng = Rng(seed | 1);
    let mut net = Network::new();
    for i in 0..side * side {
        let (r, c) = ((i / side) as f64, (i % side) as f64);
        let jitter = (rng.next_u64() % 100) as f64 * 1e-6;
        net.add_node(40.0 + r * 0.001 + jitter, -74.0 + c * 0.001).unwrap();
    }
    for i in 0..side * side {
        for j in [i + 1, i + side, i + side + 1] {
            let same_row = j != i + 1 || (i + 1) % side != 0;
            if j >= side * side || !same_row || rng.next_u64().is_multiple_of(5) {
                continue;
            }
            let millis = [0, 1000, 1000, 7][rng.below(4)]
                + (rng.next_u64() % 50_000) as u32 * u32::from(!rng.next_u64().is_multiple_of(3));
            let (a, b) = (i as u32, j as u32);
            let arc = |from, to| Arc { from, to, millis, centimetres: 100 };
            let dir = rng.next_u64() % 100;
            if dir >= one_way_percent || dir.is_multiple_of(2) {
                net.add_arc(arc(a, b));
            }
            if dir >= one_way_percent || dir % 2 == 1 {
                net.add_arc(arc(b, a));
            }
        }
    }
    net
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]
    #[test]
    fn random_graphs_travel_times_equal_dijkstra(seed in any::<u64>(), side in 2usize..14, one_way in 0u64..60) {
        let net = random_network(side, seed, one_way);
        let Ok((graph, _)) = net.build() else { return Ok(()) };
        check_against_dijkstra(&graph, &mut Rng(seed | 1), 8, 10);
    }
}

#[test]
fn build_keeps_the_largest_strongly_connected_part_and_the_fastest_parallel_arc() {
    let mut net = Network::new();
    for i in 0..5 {
        net.add_node(60.0, 24.0 + f64::from(i) * 0.001).unwrap();
    }
    let arc = |from, to, millis| Arc { from, to, millis, centimetres: 5000 };
    // 0 ⇄ 1 ⇄ 2 is strongly connected; 3 is reached one way only; 4 is isolated.
    for (a, b, ms) in [
        (0, 1, 5000),
        (1, 0, 5000),
        (1, 2, 3000),
        (2, 1, 3000),
        (2, 3, 100),
        (0, 1, 4000),
        (3, 3, 1),
    ] {
        net.add_arc(arc(a, b, ms));
    }
    let (graph, report) = net.build().unwrap();
    assert_eq!((report.nodes, report.arcs, report.nodes_dropped), (3, 4, 2));
    assert_eq!((report.parallel_arcs, report.self_loops), (1, 1));
    let fastest = graph.arcs().map(|a| a.time.millis()).min().unwrap();
    assert_eq!(fastest, 3000);
    assert!(graph.arcs().any(|a| a.time.millis() == 4000), "the faster parallel arc wins");
}
