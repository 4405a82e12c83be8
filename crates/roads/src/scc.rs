//! The largest strongly connected component of a directed graph (Tarjan's algorithm, with
//! an explicit stack so a long road chain cannot overflow the call stack).

/// A directed graph in compressed sparse rows: the heads of node `v`'s arcs are
/// `heads[first[v]..first[v + 1]]`.
#[derive(Debug)]
pub(crate) struct Csr<'a> {
    pub first: &'a [u32],
    pub heads: &'a [u32],
}

impl Csr<'_> {
    fn node_count(&self) -> usize {
        self.first.len().saturating_sub(1)
    }

    fn heads_of(&self, v: usize) -> &[u32] {
        let start = self.first.get(v).copied().unwrap_or(0) as usize;
        let end = self.first.get(v + 1).copied().unwrap_or(0) as usize;
        self.heads.get(start..end).unwrap_or(&[])
    }
}

const UNVISITED: u32 = u32::MAX;

/// For every node, whether it belongs to the largest strongly connected component (the first
/// found among equally large ones).
pub(crate) fn largest_component(graph: &Csr<'_>) -> Vec<bool> {
    let n = graph.node_count();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // (node, position of the next arc to look at)
    let mut calls: Vec<(u32, usize)> = Vec::new();
    let mut next_index = 0u32;
    let mut best: Vec<u32> = Vec::new();

    for root in 0..n {
        if index.get(root) != Some(&UNVISITED) {
            continue;
        }
        calls.push((root as u32, 0));
        while let Some(&mut (v, ref mut pos)) = calls.last_mut() {
            let vi = v as usize;
            if *pos == 0 && index.get(vi) == Some(&UNVISITED) {
                set(&mut index, vi, next_index);
                set(&mut low, vi, next_index);
                next_index += 1;
                stack.push(v);
                set(&mut on_stack, vi, true);
            }
            let heads = graph.heads_of(vi);
            if let Some(&w) = heads.get(*pos) {
                *pos += 1;
                let wi = w as usize;
                match index.get(wi).copied() {
                    Some(UNVISITED) => calls.push((w, 0)),
                    Some(w_index) if on_stack.get(wi) == Some(&true) => {
                        let l = low.get(vi).copied().unwrap_or(0).min(w_index);
                        set(&mut low, vi, l);
                    }
                    _ => {}
                }
                continue;
            }
            // Every arc of v is done: close v, and pass its low link to the caller.
            calls.pop();
            let v_low = low.get(vi).copied().unwrap_or(0);
            if let Some(&(parent, _)) = calls.last() {
                let p = parent as usize;
                let l = low.get(p).copied().unwrap_or(0).min(v_low);
                set(&mut low, p, l);
            }
            if Some(&v_low) == index.get(vi) {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    set(&mut on_stack, w as usize, false);
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > best.len() {
                    best = component;
                }
            }
        }
    }
    let mut keep = vec![false; n];
    for v in best {
        set(&mut keep, v as usize, true);
    }
    keep
}

fn set<T>(values: &mut [T], at: usize, value: T) {
    if let Some(slot) = values.get_mut(at) {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(n: usize, arcs: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
        let mut first = vec![0u32; n + 1];
        let mut sorted = arcs.to_vec();
        sorted.sort_unstable();
        for (u, _) in &sorted {
            first[*u as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        (first, sorted.iter().map(|(_, v)| *v).collect())
    }

    #[test]
    fn finds_the_largest_cycle_and_leaves_out_one_way_tails() {
        // 0 → 1 → 2 → 0 is a cycle; 2 → 3 is a dead end; 4 ⇄ 5 is a smaller component.
        let (first, heads) = csr(6, &[(0, 1), (1, 2), (2, 0), (2, 3), (4, 5), (5, 4), (3, 4)]);
        let keep = largest_component(&Csr { first: &first, heads: &heads });
        assert_eq!(keep, vec![true, true, true, false, false, false]);
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let n = 200_000u32;
        let mut arcs: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        arcs.extend((0..n - 1).map(|i| (i + 1, i)));
        let (first, heads) = csr(n as usize, &arcs);
        let keep = largest_component(&Csr { first: &first, heads: &heads });
        assert!(keep.iter().all(|k| *k));
    }
}
