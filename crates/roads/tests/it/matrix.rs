//! Target sets reused across sources and whole matrices, against plain Dijkstra and the
//! one-to-many queries (themselves checked against Dijkstra on the split graph).

use domain::GeoPoint;
use proptest::prelude::*;
use roads::{Dijkstra, Graph, NodeId, Query, Snap, TravelTime};

use crate::snap::{extent, random_grid};
use crate::{Rng, helsinki};

fn nodes(graph: &Graph, rng: &mut Rng, n: usize) -> Vec<NodeId> {
    (0..n).map(|_| graph.node(rng.below(graph.node_count())).unwrap()).collect()
}

/// Every source against one reused target set, and every destination against one reused
/// source set, equal to Dijkstra.
fn check_sets(graph: &Graph, rng: &mut Rng, sources: usize, targets: usize) {
    let mut query = Query::new();
    let mut dijkstra = Dijkstra::new();
    let targets = nodes(graph, rng, targets);
    let set = query.target_set(graph, &targets);
    assert_eq!(set.target_count(), targets.len());
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for source in nodes(graph, rng, sources) {
        let seeds = [(source, TravelTime::from_millis(0))];
        query.times_with_set(graph, &seeds, &set, &mut got);
        dijkstra.travel_times(graph, &seeds, &targets, &mut want);
        assert_eq!(got, want, "from {}", source.index());
    }
    // The other way: many teams to one incident, the teams' set reused.
    let teams = nodes(graph, rng, sources);
    let set = query.source_set(graph, &teams);
    for incident in nodes(graph, rng, 5) {
        query.times_with_set(graph, &[(incident, TravelTime::from_millis(0))], &set, &mut got);
        for (team, time) in teams.iter().zip(&got) {
            dijkstra.travel_times(
                graph,
                &[(*team, TravelTime::from_millis(0))],
                &[incident],
                &mut want,
            );
            assert_eq!(*time, want[0], "{} to {}", team.index(), incident.index());
        }
    }
}

/// Random points around the graph, points on nodes, and two points sharing a segment.
fn snaps(graph: &Graph, rng: &mut Rng, n: usize) -> Vec<Snap> {
    let (lat0, lat1, lon0, lon1) = extent(graph);
    let mut out = Vec::new();
    for i in 0..n {
        let (lat, lon) = if i % 3 == 0 {
            graph.position(graph.node(rng.below(graph.node_count())).unwrap()).unwrap()
        } else {
            (
                lat0 + (lat1 - lat0) * rng.below(10_000) as f64 / 10_000.0,
                lon0 + (lon1 - lon0) * rng.below(10_000) as f64 / 10_000.0,
            )
        };
        out.push(graph.snap(GeoPoint::parse(lat, lon).unwrap(), 1e7).unwrap());
    }
    out
}

/// Reused snapped sources equal to many-to-one queries that select them each time.
fn check_snapped_sources(graph: &Graph, from: &[Snap], to: &[Snap]) {
    let mut query = Query::new();
    let sources = query.snapped_sources(graph, from);
    assert_eq!(sources.len(), from.len());
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for destination in to {
        query.snapped_times_with_sources(graph, &sources, destination, &mut got);
        query.snapped_times_to(graph, from, destination, &mut want);
        assert_eq!(got, want, "to {destination:?}");
    }
}

/// The matrix equal, cell by cell, to one-to-many queries from each source.
fn check_matrix(graph: &Graph, from: &[Snap], to: &[Snap]) {
    let mut query = Query::new();
    let mut matrix = Vec::new();
    query.matrix(graph, from, to, &mut matrix);
    assert_eq!(matrix.len(), from.len() * to.len());
    let mut row = Vec::new();
    for (i, source) in from.iter().enumerate() {
        query.snapped_times_from(graph, source, to, &mut row);
        assert_eq!(&matrix[i * to.len()..(i + 1) * to.len()], &row[..], "row {i}");
    }
}

#[test]
fn helsinki_sets_and_matrices_equal_dijkstra() {
    let Some(graph) = helsinki() else { return };
    let mut rng = Rng(29);
    check_sets(graph, &mut rng, 40, 50);
    let from = snaps(graph, &mut rng, 25);
    let mut to = snaps(graph, &mut rng, 40);
    to.extend(from.iter().take(3).copied());
    check_matrix(graph, &from, &to);
    check_snapped_sources(graph, &to, &from);
    // Nothing asked, nothing answered.
    let mut out = vec![None; 3];
    Query::new().matrix(graph, &from, &[], &mut out);
    assert!(out.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_graphs_sets_and_matrices_equal_dijkstra(seed in any::<u64>(), side in 2usize..9) {
        let mut rng = Rng(seed | 1);
        let Some(graph) = random_grid(&mut rng, side) else { return Ok(()) };
        check_sets(&graph, &mut rng, 6, 7);
        let from = snaps(&graph, &mut rng, 5);
        let mut to = snaps(&graph, &mut rng, 6);
        to.push(from[0]);
        check_matrix(&graph, &from, &to);
        check_snapped_sources(&graph, &to, &from);
    }
}
