//! Plain Dijkstra on the road arcs (no hierarchy, 64-bit sums): the reference that the
//! hierarchy's answers are checked against, in the tests and in every benchmark run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::graph::{Graph, NodeId, TravelTime};

/// Reusable Dijkstra state (distances, heap), so repeated runs do not allocate.
#[derive(Debug, Default)]
pub struct Dijkstra {
    dist: Vec<u64>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Dijkstra {
    pub fn new() -> Self {
        Self::default()
    }

    /// Shortest travel times from `seeds` (nodes with a time already spent reaching them) to
    /// each of `targets`, into `out` in target order; stops once every target is settled.
    pub fn travel_times(
        &mut self,
        graph: &Graph,
        seeds: &[(NodeId, TravelTime)],
        targets: &[NodeId],
        out: &mut Vec<Option<TravelTime>>,
    ) {
        self.run(graph, seeds, Some(targets));
        out.clear();
        out.extend(targets.iter().map(|t| self.answer(t.index())));
        self.reset();
    }

    /// Shortest travel times from `source` to every node, indexed by node.
    pub fn travel_times_to_all(
        &mut self,
        graph: &Graph,
        source: NodeId,
        out: &mut Vec<Option<TravelTime>>,
    ) {
        self.run(graph, &[(source, TravelTime::from_millis(0))], None);
        out.clear();
        out.extend((0..graph.node_count()).map(|v| self.answer(v)));
        self.reset();
    }

    fn answer(&self, v: usize) -> Option<TravelTime> {
        let d = *self.dist.get(v)?;
        u32::try_from(d).ok().filter(|d| *d != u32::MAX).map(TravelTime::from_millis)
    }

    fn run(&mut self, graph: &Graph, seeds: &[(NodeId, TravelTime)], targets: Option<&[NodeId]>) {
        let n = graph.node_count();
        if self.dist.len() != n {
            self.dist = vec![u64::MAX; n];
        }
        let mut left = match targets {
            Some(targets) => {
                let mut sorted: Vec<u32> = targets.iter().map(|t| t.0).collect();
                sorted.sort_unstable();
                sorted.dedup();
                sorted
            }
            None => Vec::new(),
        };
        for (node, time) in seeds {
            let d = u64::from(time.millis());
            if let Some(slot) = self.dist.get_mut(node.index())
                && d < *slot
            {
                *slot = d;
                self.touched.push(node.0);
                self.heap.push(Reverse((d, node.0)));
            }
        }
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if self.dist.get(v as usize).is_none_or(|best| d > *best) {
                continue;
            }
            if targets.is_some() {
                if let Ok(i) = left.binary_search(&v) {
                    left.remove(i);
                }
                if left.is_empty() {
                    break;
                }
            }
            for arc in graph.arcs_of(v as usize) {
                let nd = d + u64::from(arc.millis);
                if let Some(slot) = self.dist.get_mut(arc.head as usize)
                    && nd < *slot
                {
                    *slot = nd;
                    self.touched.push(arc.head);
                    self.heap.push(Reverse((nd, arc.head)));
                }
            }
        }
    }

    fn reset(&mut self) {
        for v in self.touched.drain(..) {
            if let Some(slot) = self.dist.get_mut(v as usize) {
                *slot = u64::MAX;
            }
        }
        self.heap.clear();
    }
}

/// The largest shortest-path time from node 0 over `(tail, head, millis)` arcs, in ms; nodes
/// 0 cannot reach are ignored (the caller passes a strongly connected graph).
pub(crate) fn eccentricity(n: usize, arcs: &[(u32, u32, u32)]) -> u64 {
    let mut sorted = arcs.to_vec();
    sorted.sort_unstable();
    let first = crate::network::offsets(n, sorted.iter().map(|a| a.0));
    let mut dist = vec![u64::MAX; n];
    let mut heap = BinaryHeap::new();
    if let Some(slot) = dist.get_mut(0) {
        *slot = 0;
        heap.push(Reverse((0u64, 0u32)));
    }
    let mut farthest = 0;
    while let Some(Reverse((d, v))) = heap.pop() {
        if dist.get(v as usize).is_none_or(|best| d > *best) {
            continue;
        }
        farthest = farthest.max(d);
        let start = first.get(v as usize).copied().unwrap_or(0) as usize;
        let end = first.get(v as usize + 1).copied().unwrap_or(0) as usize;
        for &(_, head, w) in sorted.get(start..end).unwrap_or(&[]) {
            let nd = d + u64::from(w);
            if let Some(slot) = dist.get_mut(head as usize)
                && nd < *slot
            {
                *slot = nd;
                heap.push(Reverse((nd, head)));
            }
        }
    }
    farthest
}
