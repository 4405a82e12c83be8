//! `crisisbridge simulate --scenario FILE.toml`: a scenario's mobile teams on its roads, run
//! as seeded replications on every core, reported as a table, JSON or a self-contained HTML
//! page (`html.rs`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use simulate::fleet::{FleetRun, FleetSummary, PrioritySummary, simulate, summarise};
use simulate::line::LineSummary;
use simulate::replicate::{Estimate, replications};

use super::county::Figure;
use super::load::{Loaded, load};

#[derive(Debug, clap::Args)]
pub(crate) struct ScenarioArgs {
    /// The scenario file (TOML; see docs/scenarios.md).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Replications, instead of the scenario's (2 to 1000).
    #[arg(long)]
    replications: Option<usize>,
    /// Seed of the first replication, instead of the scenario's; a run is reproduced from it.
    #[arg(long)]
    seed: Option<u64>,
    /// Days simulated per replication, instead of the scenario's period.
    #[arg(long, allow_negative_numbers = true)]
    days: Option<f64>,
    /// Threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report (charts included) to this file.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// One replication: the fleet's figures, and with a `[county]` the measures of its incident
/// log (or the rule of the product it broke).
type Replication = (FleetRun, Option<Result<Vec<Figure>, String>>);

/// What a run reports, in every format.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Report {
    pub scenario: String,
    pub file: String,
    pub seed: u64,
    pub replications: usize,
    pub days: f64,
    pub warm_up_hours: f64,
    pub teams: usize,
    pub posts: usize,
    pub facilities: usize,
    pub demand: String,
    pub road_nodes: usize,
    pub threads: usize,
    pub seconds: f64,
    pub summary: FleetSummary,
    /// The 988 line, when the scenario has one.
    pub line988: Option<LineSummary>,
    /// 911 calls through the scenario's protocol: each outcome's share, and what they add.
    pub triage911: Option<TriageReport>,
    /// With a `[county]`: what was read, and the outcome report's measures over the simulated
    /// incidents.
    pub county: Option<CountyReport>,
}

/// The outcome report's measures over a county's simulated incidents.
#[derive(Debug, serde::Serialize)]
pub(crate) struct CountyReport {
    pub routing: String,
    pub measures: Vec<super::county::CountyMeasure>,
}

/// 911 calls triaged by the scenario's protocol.
#[derive(Debug, serde::Serialize)]
pub(crate) struct TriageReport {
    pub calls_per_hour: f64,
    pub outcomes: simulate::triage_mix::OutcomeShares,
    /// 911 calls per hour sent a team, and diverted to 988.
    pub team_calls_per_hour: f64,
    pub diverted_per_hour: f64,
}

