//! The incident and its state machine.
//!
//! [`Incident::open`] and [`Incident::apply`] are the only ways an incident comes to be or
//! changes, for live commands and for replays from the log alike. Both check the event
//! against the current state first and change nothing when they refuse it, so a log that was
//! written through them replays to the same state every time.

use std::collections::{BTreeMap, BTreeSet};

use crate::contact::{CallbackNumber, Text};
use crate::event::{Disposition, Event, EventKind, TriageOutcome};
use crate::ids::{AgencyId, IncidentId, TeamId, UserId};
use crate::location::Location;
use crate::route::Route;
use crate::time::Timestamp;

mod follow_up;
mod gate;
mod handoff;
mod transfer;
pub use follow_up::{
    Attempt, AttemptResult, Finished, FollowUp, FollowUpOutcome, FollowUpPlan, MAX_ATTEMPTS,
};
pub use gate::{Alarm, AlarmKind, Destination, Override};
pub use handoff::{EmergencyHandoff, HandoffOutcome, HandoffPayload, confidence};
pub use transfer::{PendingTransfer, Unanswered};

/// How the contact reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Nine11,
    Nine88,
    Other,
}

impl Channel {
    pub const ALL: [Self; 3] = [Self::Nine11, Self::Nine88, Self::Other];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Nine11 => "911",
            Self::Nine88 => "988",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where an incident stands, derived from its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentStatus {
    /// Being handled by its holder.
    Open,
    /// Offered to another agency, waiting for an answer.
    TransferPending,
    /// At least one mobile crisis team is on it.
    TeamDispatched,
    Closed,
}

impl IncidentStatus {
    pub const ALL: [Self; 4] =
        [Self::Open, Self::TransferPending, Self::TeamDispatched, Self::Closed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::TransferPending => "transfer_pending",
            Self::TeamDispatched => "team_dispatched",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A triage decision; the latest one's outcome is the incident's recommended next action.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageDecision {
    pub outcome: TriageOutcome,
    pub protocol: String,
    pub protocol_version: u32,
    pub rule: String,
    pub answers: Vec<(String, String)>,
    pub at: Timestamp,
    /// Who recorded it, for which agency: the agency whose protocol decided.
    pub actor: crate::event::Actor,
    pub agency: AgencyId,
    /// Why the call was triaged again, for a decision that replaced an earlier one.
    pub retriage_reason: Option<Text>,
}

/// A note in the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub at: Timestamp,
    pub agency: AgencyId,
    pub text: Text,
    pub audience: crate::event::NoteAudience,
}

/// Where a team is taking the person, and whether the facility took them over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenDestination {
    pub facility: uuid::Uuid,
    /// The agency that runs the facility.
    pub operator: AgencyId,
    pub team: Option<TeamId>,
    pub chosen_at: Timestamp,
    pub eta_s: Option<u32>,
    pub handed_over_at: Option<Timestamp>,
}

/// The end of an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Closure {
    pub at: Timestamp,
    pub disposition: Disposition,
    pub remark: Text,
}

