//! Travel times through the contraction hierarchy: one source to many targets (and many
//! sources to one target) with RPHAST, one source to every node with PHAST.
//!
//! **How a query works** (Delling, Goldberg, Werneck: "Faster Batched Shortest Paths in Road
//! Networks", 2011). Every shortest path in a hierarchy climbs from the source, then descends
//! to the target. So a query (1) runs Dijkstra upwards from the source — a few dozen to a few
//! hundred nodes —, (2) selects every node from which some target can be reached by
//! descending (one ascending pass over a bit set, no priority queue), and (3) sweeps
//! the selected nodes from the top down, each taking the best of its own upward distance and
//! its higher neighbours' distances plus the arc. A target's value after the sweep is its
//! exact travel time. For one-to-all the selection is every node (PHAST), and the sweep is a
//! linear pass over the arrays.
//!
//! A [`Query`] keeps its buffers between calls, so a query allocates nothing once warm.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::ch::Upward;
use crate::graph::{Graph, NodeId, TravelTime};

const INF: u32 = u32::MAX;

/// Sets node `v`'s bit (nothing for an id out of range).
fn mark(bits: &mut [u64], v: u32) {
    if let Some(word) = bits.get_mut(v as usize / 64) {
        *word |= 1u64 << (v % 64);
    }
}

/// Reusable query state for one graph at a time (it resizes itself for another graph).
#[derive(Debug, Default)]
pub struct Query {
    /// Tentative times by node; `INF` everywhere between queries.
    dist: Vec<u32>,
    /// Nodes whose `dist` the upward search set, to reset them.
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
    /// The nodes selected for the sweep, one bit each; all zero between queries.
    selected: Vec<u64>,
    /// Seeds and targets of snapped queries, kept so those allocate nothing either.
    pub(crate) seed_buffer: Vec<(NodeId, TravelTime)>,
    pub(crate) target_buffer: Vec<NodeId>,
    /// A target set's sweep values (`matrix.rs`).
    pub(crate) local: Vec<u32>,
}

