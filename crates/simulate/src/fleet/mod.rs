//! Mobile teams on roads: calls arrive where people are, the closest free team drives to them,
//! stays on scene, takes the person to the nearest facility or not, and drives back to its
//! post — the model behind response-time and utilisation figures.
//!
//! One call, step by step ([`simulate`]):
//! 1. It arrives (a Poisson process by hour of the week, [`crate::arrivals`]) with a priority
//!    drawn from the mix and a place drawn from the demand ([`Travel::site`]); its dispatch
//!    delay, time on scene, whether it is transported and its handover time are drawn then
//!    too, from their own streams, so two scenarios with the same seed see the same calls.
//! 2. After the dispatch delay, the team free at its post with the shortest drive goes (ties
//!    to the team listed first). The drive takes the road time × the priority's travel-time
//!    factor (lights and sirens). With no team free, the call waits.
//! 3. On scene for its time; then, if transported, to the nearest facility by road (× the
//!    factor) and the handover there.
//! 4. Cleared, the team takes the most urgent waiting call (earliest first within a
//!    priority), driving from where it is; with none waiting it drives back to its post at
//!    road speed and is free again when it arrives, taking a call that came in meanwhile.
//!
//! Measured: calls arriving in the window after the warm-up (no call arrives after it; the
//! run goes on until every call is done and every team back); utilisation is the teams' busy
//! time within the window. A team is busy from the moment it is sent until it is
//! back at its post. A team driving back is not sent on (it is free only at its post).
//!
//! Times are whole milliseconds, so a drive adds exactly what the road network says.

mod measures;

pub use measures::{FleetRun, FleetSummary, PriorityRun, PrioritySummary, summarise};

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use crate::arrivals::Arrivals;
use crate::dist::Duration;
use crate::rng::Rng;

/// A call priority, most urgent first in [`FleetModel::priorities`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Priority {
    pub name: String,
    /// The share of calls with this priority (the shares sum to 1).
    pub share: f64,
    /// The response-time target: from the call's arrival to a team on scene.
    pub target_s: f64,
    /// Road times are multiplied by this on the way to the call and to the facility (0.75:
    /// lights and sirens, a third faster).
    pub travel_factor: f64,
}

/// A team and the post it starts from and returns to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TeamSpec {
    pub name: String,
    pub post: usize,
}

/// Everything a fleet run needs but the roads.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FleetModel {
    pub priorities: Vec<Priority>,
    pub arrivals: Arrivals,
    pub dispatch_delay: Duration,
    pub on_scene: Duration,
    /// The share of calls taken to a facility.
    pub transport_share: f64,
    pub handover: Duration,
    pub teams: Vec<TeamSpec>,
    pub warm_up_h: f64,
    pub hours: f64,
}

/// Travel times between posts, facilities and the places calls come from.
pub trait Travel {
    /// A place a call comes from.
    type Site: Clone;
    /// A call's place, drawn from the demand.
    fn site(&mut self, rng: &mut Rng) -> Self::Site;
    /// Road times in milliseconds; `None` when no road leads there.
    fn post_to_site(&mut self, post: usize, site: &Self::Site) -> Option<u64>;
    fn facility_to_site(&mut self, facility: usize, site: &Self::Site) -> Option<u64>;
    fn site_to_site(&mut self, from: &Self::Site, to: &Self::Site) -> Option<u64>;
    fn site_to_post(&mut self, site: &Self::Site, post: usize) -> Option<u64>;
    fn facility_to_post(&mut self, facility: usize, post: usize) -> Option<u64>;
    /// The facility nearest by road from `site`, and the time.
    fn nearest_facility(&mut self, site: &Self::Site) -> Option<(usize, u64)>;
}

/// Where a team is when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "index")]
pub enum Place {
    Post(usize),
    Facility(usize),
    /// The scene of this call (a call not transported).
    Scene(usize),
}

/// One call as the run saw it (the trace).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord<S> {
    pub site: S,
    pub priority: usize,
    pub arrival_ms: u64,
    /// When a team was first looked for: arrival + dispatch delay.
    pub dispatch_ms: u64,
    /// When a team reached it.
    pub on_scene_ms: Option<u64>,
    pub measured: bool,
}

