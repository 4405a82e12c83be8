//! What the measures need to know of each incident, gathered from its events as they go by.

use std::collections::HashMap;

use domain::{
    AgeBand, AgencyId, Channel, Destination, Disposition, EventKind, HandoffOutcome, IncidentId,
    Location, RouteBasis, TeamId, TeamStatus, Timestamp, TriageOutcome,
};

/// Days within which a second contact from the same callback number is a repeat.
pub const REPEAT_WINDOWS_DAYS: [i64; 2] = [7, 30];
const DAY_MS: i64 = 86_400_000;

/// One incident, as far as the measures are concerned.
#[derive(Debug, Clone)]
pub struct Facts {
    pub opened_at: Timestamp,
    pub channel: Channel,
    /// The agency that opened it.
    pub agency: AgencyId,
    /// Every agency involved after its latest event.
    pub involved: Vec<AgencyId>,
    /// Its best location.
    pub location: Location,
    /// Its callback number (interned in [`Gathered::numbers`]) and its place among that
    /// number's incidents, in log order: what [`Gathered::repeat_of`] looks back from.
    contact: Option<(u32, usize)>,
    /// The latest triage decision.
    pub decision: Option<TriageOutcome>,
    /// Whether any decision was made on at least one "unknown" answer.
    pub unknown_answers: bool,
    pub overrides: u32,
    /// Transfers, each from its first offer to its end.
    pub transfers: Vec<Transfer>,
    /// The transfer under way: when it was first offered, and to what kind of service.
    open_transfer: Option<(Timestamp, Destination)>,
    pub clinician_claimed: Option<Timestamp>,
    pub dispatches: Vec<Dispatch>,
    pub closed: Option<(Timestamp, Disposition)>,
    pub handoff_started: bool,
    pub handoff_outcome: Option<HandoffOutcome>,
    /// This is a PSAP's incident made by a 988 center's imminent-risk handoff.
    pub handed_off_from: bool,
    /// When any agency first accepted a transfer of it.
    pub first_accepted: Option<Timestamp>,
    /// Some service's route found nobody covering its location.
    pub no_coverage: bool,
    /// As last described: whether the person needs an interpreter, and their age band.
    pub interpreter: bool,
    pub age_band: Option<AgeBand>,
    /// Follow-ups after the contact, in the order they were made.
    pub follow_ups: Vec<FollowUpFact>,
    /// Where teams chose to take the person, in order, and how each ended.
    pub destinations: Vec<DestinationFact>,
}

/// A facility chosen for the person.
#[derive(Debug, Clone)]
pub struct DestinationFact {
    pub facility: uuid::Uuid,
    /// The facility turned the team away: `true` when for want of a bed or chair.
    pub refused: Option<bool>,
    pub handed_over_at: Option<Timestamp>,
}

/// A follow-up and how it went.
#[derive(Debug, Clone)]
pub struct FollowUpFact {
    pub number: u16,
    /// The agency whose navigators make it.
    pub agency: AgencyId,
    pub scheduled_at: Timestamp,
    /// When it was first due: "done in time" is against this, not a later retry.
    pub due: Timestamp,
    pub without_consent: bool,
    pub attempts: u32,
    pub first_attempt_at: Option<Timestamp>,
    /// The first attempt that reached the person.
    pub reached_at: Option<Timestamp>,
    pub finished: Option<(Timestamp, domain::incident::FollowUpOutcome)>,
}

/// A transfer from its first offer to its end.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub offered_at: Timestamp,
    pub destination: Destination,
    pub end: TransferEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEnd {
    Accepted(Timestamp),
    /// Nobody took it, with the reason recorded.
    Returned(String),
    Withdrawn,
}

/// A team sent, and the statuses it reported on the incident.
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub team: TeamId,
    pub at: Timestamp,
    pub en_route: Option<Timestamp>,
    pub on_scene: Option<Timestamp>,
    /// Its first status after on scene (transporting, available, …).
    pub left_scene: Option<Timestamp>,
    /// When it first reported being at the facility.
    pub at_facility: Option<Timestamp>,
}

