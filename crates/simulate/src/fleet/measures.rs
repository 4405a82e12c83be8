//! What a fleet run measures, per replication ([`FleetRun`]) and over replications with 95 %
//! intervals ([`FleetSummary`]): per priority the response time (mean, median, 90th
//! percentile), the share reached within the target and the distribution; utilisation beside
//! the offered load; how often a call found no team free.

use super::{Assignment, CallRecord, FleetModel};
use crate::replicate::Estimate;

/// Width of a response-time histogram bin, seconds.
pub const BIN_S: f64 = 30.0;
/// Bins in a histogram; the last holds everything from 60 minutes on.
pub const BINS: usize = 121;

/// One priority in one replication.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PriorityRun {
    /// Calls a team reached.
    pub calls: usize,
    /// Calls no provider sent a team to: back to 911. They count as not reached within the
    /// target.
    pub returned: usize,
    pub mean_response_s: f64,
    pub median_response_s: f64,
    pub p90_response_s: f64,
    pub within_target: f64,
    /// Calls by response time, [`BIN_S`] seconds a bin.
    pub histogram: Vec<u64>,
    /// By the hour of the week the call arrived in (168, Monday 00:00 first): (calls, reached
    /// within the target) — for judging one shift's hours.
    #[serde(skip)]
    pub by_hour_of_week: Vec<(u64, u64)>,
}

impl PriorityRun {
    /// The share reached within target of the calls that arrived in the hours of the week
    /// `hours` marks; NaN when none did.
    pub fn within_target_in(&self, hours: &[bool]) -> f64 {
        let (calls, within) = self
            .by_hour_of_week
            .iter()
            .zip(hours)
            .filter(|(_, on)| **on)
            .fold((0, 0), |(c, w), ((n, k), _)| (c + n, w + k));
        #[allow(clippy::cast_precision_loss)]
        let share = if calls == 0 { f64::NAN } else { within as f64 / calls as f64 };
        share
    }
}

/// One replication.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FleetRun {
    pub calls: usize,
    pub calls_per_hour: f64,
    pub priorities: Vec<PriorityRun>,
    /// The teams' share of the time they worked (their hours on duty, and any call run past
    /// the end of a shift) spent busy (sent until cleared).
    pub utilisation: f64,
    pub team_utilisation: Vec<f64>,
    /// Calls × mean busy time per call / the teams' time on duty: what utilisation should be.
    pub offered_load: f64,
    pub mean_busy_s: f64,
    /// The share of calls that found no team free when dispatched.
    pub queued_share: f64,
    /// The share of calls every provider offered them let time out: they went back to 911
    /// and no team went (0 without providers).
    pub returned_share: f64,
    /// From a team sent to it on scene, over the measured calls — the outcome report's
    /// `mobile.dispatch_to_on_scene` and `mobile.on_scene_within_1h`/`_2h`, by the same
    /// definitions (a dispatch's own drive; the dispatch delay and any wait before it are not
    /// in it).
    pub dispatch_to_on_scene: DriveRun,
}

/// Dispatch to on scene over a replication's calls.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DriveRun {
    pub median_s: f64,
    pub p90_s: f64,
    pub within_1h: f64,
    pub within_2h: f64,
}

