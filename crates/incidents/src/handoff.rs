//! The 988 → 911 imminent-risk handoff.
//!
//! [`IncidentService::start_emergency_handoff`] hands a 988 contact to the PSAP serving its
//! best known location, in two commits, 911 side first: the PSAP's new incident — opened from
//! the allow-listed [`HandoffPayload`] only, linked back to the contact, routed, and offered to
//! the PSAP along the `urn:service:sos` route with rollover, then the configured default PSAP,
//! round after round until one takes it (an alarm is raised after the first round; only a
//! supervisor can end it, recording what was done instead) — then the contact's record of it.
//! Everything that could refuse the second commit is checked before the first, so a handoff
//! is never recorded without a PSAP incident; if the second commit fails anyway, help is
//! already on its way and the error says which incident carries it.

use domain::{
    CallbackNumber, Destination, Event, EventKind, HandoffOutcome, HandoffPayload, IncidentId,
    Location, Permission, Text, Timestamp,
};

use crate::service::{by, text};
use crate::{Caller, Committed, IncidentError, IncidentService, Result};

/// The 911 service whose route picks the PSAP.
pub const SERVICE_911: &str = "urn:service:sos";

/// What the counselor gives.
#[derive(Debug, Clone)]
pub struct HandoffRequest {
    /// A better location than the contact's, when the counselor has one.
    pub location: Option<Location>,
    /// Another number than the contact's, when the caller gave one.
    pub callback: Option<CallbackNumber>,
    pub hazards: Vec<Text>,
    pub reason: Text,
}

impl IncidentService {
    /// Hands a 988 contact off for imminent risk; returns the contact after it recorded the
    /// handoff, with that event.
    pub async fn start_emergency_handoff(
        &self,
        caller: &Caller,
        id: IncidentId,
        request: HandoffRequest,
    ) -> Result<Committed> {
        caller.require(Permission::TransferOffer)?;
        if request.hazards.len() > HandoffPayload::MAX_HAZARDS {
            return Err(IncidentError::field(
                "hazards",
                format!(
                    "{} hazards given; at most {}",
                    request.hazards.len(),
                    HandoffPayload::MAX_HAZARDS
                ),
            ));
        }
        let contact = self.acting(caller, id).await?;
        let now = self.clock.now();
        let psap_incident = IncidentId::new(now);
        let record = by(
            caller,
            now,
            contact.id,
            EventKind::EmergencyHandoffStarted { handoff: psap_incident },
        );
        // Would the contact take the record? Asked first, so nothing is written when it would not.
        contact.clone().apply(&record)?;

        let location = request.location.unwrap_or_else(|| contact.location.clone());
        if !location.is_known() {
            return Err(IncidentError::field(
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
        let events = self.psap_events(caller, psap_incident, &payload, contact.id, now)?;
        self.commit(events).await?;
        metrics::counter!("crisisbridge_emergency_handoffs_total").increment(1);

        match self.store.append(vec![record]).await {
            Ok(appended) => Committed::of(appended),
            Err(e) => {
                tracing::error!(contact = %contact.id, %psap_incident, error = %e, "handoff made but not recorded on the contact");
                Err(IncidentError::Internal(format!(
                    "the PSAP was handed incident {psap_incident}, but recording it on this contact failed ({e}); the handoff stands — call the PSAP to confirm"
                )))
            }
        }
    }

    /// The 988 side's follow-up of its handoff: whether emergency services made contact.
    pub async fn confirm_emergency_handoff(
        &self,
        caller: &Caller,
        id: IncidentId,
        outcome: HandoffOutcome,
        remark: Text,
    ) -> Result<Committed> {
        caller.require(Permission::TransferOffer)?;
        self.acting(caller, id).await?;
        let confirmed = EventKind::EmergencyHandoffConfirmed { outcome, remark };
        self.commit(vec![by(caller, self.clock.now(), id, confirmed)]).await
    }

    /// The PSAP incident's first commit: opened from the payload, linked to the contact,
    /// routed, and offered along the 911 route.
    fn psap_events(
        &self,
        caller: &Caller,
        id: IncidentId,
        payload: &HandoffPayload,
        contact: IncidentId,
        now: Timestamp,
    ) -> Result<Vec<Event>> {
        let routes = self.routes_for(&payload.location, payload.callback.as_ref());
        let tiers = routes
            .iter()
            .find_map(|r| match r {
                EventKind::Routed(route) if route.service == SERVICE_911 => {
                    Some(route.tiers.clone())
                }
                _ => None,
            })
            .unwrap_or_default();
        // After the PSAPs serving the location, the configured default PSAP: the handoff is
        // offered round these until one takes it.
        let mut tiers = tiers;
        if let Some(table) = self.routing.current() {
            for tier in table.default_tiers(SERVICE_911) {
                if !tiers.iter().any(|t| t.agency == tier.agency) {
                    tiers.push(*tier);
                }
            }
        }
        let Some((first, then)) = tiers.split_first() else {
            return Err(IncidentError::Conflict(
                "no PSAP serves the contact's location here: call 911 by phone now".into(),
            ));
        };
        let reason = text(
            &format!("988 imminent-risk handoff: {}", payload.reason.as_str()),
            Text::SHORT_MAX,
        );
        let offer = EventKind::TransferOffered {
            to: first.agency,
            reason,
            deadline: now.plus_millis(i64::from(first.answer_within_s) * 1000),
            service: Some(SERVICE_911.to_owned()),
            then: then.to_vec(),
            destination: Destination::Psap,
            until_taken: true,
        };
        let mut events = vec![
            by(caller, now, id, payload.opened()),
            by(caller, now, id, EventKind::HandedOffFrom { incident: contact }),
        ];
        events.extend(routes.into_iter().map(|route| by(caller, now, id, route)));
        events.push(by(caller, now, id, offer));
        Ok(events)
    }
}
