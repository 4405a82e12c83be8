//! The single writer of the event log, with group commit.
//!
//! Appends queue up while a commit is in flight; the next transaction takes all of them (up
//! to [`MAX_BATCH`]). [`store::batch::plan`] checks each against its incident's state — as left
//! by the appends before it in the same batch — and refuses it alone when invalid. One COMMIT
//! (one fsync) then makes the whole batch durable, and only then is each caller answered and
//! each event published. If the transaction fails, every caller in it gets the error and nothing
//! of the batch is published.

use std::collections::{BTreeSet, HashMap};

use domain::event::Actor;
use domain::{AgencyId, Event, Incident, IncidentId};
use sqlx::{Connection, Row, SqliteConnection};
use store::batch::{self, BatchPlan};
use store::{Appended, RebuildReport, RecordedEvent, Result, Seq, StoreError, codec};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::{db_err, rows};

/// The most appends one transaction takes: bounds a commit's latency under load.
const MAX_BATCH: usize = 512;
const QUEUE_CAPACITY: usize = 8192;

pub(crate) enum Command {
    Append { events: Vec<Event>, reply: oneshot::Sender<Result<Appended>> },
    Import { events: Vec<RecordedEvent>, reply: oneshot::Sender<Result<()>> },
    Rebuild { reply: oneshot::Sender<Result<RebuildReport>> },
}

type Reply = oneshot::Sender<Result<Appended>>;

pub(crate) struct Writer {
    conn: SqliteConnection,
    /// The sequence number of the last committed event.
    head: Seq,
    published: broadcast::Sender<RecordedEvent>,
}

impl Writer {
    pub(crate) async fn start(
        mut conn: SqliteConnection,
        published: broadcast::Sender<RecordedEvent>,
    ) -> Result<mpsc::Sender<Command>> {
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
            .fetch_one(&mut conn)
            .await
            .map_err(db_err)?;
        let head = u64::try_from(head.unwrap_or(0)).map_err(rows::corrupt)?;
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(Self { conn, head, published }.run(rx));
        Ok(tx)
    }

    async fn run(mut self, mut queue: mpsc::Receiver<Command>) {
        let mut appends: Vec<(Vec<Event>, Reply)> = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = queue.recv().await {
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Append { events, reply } => appends.push((events, reply)),
                    // Appends queued before an import or a rebuild commit first, in order.
                    Command::Import { events, reply } => {
                        self.commit_appends(&mut appends).await;
                        let _ = reply.send(self.import(events).await);
                    }
                    Command::Rebuild { reply } => {
                        self.commit_appends(&mut appends).await;
                        let _ = reply.send(self.rebuild().await);
                    }
                }
                if appends.len() < MAX_BATCH {
                    next = queue.try_recv().ok();
                }
            }
            self.commit_appends(&mut appends).await;
        }
        let _ = self.conn.close().await;
    }

    async fn commit_appends(&mut self, appends: &mut Vec<(Vec<Event>, Reply)>) {
        if appends.is_empty() {
            return;
        }
        metrics::histogram!("crisisbridge_store_commit_batch_size").record(appends.len() as f64);
        let batch: Vec<&Vec<Event>> = appends.iter().map(|(events, _)| events).collect();
        match self.write(&batch, false).await {
            Ok(plan) => {
                for ((_, reply), outcome) in appends.drain(..).zip(plan.outcomes) {
                    if let Ok(appended) = &outcome {
                        metrics::counter!("crisisbridge_store_events_appended_total")
                            .increment(appended.events.len() as u64);
                    }
                    let _ = reply.send(outcome);
                }
                self.publish(plan.written);
            }
            Err(e) => {
                tracing::error!(error = %e, "event log commit failed; the whole batch is refused");
                for (_, reply) in appends.drain(..) {
                    let _ = reply.send(Err(StoreError::Database(e.to_string())));
                }
            }
        }
    }

    /// Imports copied events with their sequence numbers, all or nothing.
    async fn import(&mut self, events: Vec<RecordedEvent>) -> Result<()> {
        for (n, r) in events.iter().enumerate() {
            let want = self.head + 1 + n as u64;
            if r.seq != want {
                return Err(StoreError::Database(format!(
                    "imported event {} does not follow this log's head: expected sequence number {want}",
                    r.seq
                )));
            }
        }
        let appends: Vec<Vec<Event>> = events.into_iter().map(|r| vec![r.event]).collect();
        let batch: Vec<&Vec<Event>> = appends.iter().collect();
        let plan = self.write(&batch, true).await?;
        self.publish(plan.written);
        Ok(())
    }

    fn publish(&self, events: Vec<RecordedEvent>) {
        for event in events {
            let _ = self.published.send(event);
        }
    }

    /// Plans and writes a batch in one transaction; the head moves only once it committed.
    async fn write(&mut self, batch: &[&Vec<Event>], all_or_nothing: bool) -> Result<BatchPlan> {
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let mut states = HashMap::new();
        for id in batch::incidents_of(batch.iter().copied()) {
            if let Some(incident) = load_incident(&mut tx, id).await? {
                states.insert(id, incident);
            }
        }
        let plan = batch::plan(batch.iter().copied(), states, self.head, all_or_nothing)?;
        for r in &plan.written {
            insert_event(&mut tx, r).await?;
        }
        for (incident, known) in &plan.touched {
            save_projection(&mut tx, incident, known).await?;
        }
        tx.commit().await.map_err(db_err)?;
        self.head = plan.head;
        Ok(plan)
    }

    /// Drops the projections and replays the whole log into them, in one transaction.
    async fn rebuild(&mut self) -> Result<RebuildReport> {
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query("DELETE FROM incident_agencies").execute(&mut *tx).await.map_err(db_err)?;
        sqlx::query("DELETE FROM incidents").execute(&mut *tx).await.map_err(db_err)?;
        let sql = format!("SELECT {} FROM events ORDER BY seq", rows::EVENT_COLUMNS);
        let all =
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await.map_err(db_err)?;
        let events = all.iter().map(rows::event).collect::<Result<Vec<_>>>()?;
        let incidents = batch::replay(&events)?;
        let none = BTreeSet::new();
        for incident in incidents.values() {
            save_projection(&mut tx, incident, &none).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(RebuildReport { events: events.len() as u64, incidents: incidents.len() as u64 })
    }
}

