//! [`recommend`]: which team to send to an incident, ranked, each with its reasons; and
//! [`auto_assign`], the rule for providers that let the system choose.
//!
//! **Who may go.** A team that is on shift and `available`. Teams on a call, out of service
//! or off shift are listed after every eligible team, with the reason, so the dispatcher
//! sees the whole roster; they are not ranked.
//!
//! **Where a team is taken to be** ([`PositionBasis`]):
//! - *live*: its current fix is no older than the stale threshold (3 × 10 s by default);
//! - *stale*: older than that but no older than `max_position_age_s` (15 min): the ETA is
//!   from that position, the explanation says how old it is, and the team is ranked as if it
//!   were that much further away — in that time it may have driven that far;
//! - *home base*: no fix, or one older than `max_position_age_s`. The ETA is from the home
//!   base, said to be assumed, and such teams rank after every team whose position is known.
//!
//! **Score** (seconds, lower is better; the ETA is the main term):
//!
//! ```text
//! score = eta
//!       + position age                       (stale positions only)
//!       + missing_capability_penalty_s × required capabilities the team lacks
//!       + workload_penalty_s × dispatches in the last workload_window_s
//!       + coverage_penalty_s × coverage loss (the share of the area's weight that no
//!                                             other available team reaches in time)
//! ```
//!
//! Defaults: 15 min per missing capability (a team with the skill is preferred unless it is
//! more than 15 min further away: a missing skill demotes, it does not exclude, because a
//! team without the youth specialist still beats no team), 2 min per call in the last 12 h,
//! 30 min for leaving the whole area uncovered (so 18 s per percentage point). Ties go to
//! the shorter ETA, then the name, then the team id, so equal inputs rank the same way
//! every time.
//!
//! **Auto-assignment** ([`auto_assign`]) takes the top candidate only when nothing about it
//! needs a person's judgement: eligible, live position with no pending jump, every required
//! capability, and an ETA of the same kind as the others' (by road when any is by road).
//! Otherwise it returns `None` and the dispatcher decides.

use domain::{IncidentId, Location, TeamId, Timestamp};

use crate::capability::Capability;
use crate::coverage::{Coverage, CoverageArea};
use crate::error::{DispatchError, Result};
use crate::explain;
use crate::position::StalePolicy;
use crate::status::TeamStatus;
use crate::team::{Shift, TeamState};
use crate::travel::{Eta, EtaSource, TravelTimes};

/// What the recommendation weighs, and how; see the module docs for the formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecommendSettings {
    pub stale: StalePolicy,
    /// Positions older than this are not used: the home base is assumed instead.
    pub max_position_age_s: u32,
    /// Response-time targets for coverage, by the incident area's class.
    pub urban_target_s: u32,
    pub rural_target_s: u32,
    pub missing_capability_penalty_s: u32,
    pub workload_penalty_s: u32,
    pub workload_window_s: u32,
    /// The penalty for a coverage loss of the whole area (scaled by the share lost).
    pub coverage_penalty_s: u32,
}

impl Default for RecommendSettings {
    fn default() -> Self {
        Self {
            stale: StalePolicy::default(),
            max_position_age_s: 15 * 60,
            urban_target_s: 60 * 60,
            rural_target_s: 120 * 60,
            missing_capability_penalty_s: 15 * 60,
            workload_penalty_s: 2 * 60,
            workload_window_s: 12 * 60 * 60,
            coverage_penalty_s: 30 * 60,
        }
    }
}

/// The response-time target coverage is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseTarget {
    Urban,
    Rural,
    /// An explicit target in seconds.
    Within(u32),
}

impl ResponseTarget {
    pub const fn seconds(self, settings: &RecommendSettings) -> u32 {
        match self {
            Self::Urban => settings.urban_target_s,
            Self::Rural => settings.rural_target_s,
            Self::Within(s) => s,
        }
    }
}

/// What the recommendation is for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecommendRequest<'a> {
    /// Where the person is; teams are routed to its centre (a circle's centre, a polygon's
    /// centroid).
    pub location: &'a Location,
    pub required: &'a [Capability],
    pub target: ResponseTarget,
    /// The provider's area, for coverage loss; `None` leaves coverage out.
    pub coverage: Option<&'a CoverageArea>,
}

/// Whether a team may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    Eligible,
    NotEligible(Ineligible),
}

/// Why a team may not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    OffShift,
    OutOfService {
        since: Timestamp,
    },
    /// Working an incident (`status` is one of dispatched … at_facility).
    OnACall {
        status: TeamStatus,
        incident: Option<IncidentId>,
        since: Timestamp,
    },
}