pub(super) fn measure<S>(
    model: &FleetModel,
    calls: &[(&CallRecord<S>, Option<usize>)],
    assignments: &[Assignment],
    team_busy_ms: &[u64],
    team_overtime_ms: &[u64],
    (queued, returned): (usize, usize),
    window: (u64, u64),
) -> FleetRun {
    let window_s = window.1.saturating_sub(window.0) as f64 / 1000.0;
    let mut responses: Vec<Vec<f64>> = vec![Vec::new(); model.priorities.len()];
    // Whether each response was within its call's own target (urban or rural).
    let mut within: Vec<usize> = vec![0; model.priorities.len()];
    let mut by_hour: Vec<Vec<(u64, u64)>> = vec![vec![(0, 0); 168]; model.priorities.len()];
    let mut returned_by = vec![0usize; model.priorities.len()];
    let (mut measured, mut busy_s) = (0usize, 0.0);
    let mut drives: Vec<f64> = Vec::new();
    for (record, assignment) in calls.iter().filter(|(r, _)| r.measured) {
        measured += 1;
        let hour = usize::try_from((record.arrival_ms / 3_600_000) % 168).unwrap_or(0);
        if record.returned_ms.is_some() {
            if let Some(n) = returned_by.get_mut(record.priority) {
                *n += 1;
            }
            if let Some(slot) = by_hour.get_mut(record.priority).and_then(|h| h.get_mut(hour)) {
                slot.0 += 1;
            }
        }
        if let (Some(on_scene), Some(list)) =
            (record.on_scene_ms, responses.get_mut(record.priority))
        {
            let response_s = on_scene.saturating_sub(record.arrival_ms) as f64 / 1000.0;
            list.push(response_s);
            let target_s =
                model.priorities.get(record.priority).map_or(0.0, |p| p.target_for(record.rural));
            if let Some(n) = within.get_mut(record.priority) {
                *n += usize::from(response_s <= target_s);
            }
            if let Some(slot) = by_hour.get_mut(record.priority).and_then(|h| h.get_mut(hour)) {
                slot.0 += 1;
                slot.1 += u64::from(response_s <= target_s);
            }
        }
        if let Some(a) = assignment.and_then(|a| assignments.get(a)) {
            busy_s += a.cleared_ms.saturating_sub(a.sent_ms) as f64 / 1000.0;
            drives.push(a.drive_ms as f64 / 1000.0);
        }
    }
    let priorities = model
        .priorities
        .iter()
        .zip(&mut responses)
        .zip(by_hour)
        .zip(returned_by)
        .zip(within)
        .map(|((((_, list), hours), returned), within)| PriorityRun {
            by_hour_of_week: hours,
            ..priority_run(list, returned, within)
        })
        .collect();
    // Each team's hours on duty within the window (all of it without a shift), and any time it
    // worked past its shift on a call: the time it worked.
    let on_duty_s: Vec<f64> = model
        .teams
        .iter()
        .zip(team_overtime_ms.iter().chain(std::iter::repeat(&0)))
        .map(|(t, over)| (on_duty_ms(t, window) + over) as f64 / 1000.0)
        .collect();
    let duty_s: f64 = on_duty_s.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let team_utilisation: Vec<f64> = team_busy_ms
        .iter()
        .zip(&on_duty_s)
        .map(|(b, d)| if *d > 0.0 { *b as f64 / 1000.0 / d } else { f64::NAN })
        .collect();
    let count = measured.max(1) as f64;
    FleetRun {
        calls: measured,
        calls_per_hour: measured as f64 / (window_s / 3600.0),
        priorities,
        utilisation: team_busy_ms.iter().sum::<u64>() as f64 / 1000.0 / duty_s,
        team_utilisation,
        offered_load: busy_s / duty_s,
        mean_busy_s: busy_s / drives.len().max(1) as f64,
        queued_share: queued as f64 / count,
        returned_share: returned as f64 / count,
        dispatch_to_on_scene: drive_run(&mut drives),
    }
}

/// A team's time on duty within `window`, milliseconds.
fn on_duty_ms(team: &super::TeamSpec, window: (u64, u64)) -> u64 {
    if team.on_duty.is_none() {
        return window.1.saturating_sub(window.0);
    }
    let (mut total, mut h) = (0, window.0 / 3_600_000);
    while h * 3_600_000 < window.1 {
        let (a, b) = (h * 3_600_000, (h + 1) * 3_600_000);
        if team.on_duty_at(a) {
            total += b.min(window.1).saturating_sub(a.max(window.0));
        }
        h += 1;
    }
    total
}

/// The nearest-rank `q` quantile of `sorted`; NaN when it is empty.
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let k = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
    sorted.get(k).copied().unwrap_or(f64::NAN)
}

fn drive_run(drives: &mut [f64]) -> DriveRun {
    drives.sort_by(f64::total_cmp);
    let n = drives.len();
    // No dispatch in the replication: no figure (not 0 %).
    let share = |limit: f64| {
        if n == 0 {
            f64::NAN
        } else {
            drives.iter().filter(|d| **d <= limit).count() as f64 / n as f64
        }
    };
    DriveRun {
        median_s: nearest_rank(drives, 0.5),
        p90_s: nearest_rank(drives, 0.9),
        within_1h: share(3600.0),
        within_2h: share(7200.0),
    }
}

fn priority_run(list: &mut [f64], returned: usize, within: usize) -> PriorityRun {
    list.sort_by(f64::total_cmp);
    let n = list.len();
    let mut histogram = vec![0u64; BINS];
    for r in list.iter() {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let bin = ((r / BIN_S) as usize).min(BINS - 1);
        if let Some(slot) = histogram.get_mut(bin) {
            *slot += 1;
        }
    }
    let count = n.max(1) as f64;
    let offered = (n + returned).max(1) as f64;
    PriorityRun {
        calls: n,
        returned,
        mean_response_s: list.iter().sum::<f64>() / count,
        median_response_s: nearest_rank(list, 0.5),
        p90_response_s: nearest_rank(list, 0.9),
        within_target: within as f64 / offered,
        histogram,
        by_hour_of_week: Vec::new(),
    }
}

