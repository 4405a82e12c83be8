//! The crate's one error type.

use crate::status::TeamStatus;

/// Why a status change, a GPS fix, a capability, a coverage area or a recommendation request
/// was refused. Every message says what was wrong and what is allowed instead, so the server
/// can hand it to a dispatcher or a responder's phone as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispatchError {
    /// A status name that is not one of [`TeamStatus::ALL`].
    #[error(
        "team status {0:?} is not one of available, dispatched, en_route, on_scene, transporting, at_facility, out_of_service"
    )]
    UnknownStatus(String),
    #[error("shift {0:?} is neither on nor off")]
    UnknownShift(String),
    /// The transition table (see [`TeamStatus::next`]) does not allow `from → to`.
    #[error("team status cannot go from {} to {}; from {} it may go to {}", from.as_str(), to.as_str(), from.as_str(), list(from.next()))]
    Transition { from: TeamStatus, to: TeamStatus },
    /// The team already has this status; a repeated button press changes nothing.
    #[error("team is already {}", .0.as_str())]
    AlreadyInStatus(TeamStatus),
    /// `Dispatched` names the incident, so it goes through `TeamState::dispatch`.
    #[error("a team is dispatched to an incident: dispatch it with the incident's id")]
    DispatchNeedsIncident,
    /// A team already working a call is cleared before it is sent to another.
    #[error("team is {} to incident {incident}: clear it (available) before sending it to another call", .status.as_str())]
    OnACall { status: TeamStatus, incident: domain::IncidentId },
    /// An off-shift team is out of service until its shift starts.
    #[error("team is off shift: start its shift before changing its status")]
    OffShift,
    #[error("team is already on shift")]
    AlreadyOnShift,
    #[error("team is already off shift")]
    AlreadyOffShift,
    /// A shift cannot end in the middle of a call: the call is cleared first.
    #[error("team is {} on an incident: clear it (available) before ending its shift", .0.as_str())]
    ShiftEndsOnACall(TeamStatus),
    /// A snapshot whose fields contradict each other (see `TeamState::restore`).
    #[error("team snapshot is inconsistent: {0}")]
    Snapshot(String),
    /// A capability name outside `[a-z0-9_:-]{1,40}` once trimmed and lower-cased.
    #[error(
        "capability {0:?} is not a name of 1 to 40 letters, digits, '-', '_' or ':' (e.g. youth, peer, emt, lang:es)"
    )]
    Capability(String),
    /// A GPS fix field out of range.
    #[error("GPS fix: {0}")]
    Fix(String),
    /// A coverage area that cannot be used.
    #[error("coverage area: {0}")]
    Coverage(String),
    /// The incident has no location yet, so there is nothing to drive to.
    #[error(
        "the incident's location is unknown: record a location before asking for a recommendation"
    )]
    UnknownLocation,
}

/// `a`, `a or b`, `a, b or c`.
fn list(statuses: &[TeamStatus]) -> String {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    match names.split_last() {
        None => "nothing".to_owned(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The crate's result type.
pub type Result<T, E = DispatchError> = std::result::Result<T, E>;