impl Facts {
    fn opened(at: Timestamp, channel: Channel, agency: AgencyId, location: Location) -> Self {
        Self {
            opened_at: at,
            channel,
            agency,
            involved: vec![agency],
            location,
            contact: None,
            decision: None,
            unknown_answers: false,
            overrides: 0,
            transfers: Vec::new(),
            open_transfer: None,
            clinician_claimed: None,
            dispatches: Vec::new(),
            closed: None,
            handoff_started: false,
            handoff_outcome: None,
            handed_off_from: false,
            first_accepted: None,
            no_coverage: false,
            interpreter: false,
            age_band: None,
            follow_ups: Vec::new(),
            destinations: Vec::new(),
        }
    }

    /// Whether the incident had any triage decision.
    pub fn decided(&self) -> bool {
        self.decision.is_some()
    }

    /// Whether a transfer to a 988 center or a mobile crisis provider was offered: a diversion.
    pub fn diverted(&self) -> bool {
        self.transfers.iter().any(|t| is_diversion(t.destination))
            || matches!(self.open_transfer, Some((_, d)) if is_diversion(d))
    }
}

fn is_diversion(destination: Destination) -> bool {
    matches!(destination, Destination::Crisis988 | Destination::MobileCrisis)
}

/// Every incident's facts, gathered in log order.
#[derive(Debug, Default)]
pub struct Gathered {
    pub incidents: HashMap<IncidentId, Facts>,
    /// Callback numbers, interned.
    numbers: HashMap<String, u32>,
    /// Per interned number, the incidents it opened: when, and which, in log order.
    contacts: Vec<Vec<(Timestamp, IncidentId)>>,
    /// The time of the latest event taken: what "due by now" means in a report, which reads
    /// no clock.
    pub latest: Option<Timestamp>,
}

impl Gathered {
    /// Takes one event of the log, in order; `involved` is the incident's involvement after it.
    pub fn add(
        &mut self,
        incident: IncidentId,
        at: Timestamp,
        agency: AgencyId,
        kind: &EventKind,
        involved: &[AgencyId],
    ) {
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        if let EventKind::Opened { channel, location, callback, .. } = kind {
            let mut facts = Facts::opened(at, *channel, agency, location.clone());
            if let Some(number) = callback {
                let next = u32::try_from(self.contacts.len()).unwrap_or(u32::MAX);
                let id = *self.numbers.entry(number.as_str().to_owned()).or_insert(next);
                if id == next {
                    self.contacts.push(Vec::new());
                }
                if let Some(list) = usize::try_from(id).ok().and_then(|i| self.contacts.get_mut(i))
                {
                    facts.contact = Some((id, list.len()));
                    list.push((at, incident));
                }
            }
            self.incidents.insert(incident, facts);
        }
        let Some(facts) = self.incidents.get_mut(&incident) else { return };
        if !involved.is_empty() {
            facts.involved = involved.to_vec();
        }
        record(facts, at, agency, kind);
    }

    /// Whether the same callback number opened another incident within 7 and within 30 days
    /// before `facts`' — the latest such incident before it in the log, counting only incidents
    /// `agency` is involved in when a report is for one agency (what that agency may see).
    pub fn repeat_of(&self, facts: &Facts, agency: Option<AgencyId>) -> [bool; 2] {
        let mut repeat = [false; 2];
        let Some((number, place)) = facts.contact else { return repeat };
        let Some(list) = usize::try_from(number).ok().and_then(|i| self.contacts.get(i)) else {
            return repeat;
        };
        let longest = REPEAT_WINDOWS_DAYS.iter().max().copied().unwrap_or(0) * DAY_MS;
        for (before, id) in list.iter().take(place).rev() {
            let since = facts.opened_at.as_millis() - before.as_millis();
            if since > longest {
                break;
            }
            let seen = agency
                .is_none_or(|a| self.incidents.get(id).is_some_and(|f| f.involved.contains(&a)));
            if seen {
                for (flag, days) in repeat.iter_mut().zip(REPEAT_WINDOWS_DAYS) {
                    *flag = since <= days * DAY_MS;
                }
                break;
            }
        }
        repeat
    }
}

