//! The writer queue every backend shares: callers enqueue commands; one task per store takes
//! every append waiting while the previous commit was in flight and hands them to the backend
//! as one batch — group commit — then answers each caller once the batch is durable.
//!
//! A backend supplies a [`LogWriter`]: how to commit a batch, an import and a rebuild, and what
//! to do after a commit (publish the events, or leave that to a listener) or a failure.

use async_trait::async_trait;
use domain::Event;
use tokio::sync::{mpsc, oneshot};

use crate::batch::BatchPlan;
use crate::{Appended, RebuildReport, RecordedEvent, Result, StoreError, TeamChange};

/// The most appends one transaction takes: bounds a commit's latency under load.
pub const MAX_BATCH: usize = 512;
const QUEUE_CAPACITY: usize = 8192;

/// How a backend writes its log.
#[async_trait]
pub trait LogWriter: Send + 'static {
    /// Plans ([`crate::batch::plan`]) and commits one batch of appends in one transaction. An
    /// error means the transaction failed as a whole.
    async fn write(&mut self, batch: &[&Vec<Event>]) -> Result<BatchPlan>;
    /// Plans one append all or nothing and applies `change` to its team
    /// ([`crate::team_batch::plan`]), and commits both in one transaction, or neither.
    async fn write_with_team(
        &mut self,
        events: &[Event],
        change: TeamChange,
    ) -> Result<(BatchPlan, dispatch::TeamState)>;
    /// Commits copied events with their sequence numbers, all or nothing; returns them.
    async fn import(&mut self, events: Vec<RecordedEvent>) -> Result<Vec<RecordedEvent>>;
    /// Drops the projections and replays the whole log into them.
    async fn rebuild(&mut self) -> Result<RebuildReport>;
    /// Called with the events of every commit, in sequence order.
    fn committed(&mut self, events: Vec<RecordedEvent>);
    /// Called with a team's state after a commit of [`LogWriter::write_with_team`].
    fn committed_team(&mut self, state: dispatch::TeamState);
    /// Called after any failed transaction.
    fn failed(&mut self) {}
}

enum Command {
    Append {
        events: Vec<Event>,
        reply: oneshot::Sender<Result<Appended>>,
    },
    AppendWithTeam {
        events: Vec<Event>,
        change: TeamChange,
        reply: oneshot::Sender<Result<(Appended, dispatch::TeamState)>>,
    },
    Import {
        events: Vec<RecordedEvent>,
        reply: oneshot::Sender<Result<()>>,
    },
    Rebuild {
        reply: oneshot::Sender<Result<RebuildReport>>,
    },
}

/// The door into a store's writer. Dropping every clone lets the writer finish and stop.
#[derive(Debug, Clone)]
pub struct WriterQueue(mpsc::Sender<Command>);

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Append { .. } => "Append",
            Self::AppendWithTeam { .. } => "AppendWithTeam",
            Self::Import { .. } => "Import",
            Self::Rebuild { .. } => "Rebuild",
        })
    }
}

impl WriterQueue {
    /// Starts `writer` on its own task.
    pub fn spawn<W: LogWriter>(writer: W) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(writer, rx));
        Self(tx)
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T>>) -> Command,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.0.send(command(reply)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// See [`crate::EventLog::append`].
    pub async fn append(&self, events: Vec<Event>) -> Result<Appended> {
        if events.is_empty() {
            return Ok(Appended { events: Vec::new(), incident: None });
        }
        self.ask(|reply| Command::Append { events, reply }).await
    }

    /// See [`crate::EventLog::append_with_team`].
    pub async fn append_with_team(
        &self,
        events: Vec<Event>,
        change: TeamChange,
    ) -> Result<(Appended, dispatch::TeamState)> {
        if events.is_empty() {
            return Err(StoreError::Invalid(
                "a team change needs an incident event with it".into(),
            ));
        }
        self.ask(|reply| Command::AppendWithTeam { events, change, reply }).await
    }

    /// See [`crate::EventLog::import`].
    pub async fn import(&self, events: Vec<RecordedEvent>) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.ask(|reply| Command::Import { events, reply }).await
    }

    /// See [`crate::EventLog::rebuild_projections`].
    pub async fn rebuild(&self) -> Result<RebuildReport> {
        self.ask(|reply| Command::Rebuild { reply }).await
    }
}

type Reply = oneshot::Sender<Result<Appended>>;

async fn run<W: LogWriter>(mut writer: W, mut queue: mpsc::Receiver<Command>) {
    let mut appends: Vec<(Vec<Event>, Reply)> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.recv().await {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Append { events, reply } => appends.push((events, reply)),
                // Appends queued before any of these commit first, in order.
                Command::AppendWithTeam { events, change, reply } => {
                    commit_appends(&mut writer, &mut appends).await;
                    let result = match writer.write_with_team(&events, change).await {
                        Ok((mut plan, state)) => {
                            let outcome = plan.outcomes.pop().unwrap_or_else(|| {
                                Err(StoreError::Database("the append had no outcome".into()))
                            });
                            writer.committed(plan.written);
                            writer.committed_team(state.clone());
                            outcome.map(|appended| (appended, state))
                        }
                        Err(e) => {
                            // A refusal left the connection as it was; anything else may not have.
                            if !matches!(
                                e,
                                StoreError::Rejected(_)
                                    | StoreError::TeamRefused(_)
                                    | StoreError::TeamNotFound(_)
                            ) {
                                writer.failed();
                            }
                            Err(e)
                        }
                    };
                    let _ = reply.send(result);
                }
                Command::Import { events, reply } => {
                    commit_appends(&mut writer, &mut appends).await;
                    let result =
                        writer.import(events).await.map(|written| writer.committed(written));
                    if result.is_err() {
                        writer.failed();
                    }
                    let _ = reply.send(result);
                }
                Command::Rebuild { reply } => {
                    commit_appends(&mut writer, &mut appends).await;
                    let result = writer.rebuild().await;
                    if result.is_err() {
                        writer.failed();
                    }
                    let _ = reply.send(result);
                }
            }
            if appends.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        commit_appends(&mut writer, &mut appends).await;
    }
}

async fn commit_appends<W: LogWriter>(writer: &mut W, appends: &mut Vec<(Vec<Event>, Reply)>) {
    if appends.is_empty() {
        return;
    }
    metrics::histogram!("crisisbridge_store_commit_batch_size").record(appends.len() as f64);
    let batch: Vec<&Vec<Event>> = appends.iter().map(|(events, _)| events).collect();
    match writer.write(&batch).await {
        Ok(plan) => {
            metrics::counter!("crisisbridge_store_events_appended_total")
                .increment(plan.written.len() as u64);
            for ((_, reply), outcome) in appends.drain(..).zip(plan.outcomes) {
                let _ = reply.send(outcome);
            }
            writer.committed(plan.written);
        }
        Err(e) => {
            tracing::error!(error = %e, "event log commit failed; the whole batch is refused");
            writer.failed();
            for (_, reply) in appends.drain(..) {
                let _ = reply.send(Err(StoreError::Database(e.to_string())));
            }
        }
    }
}
