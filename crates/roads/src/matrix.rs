//! Many points against many: a fixed set of targets reused across sources, and whole
//! travel-time matrices.
//!
//! **A reused target set** ([`TargetSet`]): RPHAST's selection (every node from which a target
//! is reached by descending) depends only on the targets, so it is done once and kept as a
//! compact sub-hierarchy — the selected nodes in sweep order with their arcs renumbered —, and
//! each source then costs one upward search and one linear pass over that array. This is what
//! dispatch asks again and again: the same teams against many incidents or sample points.
//!
//! **A matrix** ([`Query::matrix`]): bucket-based many-to-many (Knopp, Sanders, Schultes,
//! Schulz, Wagner: "Computing Many-to-Many Shortest Paths Using Highway Hierarchies", 2007,
//! as applied to contraction hierarchies). Every target's backward upward search leaves
//! `(target, time)` in a bucket at each node it settles; every source's forward upward search
//! then reads the buckets of the nodes it settles. A shortest path climbs from the source and
//! descends to the target, so its highest node is in both search spaces and the minimum over
//! the shared nodes is exact (no pruning: the answers equal Dijkstra's, tested).
//!
//! Snapped points go in as seeds (departures of a source, arrivals at a target); two points on
//! one segment may also drive straight along it (see `snap.rs`).

use std::collections::HashMap;

use crate::graph::{Graph, NodeId, TravelTime};
use crate::query::{Direction, Query};
use crate::snap::Snap;

const INF: u32 = u32::MAX;

/// The selection for a fixed set of targets, kept for many sources; see the module docs.
#[derive(Debug, Clone)]
pub struct TargetSet {
    direction: Direction,
    /// Graph ids of the selected nodes, in sweep order (highest first).
    nodes: Vec<u32>,
    /// Local arcs of each selected node, to higher selected nodes: `first[i]..first[i + 1]`.
    first: Vec<u32>,
    arcs: Vec<[u32; 2]>,
    /// Each target's local index, in the order given.
    targets: Vec<u32>,
    /// The graph it was made for (its node count), to refuse another.
    graph_nodes: usize,
}

impl TargetSet {
    /// Selected nodes: what a source's sweep reads.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn target_count(&self) -> usize {
        self.targets.len()
    }
}

impl Query {
    /// The target set for travel times *to* `targets` (from any number of sources later).
    pub fn target_set(&mut self, graph: &Graph, targets: &[NodeId]) -> TargetSet {
        self.build_set(graph, Direction::Forward, targets)
    }

    /// The source set for travel times *from* `sources` (to any number of destinations later).
    pub fn source_set(&mut self, graph: &Graph, sources: &[NodeId]) -> TargetSet {
        self.build_set(graph, Direction::Backward, sources)
    }

    fn build_set(&mut self, graph: &Graph, direction: Direction, targets: &[NodeId]) -> TargetSet {
        let sweep = match direction {
            Direction::Forward => &graph.ch.down,
            Direction::Backward => &graph.ch.up,
        };
        let selected = self.selection(graph, sweep, targets);
        let mut local = vec![INF; graph.node_count()];
        for (i, v) in selected.iter().enumerate() {
            if let Some(slot) = local.get_mut(*v as usize) {
                *slot = i as u32;
            }
        }
        let mut first = Vec::with_capacity(selected.len() + 1);
        let mut arcs = Vec::new();
        first.push(0);
        for v in &selected {
            for [x, w] in sweep.of(*v as usize) {
                // Every higher end of a selected node's sweep arc is selected.
                if let Some(&j) = local.get(*x as usize).filter(|j| **j != INF) {
                    arcs.push([j, *w]);
                }
            }
            first.push(arcs.len() as u32);
        }
        let targets =
            targets.iter().map(|t| local.get(t.index()).copied().unwrap_or(INF)).collect();
        TargetSet {
            direction,
            nodes: selected,
            first,
            arcs,
            targets,
            graph_nodes: graph.node_count(),
        }
    }

    /// Travel times from `seeds` to every target of `set` (made with [`Query::target_set`]),
    /// into `out` in the set's target order; for a source set, from every source to `seeds`
    /// at the destination.
    pub fn times_with_set(
        &mut self,
        graph: &Graph,
        seeds: &[(NodeId, TravelTime)],
        set: &TargetSet,
        out: &mut Vec<Option<TravelTime>>,
    ) {
        out.clear();
        if set.graph_nodes != graph.node_count() {
            out.resize(set.targets.len(), None);
            return;
        }
        self.climb_from(graph, set.direction, seeds);
        let mut local = std::mem::take(&mut self.local);
        local.clear();
        local.reserve(set.nodes.len());
        for (i, v) in set.nodes.iter().enumerate() {
            let mut best = self.distance(*v as usize);
            let from = set.first.get(i).copied().unwrap_or(0) as usize;
            let to = set.first.get(i + 1).copied().unwrap_or(0) as usize;
            for [j, w] in set.arcs.get(from..to).unwrap_or(&[]) {
                best = best.min(local.get(*j as usize).copied().unwrap_or(INF).saturating_add(*w));
            }
            local.push(best);
        }
        out.extend(set.targets.iter().map(|t| {
            local.get(*t as usize).copied().filter(|d| *d != INF).map(TravelTime::from_millis)
        }));
        self.local = local;
        self.reset_touched();
    }

