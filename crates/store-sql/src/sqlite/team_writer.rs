//! The team writer on SQLite: its own connection, behind [`store::team_batch`]'s
//! group-committing queue, taking SQLite's write lock in turn with the other writers; the
//! rows themselves are written by the shared `teams`.

use std::collections::HashMap;

use async_trait::async_trait;
use dispatch::TeamState;
use domain::TeamId;
use sqlx::{Connection, SqliteConnection};
use store::Result;
use store::team_batch::{TeamOp, TeamPlan, TeamQueue, TeamWriter};
use tokio::sync::broadcast;

use super::db_err;
use super::rows::corrupt;

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
        super::teams::write_rows(&mut tx, &plan).await?;
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
        if let Some(state) = super::teams::load(&mut *conn, *id).await? {
            states.insert(*id, state);
        }
    }
    Ok(states)
}
