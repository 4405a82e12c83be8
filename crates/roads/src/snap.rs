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
//! Nearest is decided in a local equirectangular projection centred on the query point
//! (accurate to well under a metre at the distances snapping deals with), found through an
//! R-tree of every road segment in a projection centred on the graph.

use domain::GeoPoint;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::geo::METRES_PER_DEGREE;
use crate::graph::{Graph, NodeId, TravelTime};

/// A point snapped onto a road of a [`Graph`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// Where on the road, in degrees.
    pub lat: f64,
    pub lon: f64,
    /// From the given point to the road, in metres.
    pub off_road_m: f64,
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) fraction: f64,
    /// `a → b`: the arc's time and `p`, the time from `a` to the snapped point.
    pub(crate) along: Option<(u32, u32)>,
    /// `b → a`: the arc's time and `q`, the time from `b` to the snapped point.
    pub(crate) against: Option<(u32, u32)>,
}

impl Snap {
    /// Nodes one can drive to from the snapped point, each with the time to get there.
    pub fn departures(&self) -> impl Iterator<Item = (NodeId, TravelTime)> + use<> {
        let along = self.along.map(|(w, p)| (NodeId(self.b), TravelTime::from_millis(w - p)));
        let against = self.against.map(|(w, q)| (NodeId(self.a), TravelTime::from_millis(w - q)));
        along.into_iter().chain(against)
    }

    /// Nodes from which one drives onto the snapped point, each with the time it takes.
    pub fn arrivals(&self) -> impl Iterator<Item = (NodeId, TravelTime)> + use<> {
        let along = self.along.map(|(_, p)| (NodeId(self.a), TravelTime::from_millis(p)));
        let against = self.against.map(|(_, q)| (NodeId(self.b), TravelTime::from_millis(q)));
        along.into_iter().chain(against)
    }

    /// The time to drive from `self` to `to` along their shared segment without leaving it,
    /// when both lie on the same one and its direction allows.
    pub fn along_segment_to(&self, to: &Snap) -> Option<TravelTime> {
        if (self.a, self.b) != (to.a, to.b) {
            return None;
        }
        let forward = match (self.along, to.along) {
            (Some((_, p_from)), Some((_, p_to))) if to.fraction >= self.fraction => {
                Some(p_to.saturating_sub(p_from))
            }
            _ => None,
        };
        let backward = match (self.against, to.against) {
            (Some((_, q_from)), Some((_, q_to))) if to.fraction <= self.fraction => {
                Some(q_to.saturating_sub(q_from))
            }
            _ => None,
        };
        forward.into_iter().chain(backward).min().map(TravelTime::from_millis)
    }

    /// The segment's end nodes `(a, b)` and the fraction of the way from `a` to `b`.
    pub fn segment(&self) -> (NodeId, NodeId, f64) {
        (NodeId(self.a), NodeId(self.b), self.fraction)
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
        let mut best: Option<(f64, u32, u32, f64)> = None;
        for (segment, d2) in index.tree.nearest_neighbor_iter_with_distance_2(&query) {
            let bound = d2.sqrt() * shrink;
            if bound > max_distance_m || best.is_some_and(|(d, ..)| bound > d) {
                break;
            }
            let [a, b] = segment.data;
            let ((ax, ay), (bx, by)) = (local(a), local(b));
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let d = (ax + t * dx).hypot(ay + t * dy);
            if d <= max_distance_m && best.is_none_or(|(bd, ..)| d < bd) {
                best = Some((d, a, b, t));
            }
        }
        let (off_road_m, a, b, fraction) = best?;
        let part = |w: u32, f: f64| {
            // f in [0, 1], so the product is in [0, w].
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let p = (f * f64::from(w)).round() as u32;
            p.min(w)
        };
        let along = self.arc(a, b).map(|arc| (arc.millis, part(arc.millis, fraction)));
        let against = self.arc(b, a).map(|arc| (arc.millis, part(arc.millis, 1.0 - fraction)));
        let (pa, pb) = (self.e7(a), self.e7(b));
        Some(Snap {
            lat: pa.lat() + fraction * (pb.lat() - pa.lat()),
            lon: pa.lon() + fraction * (pb.lon() - pa.lon()),
            off_road_m,
            a,
            b,
            fraction,
            along,
            against,
        })
    }
}