/// A team sent to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub call: usize,
    pub team: usize,
    pub from: Place,
    pub sent_ms: u64,
    /// The drive, after the priority's factor.
    pub drive_ms: u64,
    /// When the team was done with the call: back at its post, or sent on from where it
    /// cleared.
    pub released_ms: u64,
}

/// Every call and assignment of a run, for checking it from outside.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace<S> {
    pub calls: Vec<CallRecord<S>>,
    pub assignments: Vec<Assignment>,
}

/// Stream numbers: each kind of draw has its own generator.
const ARRIVALS: u64 = 1;
const CALLS: u64 = 2;

fn stream(seed: u64, which: u64) -> Rng {
    Rng::seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ which.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn ms(seconds: f64) -> u64 {
    (seconds * 1000.0).round().max(0.0) as u64
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
fn scaled(drive_ms: u64, factor: f64) -> u64 {
    (drive_ms as f64 * factor).round() as u64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival,
    Dispatch { call: usize },
    OnScene { team: usize, call: usize },
    SceneDone { team: usize, call: usize },
    AtFacility { team: usize, call: usize, facility: usize },
    Cleared { team: usize, call: usize, at: PlaceKey },
    AtPost { team: usize },
}

/// [`Place`] in an orderable form for the event heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PlaceKey {
    Facility(usize),
    Scene(usize),
}

struct Call<S> {
    record: CallRecord<S>,
    on_scene_ms: u64,
    transported: bool,
    handover_ms: u64,
    /// The assignment serving it.
    assignment: Option<usize>,
}

#[derive(Clone, Copy)]
struct TeamNow {
    at_post: bool,
    busy_since_ms: Option<u64>,
    busy_in_window_ms: u64,
}

/// Runs one replication with `seed`; `trace` gets every call and assignment when given.
/// The model must have passed [`FleetModel::check`].
pub fn simulate<T: Travel>(
    model: &FleetModel,
    travel: &mut T,
    seed: u64,
    trace: Option<&mut Trace<T::Site>>,
) -> FleetRun {
    let window = (ms(model.warm_up_h * 3600.0), ms((model.warm_up_h + model.hours) * 3600.0));
    let mut arrivals_rng = stream(seed, ARRIVALS);
    let mut calls_rng = stream(seed, CALLS);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Event)>> = BinaryHeap::new();
    let mut sequence = 0u64;
    let mut push = |heap: &mut BinaryHeap<Reverse<(u64, u64, Event)>>, at: u64, event: Event| {
        sequence += 1;
        heap.push(Reverse((at, sequence, event)));
    };
    let mut calls: Vec<Call<T::Site>> = Vec::new();
    let mut assignments: Vec<Assignment> = Vec::new();
    let mut teams =
        vec![TeamNow { at_post: true, busy_since_ms: None, busy_in_window_ms: 0 }; model.teams.len()];
    // Waiting calls by (priority, arrival, call).
    let mut waiting: BTreeSet<(usize, u64, usize)> = BTreeSet::new();
    let mut queued_measured = 0usize;
    let mut next_arrival = model.arrivals.next_after(0.0, &mut arrivals_rng);
    push(&mut heap, ms(next_arrival), Event::Arrival);

    let busy_in_window = |since: u64, until: u64| {
        until.min(window.1).saturating_sub(since.max(window.0))
    };

    while let Some(Reverse((now, _, event))) = heap.pop() {
        match event {
            Event::Arrival => {
                let arrival_ms = ms(next_arrival);
                let measured = arrival_ms >= window.0 && arrival_ms < window.1;
                let priority = draw_priority(&model.priorities, &mut calls_rng);
                let site = travel.site(&mut calls_rng);
                let delay_ms = ms(model.dispatch_delay.sample(&mut calls_rng));
                let on_scene_ms = ms(model.on_scene.sample(&mut calls_rng));
                let transported = calls_rng.uniform() <= model.transport_share;
                let handover_ms = ms(model.handover.sample(&mut calls_rng));
                let id = calls.len();
                calls.push(Call {
                    record: CallRecord {
                        site,
                        priority,
                        arrival_ms,
                        dispatch_ms: arrival_ms + delay_ms,
                        on_scene_ms: None,
                        measured,
                    },
                    on_scene_ms,
                    transported,
                    handover_ms,
                    assignment: None,
                });
                push(&mut heap, arrival_ms + delay_ms, Event::Dispatch { call: id });
                next_arrival = model.arrivals.next_after(next_arrival, &mut arrivals_rng);
                if ms(next_arrival) < window.1 {
                    push(&mut heap, ms(next_arrival), Event::Arrival);
                }
            }
            Event::Dispatch { call } => {
                let Some(c) = calls.get(call) else { continue };
                let factor = factor(model, c.record.priority);
                let best = teams
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.at_post)
                    .filter_map(|(k, _)| {
                        let post = model.teams.get(k)?.post;
                        Some((travel.post_to_site(post, &c.record.site)?, k))
                    })
                    .min();
                match best {
                    Some((drive, team)) => {
                        let drive_ms = scaled(drive, factor);
                        if let Some(t) = teams.get_mut(team) {
                            t.at_post = false;
                            t.busy_since_ms = Some(now);
                        }
                        let post = model.teams.get(team).map_or(0, |t| t.post);
                        send(&mut assignments, &mut calls, call, team, Place::Post(post), now, drive_ms);
                        push(&mut heap, now + drive_ms, Event::OnScene { team, call });
                    }
                    None => {
                        if c.record.measured {
                            queued_measured += 1;
                        }
                        waiting.insert((c.record.priority, c.record.arrival_ms, call));
                    }
                }
            }
            Event::OnScene { team, call } => {
                let Some(c) = calls.get_mut(call) else { continue };
                c.record.on_scene_ms = Some(now);
                push(&mut heap, now + c.on_scene_ms, Event::SceneDone { team, call });
            }
            Event::SceneDone { team, call } => {
                let Some(c) = calls.get(call) else { continue };
                let to_facility =
                    if c.transported { travel.nearest_facility(&c.record.site) } else { None };
                match to_facility {
                    Some((facility, drive)) => {
                        let drive_ms = scaled(drive, factor(model, c.record.priority));
                        push(&mut heap, now + drive_ms, Event::AtFacility { team, call, facility });
                    }
                    None => push(
                        &mut heap,
                        now,
                        Event::Cleared { team, call, at: PlaceKey::Scene(call) },
                    ),
                }
            }
            Event::AtFacility { team, call, facility } => {
                let handover = calls.get(call).map_or(0, |c| c.handover_ms);
                push(
                    &mut heap,
                    now + handover,
                    Event::Cleared { team, call, at: PlaceKey::Facility(facility) },
                );
            }
            Event::Cleared { team, call, at } => {
                let next = waiting.pop_first();
                let release = |assignments: &mut Vec<Assignment>, calls: &[Call<T::Site>], at| {
                    if let Some(a) =
                        calls.get(call).and_then(|c| c.assignment).and_then(|a| assignments.get_mut(a))
                    {
                        a.released_ms = at;
                    }
                };
                match next {
                    Some((priority, _, next_call)) => {
                        release(&mut assignments, &calls, now);
                        let (from, drive) = match at {
                            PlaceKey::Facility(f) => (
                                Place::Facility(f),
                                calls.get(next_call).and_then(|n| travel.facility_to_site(f, &n.record.site)),
                            ),
                            PlaceKey::Scene(s) => (
                                Place::Scene(s),
                                match (calls.get(s), calls.get(next_call)) {
                                    (Some(here), Some(n)) => travel.site_to_site(&here.record.site, &n.record.site),
                                    _ => None,
                                },
                            ),
                        };
                        let drive_ms = scaled(drive.unwrap_or(0), factor(model, priority));
                        send(&mut assignments, &mut calls, next_call, team, from, now, drive_ms);
                        push(&mut heap, now + drive_ms, Event::OnScene { team, call: next_call });
                    }
                    None => {
                        let post = model.teams.get(team).map_or(0, |t| t.post);
                        let drive = match at {
                            PlaceKey::Facility(f) => travel.facility_to_post(f, post),
                            PlaceKey::Scene(s) => {
                                calls.get(s).and_then(|c| travel.site_to_post(&c.record.site, post))
                            }
                        };
                        let back = now + drive.unwrap_or(0);
                        release(&mut assignments, &calls, back);
                        push(&mut heap, back, Event::AtPost { team });
                    }
                }
            }
            Event::AtPost { team } => {
                if let Some((priority, _, next_call)) = waiting.pop_first() {
                    let post = model.teams.get(team).map_or(0, |t| t.post);
                    let drive = calls
                        .get(next_call)
                        .and_then(|n| travel.post_to_site(post, &n.record.site))
                        .unwrap_or(0);
                    let drive_ms = scaled(drive, factor(model, priority));
                    // The team never became free: its busy stretch goes on.
                    send(&mut assignments, &mut calls, next_call, team, Place::Post(post), now, drive_ms);
                    push(&mut heap, now + drive_ms, Event::OnScene { team, call: next_call });
                } else if let Some(t) = teams.get_mut(team) {
                    t.at_post = true;
                    if let Some(since) = t.busy_since_ms.take() {
                        t.busy_in_window_ms += busy_in_window(since, now);
                    }
                }
            }
        }
    }
    // Teams still out at the end were busy to the end of the window.
    for t in &mut teams {
        if let Some(since) = t.busy_since_ms.take() {
            t.busy_in_window_ms += busy_in_window(since, window.1);
        }
    }
    let run = measures::measure(
        model,
        &calls_view(&calls),
        &assignments,
        &teams_busy(&teams),
        queued_measured,
        window,
    );
    if let Some(trace) = trace {
        trace.calls = calls.into_iter().map(|c| c.record).collect();
        trace.assignments = assignments;
    }
    run
}

