//! Mobile crisis teams on incidents: sending one, and recording a team's statuses on the
//! incident it works, so measures such as "dispatched to on scene" read from the incident
//! alone. A team's own life (shifts, every status) is in the team log.
//!
//! - **Dispatch**: one commit across the incident log and the team log
//!   ([`store::EventLog::append_with_team`]): the team's status table and the incident's state
//!   machine must both accept, or nothing is written — no team is held for a call it is not
//!   on, and no incident names a team that was never sent.
//! - **A status on a call**: the team first (the team's reality); then the incident, best
//!   effort — a closed incident no longer takes a team's statuses, and that must not stop a
//!   responder from clearing.

use dispatch::TeamState;
use domain::event::Actor;
use domain::{AgencyId, Event, EventKind, Incident, IncidentId, Permission, TeamId, Timestamp};
use store::{TeamChange, TeamCommand};

use crate::{Caller, Committed, IncidentError, IncidentService, Result};

impl IncidentService {
    /// Sends one of the caller's agency's teams to the incident.
    pub async fn dispatch_team(
        &self,
        caller: &Caller,
        id: IncidentId,
        team: TeamId,
    ) -> Result<Committed> {
        caller.require(Permission::TeamDispatch)?;
        let incident = self.acting(caller, id).await?;
        self.dispatch_as(caller.actor(), caller.agency.id, &incident, team, self.clock.now()).await
    }

    /// [`Self::dispatch_team`] by any actor on behalf of `agency` (the team's provider): a
    /// dispatcher, or Crisisbridge auto-assigning.
    pub(crate) async fn dispatch_as(
        &self,
        actor: Actor,
        agency: AgencyId,
        incident: &Incident,
        team: TeamId,
        now: Timestamp,
    ) -> Result<Committed> {
        self.gate(incident, domain::Destination::MobileCrisis).await?;
        let Some(team_state) = self.store.team_state(team).await? else {
            return Err(IncidentError::field("team", format!("team {team} does not exist")));
        };
        if team_state.profile.provider != agency {
            return Err(IncidentError::NotAllowed(format!(
                "team {} belongs to another provider; dispatch your own agency's teams",
                team_state.profile.name
            )));
        }
        let event = Event {
            incident: incident.id,
            at: now,
            actor,
            agency,
            kind: EventKind::TeamDispatched { team, provider: team_state.profile.provider },
        };
        let dispatched = TeamChange {
            team,
            at: now,
            actor,
            command: TeamCommand::Dispatch { incident: incident.id },
        };
        let (appended, _) = self.store.append_with_team(vec![event], dispatched).await?;
        Committed::of(appended)
    }

    /// Applies a shift or status change to one of the caller's agency's teams, and records a
    /// status change on the incident the team is working.
    pub async fn change_team(
        &self,
        caller: &Caller,
        team: TeamId,
        command: TeamCommand,
    ) -> Result<TeamState> {
        caller.require(Permission::TeamReport)?;
        let state = self.own_team(caller, team).await?;
        let change = TeamChange { team, at: self.clock.now(), actor: caller.actor(), command };
        let after = self.store.change_team(change).await?;
        if let (TeamCommand::SetStatus { status }, Some(incident)) = (command, state.incident()) {
            // Taking the person somewhere, or there: the status names the facility chosen.
            let to = match status {
                domain::TeamStatus::Transporting | domain::TeamStatus::AtFacility => self
                    .store
                    .incident(incident)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|i| i.destination)
                    .map(|d| d.facility),
                _ => None,
            };
            let event = Event {
                incident,
                at: change.at,
                actor: change.actor,
                agency: caller.agency.id,
                kind: EventKind::TeamStatusChanged { team, status, to },
            };
            if let Err(e) = self.store.append(vec![event]).await {
                tracing::warn!(%incident, %team, error = %e, "a team's status could not be recorded on its incident");
            }
        }
        Ok(after)
    }

    /// The team, if it belongs to the caller's agency ("not found" otherwise, so other
    /// providers' teams do not leak).
    pub async fn own_team(&self, caller: &Caller, team: TeamId) -> Result<TeamState> {
        self.store
            .team_state(team)
            .await?
            .filter(|t| t.profile.provider == caller.agency.id)
            .ok_or_else(|| IncidentError::not_found(format!("team {team}")))
    }
}
