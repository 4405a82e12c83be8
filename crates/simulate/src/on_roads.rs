//! The fleet model on a real road network ([`RoadModel`]): posts and facilities snapped to
//! the roads once, each with its times to and from every node kept (one PHAST sweep each, so
//! choosing among fifty teams for a call is fifty lookups), and calls placed where the demand
//! says — uniformly within areas drawn by weight (population), or at weighted points — and
//! snapped to the nearest road within 500 m, as the product snaps an incident.

use domain::GeoPoint;
use jurisdiction::Area;
use roads::{Graph, Query, Snap, TimesFrom, TimesTo};

use crate::fleet::{From, Tiers, Travel};
use crate::rng::Rng;

/// How far from a road a post, facility or call may be (the product's own limit).
pub const MAX_SNAP_M: f64 = 500.0;

/// Where calls come from: areas or points, each with a weight (population, past calls).
#[derive(Debug, Clone)]
pub enum Demand {
    Areas(Vec<(Area, f64)>),
    Points(Vec<(GeoPoint, f64)>),
}

/// A call's place: where it was drawn, and that point on the road.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    pub lat: f64,
    pub lon: f64,
    pub snap: Snap,
    /// Drawn in a rural area ([`RoadModel::with_rural`]).
    pub rural: bool,
}

/// A named point that must be on the network (a post, a facility).
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    pub point: GeoPoint,
}

/// The providers serving a place, by latitude and longitude (the county's routing).
pub type TiersOf = Box<dyn Fn(f64, f64) -> Tiers + Send + Sync>;

/// The road network with its posts, facilities and demand, ready for replications (shared
/// between threads; each replication takes a [`RoadTravel`]).
pub struct RoadModel<'g> {
    graph: &'g Graph,
    from_post: Vec<TimesFrom>,
    to_post: Vec<TimesTo>,
    from_facility: Vec<TimesFrom>,
    to_facility: Vec<TimesTo>,
    demand: Demand,
    /// Running totals of the demand's weights, for drawing by weight.
    cumulative: Vec<f64>,
    /// Each demand area's bounds, `[min_lon, min_lat, max_lon, max_lat]`.
    bounds: Vec<[f64; 4]>,
    /// Who is offered a call from a place, when calls are routed to providers.
    tiers_of: Option<TiersOf>,
    /// Which demand areas are rural, by their order (empty: none).
    rural: Vec<bool>,
    /// Where demand varies by the hour of the week: for each of the 168 hours, the running
    /// totals of the areas' weights that hour (empty: the same every hour).
    hourly: Vec<Vec<f64>>,
}

impl std::fmt::Debug for RoadModel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoadModel")
            .field("posts", &self.from_post.len())
            .field("facilities", &self.from_facility.len())
            .field("routed", &self.tiers_of.is_some())
            .finish_non_exhaustive()
    }
}

/// What is wrong with a post, facility or the demand, said so it can be fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffRoad {
    pub what: String,
    pub message: String,
}

