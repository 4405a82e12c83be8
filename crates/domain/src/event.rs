//! Events: every step of an incident, with when it happened, who did it, and for which agency.
//! The event log is the source of truth; an [`crate::Incident`] is what its events add up to.

use crate::contact::{CallbackNumber, Text};
use crate::ids::{AgencyId, IncidentId, TeamId, UserId};
use crate::incident::{AlarmKind, Channel, Destination, HandoffOutcome};
use crate::location::Location;
use crate::route::{Route, RouteTier};
use crate::team::TeamStatus;
use crate::time::Timestamp;

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    /// Crisisbridge itself, e.g. a transfer deadline passing.
    System,
}

/// One step of one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub incident: IncidentId,
    pub at: Timestamp,
    pub actor: Actor,
    /// The agency on whose behalf the actor acted.
    pub agency: AgencyId,
    pub kind: EventKind,
}

/// What a triage protocol concluded should happen next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TriageOutcome {
    /// 911 hands the caller to the 988 center that serves their location.
    Divert988,
    /// The PSAP's embedded clinician takes the call.
    EmbeddedClinician,
    /// An unarmed mobile crisis team goes.
    MobileCrisis,
    /// Law enforcement and a clinician or crisis team go together.
    CoResponse,
    LawEnforcement,
    Ems,
    LawEnforcementAndEms,
    /// 988: the counselor resolves the contact by phone (safety planning, referral).
    PhoneSupport,
    /// 988: imminent risk; hand off to the PSAP serving the caller's location, which sends
    /// emergency services.
    EmergencyHandoff,
}

impl TriageOutcome {
    pub const ALL: [Self; 9] = [
        Self::Divert988,
        Self::EmbeddedClinician,
        Self::MobileCrisis,
        Self::CoResponse,
        Self::LawEnforcement,
        Self::Ems,
        Self::LawEnforcementAndEms,
        Self::PhoneSupport,
        Self::EmergencyHandoff,
    ];

    /// Whether law enforcement responds under this outcome.
    pub const fn includes_law_enforcement(self) -> bool {
        matches!(
            self,
            Self::CoResponse
                | Self::LawEnforcement
                | Self::LawEnforcementAndEms
                | Self::EmergencyHandoff
        )
    }

