//! The protocol gate: a 911 call goes to a crisis service — 988, a mobile crisis team, the
//! embedded clinician — only when its recorded triage decision includes that destination, or
//! a recorded override says why.
//!
//! The gate binds while the incident is held by the agency whose protocol decided: once
//! another agency has accepted the call (a 988 center, a provider), that agency's own
//! assessment governs what it does next. Offers to a PSAP, law enforcement or EMS are never
//! gated — they do not make a response less protective. Whether an agency *must* triage before
//! any crisis offer (it has an active protocol) is known to the incident service, which asks
//! the store; what a recorded decision allows is checked here, by the state machine, so no
//! path can commit a forbidden offer.

use crate::contact::Text;
use crate::event::{Actor, TriageOutcome};
use crate::ids::AgencyId;
use crate::time::Timestamp;

/// What kind of service an incident is offered or sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Destination {
    /// A 988 crisis center.
    Crisis988,
    /// A mobile crisis team's provider, or a team itself.
    MobileCrisis,
    /// The PSAP's embedded clinician.
    EmbeddedClinician,
    /// Another PSAP.
    Psap,
    /// Law enforcement, EMS, or anything else that is not a crisis service.
    Other,
}

impl Destination {
    pub const ALL: [Self; 5] =
        [Self::Crisis988, Self::MobileCrisis, Self::EmbeddedClinician, Self::Psap, Self::Other];

    /// The destination an agency of `kind` is.
    pub const fn of(kind: crate::AgencyKind) -> Self {
        match kind {
            crate::AgencyKind::CrisisCenter => Self::Crisis988,
            crate::AgencyKind::MobileCrisisProvider => Self::MobileCrisis,
            crate::AgencyKind::Psap => Self::Psap,
            crate::AgencyKind::LawEnforcement
            | crate::AgencyKind::Ems
            | crate::AgencyKind::CrisisFacility => Self::Other,
        }
    }

    /// Whether a triage decision must allow it: the unarmed crisis services.
    pub const fn is_gated(self) -> bool {
        matches!(self, Self::Crisis988 | Self::MobileCrisis | Self::EmbeddedClinician)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Crisis988 => "988",
            Self::MobileCrisis => "mobile_crisis",
            Self::EmbeddedClinician => "embedded_clinician",
            Self::Psap => "psap",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

impl TriageOutcome {
    /// Whether this decision sends the call to `destination`. Co-response sends a crisis team
    /// with the officer.
    pub const fn allows(self, destination: Destination) -> bool {
        match destination {
            Destination::Crisis988 => matches!(self, Self::Divert988),
            Destination::MobileCrisis => matches!(self, Self::MobileCrisis | Self::CoResponse),
            Destination::EmbeddedClinician => matches!(self, Self::EmbeddedClinician),
            Destination::Psap | Destination::Other => true,
        }
    }
}

/// A recorded override of the triage decision: the call may go to `destination` though the
/// decision does not include it.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub destination: Destination,
    pub reason: Text,
    pub at: Timestamp,
    pub actor: Actor,
    pub agency: AgencyId,
}

/// Something about the incident that must not go unnoticed, until someone acts on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub kind: AlarmKind,
    pub raised_at: Timestamp,
    pub reason: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlarmKind {
    /// A transfer ended with nobody taking the incident; its holder must act.
    TransferReturned,
    /// An imminent-risk handoff has gone round every PSAP tier without a taker; it keeps being
    /// offered until a PSAP accepts or a supervisor records what was done instead.
    HandoffUnanswered,
}

impl AlarmKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TransferReturned => "transfer_returned",
            Self::HandoffUnanswered => "handoff_unanswered",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::TransferReturned, Self::HandoffUnanswered].into_iter().find(|k| k.as_str() == s)
    }
}