impl Ineligible {
    /// A stable name for the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OffShift => "off_shift",
            Self::OutOfService { .. } => "out_of_service",
            Self::OnACall { .. } => "on_a_call",
        }
    }
}

/// Where an eligible team's ETA starts from; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionBasis {
    Live { age_ms: i64 },
    Stale { age_ms: i64 },
    HomeBase { last_fix_age_ms: Option<i64> },
}

impl PositionBasis {
    /// A stable name for the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Live { .. } => "live",
            Self::Stale { .. } => "stale",
            Self::HomeBase { .. } => "home_base",
        }
    }
}

/// The area's covered share before and after the team leaves, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageChange {
    pub before: f64,
    pub after: f64,
}

impl CoverageChange {
    pub fn loss(&self) -> f64 {
        (self.before - self.after).max(0.0)
    }
}

/// One team in the recommendation. The fields an ineligible team has no value for are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub team: TeamId,
    pub name: String,
    pub eligibility: Eligibility,
    pub position: Option<PositionBasis>,
    pub eta: Option<Eta>,
    /// Required capabilities the team lacks, in the request's order.
    pub missing: Vec<Capability>,
    /// Dispatches in the workload window.
    pub recent_calls: u32,
    pub coverage: Option<CoverageChange>,
    /// The implied speed of a fix held back as an impossible jump, when one is pending.
    pub pending_jump_mps: Option<f64>,
    /// Seconds; lower ranks first.
    pub score_s: Option<f64>,
    pub explanation: String,
}

impl Candidate {
    pub fn is_eligible(&self) -> bool {
        self.eligibility == Eligibility::Eligible
    }
}

/// Ranks `teams` for the incident at `now`: eligible teams with a known position by score,
/// then eligible teams placed at their home base by score, then the ineligible by name.
/// Refused only when the incident's location is unknown.
pub fn recommend(
    request: &RecommendRequest<'_>,
    teams: &[TeamState],
    travel: &mut dyn TravelTimes,
    settings: &RecommendSettings,
    now: Timestamp,
) -> Result<Vec<Candidate>> {
    let destination =
        explain::representative_point(request.location).ok_or(DispatchError::UnknownLocation)?;
    let mut origins = Vec::with_capacity(teams.len());
    let mut going = Vec::with_capacity(teams.len());
    let mut ineligible = Vec::new();
    for team in teams {
        match ineligibility(team) {
            Some(reason) => ineligible.push((team, reason)),
            None => {
                let basis = position_basis(team, now, settings);
                origins.push(match (basis, team.position().current()) {
                    (PositionBasis::HomeBase { .. }, _) | (_, None) => team.profile.home_base,
                    (_, Some(fix)) => fix.point(),
                });
                going.push((team, basis));
            }
        }
    }
    travel.set_origins(&origins);
    let mut etas = Vec::with_capacity(origins.len());
    travel.times_to(destination, &mut etas);
    let target_s = request.target.seconds(settings);
    let coverage = request.coverage.map(|area| {
        let target_ms = u64::from(target_s) * 1000;
        let mut buffer = Vec::with_capacity(origins.len());
        (area, Coverage::compute(area, travel, &origins, target_ms, &mut buffer))
    });
    let context = explain::Context {
        required: request.required,
        workload_window_s: settings.workload_window_s,
        target_s,
        area: coverage.as_ref().map(|(area, _)| area.name()),
    };

    let mut ranked: Vec<(bool, Candidate)> = Vec::with_capacity(teams.len());
    for (k, (team, basis)) in going.into_iter().enumerate() {
        let eta = etas.get(k).copied();
        let missing: Vec<Capability> =
            request.required.iter().filter(|c| !team.has(c)).cloned().collect();
        let recent_calls = team.calls_within(now, settings.workload_window_s);
        let change = coverage.as_ref().map(|(_, c)| CoverageChange {
            before: c.now,
            after: (c.now - c.sole.get(k).copied().unwrap_or(0.0)).max(0.0),
        });
        let score = score_s(eta, basis, missing.len(), recent_calls, change, settings);
        let mut candidate = Candidate {
            team: team.id(),
            name: team.profile.name.clone(),
            eligibility: Eligibility::Eligible,
            position: Some(basis),
            eta,
            missing,
            recent_calls,
            coverage: change,
            pending_jump_mps: team.position().suspect().map(|(_, speed)| *speed),
            score_s: Some(score),
            explanation: String::new(),
        };
        candidate.explanation = explain::eligible(&candidate, team, &context);
        ranked.push((matches!(basis, PositionBasis::HomeBase { .. }), candidate));
    }
    ranked.sort_by(|(home_a, a), (home_b, b)| {
        home_a
            .cmp(home_b)
            .then(a.score_s.unwrap_or(f64::MAX).total_cmp(&b.score_s.unwrap_or(f64::MAX)))
            .then(a.eta.map(|e| e.millis).cmp(&b.eta.map(|e| e.millis)))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.team.cmp(&b.team))
    });
    ineligible
        .sort_by(|(a, _), (b, _)| a.profile.name.cmp(&b.profile.name).then(a.id().cmp(&b.id())));
    let mut candidates: Vec<Candidate> = ranked.into_iter().map(|(_, c)| c).collect();
    candidates.extend(ineligible.into_iter().map(|(team, reason)| {
        let mut candidate = Candidate {
            team: team.id(),
            name: team.profile.name.clone(),
            eligibility: Eligibility::NotEligible(reason),
            position: None,
            eta: None,
            missing: request.required.iter().filter(|c| !team.has(c)).cloned().collect(),
            recent_calls: team.calls_within(now, settings.workload_window_s),
            coverage: None,
            pending_jump_mps: None,
            score_s: None,
            explanation: String::new(),
        };
        candidate.explanation = explain::ineligible(&candidate, reason, now);
        candidate
    }));
    Ok(candidates)
}

