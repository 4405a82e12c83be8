//! The 988 → 911 imminent-risk handoff, as the server carries it out.
//!
//! [`start`] hands a 988 contact to the PSAP serving its best known location, in two
//! commits, 911 side first: the PSAP's new incident — opened from the allow-listed
//! [`HandoffPayload`] only, linked back to the contact, routed, and offered to the PSAP along
//! the `urn:service:sos` route with rollover — then the contact's record of it. Everything
//! that could refuse the second commit is checked before the first, so a handoff is never
//! recorded without a PSAP incident; if the second commit fails anyway, help is already on its
//! way and the error says which incident carries it.

use domain::event::Actor;
use domain::{
    CallbackNumber, Event, EventKind, HandoffPayload, Incident, IncidentId, Location, Text,
    Timestamp,
};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::incidents::{committed, routes_for};
use crate::state::AppState;

/// The 911 service whose route picks the PSAP.
const SERVICE_911: &str = "urn:service:sos";

/// What the counselor gives, already parsed.
#[derive(Debug)]
pub(crate) struct HandoffRequest {
    /// A better location than the contact's, when the counselor has one.
    pub location: Option<Location>,
    /// Another number than the contact's, when the caller gave one.
    pub callback: Option<CallbackNumber>,
    pub hazards: Vec<Text>,
    pub reason: Text,
}

/// Hands `contact` off; returns the contact after it recorded the handoff, with that event.
pub(crate) async fn start(
    state: &AppState,
    caller: &Caller,
    contact: &Incident,
    request: HandoffRequest,
    now: Timestamp,
) -> ApiResult<(Incident, Vec<store::RecordedEvent>)> {
    let psap_incident = IncidentId::new(now);
    let record = Event {
        incident: contact.id,
        at: now,
        actor: Actor::User(caller.id()),
        agency: caller.agency.id,
        kind: EventKind::EmergencyHandoffStarted { handoff: psap_incident },
    };
    // Would the contact take the record? Asked first, so nothing is written when it would not.
    contact.clone().apply(&record).map_err(|e| ApiError::from(store::StoreError::Rejected(e)))?;

    let location = request.location.unwrap_or_else(|| contact.location.clone());
    if !location.is_known() {
        return Err(ApiError::field(
            "location",
            "the contact's location is unknown: give the best known location (even a cell sector) so the right PSAP is reached",
        ));
    }
    let payload = HandoffPayload {
        location,
        callback: request.callback.or_else(|| contact.callback.clone()),
        hazards: request.hazards,
        reason: request.reason,
    };
    let events = psap_events(state, caller, psap_incident, &payload, contact.id, now)?;
    let opened = state.store.append(events).await?;
    committed(opened.incident)?;
    metrics::counter!("crisisbridge_emergency_handoffs_total").increment(1);

    match state.store.append(vec![record]).await {
        Ok(appended) => Ok((committed(appended.incident)?, appended.events)),
        Err(e) => {
            tracing::error!(contact = %contact.id, %psap_incident, error = %e, "handoff made but not recorded on the contact");
            Err(ApiError::new(
                ErrorCode::Internal,
                format!(
                    "the PSAP was handed incident {psap_incident}, but recording it on this contact failed ({e}); the handoff stands — call the PSAP to confirm"
                ),
            ))
        }
    }
}

/// The PSAP incident's first commit: opened from the payload, linked to the contact, routed,
/// and offered along the 911 route.
fn psap_events(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    payload: &HandoffPayload,
    contact: IncidentId,
    now: Timestamp,
) -> ApiResult<Vec<Event>> {
    let event = |kind| Event {
        incident: id,
        at: now,
        actor: Actor::User(caller.id()),
        agency: caller.agency.id,
        kind,
    };
    let routes = routes_for(state, &payload.location, payload.callback.as_ref());
    let tiers = routes
        .iter()
        .find_map(|r| match r {
            EventKind::Routed(route) if route.service == SERVICE_911 => Some(route.tiers.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let Some((first, then)) = tiers.split_first() else {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            "no PSAP serves the contact's location here: call 911 by phone now",
        ));
    };
    let reason = format!("988 imminent-risk handoff: {}", payload.reason.as_str());
    let offer = EventKind::TransferOffered {
        to: first.agency,
        reason: Text::parse(&reason, Text::SHORT_MAX).unwrap_or_default(),
        deadline: now.plus_millis(i64::from(first.answer_within_s) * 1000),
        service: Some(SERVICE_911.to_owned()),
        then: then.to_vec(),
    };
    let mut events =
        vec![event(payload.opened()), event(EventKind::HandedOffFrom { incident: contact })];
    events.extend(routes.into_iter().map(event));
    events.push(event(offer));
    Ok(events)
}
