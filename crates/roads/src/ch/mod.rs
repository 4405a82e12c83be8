//! The contraction hierarchy: preprocessing (`contract`, `witness`) and the stored form the
//! queries read.
//!
//! Nodes are numbered by rank — node `v` was contracted `v`-th, so higher ids are more
//! important — which makes "higher in the hierarchy" a comparison of ids and lets a query
//! sweep nodes top-down by walking ids downwards.

pub(crate) mod contract;
mod witness;

/// Arcs of one node, each to a higher node, in compressed sparse rows: node `v`'s are
/// `arcs[first[v]..first[v + 1]]`, each `[other, millis]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Upward {
    pub first: Vec<u32>,
    pub arcs: Vec<[u32; 2]>,
}

impl Upward {
    /// Groups `(node, other, millis)` triples by node; `other > node` for every triple.
    pub(crate) fn from_triples(n: usize, mut triples: Vec<(u32, u32, u32)>) -> Self {
        triples.sort_unstable();
        let first = crate::network::offsets(n, triples.iter().map(|(v, _, _)| *v));
        Self { first, arcs: triples.into_iter().map(|(_, o, w)| [o, w]).collect() }
    }

    /// Node `v`'s arcs; empty for an id out of range.
    pub(crate) fn of(&self, v: usize) -> &[[u32; 2]] {
        let start = self.first.get(v).copied().unwrap_or(0) as usize;
        let end = self.first.get(v + 1).copied().unwrap_or(0) as usize;
        self.arcs.get(start..end).unwrap_or(&[])
    }

    /// Whether the rows are well formed for `n` nodes and every arc goes to a higher node:
    /// what a query relies on.
    pub(crate) fn check(&self, n: usize) -> Result<(), String> {
        if self.first.len() != n + 1 || self.first.first() != Some(&0) {
            return Err("hierarchy rows do not match the node count".into());
        }
        if self.first.last().map(|l| *l as usize) != Some(self.arcs.len()) {
            return Err("hierarchy rows do not match the arc count".into());
        }
        for v in 0..n {
            let (Some(&a), Some(&b)) = (self.first.get(v), self.first.get(v + 1)) else {
                return Err("hierarchy rows are cut short".into());
            };
            if a > b {
                return Err(format!("hierarchy rows decrease at node {v}"));
            }
            if self.of(v).iter().any(|[o, _]| *o as usize <= v || *o as usize >= n) {
                return Err(format!("hierarchy arc of node {v} does not go up"));
            }
        }
        Ok(())
    }
}

/// The hierarchy as queries read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Hierarchy {
    /// `v → higher` arcs, stored at `v`: a forward search from a source climbs these.
    pub up: Upward,
    /// `higher → v` arcs, stored at `v`: a backward search from a target climbs these, and
    /// a forward query's downward sweep pulls distances along them.
    pub down: Upward,
}
