//! Times between one snapped point and every node of the graph, kept to answer for many other
//! points later: [`TimesFrom`] (from the point to anywhere) and [`TimesTo`] (from anywhere to
//! the point). The simulator keeps one of each per post and hospital, so choosing among fifty
//! teams for a call costs fifty array lookups, not fifty searches.
//!
//! Each is one PHAST sweep (`query.rs`) seeded at the point's ends of its segments, so a time
//! read from it is exactly [`Query::snapped_times_from`]'s (or `_to`'s) for the same pair —
//! the along-the-segment shortcut included.

use crate::graph::{Graph, NodeId, TravelTime};
use crate::query::{Direction, Query};
use crate::snap::Snap;

const INF: u32 = u32::MAX;

/// Travel times from one snapped point to every node.
#[derive(Debug, Clone)]
pub struct TimesFrom {
    origin: Snap,
    times: Vec<u32>,
}

/// Travel times from every node to one snapped point.
#[derive(Debug, Clone)]
pub struct TimesTo {
    destination: Snap,
    times: Vec<u32>,
}

impl TimesFrom {
    /// The time from the origin to `to`; `None` when no road leads there.
    pub fn to(&self, to: &Snap) -> Option<TravelTime> {
        let via_roads =
            to.arrivals().filter_map(|(node, last)| plus(self.times.get(node.index()), last));
        via_roads.chain(self.origin.along_segment_to(to)).min()
    }

    /// The point the times are from.
    pub fn origin(&self) -> &Snap {
        &self.origin
    }

    /// The time from the origin to `node`.
    pub fn to_node(&self, node: NodeId) -> Option<TravelTime> {
        plus(self.times.get(node.index()), TravelTime::from_millis(0))
    }
}

impl TimesTo {
    /// The time from `from` to the destination; `None` when no road leads there.
    pub fn from(&self, from: &Snap) -> Option<TravelTime> {
        let via_roads =
            from.departures().filter_map(|(node, first)| plus(self.times.get(node.index()), first));
        via_roads.chain(from.along_segment_to(&self.destination)).min()
    }
}

impl Query {
    /// Times from `origin` to every node (one PHAST sweep).
    pub fn times_from(&mut self, graph: &Graph, origin: &Snap) -> TimesFrom {
        let seeds: Vec<(NodeId, TravelTime)> = origin.departures().collect();
        TimesFrom { origin: *origin, times: self.all(graph, Direction::Forward, &seeds) }
    }

    /// Times from every node to `destination` (one PHAST sweep, backwards).
    pub fn times_to(&mut self, graph: &Graph, destination: &Snap) -> TimesTo {
        let seeds: Vec<(NodeId, TravelTime)> = destination.arrivals().collect();
        TimesTo { destination: *destination, times: self.all(graph, Direction::Backward, &seeds) }
    }
}

fn plus(time: Option<&u32>, extra: TravelTime) -> Option<TravelTime> {
    let time = *time?;
    if time == INF {
        return None;
    }
    time.checked_add(extra.millis()).map(TravelTime::from_millis)
}

/// A shortest drive to a [`TimesTo`]'s destination, node by node: each node passed and the
/// time from the start at which it is reached. Empty when the start and the destination lie
/// on one segment (the drive passes no node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub steps: Vec<(NodeId, TravelTime)>,
    pub total: TravelTime,
}

impl Route {
    /// Where a vehicle driving this route is `elapsed` after it set off: the next node it
    /// will pass and how long until it gets there; `None` once it has passed the last node
    /// (it is on the destination's segment).
    pub fn next_node(&self, elapsed: TravelTime) -> Option<(NodeId, TravelTime)> {
        let k = self.steps.partition_point(|(_, at)| *at < elapsed);
        let (node, at) = self.steps.get(k)?;
        Some((*node, TravelTime::from_millis(at.millis() - elapsed.millis())))
    }
}

impl TimesTo {
    /// The shortest drive from `from` to the destination, node by node: from the best
    /// departure, each step along a road arc whose time plus the time left after it equals
    /// the time left before it (exact, as every time is whole milliseconds). `None` only when
    /// no road leads there, or in a knot of zero-time arcs the walk cannot leave without
    /// going back.
    pub fn route_from(&self, graph: &Graph, from: &Snap) -> Option<Route> {
        let total = self.from(from)?;
        if from.along_segment_to(&self.destination) == Some(total) {
            return Some(Route { steps: Vec::new(), total });
        }
        let (mut node, first) = from
            .departures()
            .find(|(node, first)| plus(self.times.get(node.index()), *first) == Some(total))?;
        let mut elapsed = first.millis();
        let mut steps = vec![(node, first)];
        for _ in 0..graph.node_count() {
            let left = *self.times.get(node.index())?;
            if self.destination.arrivals().any(|(n, last)| n == node && last.millis() == left) {
                return Some(Route { steps, total });
            }
            // A tight arc: its time plus the time left after it is the time left now. One
            // that takes time first (it makes progress); a zero-time one only to a node not yet
            // passed, so two nodes joined by zero-time arcs cannot trap the walk.
            let tight = |a: &&crate::graph::RoadArc| {
                self.times
                    .get(a.head as usize)
                    .is_some_and(|t| *t != INF && t.checked_add(a.millis) == Some(left))
            };
            let arcs = graph.arcs_of(node.index());
            let arc = arcs.iter().filter(tight).find(|a| a.millis > 0).or_else(|| {
                arcs.iter()
                    .filter(tight)
                    .find(|a| !steps.iter().any(|(passed, _)| passed.0 == a.head))
            })?;
            node = NodeId(arc.head);
            elapsed += arc.millis;
            steps.push((node, TravelTime::from_millis(elapsed)));
        }
        None
    }
}
