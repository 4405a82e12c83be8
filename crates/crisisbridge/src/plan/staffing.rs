//! `crisisbridge plan staffing`: the fewest counselors in each hour of the week that answer
//! the stated share of 988 contacts within the line's target, and the fewest teams — posted
//! where MEXCLP puts them — that reach the stated share of every priority's calls within its
//! target; each confirmed by simulating the scenario with it.

use std::path::PathBuf;

use anyhow::bail;
use simulate::arrivals::HOURS_PER_WEEK;
use simulate::fleet::{FleetModel, FleetSummary, TeamSpec, simulate, summarise};
use simulate::line::{Line, LineSummary};
use simulate::on_roads::covers;
use simulate::posts::{CoverProblem, greedy};
use simulate::replicate::replications;

use super::threads;
use crate::simulate::load::{Loaded, load};
use crate::simulate::pm;

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

/// A priority's share reached within target over the calls arriving in a shift's hours.
#[derive(Debug, Clone, serde::Serialize)]
struct PrioritySlice {
    name: String,
    target_s: f64,
    rural_target_s: Option<f64>,
    within_target: simulate::replicate::Estimate,
}

/// The fewest teams on one shift, and where they are posted.
#[derive(Debug, serde::Serialize)]
struct ShiftTeams {
    shift: String,
    teams: usize,
    /// How many the scenario has on it.
    scenario_teams: usize,
    posts: Vec<(String, usize)>,
    /// Each priority within target over the calls arriving in the shift's hours, at the
    /// fewest count (with every shift at its planned count).
    at_fewest: Vec<PrioritySlice>,
    /// The same with one team fewer on this shift and every other as planned (absent at one).
    one_fewer: Option<Vec<PrioritySlice>>,
    /// Whether, with every shift at its planned count, this shift's hours meet the target
    /// (shifts planned one after another interact where their hours meet).
    meets_target: bool,
}

