//! [`TeamState`]: one mobile crisis team as dispatch sees it — who it is, its shift, its
//! status and call, its recent calls, and where it is.
//!
//! A `TeamState` is a projection: the server builds it from the directory's team record
//! ([`TeamProfile`]) and replays the team's shift and status events and its newest fixes
//! through the methods here, in log order. Each method checks before it changes anything, so
//! a refused command leaves the state as it was.
//!
//! Invariants (kept by every method, checked by [`TeamState::restore`]):
//! - off shift ⇒ `out_of_service`;
//! - a status on a call (dispatched … at_facility) ⇔ an incident is named.

use domain::{AgencyId, GeoPoint, IncidentId, TeamId, Timestamp};

use crate::capability::Capability;
use crate::error::{DispatchError, Result};
use crate::position::{Fix, FixVerdict, PositionTrack, StalePolicy};
use crate::status::{TeamStatus, check_transition};

/// How many dispatch times a team remembers, for the workload count: more calls than this
/// in one workload window are counted as this many.
pub const REMEMBERED_DISPATCHES: usize = 32;

/// What the directory says about a team; none of it changes during a call.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamProfile {
    pub id: TeamId,
    /// The mobile crisis provider the team belongs to.
    pub provider: AgencyId,
    /// What dispatchers call it ("Lawrence 1"), used in explanations.
    pub name: String,
    pub capabilities: Vec<Capability>,
    /// Where the team waits between calls; the assumed position when none is known.
    pub home_base: GeoPoint,
    /// Who is on the team, for the dispatcher to see.
    pub members: Vec<String>,
}

/// Whether the team is working. Off shift, a team is out of service whatever happened before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shift {
    On,
    Off,
}

impl Shift {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Off => "off",
        }
    }

    /// Reads `on` or `off`.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            _ => Err(DispatchError::UnknownShift(s.to_owned())),
        }
    }
}

/// One team's dispatch state; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamState {
    pub profile: TeamProfile,
    shift: Shift,
    status: TeamStatus,
    status_since: Timestamp,
    incident: Option<IncidentId>,
    /// Times of the last [`REMEMBERED_DISPATCHES`] dispatches, oldest first.
    dispatches: Vec<Timestamp>,
    position: PositionTrack,
}

/// A `TeamState`'s fields as a row stores them (everything but a pending suspect fix, which
/// is only ever a moment's doubt about one fix).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamSnapshot {
    pub shift: Shift,
    pub status: TeamStatus,
    pub status_since: Timestamp,
    pub incident: Option<IncidentId>,
    pub recent_dispatches: Vec<Timestamp>,
    pub position: Option<Fix>,
    pub last_fix_received: Option<Timestamp>,
}

impl TeamState {
    /// A team as it first appears: off shift (so out of service) since `at`, no fix yet.
    pub fn new(profile: TeamProfile, at: Timestamp) -> Self {
        Self {
            profile,
            shift: Shift::Off,
            status: TeamStatus::OutOfService,
            status_since: at,
            incident: None,
            dispatches: Vec::new(),
            position: PositionTrack::default(),
        }
    }

    /// A team from a stored snapshot, refused when its fields contradict the invariants.
    pub fn restore(profile: TeamProfile, snapshot: TeamSnapshot) -> Result<Self> {
        let TeamSnapshot {
            shift,
            status,
            status_since,
            incident,
            mut recent_dispatches,
            position,
            last_fix_received,
        } = snapshot;
        if shift == Shift::Off && status != TeamStatus::OutOfService {
            return Err(DispatchError::Snapshot(format!(
                "an off-shift team must be out_of_service, not {}",
                status.as_str()
            )));
        }
        if status.is_on_a_call() != incident.is_some() {
            return Err(DispatchError::Snapshot(format!(
                "a team that is {} must {}name an incident",
                status.as_str(),
                if status.is_on_a_call() { "" } else { "not " }
            )));
        }
        recent_dispatches.sort_unstable();
        let keep_from = recent_dispatches.len().saturating_sub(REMEMBERED_DISPATCHES);
        recent_dispatches.drain(..keep_from);
        Ok(Self {
            profile,
            shift,
            status,
            status_since,
            incident,
            dispatches: recent_dispatches,
            position: PositionTrack::starting_at(position, last_fix_received),
        })
    }

    pub fn snapshot(&self) -> TeamSnapshot {
        TeamSnapshot {
            shift: self.shift,
            status: self.status,
            status_since: self.status_since,
            incident: self.incident,
            recent_dispatches: self.dispatches.clone(),
            position: self.position.current().copied(),
            last_fix_received: self.position.last_received(),
        }
    }

    pub const fn id(&self) -> TeamId {
        self.profile.id
    }

    pub const fn shift(&self) -> Shift {
        self.shift
    }

    pub const fn status(&self) -> TeamStatus {
        self.status
    }

    pub const fn status_since(&self) -> Timestamp {
        self.status_since
    }

    /// The incident the team is working, while its status is on a call.
    pub const fn incident(&self) -> Option<IncidentId> {
        self.incident
    }

    pub const fn position(&self) -> &PositionTrack {
        &self.position
    }

    pub fn has(&self, capability: &Capability) -> bool {
        self.profile.capabilities.contains(capability)
    }

