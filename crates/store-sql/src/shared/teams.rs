//! Teams' live state, written once for both databases: the rows a team batch writes, the reads,
//! and the [`TeamLog`] doors into each database's team writer (its `team_writer` module, which
//! takes the locks and moves the log head).

use async_trait::async_trait;
use dispatch::{Fix, TeamState};
use domain::event::Actor;
use domain::{AgencyId, TeamId, Timestamp, UserId};
use sqlx::QueryBuilder;
use store::team_batch::{TeamOp, TeamOutcome, TeamPlan};
use store::team_codec::{self, FixRow};
use store::{Breadcrumb, FixesRecorded, Result, StoreError, TeamChange, TeamLog, TeamLogEntry};
use tokio::sync::broadcast;

use super::db_err;
use super::dialect::{self as d, Row, Store};
use super::directory::team;
use super::rows::{corrupt, get};

/// Breadcrumb rows per INSERT: ten bound values each, under the database's limit per statement.
const BREADCRUMBS_PER_INSERT: usize = d::BOUND_VALUES_PER_STATEMENT / 10;

/// Writes the rows `plan` decided, inside the caller's transaction: team log entries,
/// breadcrumbs and states. (Each database's writer moves its own log head.)
pub(crate) async fn write_rows(conn: &mut d::Connection, plan: &TeamPlan) -> Result<()> {
    for entry in &plan.log {
        let c = &entry.change;
        sqlx::query(
            "INSERT INTO team_log (seq, team_id, at_ms, actor, kind, body, status) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(i64::try_from(entry.seq).map_err(corrupt)?)
        .bind(d::id(c.team.as_uuid()))
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
        let mut insert: QueryBuilder<d::Db> = QueryBuilder::new(
            "INSERT INTO team_fixes (team_id, at_ms, received_ms, lat, lon, accuracy_m, speed_mps, heading_deg, verdict, verdict_value) ",
        );
        insert.push_values(chunk, |mut row, b| {
            let (verdict, value) = team_codec::encode_verdict(&b.verdict);
            row.push_bind(d::id(b.team.as_uuid()))
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
            "INSERT INTO team_state (team_id, state, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (team_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(d::id(state.id().as_uuid()))
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

fn actor(actor: Actor) -> Option<d::Id> {
    match actor {
        Actor::User(user) => Some(d::id(user.as_uuid())),
        Actor::System => None,
    }
}

/// Every column of a team and its state, for [`state_of`].
pub(crate) const STATE_QUERY: &str =
    "SELECT t.*, s.state FROM teams t LEFT JOIN team_state s ON s.team_id = t.id";

pub(crate) fn state_of(row: &Row) -> Result<TeamState> {
    let team = team(row)?;
    let profile = team_codec::profile(&team)?;
    let json: Option<String> = get(row, "state")?;
    team_codec::decode_team_state(profile, json.as_deref(), team_codec::created_at(team.id))
}

/// The committed state of team `id`, if it exists.
pub(crate) async fn load<'e, E>(executor: E, id: TeamId) -> Result<Option<TeamState>>
where
    E: sqlx::Executor<'e, Database = d::Db>,
{
    sqlx::query(sqlx::AssertSqlSafe(format!("{STATE_QUERY} WHERE t.id = $1")))
        .bind(d::id(id.as_uuid()))
        .fetch_optional(executor)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(state_of)
        .transpose()
}

#[async_trait]
impl TeamLog for Store {
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
            "{STATE_QUERY} WHERE $1 IS NULL OR t.provider_id = $1 ORDER BY t.name {}, t.id",
            d::BYTE_ORDER
        )))
        .bind(provider.map(|p| d::id(p.as_uuid())))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(state_of)
        .collect()
    }

    async fn team_log(&self, team: TeamId, after: u64, limit: u32) -> Result<Vec<TeamLogEntry>> {
        sqlx::query("SELECT * FROM team_log WHERE team_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(d::id(team.as_uuid()))
            .bind(i64::try_from(after).map_err(corrupt)?)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                let actor = d::opt_uuid(r, "actor")?
                    .map_or(Actor::System, |user| Actor::User(UserId::from_uuid(user)));
                Ok(TeamLogEntry {
                    seq: u64::try_from(get::<i64>(r, "seq")?).map_err(corrupt)?,
                    change: TeamChange {
                        team: TeamId::from_uuid(d::uuid(r, "team_id")?),
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
            .bind(d::id(team.as_uuid()))
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