/// The team the system may assign by itself, when the provider allows it: the top
/// candidate, only if nothing about it needs a person's judgement (see the module docs).
pub fn auto_assign(candidates: &[Candidate]) -> Option<TeamId> {
    let best = candidates.first()?;
    let any_by_road = candidates
        .iter()
        .any(|c| c.is_eligible() && c.eta.is_some_and(|e| e.source == EtaSource::Road));
    let comparable = best.eta.is_some_and(|e| e.source == EtaSource::Road || !any_by_road);
    let sure = best.is_eligible()
        && matches!(best.position, Some(PositionBasis::Live { .. }))
        && best.pending_jump_mps.is_none()
        && best.missing.is_empty()
        && comparable;
    sure.then_some(best.team)
}

fn ineligibility(team: &TeamState) -> Option<Ineligible> {
    let since = team.status_since();
    match (team.shift(), team.status()) {
        (Shift::Off, _) => Some(Ineligible::OffShift),
        (Shift::On, TeamStatus::Available) => None,
        (Shift::On, TeamStatus::OutOfService) => Some(Ineligible::OutOfService { since }),
        (Shift::On, status) => {
            Some(Ineligible::OnACall { status, incident: team.incident(), since })
        }
    }
}

fn position_basis(team: &TeamState, now: Timestamp, settings: &RecommendSettings) -> PositionBasis {
    let max_ms = i64::from(settings.max_position_age_s) * 1000;
    match team.position().age_ms(now) {
        Some(age_ms) if age_ms <= settings.stale.threshold_ms() => PositionBasis::Live { age_ms },
        Some(age_ms) if age_ms <= max_ms => PositionBasis::Stale { age_ms },
        last_fix_age_ms => PositionBasis::HomeBase { last_fix_age_ms },
    }
}

fn score_s(
    eta: Option<Eta>,
    basis: PositionBasis,
    missing: usize,
    recent_calls: u32,
    coverage: Option<CoverageChange>,
    settings: &RecommendSettings,
) -> f64 {
    let eta_s = eta.map_or(f64::MAX, Eta::seconds);
    let age_s = match basis {
        PositionBasis::Stale { age_ms } => age_ms as f64 / 1000.0,
        _ => 0.0,
    };
    score(eta_s, age_s, missing, recent_calls, coverage.map_or(0.0, |c| c.loss()), settings)
}

/// The recommendation's score of one team, seconds (lower ranks first): the formula of the
/// module docs, from its terms. [`recommend`] ranks by it; the simulator sends by it.
pub fn score(
    eta_s: f64,
    position_age_s: f64,
    missing_capabilities: usize,
    recent_calls: u32,
    coverage_loss: f64,
    settings: &RecommendSettings,
) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let missing = missing_capabilities as f64;
    eta_s
        + position_age_s
        + f64::from(settings.missing_capability_penalty_s) * missing
        + f64::from(settings.workload_penalty_s) * f64::from(recent_calls)
        + f64::from(settings.coverage_penalty_s) * coverage_loss
}
