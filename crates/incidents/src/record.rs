//! Opening an incident and the plain steps of its record: a better location (which re-routes
//! it), notes, and closing.

use domain::{
    CallbackNumber, Channel, Disposition, EventKind, IncidentId, Location, Permission, Text,
};

use crate::service::by;
use crate::{Caller, Committed, IncidentService, Result};

/// What a new incident starts with.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub channel: Channel,
    pub location: Location,
    pub callback: Option<CallbackNumber>,
    pub summary: Text,
    /// The person's language, interpreter need and age band, when the caller said them.
    pub contact: domain::ContactDetails,
    /// The civic address of the location, when one was given.
    pub address: Option<Text>,
}

impl IncidentService {
    /// Opens an incident for the caller's agency, routed by its location in the same commit.
    pub async fn open(&self, caller: &Caller, new: NewIncident) -> Result<Committed> {
        caller.require(Permission::IncidentCreate)?;
        let now = self.clock.now();
        let id = IncidentId::new(now);
        let routes = self.routes_for(&new.location, new.callback.as_ref());
        let opened = EventKind::Opened {
            channel: new.channel,
            location: new.location,
            callback: new.callback,
            summary: new.summary,
        };
        let mut events = vec![by(caller, now, id, opened)];
        events.extend(routes.into_iter().map(|route| by(caller, now, id, route)));
        if new.contact != domain::ContactDetails::default() {
            events.push(by(caller, now, id, EventKind::ContactDescribed(new.contact)));
        }
        if let Some(address) = new.address {
            events.push(by(caller, now, id, EventKind::AddressRecorded { address: Some(address) }));
        }
        self.commit(events).await
    }

    /// A new or better location; the incident is routed again in the same commit. The address
    /// said for the old location is cleared, and `address` recorded for the new one if given.
    pub async fn locate(
        &self,
        caller: &Caller,
        id: IncidentId,
        location: Location,
        address: Option<Text>,
    ) -> Result<Committed> {
        caller.require(Permission::IncidentLocate)?;
        let incident = self.acting(caller, id).await?;
        let now = self.clock.now();
        let routes = self.routes_for(&location, incident.callback.as_ref());
        let mut events = vec![by(caller, now, id, EventKind::Located { location })];
        events.extend(routes.into_iter().map(|route| by(caller, now, id, route)));
        if let Some(address) = address {
            events.push(by(caller, now, id, EventKind::AddressRecorded { address: Some(address) }));
        }
        self.commit(events).await
    }

    /// Records the civic address of the incident's location as said (`None` takes it back),
    /// without moving the location.
    pub async fn record_address(
        &self,
        caller: &Caller,
        id: IncidentId,
        address: Option<Text>,
    ) -> Result<Committed> {
        caller.require(Permission::IncidentLocate)?;
        let incident = self.acting(caller, id).await?;
        if incident.address == address {
            return Err(crate::IncidentError::Conflict(
                "the incident has this address already: nothing to change".into(),
            ));
        }
        let kind = EventKind::AddressRecorded { address };
        self.commit(vec![by(caller, self.clock.now(), id, kind)]).await
    }

    /// A note for the record, for `audience` — by default private to a crisis center's own
    /// staff and shared by every other agency ([`domain::NoteAudience::default_for`]).
    pub async fn add_note(
        &self,
        caller: &Caller,
        id: IncidentId,
        text: Text,
        audience: Option<domain::NoteAudience>,
    ) -> Result<Committed> {
        caller.require(Permission::IncidentNote)?;
        self.acting(caller, id).await?;
        let audience =
            audience.unwrap_or_else(|| domain::NoteAudience::default_for(caller.agency.kind));
        let kind = EventKind::NoteAdded { text, audience };
        self.commit(vec![by(caller, self.clock.now(), id, kind)]).await
    }

    /// Records who the person is, as far as responders need to know: language, interpreter,
    /// age band (replacing what was said before). Anyone who may add notes may.
    pub async fn describe_contact(
        &self,
        caller: &Caller,
        id: IncidentId,
        details: domain::ContactDetails,
    ) -> Result<Committed> {
        caller.require(Permission::IncidentNote)?;
        self.acting(caller, id).await?;
        let kind = EventKind::ContactDescribed(details);
        self.commit(vec![by(caller, self.clock.now(), id, kind)]).await
    }

    /// Ends the incident, recording first whether the person agreed to be contacted again
    /// when `consent` says. The follow-ups the agencies' rules call for are committed with the
    /// close, in one batch ([`crate::follow_up::planned`]).
    pub async fn close(
        &self,
        caller: &Caller,
        id: IncidentId,
        disposition: Disposition,
        remark: Text,
        consent: Option<bool>,
    ) -> Result<Committed> {
        caller.require(Permission::IncidentClose)?;
        let mut after = self.acting(caller, id).await?;
        let now = self.clock.now();
        let mut events = Vec::new();
        if let Some(given) = consent {
            events.push(by(caller, now, id, EventKind::FollowUpConsentRecorded { given }));
        }
        events.push(by(caller, now, id, EventKind::Closed { disposition, remark }));
        for event in &events {
            after.apply(event)?;
        }
        // Follow-up planning never blocks a close: rules that cannot be read, or a follow-up
        // the state machine would refuse, are logged and left out.
        let rules = match self.follow_up_rules().await {
            Ok(rules) => rules,
            Err(e) => {
                tracing::error!(incident = %id, error = %e, "follow-up rules unreadable: closing without follow-ups");
                Vec::new()
            }
        };
        for planned in crate::follow_up::planned(&after, &rules, now) {
            match after.apply(&planned) {
                Ok(()) => events.push(planned),
                Err(e) => {
                    tracing::error!(incident = %id, error = %e, "a follow-up rule's follow-up was refused: left out");
                }
            }
        }
        self.commit(events).await
    }
}
