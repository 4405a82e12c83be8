//! The single writer of the event log, with group commit.
//!
//! Appends queue up while a commit is in flight; the next transaction takes all of them (up
//! to [`MAX_BATCH`]). Each append is checked against its incident's state — as left by the
//! appends before it in the same batch — and refused alone when invalid. One COMMIT (one
//! fsync) then makes the whole batch durable, and only then is each caller answered and each
//! event published. If the transaction fails, every caller in it gets the error and nothing
//! of the batch is published.

use std::collections::HashMap;

use domain::event::Actor;
use domain::{Event, Incident, IncidentId};
use sqlx::{Connection, Row, SqliteConnection};
use store::{Appended, RebuildReport, RecordedEvent, Result, StoreError, codec};
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

pub(crate) struct Writer {
    conn: SqliteConnection,
    /// The sequence number the next event gets.
    next_seq: u64,
    published: broadcast::Sender<RecordedEvent>,
}

type Reply = oneshot::Sender<Result<Appended>>;

impl Writer {
    pub(crate) async fn start(
        mut conn: SqliteConnection,
        published: broadcast::Sender<RecordedEvent>,
    ) -> Result<mpsc::Sender<Command>> {
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
            .fetch_one(&mut conn)
            .await
            .map_err(db_err)?;
        let next_seq = u64::try_from(head.unwrap_or(0)).map_err(rows::corrupt)? + 1;
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(Self { conn, next_seq, published }.run(rx));
        Ok(tx)
    }

    async fn run(mut self, mut queue: mpsc::Receiver<Command>) {
        let mut appends: Vec<(Vec<Event>, Reply)> = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = queue.recv().await {
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Append { events, reply } => appends.push((events, reply)),
                    Command::Rebuild { reply } => {
                        // Appends queued before the rebuild commit first, in order.
                        self.commit_appends(&mut appends).await;
                        let _ = reply.send(self.rebuild().await);
                    }
                    Command::Import { events, reply } => {
                        self.commit_appends(&mut appends).await;
                        let _ = reply.send(self.import(events).await);
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
        let first_seq = self.next_seq;
        let mut outcomes = Vec::with_capacity(appends.len());
        let committed =
            self.write_batch(appends.iter().map(|(events, _)| events), &mut outcomes, false).await;
        metrics::histogram!("crisisbridge_store_commit_batch_size").record(appends.len() as f64);
        match committed {
            Ok(()) => {
                for ((_, reply), outcome) in appends.drain(..).zip(outcomes) {
                    if let Ok(appended) = &outcome {
                        metrics::counter!("crisisbridge_store_events_appended_total")
                            .increment(appended.events.len() as u64);
                        for event in &appended.events {
                            let _ = self.published.send(event.clone());
                        }
                    }
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "event log commit failed; the whole batch is refused");
                self.next_seq = first_seq;
                for (_, reply) in appends.drain(..) {
                    let _ = reply.send(Err(StoreError::Database(e.to_string())));
                }
            }
        }
    }

    /// Imports copied events with their sequence numbers, all or nothing.
    async fn import(&mut self, events: Vec<RecordedEvent>) -> Result<()> {
        let first_seq = self.next_seq;
        for (n, r) in events.iter().enumerate() {
            if r.seq != first_seq + n as u64 {
                return Err(StoreError::Database(format!(
                    "imported event {} does not follow this log's head: expected sequence number {}",
                    r.seq,
                    first_seq + n as u64
                )));
            }
        }
        let batch: Vec<Vec<Event>> = events.into_iter().map(|r| vec![r.event]).collect();
        let mut outcomes = Vec::with_capacity(batch.len());
        match self.write_batch(batch.iter(), &mut outcomes, true).await {
            Ok(()) => {
                for appended in outcomes.into_iter().flatten() {
                    for event in appended.events {
                        let _ = self.published.send(event);
                    }
                }
                Ok(())
            }
            Err(e) => {
                self.next_seq = first_seq;
                Err(e)
            }
        }
    }

    /// Writes every valid append of the batch in one transaction. `outcomes` gets one entry
    /// per append; the function's own error means the transaction as a whole failed. With
    /// `all_or_nothing`, one refused append fails the whole transaction.
    async fn write_batch<'a>(
        &mut self,
        batch: impl Iterator<Item = &'a Vec<Event>>,
        outcomes: &mut Vec<Result<Appended>>,
        all_or_nothing: bool,
    ) -> Result<()> {
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let mut states: HashMap<IncidentId, Option<Incident>> = HashMap::new();
        for events in batch {
            let Some(first) = events.first() else {
                outcomes.push(Ok(Appended { events: Vec::new(), incident: None }));
                continue;
            };
            let id = first.incident;
            let before = match states.get(&id) {
                Some(state) => state.clone(),
                None => load_incident(&mut tx, id).await?,
            };
            let mut state = before.clone();
            let mut recorded = Vec::with_capacity(events.len());
            let mut refused = None;
            for event in events {
                match Incident::next(state.take(), event) {
                    Ok(next) => {
                        recorded.push(RecordedEvent {
                            seq: self.next_seq + recorded.len() as u64,
                            event: event.clone(),
                            involved: next.involved.iter().copied().collect(),
                        });
                        state = Some(next);
                    }
                    Err(e) => {
                        refused = Some(e);
                        break;
                    }
                }
            }
            match (refused, state) {
                (Some(e), _) if all_or_nothing => return Err(StoreError::Rejected(e)),
                (Some(e), _) => outcomes.push(Err(StoreError::Rejected(e))),
                (None, None) => outcomes.push(Ok(Appended { events: Vec::new(), incident: None })),
                (None, Some(incident)) => {
                    for r in &recorded {
                        insert_event(&mut tx, r).await?;
                    }
                    let known = before.as_ref().map(|b| &b.involved);
                    save_projection(&mut tx, &incident, known).await?;
                    self.next_seq += recorded.len() as u64;
                    outcomes
                        .push(Ok(Appended { events: recorded, incident: Some(incident.clone()) }));
                    states.insert(id, Some(incident));
                }
            }
        }
        tx.commit().await.map_err(db_err)
    }

    /// Drops the projections and replays the whole log into them, in one transaction.
    async fn rebuild(&mut self) -> Result<RebuildReport> {
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query("DELETE FROM incident_agencies").execute(&mut *tx).await.map_err(db_err)?;
        sqlx::query("DELETE FROM incidents").execute(&mut *tx).await.map_err(db_err)?;
        let sql = format!("SELECT {} FROM events ORDER BY seq", rows::EVENT_COLUMNS);
        let all =
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await.map_err(db_err)?;
        let mut incidents: HashMap<IncidentId, Incident> = HashMap::new();
        for row in &all {
            let recorded = rows::event(row)?;
            let id = recorded.event.incident;
            let next = Incident::next(incidents.remove(&id), &recorded.event).map_err(|e| {
                StoreError::Corrupt(format!("event {} does not replay: {e}", recorded.seq))
            })?;
            incidents.insert(id, next);
        }
        for incident in incidents.values() {
            save_projection(&mut tx, incident, None).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(RebuildReport { events: all.len() as u64, incidents: incidents.len() as u64 })
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

/// Writes the incident's projection row, and the agencies newly involved since `known`.
async fn save_projection(
    conn: &mut SqliteConnection,
    incident: &Incident,
    known: Option<&std::collections::BTreeSet<domain::AgencyId>>,
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
    for agency in incident.involved.iter().filter(|a| known.is_none_or(|k| !k.contains(a))) {
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