/// Current state of one incident: what its events add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: IncidentId,
    pub channel: Channel,
    pub opened_at: Timestamp,
    /// The agency that opened the incident.
    pub opened_by: AgencyId,
    /// The agency responsible for it now; changes when a transfer is accepted.
    pub holder: AgencyId,
    pub location: Location,
    /// The civic address beside the location, when one was given for it.
    pub address: Option<Text>,
    pub callback: Option<CallbackNumber>,
    pub summary: Text,
    /// Every agency that has taken part — opened it, was offered it, sent a team, or recorded
    /// anything on it: it decides who may see the incident.
    pub involved: BTreeSet<AgencyId>,
    /// The latest route per service.
    pub routes: Vec<Route>,
    pub triage: Option<TriageDecision>,
    /// Earlier decisions, replaced by re-triage, oldest first.
    pub triage_history: Vec<TriageDecision>,
    /// Overrides of the current decision, in order.
    pub overrides: Vec<Override>,
    pub transfer: Option<PendingTransfer>,
    /// What must not go unnoticed, until someone acts on it.
    pub alarm: Option<Alarm>,
    /// A 988 contact's imminent-risk handoff to a PSAP, and its follow-up.
    pub handoff: Option<EmergencyHandoff>,
    /// The 988 contact whose handoff opened this incident.
    pub handed_off_from: Option<IncidentId>,
    /// The embedded clinician working the call, and since when.
    pub clinician: Option<(UserId, Timestamp)>,
    pub teams: Vec<TeamId>,
    pub notes: Vec<Note>,
    /// The person's language, interpreter need and age band, as last described.
    pub contact: crate::ContactDetails,
    /// Each agency's last part in the incident: the version after the last event it recorded
    /// or was offered the incident by. An agency that is no longer taking part sees the
    /// incident as it was then ([`Incident::cutoff_for`]).
    pub last_part: BTreeMap<AgencyId, u64>,
    /// Providers that sent a team: they take part for the rest of the incident.
    pub responders: BTreeSet<AgencyId>,
    pub closure: Option<Closure>,
    /// Whether the person agreed to be contacted again, if asked.
    pub follow_up_consent: Option<bool>,
    /// Follow-ups after the contact, each for one agency's care navigators.
    pub follow_ups: Vec<FollowUp>,
    /// Where a team is taking the person (the latest choice), and the hand-over.
    pub destination: Option<ChosenDestination>,
    pub updated_at: Timestamp,
    /// How many events this state is made of; the next event is number `version + 1`.
    pub version: u64,
}

