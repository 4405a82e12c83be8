//! A road network as imported — positions and directed arcs — and how it becomes a
//! [`Graph`]: parallel arcs merged, self-loops dropped, only the largest strongly connected
//! component kept, then contracted.
//!
//! **Why the largest strongly connected component:** every node left can reach every other,
//! so any two snapped points have a travel time, and a point never snaps onto a driveway or a
//! one-way fragment that the extract cut off from the rest of the network. This is what the
//! comparison scripts do too.

use crate::ch::contract::contract;
use crate::ch::{Hierarchy, Upward};
use crate::error::{Result, RoadsError};
use crate::geo::E7;
use crate::graph::{Graph, RoadArc};
use crate::line::{RoadClass, RoadLine};
use crate::scc::{Csr, largest_component};

/// One directed road arc of a [`Network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    /// The tail node: an index [`Network::add_node`] returned.
    pub from: u32,
    pub to: u32,
    /// Travel time in whole milliseconds.
    pub millis: u32,
    /// Length in whole centimetres.
    pub centimetres: u32,
}

/// A road network before preprocessing. Build one by hand (tests, synthetic benchmarks) or
/// get one from [`crate::import`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    pub(crate) nodes: Vec<E7>,
    pub(crate) arcs: Vec<Arc>,
    /// The roads as drawn and named, when the source names them (OSM); not used to build
    /// the graph.
    pub(crate) lines: Vec<RoadLine>,
}

/// What building a graph kept and dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildReport {
    pub nodes_in: usize,
    pub arcs_in: usize,
    pub self_loops: usize,
    /// Arcs with the same tail and head as another; the fastest is kept.
    pub parallel_arcs: usize,
    /// Nodes (and their arcs) outside the largest strongly connected component.
    pub nodes_dropped: usize,
    pub arcs_dropped: usize,
    pub nodes: usize,
    pub arcs: usize,
    pub shortcuts: usize,
}

/// A stage of building a graph, for progress bars: `(stage, done, total)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the input; done and total are bytes of the (possibly compressed) input.
    Reading,
    /// Contracting nodes; done and total are nodes.
    Contracting,
}

impl Network {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node and returns its index; `None` when the position is not a valid WGS84
    /// latitude and longitude. Positions are rounded to 1e-7 degrees.
    pub fn add_node(&mut self, lat: f64, lon: f64) -> Option<u32> {
        let position = E7::from_degrees(lat, lon)?;
        let index = u32::try_from(self.nodes.len()).ok()?;
        self.nodes.push(position);
        Some(index)
    }

    pub(crate) fn push_node(&mut self, position: E7) -> Result<u32> {
        let index = u32::try_from(self.nodes.len())
            .map_err(|_| RoadsError::TooLarge("more than 4 billion road nodes".into()))?;
        self.nodes.push(position);
        Ok(index)
    }

    /// Adds a directed arc between two nodes already added.
    pub fn add_arc(&mut self, arc: Arc) {
        self.arcs.push(arc);
    }

    /// Keeps a stretch of named road for the street map (nothing when under two points).
    pub(crate) fn push_line(&mut self, name: Option<String>, class: RoadClass, points: Vec<E7>) {
        if points.len() >= 2 {
            self.lines.push(RoadLine { name, class, points });
        }
    }

