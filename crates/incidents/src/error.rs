//! What the incident service refuses, and why — each variant a stable kind of refusal that
//! the HTTP layer maps to one error code, each message saying what to do instead.

use domain::{Permission, Role, TransitionError};
use store::StoreError;

/// Why a command was refused. Nothing is written when a command fails.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// The caller's role lacks the permission.
    #[error(
        "your role ({role}) does not have the permission this needs ({permission:?}); ask a supervisor"
    )]
    Forbidden { role: Role, permission: Permission },
    /// The caller may not do this for another reason (whose team, whose agency).
    #[error("{0}")]
    NotAllowed(String),
    /// It does not exist, or the caller's agency may not see it.
    #[error("{0} was not found")]
    NotFound(String),
    /// A value given is wrong; `field` names it as a dotted path.
    #[error("{field}: {problem}")]
    InvalidField { field: String, problem: String },
    /// Not possible in the incident's current state.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Not possible now, for a reason outside the incident's own state machine.
    #[error("{0}")]
    Conflict(String),
    /// The agency has no active triage protocol for this kind of incident.
    #[error(
        "{agency} has no active triage protocol for {channel} incidents; an admin uploads one (POST /api/v1/protocols) and activates it"
    )]
    NoActiveProtocol { agency: String, channel: &'static str },
    /// A 911 call of an agency with an active protocol goes to a crisis service only after
    /// triage (or with an override).
    #[error(
        "answer the diversion protocol first: {agency} triages 911 calls before they go to {destination} (POST /api/v1/incidents/{{id}}/triage), or a supervisor overrides with a reason"
    )]
    TriageRequired { agency: String, destination: &'static str },
    /// The caller may not override this decision.
    #[error(
        "your role ({role}) may not override a triage decision: a supervisor does{}",
        if allowed.is_empty() { String::new() } else { format!(", or {allowed}") }
    )]
    OverrideNotAllowed { role: Role, allowed: String },
    /// The agency's active protocol does not pass today's checker and floors: it decides
    /// nothing until a corrected version is activated.
    #[error(
        "{agency}'s active protocol {protocol} v{version} no longer passes the checker and the safety floor, so it decides nothing: {problems}; an admin uploads and activates a corrected version"
    )]
    ProtocolUnproven { agency: String, protocol: String, version: u32, problems: String },
    /// The store failed or refused.
    #[error(transparent)]
    Store(StoreError),
    /// Something that should not happen did; the message says what.
    #[error("{0}")]
    Internal(String),
}

impl IncidentError {
    pub fn field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::InvalidField { field: field.to_owned(), problem: problem.to_string() }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(what.to_string())
    }
}

impl From<StoreError> for IncidentError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rejected(t) => Self::Transition(t),
            StoreError::IncidentNotFound(id) => Self::NotFound(format!("incident {id}")),
            StoreError::TeamNotFound(id) => Self::NotFound(format!("team {id}")),
            other => Self::Store(other),
        }
    }
}

pub type Result<T, E = IncidentError> = std::result::Result<T, E>;