fn calls_view<S>(calls: &[Call<S>]) -> Vec<(&CallRecord<S>, Option<usize>)> {
    calls.iter().map(|c| (&c.record, c.assignment)).collect()
}

fn teams_busy(teams: &[TeamNow]) -> Vec<u64> {
    teams.iter().map(|t| t.busy_in_window_ms).collect()
}

fn send<S>(
    assignments: &mut Vec<Assignment>,
    calls: &mut [Call<S>],
    call: usize,
    team: usize,
    from: Place,
    now: u64,
    drive_ms: u64,
) {
    if let Some(c) = calls.get_mut(call) {
        c.assignment = Some(assignments.len());
    }
    assignments.push(Assignment { call, team, from, sent_ms: now, drive_ms, released_ms: u64::MAX });
}

fn factor(model: &FleetModel, priority: usize) -> f64 {
    model.priorities.get(priority).map_or(1.0, |p| p.travel_factor)
}

fn draw_priority(priorities: &[Priority], rng: &mut Rng) -> usize {
    let mut u = rng.uniform();
    for (k, p) in priorities.iter().enumerate() {
        if u <= p.share {
            return k;
        }
        u -= p.share;
    }
    priorities.iter().rposition(|p| p.share > 0.0).unwrap_or(0)
}

impl FleetModel {
    /// Why the model cannot run, if it cannot (each reason says what to change).
    pub fn check(&self, posts: usize) -> Result<(), String> {
        if self.priorities.is_empty() {
            return Err("no priorities: give at least one".into());
        }
        let total: f64 = self.priorities.iter().map(|p| p.share).sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(format!("the priorities' shares sum to {total}: make them sum to 1"));
        }
        for p in &self.priorities {
            if !(p.share >= 0.0 && p.target_s > 0.0 && p.target_s.is_finite()) {
                return Err(format!("priority {}: give a share of 0 to 1 and a target above 0", p.name));
            }
            if !(p.travel_factor > 0.0 && p.travel_factor <= 2.0) {
                return Err(format!(
                    "priority {}: a travel-time factor of {}: give one above 0 and at most 2",
                    p.name, p.travel_factor
                ));
            }
        }
        for d in [&self.dispatch_delay, &self.on_scene, &self.handover] {
            d.check()?;
        }
        if !(0.0..=1.0).contains(&self.transport_share) {
            return Err(format!("a transport share of {}: give 0 to 1", self.transport_share));
        }
        if self.teams.is_empty() {
            return Err("no teams: give at least one".into());
        }
        if let Some(t) = self.teams.iter().find(|t| t.post >= posts) {
            return Err(format!("team {} is at an unknown post", t.name));
        }
        if !(self.hours > 0.0 && self.hours.is_finite() && self.warm_up_h >= 0.0 && self.warm_up_h.is_finite()) {
            return Err("give a period above 0 hours and a warm-up of 0 or more".into());
        }
        Ok(())
    }
}
