//! `crisisbridge plan staffing`: the fewest counselors in each hour of the week that answer
//! the stated share of 988 contacts within the line's target, and the fewest teams — posted
//! where MEXCLP puts them — that reach the stated share of every priority's calls within its
//! target; each confirmed by simulating the scenario with it.

use std::path::PathBuf;

use anyhow::bail;
use roads::Snap;
use simulate::arrivals::HOURS_PER_WEEK;
use simulate::fleet::{FleetModel, FleetSummary, TeamSpec, simulate, summarise};
use simulate::line::{Line, LineSummary};
use simulate::on_roads::{MAX_SNAP_M, Named, RoadModel, covers};
use simulate::posts::{CoverProblem, greedy};
use simulate::replicate::replications;

use super::threads;
use crate::simulate::load::{Loaded, load};

#[derive(Debug, clap::Args)]
pub(crate) struct StaffingArgs {
    /// The scenario (its demand, service times, posts; its [line988] for counselors).
    #[arg(long)]
    scenario: PathBuf,
    /// The share of each priority's calls a team must reach within its target.
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    within_target: f64,
    /// The share of 988 contacts to answer within the line's target.
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    answered: f64,
    /// More candidate posts for the teams: a CSV of name,lat,lon.
    #[arg(long)]
    candidates: Option<PathBuf>,
    /// The most teams to try.
    #[arg(long, default_value_t = 200)]
    max_teams: usize,
    /// Replications of each confirming simulation.
    #[arg(long, default_value_t = 6)]
    replications: usize,
    /// Days per replication of each confirming simulation.
    #[arg(long, default_value_t = 28.0)]
    days: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, serde::Serialize)]
struct Counselors {
    /// The fewest counselors in each hour of the week, Monday 00:00 first.
    by_hour_of_week: Vec<u32>,
    counselor_hours_per_week: u32,
    scenario_counselor_hours_per_week: u32,
    as_planned: LineSummary,
    as_in_scenario: LineSummary,
}

#[derive(Debug, serde::Serialize)]
struct Teams {
    /// The fewest teams meeting the target, and where they are posted.
    teams: usize,
    posts: Vec<(String, usize)>,
    at_fewest: FleetSummary,
    /// One team fewer, posted the same way, for comparison (absent at one team).
    one_fewer: Option<FleetSummary>,
}

#[derive(Debug, serde::Serialize)]
struct Report {
    scenario: String,
    within_target: f64,
    answered: f64,
    replications: usize,
    days: f64,
    counselors: Option<Counselors>,
    teams: Option<Teams>,
    /// The scenario's teams have shifts, which the team count does not plan.
    shifts_ignored: bool,
}