    /// The roads as drawn and named, taken out of the network (empty for an edge list).
    pub fn take_lines(&mut self) -> Vec<RoadLine> {
        std::mem::take(&mut self.lines)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn arc_count(&self) -> usize {
        self.arcs.len()
    }

    /// Preprocesses the network into a graph (see the module docs).
    pub fn build(self) -> Result<(Graph, BuildReport)> {
        self.build_with_progress(&mut |_, _, _| {})
    }

    pub fn build_with_progress(
        self,
        progress: &mut dyn FnMut(Stage, u64, u64),
    ) -> Result<(Graph, BuildReport)> {
        let Self { nodes, mut arcs, lines: _ } = self;
        let n = nodes.len();
        let mut report = BuildReport { nodes_in: n, arcs_in: arcs.len(), ..BuildReport::default() };
        if let Some(bad) = arcs.iter().find(|a| a.from as usize >= n || a.to as usize >= n) {
            return Err(RoadsError::Format(format!(
                "arc {} → {} names a node that does not exist ({n} nodes)",
                bad.from, bad.to
            )));
        }
        let before = arcs.len();
        arcs.retain(|a| a.from != a.to);
        report.self_loops = before - arcs.len();
        arcs.sort_unstable_by_key(|a| (a.from, a.to, a.millis, a.centimetres));
        let before = arcs.len();
        arcs.dedup_by_key(|a| (a.from, a.to));
        report.parallel_arcs = before - arcs.len();

        let (first, heads) = rows(n, &arcs);
        let keep = largest_component(&Csr { first: &first, heads: &heads });
        let mut new_id = vec![u32::MAX; n];
        let mut kept_nodes = Vec::new();
        for (v, k) in keep.iter().enumerate() {
            if *k && let (Some(slot), Some(p)) = (new_id.get_mut(v), nodes.get(v)) {
                *slot = kept_nodes.len() as u32;
                kept_nodes.push(*p);
            }
        }
        let id = |v: u32| new_id.get(v as usize).copied().unwrap_or(u32::MAX);
        let kept_arcs: Vec<Arc> = arcs
            .iter()
            .filter(|a| id(a.from) != u32::MAX && id(a.to) != u32::MAX)
            .map(|a| Arc { from: id(a.from), to: id(a.to), ..*a })
            .collect();
        report.nodes = kept_nodes.len();
        report.arcs = kept_arcs.len();
        report.nodes_dropped = n - report.nodes;
        report.arcs_dropped = arcs.len() - report.arcs;
        if kept_nodes.len() < 2 {
            return Err(RoadsError::Empty(
                "no two nodes of the network can reach each other: no usable roads".into(),
            ));
        }
        check_time_range(kept_nodes.len(), &kept_arcs)?;

        let n = kept_nodes.len();
        let triples: Vec<(u32, u32, u32)> =
            kept_arcs.iter().map(|a| (a.from, a.to, a.millis)).collect();
        let contracted = contract(n, &triples, &mut |done, total| {
            progress(Stage::Contracting, done, total);
        });
        report.shortcuts = contracted.shortcuts;

        // Renumber every node by its rank (see `ch`).
        let mut rank = vec![0u32; n];
        for (r, v) in contracted.order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(*v as usize) {
                *slot = r as u32;
            }
        }
        let rank_of = |v: u32| rank.get(v as usize).copied().unwrap_or(0);
        let mut positions = vec![E7 { lat: 0, lon: 0 }; n];
        for (v, p) in kept_nodes.iter().enumerate() {
            if let Some(slot) = positions.get_mut(rank_of(v as u32) as usize) {
                *slot = *p;
            }
        }
        let mut up = Vec::new();
        let mut down = Vec::new();
        for (u, x, w) in contracted.arcs {
            let (ru, rx) = (rank_of(u), rank_of(x));
            if ru < rx {
                up.push((ru, rx, w));
            } else {
                down.push((rx, ru, w));
            }
        }
        let ch = Hierarchy { up: Upward::from_triples(n, up), down: Upward::from_triples(n, down) };
        let mut road: Vec<(u32, RoadArc)> = kept_arcs
            .iter()
            .map(|a| {
                let arc =
                    RoadArc { head: rank_of(a.to), millis: a.millis, centimetres: a.centimetres };
                (rank_of(a.from), arc)
            })
            .collect();
        road.sort_unstable_by_key(|(tail, arc)| (*tail, arc.head));
        let arc_first = offsets(n, road.iter().map(|(tail, _)| *tail));
        let road_arcs = road.into_iter().map(|(_, arc)| arc).collect();
        let graph = Graph::from_parts(positions, arc_first, road_arcs, ch);
        Ok((graph, report))
    }
}

/// Rows of arcs sorted by tail: the heads, and `first` (n + 1 offsets).
fn rows(n: usize, sorted: &[Arc]) -> (Vec<u32>, Vec<u32>) {
    (offsets(n, sorted.iter().map(|a| a.from)), sorted.iter().map(|a| a.to).collect())
}

/// Row offsets (n + 1) for items whose rows (tails) come in ascending order.
pub(crate) fn offsets(n: usize, tails: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut first = vec![0u32; n + 1];
    for tail in tails {
        if let Some(slot) = first.get_mut(tail as usize + 1) {
            *slot += 1;
        }
    }
    for i in 0..n {
        let before = first.get(i).copied().unwrap_or(0);
        if let Some(slot) = first.get_mut(i + 1) {
            *slot += before;
        }
    }
    first
}

/// Every travel time between two nodes of a strongly connected graph is at most the time
/// from node 0 to the farthest node plus the time from the farthest node back to 0 (go
/// through node 0). When that bound fits in 32 bits of milliseconds, so does every answer,
/// and queries can add saturating without ever losing a real time.
fn check_time_range(n: usize, arcs: &[Arc]) -> Result<()> {
    let forward: Vec<(u32, u32, u32)> = arcs.iter().map(|a| (a.from, a.to, a.millis)).collect();
    let backward: Vec<(u32, u32, u32)> = arcs.iter().map(|a| (a.to, a.from, a.millis)).collect();
    let bound =
        crate::dijkstra::eccentricity(n, &forward) + crate::dijkstra::eccentricity(n, &backward);
    if bound >= u64::from(u32::MAX) {
        return Err(RoadsError::TooLarge(format!(
            "travel times in this network reach {:.0} days; the graph holds times up to 49 days",
            bound as f64 / 86_400_000.0
        )));
    }
    Ok(())
}
