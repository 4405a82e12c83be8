//! The road benchmark's peers: the `fast_paths` crate (a contraction hierarchy in Rust, from
//! crates.io) timed in this process on the very graph and cases ours answers, and the files
//! `scripts/bench_routingkit.py` reads to time RoutingKit on them through its Python bindings.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use roads::{Graph, NodeId};

/// `fast_paths` on `graph`: preparation time, and one source to its 50 targets (50 one-to-one
/// queries with one reused calculator: the crate has no one-to-many query) for every case,
/// each checked against `want` (our answers, equal to Dijkstra's; `None` unreachable).
pub fn fast_paths(
    name: &str,
    graph: &Graph,
    cases: &[(NodeId, Vec<NodeId>)],
    want: &[Vec<Option<u32>>],
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let mut input = fast_paths::InputGraph::new();
    let mut zero = 0usize;
    for arc in graph.arcs() {
        // The crate wants positive weights: a 0 ms arc (rare: two nodes at one place) becomes
        // 1 ms, and the answers are compared knowing so.
        let millis = arc.time.millis() as usize;
        zero += usize::from(millis == 0);
        input.add_edge(arc.from.index(), arc.to.index(), millis.max(1));
    }
    input.freeze();
    ensure!(zero == 0, "{name}: {zero} arcs of 0 ms; fast_paths needs positive weights");
    let started = Instant::now();
    let prepared = fast_paths::prepare(&input);
    let preparation = started.elapsed();
    let mut calculator = fast_paths::create_calculator(&prepared);
    let mut times = Vec::with_capacity(cases.len());
    for ((source, targets), want) in cases.iter().zip(want) {
        let t = Instant::now();
        let got: Vec<Option<u32>> = targets
            .iter()
            .map(|target| {
                calculator
                    .calc_path(&prepared, source.index(), target.index())
                    .map(|p| p.get_weight() as u32)
            })
            .collect();
        times.push(t.elapsed());
        ensure!(&got == want, "{name}: fast_paths from {source:?} differs from Dijkstra");
    }
    Ok((preparation, times))
}

/// Writes `DIR/NAME.{nodes,arcs,cases,answers,reused}.csv` (see `scripts/bench_routingkit.py`).
pub fn export(
    dir: &Path,
    name: &str,
    graph: &Graph,
    cases: &[(NodeId, Vec<NodeId>)],
    answers: &[Vec<Option<u32>>],
    reused: &[NodeId],
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = |suffix: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        let path = dir.join(format!("{name}.{suffix}.csv"));
        let file =
            std::fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
        Ok(std::io::BufWriter::new(file))
    };
    let mut nodes = file("nodes")?;
    writeln!(nodes, "lat,lon")?;
    for i in 0..graph.node_count() {
        let (lat, lon) = graph.node(i).and_then(|v| graph.position(v)).unwrap_or((0.0, 0.0));
        writeln!(nodes, "{lat:.7},{lon:.7}")?;
    }
    nodes.flush()?;
    let mut arcs = file("arcs")?;
    writeln!(arcs, "from,to,millis")?;
    for arc in graph.arcs() {
        writeln!(arcs, "{},{},{}", arc.from.index(), arc.to.index(), arc.time.millis())?;
    }
    arcs.flush()?;
    let join = |v: &[NodeId]| v.iter().map(|n| n.index().to_string()).collect::<Vec<_>>().join(";");
    let mut out = file("cases")?;
    writeln!(out, "source,targets")?;
    for (source, targets) in cases {
        writeln!(out, "{},{}", source.index(), join(targets))?;
    }
    out.flush()?;
    let mut out = file("answers")?;
    writeln!(out, "source,millis")?;
    for ((source, _), row) in cases.iter().zip(answers) {
        let millis: Vec<String> =
            row.iter().map(|m| m.map_or_else(|| "-1".to_owned(), |m| m.to_string())).collect();
        writeln!(out, "{},{}", source.index(), millis.join(";"))?;
    }
    out.flush()?;
    let mut out = file("reused")?;
    writeln!(out, "targets")?;
    writeln!(out, "{}", join(reused))?;
    out.flush()?;
    Ok(())
}
