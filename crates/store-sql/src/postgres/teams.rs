//! Teams' live state on PostgreSQL: this node's team writer (behind
//! [`store::team_batch`]'s group-committing queue), the reads, and the listener that brings
//! other nodes' team changes to this node's subscribers.
//!
//! A batch locks the rows of the teams it touches (`FOR UPDATE`), so changes to one team
//! serialize across nodes; a batch that writes the team log also locks `team_log_head`, which
//! numbers the log gap-free. Each committed team state is announced with `pg_notify` on
//! [`TEAM_CHANNEL`], its payload the team id and the committed state itself (a few hundred
//! bytes, far under PostgreSQL's 8,000-byte limit), so every node's listener publishes each
//! state exactly as it was committed, in commit order, even when a team changes again before
//! the listener has read the notification. A notification lost while a listener reconnects only delays that team's next update:
//! consoles refetch team lists when their stream reconnects.

use std::collections::HashMap;

use async_trait::async_trait;
use dispatch::{Fix, TeamState};
use domain::event::Actor;
use domain::{AgencyId, TeamId, Timestamp, UserId};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgListener, PgRow};
use sqlx::{Connection, PgConnection, PgPool, Postgres, QueryBuilder};
use store::team_batch::{TeamOp, TeamOutcome, TeamPlan, TeamQueue, TeamWriter};
use store::team_codec::{self, FixRow};
use store::{Breadcrumb, FixesRecorded, Result, StoreError, TeamChange, TeamLog, TeamLogEntry};
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

use super::directory::team;
use super::rows::{corrupt, get};
use super::{PgStore, db_err};

/// The notification channel of committed team states.
pub(crate) const TEAM_CHANNEL: &str = "crisisbridge_teams";
/// Breadcrumb rows per INSERT: ten parameters each, under PostgreSQL's 65,535.
const BREADCRUMBS_PER_INSERT: usize = 6000;

pub(crate) struct Writer {
    pool: PgPool,
    conn: Option<PoolConnection<Postgres>>,
}

impl Writer {
    pub(crate) fn start(pool: &PgPool) -> TeamQueue {
        TeamQueue::spawn(Self { pool: pool.clone(), conn: None })
    }

    async fn connection(&mut self) -> Result<&mut PgConnection> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await.map_err(db_err)?);
        }
        self.conn.as_deref_mut().ok_or_else(|| StoreError::Database("no connection".into()))
    }
}

#[async_trait]
impl TeamWriter for Writer {
    async fn write(&mut self, ops: &[TeamOp]) -> Result<TeamPlan> {
        let result = write(self.connection().await?, ops).await;
        if result.is_err() {
            // The connection may be broken; take a fresh one next time.
            self.conn = None;
        }
        result
    }

    /// Nothing to do: every node's listener publishes what committed, this node's included.
    fn committed(&mut self, _states: Vec<TeamState>) {}
}

async fn write(conn: &mut PgConnection, ops: &[TeamOp]) -> Result<TeamPlan> {
    let mut tx = conn.begin().await.map_err(db_err)?;
    let plan = write_in(&mut tx, ops, None).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(plan)
}

