//! [`IncidentService`]: what every command shares — the store, the clock, the routing table
//! and the dispatch settings — and the helpers commands are built from.

use std::collections::HashMap;
use std::sync::Arc;

use domain::event::Actor;
use domain::{
    AgencyId, CallbackNumber, Clock, Event, EventKind, Incident, IncidentId, Location, Timestamp,
};
use store::{Appended, RecordedEvent, Store};

use crate::routing::Routing;
use crate::{Caller, IncidentError, Result};

/// How teams are ranked: travel times and when a position is stale.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// The road network for travel times; without one, ETAs are straight-line estimates and
    /// say so.
    pub roads: Option<Arc<roads::Graph>>,
    pub stale: dispatch::StalePolicy,
    /// A facility's availability older than this (milliseconds) is stale: ranked below fresh
    /// reports, and said to be.
    pub facility_stale_ms: i64,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            roads: None,
            stale: dispatch::StalePolicy { reporting_interval_s: 10, intervals: 3 },
            facility_stale_ms: 4 * 3_600_000,
        }
    }
}

/// Protocol versions by (agency, protocol, version): proven, or the checker's objections.
pub(crate) type Proven = HashMap<(AgencyId, String, u32), Result<(), String>>;

/// Every command on an incident. Cheap to clone; every clone shares the same store.
#[derive(Clone)]
pub struct IncidentService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) routing: Routing,
    pub(crate) dispatch: Arc<DispatchSettings>,
    /// Safety floors a state adds to the platform's: a protocol decides only if it passes
    /// them too.
    pub(crate) floors: Arc<Vec<triage::Floor>>,
    /// Protocol versions already proven against the current checker and floors (or why
    /// not), so each is checked once per process.
    pub(crate) proven: Arc<std::sync::Mutex<Proven>>,
}

impl std::fmt::Debug for IncidentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncidentService").field("dispatch", &self.dispatch).finish_non_exhaustive()
    }
}

/// What a command committed, and the incident after it.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The events, with their sequence numbers, in order.
    pub events: Vec<RecordedEvent>,
    pub incident: Incident,
}

impl Committed {
    pub(crate) fn of(appended: Appended) -> Result<Self> {
        let incident = appended.incident.ok_or_else(|| {
            IncidentError::Internal("the store committed no incident state".into())
        })?;
        Ok(Self { events: appended.events, incident })
    }
}

impl IncidentService {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        routing: Routing,
        dispatch: DispatchSettings,
    ) -> Self {
        Self {
            store,
            clock,
            routing,
            dispatch: Arc::new(dispatch),
            floors: Arc::new(Vec::new()),
            proven: Arc::default(),
        }
    }

    /// The same service, checking protocols against `floors` too (a state's safety floors).
    #[must_use]
    pub fn with_floors(mut self, floors: Vec<triage::Floor>) -> Self {
        self.floors = Arc::new(floors);
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    pub fn dispatch_settings(&self) -> &DispatchSettings {
        &self.dispatch
    }

    /// The incident, if it exists and involves the caller's agency. An incident the caller
    /// may not see is "not found", so its existence does not leak.
    pub async fn visible(&self, caller: &Caller, id: IncidentId) -> Result<Incident> {
        self.store
            .incident(id)
            .await?
            .filter(|i| i.involved.contains(&caller.agency.id))
            .ok_or_else(|| IncidentError::not_found(format!("incident {id}")))
    }

    /// The incident, if the caller's agency may change it: it sees it ([`Self::visible`]) and
    /// still takes part in it. An agency that declined it, or whose offer timed out or was
    /// withdrawn, sees it as it was then and changes nothing.
    pub async fn acting(&self, caller: &Caller, id: IncidentId) -> Result<Incident> {
        let incident = self.visible(caller, id).await?;
        if incident.cutoff_for(caller.agency.id).is_some() {
            return Err(IncidentError::Conflict(format!(
                "your agency's part in incident {id} has ended (it declined the incident, or its offer timed out or was withdrawn): you see it as it was then and cannot change it"
            )));
        }
        Ok(incident)
    }

    /// `incident` as `agency` may see it: as it was at the agency's last part when its part
    /// ended (it declined, its offer timed out or was withdrawn, its facility turned the team
    /// away) — with its own follow-ups as they are now, which it still works — and without
    /// other agencies' private notes or follow-ups.
    pub async fn as_seen(&self, agency: AgencyId, incident: Incident) -> Result<Incident> {
        let seen = match incident.cutoff_for(agency) {
            Some(cutoff) if cutoff < incident.version => {
                let events = self.store.incident_events(incident.id).await?;
                let mut then = None;
                for recorded in events.iter().take(usize::try_from(cutoff).unwrap_or(usize::MAX)) {
                    then = Some(Incident::next(then, &recorded.event).map_err(|e| {
                        IncidentError::Internal(format!(
                            "incident {} does not replay: {e}",
                            incident.id
                        ))
                    })?);
                }
                match then {
                    Some(mut then) => {
                        then.follow_ups.clone_from(&incident.follow_ups);
                        then
                    }
                    None => incident,
                }
            }
            _ => incident,
        };
        Ok(seen.as_seen_by(agency))
    }

    /// The `Routed` events a location calls for: one per configured service.
    pub(crate) fn routes_for(
        &self,
        location: &Location,
        callback: Option<&CallbackNumber>,
    ) -> Vec<EventKind> {
        self.routing
            .current()
            .map(|table| table.route(location, callback))
            .unwrap_or_default()
            .into_iter()
            .map(EventKind::Routed)
            .collect()
    }

    /// Appends `events` (all of one incident, in order).
    pub(crate) async fn commit(&self, events: Vec<Event>) -> Result<Committed> {
        Committed::of(self.store.append(events).await?)
    }
}

/// The event `caller` causes on `incident` at `at`.
pub(crate) fn by(caller: &Caller, at: Timestamp, incident: IncidentId, kind: EventKind) -> Event {
    Event { incident, at, actor: caller.actor(), agency: caller.agency.id, kind }
}

/// An event Crisisbridge records by itself, on behalf of `agency`.
pub(crate) const fn system(
    at: Timestamp,
    incident: IncidentId,
    agency: AgencyId,
    kind: EventKind,
) -> Event {
    Event { incident, at, actor: Actor::System, agency, kind }
}

/// Free text made safe for a note: control characters dropped, cut to `max` characters.
pub(crate) fn text(s: &str, max: usize) -> domain::Text {
    let clean: String = s.chars().filter(|c| !c.is_control() || *c == '\n').take(max).collect();
    domain::Text::parse(&clean, max).unwrap_or_default()
}
