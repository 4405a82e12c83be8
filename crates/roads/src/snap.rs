//! Snapping a point to the road: the nearest point on the nearest road segment.
//!
//! **What a travel time from a snapped point counts.** A point snaps to the point `L` at
//! fraction `f` (0 at `a`, 1 at `b`) of a segment `a — b`. For each direction the road allows,
//! the arc is split at `L` without changing its total: with `a → b` taking `w`, `a → L` takes
//! `p = round(f × w)` ms and `L → b` takes `w − p`; likewise `b → L` takes
//! `q = round((1 − f) × w')` of `b → a`'s `w'`, and `L → a` the rest. A travel time between
//! two snapped points is then the shortest path in the road graph with both points inserted
//! this way (two points on the same segment may also drive straight along it). That is
//! exactly what a plain Dijkstra on the split graph computes, and the property tests check
//! it. The off-road distance (point to road) is reported, not converted into time: whether a
//! team walks it or it is GPS noise is the caller's call.
//!
//! **A point on several segments.** A point on a node where roads meet, at an arc's end, or
//! within [`SAME_PLACE_M`] of the nearest segment's distance from another segment, lies on each
//! of them (the nearest [`MAX_SEGMENTS`]): it is inserted into every one, and a trip may start
//! or end on any. When the nearest road point is a node, only that node's own segments count:
//! a road passing under or over it within the tolerance is another level, not the node. Otherwise a point on a junction's node would snap to one of its segments by
//! a tie, and where that segment is one-way the node's other roads would be out of reach from
//! it — a travel time too slow by however long the detour takes.
//!
//! Nearest is decided in a local equirectangular projection centred on the query point
//! (accurate to well under a metre at the distances snapping deals with), found through an
//! R-tree of every road segment in a projection centred on the graph.

use domain::GeoPoint;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::geo::METRES_PER_DEGREE;
use crate::graph::{Graph, NodeId, TravelTime};

/// The most segments one point may lie on (a junction's roads); the nearest are kept.
pub const MAX_SEGMENTS: usize = 8;

/// A point is on every segment whose distance is within this much of the nearest one's.
pub const SAME_PLACE_M: f64 = 0.5;

/// A point whose nearest road point is a node (within this, for rounding) is at that node.
const NODE_EPSILON_M: f64 = 1e-6;

/// Where a snapped point lies on one segment `a — b`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Part {
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) fraction: f64,
    /// `a → b`: the arc's time and `p`, the time from `a` to the snapped point.
    pub(crate) along: Option<(u32, u32)>,
    /// `b → a`: the arc's time and `q`, the time from `b` to the snapped point.
    pub(crate) against: Option<(u32, u32)>,
}

/// A point snapped onto a road of a [`Graph`]: the nearest point on the nearest segment, and
/// — where other segments are as near, within [`SAME_PLACE_M`] (a point on a junction's node,
/// at an arc's end, on a road drawn twice) — the point on each of those too (up to
/// [`MAX_SEGMENTS`]), so a trip may start or end on any of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// Where on the road, in degrees (on the nearest segment).
    pub lat: f64,
    pub lon: f64,
    /// From the given point to the road, in metres.
    pub off_road_m: f64,
    parts: [Part; MAX_SEGMENTS],
    len: u8,
}

impl Snap {
    /// The segments the point lies on.
    pub(crate) fn parts(&self) -> &[Part] {
        self.parts.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Nodes one can drive to from the snapped point, each with the time to get there.
    pub fn departures(&self) -> impl Iterator<Item = (NodeId, TravelTime)> + '_ {
        self.parts().iter().flat_map(|part| {
            let along = part.along.map(|(w, p)| (NodeId(part.b), TravelTime::from_millis(w - p)));
            let against =
                part.against.map(|(w, q)| (NodeId(part.a), TravelTime::from_millis(w - q)));
            along.into_iter().chain(against)
        })
    }

    /// Nodes from which one drives onto the snapped point, each with the time it takes.
    pub fn arrivals(&self) -> impl Iterator<Item = (NodeId, TravelTime)> + '_ {
        self.parts().iter().flat_map(|part| {
            let along = part.along.map(|(_, p)| (NodeId(part.a), TravelTime::from_millis(p)));
            let against = part.against.map(|(_, q)| (NodeId(part.b), TravelTime::from_millis(q)));
            along.into_iter().chain(against)
        })
    }

    /// The time to drive from `self` to `to` along a segment both lie on without leaving it,
    /// when its direction allows.
    pub fn along_segment_to(&self, to: &Snap) -> Option<TravelTime> {
        let mut best: Option<u32> = None;
        for from in self.parts() {
            for onto in to.parts().iter().filter(|t| (t.a, t.b) == (from.a, from.b)) {
                let forward = match (from.along, onto.along) {
                    (Some((_, p_from)), Some((_, p_to))) if onto.fraction >= from.fraction => {
                        Some(p_to.saturating_sub(p_from))
                    }
                    _ => None,
                };
                let backward = match (from.against, onto.against) {
                    (Some((_, q_from)), Some((_, q_to))) if onto.fraction <= from.fraction => {
                        Some(q_to.saturating_sub(q_from))
                    }
                    _ => None,
                };
                for t in forward.into_iter().chain(backward) {
                    best = Some(best.map_or(t, |b| b.min(t)));
                }
            }
        }
        best.map(TravelTime::from_millis)
    }

    /// The nearest segment's end nodes `(a, b)` and the fraction of the way from `a` to `b`.
    pub fn segment(&self) -> (NodeId, NodeId, f64) {
        let p = self.parts().first().copied().unwrap_or_default();
        (NodeId(p.a), NodeId(p.b), p.fraction)
    }

    /// Every segment the point lies on, nearest first: `(a, b, fraction from a to b)`.
    pub fn segments(&self) -> impl Iterator<Item = (NodeId, NodeId, f64)> + '_ {
        self.parts().iter().map(|p| (NodeId(p.a), NodeId(p.b), p.fraction))
    }
}