    /// Dispatches in the `window_s` seconds up to `now` (at most [`REMEMBERED_DISPATCHES`]).
    pub fn calls_within(&self, now: Timestamp, window_s: u32) -> u32 {
        let from = now.plus_millis(-i64::from(window_s) * 1000);
        let count = self.dispatches.iter().filter(|at| **at >= from && **at <= now).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// Starts the shift: the team becomes available.
    pub fn start_shift(&mut self, at: Timestamp) -> Result<()> {
        if self.shift == Shift::On {
            return Err(DispatchError::AlreadyOnShift);
        }
        self.shift = Shift::On;
        self.set(TeamStatus::Available, None, at);
        Ok(())
    }

    /// Ends the shift: the team goes out of service. Refused mid-call.
    pub fn end_shift(&mut self, at: Timestamp) -> Result<()> {
        if self.shift == Shift::Off {
            return Err(DispatchError::AlreadyOffShift);
        }
        if self.status.is_on_a_call() {
            return Err(DispatchError::ShiftEndsOnACall(self.status));
        }
        self.shift = Shift::Off;
        if self.status != TeamStatus::OutOfService {
            self.set(TeamStatus::OutOfService, None, at);
        }
        Ok(())
    }

    /// Sends the team to `incident`: `available → dispatched`, counted as a call.
    pub fn dispatch(&mut self, incident: IncidentId, at: Timestamp) -> Result<()> {
        if let (true, Some(current)) = (self.status.is_on_a_call(), self.incident) {
            return Err(DispatchError::OnACall { status: self.status, incident: current });
        }
        self.check(TeamStatus::Dispatched)?;
        self.set(TeamStatus::Dispatched, Some(incident), at);
        if self.dispatches.len() >= REMEMBERED_DISPATCHES {
            self.dispatches.remove(0);
        }
        self.dispatches.push(at);
        Ok(())
    }

    /// Any other status change. `available` and `out_of_service` end the team's part in its
    /// incident; the statuses of a call keep the incident it was dispatched to.
    pub fn set_status(&mut self, to: TeamStatus, at: Timestamp) -> Result<()> {
        if to == TeamStatus::Dispatched {
            return Err(DispatchError::DispatchNeedsIncident);
        }
        self.check(to)?;
        let incident = if to.is_on_a_call() { self.incident } else { None };
        self.set(to, incident, at);
        Ok(())
    }

    /// Takes one GPS fix, received at `received_at` by the server's clock (see
    /// [`crate::position`] for the rules).
    pub fn apply_fix(&mut self, fix: Fix, received_at: Timestamp) -> FixVerdict {
        self.position.apply(fix, received_at)
    }

    /// Whether the live stream shows the team as stale at `now`.
    pub fn is_stale(&self, now: Timestamp, policy: &StalePolicy) -> bool {
        self.position.is_stale(now, policy)
    }

    fn check(&self, to: TeamStatus) -> Result<()> {
        if self.shift == Shift::Off {
            return Err(DispatchError::OffShift);
        }
        check_transition(self.status, to)
    }

    fn set(&mut self, status: TeamStatus, incident: Option<IncidentId>, at: Timestamp) {
        self.status = status;
        self.status_since = at;
        self.incident = incident;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> TeamState {
        let profile = TeamProfile {
            id: TeamId::new(Timestamp::from_millis(1)),
            provider: AgencyId::new(Timestamp::from_millis(1)),
            name: "Lawrence 1".into(),
            capabilities: vec![],
            home_base: GeoPoint::parse(38.97, -95.24).unwrap(),
            members: Vec::new(),
        };
        TeamState::new(profile, Timestamp::from_millis(0))
    }

    fn t(s: i64) -> Timestamp {
        Timestamp::from_millis(s * 1000)
    }

    #[test]
    fn the_workload_window_counts_recent_dispatches_only() {
        let mut team = team();
        team.start_shift(t(0)).unwrap();
        let incident = IncidentId::new(t(0));
        for at in [100, 200, 300] {
            team.dispatch(incident, t(at)).unwrap();
            team.set_status(TeamStatus::Available, t(at + 10)).unwrap();
        }
        assert_eq!(team.calls_within(t(300), 3600), 3);
        assert_eq!(team.calls_within(t(300 + 3600 - 150), 3600), 2, "the first is 3,650 s old");
        assert_eq!(team.calls_within(t(50), 3600), 0, "none before now");
    }

    #[test]
    fn shift_names_round_trip() {
        for shift in [Shift::On, Shift::Off] {
            assert_eq!(Shift::parse(shift.as_str()), Ok(shift));
        }
        assert_eq!(
            Shift::parse("maybe").unwrap_err().to_string(),
            "shift \"maybe\" is neither on nor off"
        );
    }

    #[test]
    fn only_the_last_dispatches_are_remembered() {
        let mut team = team();
        team.start_shift(t(0)).unwrap();
        for i in 0..40 {
            team.dispatch(IncidentId::new(t(i)), t(i)).unwrap();
            team.set_status(TeamStatus::Available, t(i)).unwrap();
        }
        assert_eq!(team.calls_within(t(40), 3600), REMEMBERED_DISPATCHES as u32);
        assert_eq!(team.snapshot().recent_dispatches.first(), Some(&t(8)));
    }
}