/// Why an event was refused in the incident's current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("an incident must start with an `opened` event, not `{0}`")]
    NotOpened(&'static str),
    #[error("the incident is already open; `opened` can only be its first event")]
    AlreadyOpened,
    #[error("the event belongs to incident {event}, not to incident {incident}")]
    WrongIncident { incident: IncidentId, event: IncidentId },
    #[error("the incident is closed; nothing can be added to it")]
    IncidentClosed,
    #[error(
        "a transfer to agency {to} is still pending; it must be accepted, declined or time out first"
    )]
    TransferPending { to: AgencyId },
    #[error("there is no pending transfer to answer")]
    NoPendingTransfer,
    #[error("{}", match expected {
        Some(next) => format!("the offer was not taken; the transfer goes on to the next tier, agency {next}, or is returned"),
        None => "the offer was not taken and no tier is left; the transfer must be returned".to_owned(),
    })]
    NotNextTier { expected: Option<AgencyId> },
    #[error("only a transfer whose offer was declined or timed out can be returned")]
    NothingToReturn,
    #[error("only a 988 contact is handed off for imminent risk; this is a {0} incident")]
    NotA988Contact(&'static str),
    #[error(
        "the handoff to incident {0} awaits its follow-up: record whether emergency services made contact first"
    )]
    HandoffUnconfirmed(IncidentId),
    #[error("there is no handoff awaiting its follow-up")]
    NoHandoffToConfirm,
    #[error("a handoff's origin is recorded only directly after the incident opens")]
    OriginAfterOpening,
    #[error(
        "the call is not for the embedded clinician: its triage decision is not embedded_clinician"
    )]
    NotForClinician,
    #[error("clinician {0} already holds the call; they can hand it back or on")]
    ClinicianHolds(UserId),
    #[error("no clinician holds the call")]
    NoClinician,
    #[error("only the clinician who holds the call ({0}) can hand it back or on")]
    NotTheClinician(UserId),
    #[error("only the agency the transfer was offered to ({to}) can answer it")]
    NotTransferRecipient { to: AgencyId },
    #[error("the incident is already held by agency {0}; offer it to another agency")]
    TransferToHolder(AgencyId),
    #[error(
        "the incident's triage decision is {outcome} (rule {rule}), which does not send it to {}: re-triage with new answers, or have a supervisor override the decision with a reason",
        destination.as_str()
    )]
    DecisionForbids { outcome: &'static str, rule: String, destination: Destination },
    #[error(
        "the incident is triaged already (decision {0}); to change it, re-triage with a reason"
    )]
    AlreadyTriaged(&'static str),
    #[error("the incident has no triage decision to replace; record one first")]
    NotTriaged,
    #[error("this transfer is offered until a PSAP takes it; it is never returned")]
    OfferedUntilTaken,
    #[error("the incident has no alarm to resolve")]
    NoAlarm,
    #[error(
        "the incident has an alarm ({0}) nobody acted on: resolve it, saying what was done, before closing"
    )]
    AlarmOpen(&'static str),
    #[error(
        "an imminent-risk handoff is still being offered to PSAPs: withdraw it with what was done instead before resolving its alarm"
    )]
    HandoffStillOffered,
    #[error("the transfer deadline must be after the offer")]
    DeadlineNotAfterOffer,
    #[error("the transfer's deadline has not passed yet")]
    DeadlineNotReached,
    #[error("team {0} is already dispatched to this incident")]
    TeamAlreadyDispatched(TeamId),
    #[error("team {0} was not dispatched to this incident")]
    TeamNotOnIncident(TeamId),
    #[error("only the agency that holds the incident ({holder}) can {action}")]
    NotHolder { holder: AgencyId, action: &'static str },
    #[error("the incident has no follow-up number {0}")]
    NoFollowUp(u16),
    #[error("follow-up {0} belongs to another agency; only its own agency works it")]
    NotFollowUpOwner(u16),
    #[error("follow-up {0} is finished ({1}); nothing more can be recorded on it")]
    FollowUpFinished(u16, &'static str),
    #[error("the incident already has a follow-up numbered {0}")]
    FollowUpExists(u16),
    #[error("your agency already has an open follow-up on this incident: work that one")]
    FollowUpOpen,
    #[error("a follow-up cannot be due before it is recorded")]
    FollowUpDueInPast,
    #[error("a follow-up allows 1 to {} attempts", follow_up::MAX_ATTEMPTS)]
    FollowUpAttempts,
    #[error("no follow-up without the person's consent: {0}")]
    FollowUpConsent(&'static str),
    #[error(
        "only a contact at imminent risk (an emergency handoff decided or made) is followed up without consent"
    )]
    NotImminentRisk,
    #[error("a follow-up ends as reopened exactly when it names the new incident")]
    ReopenedWithout,
    #[error("no team is bringing the person to this facility: choose it as the destination first")]
    NotTheDestination,
    #[error("only the agency that runs the facility can take the hand-over")]
    NotTheOperator,
    #[error("the facility has already taken the person over")]
    AlreadyHandedOver,
}

impl Incident {
    /// The incident as `agency` may see it: without other agencies' private notes.
    #[must_use]
    pub fn as_seen_by(&self, agency: AgencyId) -> Self {
        let mut seen = self.clone();
        seen.notes.retain(|n| n.audience.reaches(n.agency, agency));
        seen.follow_ups.retain(|f| f.agency == agency);
        seen
    }

    /// Starts an incident from its `Opened` event.
    pub fn open(event: &Event) -> Result<Self, TransitionError> {
        let EventKind::Opened { channel, location, callback, summary } = &event.kind else {
            return Err(TransitionError::NotOpened(event.kind.name()));
        };
        Ok(Self {
            id: event.incident,
            channel: *channel,
            opened_at: event.at,
            opened_by: event.agency,
            holder: event.agency,
            location: location.clone(),
            address: None,
            callback: callback.clone(),
            summary: summary.clone(),
            involved: BTreeSet::from([event.agency]),
            routes: Vec::new(),
            triage: None,
            triage_history: Vec::new(),
            overrides: Vec::new(),
            transfer: None,
            alarm: None,
            handoff: None,
            handed_off_from: None,
            clinician: None,
            teams: Vec::new(),
            notes: Vec::new(),
            contact: crate::ContactDetails::default(),
            last_part: BTreeMap::from([(event.agency, 1)]),
            responders: BTreeSet::new(),
            closure: None,
            follow_up_consent: None,
            follow_ups: Vec::new(),
            destination: None,
            updated_at: event.at,
            version: 1,
        })
    }

