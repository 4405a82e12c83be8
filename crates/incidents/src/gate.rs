//! The protocol gate, as the service enforces it, and overrides.
//!
//! The incident's state machine refuses any offer or dispatch its recorded decision does not
//! include (`domain::Incident::gate`). What it cannot know is whether a call with no decision
//! yet *should* have one: that is a question of the holder's active protocol, asked here
//! before every offer to a crisis service — divert, offer along any route, to a named agency,
//! team dispatch. A supervisor (or a role the protocol names) may override, once per
//! destination, with a written reason recorded as its own event.

use domain::{Channel, Destination, EventKind, Incident, IncidentId, Permission, Text};

use crate::service::by;
use crate::{Caller, Committed, IncidentError, IncidentService, Result, parse_stored};

impl IncidentService {
    /// Refuses sending `incident` to `destination` unless the gate lets it through.
    pub(crate) async fn gate(&self, incident: &Incident, destination: Destination) -> Result<()> {
        incident.gate(destination)?;
        if !destination.is_gated()
            || incident.channel != Channel::Nine11
            || incident.triage.is_some()
            || incident.overridden_for(destination)
        {
            return Ok(());
        }
        if self.store.active_protocol(incident.holder, Channel::Nine11).await?.is_some() {
            let agency = self
                .store
                .agency(incident.holder)
                .await?
                .map_or_else(|| incident.holder.to_string(), |a| a.name);
            metrics::counter!("crisisbridge_gate_refusals_total", "reason" => "triage_required")
                .increment(1);
            return Err(IncidentError::TriageRequired {
                agency,
                destination: destination.as_str(),
            });
        }
        Ok(())
    }

    /// Overrides the incident's triage decision for `destination`, with a reason. Allowed to
    /// supervisors of the holding agency, and to the roles its active protocol names.
    pub async fn override_decision(
        &self,
        caller: &Caller,
        id: IncidentId,
        destination: Destination,
        reason: Text,
    ) -> Result<Committed> {
        caller.require(Permission::IncidentRead)?;
        let incident = self.acting(caller, id).await?;
        if !caller.role.allows(Permission::DecisionOverride) {
            let protocol = self.store.active_protocol(caller.agency.id, incident.channel).await?;
            let roles = match &protocol {
                Some(p) => parse_stored(p)?.override_roles,
                None => Vec::new(),
            };
            if !roles.contains(&caller.role) {
                let allowed = roles.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                return Err(IncidentError::OverrideNotAllowed { role: caller.role, allowed });
            }
        }
        if !destination.is_gated() {
            return Err(IncidentError::field(
                "destination",
                format!(
                    "{} is never gated; override only 988, mobile_crisis or embedded_clinician",
                    destination.as_str()
                ),
            ));
        }
        if incident.triage.as_ref().is_some_and(|d| d.outcome.allows(destination))
            || incident.overridden_for(destination)
        {
            return Err(IncidentError::Conflict(format!(
                "the incident may go to {} already; nothing to override",
                destination.as_str()
            )));
        }
        let overridden = EventKind::DecisionOverridden { destination, reason };
        let committed = self.commit(vec![by(caller, self.clock.now(), id, overridden)]).await?;
        metrics::counter!("crisisbridge_decision_overrides_total", "destination" => destination.as_str())
            .increment(1);
        tracing::info!(incident = %id, destination = destination.as_str(), "triage decision overridden");
        Ok(committed)
    }
}
