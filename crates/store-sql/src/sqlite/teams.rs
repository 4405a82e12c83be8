//! Teams' live state on SQLite: the team writer (its own connection, behind
//! [`store::team_batch`]'s group-committing queue) and the reads.

use std::collections::HashMap;

use async_trait::async_trait;
use dispatch::{Fix, TeamState};
use domain::event::Actor;
use domain::{AgencyId, TeamId, Timestamp, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use store::team_batch::{TeamOp, TeamOutcome, TeamPlan, TeamQueue, TeamWriter};
use store::team_codec::{self, FixRow};
use store::{Breadcrumb, FixesRecorded, Result, StoreError, TeamChange, TeamLog, TeamLogEntry};
use tokio::sync::broadcast;

use super::dialect::uuid;
use super::directory::team;
use super::rows::{corrupt, get};
use super::{SqliteStore, db_err};

/// Breadcrumb rows per INSERT: ten columns each, under SQLite's 32,766 bound variables.
const BREADCRUMBS_PER_INSERT: usize = 3000;

pub(crate) struct Writer {
    conn: SqliteConnection,
    published: broadcast::Sender<TeamState>,
    turn: super::WriteTurn,
}

impl Writer {
    pub(crate) fn start(
        conn: SqliteConnection,
        published: broadcast::Sender<TeamState>,
        turn: super::WriteTurn,
    ) -> TeamQueue {
        TeamQueue::spawn(Self { conn, published, turn })
    }
}

#[async_trait]
impl TeamWriter for Writer {
    async fn write(&mut self, ops: &[TeamOp]) -> Result<TeamPlan> {
        let _turn = self.turn.lock().await;
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let states = load_all(&mut tx, &store::team_batch::teams_of(ops)).await?;
        let plan = store::team_batch::plan(ops, states, log_head(&mut tx).await?);
        write_plan(&mut tx, &plan).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(plan)
    }

    fn committed(&mut self, states: Vec<TeamState>) {
        for state in states {
            let _ = self.published.send(state);
        }
    }
}

/// The team log's last sequence number. Read inside each transaction, not kept in memory:
/// the event writer also writes the team log when it sends a team with an incident's events.
pub(crate) async fn log_head(conn: &mut SqliteConnection) -> Result<u64> {
    let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM team_log")
        .fetch_one(conn)
        .await
        .map_err(db_err)?;
    u64::try_from(head.unwrap_or(0)).map_err(corrupt)
}

/// The committed state of each of `ids` that exists.
pub(crate) async fn load_all(
    conn: &mut SqliteConnection,
    ids: &[TeamId],
) -> Result<HashMap<TeamId, TeamState>> {
    let mut states = HashMap::new();
    for id in ids {
        if let Some(state) = load(conn, *id).await? {
            states.insert(*id, state);
        }
    }
    Ok(states)
}

/// Writes what `plan` decided: team log entries, breadcrumbs and states.
pub(crate) async fn write_plan(conn: &mut SqliteConnection, plan: &TeamPlan) -> Result<()> {
    for entry in &plan.log {
        let c = &entry.change;
        sqlx::query(
            "INSERT INTO team_log (seq, team_id, at_ms, actor, kind, body, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(i64::try_from(entry.seq).map_err(corrupt)?)
        .bind(c.team.to_string())
        .bind(c.at.as_millis())
        .bind(actor(c.actor))
        .bind(c.command.name())
        .bind(team_codec::encode_team_command(&c.command))
        .bind(entry.status.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    for chunk in plan.breadcrumbs.chunks(BREADCRUMBS_PER_INSERT) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO team_fixes (team_id, at_ms, received_ms, lat, lon, accuracy_m, speed_mps, heading_deg, verdict, verdict_value) ",
        );
        insert.push_values(chunk, |mut row, b| {
            let (verdict, value) = team_codec::encode_verdict(&b.verdict);
            row.push_bind(b.team.to_string())
                .push_bind(b.fix.at().as_millis())
                .push_bind(b.received_at.as_millis())
                .push_bind(b.fix.point().lat.degrees())
                .push_bind(b.fix.point().lon.degrees())
                .push_bind(b.fix.accuracy_m())
                .push_bind(b.fix.speed_mps())
                .push_bind(b.fix.heading_deg())
                .push_bind(verdict)
                .push_bind(value);
        });
        insert.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    for state in &plan.states {
        sqlx::query(
            "INSERT INTO team_state (team_id, state, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (team_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(state.id().to_string())
        .bind(team_codec::encode_team_state(state))
        .bind(updated_at(state))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// The latest time the state knows of: a status change or a fix received.
fn updated_at(state: &TeamState) -> i64 {
    let received = state.position().last_received().map_or(i64::MIN, |t| t.as_millis());
    state.status_since().as_millis().max(received)
}

fn actor(actor: Actor) -> Option<String> {
    match actor {
        Actor::User(user) => Some(user.to_string()),
        Actor::System => None,
    }
}

const STATE_QUERY: &str =
    "SELECT t.*, s.state FROM teams t LEFT JOIN team_state s ON s.team_id = t.id";

fn state_of(row: &SqliteRow) -> Result<TeamState> {
    let team = team(row)?;
    let profile = team_codec::profile(&team)?;
    let json: Option<String> = get(row, "state")?;
    team_codec::decode_team_state(profile, json.as_deref(), team_codec::created_at(team.id))
}

async fn load(conn: &mut SqliteConnection, id: TeamId) -> Result<Option<TeamState>> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{STATE_QUERY} WHERE t.id = ?")))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(state_of)
        .transpose()
}

fn outcome_state(outcome: TeamOutcome) -> Result<TeamState> {
    match outcome {
        TeamOutcome::Changed(state) => Ok(state),
        TeamOutcome::Fixes(recorded) => Ok(recorded.state),
    }
}

#[async_trait]
impl TeamLog for SqliteStore {
    async fn change_team(&self, change: TeamChange) -> Result<TeamState> {
        outcome_state(self.teams.submit(TeamOp::Change(change)).await?)
    }

    async fn record_fixes(
        &self,
        team: TeamId,
        fixes: Vec<Fix>,
        received_at: Timestamp,
    ) -> Result<FixesRecorded> {
        match self.teams.submit(TeamOp::Fixes { team, fixes, received_at }).await? {
            TeamOutcome::Fixes(recorded) => Ok(recorded),
            TeamOutcome::Changed(_) => {
                Err(StoreError::Database("the team writer answered fixes with a change".into()))
            }
        }
    }

    async fn team_state(&self, team: TeamId) -> Result<Option<TeamState>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        load(&mut conn, team).await
    }

    async fn team_states(&self, provider: Option<AgencyId>) -> Result<Vec<TeamState>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{STATE_QUERY} WHERE ?1 IS NULL OR t.provider_id = ?1 ORDER BY t.name, t.id"
        )))
        .bind(provider.map(|p| p.to_string()))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(state_of)
        .collect()
    }

    async fn team_log(&self, team: TeamId, after: u64, limit: u32) -> Result<Vec<TeamLogEntry>> {
        sqlx::query("SELECT * FROM team_log WHERE team_id = ? AND seq > ? ORDER BY seq LIMIT ?")
            .bind(team.to_string())
            .bind(i64::try_from(after).map_err(corrupt)?)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                let actor = match get::<Option<String>>(r, "actor")? {
                    Some(user) => Actor::User(user.parse::<UserId>().map_err(corrupt)?),
                    None => Actor::System,
                };
                Ok(TeamLogEntry {
                    seq: u64::try_from(get::<i64>(r, "seq")?).map_err(corrupt)?,
                    change: TeamChange {
                        team: TeamId::from_uuid(uuid(r, "team_id")?),
                        at: Timestamp::from_millis(get(r, "at_ms")?),
                        actor,
                        command: team_codec::decode_team_command(&get::<String>(r, "body")?)?,
                    },
                    status: dispatch::parse_status(&get::<String>(r, "status")?)
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }

    async fn breadcrumbs(
        &self,
        team: TeamId,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<Breadcrumb>> {
        sqlx::query("SELECT * FROM team_fixes WHERE team_id = ? AND at_ms >= ? ORDER BY at_ms, received_ms LIMIT ?")
            .bind(team.to_string())
            .bind(since.as_millis())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                let fix = FixRow {
                    at: get(r, "at_ms")?,
                    lat: get(r, "lat")?,
                    lon: get(r, "lon")?,
                    accuracy_m: get(r, "accuracy_m")?,
                    speed_mps: get(r, "speed_mps")?,
                    heading_deg: get(r, "heading_deg")?,
                }
                .fix()?;
                Ok(Breadcrumb {
                    team,
                    fix,
                    received_at: Timestamp::from_millis(get(r, "received_ms")?),
                    verdict: team_codec::decode_verdict(&get::<String>(r, "verdict")?, get(r, "verdict_value")?)?,
                })
            })
            .collect()
    }

    async fn prune_breadcrumbs(&self, before: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM team_fixes WHERE received_ms < ?")
            .bind(before.as_millis())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    fn subscribe_teams(&self) -> broadcast::Receiver<TeamState> {
        self.team_events.subscribe()
    }
}
