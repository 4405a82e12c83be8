//! Mobile crisis teams' live state: shifts, statuses and GPS fixes.
//!
//! A team's state is a projection like an incident's: [`dispatch::TeamState`], rebuilt from
//! the team's directory record and its history. Shift and status changes go to the team log
//! (append-only); every GPS fix is kept as a breadcrumb (pruned after the retention period);
//! the current state is saved beside them in the same transaction. Each change is checked
//! against the state as committed — `dispatch` refuses what the status table or the position
//! rules do not allow — inside the writer's transaction, so concurrent changes to one team,
//! from any node, serialize without retries.
//!
//! Team state is operational, not incident history: the incident log records what a team did
//! *on an incident* (dispatched, its statuses there); the team log records the team's own
//! life (shifts, every status with its time) for reports.

use async_trait::async_trait;
use dispatch::{Fix, FixVerdict, TeamState, TeamStatus};
use domain::event::Actor;
use domain::{AgencyId, IncidentId, TeamId, Timestamp};
use tokio::sync::broadcast;

use crate::Result;

/// Something that happens to a team, besides a GPS fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamCommand {
    StartShift,
    EndShift,
    /// Sent to an incident: `available → dispatched`.
    Dispatch {
        incident: IncidentId,
    },
    /// Any other status (en route, on scene, …, available to clear, out of service).
    SetStatus {
        status: TeamStatus,
    },
}

impl TeamCommand {
    /// The stable name in the team log.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::StartShift => "shift_started",
            Self::EndShift => "shift_ended",
            Self::Dispatch { .. } => "dispatched",
            Self::SetStatus { .. } => "status_changed",
        }
    }
}

/// A team command, with when, by whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamChange {
    pub team: TeamId,
    pub at: Timestamp,
    pub actor: Actor,
    pub command: TeamCommand,
}

/// A committed entry of the team log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLogEntry {
    /// Position in the team log, gap-free per store.
    pub seq: u64,
    pub change: TeamChange,
    /// The status the team had after it.
    pub status: TeamStatus,
}

/// A fix as it was kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breadcrumb {
    pub team: TeamId,
    pub fix: Fix,
    /// When the server received it, by its own clock.
    pub received_at: Timestamp,
    pub verdict: FixVerdict,
}

/// What recording a batch of fixes did.
#[derive(Debug, Clone, PartialEq)]
pub struct FixesRecorded {
    /// One per fix, in order.
    pub verdicts: Vec<FixVerdict>,
    /// The team after them.
    pub state: TeamState,
}

/// Teams' live state.
#[async_trait]
pub trait TeamLog: Send + Sync + 'static {
    /// Applies `change` to the team as committed, then commits the log entry and the new
    /// state; refused (nothing written) when the team does not exist or `dispatch` does not
    /// allow it ([`crate::StoreError::TeamRefused`]).
    async fn change_team(&self, change: TeamChange) -> Result<TeamState>;

    /// Keeps every fix as a breadcrumb with its verdict and moves the team's position as
    /// [`dispatch::PositionTrack`] decides; durable when it returns. Fixes are applied in the
    /// order given.
    async fn record_fixes(
        &self,
        team: TeamId,
        fixes: Vec<Fix>,
        received_at: Timestamp,
    ) -> Result<FixesRecorded>;

    /// One team's state; `None` for a team that does not exist.
    async fn team_state(&self, team: TeamId) -> Result<Option<TeamState>>;

    /// Every team's state (of one provider, or all), by team name.
    async fn team_states(&self, provider: Option<AgencyId>) -> Result<Vec<TeamState>>;

    /// The team's log, oldest first, at most `limit` entries after `after`.
    async fn team_log(&self, team: TeamId, after: u64, limit: u32) -> Result<Vec<TeamLogEntry>>;

    /// The team's breadcrumbs with a fix time at or after `since`, oldest first.
    async fn breadcrumbs(
        &self,
        team: TeamId,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<Breadcrumb>>;

    /// Deletes breadcrumbs received before `before` (the retention period); returns how many.
    async fn prune_breadcrumbs(&self, before: Timestamp) -> Result<u64>;

    /// Every team state committed from now on, in commit order, from every node.
    fn subscribe_teams(&self) -> broadcast::Receiver<TeamState>;
}
