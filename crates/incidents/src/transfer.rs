//! Transfers between agencies: an offer along a service's route (with rollover to the next
//! tier when an agency declines or does not answer in time), the answer, and the deadline.
//!
//! A step that leaves an offer unanswered — a decline, a timeout — commits together with what
//! it calls for: the offer to the next tier, or the transfer's return
//! ([`domain::Incident::follow_up`]), so no state between them is ever visible.

use domain::{
    AgencyId, AlarmKind, Destination, Event, EventKind, Incident, IncidentId, Permission,
    RouteTier, Text, Timestamp, TriageOutcome,
};
use store::StoreError;

use crate::service::{by, system, text};
use crate::{Caller, Committed, IncidentError, IncidentService, Result};

/// Longest time an agency may be given to answer a transfer offer.
pub const MAX_TRANSFER_SECONDS: u32 = store::MAX_ANSWER_WITHIN_S;
/// The 988 service a divert follows.
pub const SERVICE_988: &str = "urn:service:counseling.suicide";

/// An offer of the incident to another agency, as the holder asks for it.
#[derive(Debug, Clone)]
pub struct TransferRequest {
    /// Offer this agency; with `service`, it must be one of the route's tiers, and the offer
    /// rolls over from it.
    pub to: Option<AgencyId>,
    /// Follow this service's route: its first tier (or `to`) first, then the tiers after it.
    pub service: Option<String>,
    pub reason: Text,
    /// Seconds the first agency has to answer; default its tier's answer time, or 60.
    pub deadline_seconds: Option<u32>,
}

impl IncidentService {
    /// Offers the incident to another agency.
    pub async fn offer_transfer(
        &self,
        caller: &Caller,
        id: IncidentId,
        request: TransferRequest,
    ) -> Result<Committed> {
        caller.require(Permission::TransferOffer)?;
        let incident = self.acting(caller, id).await?;
        if let Some(to) = request.to
            && self.store.agency(to).await?.is_none()
        {
            return Err(IncidentError::field(
                "to_agency",
                format!("agency {to} does not exist; GET /api/v1/agencies lists them"),
            ));
        }
        let tiers = match &request.service {
            Some(service) => route_tiers(&incident, service)?,
            None => Vec::new(),
        };
        let now = self.clock.now();
        let offer = offer(
            request.to,
            request.service,
            tiers,
            request.reason,
            request.deadline_seconds,
            now,
        )?;
        let offer = self.classified(offer).await?;
        if let EventKind::TransferOffered { destination, .. } = &offer {
            self.gate(&incident, *destination).await?;
        }
        self.commit(vec![by(caller, now, id, offer)]).await
    }

    /// Hands a 911 call to 988 as its triage decision says: offered along the route of
    /// [`SERVICE_988`], with rollover.
    pub async fn divert_988(&self, caller: &Caller, id: IncidentId) -> Result<Committed> {
        caller.require(Permission::TransferOffer)?;
        let incident = self.acting(caller, id).await?;
        let decision = incident.triage.as_ref().filter(|t| t.outcome == TriageOutcome::Divert988);
        let reason = match (
            decision,
            incident.overrides.iter().find(|o| o.destination == Destination::Crisis988),
        ) {
            (Some(d), _) => format!(
                "divert to 988: rule {} of protocol {} v{}",
                d.rule, d.protocol, d.protocol_version
            ),
            (None, Some(o)) => format!("divert to 988 by override: {}", o.reason.as_str()),
            (None, None) => {
                return Err(IncidentError::Conflict(
                    "the incident's triage decision is not divert_988: answer the diversion protocol first (POST /api/v1/incidents/{id}/triage)".into(),
                ));
            }
        };
        let reason = text(&reason, Text::SHORT_MAX);
        let tiers = route_tiers(&incident, SERVICE_988)?;
        let now = self.clock.now();
        let offer = offer(None, Some(SERVICE_988.to_owned()), tiers, reason, None, now)?;
        let offer = self.classified(offer).await?;
        self.gate(&incident, Destination::Crisis988).await?;
        self.commit(vec![by(caller, now, id, offer)]).await
    }