    /// Whether EMS responds under this outcome.
    pub const fn includes_ems(self) -> bool {
        matches!(self, Self::Ems | Self::LawEnforcementAndEms | Self::EmergencyHandoff)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Divert988 => "divert_988",
            Self::EmbeddedClinician => "embedded_clinician",
            Self::MobileCrisis => "mobile_crisis",
            Self::CoResponse => "co_response",
            Self::LawEnforcement => "law_enforcement",
            Self::Ems => "ems",
            Self::LawEnforcementAndEms => "law_enforcement_and_ems",
            Self::PhoneSupport => "phone_support",
            Self::EmergencyHandoff => "emergency_handoff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// How an incident ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Resolved on the phone (most 988 contacts).
    ResolvedByPhone,
    /// Resolved on scene by a mobile crisis team.
    ResolvedOnScene,
    /// Taken to a crisis facility, hospital or other care.
    Transported,
    /// Referred to ongoing services.
    Referred,
    /// Handled by law enforcement or EMS.
    HandledByEmergencyServices,
    /// The person could not be reached or found.
    NoContact,
    /// The same situation is handled under another incident.
    Duplicate,
}

impl Disposition {
    pub const ALL: [Self; 7] = [
        Self::ResolvedByPhone,
        Self::ResolvedOnScene,
        Self::Transported,
        Self::Referred,
        Self::HandledByEmergencyServices,
        Self::NoContact,
        Self::Duplicate,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ResolvedByPhone => "resolved_by_phone",
            Self::ResolvedOnScene => "resolved_on_scene",
            Self::Transported => "transported",
            Self::Referred => "referred",
            Self::HandledByEmergencyServices => "handled_by_emergency_services",
            Self::NoContact => "no_contact",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The incident begins. Always the first event, and only the first.
    Opened { channel: Channel, location: Location, callback: Option<CallbackNumber>, summary: Text },
    /// A new or better location. It clears the address: an address said for the old place
    /// must not stand beside the new one (an `address_recorded` in the same commit gives the
    /// new place's).
    Located { location: Location },
    /// Where the person is, in words: the civic address as entered, or from a CAD's EIDO or a
    /// PIDF-LO civic location; `None` takes it back.
    AddressRecorded { address: Option<Text> },
    /// Who serves the incident's location for one service, who to try after it, and why.
    Routed(Route),
    /// The outcome of a triage protocol: the incident's first decision.
    TriageRecorded {
        outcome: TriageOutcome,
        protocol: String,
        protocol_version: u32,
        /// The rule of the protocol that decided.
        rule: String,
        /// The answers given, as `(question, answer)`.
        answers: Vec<(String, String)>,
    },
    /// A new decision of the protocol on new answers, replacing the one before, which stays
    /// in the record with who changed it and why. Overrides of the earlier decision lapse.
    Retriaged {
        outcome: TriageOutcome,
        protocol: String,
        protocol_version: u32,
        rule: String,
        answers: Vec<(String, String)>,
        reason: Text,
    },
    /// Someone allowed to override the decision sends the call to `destination` anyway, and
    /// says why.
    DecisionOverridden { destination: Destination, reason: Text },
    /// The incident is offered to another agency until `deadline`. The first offer of a
    /// transfer is the holder's; when an offer is declined or not answered in time, the next
    /// tier of `then` is offered, in the same commit, by Crisisbridge on the holder's behalf.
    TransferOffered {
        to: AgencyId,
        reason: Text,
        deadline: Timestamp,
        /// The service whose route the tiers came from, when the transfer follows one.
        service: Option<String>,
        /// Who is offered the incident next, in order, if `to` declines or does not answer.
        then: Vec<RouteTier>,
        /// What kind of service `to` is: what the protocol gate checks.
        destination: Destination,
        /// Offered until someone takes it: when every tier has let it pass, the tiers are
        /// offered again, round after round, with an alarm, instead of the transfer being
        /// returned (an imminent-risk handoff to 911).
        until_taken: bool,
    },
    /// The offered agency took the incident; it now holds it. A final state of a transfer.
    TransferAccepted,
    /// The offered agency refused. The transfer goes on to the next tier, or is returned.
    TransferDeclined { reason: Text },
    /// Nobody answered the offer before its deadline. The transfer goes on to the next tier,
    /// or is returned.
    TransferTimedOut,
    /// Every agency offered the incident declined or let the offer time out: the transfer
    /// ended without a taker, and the holder — who still has the incident — is alerted. A
    /// final state of a transfer.
    TransferReturned { reason: Text },
    /// The holder took back an offer before anyone answered it. A final state of a transfer.
    TransferWithdrawn { reason: Text },
    /// Something that must not go unnoticed: raised by Crisisbridge, shown until someone acts.
    AlarmRaised { kind: AlarmKind, reason: Text },
    /// Someone acted on the incident's alarm, and says what was done.
    AlarmResolved { action: Text },
    /// A 988 contact at imminent risk was handed to a PSAP: `handoff` is the PSAP's new
    /// incident, made from the allow-listed payload only. The contact may not close until the
    /// follow-up is recorded.
    EmergencyHandoffStarted { handoff: IncidentId },
    /// The 988 side's follow-up of its handoff: whether emergency services made contact.
    EmergencyHandoffConfirmed { outcome: HandoffOutcome, remark: Text },
    /// This incident was opened by a 988 center's imminent-risk handoff of `incident` (which
    /// its PSAP cannot see). Only directly after `opened`.
    HandedOffFrom { incident: IncidentId },
    /// A clinician of the holder's agency took the call from the embedded-clinician queue;
    /// only one holds it at a time.
    ClinicianClaimed { clinician: UserId },
    /// The clinician put the call back in the queue.
    ClinicianReleased { reason: Text },
    /// The clinician handed the call to another clinician of the agency.
    ClinicianHandedOn { to: UserId },
    /// A mobile crisis team was sent.
    TeamDispatched { team: TeamId, provider: AgencyId },
    /// A dispatched team reported a status on this incident (en route, on scene, …;
    /// `available` when it cleared). `to`: the facility it is taking the person to or is at
    /// (for `transporting` and `at_facility`, when one was chosen).
    TeamStatusChanged { team: TeamId, status: TeamStatus, to: Option<uuid::Uuid> },
    /// Free text added to the record, for `audience`.
    NoteAdded { text: Text, audience: NoteAudience },
    /// What responders need to know of the person: language, interpreter, age band. Replaces
    /// what was said before.
    ContactDescribed(crate::ContactDetails),
    /// The incident ended. Only its follow-ups' own events may follow.
    Closed { disposition: Disposition, remark: Text },
    /// Whether the person agreed to be contacted again after the call (a later record
    /// replaces an earlier one). Only while the incident is open.
    FollowUpConsentRecorded { given: bool },
    /// A follow-up for the recording agency's care navigators: by its rule when the incident
    /// closed, or added by a person.
    FollowUpScheduled(crate::incident::FollowUpPlan),
    /// A try to reach the person; after a missed one the next is due at `next_due`.
    FollowUpAttempted {
        number: u16,
        result: crate::incident::AttemptResult,
        note: Text,
        next_due: Option<Timestamp>,
    },
    /// A team on scene chose where to take the person: `facility`, run by `operator` — which
    /// then takes part in the incident until the hand-over or a refusal — expected in
    /// `eta_s` seconds, and why it was chosen (its rank's reason). A later choice replaces it.
    DestinationChosen {
        facility: uuid::Uuid,
        operator: AgencyId,
        team: Option<TeamId>,
        eta_s: Option<u32>,
        reason: Text,
    },
    /// The facility took the person over from the team.
    HandoverAccepted { facility: uuid::Uuid },
    /// The facility could not take the person (`no_room`: no bed or chair); the team chooses
    /// again.
    HandoverRefused { facility: uuid::Uuid, no_room: bool, reason: Text },
    /// The follow-up's end; `reopened_as` names the new incident of a person who needs help
    /// again, and only then.
    FollowUpFinished {
        number: u16,
        outcome: crate::incident::FollowUpOutcome,
        detail: Text,
        reopened_as: Option<IncidentId>,
    },
}

impl EventKind {
    /// Every kind's name, for clients that must know them all (the console's stream).
    pub const NAMES: [&'static str; 33] = [
        "opened",
        "located",
        "address_recorded",
        "routed",
        "triage_recorded",
        "retriaged",
        "decision_overridden",
        "transfer_offered",
        "transfer_accepted",
        "transfer_declined",
        "transfer_timed_out",
        "transfer_returned",
        "transfer_withdrawn",
        "alarm_raised",
        "alarm_resolved",
        "emergency_handoff_started",
        "emergency_handoff_confirmed",
        "handed_off_from",
        "clinician_claimed",
        "clinician_released",
        "clinician_handed_on",
        "team_dispatched",
        "team_status_changed",
        "note_added",
        "contact_described",
        "closed",
        "follow_up_consent_recorded",
        "follow_up_scheduled",
        "follow_up_attempted",
        "follow_up_finished",
        "destination_chosen",
        "handover_accepted",
        "handover_refused",
    ];