pub(crate) fn run(args: &ScenarioArgs, path: &Path) -> anyhow::Result<()> {
    let mut loaded = load(path)?;
    let Loaded { scenario, .. } = &mut loaded;
    if let Some(r) = args.replications {
        if !(2..=simulate::scenario::MAX_REPLICATIONS).contains(&r) {
            bail!("--replications {r}: give 2 to 1000 (an interval needs at least two)");
        }
        scenario.replications = r;
    }
    if let Some(days) = args.days {
        let hours = days * 24.0;
        scenario.check_period(hours).map_err(|m| anyhow::anyhow!("--days {days}: {m}"))?;
        scenario.model.hours = days * 24.0;
    }
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    if threads == 0 {
        bail!("--threads 0: give 1 or more");
    }
    let mut model = loaded.road_model(path)?;
    if let Some(county) = &loaded.county {
        model = model.with_tiers(super::county::County::tiers_of(county));
    }
    let scenario = &loaded.scenario;
    let window = (
        (scenario.model.warm_up_h * 3_600_000.0).round() as u64,
        ((scenario.model.warm_up_h + scenario.model.hours) * 3_600_000.0).round() as u64,
    );
    let bar = ProgressBar::new(scenario.replications as u64).with_style(
        ProgressStyle::with_template("simulating [{bar:40}] {pos}/{len} replications, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let done = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let results: Vec<Replication> = replications(scenario.replications, threads, |i| {
        let seed = scenario.seed.wrapping_add(u64::try_from(i).unwrap_or(u64::MAX));
        let result = match &loaded.county {
            None => (simulate(&scenario.model, &mut model.travel(), seed, None), None),
            Some(county) => {
                let mut trace = simulate::fleet::Trace::without_drives_back();
                let run = simulate(&scenario.model, &mut model.travel(), seed, Some(&mut trace));
                let line = scenario.line988.as_ref();
                (run, Some(county.measure(&trace, window, &model, line, seed)))
            }
        };
        done.fetch_add(1, Ordering::Relaxed);
        bar.inc(1);
        result
    });
    let mut runs: Vec<FleetRun> = Vec::with_capacity(results.len());
    let mut figures: Vec<Vec<Figure>> = Vec::new();
    for (run, measured) in results {
        runs.push(run);
        if let Some(measured) = measured {
            figures.push(
                measured.map_err(|e| {
                    anyhow::anyhow!("writing the county's simulated incidents: {e}")
                })?,
            );
        }
    }
    let county = loaded.county.as_ref().map(|c| CountyReport {
        routing: c.note.clone(),
        measures: super::county::summarise(&figures),
    });
    // With [[center]]s the 988 contacts are the county's, measured there.
    let line988 = scenario.line988.as_ref().filter(|_| scenario.centers.is_empty()).map(|line| {
        let runs = replications(scenario.replications, threads, |i| {
            let seed = scenario.seed.wrapping_add(u64::try_from(i).unwrap_or(u64::MAX));
            simulate::line::simulate(line, scenario.model.warm_up_h, scenario.model.hours, seed)
        });
        simulate::line::summarise(line, &runs)
    });
    bar.finish_and_clear();
    let triage911 = loaded.triage.as_ref().zip(scenario.triage911.as_ref()).map(|(shares, t)| {
        let per_hour = t.calls.mean_per_hour();
        TriageReport {
            calls_per_hour: per_hour,
            team_calls_per_hour: per_hour * shares.team_share(),
            diverted_per_hour: per_hour * shares.share(domain::TriageOutcome::Divert988),
            outcomes: shares.clone(),
        }
    });
    let report = Report {
        county,
        triage911,
        line988,
        scenario: scenario.name.clone(),
        file: path.display().to_string(),
        seed: scenario.seed,
        replications: scenario.replications,
        days: scenario.model.hours / 24.0,
        warm_up_hours: scenario.model.warm_up_h,
        teams: scenario.model.teams.len(),
        posts: scenario.posts.len(),
        facilities: scenario.facilities.len(),
        demand: loaded.demand_note.clone(),
        road_nodes: loaded.graph.node_count(),
        threads,
        seconds: started.elapsed().as_secs_f64(),
        summary: summarise(&scenario.model, &runs),
    };
    if let Some(html) = &args.html {
        std::fs::write(html, super::html::page(&report))
            .with_context(|| format!("writing {}", html.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
        if let Some(html) = &args.html {
            println!("\nreport written to {}", html.display());
        }
    }
    Ok(())
}

/// An estimate as "mean ± half-width", scaled; "—" where there is no figure.
pub(crate) fn pm(e: Estimate, scale: f64, decimals: usize) -> String {
    if e.mean.is_nan() {
        return "—".into();
    }
    format!("{:.*} ± {:.*}", decimals, e.mean * scale, decimals, e.half_width * scale)
}

/// The whole fleet's figures, as the table and the HTML page show them.
pub(crate) fn summary_rows(s: &FleetSummary) -> Vec<(String, String)> {
    let d = &s.dispatch_to_on_scene;
    [
        ("calls per hour", pm(s.calls_per_hour, 1.0, 2)),
        ("utilisation", pm(s.utilisation, 100.0, 1) + " %"),
        ("offered load (λ × busy / teams)", pm(s.offered_load, 100.0, 1) + " %"),
        ("busy time per call (min)", pm(s.mean_busy_s, 1.0 / 60.0, 2)),
        ("no team free at dispatch", pm(s.queued_share, 100.0, 2) + " %"),
        ("back to 911: no provider sent a team", pm(s.returned_share, 100.0, 2) + " %"),
        ("dispatch to on scene, median (min)", pm(d.median_s, 1.0 / 60.0, 2)),
        ("dispatch to on scene, p90 (min)", pm(d.p90_s, 1.0 / 60.0, 2)),
        ("on scene within 1 h of dispatch", pm(d.within_1h, 100.0, 1) + " %"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// One priority's figures.
pub(crate) fn priority_rows(p: &PrioritySummary) -> Vec<(String, String)> {
    [
        ("calls reached per replication", pm(p.calls, 1.0, 0)),
        ("calls back to 911 per replication", pm(p.returned, 1.0, 0)),
        ("response, mean (min)", pm(p.mean_response_s, 1.0 / 60.0, 2)),
        ("response, median (min)", pm(p.median_response_s, 1.0 / 60.0, 2)),
        ("response, 90th percentile (min)", pm(p.p90_response_s, 1.0 / 60.0, 2)),
        ("within target", pm(p.within_target, 100.0, 1) + " %"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// The 988 line's figures.
pub(crate) fn line_rows(l: &LineSummary) -> Vec<(String, String)> {
    vec![
        ("contacts per replication".to_owned(), pm(l.contacts, 1.0, 0)),
        (
            format!("answered within {} s", l.answer_within_s),
            pm(l.answered_within_target, 100.0, 1) + " %",
        ),
        ("waited".to_owned(), pm(l.waited, 100.0, 1) + " %"),
        ("abandoned".to_owned(), pm(l.abandoned, 100.0, 2) + " %"),
        ("mean time in queue (s)".to_owned(), pm(l.mean_wait_s, 1.0, 1)),
        ("counselor occupancy".to_owned(), pm(l.occupancy, 100.0, 1) + " %"),
    ]
}

/// A priority's target in words: "target 60 min", or "target 60 min, rural 120 min".
pub(crate) fn target_words(target_s: f64, rural_s: Option<f64>) -> String {
    match rural_s {
        Some(r) => format!("target {} min, rural {} min", target_s / 60.0, r / 60.0),
        None => format!("target {} min", target_s / 60.0),
    }
}

/// A priority's share within target in words: "high within 8.0 min", or "high within 60.0
/// min, rural 120.0" (each call by its own target).
pub(crate) fn within_words(name: &str, target_s: f64, rural_s: Option<f64>) -> String {
    match rural_s {
        Some(r) => format!("{name} within {:.1} min, rural {:.1}", target_s / 60.0, r / 60.0),
        None => format!("{name} within {:.1} min", target_s / 60.0),
    }
}

/// The county's measures, each with its id.
pub(crate) fn county_rows(c: &CountyReport) -> Vec<(String, String)> {
    c.measures
        .iter()
        .map(|m| {
            let (scale, decimals) = match m.unit {
                "%" | "s" => (1.0, 1),
                "min" => (1.0, 2),
                _ => (1.0, 0),
            };
            let unit = if m.unit.is_empty() { String::new() } else { format!(" {}", m.unit) };
            (m.id.clone(), pm(m.estimate, scale, decimals) + &unit)
        })
        .collect()
}

/// Rows as "name value" lines, indented.
fn write_rows(out: &mut String, indent: &str, rows: &[(String, String)]) {
    use std::fmt::Write;
    let width = 34 - indent.len();
    for (name, value) in rows {
        let _ = writeln!(out, "{indent}{name:<width$} {value:>22}");
    }
}

/// The plain-text table.
pub(crate) fn table(r: &Report) -> String {
    use std::fmt::Write;
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", r.scenario, r.file);
    let _ = writeln!(
        out,
        "{} replications of {} days after a {} h warm-up, seeds {}.. — {} teams at {} posts, {} \
         facilities, demand {}, {} road nodes ({:.1} s on {} threads)",
        r.replications,
        r.days,
        r.warm_up_hours,
        r.seed,
        r.teams,
        r.posts,
        r.facilities,
        r.demand,
        r.road_nodes,
        r.seconds,
        r.threads
    );
    let _ = writeln!(
        out,
        "Each figure is the mean over replications ± its 95 % confidence half-width.\n"
    );
    write_rows(&mut out, "", &summary_rows(s));
    for p in s.priorities.iter().filter(|p| !p.calls.mean.is_nan() && p.calls.mean > 0.0) {
        let _ =
            writeln!(out, "\npriority {} ({})", p.name, target_words(p.target_s, p.rural_target_s));
        write_rows(&mut out, "  ", &priority_rows(p));
    }
    if let Some(t) = &r.triage911 {
        let _ = writeln!(
            out,
            "\n911 calls: {:.2} an hour through protocol {} ({} decided draws): {:.2} an hour sent a \
             team, {:.2} diverted to 988",
            t.calls_per_hour,
            t.outcomes.protocol,
            t.outcomes.draws,
            t.team_calls_per_hour,
            t.diverted_per_hour
        );
        for (outcome, share) in &t.outcomes.shares {
            let _ = writeln!(out, "  {outcome:<32} {:>21.1} %", share * 100.0);
        }
        if r.line988.is_none() && r.county.is_none() && t.diverted_per_hour > 0.0 {
            let _ = writeln!(
                out,
                "  (no [line988] in the scenario: the diverted calls are not simulated)"
            );
        }
    }
    if let Some(l) = &r.line988 {
        let _ = writeln!(out, "\n988 line");
        write_rows(&mut out, "  ", &line_rows(l));
    }
    if let Some(c) = &r.county {
        let _ = writeln!(
            out,
            "\nthe outcome report's measures over the simulated incidents, those not 0 in every \
             replication ({})",
            c.routing
        );
        write_rows(&mut out, "  ", &county_rows(c));
    }
    let _ = writeln!(out, "\nteam utilisation");
    let teams: Vec<(String, String)> =
        s.teams.iter().map(|(name, e)| (name.clone(), pm(*e, 100.0, 1) + " %")).collect();
    write_rows(&mut out, "  ", &teams);
    out
}
