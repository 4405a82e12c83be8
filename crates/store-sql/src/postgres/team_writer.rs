//! The team writer on PostgreSQL: this node's writer (behind [`store::team_batch`]'s
//! group-committing queue), and the listener that brings other nodes' team changes to this
//! node's subscribers; the rows themselves are written by the shared `teams`.
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
use dispatch::TeamState;
use domain::TeamId;
use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection, PgPool};
use store::team_batch::{TeamOp, TeamPlan, TeamQueue, TeamWriter};
use store::team_codec::{self};
use store::{Result, TeamChange};
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

use super::db_err;
use super::directory::team;
use super::held::HeldConnection;
use super::rows::corrupt;
use super::teams::{STATE_QUERY, state_of};

/// The notification channel of committed team states.
pub(crate) const TEAM_CHANNEL: &str = "crisisbridge_teams";

pub(crate) struct Writer {
    conn: HeldConnection,
}

impl Writer {
    pub(crate) fn start(pool: &PgPool) -> TeamQueue {
        TeamQueue::spawn(Self { conn: HeldConnection::new(pool) })
    }
}

#[async_trait]
impl TeamWriter for Writer {
    async fn write(&mut self, ops: &[TeamOp]) -> Result<TeamPlan> {
        let result = write(self.conn.get().await?, ops).await;
        if result.is_err() {
            // The connection may be broken; take a fresh one next time.
            self.conn.release();
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
    super::teams::write_rows(tx, &plan).await?;
    if plan.head != head {
        sqlx::query("UPDATE team_log_head SET head = $1 WHERE id = 1")
            .bind(i64::try_from(plan.head).map_err(corrupt)?)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    for state in &plan.states {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(TEAM_CHANNEL)
            .bind(notification(state))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    Ok(plan)
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
