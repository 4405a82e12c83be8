//! The storage contract of Crisisbridge.
//!
//! - [`EventLog`]: the append-only event log and the incident projections built from it.
//!   [`EventLog::append`] checks new events against the incident's current state with
//!   [`domain::Incident::apply`] and commits events and projection in one transaction.
//! - [`Directory`]: agencies, users, teams and login sessions — configuration, not events.
//! - [`ProtocolStore`]: versioned triage protocols per agency, one active per channel.
//! - [`TeamLog`]: mobile crisis teams' live state — shifts, statuses, GPS fixes — checked by
//!   `dispatch` and group-committed through [`team_batch`].
//! - [`ShiftLog`]: each agency's handover notes and who acknowledged them, append-only.
//! - [`Facilities`]: crisis facilities and their availability as last reported.
//! - [`CallLog`]: contacts' timing from the phone system — arrived, answered, abandoned,
//!   rolled over — one arrival and one end per call, append-only.
//! - [`search`]: what an agency's lists and searches read of each incident, and a search's keyset
//!   pages.
//! - [`codec`]: the JSON row formats of events and projections.
//! - [`batch`]: what a batch of appends does, decided in memory; every backend's writer uses it.
//! - [`queue`]: the group-committing writer queue every backend runs its writer behind.
//! - `conformance` (feature): the test suite every backend must pass.
//! - [`copy`]: copying everything one store holds into another, and the figures that prove it.
//!
//! Architecture invariants:
//! - The log is the source of truth. Projections can be dropped and rebuilt from it at any
//!   time ([`EventLog::rebuild_projections`]) and come out the same.
//! - `append` returns only after its events are durable; the events it returns carry their
//!   global sequence numbers, which are gap-free and increase in commit order.
//! - Every committed event is published to [`EventLog::subscribe`] receivers after commit,
//!   in sequence order.

pub mod audit;
pub mod batch;
mod calls;
pub mod codec;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod copy;
mod directory;
mod error;
mod facilities;
mod log;
pub mod log_chain;
mod places;
mod protocols;
pub mod queue;
mod received;
pub mod seal;
pub mod search;
mod shift_log;
pub mod team_batch;
pub mod team_codec;
mod teams;

pub use audit::{AuditEntry, AuditLog, AuditRecord};
pub use calls::{CallLog, RecordedCall};
pub use directory::{
    AREA_CODE_PREFIX, Area, DEFAULT_AREA, Directory, ExternalLink, LoginState, MAX_ANSWER_WITHIN_S,
    MOBILE_CRISIS_SERVICE, NewUser, RoutingVersion, ServiceArea, Session, SessionContext, Team,
    User, UserChange, check_service_areas, is_service_urn,
};
pub use error::{Result, StoreError};
pub use facilities::{Facilities, decode_facility, encode_facility};
pub use log::{Appended, EventLog, IncidentFilter, RebuildReport, RecordedEvent, Seq};
pub use places::{Place, PlaceKind, PlaceTable};
pub use protocols::{NewProtocolVersion, ProtocolStore, ProtocolVersion};
pub use received::{EidoArchive, ReceivedEido};
pub use search::{Cursor, FollowUpQueue, IncidentSearch, SearchPage};
pub use shift_log::{Acknowledged, SHIFT_NOTE_MAX, ShiftLog, ShiftNote, ShiftNoteRead};
pub use teams::{Breadcrumb, FixesRecorded, TeamChange, TeamCommand, TeamLog, TeamLogEntry};

/// A complete backend: the event log, the directory, the protocols, teams' live state, the
/// audit trail, contacts' timing, the shift logs and the crisis facilities.
pub trait Store:
    EventLog
    + Directory
    + ProtocolStore
    + TeamLog
    + AuditLog
    + CallLog
    + ShiftLog
    + Facilities
    + EidoArchive
{
}

impl<
    T: EventLog
        + Directory
        + ProtocolStore
        + TeamLog
        + AuditLog
        + CallLog
        + ShiftLog
        + Facilities
        + EidoArchive,
> Store for T
{
}
