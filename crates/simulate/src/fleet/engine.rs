//! The event loop of a fleet run (see the module docs of `fleet` for the model).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::measures::{self, FleetRun};
use super::{
    Assignment, CallRecord, DriveBack, FleetModel, From, Place, Policy, Priority, Trace, Travel,
};
use crate::rng::Rng;

/// Stream numbers: each kind of draw has its own generator, so a change to how one is drawn
/// (another distribution, another demand) leaves every other draw of every call as it was.
const ARRIVALS: u64 = 1;
const PRIORITY: u64 = 2;
const PLACE: u64 = 3;
const DELAY: u64 = 4;
const ON_SCENE: u64 = 5;
const TRANSPORT: u64 = 6;
const HANDOVER: u64 = 7;

/// A call's own draws, one stream each.
struct CallStreams {
    priority: Rng,
    place: Rng,
    delay: Rng,
    on_scene: Rng,
    transport: Rng,
    handover: Rng,
}

impl CallStreams {
    fn new(seed: u64) -> Self {
        Self {
            priority: stream(seed, PRIORITY),
            place: stream(seed, PLACE),
            delay: stream(seed, DELAY),
            on_scene: stream(seed, ON_SCENE),
            transport: stream(seed, TRANSPORT),
            handover: stream(seed, HANDOVER),
        }
    }
}

fn stream(seed: u64, which: u64) -> Rng {
    Rng::stream(seed, which)
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
    Dispatch {
        call: usize,
    },
    OnScene {
        team: usize,
        call: usize,
    },
    SceneDone {
        team: usize,
        call: usize,
    },
    AtFacility {
        team: usize,
        call: usize,
        facility: usize,
    },
    Cleared {
        team: usize,
        call: usize,
        facility: Option<usize>,
    },
    /// Back at the post, if the team's drive back `trip` is still its latest.
    AtPost {
        team: usize,
        trip: usize,
    },
    /// The team's shift starts.
    OnDuty {
        team: usize,
    },
    /// Tier `tier`'s time to answer `call` is over, if the call still waits at that tier.
    OfferTimedOut {
        call: usize,
        tier: usize,
    },
}

struct Call<S> {
    record: CallRecord<S>,
    on_scene_ms: u64,
    transported: bool,
    handover_ms: u64,
    assignment: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    AtPost,
    Busy {
        since_ms: u64,
    },
    /// Driving back: its drive back in `trips`.
    DrivingBack {
        trip: usize,
    },
}

struct Run<'m, T: Travel> {
    model: &'m FleetModel,
    window: (u64, u64),
    heap: BinaryHeap<Reverse<(u64, u64, Event)>>,
    sequence: u64,
    calls: Vec<Call<T::Site>>,
    assignments: Vec<Assignment>,
    /// Every drive back; a finished one's route is dropped unless the run is traced.
    trips: Vec<DriveBack<Option<T::Route>>>,
    tracing: bool,
    teams: Vec<State>,
    busy_in_window_ms: Vec<u64>,
    /// Busy time within the window outside the team's hours on duty (a call run past the end
    /// of its shift).
    overtime_in_window_ms: Vec<u64>,
    /// Waiting calls by (priority, arrival, call).
    waiting: BTreeSet<(usize, u64, usize)>,
    queued_measured: usize,
    returned_measured: usize,
    scratch: Vec<Option<u64>>,
    /// Each team's recent dispatch times (the recommendation's workload term).
    sent: Vec<std::collections::VecDeque<u64>>,
    settings: dispatch::RecommendSettings,
}