    /// The travel-time matrix from every snapped point of `from` to every one of `to`, row by
    /// row (`out[i * to.len() + j]` is from `from[i]` to `to[j]`); see the module docs.
    pub fn matrix(
        &mut self,
        graph: &Graph,
        from: &[Snap],
        to: &[Snap],
        out: &mut Vec<Option<TravelTime>>,
    ) {
        out.clear();
        out.resize(from.len() * to.len(), None);
        if to.is_empty() {
            return;
        }
        // Buckets: every target's backward search space, grouped by node.
        let mut entries: Vec<(u32, u32, u32)> = Vec::new();
        let mut seeds = Vec::new();
        for (j, target) in to.iter().enumerate() {
            seeds.clear();
            seeds.extend(target.arrivals());
            self.climb_from(graph, Direction::Backward, &seeds);
            for v in self.settled() {
                entries.push((v, j as u32, self.distance(v as usize)));
            }
            self.reset_touched();
        }
        entries.sort_unstable();
        let mut bucket_first = vec![0u32; graph.node_count() + 1];
        for (v, ..) in &entries {
            if let Some(slot) = bucket_first.get_mut(*v as usize + 1) {
                *slot += 1;
            }
        }
        for v in 0..graph.node_count() {
            let before = bucket_first.get(v).copied().unwrap_or(0);
            if let Some(slot) = bucket_first.get_mut(v + 1) {
                *slot += before;
            }
        }
        // Points sharing a segment may drive straight along it.
        let mut on_segment: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
        for (j, target) in to.iter().enumerate() {
            for part in target.parts() {
                on_segment.entry((part.a, part.b)).or_default().push(j);
            }
        }
        for (i, source) in from.iter().enumerate() {
            let Some(row) = out.get_mut(i * to.len()..(i + 1) * to.len()) else { continue };
            seeds.clear();
            seeds.extend(source.departures());
            self.climb_from(graph, Direction::Forward, &seeds);
            for v in self.settled() {
                let d = self.distance(v as usize);
                let start = bucket_first.get(v as usize).copied().unwrap_or(0) as usize;
                let end = bucket_first.get(v as usize + 1).copied().unwrap_or(0) as usize;
                for (_, j, dj) in entries.get(start..end).unwrap_or(&[]) {
                    let total = d.saturating_add(*dj);
                    if let Some(cell) = row.get_mut(*j as usize)
                        && total != INF
                        && cell.is_none_or(|c| total < c.millis())
                    {
                        *cell = Some(TravelTime::from_millis(total));
                    }
                }
            }
            self.reset_touched();
            for part in source.parts() {
                for j in on_segment.get(&(part.a, part.b)).into_iter().flatten() {
                    if let (Some(cell), Some(target)) = (row.get_mut(*j), to.get(*j))
                        && let Some(direct) = source.along_segment_to(target)
                        && cell.is_none_or(|c| direct < c)
                    {
                        *cell = Some(direct);
                    }
                }
            }
        }
    }
}

/// Snapped points selected once as the origins of many trips (teams, against incident after
/// incident or sample point after sample point): their departure nodes as a reused source set.
#[derive(Debug, Clone)]
pub struct SnappedSources {
    snaps: Vec<Snap>,
    /// Each departure: the snap it leaves from, and the time to get onto its node.
    departures: Vec<(u32, TravelTime)>,
    set: TargetSet,
}

impl SnappedSources {
    pub fn len(&self) -> usize {
        self.snaps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snaps.is_empty()
    }
}

impl Query {
    /// The reused set for trips from `from` (see [`SnappedSources`]).
    pub fn snapped_sources(&mut self, graph: &Graph, from: &[Snap]) -> SnappedSources {
        let mut departures = Vec::new();
        let mut nodes = Vec::new();
        for (i, snap) in from.iter().enumerate() {
            for (node, first) in snap.departures() {
                departures.push((i as u32, first));
                nodes.push(node);
            }
        }
        let set = self.source_set(graph, &nodes);
        SnappedSources { snaps: from.to_vec(), departures, set }
    }

    /// Travel times from each point of `from` to `to`, into `out` in `from`'s order: the same
    /// answers as [`Query::snapped_times_to`], without selecting the sources again.
    pub fn snapped_times_with_sources(
        &mut self,
        graph: &Graph,
        from: &SnappedSources,
        to: &Snap,
        out: &mut Vec<Option<TravelTime>>,
    ) {
        let seeds: Vec<(NodeId, TravelTime)> = to.arrivals().collect();
        let mut at_nodes = Vec::new();
        self.times_with_set(graph, &seeds, &from.set, &mut at_nodes);
        out.clear();
        out.resize(from.snaps.len(), None);
        for ((i, first), time) in from.departures.iter().zip(&at_nodes) {
            let total = time.and_then(|t| t.millis().checked_add(first.millis()));
            if let (Some(total), Some(slot)) = (total, out.get_mut(*i as usize))
                && slot.is_none_or(|s| total < s.millis())
            {
                *slot = Some(TravelTime::from_millis(total));
            }
        }
        for (snap, slot) in from.snaps.iter().zip(out.iter_mut()) {
            if let Some(direct) = snap.along_segment_to(to)
                && slot.is_none_or(|s| direct < s)
            {
                *slot = Some(direct);
            }
        }
    }
}