/// Plans `ops` against the teams as committed (their rows locked) and writes the plan, inside
/// the caller's transaction, with a notification of each new state. With `only`, the batch is
/// that one change, and its refusal is an error that writes nothing.
pub(crate) async fn write_in(
    tx: &mut PgConnection,
    ops: &[TeamOp],
    only: Option<TeamChange>,
) -> Result<TeamPlan> {
    let head = if ops.iter().any(|op| matches!(op, TeamOp::Change(_))) {
        let head: i64 =
            sqlx::query_scalar("SELECT head FROM team_log_head WHERE id = 1 FOR UPDATE")
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
        u64::try_from(head).map_err(corrupt)?
    } else {
        0
    };
    let ids: Vec<Uuid> = store::team_batch::teams_of(ops).iter().map(|t| t.as_uuid()).collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{STATE_QUERY} WHERE t.id = ANY($1) ORDER BY t.id FOR UPDATE OF t"
    )))
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let mut states = HashMap::new();
    for row in &rows {
        let state = state_of(row)?;
        states.insert(state.id(), state);
    }
    let plan = match only {
        Some(change) => store::team_batch::plan_change(change, states, head)?,
        None => store::team_batch::plan(ops, states, head),
    };
    for entry in &plan.log {
        let c = &entry.change;
        sqlx::query(
            "INSERT INTO team_log (seq, team_id, at_ms, actor, kind, body, status) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(i64::try_from(entry.seq).map_err(corrupt)?)
        .bind(c.team.as_uuid())
        .bind(c.at.as_millis())
        .bind(match c.actor {
            Actor::User(user) => Some(user.as_uuid()),
            Actor::System => None,
        })
        .bind(c.command.name())
        .bind(team_codec::encode_team_command(&c.command))
        .bind(entry.status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    if plan.head != head {
        sqlx::query("UPDATE team_log_head SET head = $1 WHERE id = 1")
            .bind(i64::try_from(plan.head).map_err(corrupt)?)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    for chunk in plan.breadcrumbs.chunks(BREADCRUMBS_PER_INSERT) {
        let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO team_fixes (team_id, at_ms, received_ms, lat, lon, accuracy_m, speed_mps, heading_deg, verdict, verdict_value) ",
        );
        insert.push_values(chunk, |mut row, b| {
            let (verdict, value) = team_codec::encode_verdict(&b.verdict);
            row.push_bind(b.team.as_uuid())
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
        insert.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    for state in &plan.states {
        sqlx::query(
            "INSERT INTO team_state (team_id, state, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (team_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(state.id().as_uuid())
        .bind(team_codec::encode_team_state(state))
        .bind(state.status_since().as_millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(TEAM_CHANNEL)
            .bind(notification(state))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    Ok(plan)
}

const STATE_QUERY: &str =
    "SELECT t.*, s.state FROM teams t LEFT JOIN team_state s ON s.team_id = t.id";

fn state_of(row: &PgRow) -> Result<TeamState> {
    let team = team(row)?;
    let profile = team_codec::profile(&team)?;
    let json: Option<String> = get(row, "state")?;
    team_codec::decode_team_state(profile, json.as_deref(), team_codec::created_at(team.id))
}

/// A committed team state as a notification payload: `{team id} {encoded state}`.
fn notification(state: &TeamState) -> String {
    format!("{} {}", state.id(), team_codec::encode_team_state(state))
}

/// The state a notification announced, for a team of this store's schema; `None` for a team
/// this schema does not hold (another schema on the same database notifies on the same channel).
async fn announced(pool: &PgPool, payload: &str) -> Result<Option<TeamState>> {
    let (id, json) = payload
        .split_once(' ')
        .ok_or_else(|| corrupt(format!("team notification without a state: {payload:?}")))?;
    let id: TeamId = id.parse().map_err(|_| corrupt(format!("team notification id {id:?}")))?;
    let row = sqlx::query("SELECT * FROM teams WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    let team = team(&row)?;
    let profile = team_codec::profile(&team)?;
    team_codec::decode_team_state(profile, Some(json), team_codec::created_at(team.id)).map(Some)
}

async fn load(pool: &PgPool, id: TeamId) -> Result<Option<TeamState>> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{STATE_QUERY} WHERE t.id = $1")))
        .bind(id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(state_of)
        .transpose()
}

/// Starts the listener that publishes every node's committed team states on this node.
pub(crate) async fn listen(
    pool: PgPool,
    published: broadcast::Sender<TeamState>,
    mut stop: oneshot::Receiver<()>,
) -> Result<()> {
    let mut listener = PgListener::connect_with(&pool).await.map_err(db_err)?;
    listener.listen(TEAM_CHANNEL).await.map_err(db_err)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stop => return,
                notified = listener.try_recv() => match notified {
                    Ok(Some(notification)) => match announced(&pool, notification.payload()).await {
                        Ok(Some(state)) => { let _ = published.send(state); }
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "could not read a team notification"),
                    },
                    Ok(None) => tracing::warn!("team notifications interrupted; reconnecting"),
                    Err(e) => {
                        if pool.is_closed() {
                            return;
                        }
                        tracing::warn!(error = %e, "listening for team changes failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    }
                },
            }
        }
    });
    Ok(())
}

#[async_trait]
impl TeamLog for PgStore {
    async fn change_team(&self, change: TeamChange) -> Result<TeamState> {
        match self.teams.submit(TeamOp::Change(change)).await? {
            TeamOutcome::Changed(state) => Ok(state),
            TeamOutcome::Fixes(recorded) => Ok(recorded.state),
        }
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
        load(&self.pool, team).await
    }

    async fn team_states(&self, provider: Option<AgencyId>) -> Result<Vec<TeamState>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            r#"{STATE_QUERY} WHERE $1::uuid IS NULL OR t.provider_id = $1 ORDER BY t.name COLLATE "C", t.id"#
        )))
        .bind(provider.map(|p| p.as_uuid()))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(state_of)
        .collect()
    }

    async fn team_log(&self, team: TeamId, after: u64, limit: u32) -> Result<Vec<TeamLogEntry>> {
        sqlx::query("SELECT * FROM team_log WHERE team_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(team.as_uuid())
            .bind(i64::try_from(after).map_err(corrupt)?)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                let actor = match get::<Option<Uuid>>(r, "actor")? {
                    Some(user) => Actor::User(UserId::from_uuid(user)),
                    None => Actor::System,
                };
                Ok(TeamLogEntry {
                    seq: u64::try_from(get::<i64>(r, "seq")?).map_err(corrupt)?,
                    change: TeamChange {
                        team: TeamId::from_uuid(get::<Uuid>(r, "team_id")?),
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
        sqlx::query("SELECT * FROM team_fixes WHERE team_id = $1 AND at_ms >= $2 ORDER BY at_ms, received_ms LIMIT $3")
            .bind(team.as_uuid())
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
        let done = sqlx::query("DELETE FROM team_fixes WHERE received_ms < $1")
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