pub(crate) fn staffing(args: &StaffingArgs) -> anyhow::Result<()> {
    for (name, share) in [("--within-target", args.within_target), ("--answered", args.answered)] {
        if !(share > 0.0 && share < 1.0) {
            bail!("{name} {share}: give a share above 0 and below 1 (0.9 is 90 %)");
        }
    }
    if !(2..=1000).contains(&args.replications) {
        bail!("--replications {}: give 2 to 1000", args.replications);
    }
    if args.max_teams == 0 || args.max_teams > 10_000 {
        bail!("--max-teams {}: give 1 to 10,000", args.max_teams);
    }
    let loaded = load(&args.scenario)?;
    loaded
        .scenario
        .check_period(args.days * 24.0)
        .map_err(|m| anyhow::anyhow!("--days {}: {m}", args.days))?;
    let counselors =
        loaded.scenario.line988.as_ref().map(|line| counselors(line, &loaded, args)).transpose()?;
    let teams = teams(&loaded, args)?;
    let report = Report {
        scenario: loaded.scenario.name.clone(),
        within_target: args.within_target,
        answered: args.answered,
        replications: args.replications,
        days: args.days,
        counselors,
        teams,
        shifts_ignored: loaded.scenario.model.teams.iter().any(|t| t.on_duty.is_some()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

fn counselors(line: &Line, loaded: &Loaded, args: &StaffingArgs) -> anyhow::Result<Counselors> {
    // Hours with the same rate need the same staff: solve each rate once.
    let mut solved: Vec<(u64, u32)> = Vec::new();
    let mut by_hour = Vec::with_capacity(HOURS_PER_WEEK);
    for h in 0..HOURS_PER_WEEK {
        let rate = line.arrivals.rate_at(h as f64 * 3600.0 + 1.0);
        let n = match solved.iter().find(|(r, _)| *r == rate.to_bits()) {
            Some((_, n)) => *n,
            None => {
                let Some(n) =
                    simulate::line::fewest_counselors(line, rate, args.answered, args.seed)
                else {
                    bail!("hour {h} of the week: more than 10,000 counselors would be needed");
                };
                solved.push((rate.to_bits(), n));
                n
            }
        };
        by_hour.push(n);
    }
    let planned = Line { counselors: by_hour.clone(), ..line.clone() };
    let warm_up = loaded.scenario.model.warm_up_h;
    let run = |l: &Line| {
        let runs = replications(args.replications, threads(), |i| {
            simulate::line::simulate(l, warm_up, args.days * 24.0, args.seed.wrapping_add(i as u64))
        });
        simulate::line::summarise(l, &runs)
    };
    Ok(Counselors {
        counselor_hours_per_week: by_hour.iter().sum(),
        scenario_counselor_hours_per_week: line.counselors.iter().sum(),
        by_hour_of_week: by_hour,
        as_planned: run(&planned),
        as_in_scenario: run(line),
    })
}

/// The fewest teams whose every priority meets the target, by doubling then bisection, each
/// team count posted by MEXCLP (greedy) and judged by simulation.
fn teams(loaded: &Loaded, args: &StaffingArgs) -> anyhow::Result<Option<Teams>> {
    let scenario = &loaded.scenario;
    let mut candidates: Vec<Named> = scenario.posts.clone();
    if let Some(path) = &args.candidates {
        candidates.extend(super::posts::read_candidates(path)?);
    }
    let graph = &loaded.graph;
    let snaps: Vec<Snap> = candidates
        .iter()
        .map(|c| {
            graph.snap(c.point, MAX_SNAP_M).ok_or_else(|| {
                anyhow::anyhow!(
                    "candidate post {} is more than {MAX_SNAP_M} m from any road",
                    c.name
                )
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let model = loaded.road_model(&args.scenario)?;
    let road_model =
        RoadModel::new(graph, &candidates, &scenario.facilities, loaded.demand.clone())
            .map_err(|e| anyhow::anyhow!(e.message))?;
    let Some(first) = scenario.model.priorities.first() else { return Ok(None) };
    let drive_s = first.target_s - scenario.model.dispatch_delay.mean_s();
    if drive_s <= 0.0 {
        bail!(
            "priority {}'s target of {:.1} min leaves no time to drive after the {:.1} min dispatch delay",
            first.name,
            first.target_s / 60.0,
            scenario.model.dispatch_delay.mean_s() / 60.0
        );
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let limit_ms = (drive_s.max(0.0) / first.travel_factor * 1000.0).floor() as u64;
    let sites = model.sample(2000, args.seed);
    let cover = covers(graph, &snaps, &sites, limit_ms);
    let per_post = 2;
    // The busy time per call, once: each team count's busy fraction is it over the count.
    let busy_per_call = super::posts::busy_per_call_s(loaded, &model, args.seed);
    let per_hour = scenario.model.arrivals.mean_per_hour();
    let place = |n: usize| -> anyhow::Result<Vec<usize>> {
        #[allow(clippy::cast_precision_loss)]
        let busy = (per_hour * busy_per_call / 3600.0 / n as f64).min(0.95);
        let problem = CoverProblem {
            covers: cover.clone(),
            weights: vec![1.0; sites.len()],
            busy,
            teams: n,
            per_post: per_post.max(n.div_ceil(candidates.len())),
        };
        problem.check().map_err(anyhow::Error::msg)?;
        Ok(greedy(&problem).teams_at)
    };
    let evaluate = |n: usize| -> anyhow::Result<(bool, FleetSummary, Vec<usize>)> {
        let at = place(n)?;
        let mut fleet: FleetModel = scenario.model.clone();
        fleet.hours = args.days * 24.0;
        fleet.teams = at
            .iter()
            .enumerate()
            .flat_map(|(post, k)| std::iter::repeat_n(post, *k))
            .enumerate()
            .map(|(k, post)| TeamSpec::new(format!("Team {}", k + 1), post))
            .collect();
        let runs = replications(args.replications, threads(), |i| {
            simulate(&fleet, &mut road_model.travel(), args.seed.wrapping_add(i as u64), None)
        });
        let summary = summarise(&fleet, &runs);
        let meets = summary
            .priorities
            .iter()
            .filter(|p| p.calls.mean > 0.0)
            .all(|p| p.within_target.mean >= args.within_target);
        Ok((meets, summary, at))
    };
    // Doubling from the scenario's own count (or from 1) until the target is met.
    let mut hi = scenario.model.teams.len().max(1);
    let mut hi_result = evaluate(hi)?;
    let mut lo = 0;
    let mut lo_result: Option<FleetSummary> = None;
    while !hi_result.0 {
        lo = hi;
        lo_result = Some(hi_result.1.clone());
        if hi >= args.max_teams {
            bail!(
                "even {hi} teams do not reach {:.0} % of every priority within its target: raise \
                 --max-teams, or lower --within-target",
                args.within_target * 100.0
            );
        }
        hi = (hi * 2).min(args.max_teams);
        hi_result = evaluate(hi)?;
    }
    // Bisection: lo fails (or is 0), hi meets. Meeting the target is taken to hold for every
    // count above one that does (more teams, re-posted, do no worse on average); the report
    // shows the count found and the one below it, which failed.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let result = evaluate(mid)?;
        if result.0 {
            hi = mid;
            hi_result = result;
        } else {
            lo = mid;
            lo_result = Some(result.1);
        }
    }
    // lo = hi - 1 here; its figures are those it failed with (none at one team).
    let one_fewer = if hi > 1 { lo_result } else { None };
    let (_, at_fewest, at) = hi_result;
    Ok(Some(Teams {
        teams: hi,
        posts: candidates
            .iter()
            .zip(&at)
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| (c.name.clone(), *n))
            .collect(),
        at_fewest,
        one_fewer,
    }))
}

fn pm(e: simulate::replicate::Estimate, scale: f64, decimals: usize) -> String {
    if e.mean.is_nan() {
        return "—".into();
    }
    format!("{:.*} ± {:.*}", decimals, e.mean * scale, decimals, e.half_width * scale)
}

fn table(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: staffing to targets, each confirmed by {} replications of {} days",
        r.scenario, r.replications, r.days
    );
    if let Some(c) = &r.counselors {
        let _ = writeln!(
            out,
            "\n988 counselors: the fewest each hour answering {:.0} % within {} s",
            r.answered * 100.0,
            c.as_planned.answer_within_s
        );
        let _ = writeln!(out, "       {}", (0..24).map(|h| format!("{h:>3}")).collect::<String>());
        for (d, day) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].iter().enumerate() {
            let row: String =
                c.by_hour_of_week.iter().skip(d * 24).take(24).map(|n| format!("{n:>3}")).collect();
            let _ = writeln!(out, "  {day}  {row}");
        }
        let _ = writeln!(
            out,
            "  counselor-hours a week: {} (the scenario's staffing: {})",
            c.counselor_hours_per_week, c.scenario_counselor_hours_per_week
        );
        let _ = writeln!(out, "  {:<30} {:>20} {:>20}", "", "as planned", "as in the scenario");
        for (name, a, b, scale, unit) in [
            (
                "answered within target",
                c.as_planned.answered_within_target,
                c.as_in_scenario.answered_within_target,
                100.0,
                " %",
            ),
            ("abandoned", c.as_planned.abandoned, c.as_in_scenario.abandoned, 100.0, " %"),
            (
                "mean time in queue (s)",
                c.as_planned.mean_wait_s,
                c.as_in_scenario.mean_wait_s,
                1.0,
                "",
            ),
            (
                "counselor occupancy",
                c.as_planned.occupancy,
                c.as_in_scenario.occupancy,
                100.0,
                " %",
            ),
        ] {
            let _ = writeln!(
                out,
                "  {name:<30} {:>20} {:>20}",
                pm(a, scale, 1) + unit,
                pm(b, scale, 1) + unit
            );
        }
    } else {
        let _ = writeln!(out, "\n(no [line988] in the scenario: no counselor plan)");
    }
    if r.shifts_ignored {
        let _ = writeln!(
            out,
            "\n(the scenario's teams have shifts; these team counts are for teams working every hour)"
        );
    }
    if let Some(t) = &r.teams {
        let _ = writeln!(
            out,
            "\nteams: the fewest reaching {:.0} % of every priority within its target: {}",
            r.within_target * 100.0,
            t.teams
        );
        for (name, n) in &t.posts {
            let _ = writeln!(out, "  {name:<40} {n}");
        }
        let _ = writeln!(
            out,
            "  {:<30} {:>20} {:>20}",
            "",
            format!("{} teams", t.teams),
            if t.teams > 1 { format!("{} teams", t.teams - 1) } else { "—".to_owned() }
        );
        for (k, p) in t.at_fewest.priorities.iter().enumerate() {
            if p.calls.mean <= 0.0 {
                continue;
            }
            let fewer = t
                .one_fewer
                .as_ref()
                .and_then(|f| f.priorities.get(k))
                .map_or_else(|| "—".to_owned(), |q| pm(q.within_target, 100.0, 1) + " %");
            let _ = writeln!(
                out,
                "  {:<30} {:>20} {:>20}",
                format!("{} within {:.1} min", p.name, p.target_s / 60.0),
                pm(p.within_target, 100.0, 1) + " %",
                fewer
            );
        }
    }
    out
}