    /// The stable name of this kind in the log, the API and the live stream.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Opened { .. } => "opened",
            Self::Located { .. } => "located",
            Self::AddressRecorded { .. } => "address_recorded",
            Self::Routed(_) => "routed",
            Self::TriageRecorded { .. } => "triage_recorded",
            Self::Retriaged { .. } => "retriaged",
            Self::DecisionOverridden { .. } => "decision_overridden",
            Self::TransferOffered { .. } => "transfer_offered",
            Self::TransferAccepted => "transfer_accepted",
            Self::TransferDeclined { .. } => "transfer_declined",
            Self::TransferTimedOut => "transfer_timed_out",
            Self::TransferReturned { .. } => "transfer_returned",
            Self::TransferWithdrawn { .. } => "transfer_withdrawn",
            Self::AlarmRaised { .. } => "alarm_raised",
            Self::AlarmResolved { .. } => "alarm_resolved",
            Self::EmergencyHandoffStarted { .. } => "emergency_handoff_started",
            Self::EmergencyHandoffConfirmed { .. } => "emergency_handoff_confirmed",
            Self::HandedOffFrom { .. } => "handed_off_from",
            Self::ClinicianClaimed { .. } => "clinician_claimed",
            Self::ClinicianReleased { .. } => "clinician_released",
            Self::ClinicianHandedOn { .. } => "clinician_handed_on",
            Self::TeamDispatched { .. } => "team_dispatched",
            Self::TeamStatusChanged { .. } => "team_status_changed",
            Self::NoteAdded { .. } => "note_added",
            Self::ContactDescribed(_) => "contact_described",
            Self::Closed { .. } => "closed",
            Self::FollowUpConsentRecorded { .. } => "follow_up_consent_recorded",
            Self::FollowUpScheduled(_) => "follow_up_scheduled",
            Self::FollowUpAttempted { .. } => "follow_up_attempted",
            Self::FollowUpFinished { .. } => "follow_up_finished",
            Self::DestinationChosen { .. } => "destination_chosen",
            Self::HandoverAccepted { .. } => "handover_accepted",
            Self::HandoverRefused { .. } => "handover_refused",
        }
    }
}

/// Who may read a note.
///
/// A crisis center's clinical notes (a 988 counselor's account of a caller's substance use,
/// say) are health records under HIPAA and, for substance use, 42 CFR Part 2: they stay with
/// the agency that wrote them unless its user chooses to share them. Other agencies' notes are
/// operational and go to every agency on the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoteAudience {
    /// Every agency involved in the incident, now or later.
    #[default]
    Involved,
    /// Only the agency whose user wrote it.
    Agency,
}

impl NoteAudience {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Involved => "involved",
            Self::Agency => "agency",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "involved" => Some(Self::Involved),
            "agency" => Some(Self::Agency),
            _ => None,
        }
    }

    /// Whether a note of `writer`'s agency for this audience reaches `reader`'s agency.
    pub fn reaches(self, writer: AgencyId, reader: AgencyId) -> bool {
        self == Self::Involved || writer == reader
    }

    /// What a note gets when its writer does not choose: private for a crisis center, shared
    /// for everyone else.
    pub const fn default_for(kind: crate::AgencyKind) -> Self {
        match kind {
            crate::AgencyKind::CrisisCenter => Self::Agency,
            _ => Self::Involved,
        }
    }
}

impl Event {
    /// Whether `agency`, involved in the event's incident, may see this event: everything
    /// but another agency's private note and another agency's follow-up.
    pub fn visible_to(&self, agency: AgencyId) -> bool {
        match &self.kind {
            EventKind::NoteAdded { audience, .. } => audience.reaches(self.agency, agency),
            EventKind::FollowUpScheduled(_)
            | EventKind::FollowUpAttempted { .. }
            | EventKind::FollowUpFinished { .. } => self.agency == agency,
            _ => true,
        }
    }
}