impl<'g> RoadModel<'g> {
    /// Snaps every post and facility and keeps their times; refuses a point more than
    /// [`MAX_SNAP_M`] from any road, and demand with no weight or no road near it.
    pub fn new(
        graph: &'g Graph,
        posts: &[Named],
        facilities: &[Named],
        demand: Demand,
    ) -> Result<Self, OffRoad> {
        let snap = |kind: &str, n: &Named| {
            graph.snap(n.point, MAX_SNAP_M).ok_or_else(|| OffRoad {
                what: format!("{kind} {}", n.name),
                message: format!(
                    "{kind} {} at {:.6}, {:.6} is more than {MAX_SNAP_M} m from any road of the \
                     network: check its coordinates (latitude first) or use a road network that \
                     covers it",
                    n.name,
                    n.point.lat.degrees(),
                    n.point.lon.degrees()
                ),
            })
        };
        let posts: Vec<Snap> = posts.iter().map(|p| snap("post", p)).collect::<Result<_, _>>()?;
        let facilities: Vec<Snap> =
            facilities.iter().map(|f| snap("facility", f)).collect::<Result<_, _>>()?;
        let mut query = Query::new();
        let weights: Vec<f64> = match &demand {
            Demand::Areas(areas) => areas.iter().map(|(_, w)| *w).collect(),
            Demand::Points(points) => points.iter().map(|(_, w)| *w).collect(),
        };
        if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(OffRoad {
                what: "demand".into(),
                message: format!("a demand weight of {w}: give 0 or more"),
            });
        }
        let mut total = 0.0;
        let cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        if total <= 0.0 {
            return Err(OffRoad {
                what: "demand".into(),
                message: "the demand's weights are all 0: no call would have a place".into(),
            });
        }
        let bounds = match &demand {
            Demand::Areas(areas) => areas.iter().map(|(a, _)| a.bounds()).collect(),
            Demand::Points(points) => {
                for (p, w) in points.iter().filter(|(_, w)| *w > 0.0) {
                    if graph.snap(*p, MAX_SNAP_M).is_none() {
                        return Err(OffRoad {
                            what: "demand".into(),
                            message: format!(
                                "a demand point at {:.6}, {:.6} (weight {w}) is more than \
                                 {MAX_SNAP_M} m from any road: move it or leave it out",
                                p.lat.degrees(),
                                p.lon.degrees()
                            ),
                        });
                    }
                }
                Vec::new()
            }
        };
        let model = Self {
            graph,
            from_post: posts.iter().map(|s| query.times_from(graph, s)).collect(),
            to_post: posts.iter().map(|s| query.times_to(graph, s)).collect(),
            from_facility: facilities.iter().map(|s| query.times_from(graph, s)).collect(),
            to_facility: facilities.iter().map(|s| query.times_to(graph, s)).collect(),
            demand,
            cumulative,
            bounds,
            tiers_of: None,
            rural: Vec::new(),
            hourly: Vec::new(),
        };
        model.check_areas()?;
        Ok(model)
    }

    /// Every weighted area must have points near a road, found in a few thousand draws;
    /// otherwise its calls could never be placed (an area outside the road network, or one
    /// with no inside).
    fn check_areas(&self) -> Result<(), OffRoad> {
        let Demand::Areas(areas) = &self.demand else { return Ok(()) };
        let mut rng = Rng::seeded(0);
        for (k, (area, w)) in areas.iter().enumerate().filter(|(_, (_, w))| *w > 0.0) {
            if self.point_in_area(k, &mut rng, 5_000).is_none() {
                return Err(OffRoad {
                    what: "demand".into(),
                    message: format!(
                        "demand area {} (weight {w}) has no point within {MAX_SNAP_M} m of a road of \
                         the network: check that the areas and the roads cover the same place, or \
                         give the area a weight of 0",
                        area.id
                    ),
                });
            }
        }
        Ok(())
    }

    /// The same model, each call offered to the providers `tiers_of` names for its place.
    #[must_use]
    pub fn with_tiers(mut self, tiers_of: TiersOf) -> Self {
        self.tiers_of = Some(tiers_of);
        self
    }

    /// The same model, calls from the demand areas `rural` marks (in the demand's order)
    /// judged by their priority's rural target.
    #[must_use]
    pub fn with_rural(mut self, rural: Vec<bool>) -> Self {
        self.rural = rural;
        self
    }

    /// The same model, each demand area's weight multiplied hour by hour of the week by
    /// `factors` (per area, 168 each, Monday 00:00 first): where calls come from by the hour.
    /// Refused, saying which hour, when an hour would leave no weight anywhere.
    pub fn with_hourly(mut self, factors: &[Vec<f64>]) -> Result<Self, OffRoad> {
        let hours = crate::arrivals::HOURS_PER_WEEK;
        let mut hourly = Vec::with_capacity(hours);
        for h in 0..hours {
            let mut total = 0.0;
            let mut previous = 0.0;
            let running: Vec<f64> = self
                .cumulative
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let weight = c - previous;
                    previous = *c;
                    let factor = factors.get(k).and_then(|f| f.get(h)).copied().unwrap_or(1.0);
                    total += weight * factor;
                    total
                })
                .collect();
            if total <= 0.0 {
                return Err(OffRoad {
                    what: "demand".into(),
                    message: format!(
                        "[demand] profile: in hour {h} of the week ({} {:02}:00) no area has any \
                         weight left: no call could be placed then",
                        [
                            "Monday",
                            "Tuesday",
                            "Wednesday",
                            "Thursday",
                            "Friday",
                            "Saturday",
                            "Sunday"
                        ]
                        .get(h / 24)
                        .copied()
                        .unwrap_or_default(),
                        h % 24
                    ),
                });
            }
            hourly.push(running);
        }
        self.hourly = hourly;
        Ok(self)
    }

    /// A place drawn from the demand for a contact arriving at `ms` into the run: the point
    /// alone, not snapped to a road (a caller, not a team's destination).
    pub fn place_at(&self, rng: &mut Rng, ms: u64) -> (f64, f64) {
        let hour = usize::try_from((ms / 3_600_000) % 168).unwrap_or(0);
        loop {
            let k = self.pick(rng, Some(hour));
            match &self.demand {
                Demand::Points(points) => {
                    if let Some((p, _)) = points.get(k) {
                        return (p.lat.degrees(), p.lon.degrees());
                    }
                }
                Demand::Areas(areas) => {
                    let (Some((area, _)), Some(b)) = (areas.get(k), self.bounds.get(k)) else {
                        continue;
                    };
                    // Every weighted area has an inside (checked when the model was built).
                    for _ in 0..100_000 {
                        let lon = b[0] + (b[2] - b[0]) * (1.0 - rng.uniform());
                        let lat = b[1] + (b[3] - b[1]) * (1.0 - rng.uniform());
                        if jurisdiction::reference::contains(area, [lon, lat]) {
                            return (lat, lon);
                        }
                    }
                }
            }
        }
    }

    /// A replication's view, with its own query buffers.
    pub fn travel(&self) -> RoadTravel<'_, 'g> {
        RoadTravel { model: self, query: Query::new(), times: Vec::new() }
    }

    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// `n` places drawn from the demand with `seed` (demand points for planning).
    pub fn sample(&self, n: usize, seed: u64) -> Vec<Site> {
        let mut rng = Rng::seeded(seed);
        (0..n).map(|_| self.draw(&mut rng, None)).collect()
    }

    /// The index of the demand entry the draw `u` in [0, total) falls in.
    fn pick(&self, rng: &mut Rng, hour: Option<usize>) -> usize {
        let cumulative = hour.and_then(|h| self.hourly.get(h)).unwrap_or(&self.cumulative);
        let total = cumulative.last().copied().unwrap_or(0.0);
        let u = (1.0 - rng.uniform()) * total;
        cumulative.partition_point(|c| *c <= u).min(cumulative.len().saturating_sub(1))
    }

    /// A point in area `k` (uniformly, by rejection within its bounds) within [`MAX_SNAP_M`] of
    /// a road, in at most `tries` draws.
    fn point_in_area(&self, k: usize, rng: &mut Rng, tries: usize) -> Option<Site> {
        let Demand::Areas(areas) = &self.demand else { return None };
        let ((area, _), b) = (areas.get(k)?, self.bounds.get(k)?);
        (0..tries).find_map(|_| {
            let lon = b[0] + (b[2] - b[0]) * (1.0 - rng.uniform());
            let lat = b[1] + (b[3] - b[1]) * (1.0 - rng.uniform());
            if !jurisdiction::reference::contains(area, [lon, lat]) {
                return None;
            }
            let snap = self.graph.snap(GeoPoint::parse(lat, lon).ok()?, MAX_SNAP_M)?;
            Some(Site { lat, lon, snap, rural: false })
        })
    }

    /// A place drawn from the demand and snapped: an entry by weight, then for an area a point
    /// uniformly within it that has a road within [`MAX_SNAP_M`] (every weighted area was
    /// shown to have such points when the model was built).
    fn draw(&self, rng: &mut Rng, hour: Option<usize>) -> Site {
        loop {
            let k = self.pick(rng, hour);
            let site = match &self.demand {
                Demand::Points(points) => points.get(k).and_then(|(p, _)| {
                    let snap = self.graph.snap(*p, MAX_SNAP_M)?;
                    Some(Site { lat: p.lat.degrees(), lon: p.lon.degrees(), snap, rural: false })
                }),
                Demand::Areas(_) => self.point_in_area(k, rng, 1_000_000),
            };
            if let Some(mut site) = site {
                site.rural = self.rural.get(k).copied().unwrap_or(false);
                return site;
            }
        }
    }
}

