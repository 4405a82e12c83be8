//! The writer queue every backend shares: callers enqueue commands; one task per store takes
//! every append waiting while the previous commit was in flight and hands them to the backend
//! as one batch — group commit — then answers each caller once the batch is durable.
//!
//! A backend supplies a [`LogWriter`]: how to commit a batch, an import and a rebuild, and what
//! to do after a commit (publish the events, or leave that to a listener) or a failure.

use async_trait::async_trait;
use domain::Event;
use tokio::sync::{mpsc, oneshot};

use crate::audit::AuditEntry;
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
    /// `audits` holds, for each append, its audit record, to commit in the same transaction
    /// when the append commits ([`crate::audit::committed_entries`]).
    async fn write(
        &mut self,
        batch: &[&Vec<Event>],
        audits: &[Option<AuditEntry>],
    ) -> Result<BatchPlan>;
    /// Plans one append all or nothing and applies `change` to its team
    /// ([`crate::team_batch::plan`]), and commits both in one transaction, or neither.
    async fn write_with_team(
        &mut self,
        events: &[Event],
        change: TeamChange,
        audit: Option<AuditEntry>,
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
        audit: Option<AuditEntry>,
        reply: oneshot::Sender<Result<Appended>>,
    },
    AppendWithTeam {
        events: Vec<Event>,
        change: TeamChange,
        audit: Option<AuditEntry>,
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

    /// See [`crate::EventLog::append`]. Inside an audited request ([`crate::audit::REQUEST`]),
    /// the request's audit record commits with the events.
    pub async fn append(&self, events: Vec<Event>) -> Result<Appended> {
        let Some(first) = events.first() else {
            return Ok(Appended { events: Vec::new(), incident: None });
        };
        let audit = request_entry(first.at);
        let audited = audit.is_some();
        let appended = self.ask(|reply| Command::Append { events, audit, reply }).await;
        if audited && appended.as_ref().is_ok_and(|a| !a.events.is_empty()) {
            mark_recorded();
        }
        appended
    }

    /// See [`crate::EventLog::append_with_team`].
    pub async fn append_with_team(
        &self,
        events: Vec<Event>,
        change: TeamChange,
    ) -> Result<(Appended, dispatch::TeamState)> {
        let Some(first) = events.first() else {
            return Err(StoreError::Invalid(
                "a team change needs an incident event with it".into(),
            ));
        };
        let audit = request_entry(first.at);
        let audited = audit.is_some();
        let appended =
            self.ask(|reply| Command::AppendWithTeam { events, change, audit, reply }).await;
        if audited && appended.is_ok() {
            mark_recorded();
        }
        appended
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

/// The audit record of the request this task is handling, if the server audits it.
fn request_entry(at: domain::Timestamp) -> Option<AuditEntry> {
    crate::audit::REQUEST.try_with(|request| request.entry(at)).ok()
}

fn mark_recorded() {
    let _ = crate::audit::REQUEST.try_with(|request| request.mark_recorded());
}

type Reply = oneshot::Sender<Result<Appended>>;

async fn run<W: LogWriter>(mut writer: W, mut queue: mpsc::Receiver<Command>) {
    let mut appends: Vec<(Vec<Event>, Option<AuditEntry>, Reply)> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.recv().await {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Append { events, audit, reply } => appends.push((events, audit, reply)),
                // Appends queued before any of these commit first, in order.
                Command::AppendWithTeam { events, change, audit, reply } => {
                    commit_appends(&mut writer, &mut appends).await;
                    let result = match writer.write_with_team(&events, change, audit).await {
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

async fn commit_appends<W: LogWriter>(
    writer: &mut W,
    appends: &mut Vec<(Vec<Event>, Option<AuditEntry>, Reply)>,
) {
    if appends.is_empty() {
        return;
    }
    metrics::histogram!("crisisbridge_store_commit_batch_size").record(appends.len() as f64);
    let batch: Vec<&Vec<Event>> = appends.iter().map(|(events, _, _)| events).collect();
    let audits: Vec<Option<AuditEntry>> =
        appends.iter().map(|(_, audit, _)| audit.clone()).collect();
    match writer.write(&batch, &audits).await {
        Ok(plan) => {
            metrics::counter!("crisisbridge_store_events_appended_total")
                .increment(plan.written.len() as u64);
            for ((_, _, reply), outcome) in appends.drain(..).zip(plan.outcomes) {
                let _ = reply.send(outcome);
            }
            writer.committed(plan.written);
        }
        Err(e) => {
            tracing::error!(error = %e, "event log commit failed; the whole batch is refused");
            writer.failed();
            for (_, _, reply) in appends.drain(..) {
                let _ = reply.send(Err(StoreError::Database(e.to_string())));
            }
        }
    }
}
