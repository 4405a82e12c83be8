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