/// One replication's road travel: the shared model and its own query buffers.
#[derive(Debug)]
pub struct RoadTravel<'m, 'g> {
    model: &'m RoadModel<'g>,
    query: Query,
    times: Vec<Option<roads::TravelTime>>,
}

fn millis(t: Option<roads::TravelTime>) -> Option<u64> {
    t.map(|t| u64::from(t.millis()))
}

/// A team's drive back: the route, node by node, and the post it ends at.
#[derive(Debug, Clone, PartialEq)]
pub struct Back {
    pub post: usize,
    pub route: roads::Route,
}

impl Travel for RoadTravel<'_, '_> {
    type Site = Site;
    type Route = Back;

    fn site(&mut self, rng: &mut Rng) -> Site {
        self.model.draw(rng, None)
    }

    fn site_at(&mut self, rng: &mut Rng, ms: u64) -> Site {
        let hour = usize::try_from((ms / 3_600_000) % 168).unwrap_or(0);
        self.model.draw(rng, Some(hour))
    }

    fn rural(&mut self, site: &Site) -> bool {
        site.rural
    }

    fn tiers(&mut self, site: &Site) -> Tiers {
        self.model.tiers_of.as_ref().map_or_else(Tiers::new, |f| f(site.lat, site.lon))
    }

    fn post_to_site(&mut self, post: usize, site: &Site) -> Option<u64> {
        millis(self.model.from_post.get(post)?.to(&site.snap))
    }

