//! What the measures need to know of each incident, gathered from its events as they go by.

use std::collections::HashMap;

use domain::{
    AgencyId, Channel, Destination, Disposition, EventKind, HandoffOutcome, IncidentId, Location,
    RouteBasis, TeamId, TeamStatus, Timestamp, TriageOutcome,
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
    /// Whether the same callback number opened another incident within 7 and within 30 days
    /// before this one.
    pub repeat: [bool; 2],
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
}

impl Facts {
    fn opened(at: Timestamp, channel: Channel, agency: AgencyId, location: Location) -> Self {
        Self {
            opened_at: at,
            channel,
            agency,
            involved: vec![agency],
            location,
            repeat: [false; 2],
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
    /// The latest time each callback number opened an incident.
    last_contact: HashMap<String, Timestamp>,
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
        if let EventKind::Opened { channel, location, callback, .. } = kind {
            let mut facts = Facts::opened(at, *channel, agency, location.clone());
            if let Some(number) = callback {
                let key = number.as_str().to_owned();
                if let Some(before) = self.last_contact.insert(key, at) {
                    let since = at.as_millis() - before.as_millis();
                    for (flag, days) in facts.repeat.iter_mut().zip(REPEAT_WINDOWS_DAYS) {
                        *flag = since <= days * DAY_MS;
                    }
                }
            }
            self.incidents.insert(incident, facts);
        }
        let Some(facts) = self.incidents.get_mut(&incident) else { return };
        if !involved.is_empty() {
            facts.involved = involved.to_vec();
        }
        record(facts, at, kind);
    }
}

fn record(facts: &mut Facts, at: Timestamp, kind: &EventKind) {
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
        }),
        EventKind::TeamStatusChanged { team, status } => {
            if let Some(d) = facts.dispatches.iter_mut().rev().find(|d| d.team == *team) {
                match status {
                    TeamStatus::EnRoute => {
                        d.en_route.get_or_insert(at);
                    }
                    TeamStatus::OnScene => {
                        d.on_scene.get_or_insert(at);
                    }
                    _ if d.on_scene.is_some() => {
                        d.left_scene.get_or_insert(at);
                    }
                    _ => {}
                }
            }
        }
        EventKind::Closed { disposition, .. } => facts.closed = Some((at, *disposition)),
        EventKind::Opened { .. }
        | EventKind::TransferDeclined { .. }
        | EventKind::TransferTimedOut
        | EventKind::AlarmRaised { .. }
        | EventKind::AlarmResolved { .. }
        | EventKind::ClinicianReleased { .. }
        | EventKind::ClinicianHandedOn { .. }
        | EventKind::NoteAdded { .. } => {}
    }
}

fn end_transfer(facts: &mut Facts, end: TransferEnd) {
    if let Some((offered_at, destination)) = facts.open_transfer.take() {
        facts.transfers.push(Transfer { offered_at, destination, end });
    }
}
