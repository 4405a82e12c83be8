//! Witness searches: while contracting node `v`, is there a path from `u` to `x` that avoids
//! `v` and is no longer than `u → v → x`? If so, no shortcut is needed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Reused search state: distances are valid only where `stamp` equals the current round, so
/// starting a search costs nothing however large the graph.
#[derive(Debug)]
pub(super) struct WitnessSearch {
    dist: Vec<u32>,
    stamp: Vec<u32>,
    target_stamp: Vec<u32>,
    round: u32,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
}

impl WitnessSearch {
    pub(super) fn new(n: usize) -> Self {
        Self {
            dist: vec![u32::MAX; n],
            stamp: vec![0; n],
            target_stamp: vec![0; n],
            round: 0,
            heap: BinaryHeap::new(),
        }
    }

    /// Distances from `source` in `out` (the not yet contracted graph) without passing
    /// through `avoid`, settling at most `max_settled` nodes, up to `limit`, and stopping once
    /// every node of `targets` is settled. Read the answers with [`Self::distance`].
    #[allow(clippy::indexing_slicing, reason = "node ids are < n by construction of `out`")]
    pub(super) fn run(
        &mut self,
        out: &[Vec<(u32, u32)>],
        source: u32,
        avoid: u32,
        targets: impl Iterator<Item = u32>,
        limit: u32,
        max_settled: usize,
    ) {
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            // Wrapped around: old stamps could collide with new rounds.
            self.stamp.fill(0);
            self.target_stamp.fill(0);
            self.round = 1;
        }
        let round = self.round;
        let mut targets_left = 0usize;
        for t in targets {
            if self.target_stamp[t as usize] != round {
                self.target_stamp[t as usize] = round;
                targets_left += 1;
            }
        }
        self.heap.clear();
        self.dist[source as usize] = 0;
        self.stamp[source as usize] = round;
        self.heap.push(Reverse((0, source)));
        let mut settled = 0usize;
        while let Some(Reverse((d, v))) = self.heap.pop() {
            let vi = v as usize;
            if d > self.dist[vi] {
                continue;
            }
            if self.target_stamp[vi] == round {
                // Count each target once, however many times it is popped.
                self.target_stamp[vi] = round.wrapping_sub(1);
                targets_left -= 1;
                if targets_left == 0 {
                    break;
                }
            }
            settled += 1;
            if settled > max_settled || d > limit {
                break;
            }
            for &(x, w) in &out[vi] {
                if x == avoid {
                    continue;
                }
                let nd = d.saturating_add(w);
                let xi = x as usize;
                if nd <= limit && (self.stamp[xi] != round || nd < self.dist[xi]) {
                    self.stamp[xi] = round;
                    self.dist[xi] = nd;
                    self.heap.push(Reverse((nd, x)));
                }
            }
        }
    }

    /// The shortest distance found to `node` in the last search (an upper bound when the
    /// search stopped early), or `u32::MAX` when not reached.
    pub(super) fn distance(&self, node: u32) -> u32 {
        match (self.stamp.get(node as usize), self.dist.get(node as usize)) {
            (Some(&s), Some(&d)) if s == self.round => d,
            _ => u32::MAX,
        }
    }
}
