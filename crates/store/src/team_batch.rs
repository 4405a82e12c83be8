//! What a batch of team operations does, decided in memory before a row is written — the
//! teams' counterpart of [`crate::batch`], shared by every backend — and the queue that
//! group-commits them: one writer task per store takes every team operation waiting while
//! the previous commit was in flight, so thousands of GPS fixes a second share a few fsyncs.

use std::collections::HashMap;

use async_trait::async_trait;
use dispatch::{Fix, TeamState};
use domain::{TeamId, Timestamp};
use tokio::sync::{mpsc, oneshot};

use crate::teams::{Breadcrumb, FixesRecorded, TeamChange, TeamCommand, TeamLogEntry};
use crate::{Result, StoreError};

/// One team operation.
#[derive(Debug, Clone)]
pub enum TeamOp {
    Change(TeamChange),
    Fixes { team: TeamId, fixes: Vec<Fix>, received_at: Timestamp },
}

impl TeamOp {
    pub const fn team(&self) -> TeamId {
        match self {
            Self::Change(c) => c.team,
            Self::Fixes { team, .. } => *team,
        }
    }
}

/// What one operation gave back.
#[derive(Debug, Clone)]
pub enum TeamOutcome {
    Changed(TeamState),
    Fixes(FixesRecorded),
}

/// What a batch writes.
#[derive(Debug, Default)]
pub struct TeamPlan {
    /// One per operation, in order.
    pub outcomes: Vec<Result<TeamOutcome>>,
    pub log: Vec<TeamLogEntry>,
    pub breadcrumbs: Vec<Breadcrumb>,
    /// Each touched team's state after the batch.
    pub states: Vec<TeamState>,
    /// The team log's sequence number after the batch.
    pub head: u64,
}

/// Applies `ops` in order to the committed `states` (every team the batch names that exists;
/// `head` is the team log's last sequence number). A refused operation is answered with its
/// error and leaves its team as it was; the others go ahead.
pub fn plan(ops: &[TeamOp], mut states: HashMap<TeamId, TeamState>, head: u64) -> TeamPlan {
    let mut plan = TeamPlan { head, ..TeamPlan::default() };
    let mut touched: Vec<TeamId> = Vec::new();
    for op in ops {
        let team = op.team();
        let Some(state) = states.get_mut(&team) else {
            plan.outcomes.push(Err(StoreError::TeamNotFound(team)));
            continue;
        };
        let outcome = match op {
            TeamOp::Change(change) => {
                let mut next = state.clone();
                let applied = match change.command {
                    TeamCommand::StartShift => next.start_shift(change.at),
                    TeamCommand::EndShift => next.end_shift(change.at),
                    TeamCommand::Dispatch { incident } => next.dispatch(incident, change.at),
                    TeamCommand::SetStatus { status } => next.set_status(status, change.at),
                };
                match applied {
                    Ok(()) => {
                        plan.head += 1;
                        plan.log.push(TeamLogEntry {
                            seq: plan.head,
                            change: *change,
                            status: next.status(),
                        });
                        *state = next;
                        Ok(TeamOutcome::Changed(state.clone()))
                    }
                    Err(e) => Err(StoreError::TeamRefused(e)),
                }
            }
            TeamOp::Fixes { team, fixes, received_at } => {
                let verdicts: Vec<_> = fixes
                    .iter()
                    .map(|fix| {
                        let verdict = state.apply_fix(*fix, *received_at);
                        plan.breadcrumbs.push(Breadcrumb {
                            team: *team,
                            fix: *fix,
                            received_at: *received_at,
                            verdict,
                        });
                        verdict
                    })
                    .collect();
                Ok(TeamOutcome::Fixes(FixesRecorded { verdicts, state: state.clone() }))
            }
        };
        if outcome.is_ok() && !touched.contains(&team) {
            touched.push(team);
        }
        plan.outcomes.push(outcome);
    }
    plan.states = touched.iter().filter_map(|id| states.get(id).cloned()).collect();
    plan
}

/// Plans `change` alone (see [`plan`]); its refusal is an error.
pub fn plan_change(
    change: TeamChange,
    states: HashMap<TeamId, TeamState>,
    head: u64,
) -> Result<TeamPlan> {
    let mut plan = plan(&[TeamOp::Change(change)], states, head);
    match plan.outcomes.pop() {
        Some(Ok(_)) => Ok(plan),
        Some(Err(e)) => Err(e),
        None => Err(StoreError::Database("the team change had no outcome".into())),
    }
}

/// The teams a batch names: load these before planning.
pub fn teams_of(ops: &[TeamOp]) -> Vec<TeamId> {
    let mut ids: Vec<TeamId> = ops.iter().map(TeamOp::team).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The most operations one transaction takes.
const MAX_BATCH: usize = 1024;
const QUEUE_CAPACITY: usize = 16_384;

/// How a backend commits a batch of team operations.
#[async_trait]
pub trait TeamWriter: Send + 'static {
    /// Loads the named teams, plans with [`plan`] and writes the plan in one transaction.
    async fn write(&mut self, ops: &[TeamOp]) -> Result<TeamPlan>;
    /// Called with the states of every commit.
    fn committed(&mut self, states: Vec<TeamState>);
}

type Reply = oneshot::Sender<Result<TeamOutcome>>;

/// The door into a store's team writer.
#[derive(Debug, Clone)]
pub struct TeamQueue(mpsc::Sender<(TeamOp, Reply)>);

impl TeamQueue {
    pub fn spawn<W: TeamWriter>(writer: W) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(writer, rx));
        Self(tx)
    }

    pub async fn submit(&self, op: TeamOp) -> Result<TeamOutcome> {
        let (reply, answer) = oneshot::channel();
        self.0.send((op, reply)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn run<W: TeamWriter>(mut writer: W, mut queue: mpsc::Receiver<(TeamOp, Reply)>) {
    let mut ops = Vec::with_capacity(MAX_BATCH);
    let mut replies = Vec::with_capacity(MAX_BATCH);
    while let Some((op, reply)) = queue.recv().await {
        ops.push(op);
        replies.push(reply);
        while ops.len() < MAX_BATCH {
            let Ok((op, reply)) = queue.try_recv() else { break };
            ops.push(op);
            replies.push(reply);
        }
        metrics::histogram!("crisisbridge_store_team_batch_size").record(ops.len() as f64);
        match writer.write(&ops).await {
            Ok(plan) => {
                for (reply, outcome) in replies.drain(..).zip(plan.outcomes) {
                    let _ = reply.send(outcome);
                }
                writer.committed(plan.states);
            }
            Err(e) => {
                tracing::error!(error = %e, "team commit failed; the whole batch is refused");
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(StoreError::Database(e.to_string())));
                }
            }
        }
        ops.clear();
    }
}