#[derive(Debug, serde::Serialize)]
struct Teams {
    shifts: Vec<ShiftTeams>,
    /// The whole fleet as planned, simulated.
    fleet: FleetSummary,
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
    super::without_county(&loaded, &args.scenario)?;
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

/// The fewest teams on each shift whose every priority meets the target over the calls that
/// arrive in its hours, by doubling then bisection, shift after shift; each count posted by
/// MEXCLP (greedy) and judged by simulating the whole fleet.
fn teams(loaded: &Loaded, args: &StaffingArgs) -> anyhow::Result<Option<Teams>> {
    let scenario = &loaded.scenario;
    let (candidates, snaps) = super::posts::snapped_candidates(loaded, args.candidates.as_deref())?;
    let graph = &loaded.graph;
    let model = loaded.road_model(&args.scenario)?;
    let road_model = loaded.demand_model(&candidates)?;
    let Some(first) = scenario.model.priorities.first() else { return Ok(None) };
    let limit_ms = super::posts::drive_limit_ms(&scenario.model, first.target_s)?;
    let sites = model.sample(2000, args.seed);
    let cover = covers(graph, &snaps, &sites, limit_ms);
    // The scenario's teams by shift (a team without one works every hour), in order.
    let mut groups: Vec<(String, Option<Vec<bool>>, usize)> = Vec::new();
    for t in &scenario.model.teams {
        let name = t.shift.clone().unwrap_or_else(|| "every hour".to_owned());
        match groups.iter_mut().find(|(g, _, _)| *g == name) {
            Some((_, _, n)) => *n += 1,
            None => groups.push((name, t.on_duty.clone(), 1)),
        }
    }
    let hours_of = |g: usize| -> Vec<bool> {
        groups.get(g).and_then(|(_, h, _)| h.clone()).unwrap_or_else(|| vec![true; 168])
    };
    // The busy time per call, once: a count's busy fraction is it over the teams on duty.
    let busy_per_call = super::posts::busy_per_call_s(loaded, &model, args.seed);
    let per_hour = scenario.model.arrivals.mean_per_hour();
    let place = |n: usize, on_duty_teams: f64| -> anyhow::Result<Vec<usize>> {
        let busy = (per_hour * busy_per_call / 3600.0 / on_duty_teams.max(1.0)).min(0.95);
        let problem = CoverProblem {
            covers: cover.clone(),
            weights: vec![1.0; sites.len()],
            busy,
            teams: n,
            per_post: 2usize.max(n.div_ceil(candidates.len())),
        };
        problem.check().map_err(anyhow::Error::msg)?;
        Ok(greedy(&problem).teams_at)
    };
    // Every group posted by MEXCLP at its count, simulated together; per group, whether the
    // calls arriving in its hours meet the target, and those figures.
    let evaluate = |counts: &[usize]| -> anyhow::Result<Evaluation> {
        #[allow(clippy::cast_precision_loss)]
        let on_duty: f64 = counts
            .iter()
            .enumerate()
            .map(|(g, n)| *n as f64 * hours_of(g).iter().filter(|h| **h).count() as f64 / 168.0)
            .sum();
        let mut fleet: FleetModel = scenario.model.clone();
        fleet.hours = args.days * 24.0;
        fleet.teams = Vec::new();
        let mut placements = Vec::new();
        for (g, n) in counts.iter().enumerate() {
            let at = place(*n, on_duty)?;
            for post in super::posts::posted(&at) {
                let k = fleet.teams.len() + 1;
                let (name, hours, _) = groups.get(g).cloned().unwrap_or_default();
                fleet.teams.push(TeamSpec {
                    on_duty: hours,
                    shift: Some(name),
                    ..TeamSpec::new(format!("Team {k}"), post)
                });
            }
            placements.push(at);
        }
        let runs = replications(args.replications, threads(), |i| {
            simulate(&fleet, &mut road_model.travel(), args.seed.wrapping_add(i as u64), None)
        });
        let slices: Vec<Vec<PrioritySlice>> = (0..counts.len())
            .map(|g| {
                let hours = hours_of(g);
                scenario
                    .model
                    .priorities
                    .iter()
                    .enumerate()
                    .map(|(k, p)| {
                        let values: Vec<f64> = runs
                            .iter()
                            .filter_map(|r| r.priorities.get(k))
                            .map(|r| r.within_target_in(&hours))
                            .filter(|v| !v.is_nan())
                            .collect();
                        // No call of this priority in these hours: no figure.
                        let within_target = if values.is_empty() {
                            simulate::replicate::Estimate { mean: f64::NAN, half_width: f64::NAN }
                        } else {
                            simulate::replicate::Estimate::of(&values)
                        };
                        PrioritySlice {
                            name: p.name.clone(),
                            target_s: p.target_s,
                            rural_target_s: p.rural_target_s,
                            within_target,
                        }
                    })
                    .collect()
            })
            .collect();
        let meets = slices
            .iter()
            .map(|s| {
                s.iter()
                    .filter(|p| !p.within_target.mean.is_nan())
                    .all(|p| p.within_target.mean >= args.within_target)
            })
            .collect();
        Ok(Evaluation { meets, slices, placements, summary: summarise(&fleet, &runs) })
    };
    // One shift at a time, the others at their counts so far: doubling from the scenario's
    // count until its hours meet the target, then bisection. Meeting it is taken to hold for
    // every count above one that does; the report shows the count found and the one below.
    let mut counts: Vec<usize> = groups.iter().map(|(_, _, n)| (*n).max(1)).collect();
    let mut plans = Vec::new();
    let mut last: Option<Evaluation> = None;
    for g in 0..groups.len() {
        let with = |n: usize| {
            let mut c = counts.clone();
            if let Some(slot) = c.get_mut(g) {
                *slot = n;
            }
            c
        };
        let mut hi = counts.get(g).copied().unwrap_or(1);
        let mut hi_result = evaluate(&with(hi))?;
        let mut lo = 0;
        while !hi_result.meets.get(g).copied().unwrap_or(false) {
            lo = hi;
            if hi >= args.max_teams {
                bail!(
                    "even {hi} teams on shift {} do not reach {:.0} % of every priority within its \
                     target in its hours: raise --max-teams, or lower --within-target",
                    groups.get(g).map_or("", |(n, _, _)| n.as_str()),
                    args.within_target * 100.0
                );
            }
            hi = (hi * 2).min(args.max_teams);
            hi_result = evaluate(&with(hi))?;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let result = evaluate(&with(mid))?;
            if result.meets.get(g).copied().unwrap_or(false) {
                hi = mid;
                hi_result = result;
            } else {
                lo = mid;
            }
        }
        if let Some(slot) = counts.get_mut(g) {
            *slot = hi;
        }
        plans.push(g);
        last = Some(hi_result);
    }
    // The final counts together (the last shift's evaluation is of them); one team fewer on
    // each shift is judged against them too.
    let Some(final_run) = last else { return Ok(None) };
    let mut fewer = Vec::with_capacity(plans.len());
    for g in &plans {
        let n = counts.get(*g).copied().unwrap_or(1);
        fewer.push(if n > 1 {
            let mut c = counts.clone();
            if let Some(slot) = c.get_mut(*g) {
                *slot = n - 1;
            }
            evaluate(&c)?.slices.get(*g).cloned()
        } else {
            None
        });
    }
    let shifts = plans
        .into_iter()
        .zip(fewer)
        .map(|(g, one_fewer)| ShiftTeams {
            meets_target: final_run.meets.get(g).copied().unwrap_or(false),
            shift: groups.get(g).map_or_else(String::new, |(name, _, _)| name.clone()),
            teams: counts.get(g).copied().unwrap_or(1),
            scenario_teams: groups.get(g).map_or(0, |(_, _, k)| *k),
            posts: candidates
                .iter()
                .zip(final_run.placements.get(g).map(Vec::as_slice).unwrap_or(&[]))
                .filter(|(_, n)| **n > 0)
                .map(|(c, n)| (c.name.clone(), *n))
                .collect(),
            at_fewest: final_run.slices.get(g).cloned().unwrap_or_default(),
            one_fewer,
        })
        .collect();
    Ok(Some(Teams { shifts, fleet: final_run.summary }))
}

/// One evaluation of team counts per shift.
struct Evaluation {
    meets: Vec<bool>,
    slices: Vec<Vec<PrioritySlice>>,
    placements: Vec<Vec<usize>>,
    summary: FleetSummary,
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
    if let Some(t) = &r.teams {
        for plan in &t.shifts {
            let _ = writeln!(
                out,
                "\nteams on {}: the fewest reaching {:.0} % of every priority within its target in its hours: {} (the scenario has {})",
                plan.shift,
                r.within_target * 100.0,
                plan.teams,
                plan.scenario_teams
            );
            if !plan.meets_target {
                let _ = writeln!(
                    out,
                    "  (with every shift as planned, this shift's hours miss the target: the shifts \
                     interact where their hours meet; add a team here)"
                );
            }
            for (name, n) in &plan.posts {
                let _ = writeln!(out, "  {name:<40} {n}");
            }
            let fewer_head =
                if plan.teams > 1 { format!("{} teams", plan.teams - 1) } else { "—".to_owned() };
            let _ = writeln!(
                out,
                "  {:<30} {:>20} {:>20}",
                "",
                format!("{} teams", plan.teams),
                fewer_head
            );
            for (k, p) in plan.at_fewest.iter().enumerate() {
                if p.within_target.mean.is_nan() {
                    continue;
                }
                let fewer = plan
                    .one_fewer
                    .as_ref()
                    .and_then(|f| f.get(k))
                    .map_or_else(|| "—".to_owned(), |q| pm(q.within_target, 100.0, 1) + " %");
                let _ = writeln!(
                    out,
                    "  {:<30} {:>20} {:>20}",
                    crate::simulate::within_words(&p.name, p.target_s, p.rural_target_s),
                    pm(p.within_target, 100.0, 1) + " %",
                    fewer
                );
            }
        }
    }
    out
}
