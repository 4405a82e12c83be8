//! Mobile teams on roads: calls arrive where people are, the closest free team drives to them,
//! stays on scene, takes the person to the nearest facility or not, and drives back to its
//! post — the model behind response-time and utilisation figures.
//!
//! One call, step by step ([`simulate`]):
//! 1. It arrives (a Poisson process by hour of the week, [`crate::arrivals`]) with a priority
//!    drawn from the mix and a place drawn from the demand ([`Travel::site`]); its dispatch
//!    delay, time on scene, whether it is transported and its handover time are drawn then
//!    too, each from its own stream, so two scenarios with the same seed that differ in their
//!    fleet see the same calls.
//! 2. After the dispatch delay, the free team with the shortest drive goes — at its post, or
//!    driving back to it (step 4) — ties to the team listed first. The drive takes the road time × the priority's travel-time
//!    factor (lights and sirens). With no team free, the call waits.
//! 3. On scene for its time; then, if transported, to the nearest facility by road (× the
//!    factor) and the handover there.
//! 4. Cleared, the team takes the most urgent waiting call (earliest first within a
//!    priority), driving from where it is; with none waiting it drives back to its post at
//!    road speed along the shortest route. Driving back it is free, as a team that has
//!    cleared is in the product: the next call may take it from where it is on that route
//!    (it drives on to the next junction, then to the call).
//!
//! Measured: calls arriving in the window after the warm-up (no call arrives after it; the
//! run goes on until every call is done and every team back); utilisation is the teams' busy
//! time within the window. A team is busy from the moment it is sent until it clears (on
//! scene, or at the facility after the handover); driving back it is free.
//!
//! **Shifts.** A team with a shift is sent only while on duty. One whose shift ends while on a
//! call finishes it, drives back and waits off duty; one whose shift starts is at its post and
//! takes the most urgent waiting call. Its utilisation is of its hours on duty.
//!
//! **Providers.** Where the travel model names the providers serving a call's place
//! ([`Travel::tiers`], the route's tiers), the call is offered to the first at its dispatch
//! time and only that provider's teams may go. With none of them free, the offer waits for one
//! of them for the tier's answer time, then rolls over to the next provider, whose teams may
//! go from then on; when the last tier's time runs out the call goes back to 911 and no team
//! goes (`returned_share`). A team takes the most urgent waiting call offered to its provider.
//!
//! Times are whole milliseconds, so a drive adds exactly what the road network says.

mod engine;
mod measures;

pub use engine::simulate;

pub use measures::{
    DriveRun, DriveSummary, FleetRun, FleetSummary, PriorityRun, PrioritySummary, summarise,
};

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
    /// The target for a call from a rural place, when it differs (SAMHSA: 1 hour urban, 2
    /// rural).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rural_target_s: Option<f64>,
    /// Road times are multiplied by this on the way to the call and to the facility (0.75:
    /// lights and sirens, a third faster).
    pub travel_factor: f64,
    /// Capabilities a team sent to such a call should have (names as `dispatch` normalises
    /// them); weighed by the recommendation policy.
    pub requires: Vec<String>,
}

impl Priority {
    /// The target of a call from an urban or a rural place.
    pub fn target_for(&self, rural: bool) -> f64 {
        if rural { self.rural_target_s.unwrap_or(self.target_s) } else { self.target_s }
    }
}

/// A team and the post it starts from and returns to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TeamSpec {
    pub name: String,
    pub post: usize,
    /// The hours of the week it is on duty (168, Monday 00:00 first); `None`: always.
    #[serde(skip)]
    pub on_duty: Option<Vec<bool>>,
    /// Its capabilities (normalised names).
    pub capabilities: Vec<String>,
    /// The name of its shift, when it has one.
    pub shift: Option<String>,
    /// The provider it belongs to (an index into the county's providers); `None` in a model
    /// without providers, where any team may go to any call.
    pub provider: Option<u16>,
}

impl TeamSpec {
    /// A team at `post`, on duty always.
    pub fn new(name: impl Into<String>, post: usize) -> Self {
        Self {
            name: name.into(),
            post,
            on_duty: None,
            capabilities: Vec::new(),
            shift: None,
            provider: None,
        }
    }

    /// Whether the team is on duty at `ms` into the run (time 0 is a Monday 00:00).
    pub fn on_duty_at(&self, ms: u64) -> bool {
        self.on_duty.as_ref().is_none_or(|hours| {
            let h = usize::try_from((ms / 3_600_000) % 168).unwrap_or(0);
            hours.get(h).copied().unwrap_or(false)
        })
    }
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
    /// Which free team is sent.
    pub policy: Policy,
}

/// Which free team is sent to a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The shortest drive (ties to the team listed first).
    #[default]
    Closest,
    /// The product's recommendation score (`dispatch::score`, its default settings): the drive,
    /// plus 15 minutes per capability the call requires that the team lacks, plus 2 minutes
    /// per call the team was sent to in the last 12 hours. The coverage term is left out.
    Recommend,
}