fn record(facts: &mut Facts, at: Timestamp, agency: AgencyId, kind: &EventKind) {
    match kind {
        EventKind::Located { location } => facts.location = location.clone(),
        EventKind::Routed(route) => facts.no_coverage |= route.basis == RouteBasis::NoCoverage,
        EventKind::TriageRecorded { outcome, answers, .. }
        | EventKind::Retriaged { outcome, answers, .. } => {
            facts.decision = Some(*outcome);
            facts.unknown_answers |= answers.iter().any(|(_, a)| a == "unknown");
        }
        EventKind::DecisionOverridden { .. } => facts.overrides += 1,
        EventKind::TransferOffered { destination, .. } => {
            facts.open_transfer.get_or_insert((at, *destination));
        }
        EventKind::TransferAccepted => {
            facts.first_accepted.get_or_insert(at);
            end_transfer(facts, TransferEnd::Accepted(at));
        }
        EventKind::TransferReturned { reason } => {
            end_transfer(facts, TransferEnd::Returned(reason.as_str().to_owned()));
        }
        EventKind::TransferWithdrawn { .. } => end_transfer(facts, TransferEnd::Withdrawn),
        EventKind::EmergencyHandoffStarted { .. } => facts.handoff_started = true,
        EventKind::EmergencyHandoffConfirmed { outcome, .. } => {
            facts.handoff_outcome = Some(*outcome);
        }
        EventKind::HandedOffFrom { .. } => facts.handed_off_from = true,
        EventKind::ClinicianClaimed { .. } => {
            facts.clinician_claimed.get_or_insert(at);
        }
        EventKind::TeamDispatched { team, .. } => facts.dispatches.push(Dispatch {
            team: *team,
            at,
            en_route: None,
            on_scene: None,
            left_scene: None,
            at_facility: None,
        }),
        EventKind::TeamStatusChanged { team, status, .. } => {
            if let Some(d) = facts.dispatches.iter_mut().rev().find(|d| d.team == *team) {
                match status {
                    TeamStatus::EnRoute => {
                        d.en_route.get_or_insert(at);
                    }
                    TeamStatus::OnScene => {
                        d.on_scene.get_or_insert(at);
                    }
                    TeamStatus::AtFacility => {
                        d.at_facility.get_or_insert(at);
                        if d.on_scene.is_some() {
                            d.left_scene.get_or_insert(at);
                        }
                    }
                    _ if d.on_scene.is_some() => {
                        d.left_scene.get_or_insert(at);
                    }
                    _ => {}
                }
            }
        }
        EventKind::Closed { disposition, .. } => facts.closed = Some((at, *disposition)),
        EventKind::ContactDescribed(details) => {
            facts.interpreter = details.interpreter;
            facts.age_band = details.age_band;
        }
        EventKind::FollowUpScheduled(plan) => facts.follow_ups.push(FollowUpFact {
            number: plan.number,
            agency,
            scheduled_at: at,
            due: plan.due,
            without_consent: plan.without_consent,
            attempts: 0,
            first_attempt_at: None,
            reached_at: None,
            finished: None,
        }),
        EventKind::FollowUpAttempted { number, result, .. } => {
            if let Some(f) = facts.follow_ups.iter_mut().find(|f| f.number == *number) {
                f.attempts += 1;
                f.first_attempt_at.get_or_insert(at);
                if *result == domain::incident::AttemptResult::Reached {
                    f.reached_at.get_or_insert(at);
                }
            }
        }
        EventKind::FollowUpFinished { number, outcome, .. } => {
            if let Some(f) = facts.follow_ups.iter_mut().find(|f| f.number == *number) {
                f.finished = Some((at, *outcome));
            }
        }
        EventKind::DestinationChosen { facility, .. } => {
            facts.destinations.push(DestinationFact {
                facility: *facility,
                refused: None,
                handed_over_at: None,
            });
        }
        EventKind::HandoverAccepted { facility } => {
            if let Some(d) = facts.destinations.iter_mut().rev().find(|d| d.facility == *facility) {
                d.handed_over_at.get_or_insert(at);
            }
        }
        EventKind::HandoverRefused { facility, no_room, .. } => {
            if let Some(d) = facts.destinations.iter_mut().rev().find(|d| d.facility == *facility) {
                d.refused = Some(*no_room);
            }
        }
        EventKind::Opened { .. }
        | EventKind::FollowUpConsentRecorded { .. }
        | EventKind::TransferDeclined { .. }
        | EventKind::TransferTimedOut
        | EventKind::AlarmRaised { .. }
        | EventKind::AlarmResolved { .. }
        | EventKind::ClinicianReleased { .. }
        | EventKind::ClinicianHandedOn { .. }
        | EventKind::NoteAdded { .. }
        | EventKind::AddressRecorded { .. } => {}
    }
}

fn end_transfer(facts: &mut Facts, end: TransferEnd) {
    if let Some((offered_at, destination)) = facts.open_transfer.take() {
        facts.transfers.push(Transfer { offered_at, destination, end });
    }
}