/// Runs one replication with `seed`; `trace` gets every call, assignment and drive back when
/// given. The model must have passed [`FleetModel::check`].
pub fn simulate<T: Travel>(
    model: &FleetModel,
    travel: &mut T,
    seed: u64,
    trace: Option<&mut Trace<T::Site, T::Route>>,
) -> FleetRun {
    let window = (ms(model.warm_up_h * 3600.0), ms((model.warm_up_h + model.hours) * 3600.0));
    let mut run: Run<'_, T> = Run {
        model,
        window,
        heap: BinaryHeap::new(),
        sequence: 0,
        calls: Vec::new(),
        assignments: Vec::new(),
        trips: Vec::new(),
        tracing: trace.as_ref().is_some_and(|t| t.keep_drives_back),
        teams: vec![State::AtPost; model.teams.len()],
        busy_in_window_ms: vec![0; model.teams.len()],
        overtime_in_window_ms: vec![0; model.teams.len()],
        waiting: BTreeSet::new(),
        queued_measured: 0,
        returned_measured: 0,
        scratch: Vec::new(),
        sent: vec![std::collections::VecDeque::new(); model.teams.len()],
        settings: dispatch::RecommendSettings::default(),
    };
    let mut arrivals_rng = stream(seed, ARRIVALS);
    let mut call_streams = CallStreams::new(seed);
    // Every shift start within the period.
    for (team, spec) in model.teams.iter().enumerate() {
        if spec.on_duty.is_none() {
            continue;
        }
        // A week past the period too, so calls still waiting when it ends are taken.
        let mut h = 1u64;
        while h * 3_600_000 < window.1 + 168 * 3_600_000 {
            let at = h * 3_600_000;
            if spec.on_duty_at(at) && !spec.on_duty_at(at - 1) {
                run.push(at, Event::OnDuty { team });
            }
            h += 1;
        }
    }
    let mut next_arrival = model.arrivals.next_after(0.0, &mut arrivals_rng);
    if ms(next_arrival) < window.1 {
        run.push(ms(next_arrival), Event::Arrival);
    }
    while let Some(Reverse((now, _, event))) = run.heap.pop() {
        match event {
            Event::Arrival => {
                run.arrive(travel, &mut call_streams, ms(next_arrival));
                next_arrival = model.arrivals.next_after(next_arrival, &mut arrivals_rng);
                if ms(next_arrival) < window.1 {
                    run.push(ms(next_arrival), Event::Arrival);
                }
            }
            Event::Dispatch { call } => run.dispatch(travel, now, call),
            Event::OnScene { team, call } => {
                if let Some(c) = run.calls.get_mut(call) {
                    c.record.on_scene_ms = Some(now);
                    let done = now + c.on_scene_ms;
                    run.push(done, Event::SceneDone { team, call });
                }
            }
            Event::SceneDone { team, call } => {
                let Some(c) = run.calls.get(call) else { continue };
                let to_facility =
                    if c.transported { travel.nearest_facility(&c.record.site) } else { None };
                match to_facility {
                    Some((facility, drive)) => {
                        let at = now + scaled(drive, factor(model, c.record.priority));
                        run.push(at, Event::AtFacility { team, call, facility });
                    }
                    None => run.push(now, Event::Cleared { team, call, facility: None }),
                }
            }
            Event::AtFacility { team, call, facility } => {
                let c = run.calls.get(call);
                let handover = c.map_or(0, |c| c.handover_ms);
                if let Some(a) =
                    c.and_then(|c| c.assignment).and_then(|a| run.assignments.get_mut(a))
                {
                    a.facility = Some((facility, now));
                }
                run.push(now + handover, Event::Cleared { team, call, facility: Some(facility) });
            }
            Event::Cleared { team, call, facility } => run.clear(travel, now, team, call, facility),
            Event::AtPost { team, trip } => {
                if run.teams.get(team) == Some(&State::DrivingBack { trip }) {
                    run.end_trip(trip, Some(now));
                    if let Some(state) = run.teams.get_mut(team) {
                        *state = State::AtPost;
                    }
                    // Back, on duty, with calls waiting (they waited while it was off duty):
                    // the most urgent one.
                    run.take_waiting_from_post(travel, now, team);
                }
            }
            Event::OfferTimedOut { call, tier } => run.time_out(travel, now, call, tier),
            Event::OnDuty { team } => match run.teams.get(team).copied() {
                Some(State::AtPost) => run.take_waiting_from_post(travel, now, team),
                Some(State::DrivingBack { trip }) => {
                    run.take_waiting_on_the_way(travel, now, team, trip)
                }
                _ => {}
            },
        }
    }
    let calls: Vec<(&CallRecord<T::Site>, Option<usize>)> =
        run.calls.iter().map(|c| (&c.record, c.assignment)).collect();
    let result = measures::measure(
        model,
        &calls,
        &run.assignments,
        &run.busy_in_window_ms,
        &run.overtime_in_window_ms,
        (run.queued_measured, run.returned_measured),
        window,
    );
    if let Some(trace) = trace {
        trace.calls = run.calls.into_iter().map(|c| c.record).collect();
        trace.assignments = run.assignments;
        trace.drives_back = run
            .trips
            .into_iter()
            .filter_map(|t| {
                Some(DriveBack {
                    team: t.team,
                    post: t.post,
                    from: t.from,
                    start_ms: t.start_ms,
                    route: t.route?,
                    back_ms: t.back_ms,
                })
            })
            .collect();
    }
    result
}