/// Travel times between posts, facilities and the places calls come from.
pub trait Travel {
    /// A place a call comes from.
    type Site: Clone;
    /// A drive back to a post, as far as the model needs to know where a team on it is.
    type Route: Clone;
    /// A call's place, drawn from the demand.
    fn site(&mut self, rng: &mut Rng) -> Self::Site;
    /// A place for a call arriving at `ms` into the run, where demand varies by the hour of the
    /// week; by default the same at every hour.
    fn site_at(&mut self, rng: &mut Rng, _ms: u64) -> Self::Site {
        self.site(rng)
    }
    /// Road times in milliseconds; `None` when no road leads there.
    fn post_to_site(&mut self, post: usize, site: &Self::Site) -> Option<u64>;
    fn facility_to_site(&mut self, facility: usize, site: &Self::Site) -> Option<u64>;
    fn site_to_site(&mut self, from: &Self::Site, to: &Self::Site) -> Option<u64>;
    /// The facility nearest by road from `site`, and the time.
    fn nearest_facility(&mut self, site: &Self::Site) -> Option<(usize, u64)>;
    /// The shortest drive back to `post` from a scene or a facility, and its time.
    fn route_to_post(
        &mut self,
        from: From<'_, Self::Site>,
        post: usize,
    ) -> Option<(u64, Self::Route)>;
    /// For each team driving back — its route and how long ago it set off — the time from
    /// where it now is to `site`, into `out` in order (`None`: no road).
    fn driving_back_to_site(
        &mut self,
        teams: &[(&Self::Route, u64)],
        site: &Self::Site,
        out: &mut Vec<Option<u64>>,
    );
    /// The providers offered a call from `site`, in order, each with the milliseconds it has
    /// to send a team before the offer rolls over to the next (the route's tiers). Empty: any
    /// team may go, and the call waits for one however long it takes.
    fn tiers(&mut self, _site: &Self::Site) -> Tiers {
        Tiers::new()
    }
    /// Whether a call from `site` is judged by its priority's rural target.
    fn rural(&mut self, _site: &Self::Site) -> bool {
        false
    }
}

/// A call's providers in the order they are offered it, each with its time to answer (ms).
pub type Tiers = Vec<(u16, u64)>;

/// Where a drive back starts.
#[derive(Debug, Clone, Copy)]
pub enum From<'a, S> {
    Scene(&'a S),
    Facility(usize),
}

/// Where a team is when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "index")]
pub enum Place {
    Post(usize),
    Facility(usize),
    /// The scene of this call (a call not transported).
    Scene(usize),
    /// On its way back to its post: this drive back of the trace.
    DrivingBack(usize),
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
    /// From a rural place ([`Travel::rural`]): judged by the rural target.
    pub rural: bool,
    /// The providers it is offered to in turn ([`Travel::tiers`]).
    pub tiers: Tiers,
    /// When each tier was offered the call, in order (the first at the dispatch time); empty
    /// without providers.
    pub offers: Vec<u64>,
    /// When the last tier's time to answer ran out with no team sent: the call went back to
    /// 911, and no team goes.
    pub returned_ms: Option<u64>,
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
    /// When the team cleared the call (on scene, or at the facility after the handover).
    pub cleared_ms: u64,
    /// The facility the person was taken to, and when the team got there.
    pub facility: Option<(usize, u64)>,
}

/// A team's drive back to its post.
#[derive(Debug, Clone, PartialEq)]
pub struct DriveBack<R> {
    pub team: usize,
    pub post: usize,
    pub from: Place,
    pub start_ms: u64,
    pub route: R,
    /// When it got back; `None` if it was sent on first.
    pub back_ms: Option<u64>,
}

/// Every call, assignment and drive back of a run, for checking it from outside.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace<S, R> {
    pub calls: Vec<CallRecord<S>>,
    pub assignments: Vec<Assignment>,
    /// Every drive back with its route; left empty by [`Trace::without_drives_back`].
    pub drives_back: Vec<DriveBack<R>>,
    keep_drives_back: bool,
}

impl<S, R> Default for Trace<S, R> {
    fn default() -> Self {
        Self {
            calls: Vec::new(),
            assignments: Vec::new(),
            drives_back: Vec::new(),
            keep_drives_back: true,
        }
    }
}

impl<S, R> Trace<S, R> {
    /// A trace of the calls and assignments alone: a year's routes back are many megabytes.
    pub fn without_drives_back() -> Self {
        Self { keep_drives_back: false, ..Self::default() }
    }
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
            if !p.rural_target_s.is_none_or(|t| t > 0.0 && t.is_finite()) {
                return Err(format!("priority {}: give a rural target above 0", p.name));
            }
            if !(p.share >= 0.0 && p.target_s > 0.0 && p.target_s.is_finite()) {
                return Err(format!(
                    "priority {}: give a share of 0 to 1 and a target above 0",
                    p.name
                ));
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
        if let Some(t) = self
            .teams
            .iter()
            .find(|t| t.on_duty.as_ref().is_some_and(|h| h.len() != 168 || !h.iter().any(|on| *on)))
        {
            return Err(format!("team {}'s shift covers no hour of the week", t.name));
        }
        if !(self.hours > 0.0
            && self.hours.is_finite()
            && self.warm_up_h >= 0.0
            && self.warm_up_h.is_finite())
        {
            return Err("give a period above 0 hours and a warm-up of 0 or more".into());
        }
        Ok(())
    }
}
