//! The dispatch recommendation: 200 available teams ranked for one incident, with coverage
//! loss over a provider area of [`CoverageArea::MAX_POINTS`] sample points, on
//!
//! - Manhattan: JEMSS's graph (`network/edges.csv.gz` through our CSV import), every ETA
//!   and every coverage time by road ([`RoadTravelTimes`]);
//! - the straight-line fallback ([`StraightLineTravelTimes`]) over the same positions.
//!
//! Each timed call is the whole [`recommend`]: eligibility, snapping the 200 teams, the
//! incident's many-to-one query, one many-to-one query per coverage point, scoring, sorting
//! and the 200 explanations. Teams, incidents and the area are drawn from a seeded generator.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use dispatch::{
    Capability, CoverageArea, CoveragePoint, EtaSource, Fix, RecommendRequest, RecommendSettings,
    ResponseTarget, RoadTravelTimes, StraightLineTravelTimes, TeamProfile, TeamState, TravelTimes,
    recommend,
};
use domain::{AgencyId, GeoPoint, IncidentId, Location, TeamId, Timestamp};
use roads::Graph;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shared data folder.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Teams per recommendation (all on shift and available: the most work).
    #[arg(long, default_value_t = 200)]
    teams: usize,
    /// Coverage sample points (at most the crate's bound).
    #[arg(long, default_value_t = CoverageArea::MAX_POINTS)]
    coverage_points: usize,
    /// Timed recommendations per configuration.
    #[arg(long, default_value_t = 500)]
    runs: usize,
}

/// A seeded xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let path = args.data.join("jemss-manhattan/network/edges.csv.gz");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let (graph, _) = roads::import::import(&bytes)?;
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let now = Timestamp::from_millis(1_800_000_000_000);
    let teams = teams(&graph, &mut rng, args.teams, now)?;
    let area = coverage_area(&graph, &mut rng, args.coverage_points)?;
    let incidents: Vec<Location> = (0..args.runs + 20)
        .map(|_| Location::circle(random_node_point(&graph, &mut rng)?, 30.0).map_err(Into::into))
        .collect::<anyhow::Result<_>>()?;
    println!(
        "Manhattan: {} nodes; {} teams on shift and available; coverage area of {} points; {} recommendations per line",
        graph.node_count(),
        teams.len(),
        area.points().len(),
        args.runs
    );
    let required = Capability::parse_all(["youth"])?;
    let settings = RecommendSettings::default();
    // 60 min: every point is reached by two of its nearest teams (the usual case). 2 min:
    // almost none is, so almost every point is asked of all 200 teams (the worst case).
    let configs = [
        ("coverage, 60 min", Some(&area), ResponseTarget::Urban),
        ("coverage, 2 min", Some(&area), ResponseTarget::Within(120)),
        ("ETA only", None, ResponseTarget::Urban),
    ];
    for (label, coverage, target) in configs {
        let mut road = RoadTravelTimes::new(&graph, RoadTravelTimes::DEFAULT_MAX_SNAP_M);
        let full = full_queries(&incidents, &teams, &required, coverage, target, &mut road, now)?;
        let times =
            time(&incidents, &teams, &required, coverage, target, &mut road, &settings, now)?;
        println!("  road,     {label:<16} {}   all-team queries: {full:.1}", stats(times));
        let mut straight = StraightLineTravelTimes::new();
        let times =
            time(&incidents, &teams, &required, coverage, target, &mut straight, &settings, now)?;
        println!("  straight, {label:<16} {}", stats(times));
    }
    // Every ETA was by road: the positions are on the network.
    let mut road = RoadTravelTimes::new(&graph, RoadTravelTimes::DEFAULT_MAX_SNAP_M);
    let location = incidents.first().context("no incidents")?;
    let request = RecommendRequest {
        location,
        required: &required,
        target: ResponseTarget::Urban,
        coverage: Some(&area),
    };
    let candidates = recommend(&request, &teams, &mut road, &settings, now)?;
    ensure!(
        candidates.iter().all(|c| c.eta.is_some_and(|e| e.source == EtaSource::Road)),
        "a team's ETA was not by road"
    );
    if let Some(best) = candidates.first() {
        println!("  e.g. {}", best.explanation);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn time(
    incidents: &[Location],
    teams: &[TeamState],
    required: &[Capability],
    coverage: Option<&CoverageArea>,
    target: ResponseTarget,
    travel: &mut dyn TravelTimes,
    settings: &RecommendSettings,
    now: Timestamp,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(incidents.len());
    for (i, location) in incidents.iter().enumerate() {
        let request = RecommendRequest { location, required, target, coverage };
        let started = Instant::now();
        let candidates = recommend(&request, teams, travel, settings, now)?;
        let elapsed = started.elapsed();
        ensure!(candidates.len() == teams.len(), "every team is listed");
        // The first 20 warm the caches and the query buffers.
        if i >= 20 {
            times.push(elapsed);
        }
    }
    Ok(times)
}

/// Travel times that count the queries asked of every origin.
struct Counting<'a> {
    inner: &'a mut dyn TravelTimes,
    all: usize,
}

