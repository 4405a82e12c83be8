//! The event log and the incident projections.

use async_trait::async_trait;
use domain::{AgencyId, Channel, Event, Incident, IncidentId, IncidentStatus};
use tokio::sync::broadcast;

use crate::Result;

/// A position in the global event log: 1 for the first event ever written.
pub type Seq = u64;

/// An event as it was committed.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub seq: Seq,
    pub event: Event,
    /// The agencies involved in the incident once this event was applied: who may see it.
    pub involved: Vec<AgencyId>,
}

/// What an append committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Appended {
    /// The events, with their sequence numbers.
    pub events: Vec<RecordedEvent>,
    /// The incident after them (`None` only when no events were given).
    pub incident: Option<Incident>,
}

/// Which incidents to list.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only incidents this agency is involved in (`None`: all, for operators and rebuilds).
    pub involving: Option<AgencyId>,
    /// Only these statuses; empty means every status but closed.
    pub statuses: Vec<IncidentStatus>,
    pub channel: Option<Channel>,
    /// At most this many, most recently updated first.
    pub limit: u32,
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub events: u64,
    pub incidents: u64,
}

/// The append-only event log and the projections built from it.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Checks `events` (all of one incident, in order) against the incident's current state,
    /// then commits them and the new projection atomically. Returns after the commit is
    /// durable. Nothing is written when any event is refused.
    async fn append(&self, events: Vec<Event>) -> Result<Appended>;

    /// Appends `events` (all of one incident) and applies `change` to its team in one
    /// transaction: both are committed, or neither — the incident's state machine and the
    /// team's status table must both accept. For a team sent to an incident, so the incident
    /// never names a team that is not on it, and no team is held for an incident that does not
    /// name it. Returns the incident's events and state and the team's state after.
    async fn append_with_team(
        &self,
        events: Vec<Event>,
        change: crate::TeamChange,
    ) -> Result<(Appended, dispatch::TeamState)>;

    /// Appends events copied from another store, keeping their sequence numbers: the first
    /// must directly follow this log's head, the rest follow one another. Each is checked
    /// against its incident's state like any append; all are committed, or none.
    async fn import(&self, events: Vec<RecordedEvent>) -> Result<()>;

    /// The current state of one incident.
    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>>;

    /// Incidents matching `filter`, most recently updated first. With `involving`, its cost
    /// does not grow with the agency's history: it reads only the statuses asked for.
    async fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>>;

    /// One page of an agency's incidents matching `search`, newest opened first, through the
    /// index [`crate::search`] describes: a page costs the same at any history size.
    async fn search(&self, search: &crate::IncidentSearch) -> Result<crate::SearchPage>;

    /// `agency`'s follow-up queue: the first `limit` incidents with an open follow-up of its
    /// own, the soonest due first, and how many are overdue at `now`.
    async fn follow_up_queue(
        &self,
        agency: AgencyId,
        now: domain::Timestamp,
        limit: u32,
    ) -> Result<crate::FollowUpQueue>;

    /// One incident's events, in order.
    async fn incident_events(&self, id: IncidentId) -> Result<Vec<RecordedEvent>>;

    /// Events with `seq > after`, in order, at most `limit`; with `involving`, only events of
    /// incidents that agency is involved in now.
    async fn events_after(
        &self,
        after: Seq,
        involving: Option<AgencyId>,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>>;

    /// Events with `seq > after` with their chain hashes ([`crate::log_chain`]), in order, at
    /// most `limit`; `None` for events written before the chain existed.
    async fn chained_events(
        &self,
        after: Seq,
        limit: u32,
    ) -> Result<Vec<(RecordedEvent, Option<String>)>>;

    /// The sequence number of the last committed event (0 when the log is empty).
    async fn head(&self) -> Result<Seq>;

    /// Committed events as they happen. A receiver that falls behind gets `Lagged` and should
    /// catch up with [`EventLog::events_after`].
    fn subscribe(&self) -> broadcast::Receiver<RecordedEvent>;

    /// Drops every projection and rebuilds it by replaying the whole log.
    async fn rebuild_projections(&self) -> Result<RebuildReport>;
}