impl<T: Travel> Run<'_, T> {
    fn push(&mut self, at: u64, event: Event) {
        self.sequence += 1;
        self.heap.push(Reverse((at, self.sequence, event)));
    }

    /// A call arrives: everything about it is drawn now, each from its own stream.
    fn arrive(&mut self, travel: &mut T, rng: &mut CallStreams, arrival_ms: u64) {
        let model = self.model;
        let measured = arrival_ms >= self.window.0 && arrival_ms < self.window.1;
        let priority = draw_priority(&model.priorities, &mut rng.priority);
        let site = travel.site_at(&mut rng.place, arrival_ms);
        let delay_ms = ms(model.dispatch_delay.sample(&mut rng.delay));
        let on_scene_ms = ms(model.on_scene.sample(&mut rng.on_scene));
        let transported = rng.transport.uniform() <= model.transport_share;
        let handover_ms = ms(model.handover.sample(&mut rng.handover));
        let tiers = travel.tiers(&site);
        let rural = travel.rural(&site);
        let call = self.calls.len();
        self.calls.push(Call {
            record: CallRecord {
                site,
                priority,
                arrival_ms,
                dispatch_ms: arrival_ms + delay_ms,
                on_scene_ms: None,
                measured,
                rural,
                tiers,
                offers: Vec::new(),
                returned_ms: None,
            },
            on_scene_ms,
            transported,
            handover_ms,
            assignment: None,
        });
        self.push(arrival_ms + delay_ms, Event::Dispatch { call });
    }

    /// The dispatch delay is over (or the call was just offered to its next provider): the
    /// free team with the shortest drive goes, from its post or from where it is on its way
    /// back (ties to the team listed first); none free, the call waits — at a provider, for
    /// its time to answer.
    fn dispatch(&mut self, travel: &mut T, now: u64, call: usize) {
        let Some(c) = self.calls.get_mut(call) else { return };
        let first_offer = c.record.offers.is_empty();
        if !c.record.tiers.is_empty() {
            c.record.offers.push(now);
        }
        let provider = offered_to(&c.record);
        let Some(c) = self.calls.get(call) else { return };
        // Every free team on duty with its drive, then the one the policy ranks first.
        let mut candidates: Vec<(u64, usize, Place)> = Vec::new();
        let mut consider = |drive: Option<u64>, team: usize, from: Place| {
            if let Some(d) = drive {
                candidates.push((d, team, from));
            }
        };
        let mut back: Vec<(usize, usize)> = Vec::new();
        for (team, state) in self.teams.iter().enumerate() {
            if !self.model.teams.get(team).is_some_and(|t| t.on_duty_at(now) && serves(t, provider))
            {
                continue;
            }
            match state {
                State::AtPost => {
                    let post = self.model.teams.get(team).map_or(0, |t| t.post);
                    consider(travel.post_to_site(post, &c.record.site), team, Place::Post(post));
                }
                State::DrivingBack { trip } => back.push((team, *trip)),
                State::Busy { .. } => {}
            }
        }
        if !back.is_empty() {
            let routes: Vec<(&T::Route, u64)> = back
                .iter()
                .filter_map(|(_, trip)| {
                    let t = self.trips.get(*trip)?;
                    Some((t.route.as_ref()?, now.saturating_sub(t.start_ms)))
                })
                .collect();
            travel.driving_back_to_site(&routes, &c.record.site, &mut self.scratch);
            for ((team, trip), drive) in back.iter().zip(&self.scratch) {
                consider(*drive, *team, Place::DrivingBack(*trip));
            }
        }
        let factor = factor(self.model, c.record.priority);
        let best = match self.model.policy {
            Policy::Closest => candidates.into_iter().min_by_key(|(d, team, _)| (*d, *team)),
            Policy::Recommend => {
                let requires = self.model.priorities.get(c.record.priority).map(|p| &p.requires);
                let score = |(d, team, _): &(u64, usize, Place)| {
                    let spec = self.model.teams.get(*team);
                    let missing = requires.map_or(0, |r| {
                        r.iter()
                            .filter(|cap| !spec.is_some_and(|t| t.capabilities.contains(cap)))
                            .count()
                    });
                    let window = u64::from(self.settings.workload_window_s) * 1000;
                    // At most the dispatches a team remembers, as in the product.
                    let recent = self
                        .sent
                        .get(*team)
                        .map_or(0, |times| {
                            times.iter().filter(|t| now.saturating_sub(**t) <= window).count()
                        })
                        .min(dispatch::REMEMBERED_DISPATCHES);
                    #[allow(clippy::cast_precision_loss)]
                    let eta_s = scaled(*d, factor) as f64 / 1000.0;
                    dispatch::score(
                        eta_s,
                        0.0,
                        missing,
                        u32::try_from(recent).unwrap_or(u32::MAX),
                        0.0,
                        &self.settings,
                    )
                };
                candidates
                    .into_iter()
                    .min_by(|a, b| score(a).total_cmp(&score(b)).then((a.0, a.1).cmp(&(b.0, b.1))))
            }
        };
        match best {
            Some((drive, team, from)) => {
                let drive_ms = scaled(drive, factor);
                self.send(now, call, team, from, drive_ms);
            }
            None => {
                let tier = c.record.offers.len().wrapping_sub(1);
                let answer_ms = c.record.tiers.get(tier).map(|(_, ms)| *ms);
                // A place no provider serves is offered to nobody (no time to answer): it goes
                // back at once, without waiting for a team.
                if c.record.measured && first_offer && answer_ms != Some(0) {
                    self.queued_measured += 1;
                }
                self.waiting.insert((c.record.priority, c.record.arrival_ms, call));
                if let Some(answer_ms) = answer_ms {
                    self.push(now + answer_ms, Event::OfferTimedOut { call, tier });
                }
            }
        }
    }

    /// `tier`'s time to answer is over: a call still waiting there is offered to the next
    /// provider, or, after the last, goes back to 911.
    fn time_out(&mut self, travel: &mut T, now: u64, call: usize, tier: usize) {
        let Some(c) = self.calls.get_mut(call) else { return };
        if c.assignment.is_some() || c.record.offers.len() != tier + 1 {
            return;
        }
        self.waiting.remove(&(c.record.priority, c.record.arrival_ms, call));
        if tier + 1 < c.record.tiers.len() {
            self.dispatch(travel, now, call);
        } else {
            c.record.returned_ms = Some(now);
            if c.record.measured {
                self.returned_measured += 1;
            }
        }
    }

    /// The most urgent waiting call `team` may take (offered to its provider).
    fn next_waiting(&self, team: usize) -> Option<(usize, u64, usize)> {
        let spec = self.model.teams.get(team)?;
        self.waiting.iter().copied().find(|(_, _, call)| {
            self.calls.get(*call).is_some_and(|c| serves(spec, offered_to(&c.record)))
        })
    }

    /// A drive back is over: back at the post at `back`, or sent on (`None`).
    fn end_trip(&mut self, trip: usize, back: Option<u64>) {
        if let Some(t) = self.trips.get_mut(trip) {
            t.back_ms = back;
            if !self.tracing {
                t.route = None;
            }
        }
    }

    fn send(&mut self, now: u64, call: usize, team: usize, from: Place, drive_ms: u64) {
        if let Some(times) = self.sent.get_mut(team) {
            times.push_back(now);
            let window = u64::from(self.settings.workload_window_s) * 1000;
            while times.front().is_some_and(|t| now.saturating_sub(*t) > window) {
                times.pop_front();
            }
        }
        if let Place::DrivingBack(trip) = from {
            self.end_trip(trip, None);
        }
        if let Some(c) = self.calls.get_mut(call) {
            c.assignment = Some(self.assignments.len());
        }
        self.assignments.push(Assignment {
            call,
            team,
            from,
            sent_ms: now,
            drive_ms,
            cleared_ms: u64::MAX,
            facility: None,
        });
        if let Some(state) = self.teams.get_mut(team)
            && !matches!(state, State::Busy { .. })
        {
            *state = State::Busy { since_ms: now };
        }
        self.push(now + drive_ms, Event::OnScene { team, call });
    }

    /// A team driving back that comes on duty takes the most urgent waiting call, if any,
    /// from where it is on its route.
    fn take_waiting_on_the_way(&mut self, travel: &mut T, now: u64, team: usize, trip: usize) {
        let Some((priority, arrival, next)) = self.next_waiting(team) else { return };
        let Some(t) = self.trips.get(trip) else { return };
        let Some(route) = t.route.as_ref() else { return };
        let Some(site) = self.calls.get(next).map(|c| c.record.site.clone()) else { return };
        travel.driving_back_to_site(
            &[(route, now.saturating_sub(t.start_ms))],
            &site,
            &mut self.scratch,
        );
        let Some(drive) = self.scratch.first().copied().flatten() else { return };
        self.waiting.remove(&(priority, arrival, next));
        let drive_ms = scaled(drive, factor(self.model, priority));
        self.send(now, next, team, Place::DrivingBack(trip), drive_ms);
    }

    /// A team at its post and on duty takes the most urgent waiting call, if any.
    fn take_waiting_from_post(&mut self, travel: &mut T, now: u64, team: usize) {
        let Some(spec) = self.model.teams.get(team) else { return };
        if !spec.on_duty_at(now) {
            return;
        }
        let Some((priority, arrival, next)) = self.next_waiting(team) else { return };
        self.waiting.remove(&(priority, arrival, next));
        let drive =
            self.calls.get(next).and_then(|n| travel.post_to_site(spec.post, &n.record.site));
        let drive_ms = scaled(drive.unwrap_or(0), factor(self.model, priority));
        self.send(now, next, team, Place::Post(spec.post), drive_ms);
    }

    /// A team is done with `call`: it takes the most urgent waiting call from here (when on
    /// duty), or drives back to its post (free on the way).
    fn clear(
        &mut self,
        travel: &mut T,
        now: u64,
        team: usize,
        call: usize,
        facility: Option<usize>,
    ) {
        if let Some(a) = self.calls.get(call).and_then(|c| c.assignment)
            && let Some(a) = self.assignments.get_mut(a)
        {
            a.cleared_ms = now;
        }
        let here = match facility {
            Some(f) => Place::Facility(f),
            None => Place::Scene(call),
        };
        let on_duty = self.model.teams.get(team).is_some_and(|t| t.on_duty_at(now));
        let next = if on_duty { self.next_waiting(team) } else { None };
        if let Some((priority, arrival, next)) = next {
            self.waiting.remove(&(priority, arrival, next));
            let drive = match (facility, self.calls.get(call), self.calls.get(next)) {
                (Some(f), _, Some(n)) => travel.facility_to_site(f, &n.record.site),
                (None, Some(c), Some(n)) => travel.site_to_site(&c.record.site, &n.record.site),
                _ => None,
            };
            let drive_ms = scaled(drive.unwrap_or(0), factor(self.model, priority));
            self.send(now, next, team, here, drive_ms);
            return;
        }
        if let Some(State::Busy { since_ms }) = self.teams.get(team).copied() {
            let (from, to) = (since_ms.max(self.window.0), now.min(self.window.1));
            if let Some(total) = self.busy_in_window_ms.get_mut(team) {
                *total += to.saturating_sub(from);
            }
            if let (Some(spec), Some(total)) =
                (self.model.teams.get(team), self.overtime_in_window_ms.get_mut(team))
            {
                *total += off_duty_ms(spec, from, to);
            }
        }
        let post = self.model.teams.get(team).map_or(0, |t| t.post);
        let from = match (facility, self.calls.get(call)) {
            (Some(f), _) => From::Facility(f),
            (None, Some(c)) => From::Scene(&c.record.site),
            (None, None) => return,
        };
        match travel.route_to_post(from, post) {
            Some((total, route)) => {
                let trip = self.trips.len();
                self.trips.push(DriveBack {
                    team,
                    post,
                    from: here,
                    start_ms: now,
                    route: Some(route),
                    back_ms: None,
                });
                if let Some(state) = self.teams.get_mut(team) {
                    *state = State::DrivingBack { trip };
                }
                self.push(now + total, Event::AtPost { team, trip });
            }
            None => {
                if let Some(state) = self.teams.get_mut(team) {
                    *state = State::AtPost;
                }
            }
        }
    }
}

/// The part of `[from, to)` outside `spec`'s hours on duty, milliseconds.
fn off_duty_ms(spec: &super::TeamSpec, from: u64, to: u64) -> u64 {
    if spec.on_duty.is_none() || to <= from {
        return 0;
    }
    let (mut total, mut h) = (0, from / 3_600_000);
    while h * 3_600_000 < to {
        let (a, b) = (h * 3_600_000, (h + 1) * 3_600_000);
        if !spec.on_duty_at(a) {
            total += b.min(to).saturating_sub(a.max(from));
        }
        h += 1;
    }
    total
}

/// The provider `call` is offered to now; `None` when any team may go.
fn offered_to<S>(call: &CallRecord<S>) -> Option<u16> {
    let tier = call.offers.len().checked_sub(1)?;
    call.tiers.get(tier).map(|(provider, _)| *provider)
}

/// Whether `team` may go to a call offered to `provider`.
fn serves(team: &super::TeamSpec, provider: Option<u16>) -> bool {
    provider.is_none() || team.provider == provider
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