impl TravelTimes for Counting<'_> {
    fn set_origins(&mut self, origins: &[GeoPoint]) {
        self.inner.set_origins(origins);
    }

    fn times_to(&mut self, to: GeoPoint, out: &mut Vec<dispatch::Eta>) {
        self.all += 1;
        self.inner.times_to(to, out);
    }

    fn times_to_from(&mut self, to: GeoPoint, which: &[usize], out: &mut Vec<dispatch::Eta>) {
        self.inner.times_to_from(to, which, out);
    }
}

/// Queries asked of all teams per recommendation, on average over 20 incidents (one of
/// them is the incident's own).
fn full_queries(
    incidents: &[Location],
    teams: &[TeamState],
    required: &[Capability],
    coverage: Option<&CoverageArea>,
    target: ResponseTarget,
    travel: &mut dyn TravelTimes,
    now: Timestamp,
) -> anyhow::Result<f64> {
    let mut counting = Counting { inner: travel, all: 0 };
    let settings = RecommendSettings::default();
    let sample = incidents.iter().take(20);
    let n = sample.len().max(1);
    for location in sample {
        let request = RecommendRequest { location, required, target, coverage };
        recommend(&request, teams, &mut counting, &settings, now)?;
    }
    Ok(counting.all as f64 / n as f64)
}

fn random_node_point(graph: &Graph, rng: &mut Rng) -> anyhow::Result<GeoPoint> {
    let n = graph.node_count() as u64;
    let node = graph.node((rng.next() % n) as usize).context("graph has no nodes")?;
    let (lat, lon) = graph.position(node).context("node without a position")?;
    Ok(GeoPoint::parse(lat, lon)?)
}

/// Teams on shift and available at random road positions, fixes 0–25 s old, with a mix of
/// capabilities and 0–3 calls in the last hours.
fn teams(
    graph: &Graph,
    rng: &mut Rng,
    count: usize,
    now: Timestamp,
) -> anyhow::Result<Vec<TeamState>> {
    let provider = AgencyId::from_uuid(uuid_from(rng.next()));
    let skills = [("youth", 0.3), ("peer", 0.5), ("lang:es", 0.2), ("emt", 0.3)];
    let mut teams = Vec::with_capacity(count);
    for i in 0..count {
        let position = random_node_point(graph, rng)?;
        let capabilities = skills
            .iter()
            .filter(|(_, share)| rng.unit() < *share)
            .map(|(name, _)| Capability::parse(name))
            .collect::<Result<_, _>>()?;
        let profile = TeamProfile {
            id: TeamId::from_uuid(uuid_from(rng.next())),
            provider,
            name: format!("Manhattan {}", i + 1),
            capabilities,
            home_base: position,
            members: Vec::new(),
        };
        let mut team = TeamState::new(profile, now.plus_millis(-36_000_000));
        team.start_shift(now.plus_millis(-36_000_000))?;
        for call in 0..rng.next() % 4 {
            let at = now.plus_millis(-3_600_000 * (call as i64 + 1));
            team.dispatch(IncidentId::from_uuid(uuid_from(rng.next())), at)?;
            team.set_status(dispatch::TeamStatus::Available, at.plus_millis(1_800_000))?;
        }
        let age = (rng.next() % 25_000) as i64;
        team.apply_fix(Fix::at_point(now.plus_millis(-age), position), now.plus_millis(-age));
        teams.push(team);
    }
    Ok(teams)
}

/// A grid over the graph's extent, kept where a road is within 300 m (Manhattan is long and
/// thin: most of its bounding box is water), thinned evenly to `count` points of weight 1.
fn coverage_area(graph: &Graph, rng: &mut Rng, count: usize) -> anyhow::Result<CoverageArea> {
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for v in 0..graph.node_count() {
        if let Some((la, lo)) = graph.node(v).and_then(|n| graph.position(n)) {
            (lat0, lat1, lon0, lon1) = (lat0.min(la), lat1.max(la), lon0.min(lo), lon1.max(lo));
        }
    }
    let mut on_land = Vec::new();
    let side = 40;
    for r in 0..side {
        for c in 0..side {
            let lat = lat0 + (lat1 - lat0) * (r as f64 + rng.unit()) / side as f64;
            let lon = lon0 + (lon1 - lon0) * (c as f64 + rng.unit()) / side as f64;
            let point = GeoPoint::parse(lat, lon)?;
            if graph.snap(point, 300.0).is_some() {
                on_land.push(CoveragePoint { point, weight: 1.0 });
            }
        }
    }
    let step = (on_land.len() / count.max(1)).max(1);
    let points: Vec<CoveragePoint> = on_land.into_iter().step_by(step).take(count).collect();
    Ok(CoverageArea::new("Manhattan", points)?)
}

fn uuid_from(bits: u64) -> uuid::Uuid {
    uuid::Uuid::from_u64_pair(bits, bits.rotate_left(17))
}

fn stats(mut times: Vec<Duration>) -> String {
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len().saturating_sub(1)) as f64 * q).round() as usize;
        times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    format!(
        "p50 {:>7.3} ms   p90 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms   ({} runs)",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        times.len()
    )
}
