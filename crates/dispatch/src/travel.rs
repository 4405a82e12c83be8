//! [`TravelTimes`]: how long teams take to drive somewhere, by road when a road network is
//! loaded ([`RoadTravelTimes`]) and by the straight-line estimate otherwise
//! ([`StraightLineTravelTimes`]). Every answer says which method produced it.
//!
//! The trait is shaped for the recommendation's access pattern: one set of origins (the
//! teams that could go) and many destinations (the incident, then every coverage sample).
//! Origins are given once, so the road implementation snaps each team once per
//! recommendation, not once per destination, and keeps its buffers between calls.

use domain::GeoPoint;
use roads::{Graph, Query, Snap, TravelTime, fallback_seconds};

/// Which method an [`Eta`] came from. Dispatchers are told: a straight-line figure is an
/// estimate that ignores rivers, one-way streets and freeways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EtaSource {
    /// Shortest drive on the road network between the two points snapped to it.
    Road,
    /// Straight-line distance × [`roads::DETOUR_FACTOR`] at [`roads::FALLBACK_KMH`]: no road
    /// network, or a point too far from any road in it.
    StraightLine,
}

impl EtaSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Road => "road",
            Self::StraightLine => "straight_line",
        }
    }
}

/// A travel time in whole milliseconds, and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Eta {
    pub millis: u32,
    pub source: EtaSource,
}

impl Eta {
    pub fn seconds(self) -> f64 {
        f64::from(self.millis) / 1000.0
    }

    fn straight_line(from: GeoPoint, to: GeoPoint) -> Self {
        let millis = (fallback_seconds(from, to) * 1000.0).round();
        // Clamped into range first, so the cast cannot truncate (49 days is far enough).
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let millis = millis.clamp(0.0, f64::from(u32::MAX)) as u32;
        Self { millis, source: EtaSource::StraightLine }
    }
}

/// Travel times from a set of origins to one destination at a time.
pub trait TravelTimes {
    /// The points later [`TravelTimes::times_to`] calls start from, replacing earlier ones.
    fn set_origins(&mut self, origins: &[GeoPoint]);

    /// The time from every origin to `to`, into `out` (cleared first) in origin order.
    fn times_to(&mut self, to: GeoPoint, out: &mut Vec<Eta>);

    /// The time from each origin numbered in `which` (indices into the origins) to `to`,
    /// into `out` (cleared first) in the order of `which`; an index out of range is left
    /// out. Coverage asks this for a few teams at a time, so implementations should make it
    /// cheaper than [`TravelTimes::times_to`]; this default is not.
    fn times_to_from(&mut self, to: GeoPoint, which: &[usize], out: &mut Vec<Eta>) {
        let mut all = Vec::new();
        self.times_to(to, &mut all);
        out.clear();
        out.extend(which.iter().filter_map(|i| all.get(*i).copied()));
    }
}

/// Straight-line estimates for every pair.
#[derive(Debug, Clone, Default)]
pub struct StraightLineTravelTimes {
    origins: Vec<GeoPoint>,
}

impl StraightLineTravelTimes {
    pub fn new() -> Self {
        Self::default()
    }
}

impl TravelTimes for StraightLineTravelTimes {
    fn set_origins(&mut self, origins: &[GeoPoint]) {
        self.origins.clear();
        self.origins.extend_from_slice(origins);
    }

    fn times_to(&mut self, to: GeoPoint, out: &mut Vec<Eta>) {
        out.clear();
        out.extend(self.origins.iter().map(|from| Eta::straight_line(*from, to)));
    }

    fn times_to_from(&mut self, to: GeoPoint, which: &[usize], out: &mut Vec<Eta>) {
        out.clear();
        let origins = which.iter().filter_map(|i| self.origins.get(*i));
        out.extend(origins.map(|from| Eta::straight_line(*from, to)));
    }
}

/// Road travel times through a [`Graph`]: each point is snapped to the nearest road within
/// `max_snap_m`, and the time is the exact shortest drive between the snapped points
/// ([`Query::snapped_times_to`], equal to a plain Dijkstra's). A point with no road that
/// near — outside the network's extent, say — gets the straight-line estimate for its pairs,
/// marked as such. The distance from a point to its road is not added: within `max_snap_m`
/// it is GPS noise or a parking lot, not driving.
#[derive(Debug)]
pub struct RoadTravelTimes<'g> {
    graph: &'g Graph,
    max_snap_m: f64,
    query: Query,
    origins: Vec<GeoPoint>,
    /// Each origin snapped, or `None` when no road is within `max_snap_m`.
    snapped: Vec<Option<Snap>>,
    /// Scratch space of one query: each origin asked about with the position of its snap
    /// in `sources` (`None`: not snapped), the snaps, and the answers by snap.
    asked: Vec<(GeoPoint, Option<usize>)>,
    /// The last destination and its snap.
    last_destination: Option<(GeoPoint, Option<Snap>)>,
    sources: Vec<Snap>,
    times: Vec<Option<TravelTime>>,
    /// The snapped origins selected once, for asking about all of them again and again
    /// (coverage's sample points, an incident after another); with the origin index of each.
    reused: Option<(roads::SnappedSources, Vec<usize>)>,
}