async fn load_incident(conn: &mut SqliteConnection, id: IncidentId) -> Result<Option<Incident>> {
    let row = sqlx::query("SELECT state FROM incidents WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(db_err)?;
    row.map(|r| codec::decode_incident(&r.try_get::<String, _>("state").map_err(db_err)?))
        .transpose()
}

async fn insert_event(conn: &mut SqliteConnection, r: &RecordedEvent) -> Result<()> {
    let actor = match r.event.actor {
        Actor::User(user) => Some(user.to_string()),
        Actor::System => None,
    };
    let involved: Vec<String> = r.involved.iter().map(ToString::to_string).collect();
    sqlx::query(
        "INSERT INTO events (seq, incident_id, at_ms, actor, agency_id, kind, body, involved) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(i64::try_from(r.seq).map_err(rows::corrupt)?)
    .bind(r.event.incident.to_string())
    .bind(r.event.at.as_millis())
    .bind(actor)
    .bind(r.event.agency.to_string())
    .bind(r.event.kind.name())
    .bind(codec::encode_event(&r.event.kind))
    .bind(serde_json::to_string(&involved).map_err(rows::corrupt)?)
    .execute(conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Writes the incident's projection row, and the agencies it involves beyond `known`.
async fn save_projection(
    conn: &mut SqliteConnection,
    incident: &Incident,
    known: &BTreeSet<AgencyId>,
) -> Result<()> {
    let id = incident.id.to_string();
    sqlx::query(
        "INSERT INTO incidents (id, status, channel, updated_at, version, state) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, \
         version = excluded.version, state = excluded.state",
    )
    .bind(&id)
    .bind(incident.status().as_str())
    .bind(incident.channel.as_str())
    .bind(incident.updated_at.as_millis())
    .bind(i64::try_from(incident.version).map_err(rows::corrupt)?)
    .bind(codec::encode_incident(incident))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    for agency in incident.involved.iter().filter(|a| !known.contains(a)) {
        sqlx::query(
            "INSERT OR IGNORE INTO incident_agencies (agency_id, incident_id) VALUES (?, ?)",
        )
        .bind(agency.to_string())
        .bind(&id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}
