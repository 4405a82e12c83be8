//! [`Graph`]: the preprocessed road network that queries, snapping and the graph file use.

use std::fmt;
use std::sync::OnceLock;

use crate::ch::Hierarchy;
use crate::geo::E7;
use crate::snap::SnapIndex;

/// A node of a [`Graph`]. Only a graph hands these out ([`Graph::node`], snapping), so a
/// `NodeId` is in range for the graph it came from; queries treat an id out of range (from
/// another graph) as unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A travel time in whole milliseconds: the unit every arc weight, shortcut and answer uses,
/// so the hierarchy and a plain Dijkstra add the very same integers and agree exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TravelTime(u32);

impl TravelTime {
    pub const fn from_millis(millis: u32) -> Self {
        Self(millis)
    }

    pub const fn millis(self) -> u32 {
        self.0
    }

    pub fn seconds(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

/// Seconds with three decimals: exact.
impl fmt::Display for TravelTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// One directed road arc as stored: the tail is the row it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoadArc {
    pub head: u32,
    pub millis: u32,
    pub centimetres: u32,
}

/// One directed road arc, as [`Graph::arcs`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArcInfo {
    pub from: NodeId,
    pub to: NodeId,
    pub time: TravelTime,
    pub centimetres: u32,
}

/// A road network ready for queries: every node can reach every other (the largest strongly
/// connected component of what was imported), arcs carry millisecond travel times, and a
/// contraction hierarchy answers travel times exactly.
pub struct Graph {
    pub(crate) positions: Vec<E7>,
    /// The road arcs in rows by tail: node `v`'s are `arcs[arc_first[v]..arc_first[v + 1]]`,
    /// sorted by head.
    pub(crate) arc_first: Vec<u32>,
    pub(crate) arcs: Vec<RoadArc>,
    pub(crate) ch: Hierarchy,
    /// Built on the first snap, so loading a graph only for node queries stays fast.
    snap: OnceLock<SnapIndex>,
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Graph")
            .field("nodes", &self.node_count())
            .field("arcs", &self.arc_count())
            .field("shortcuts", &self.shortcut_count())
            .finish_non_exhaustive()
    }
}

impl Graph {
    /// Callers guarantee the invariants that [`crate::format`] checks on loading.
    pub(crate) fn from_parts(
        positions: Vec<E7>,
        arc_first: Vec<u32>,
        arcs: Vec<RoadArc>,
        ch: Hierarchy,
    ) -> Self {
        Self { positions, arc_first, arcs, ch, snap: OnceLock::new() }
    }

    pub fn node_count(&self) -> usize {
        self.positions.len()
    }

    pub fn arc_count(&self) -> usize {
        self.arcs.len()
    }

    /// Arcs the hierarchy added on top of the road arcs.
    pub fn shortcut_count(&self) -> usize {
        (self.ch.up.arcs.len() + self.ch.down.arcs.len()).saturating_sub(self.arcs.len())
    }

    /// The node with this index (0..node_count), if there is one.
    pub fn node(&self, index: usize) -> Option<NodeId> {
        (index < self.node_count()).then_some(NodeId(index as u32))
    }

    /// A node's position as (latitude, longitude) in degrees.
    pub fn position(&self, node: NodeId) -> Option<(f64, f64)> {
        self.positions.get(node.index()).map(|p| (p.lat(), p.lon()))
    }

    pub(crate) fn e7(&self, node: u32) -> E7 {
        self.positions.get(node as usize).copied().unwrap_or(E7 { lat: 0, lon: 0 })
    }

    /// The road arcs leaving node `v`, sorted by head.
    pub(crate) fn arcs_of(&self, v: usize) -> &[RoadArc] {
        let start = self.arc_first.get(v).copied().unwrap_or(0) as usize;
        let end = self.arc_first.get(v + 1).copied().unwrap_or(0) as usize;
        self.arcs.get(start..end).unwrap_or(&[])
    }

    /// The arc `from → to`, if the road has one.
    pub(crate) fn arc(&self, from: u32, to: u32) -> Option<RoadArc> {
        let row = self.arcs_of(from as usize);
        row.binary_search_by_key(&to, |a| a.head).ok().and_then(|i| row.get(i).copied())
    }

    /// Every road arc, by tail node then head node.
    pub fn arcs(&self) -> impl Iterator<Item = ArcInfo> + '_ {
        (0..self.node_count()).flat_map(move |v| {
            self.arcs_of(v).iter().map(move |a| ArcInfo {
                from: NodeId(v as u32),
                to: NodeId(a.head),
                time: TravelTime(a.millis),
                centimetres: a.centimetres,
            })
        })
    }

    pub(crate) fn snap_index(&self) -> &SnapIndex {
        self.snap.get_or_init(|| SnapIndex::build(self))
    }
}
