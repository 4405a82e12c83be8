//! `crisisbridge plan posts`: where to post a number of teams so that as much demand as
//! possible has a free team within the target (MEXCLP, `simulate::posts`), the heuristic's
//! choice beside the exact optimum where the instance is small enough to prove, and the
//! choice confirmed by simulating the scenario with the teams posted there.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use domain::GeoPoint;
use roads::Snap;
use simulate::fleet::{FleetModel, FleetSummary, TeamSpec, simulate, summarise};
use simulate::on_roads::{MAX_SNAP_M, Named, RoadModel, covers};
use simulate::posts::{CoverProblem, Exact, Placement, exact, greedy};
use simulate::replicate::{Estimate, replications};

use super::threads;
use crate::simulate::load::{Loaded, load};
use crate::simulate::pm;

#[derive(Debug, clap::Args)]
pub(crate) struct PostsArgs {
    /// The scenario (its roads, demand, service times, posts and teams).
    #[arg(long)]
    scenario: PathBuf,
    /// Teams to post.
    #[arg(long)]
    teams: usize,
    /// More candidate posts: a CSV of name,lat,lon (the scenario's posts are always candidates).
    #[arg(long)]
    candidates: Option<PathBuf>,
    /// Demand points drawn from the scenario's demand.
    #[arg(long, default_value_t = 2000)]
    demand_points: usize,
    /// The response target, minutes from the call (default: the most urgent priority's);
    /// the drive must fit in it after the mean dispatch delay.
    #[arg(long, allow_negative_numbers = true)]
    target_minutes: Option<f64>,
    /// The probability that a team is busy (default: estimated by simulating the scenario).
    #[arg(long, allow_negative_numbers = true)]
    busy_fraction: Option<f64>,
    /// The most teams one post may hold.
    #[arg(long, default_value_t = 2)]
    per_post: usize,
    /// Solve the integer program exactly: auto (when small enough), always or never.
    #[arg(long, default_value = "auto")]
    exact: String,
    /// Time allowed for the exact solve, seconds.
    #[arg(long, default_value_t = 60.0)]
    exact_seconds: f64,
    /// Replications of the confirming simulation (0: none).
    #[arg(long, default_value_t = 10)]
    replications: usize,
    /// Days per replication of the confirming simulation.
    #[arg(long, default_value_t = 60.0)]
    days: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Instances at most this large are solved exactly under `--exact auto`.
const EXACT_CANDIDATES: usize = 100;
const EXACT_CELLS: usize = 40_000;
/// The largest instance `--exact always` builds (its coverage variables).
const EXACT_CELLS_MOST: usize = 2_000_000;

#[derive(Debug, serde::Serialize)]
struct PostReport {
    name: String,
    lat: f64,
    lon: f64,
    teams: usize,
}

#[derive(Debug, serde::Serialize)]
struct Confirmation {
    replications: usize,
    days: f64,
    now: FleetSummary,
    recommended: FleetSummary,
}

#[derive(Debug, serde::Serialize)]
struct Report {
    scenario: String,
    teams: usize,
    candidates: usize,
    demand_points: usize,
    target_minutes: f64,
    drive_limit_minutes: f64,
    busy_fraction: f64,
    busy_fraction_from: &'static str,
    /// The expected share of demand with a free team within the target.
    heuristic_coverage: f64,
    heuristic_seconds: f64,
    exact_coverage: Option<f64>,
    exact_proven: Option<bool>,
    exact_seconds: Option<f64>,
    /// (exact − heuristic) / exact.
    heuristic_gap: Option<f64>,
    current_coverage: Option<f64>,
    posts: Vec<PostReport>,
    confirmation: Option<Confirmation>,
}

pub(crate) fn posts(args: &PostsArgs) -> anyhow::Result<()> {
    if args.teams == 0 || args.teams > 10_000 {
        bail!("--teams {}: give 1 to 10,000", args.teams);
    }
    if !(10..=200_000).contains(&args.demand_points) {
        bail!("--demand-points {}: give 10 to 200,000", args.demand_points);
    }
    if args.per_post == 0 {
        bail!("--per-post 0: give 1 or more");
    }
    if !matches!(args.exact.as_str(), "auto" | "always" | "never") {
        bail!("--exact {}: give auto, always or never", args.exact);
    }
    if !(args.exact_seconds.is_finite()
        && args.exact_seconds > 0.0
        && args.exact_seconds <= 86_400.0)
    {
        bail!("--exact-seconds {}: give above 0, at most a day", args.exact_seconds);
    }
    if args.replications == 1 || args.replications > 1000 {
        bail!("--replications {}: give 0 (no confirming run) or 2 to 1000", args.replications);
    }
    let loaded = load(&args.scenario)?;
    super::without_county(&loaded, &args.scenario)?;
    loaded
        .scenario
        .check_period(args.days * 24.0)
        .map_err(|m| anyhow::anyhow!("--days {}: {m}", args.days))?;
    let scenario = &loaded.scenario;
    let Some(first) = scenario.model.priorities.first() else {
        bail!("the scenario has no priority")
    };
    let target_s = match args.target_minutes {
        Some(m) if !(m.is_finite() && m > 0.0) => bail!("--target-minutes {m}: give above 0"),
        Some(m) => m * 60.0,
        None => first.target_s,
    };
    let limit_ms = drive_limit_ms(&scenario.model, target_s)?;
    let (candidates, snaps) = snapped_candidates(&loaded, args.candidates.as_deref())?;
    let graph = &loaded.graph;
    let model = loaded.road_model(&args.scenario)?;
    let sites = model.sample(args.demand_points, args.seed);

    let (busy, busy_from) = match args.busy_fraction {
        Some(q) if !(0.0..1.0).contains(&q) => bail!("--busy-fraction {q}: give 0 to below 1"),
        Some(q) => (q, "given"),
        None => (estimate_busy(&loaded, &model, args.teams, args.seed)?, "simulated"),
    };
    let problem = CoverProblem {
        covers: covers(graph, &snaps, &sites, limit_ms),
        weights: vec![1.0; sites.len()],
        busy,
        teams: args.teams,
        per_post: args.per_post,
    };
    problem.check().map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let heuristic = greedy(&problem);
    let heuristic_seconds = started.elapsed().as_secs_f64();
    let small = candidates.len() <= EXACT_CANDIDATES
        && args.demand_points.saturating_mul(args.teams) <= EXACT_CELLS;
    if args.exact == "always" && args.demand_points.saturating_mul(args.teams) > EXACT_CELLS_MOST {
        bail!(
            "--exact always: {} demand points × {} teams is too large for the exact program (at \
             most {EXACT_CELLS_MOST}); use fewer --demand-points",
            args.demand_points,
            args.teams
        );
    }
    let solve_exact = match args.exact.as_str() {
        "always" => true,
        "never" => false,
        _ => small,
    };
    let started = Instant::now();
    let exact: Option<Exact> = if solve_exact {
        exact(&problem, Some(&heuristic), Duration::from_secs_f64(args.exact_seconds))
            .map_err(anyhow::Error::msg)?
    } else {
        None
    };
    let exact_seconds = solve_exact.then(|| started.elapsed().as_secs_f64());
    let total = problem.weights.iter().sum::<f64>().max(1.0);
    // The scenario's own posting, when it has as many teams.
    let current = (scenario.model.teams.len() == args.teams).then(|| {
        let mut at = vec![0usize; candidates.len()];
        for t in &scenario.model.teams {
            if let Some(n) = at.get_mut(t.post) {
                *n += 1;
            }
        }
        problem.objective(&at) / total
    });
    let best = exact
        .as_ref()
        .filter(|e| e.placement.objective > heuristic.objective)
        .map_or(&heuristic, |e| &e.placement);
    let confirmation =
        (args.replications > 0).then(|| confirm(&loaded, &candidates, best, args)).transpose()?;
    let report = Report {
        scenario: scenario.name.clone(),
        teams: args.teams,
        candidates: candidates.len(),
        demand_points: sites.len(),
        target_minutes: target_s / 60.0,
        #[allow(clippy::cast_precision_loss)]
        drive_limit_minutes: limit_ms as f64 / 60_000.0 * first.travel_factor,
        busy_fraction: busy,
        busy_fraction_from: busy_from,
        heuristic_coverage: heuristic.objective / total,
        heuristic_seconds,
        exact_coverage: exact.as_ref().map(|e| e.placement.objective / total),
        exact_proven: exact.as_ref().map(|e| e.proven),
        exact_seconds,
        heuristic_gap: exact.as_ref().map(|e| {
            (e.placement.objective - heuristic.objective)
                / e.placement.objective.max(f64::MIN_POSITIVE)
        }),
        current_coverage: current,
        posts: candidates
            .iter()
            .zip(&best.teams_at)
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| PostReport {
                name: c.name.clone(),
                lat: c.point.lat.degrees(),
                lon: c.point.lon.degrees(),
                teams: *n,
            })
            .collect(),
        confirmation,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

/// The road time within which a post covers a point for a call of the most urgent priority
/// with this target: the target less the mean dispatch delay, over the priority's travel-time
/// factor.
pub(crate) fn drive_limit_ms(model: &FleetModel, target_s: f64) -> anyhow::Result<u64> {
    let Some(first) = model.priorities.first() else { bail!("the scenario has no priority") };
    let drive_s = target_s - model.dispatch_delay.mean_s();
    if drive_s <= 0.0 {
        bail!(
            "a target of {:.1} min leaves no time to drive after the {:.1} min dispatch delay: give a longer target",
            target_s / 60.0,
            model.dispatch_delay.mean_s() / 60.0
        );
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let limit_ms = (drive_s / first.travel_factor * 1000.0).floor() as u64;
    Ok(limit_ms)
}

/// The candidate posts — the scenario's, then those of the CSV `file` — each snapped to the
/// roads; one more than 500 m from any road is refused, saying which.
pub(crate) fn snapped_candidates(
    loaded: &Loaded,
    file: Option<&Path>,
) -> anyhow::Result<(Vec<Named>, Vec<Snap>)> {
    let mut candidates: Vec<Named> = loaded.scenario.posts.clone();
    if let Some(path) = file {
        candidates.extend(read_candidates(path)?);
    }
    let snaps = candidates
        .iter()
        .map(|c| {
            loaded.graph.snap(c.point, MAX_SNAP_M).with_context(|| {
                format!(
                    "candidate post {} at {:.6}, {:.6} is more than {MAX_SNAP_M} m from any road: move it or leave it out",
                    c.name,
                    c.point.lat.degrees(),
                    c.point.lon.degrees()
                )
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok((candidates, snaps))
}

/// One post index per team, for teams posted `teams_at` (teams per candidate).
pub(crate) fn posted(teams_at: &[usize]) -> impl Iterator<Item = usize> + '_ {
    teams_at.iter().enumerate().flat_map(|(post, n)| std::iter::repeat_n(post, *n))
}

/// The mean busy time per call (s) of the scenario as it stands, from a short simulation.
pub(crate) fn busy_per_call_s(loaded: &Loaded, model: &RoadModel<'_>, seed: u64) -> f64 {
    let mut fleet = loaded.scenario.model.clone();
    fleet.hours = 14.0 * 24.0;
    let runs = replications(4, threads(), |i| {
        simulate(&fleet, &mut model.travel(), seed.wrapping_add(i as u64), None)
    });
    Estimate::of(&runs.iter().map(|r| r.mean_busy_s).collect::<Vec<_>>()).mean
}

/// The fleet's busy fraction with `teams` teams: the scenario simulated as it stands for the
/// busy time per call, then arrival rate × busy time / teams.
pub(crate) fn estimate_busy(
    loaded: &Loaded,
    model: &RoadModel<'_>,
    teams: usize,
    seed: u64,
) -> anyhow::Result<f64> {
    let busy_s = busy_per_call_s(loaded, model, seed);
    let per_hour = loaded.scenario.model.arrivals.mean_per_hour();
    #[allow(clippy::cast_precision_loss)]
    let q = per_hour * busy_s / 3600.0 / teams as f64;
    if q >= 1.0 {
        bail!(
            "{teams} teams cannot keep up: {per_hour:.1} calls an hour × {:.1} min busy each needs more than {teams} teams busy all the time; post more teams",
            busy_s / 60.0
        );
    }
    Ok(q)
}

/// The scenario simulated as it stands and with the teams posted as recommended, on the same
/// calls (one seed).
fn confirm(
    loaded: &Loaded,
    candidates: &[Named],
    placement: &Placement,
    args: &PostsArgs,
) -> anyhow::Result<Confirmation> {
    let scenario = &loaded.scenario;
    let mut now = scenario.model.clone();
    now.hours = args.days * 24.0;
    let mut recommended: FleetModel = now.clone();
    recommended.teams = posted(&placement.teams_at)
        .enumerate()
        .map(|(k, post)| TeamSpec::new(format!("Team {}", k + 1), post))
        .collect();
    let run = |fleet: &FleetModel, posts: &[Named]| -> anyhow::Result<FleetSummary> {
        let model = loaded.demand_model(posts)?;
        let runs = replications(args.replications, threads(), |i| {
            simulate(fleet, &mut model.travel(), args.seed.wrapping_add(i as u64), None)
        });
        Ok(summarise(fleet, &runs))
    };
    Ok(Confirmation {
        replications: args.replications,
        days: args.days,
        now: run(&now, &scenario.posts)?,
        recommended: run(&recommended, candidates)?,
    })
}

pub(crate) fn read_candidates(path: &Path) -> anyhow::Result<Vec<Named>> {
    let file = path.display();
    let bytes = std::fs::read(path).with_context(|| format!("reading {file}"))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().with_context(|| format!("{file}: reading the header"))?.clone();
    if headers.iter().map(str::trim).collect::<Vec<_>>() != ["name", "lat", "lon"] {
        bail!("{file}:1: the header must be name,lat,lon");
    }
    let mut out: Vec<Named> = Vec::new();
    for (k, row) in reader.records().enumerate() {
        let line = k + 2;
        let row = row.with_context(|| format!("{file}:{line}"))?;
        let name = row.get(0).map(str::trim).unwrap_or_default().to_owned();
        if name.is_empty() {
            bail!("{file}:{line}: a candidate without a name");
        }
        let number = |i: usize, what: &str| -> anyhow::Result<f64> {
            row.get(i)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .with_context(|| format!("{file}:{line}: {what} is not a number"))
        };
        let point = GeoPoint::parse(number(1, "lat")?, number(2, "lon")?)
            .map_err(|e| anyhow::anyhow!("{file}:{line}: {e}"))?;
        out.push(Named { name, point });
    }
    Ok(out)
}

fn table(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ =
        writeln!(out, "{}: {} teams among {} candidate posts", r.scenario, r.teams, r.candidates);
    let _ = writeln!(
        out,
        "covering {} demand points within {:.1} min of the call ({:.2} min of driving); a team is busy {:.1} % of the time ({})\n",
        r.demand_points,
        r.target_minutes,
        r.drive_limit_minutes,
        r.busy_fraction * 100.0,
        r.busy_fraction_from
    );
    let _ = writeln!(out, "expected demand covered by a free team:");
    let _ = writeln!(
        out,
        "  heuristic (greedy + moves)   {:>7.2} %   ({:.2} s)",
        r.heuristic_coverage * 100.0,
        r.heuristic_seconds
    );
    match (r.exact_coverage, r.exact_proven, r.exact_seconds) {
        (Some(c), Some(proven), Some(s)) => {
            let what = if proven { "optimum (exact MILP)" } else { "best found (MILP, time up)" };
            let _ = writeln!(out, "  {what:<28} {:>7.2} %   ({s:.2} s)", c * 100.0);
            let _ = writeln!(
                out,
                "  heuristic's gap              {:>7.3} %",
                r.heuristic_gap.unwrap_or(0.0) * 100.0
            );
        }
        (_, _, Some(s)) => {
            let _ = writeln!(
                out,
                "  (the exact solve found no placement in {s:.1} s: give more --exact-seconds)"
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  (no exact solve: the instance is too large to prove; --exact always to try)"
            );
        }
    }
    if let Some(c) = r.current_coverage {
        let _ = writeln!(out, "  the scenario's own posting   {:>7.2} %", c * 100.0);
    }
    let _ = writeln!(out, "\nrecommended posts:");
    for p in &r.posts {
        let _ = writeln!(
            out,
            "  {:<40} {} team{}   ({:.6}, {:.6})",
            p.name,
            p.teams,
            if p.teams == 1 { "" } else { "s" },
            p.lat,
            p.lon
        );
    }
    if let Some(c) = &r.confirmation {
        let _ = writeln!(
            out,
            "\nconfirmed by simulation ({} replications of {} days, the same calls for both; mean ± 95 % half-width):",
            c.replications, c.days
        );
        let _ = writeln!(out, "  {:<34} {:>20} {:>20}", "", "as posted now", "as recommended");
        for (now, rec) in c.now.priorities.iter().zip(&c.recommended.priorities) {
            if now.calls.mean.is_nan() || now.calls.mean == 0.0 {
                continue;
            }
            let _ = writeln!(
                out,
                "  {:<34} {:>20} {:>20}",
                crate::simulate::within_words(&now.name, now.target_s, now.rural_target_s),
                pm(now.within_target, 100.0, 1) + " %",
                pm(rec.within_target, 100.0, 1) + " %"
            );
            let _ = writeln!(
                out,
                "  {:<34} {:>20} {:>20}",
                format!("{} mean response (min)", now.name),
                pm(now.mean_response_s, 1.0 / 60.0, 2),
                pm(rec.mean_response_s, 1.0 / 60.0, 2)
            );
        }
        let _ = writeln!(
            out,
            "  {:<34} {:>20} {:>20}",
            "utilisation",
            pm(c.now.utilisation, 100.0, 1) + " %",
            pm(c.recommended.utilisation, 100.0, 1) + " %"
        );
    }
    out
}