/// Which way a query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    /// From seeds at the source to the targets: climb `up`, sweep along `down`.
    Forward,
    /// From the targets (here: the sources) to seeds at the destination: climb `down`,
    /// sweep along `up`.
    Backward,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    /// Travel times from `seeds` (nodes with the time it takes to get onto them) to each
    /// of `targets`, into `out` in target order (`None`: unreachable).
    pub fn travel_times_from(
        &mut self,
        graph: &Graph,
        seeds: &[(NodeId, TravelTime)],
        targets: &[NodeId],
        out: &mut Vec<Option<TravelTime>>,
    ) {
        self.many(graph, Direction::Forward, seeds, targets);
        out.clear();
        out.extend(targets.iter().map(|t| self.answer(t.index())));
        self.reset_touched();
    }

    /// Travel times from each of `sources` to `seeds` (nodes with the time it takes to get
    /// from them to the destination), into `out` in source order.
    pub fn travel_times_to(
        &mut self,
        graph: &Graph,
        sources: &[NodeId],
        seeds: &[(NodeId, TravelTime)],
        out: &mut Vec<Option<TravelTime>>,
    ) {
        self.many(graph, Direction::Backward, seeds, sources);
        out.clear();
        out.extend(sources.iter().map(|s| self.answer(s.index())));
        self.reset_touched();
    }

    /// Travel times from `source` to every node, indexed by node.
    pub fn travel_times_to_all(
        &mut self,
        graph: &Graph,
        source: NodeId,
        out: &mut Vec<Option<TravelTime>>,
    ) {
        let times = self.all(graph, Direction::Forward, &[(source, TravelTime::from_millis(0))]);
        out.clear();
        out.extend(times.into_iter().map(|t| (t != INF).then(|| TravelTime::from_millis(t))));
    }

    /// Times between `seeds` and every node (PHAST: climb, then sweep every node top-down),
    /// indexed by node, `u32::MAX` where unreachable; forward from the seeds or backward to
    /// them. The buffers are left clean.
    pub(crate) fn all(
        &mut self,
        graph: &Graph,
        direction: Direction,
        seeds: &[(NodeId, TravelTime)],
    ) -> Vec<u32> {
        self.prepare(graph);
        let (climb, sweep) = match direction {
            Direction::Forward => (&graph.ch.up, &graph.ch.down),
            Direction::Backward => (&graph.ch.down, &graph.ch.up),
        };
        self.climb(climb, sweep, seeds);
        for v in (0..graph.node_count()).rev() {
            self.relax_from_above(sweep, v);
        }
        let times = self.dist.clone();
        self.dist.fill(INF);
        self.touched.clear();
        times
    }

    pub(crate) fn answer(&self, v: usize) -> Option<TravelTime> {
        self.dist.get(v).copied().filter(|d| *d != INF).map(TravelTime::from_millis)
    }

    fn prepare(&mut self, graph: &Graph) {
        let n = graph.node_count();
        if self.dist.len() != n {
            self.dist = vec![INF; n];
            self.selected = vec![0; n.div_ceil(64)];
            self.touched.clear();
        }
    }

    pub(crate) fn many(
        &mut self,
        graph: &Graph,
        direction: Direction,
        seeds: &[(NodeId, TravelTime)],
        targets: &[NodeId],
    ) {
        self.prepare(graph);
        let (climb, sweep) = match direction {
            Direction::Forward => (&graph.ch.up, &graph.ch.down),
            Direction::Backward => (&graph.ch.down, &graph.ch.up),
        };
        self.select(sweep, targets);
        self.climb(climb, sweep, seeds);
        // Top-down over the selected nodes: higher words, then higher bits, first.
        for w in (0..self.selected.len()).rev() {
            let mut word = self.selected.get(w).copied().unwrap_or(0);
            if word == 0 {
                continue;
            }
            if let Some(slot) = self.selected.get_mut(w) {
                *slot = 0;
            }
            while word != 0 {
                let bit = 63 - word.leading_zeros() as usize;
                word &= !(1u64 << bit);
                let v = w * 64 + bit;
                self.relax_from_above(sweep, v);
                self.touched.push(v as u32);
            }
        }
    }

    /// Marks every node from which a target is reached by descending: the targets, and
    /// recursively the higher ends of their `sweep` arcs. Every such arc goes up, so one
    /// pass over the marks in ascending order, marking as it goes, finds them all — and reads
    /// the arc arrays in order, which is what makes it fast on a large graph.
    fn select(&mut self, sweep: &Upward, targets: &[NodeId]) {
        let mut lowest = usize::MAX;
        for t in targets {
            if t.index() < self.dist.len() {
                mark(&mut self.selected, t.0);
                lowest = lowest.min(t.index());
            }
        }
        for w in lowest / 64..self.selected.len() {
            let mut done = 0u64;
            loop {
                // Re-read: expanding a node may mark higher nodes in this same word.
                let pending = self.selected.get(w).copied().unwrap_or(0) & !done;
                if pending == 0 {
                    break;
                }
                let bit = pending.trailing_zeros();
                done |= 1 << bit;
                for [x, _] in sweep.of(w * 64 + bit as usize) {
                    mark(&mut self.selected, *x);
                }
            }
        }
    }

    /// Dijkstra from the seeds along `climb` arcs (each to a higher node), with
    /// stall-on-demand: a node that a higher node already reaches faster (along one of its
    /// `stall` arcs, which lead the same way down into it) is not expanded — its time is not
    /// the shortest, so no shortest path climbs on through it. Its time stays as an upper
    /// bound, which is all the sweep needs; the sweep finds the true one.
    fn climb(&mut self, climb: &Upward, stall: &Upward, seeds: &[(NodeId, TravelTime)]) {
        self.heap.clear();
        for (node, time) in seeds {
            if let Some(slot) = self.dist.get_mut(node.index())
                && time.millis() < *slot
            {
                *slot = time.millis();
                self.touched.push(node.0);
                self.heap.push(Reverse((time.millis(), node.0)));
            }
        }
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if self.dist.get(v as usize).is_none_or(|best| d > *best) {
                continue;
            }
            let stalled = stall.of(v as usize).iter().any(|[x, w]| {
                self.dist.get(*x as usize).is_some_and(|dx| dx.saturating_add(*w) < d)
            });
            if stalled {
                continue;
            }
            for [x, w] in climb.of(v as usize) {
                let nd = d.saturating_add(*w);
                if let Some(slot) = self.dist.get_mut(*x as usize)
                    && nd < *slot
                {
                    *slot = nd;
                    self.touched.push(*x);
                    self.heap.push(Reverse((nd, *x)));
                }
            }
        }
    }

    /// `dist[v] = min(dist[v], dist[x] + w)` over `v`'s arcs to higher nodes `x`, whose
    /// values the top-down order has already made final.
    #[allow(
        clippy::indexing_slicing,
        reason = "ids in a graph's hierarchy are < n (checked on load)"
    )]
    fn relax_from_above(&mut self, sweep: &Upward, v: usize) {
        let dist = &mut self.dist;
        let mut best = dist[v];
        for [x, w] in sweep.of(v) {
            best = best.min(dist[*x as usize].saturating_add(*w));
        }
        dist[v] = best;
    }

    /// The upward search alone, from `seeds` along `climb` (for `matrix.rs`); the caller
    /// reads [`Query::settled`] and [`Query::distance`], then resets.
    pub(crate) fn climb_from(
        &mut self,
        graph: &Graph,
        direction: Direction,
        seeds: &[(NodeId, TravelTime)],
    ) {
        self.prepare(graph);
        match direction {
            Direction::Forward => self.climb(&graph.ch.up, &graph.ch.down, seeds),
            Direction::Backward => self.climb(&graph.ch.down, &graph.ch.up, seeds),
        }
    }

    /// The nodes the last upward search reached, each once.
    pub(crate) fn settled(&self) -> Vec<u32> {
        let mut nodes = self.touched.clone();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// The tentative time at `v` (`u32::MAX`: not reached).
    pub(crate) fn distance(&self, v: usize) -> u32 {
        self.dist.get(v).copied().unwrap_or(INF)
    }

    /// The nodes [`Query::select`] marks for `targets`, highest first, leaving no mark behind.
    pub(crate) fn selection(
        &mut self,
        graph: &Graph,
        sweep: &Upward,
        targets: &[NodeId],
    ) -> Vec<u32> {
        self.prepare(graph);
        self.select(sweep, targets);
        let mut nodes = Vec::new();
        for w in (0..self.selected.len()).rev() {
            let mut word = self.selected.get(w).copied().unwrap_or(0);
            if let Some(slot) = self.selected.get_mut(w) {
                *slot = 0;
            }
            while word != 0 {
                let bit = 63 - word.leading_zeros() as usize;
                word &= !(1u64 << bit);
                nodes.push((w * 64 + bit) as u32);
            }
        }
        nodes
    }

    pub(crate) fn reset_touched(&mut self) {
        for v in self.touched.drain(..) {
            if let Some(slot) = self.dist.get_mut(v as usize) {
                *slot = INF;
            }
        }
    }
}
