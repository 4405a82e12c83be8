//! JSON row formats of teams' live state: the state snapshot, team log bodies and fix
//! verdicts. Decoding goes back through `dispatch`'s and `domain`'s parsers, so a tampered
//! row is [`StoreError::Corrupt`], never an invalid value.

use dispatch::{Fix, FixVerdict, Shift, TeamProfile, TeamSnapshot, TeamState};
use domain::{GeoPoint, IncidentId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::teams::TeamCommand;
use crate::{Result, StoreError};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotRow {
    shift: String,
    status: String,
    status_since: i64,
    incident: Option<Uuid>,
    recent_dispatches: Vec<i64>,
    position: Option<FixRow>,
    last_fix_received: Option<i64>,
}

/// A fix as stored.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixRow {
    pub at: i64,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub speed_mps: Option<f64>,
    pub heading_deg: Option<f64>,
}

impl From<&Fix> for FixRow {
    fn from(f: &Fix) -> Self {
        Self {
            at: f.at().as_millis(),
            lat: f.point().lat.degrees(),
            lon: f.point().lon.degrees(),
            accuracy_m: f.accuracy_m(),
            speed_mps: f.speed_mps(),
            heading_deg: f.heading_deg(),
        }
    }
}

impl FixRow {
    pub fn fix(&self) -> Result<Fix> {
        let point = GeoPoint::parse(self.lat, self.lon).map_err(corrupt)?;
        Fix::parse(
            Timestamp::from_millis(self.at),
            point,
            self.accuracy_m,
            self.speed_mps,
            self.heading_deg,
        )
        .map_err(corrupt)
    }
}

/// The JSON of a team's state (its profile lives in the directory).
pub fn encode_team_state(state: &TeamState) -> String {
    let s = state.snapshot();
    let row = SnapshotRow {
        shift: s.shift.as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        status_since: s.status_since.as_millis(),
        incident: s.incident.map(|i| i.as_uuid()),
        recent_dispatches: s.recent_dispatches.iter().map(|t| t.as_millis()).collect(),
        position: s.position.as_ref().map(FixRow::from),
        last_fix_received: s.last_fix_received.map(|t| t.as_millis()),
    };
    serde_json::to_string(&row).unwrap_or_default()
}

/// A team's state from its profile and what [`encode_team_state`] wrote; a team with no
/// stored state yet is new: off shift, out of service since `created`.
pub fn decode_team_state(
    profile: TeamProfile,
    json: Option<&str>,
    created: Timestamp,
) -> Result<TeamState> {
    let Some(json) = json else { return Ok(TeamState::new(profile, created)) };
    let row: SnapshotRow = serde_json::from_str(json).map_err(corrupt)?;
    let shift = match row.shift.as_str() {
        "on" => Shift::On,
        "off" => Shift::Off,
        other => return Err(corrupt(format!("unknown shift {other:?}"))),
    };
    let snapshot = TeamSnapshot {
        shift,
        status: dispatch::parse_status(&row.status).map_err(corrupt)?,
        status_since: Timestamp::from_millis(row.status_since),
        incident: row.incident.map(IncidentId::from_uuid),
        recent_dispatches: row.recent_dispatches.into_iter().map(Timestamp::from_millis).collect(),
        position: row.position.map(|f| f.fix()).transpose()?,
        last_fix_received: row.last_fix_received.map(Timestamp::from_millis),
    };
    TeamState::restore(profile, snapshot).map_err(corrupt)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum CommandRow {
    ShiftStarted,
    ShiftEnded,
    Dispatched { incident: Uuid },
    StatusChanged { status: String },
}

/// The JSON body of a team log entry.
pub fn encode_team_command(command: &TeamCommand) -> String {
    let row = match command {
        TeamCommand::StartShift => CommandRow::ShiftStarted,
        TeamCommand::EndShift => CommandRow::ShiftEnded,
        TeamCommand::Dispatch { incident } => {
            CommandRow::Dispatched { incident: incident.as_uuid() }
        }
        TeamCommand::SetStatus { status } => {
            CommandRow::StatusChanged { status: status.as_str().to_owned() }
        }
    };
    serde_json::to_string(&row).unwrap_or_default()
}

/// Reads back what [`encode_team_command`] wrote.
pub fn decode_team_command(json: &str) -> Result<TeamCommand> {
    Ok(match serde_json::from_str(json).map_err(corrupt)? {
        CommandRow::ShiftStarted => TeamCommand::StartShift,
        CommandRow::ShiftEnded => TeamCommand::EndShift,
        CommandRow::Dispatched { incident } => {
            TeamCommand::Dispatch { incident: IncidentId::from_uuid(incident) }
        }
        CommandRow::StatusChanged { status } => {
            TeamCommand::SetStatus { status: dispatch::parse_status(&status).map_err(corrupt)? }
        }
    })
}

/// A verdict's stable name, and the number that goes with it (behind/ahead milliseconds, or
/// the implied speed).
pub fn encode_verdict(verdict: &FixVerdict) -> (&'static str, Option<f64>) {
    match verdict {
        FixVerdict::Current => ("current", None),
        FixVerdict::OutOfOrder { behind_ms } => ("out_of_order", Some(*behind_ms as f64)),
        FixVerdict::ImpossibleJump { implied_speed_mps } => {
            ("impossible_jump", Some(*implied_speed_mps))
        }
        FixVerdict::AheadOfClock { ahead_ms } => ("ahead_of_clock", Some(*ahead_ms as f64)),
    }
}

/// Reads back what [`encode_verdict`] wrote.
pub fn decode_verdict(name: &str, value: Option<f64>) -> Result<FixVerdict> {
    let number = || value.ok_or_else(|| corrupt(format!("verdict {name} without its number")));
    #[allow(clippy::cast_possible_truncation)]
    Ok(match name {
        "current" => FixVerdict::Current,
        "out_of_order" => FixVerdict::OutOfOrder { behind_ms: number()? as i64 },
        "impossible_jump" => FixVerdict::ImpossibleJump { implied_speed_mps: number()? },
        "ahead_of_clock" => FixVerdict::AheadOfClock { ahead_ms: number()? as i64 },
        other => return Err(corrupt(format!("unknown fix verdict {other:?}"))),
    })
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// What dispatch knows of a team from the directory.
pub fn profile(team: &crate::Team) -> Result<TeamProfile> {
    Ok(TeamProfile {
        id: team.id,
        provider: team.provider,
        name: team.name.clone(),
        capabilities: dispatch::Capability::parse_all(team.capabilities.iter().map(String::as_str))
            .map_err(corrupt)?,
        // Dispatch needs a place to assume when a team's GPS is unknown; teams are created
        // with one (teams from before home bases are set up again).
        home_base: team.home_base.ok_or_else(|| {
            corrupt(format!("team {} has no home base; give it one to dispatch it", team.name))
        })?,
        members: team.members.clone(),
    })
}

/// When a team was created: the time in its UUID v7 id (the moment a new team's state
/// starts from).
pub fn created_at(team: domain::TeamId) -> Timestamp {
    let millis = team.as_uuid().get_timestamp().map_or(0, |ts| {
        let (secs, nanos) = ts.to_unix();
        i64::try_from(secs).unwrap_or(0) * 1000 + i64::from(nanos / 1_000_000)
    });
    Timestamp::from_millis(millis)
}