    fn facility_to_site(&mut self, facility: usize, site: &Site) -> Option<u64> {
        millis(self.model.from_facility.get(facility)?.to(&site.snap))
    }

    fn site_to_site(&mut self, from: &Site, to: &Site) -> Option<u64> {
        self.query.snapped_times_from(self.model.graph, &from.snap, &[to.snap], &mut self.times);
        millis(self.times.first().copied().flatten())
    }

    fn nearest_facility(&mut self, site: &Site) -> Option<(usize, u64)> {
        self.model
            .to_facility
            .iter()
            .enumerate()
            .filter_map(|(k, f)| Some((millis(f.from(&site.snap))?, k)))
            .min()
            .map(|(t, k)| (k, t))
    }

    fn route_to_post(&mut self, from: From<'_, Site>, post: usize) -> Option<(u64, Back)> {
        let to = self.model.to_post.get(post)?;
        let start = match from {
            From::Scene(site) => site.snap,
            From::Facility(f) => *self.model.from_facility.get(f)?.origin(),
        };
        // Should the walk fail (a knot of zero-time arcs), the team is taken to drive back
        // without passing a junction: sent on, it is on to its post first, then out again.
        let route = to
            .route_from(self.model.graph, &start)
            .or_else(|| Some(roads::Route { steps: Vec::new(), total: to.from(&start)? }))?;
        Some((u64::from(route.total.millis()), Back { post, route }))
    }

    fn driving_back_to_site(
        &mut self,
        teams: &[(&Back, u64)],
        site: &Site,
        out: &mut Vec<Option<u64>>,
    ) {
        out.clear();
        // Teams still before their last junction: the time to that junction, then from it.
        let mut sources = Vec::new();
        let mut ahead = Vec::with_capacity(teams.len());
        for (back, elapsed) in teams {
            let elapsed =
                roads::TravelTime::from_millis(u32::try_from(*elapsed).unwrap_or(u32::MAX));
            let next = back.route.next_node(elapsed);
            if let Some((node, _)) = next {
                sources.push(node);
            }
            ahead.push((next, elapsed));
        }
        let seeds: Vec<(roads::NodeId, roads::TravelTime)> = site.snap.arrivals().collect();
        self.query.travel_times_to(self.model.graph, &sources, &seeds, &mut self.times);
        let mut from_junction = self.times.iter();
        for ((back, _), (next, elapsed)) in teams.iter().zip(ahead) {
            let time = match next {
                Some((_, wait)) => from_junction
                    .next()
                    .copied()
                    .flatten()
                    .map(|t| u64::from(wait.millis()) + u64::from(t.millis())),
                // On the post's own segment: on to the post, then out again.
                None => {
                    let left = back.route.total.millis().saturating_sub(elapsed.millis());
                    let from_post =
                        self.model.from_post.get(back.post).and_then(|f| f.to(&site.snap));
                    millis(from_post).map(|t| t + u64::from(left))
                }
            };
            out.push(time);
        }
    }
}

/// For each candidate, the sites it reaches within `limit_ms` by road (indices into `sites`):
/// one sweep per candidate, then a few lookups per site.
pub fn covers(graph: &Graph, candidates: &[Snap], sites: &[Site], limit_ms: u64) -> Vec<Vec<u32>> {
    let mut query = Query::new();
    candidates
        .iter()
        .map(|c| {
            let from = query.times_from(graph, c);
            sites
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    from.to(&s.snap).is_some_and(|t| u64::from(t.millis()) <= limit_ms)
                })
                .filter_map(|(k, _)| u32::try_from(k).ok())
                .collect()
        })
        .collect()
}