    /// The state after `event`, for a state that may not exist yet.
    pub fn next(state: Option<Self>, event: &Event) -> Result<Self, TransitionError> {
        match state {
            None => Self::open(event),
            Some(mut incident) => {
                incident.apply(event)?;
                Ok(incident)
            }
        }
    }

    /// Rebuilds an incident from its events, in order.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Option<Self>, TransitionError> {
        events.into_iter().try_fold(None, |state, event| Self::next(state, event).map(Some))
    }

    pub const fn status(&self) -> IncidentStatus {
        if self.closure.is_some() {
            IncidentStatus::Closed
        } else if self.transfer.is_some() {
            IncidentStatus::TransferPending
        } else if !self.teams.is_empty() {
            IncidentStatus::TeamDispatched
        } else {
            IncidentStatus::Open
        }
    }

    /// Whether the call waits in the embedded-clinician queue: triaged (or overridden) for
    /// the clinician, open, and held by no clinician.
    pub fn awaits_clinician(&self) -> bool {
        self.closure.is_none() && self.clinician.is_none() && self.for_clinician()
    }

    fn for_clinician(&self) -> bool {
        self.triage.as_ref().is_some_and(|t| t.outcome == TriageOutcome::EmbeddedClinician)
            || self.overrides.iter().any(|o| o.destination == Destination::EmbeddedClinician)
    }

    /// Why the protocol gate refuses sending this incident to `destination` now, if it does:
    /// a 911 call held by the agency whose protocol decided goes to a crisis service only when
    /// the decision includes it or an override says so (see `gate`).
    pub fn gate(&self, destination: Destination) -> Result<(), TransitionError> {
        if !destination.is_gated() || self.channel != Channel::Nine11 {
            return Ok(());
        }
        let Some(decision) = self.triage.as_ref().filter(|d| d.agency == self.holder) else {
            return Ok(());
        };
        if decision.outcome.allows(destination)
            || self.overrides.iter().any(|o| o.destination == destination)
        {
            return Ok(());
        }
        Err(TransitionError::DecisionForbids {
            outcome: decision.outcome.as_str(),
            rule: decision.rule.clone(),
            destination,
        })
    }

    /// Whether an override lets the incident go to `destination`.
    pub fn overridden_for(&self, destination: Destination) -> bool {
        self.overrides.iter().any(|o| o.destination == destination)
    }

    /// What Crisisbridge must record next, at `at`, on its own: after an offer was declined or
    /// timed out, the offer to the next tier or the transfer's return (or, for a transfer
    /// offered until taken, the next round, with an alarm the first time). Callers append it
    /// in the same commit as the event that called for it.
    pub fn follow_up(&self, at: Timestamp) -> Vec<EventKind> {
        let alarmed = self.alarm.as_ref().is_some_and(|a| a.kind == AlarmKind::HandoffUnanswered);
        self.transfer.as_ref().map(|t| t.next_step(at, alarmed)).unwrap_or_default()
    }

    /// Applies one event, or refuses it and leaves `self` unchanged.
    pub fn apply(&mut self, event: &Event) -> Result<(), TransitionError> {
        self.check(event)?;
        match &event.kind {
            EventKind::Opened { .. } => {}
            EventKind::Located { location } => {
                self.location = location.clone();
                self.address = None;
            }
            EventKind::AddressRecorded { address } => self.address = address.clone(),
            EventKind::Routed(route) => {
                self.routes.retain(|r| r.service != route.service);
                // A route recommends who should handle the incident; it does not show the
                // incident to that agency. An agency is involved once it is offered the incident
                // or sends a team — a 988 center does not see every 911 call in its region.
                self.routes.push(route.clone());
            }
            EventKind::TriageRecorded { outcome, protocol, protocol_version, rule, answers } => {
                self.triage = Some(TriageDecision {
                    outcome: *outcome,
                    protocol: protocol.clone(),
                    protocol_version: *protocol_version,
                    rule: rule.clone(),
                    answers: answers.clone(),
                    at: event.at,
                    actor: event.actor,
                    agency: event.agency,
                    retriage_reason: None,
                });
            }
            EventKind::Retriaged { outcome, protocol, protocol_version, rule, answers, reason } => {
                let next = TriageDecision {
                    outcome: *outcome,
                    protocol: protocol.clone(),
                    protocol_version: *protocol_version,
                    rule: rule.clone(),
                    answers: answers.clone(),
                    at: event.at,
                    actor: event.actor,
                    agency: event.agency,
                    retriage_reason: Some(reason.clone()),
                };
                if let Some(earlier) = self.triage.replace(next) {
                    self.triage_history.push(earlier);
                }
                // An override answered the decision it was given against.
                self.overrides.clear();
            }
            EventKind::DecisionOverridden { destination, reason } => {
                self.overrides.push(Override {
                    destination: *destination,
                    reason: reason.clone(),
                    at: event.at,
                    actor: event.actor,
                    agency: event.agency,
                });
            }
            EventKind::TransferOffered { to, .. } => {
                self.involved.insert(*to);
                // The holder acting again on a returned transfer is acting on its alarm.
                if event.actor != crate::event::Actor::System
                    && self.alarm.as_ref().is_some_and(|a| a.kind == AlarmKind::TransferReturned)
                {
                    self.alarm = None;
                }
                self.apply_transfer(event);
            }
            EventKind::TransferAccepted => {
                // A PSAP took the handoff: the alarm has done its work.
                if self.alarm.as_ref().is_some_and(|a| a.kind == AlarmKind::HandoffUnanswered) {
                    self.alarm = None;
                }
                self.apply_transfer(event);
            }
            EventKind::TransferReturned { reason } => {
                self.alarm = Some(Alarm {
                    kind: AlarmKind::TransferReturned,
                    raised_at: event.at,
                    reason: reason.clone(),
                });
                self.apply_transfer(event);
            }
            EventKind::TransferDeclined { .. }
            | EventKind::TransferTimedOut
            | EventKind::TransferWithdrawn { .. } => self.apply_transfer(event),
            EventKind::AlarmRaised { kind, reason } => {
                self.alarm =
                    Some(Alarm { kind: *kind, raised_at: event.at, reason: reason.clone() });
            }
            EventKind::AlarmResolved { .. } => self.alarm = None,
            EventKind::EmergencyHandoffStarted { handoff } => {
                self.handoff = Some(EmergencyHandoff {
                    incident: *handoff,
                    started_at: event.at,
                    outcome: None,
                });
            }
            EventKind::EmergencyHandoffConfirmed { outcome, .. } => {
                if let Some(h) = self.handoff.as_mut() {
                    h.outcome = Some((*outcome, event.at));
                }
            }
            EventKind::HandedOffFrom { incident } => self.handed_off_from = Some(*incident),
            EventKind::ClinicianClaimed { clinician }
            | EventKind::ClinicianHandedOn { to: clinician } => {
                self.clinician = Some((*clinician, event.at));
            }
            EventKind::ClinicianReleased { .. } => self.clinician = None,
            EventKind::TeamDispatched { team, provider } => {
                self.teams.push(*team);
                self.involved.insert(*provider);
            }
            // The team's own state is kept beside the incident (the team log); the event is
            // the incident's record of it.
            EventKind::TeamStatusChanged { .. } => {}
            EventKind::NoteAdded { text, audience } => {
                self.notes.push(Note {
                    at: event.at,
                    agency: event.agency,
                    text: text.clone(),
                    audience: *audience,
                });
            }
            EventKind::ContactDescribed(details) => self.contact = details.clone(),
            EventKind::Closed { disposition, remark } => {
                self.closure = Some(Closure {
                    at: event.at,
                    disposition: *disposition,
                    remark: remark.clone(),
                });
            }
            EventKind::DestinationChosen { facility, operator, team, eta_s, .. } => {
                self.involved.insert(*operator);
                self.destination = Some(ChosenDestination {
                    facility: *facility,
                    operator: *operator,
                    team: *team,
                    chosen_at: event.at,
                    eta_s: *eta_s,
                    handed_over_at: None,
                });
            }
            EventKind::HandoverAccepted { .. } => {
                if let Some(d) = self.destination.as_mut() {
                    d.handed_over_at = Some(event.at);
                }
            }
            EventKind::HandoverRefused { .. } => self.destination = None,
            EventKind::FollowUpConsentRecorded { .. }
            | EventKind::FollowUpScheduled(_)
            | EventKind::FollowUpAttempted { .. }
            | EventKind::FollowUpFinished { .. } => follow_up::apply(self, event),
        }
        self.involved.insert(event.agency);
        self.updated_at = self.updated_at.max(event.at);
        self.version += 1;
        // Working a follow-up is not taking part: it does not move the agency's cut-off.
        if !event.kind.is_follow_up_work() {
            self.last_part.insert(event.agency, self.version);
        }
        match &event.kind {
            EventKind::TransferOffered { to, .. } => {
                self.last_part.insert(*to, self.version);
            }
            EventKind::TeamDispatched { provider, .. } => {
                self.responders.insert(*provider);
                self.last_part.insert(*provider, self.version);
            }
            EventKind::DestinationChosen { operator, .. } => {
                self.last_part.insert(*operator, self.version);
            }
            _ => {}
        }
        Ok(())
    }

    /// Up to which version `agency` may see the incident: `None` while it takes part — it
    /// opened or holds the incident, is being offered it, or sent a team — and otherwise its
    /// last part (an agency that declined, or whose offer timed out or was withdrawn, sees
    /// what it saw then, not later changes).
    pub fn cutoff_for(&self, agency: AgencyId) -> Option<u64> {
        let taking_part = agency == self.holder
            || agency == self.opened_by
            || self.transfer.as_ref().is_some_and(|t| t.to == agency && t.unanswered.is_none())
            || self.responders.contains(&agency)
            || self.destination.as_ref().is_some_and(|d| d.operator == agency);
        if taking_part { None } else { self.last_part.get(&agency).copied() }
    }

    /// The protocol gate, for the events that send the incident somewhere.
    fn check_gate(&self, event: &Event) -> Result<(), TransitionError> {
        match &event.kind {
            // A rollover continues a transfer the gate already let through.
            EventKind::TransferOffered { destination, .. }
                if self.transfer.as_ref().is_none_or(|t| t.unanswered.is_none()) =>
            {
                self.gate(*destination)
            }
            EventKind::TeamDispatched { .. } => self.gate(Destination::MobileCrisis),
            EventKind::ClinicianClaimed { .. } => self.gate(Destination::EmbeddedClinician),
            _ => Ok(()),
        }
    }

    fn apply_transfer(&mut self, event: &Event) {
        let (transfer, taker) = transfer::apply(self.holder, self.transfer.take(), event);
        self.transfer = transfer;
        if let Some(taker) = taker {
            self.holder = taker;
        }
    }

    /// Whether `event` may follow the current state. Changes nothing.
    fn check(&self, event: &Event) -> Result<(), TransitionError> {
        use TransitionError as E;
        if event.incident != self.id {
            return Err(E::WrongIncident { incident: self.id, event: event.incident });
        }
        if matches!(event.kind, EventKind::Opened { .. }) {
            return Err(E::AlreadyOpened);
        }
        if self.closure.is_some() && !event.kind.is_follow_up_work() {
            return Err(E::IncidentClosed);
        }
        follow_up::check(self, event)?;
        // Handing the incident on and ending it are the holder's decisions; other involved
        // agencies (a 988 center that declined, a dispatched team's provider) may add to it.
        let holder_only = match event.kind {
            EventKind::TransferOffered { .. } => Some("offer it to another agency"),
            EventKind::TransferWithdrawn { .. } => Some("withdraw its offer"),
            EventKind::Closed { .. } => Some("close it"),
            EventKind::EmergencyHandoffStarted { .. } => Some("hand it off"),
            EventKind::DecisionOverridden { .. } => Some("override its triage decision"),
            EventKind::AlarmResolved { .. } => Some("resolve its alarm"),
            _ => None,
        };
        if let Some(action) = holder_only.filter(|_| event.agency != self.holder) {
            return Err(E::NotHolder { holder: self.holder, action });
        }
        transfer::check(self.holder, self.transfer.as_ref(), event)?;
        self.check_gate(event)?;
        let awaiting_follow_up = self.handoff.as_ref().filter(|h| h.outcome.is_none());
        match &event.kind {
            EventKind::EmergencyHandoffStarted { .. } if self.channel != Channel::Nine88 => {
                return Err(E::NotA988Contact(self.channel.as_str()));
            }
            EventKind::EmergencyHandoffStarted { .. } | EventKind::Closed { .. } => {
                if let Some(h) = awaiting_follow_up {
                    return Err(E::HandoffUnconfirmed(h.incident));
                }
            }
            EventKind::EmergencyHandoffConfirmed { .. } if awaiting_follow_up.is_none() => {
                return Err(E::NoHandoffToConfirm);
            }
            EventKind::HandedOffFrom { .. } if self.version != 1 => {
                return Err(E::OriginAfterOpening);
            }
            EventKind::TriageRecorded { .. } => {
                if let Some(t) = &self.triage {
                    return Err(E::AlreadyTriaged(t.outcome.as_str()));
                }
            }
            EventKind::Retriaged { .. } if self.triage.is_none() => return Err(E::NotTriaged),
            EventKind::DestinationChosen { .. }
                if self.destination.as_ref().is_some_and(|d| d.handed_over_at.is_some()) =>
            {
                return Err(E::AlreadyHandedOver);
            }
            EventKind::HandoverAccepted { facility }
            | EventKind::HandoverRefused { facility, .. } => {
                let Some(d) = self.destination.as_ref().filter(|d| d.facility == *facility) else {
                    return Err(E::NotTheDestination);
                };
                if d.operator != event.agency {
                    return Err(E::NotTheOperator);
                }
                if d.handed_over_at.is_some() {
                    return Err(E::AlreadyHandedOver);
                }
            }
            EventKind::AlarmResolved { .. } => match &self.alarm {
                None => return Err(E::NoAlarm),
                Some(a)
                    if a.kind == AlarmKind::HandoffUnanswered
                        && self.transfer.as_ref().is_some_and(|t| t.until_taken) =>
                {
                    return Err(E::HandoffStillOffered);
                }
                Some(_) => {}
            },
            EventKind::ClinicianClaimed { .. } => {
                if !self.for_clinician() {
                    return Err(E::NotForClinician);
                }
                if let Some((holder, _)) = self.clinician {
                    return Err(E::ClinicianHolds(holder));
                }
            }
            EventKind::ClinicianReleased { .. } | EventKind::ClinicianHandedOn { .. } => {
                let Some((holder, _)) = self.clinician else { return Err(E::NoClinician) };
                if event.actor != crate::event::Actor::User(holder) {
                    return Err(E::NotTheClinician(holder));
                }
            }
            _ => {}
        }
        match (&event.kind, &self.transfer) {
            (EventKind::Closed { .. }, Some(t)) => Err(E::TransferPending { to: t.to }),
            (EventKind::Closed { .. }, None) if self.alarm.is_some() => {
                Err(E::AlarmOpen(self.alarm.as_ref().map_or("alarm", |a| a.kind.as_str())))
            }
            (EventKind::TeamDispatched { team, .. }, _) if self.teams.contains(team) => {
                Err(E::TeamAlreadyDispatched(*team))
            }
            (EventKind::TeamStatusChanged { team, .. }, _) if !self.teams.contains(team) => {
                Err(E::TeamNotOnIncident(*team))
            }
            (EventKind::TeamStatusChanged { to: Some(to), .. }, _)
                if self.destination.as_ref().is_none_or(|d| d.facility != *to) =>
            {
                Err(E::NotTheDestination)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
