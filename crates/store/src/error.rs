use domain::{IncidentId, TeamId, TransitionError};

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The events are not valid in the incident's current state; nothing was written.
    #[error("{0}")]
    Rejected(#[from] TransitionError),
    #[error("incident {0} does not exist")]
    IncidentNotFound(IncidentId),
    #[error("team {0} does not exist")]
    TeamNotFound(TeamId),
    /// The change is not allowed in the team's current state; nothing was written.
    #[error("{0}")]
    TeamRefused(dispatch::DispatchError),
    /// A unique name (agency code, username) is taken.
    #[error("{what} {value:?} already exists")]
    Duplicate { what: &'static str, value: String },
    /// What was asked to be stored breaks a rule of the directory; nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// A row could not be decoded: the database holds something this version did not write.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(String),
    /// The store is shutting down and took no more writes.
    #[error("the store is shutting down")]
    Closed,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