impl<'g> RoadTravelTimes<'g> {
    /// How far from a road a point may be and still be routed by road, by default.
    pub const DEFAULT_MAX_SNAP_M: f64 = 500.0;

    pub fn new(graph: &'g Graph, max_snap_m: f64) -> Self {
        Self::with_query(graph, max_snap_m, Query::new())
    }

    /// Reuses a [`Query`]'s buffers (a node-sized array, allocated on its first use on a
    /// graph), so a server can keep a few warm queries instead of allocating per request.
    pub fn with_query(graph: &'g Graph, max_snap_m: f64, query: Query) -> Self {
        Self {
            graph,
            max_snap_m,
            query,
            origins: Vec::new(),
            snapped: Vec::new(),
            asked: Vec::new(),
            last_destination: None,
            sources: Vec::new(),
            times: Vec::new(),
            reused: None,
        }
    }

    /// Gives the query back, buffers and all, for the next request.
    pub fn into_query(self) -> Query {
        self.query
    }

    /// `to` snapped; coverage asks about a point twice when the nearest teams do not settle
    /// it, so the last one is kept.
    fn destination(&mut self, to: GeoPoint) -> Option<Snap> {
        let snap = match self.last_destination {
            Some((point, snap)) if point == to => snap,
            _ => self.graph.snap(to, self.max_snap_m),
        };
        self.last_destination = Some((to, snap));
        snap
    }

    /// Times from the origins `which` yields to `to`, in that order.
    fn times(&mut self, to: GeoPoint, which: impl Iterator<Item = usize>, out: &mut Vec<Eta>) {
        out.clear();
        self.sources.clear();
        self.asked.clear();
        for i in which {
            let (Some(from), Some(snap)) = (self.origins.get(i), self.snapped.get(i)) else {
                continue;
            };
            self.asked.push((*from, snap.map(|_| self.sources.len())));
            self.sources.extend(*snap);
        }
        let destination = self.destination(to);
        match destination {
            Some(destination) if !self.sources.is_empty() => {
                let graph = self.graph;
                self.query.snapped_times_to(graph, &self.sources, &destination, &mut self.times);
            }
            _ => self.times.clear(),
        }
        for (from, source) in &self.asked {
            let by_road = source.and_then(|k| self.times.get(k).copied().flatten());
            out.push(match by_road {
                Some(time) => Eta { millis: time.millis(), source: EtaSource::Road },
                None => Eta::straight_line(*from, to),
            });
        }
    }
}

impl TravelTimes for RoadTravelTimes<'_> {
    fn set_origins(&mut self, origins: &[GeoPoint]) {
        self.origins.clear();
        self.origins.extend_from_slice(origins);
        self.snapped.clear();
        let (graph, max_snap_m) = (self.graph, self.max_snap_m);
        self.snapped.extend(origins.iter().map(|point| graph.snap(*point, max_snap_m)));
        self.reused = None;
    }

    fn times_to(&mut self, to: GeoPoint, out: &mut Vec<Eta>) {
        // Every origin: their selection is made once (on the first ask) and reused.
        if self.reused.is_none() {
            let index: Vec<usize> =
                self.snapped.iter().enumerate().filter_map(|(i, s)| s.map(|_| i)).collect();
            let snaps: Vec<Snap> = self.snapped.iter().flatten().copied().collect();
            let sources = self.query.snapped_sources(self.graph, &snaps);
            self.reused = Some((sources, index));
        }
        let destination = self.destination(to);
        let mut by_origin: Vec<Option<TravelTime>> = vec![None; self.origins.len()];
        if let (Some(destination), Some((sources, index))) = (destination, &self.reused) {
            let graph = self.graph;
            self.query.snapped_times_with_sources(graph, sources, &destination, &mut self.times);
            for (i, time) in index.iter().zip(&self.times) {
                if let Some(slot) = by_origin.get_mut(*i) {
                    *slot = *time;
                }
            }
        }
        out.clear();
        for (from, time) in self.origins.iter().zip(by_origin) {
            out.push(match time {
                Some(time) => Eta { millis: time.millis(), source: EtaSource::Road },
                None => Eta::straight_line(*from, to),
            });
        }
    }

    fn times_to_from(&mut self, to: GeoPoint, which: &[usize], out: &mut Vec<Eta>) {
        self.times(to, which.iter().copied(), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_line_times_are_the_roads_fallback_in_milliseconds() {
        let a = GeoPoint::parse(40.0, -74.0).unwrap();
        let b = GeoPoint::parse(40.01, -74.0).unwrap();
        let mut travel = StraightLineTravelTimes::new();
        travel.set_origins(&[a, b]);
        let mut out = Vec::new();
        travel.times_to(b, &mut out);
        let want = (fallback_seconds(a, b) * 1000.0).round() as u32;
        assert_eq!(
            out,
            [
                Eta { millis: want, source: EtaSource::StraightLine },
                Eta { millis: 0, source: EtaSource::StraightLine }
            ]
        );
    }
}
