//! Keeping a team's own log and its incident's log in step.
//!
//! A team's life is in the team log (shifts, every status); what it does on an incident is in
//! that incident's log too (`team_dispatched`, then each `team_status_changed`), so KPIs such
//! as "dispatched to on scene" read from the incident alone. The two are separate commits, so
//! the order matters:
//!
//! - **Dispatch**: the team first — it may refuse (not available, off shift) — then the
//!   incident. Should the incident refuse after all (closed meanwhile), the team is released
//!   again (`available`, by Crisisbridge), so no team is held for a call it is not on.
//! - **A status on a call**: the team first (the team's reality); then the incident, best
//!   effort — a closed incident no longer takes a team's statuses, and that must not stop a
//!   responder from clearing.

use dispatch::{TeamState, TeamStatus};
use domain::event::Actor;
use domain::{Event, EventKind, Incident, TeamId, Timestamp};
use store::{StoreError, TeamChange, TeamCommand};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// Applies a shift or status change to `team` (as the caller's agency saw it a moment ago);
/// records a status change on the incident the team is working.
pub(crate) async fn change(
    state: &AppState,
    caller: &Caller,
    team: &TeamState,
    change: TeamChange,
) -> ApiResult<TeamState> {
    let after = state.store.change_team(change).await?;
    if let (TeamCommand::SetStatus { status }, Some(incident)) = (change.command, team.incident()) {
        let event = Event {
            incident,
            at: change.at,
            actor: change.actor,
            agency: caller.agency.id,
            kind: EventKind::TeamStatusChanged { team: team.id(), status },
        };
        if let Err(e) = state.store.append(vec![event]).await {
            tracing::warn!(%incident, team = %team.id(), error = %e, "a team's status could not be recorded on its incident");
        }
    }
    Ok(after)
}

/// Sends `team` to `incident`: the team's dispatch, then `team_dispatched` on the incident.
/// Returns the incident's committed events and state.
pub(crate) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    incident: &Incident,
    team: TeamId,
    now: Timestamp,
) -> ApiResult<store::Appended> {
    dispatch_as(state, Actor::User(caller.id()), caller.agency.id, incident, team, now).await
}

/// [`dispatch`] by any actor on behalf of `agency` (the team's provider): a dispatcher, or
/// Crisisbridge auto-assigning.
pub(crate) async fn dispatch_as(
    state: &AppState,
    actor: Actor,
    agency: domain::AgencyId,
    incident: &Incident,
    team: TeamId,
    now: Timestamp,
) -> ApiResult<store::Appended> {
    let Some(team_state) = state.store.team_state(team).await? else {
        return Err(ApiError::field("team", format!("team {team} does not exist")));
    };
    if team_state.profile.provider != agency {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "team {} belongs to another provider; dispatch your own agency's teams",
                team_state.profile.name
            ),
        ));
    }
    let event = Event {
        incident: incident.id,
        at: now,
        actor,
        agency,
        kind: EventKind::TeamDispatched { team, provider: team_state.profile.provider },
    };
    // Would the incident take it? Asked first, so a closed call does not hold a team.
    incident.clone().apply(&event).map_err(|e| ApiError::from(StoreError::Rejected(e)))?;
    let dispatched = TeamChange {
        team,
        at: now,
        actor,
        command: TeamCommand::Dispatch { incident: incident.id },
    };
    state.store.change_team(dispatched).await?;
    match state.store.append(vec![event]).await {
        Ok(appended) => Ok(appended),
        Err(e) => {
            let release = TeamChange {
                team,
                at: state.clock.now(),
                actor: Actor::System,
                command: TeamCommand::SetStatus { status: TeamStatus::Available },
            };
            if let Err(release_error) = state.store.change_team(release).await {
                tracing::error!(%team, error = %release_error, "a team dispatched to a refused incident could not be released");
            }
            Err(e.into())
        }
    }
}