    /// Takes back an offer of the caller's agency before anyone answered it.
    pub async fn withdraw_transfer(
        &self,
        caller: &Caller,
        id: IncidentId,
        reason: Text,
    ) -> Result<Committed> {
        caller.require(Permission::TransferOffer)?;
        let incident = self.acting(caller, id).await?;
        // An imminent-risk handoff is ended only by a supervisor, with what was done instead.
        if incident.transfer.as_ref().is_some_and(|t| t.until_taken) {
            caller.require(Permission::HandoffResolve)?;
        }
        let withdrawn = EventKind::TransferWithdrawn { reason };
        self.commit(vec![by(caller, self.clock.now(), id, withdrawn)]).await
    }

    /// Acts on the incident's alarm, saying what was done. For an imminent-risk handoff no
    /// PSAP has taken, a supervisor records what was done instead, which also ends the offers.
    pub async fn resolve_alarm(
        &self,
        caller: &Caller,
        id: IncidentId,
        action: Text,
    ) -> Result<Committed> {
        let incident = self.acting(caller, id).await?;
        let Some(alarm) = &incident.alarm else {
            return Err(domain::TransitionError::NoAlarm.into());
        };
        let now = self.clock.now();
        let mut events = Vec::new();
        match alarm.kind {
            AlarmKind::HandoffUnanswered => {
                caller.require(Permission::HandoffResolve)?;
                if incident.transfer.as_ref().is_some_and(|t| t.until_taken) {
                    let withdrawn = EventKind::TransferWithdrawn {
                        reason: text(
                            &format!("no PSAP took the handoff; instead: {}", action.as_str()),
                            Text::SHORT_MAX,
                        ),
                    };
                    events.push(by(caller, now, id, withdrawn));
                }
            }
            AlarmKind::TransferReturned => caller.require(Permission::TransferOffer)?,
        }
        events.push(by(caller, now, id, EventKind::AlarmResolved { action }));
        let committed = self.commit(events).await?;
        metrics::counter!("crisisbridge_alarms_resolved_total", "alarm" => alarm.kind.as_str())
            .increment(1);
        Ok(committed)
    }

    /// `offer` with its destination: what kind of agency it goes to.
    pub(crate) async fn classified(&self, mut offer: EventKind) -> Result<EventKind> {
        if let EventKind::TransferOffered { to, destination, .. } = &mut offer {
            let agency = self.store.agency(*to).await?.ok_or_else(|| {
                IncidentError::field("to_agency", format!("agency {to} does not exist"))
            })?;
            *destination = Destination::of(agency.kind);
        }
        Ok(offer)
    }

    /// Takes an incident offered to the caller's agency.
    pub async fn accept_transfer(&self, caller: &Caller, id: IncidentId) -> Result<Committed> {
        caller.require(Permission::TransferRespond)?;
        self.acting(caller, id).await?;
        self.commit(vec![by(caller, self.clock.now(), id, EventKind::TransferAccepted)]).await
    }

    /// Refuses an incident offered to the caller's agency; the next tier is offered in the
    /// same commit, or the transfer returned.
    pub async fn decline_transfer(
        &self,
        caller: &Caller,
        id: IncidentId,
        reason: Text,
    ) -> Result<Committed> {
        caller.require(Permission::TransferRespond)?;
        let incident = self.acting(caller, id).await?;
        let now = self.clock.now();
        let declined = by(caller, now, id, EventKind::TransferDeclined { reason });
        self.commit(with_follow_up(&incident, vec![declined], now)).await
    }