/// One road segment per pair of adjacent nodes, whichever directions it can be driven in.
#[derive(Debug)]
pub(crate) struct SnapIndex {
    tree: RTree<GeomWithData<Line<[f64; 2]>, [u32; 2]>>,
    /// `cos` of the latitude the tree's projection is centred on.
    cos0: f64,
}

impl SnapIndex {
    pub(crate) fn build(graph: &Graph) -> Self {
        let n = graph.node_count().max(1) as f64;
        let mean_lat = graph.positions.iter().map(|p| p.lat()).sum::<f64>() / n;
        let cos0 = mean_lat.to_radians().cos().max(1e-6);
        let project = |v: u32| {
            let p = graph.e7(v);
            [p.lon() * cos0 * METRES_PER_DEGREE, p.lat() * METRES_PER_DEGREE]
        };
        let mut segments = Vec::new();
        for arc in graph.arcs() {
            let (u, v) = (arc.from.0, arc.to.0);
            // A two-way pair once (from its lower node), a one-way arc as it is.
            if u < v || graph.arc(v, u).is_none() {
                segments.push(GeomWithData::new(Line::new(project(u), project(v)), [u, v]));
            }
        }
        Self { tree: RTree::bulk_load(segments), cos0 }
    }
}

impl Graph {
    /// The nearest point on the nearest road within `max_distance_m` of `point`.
    pub fn snap(&self, point: GeoPoint, max_distance_m: f64) -> Option<Snap> {
        let index = self.snap_index();
        let (qlat, qlon) = (point.lat.degrees(), point.lon.degrees());
        let cos_q = qlat.to_radians().cos().max(1e-6);
        // Local distances are the tree's with x scaled by cos_q / cos0, so they are at least
        // the tree's times this factor: once a candidate's tree distance, so scaled, exceeds
        // the best local distance, no later candidate can win.
        let shrink = (cos_q / index.cos0).min(1.0);
        let query = [qlon * index.cos0 * METRES_PER_DEGREE, qlat * METRES_PER_DEGREE];
        let local = |v: u32| {
            let p = self.e7(v);
            ((p.lon() - qlon) * cos_q * METRES_PER_DEGREE, (p.lat() - qlat) * METRES_PER_DEGREE)
        };
        // Every segment within the limit, nearest first, until none can come within
        // SAME_PLACE_M of the nearest.
        let mut found: Vec<(f64, u32, u32, f64)> = Vec::new();
        for (segment, d2) in index.tree.nearest_neighbor_iter_with_distance_2(&query) {
            let bound = d2.sqrt() * shrink;
            let nearest = found.iter().map(|f| f.0).fold(f64::INFINITY, f64::min);
            if bound > max_distance_m || bound > nearest + SAME_PLACE_M {
                break;
            }
            let [a, b] = segment.data;
            let ((ax, ay), (bx, by)) = (local(a), local(b));
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let d = (ax + t * dx).hypot(ay + t * dy);
            if d <= max_distance_m {
                found.push((d, a, b, t));
            }
        }
        found.sort_by(|x, y| x.0.total_cmp(&y.0));
        let &(off_road_m, a0, b0, f0) = found.first()?;
        found.retain(|f| f.0 <= off_road_m + SAME_PLACE_M);
        // Nearest to a node: the point is at that node, on its own roads only — not on a road
        // that merely passes within reach of it (under a bridge, over a tunnel).
        let at_node = found.iter().flat_map(|f| [f.1, f.2]).find(|v| {
            let (x, y) = local(*v);
            x.hypot(y) <= off_road_m + NODE_EPSILON_M
        });
        if let Some(v) = at_node {
            found.retain(|f| f.1 == v || f.2 == v);
        }
        found.truncate(MAX_SEGMENTS);
        let part_of = |w: u32, f: f64| {
            // f in [0, 1], so the product is in [0, w].
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let p = (f * f64::from(w)).round() as u32;
            p.min(w)
        };
        let mut parts = [Part::default(); MAX_SEGMENTS];
        for (slot, &(_, a, b, fraction)) in parts.iter_mut().zip(&found) {
            *slot = Part {
                a,
                b,
                fraction,
                along: self.arc(a, b).map(|arc| (arc.millis, part_of(arc.millis, fraction))),
                against: self
                    .arc(b, a)
                    .map(|arc| (arc.millis, part_of(arc.millis, 1.0 - fraction))),
            };
        }
        let (pa, pb) = (self.e7(a0), self.e7(b0));
        Some(Snap {
            lat: pa.lat() + f0 * (pb.lat() - pa.lat()),
            lon: pa.lon() + f0 * (pb.lon() - pa.lon()),
            off_road_m,
            parts,
            len: found.len() as u8,
        })
    }
}