/// One priority over the replications.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PrioritySummary {
    pub name: String,
    pub target_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rural_target_s: Option<f64>,
    /// Calls a team reached, per replication.
    pub calls: Estimate,
    /// Calls back to 911 (no provider sent a team), per replication.
    pub returned: Estimate,
    pub mean_response_s: Estimate,
    pub median_response_s: Estimate,
    pub p90_response_s: Estimate,
    pub within_target: Estimate,
    /// Every replication's calls by response time, [`BIN_S`] seconds a bin, added up.
    pub histogram: Vec<u64>,
    pub bin_s: f64,
}

/// Dispatch to on scene over the replications.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DriveSummary {
    pub median_s: Estimate,
    pub p90_s: Estimate,
    pub within_1h: Estimate,
    pub within_2h: Estimate,
}

/// A fleet scenario over its replications.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FleetSummary {
    pub replications: usize,
    pub calls: Estimate,
    pub calls_per_hour: Estimate,
    pub priorities: Vec<PrioritySummary>,
    pub utilisation: Estimate,
    pub offered_load: Estimate,
    pub mean_busy_s: Estimate,
    pub queued_share: Estimate,
    pub returned_share: Estimate,
    pub dispatch_to_on_scene: DriveSummary,
    /// Each team's name and utilisation.
    pub teams: Vec<(String, Estimate)>,
}

/// An estimate over the replications whose value is a number (NaN: nothing to measure).
fn of_known(runs: &[FleetRun], f: &dyn Fn(&FleetRun) -> f64) -> Estimate {
    Estimate::of(&runs.iter().map(f).filter(|v| !v.is_nan()).collect::<Vec<_>>())
}

/// The replications' measures, each with its 95 % interval.
pub fn summarise(model: &FleetModel, runs: &[FleetRun]) -> FleetSummary {
    let of = |f: &dyn Fn(&FleetRun) -> f64| Estimate::of(&runs.iter().map(f).collect::<Vec<_>>());
    let priorities = model
        .priorities
        .iter()
        .enumerate()
        .map(|(k, p)| {
            // Response measures over the replications that had calls of this priority.
            let each = |f: &dyn Fn(&PriorityRun) -> f64| {
                let values: Vec<f64> = runs
                    .iter()
                    .filter_map(|r| r.priorities.get(k))
                    .filter(|r| r.calls > 0)
                    .map(f)
                    .collect();
                Estimate::of(&values)
            };
            let mut histogram = vec![0u64; BINS];
            for run in runs.iter().filter_map(|r| r.priorities.get(k)) {
                for (sum, n) in histogram.iter_mut().zip(&run.histogram) {
                    *sum += n;
                }
            }
            PrioritySummary {
                name: p.name.clone(),
                target_s: p.target_s,
                rural_target_s: p.rural_target_s,
                calls: Estimate::of(
                    &runs
                        .iter()
                        .map(|r| r.priorities.get(k).map_or(0.0, |p| p.calls as f64))
                        .collect::<Vec<_>>(),
                ),
                returned: Estimate::of(
                    &runs
                        .iter()
                        .map(|r| r.priorities.get(k).map_or(0.0, |p| p.returned as f64))
                        .collect::<Vec<_>>(),
                ),
                mean_response_s: each(&|r| r.mean_response_s),
                median_response_s: each(&|r| r.median_response_s),
                p90_response_s: each(&|r| r.p90_response_s),
                within_target: each(&|r| r.within_target),
                histogram,
                bin_s: BIN_S,
            }
        })
        .collect();
    let teams = model
        .teams
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let values: Vec<f64> =
                runs.iter().filter_map(|r| r.team_utilisation.get(k).copied()).collect();
            (t.name.clone(), Estimate::of(&values))
        })
        .collect();
    FleetSummary {
        replications: runs.len(),
        calls: of(&|r| r.calls as f64),
        calls_per_hour: of(&|r| r.calls_per_hour),
        priorities,
        utilisation: of(&|r| r.utilisation),
        offered_load: of(&|r| r.offered_load),
        mean_busy_s: of(&|r| r.mean_busy_s),
        queued_share: of(&|r| r.queued_share),
        returned_share: of(&|r| r.returned_share),
        // Over the replications that sent a team at all.
        dispatch_to_on_scene: DriveSummary {
            median_s: of_known(runs, &|r| r.dispatch_to_on_scene.median_s),
            p90_s: of_known(runs, &|r| r.dispatch_to_on_scene.p90_s),
            within_1h: of_known(runs, &|r| r.dispatch_to_on_scene.within_1h),
            within_2h: of_known(runs, &|r| r.dispatch_to_on_scene.within_2h),
        },
        teams,
    }
}