    /// Records the timeout of `id`'s offer, when it is still open and its deadline has passed,
    /// with what it calls for. `None` when there was nothing to time out (answered,
    /// re-offered or closed meanwhile, or timed out by another node).
    pub async fn time_out(&self, id: IncidentId) -> Result<Option<Committed>> {
        let Some(incident) = self.store.incident(id).await? else { return Ok(None) };
        let now = self.clock.now();
        let due =
            incident.transfer.as_ref().is_some_and(|t| t.unanswered.is_none() && t.deadline <= now);
        if !due {
            return Ok(None);
        }
        let timeout = system(now, id, incident.holder, EventKind::TransferTimedOut);
        match self.store.append(with_follow_up(&incident, vec![timeout], now)).await {
            Ok(appended) => {
                let committed = Committed::of(appended)?;
                metrics::counter!("crisisbridge_transfer_timeouts_total").increment(1);
                if committed
                    .events
                    .iter()
                    .any(|e| matches!(e.event.kind, EventKind::TransferReturned { .. }))
                {
                    metrics::counter!("crisisbridge_transfers_returned_total").increment(1);
                    tracing::warn!(incident = %id, "transfer returned: no agency took the incident");
                }
                Ok(Some(committed))
            }
            // Another node (or an answer) got there first.
            Err(StoreError::Rejected(reason)) => {
                tracing::debug!(incident = %id, %reason, "transfer timeout not needed");
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// `events` (of `incident`, in order) followed by what Crisisbridge must record after them:
/// when they leave an offer declined or timed out, the next tier's offer or the return.
pub(crate) fn with_follow_up(
    incident: &Incident,
    mut events: Vec<Event>,
    at: Timestamp,
) -> Vec<Event> {
    let mut after = incident.clone();
    // The store checks the batch again when it commits; a refused event here just means
    // there is nothing to follow up.
    if events.iter().all(|e| after.apply(e).is_ok()) {
        for kind in after.follow_up(at) {
            events.push(system(at, after.id, after.holder, kind));
        }
    }
    events
}

/// The tiers of the incident's route for `service`.
pub(crate) fn route_tiers(incident: &Incident, service: &str) -> Result<Vec<RouteTier>> {
    let route = incident.routes.iter().find(|r| r.service == service).ok_or_else(|| {
        IncidentError::field(
            "service",
            format!("the incident has no route for {service}; give its location first, or offer to_agency"),
        )
    })?;
    if route.tiers.is_empty() {
        return Err(IncidentError::Conflict(format!(
            "nobody serves the incident's location for {service} ({}); offer to_agency instead",
            route.rule.as_str()
        )));
    }
    Ok(route.tiers.clone())
}

/// The offer of `service`'s route, made at `now` to its first tier with the tiers after it
/// (as `divert_988` and `offer_transfer` make it), its destination set from the kind of the
/// agency offered (`kind_of`). The planning simulator writes its offers with it.
pub fn route_offer(
    service: &str,
    tiers: Vec<RouteTier>,
    reason: Text,
    now: Timestamp,
    kind_of: impl Fn(AgencyId) -> Option<domain::AgencyKind>,
) -> Result<EventKind> {
    let mut offer = offer(None, Some(service.to_owned()), tiers, reason, None, now)?;
    if let EventKind::TransferOffered { to, destination, .. } = &mut offer {
        *destination = kind_of(*to).map_or(Destination::Other, Destination::of);
    }
    Ok(offer)
}

/// The first offer of a transfer: to `to` (else the first tier), with the tiers after it.
fn offer(
    to: Option<AgencyId>,
    service: Option<String>,
    tiers: Vec<RouteTier>,
    reason: Text,
    deadline_seconds: Option<u32>,
    now: Timestamp,
) -> Result<EventKind> {
    let start = match to {
        None => 0,
        Some(to) if tiers.is_empty() => {
            let seconds = deadline_seconds.unwrap_or(domain::route::DEFAULT_ANSWER_WITHIN_S);
            return Ok(EventKind::TransferOffered {
                to,
                reason,
                deadline: deadline(seconds, now)?,
                service,
                then: Vec::new(),
                destination: Destination::Other,
                until_taken: false,
            });
        }
        Some(to) => tiers.iter().position(|t| t.agency == to).ok_or_else(|| {
            IncidentError::field(
                "to_agency",
                format!("agency {to} is not a tier of the route it was offered along"),
            )
        })?,
    };
    let Some((first, then)) = tiers.get(start..).and_then(<[RouteTier]>::split_first) else {
        return Err(IncidentError::field(
            "to_agency",
            "give to_agency or a service whose route names agencies",
        ));
    };
    // The destination is set from the agency's kind before the offer is committed.
    Ok(EventKind::TransferOffered {
        to: first.agency,
        reason,
        deadline: deadline(deadline_seconds.unwrap_or(first.answer_within_s), now)?,
        service,
        then: then.to_vec(),
        destination: Destination::Other,
        until_taken: false,
    })
}

fn deadline(seconds: u32, now: Timestamp) -> Result<Timestamp> {
    if !(1..=MAX_TRANSFER_SECONDS).contains(&seconds) {
        return Err(IncidentError::field(
            "deadline_seconds",
            format!("{seconds} is out of range [1, {MAX_TRANSFER_SECONDS}]"),
        ));
    }
    Ok(now.plus_millis(i64::from(seconds) * 1000))
}
