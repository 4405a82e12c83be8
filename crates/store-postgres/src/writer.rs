//! This node's writer of the event log, with group commit; see the crate documentation.
//!
//! Differences from SQLite's writer: the transaction starts by locking the `log_head` row, which
//! serializes appends across every node and gives the next sequence number; it ends with
//! `pg_notify`, which PostgreSQL delivers to every listening node only if the transaction
//! commits. Events are published to subscribers by the listener, not here, so local and remote
//! events reach this node's subscribers through one ordered path.

use std::collections::{BTreeSet, HashMap};

use domain::event::Actor;
use domain::{AgencyId, Event, Incident, IncidentId};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres, Row};
use store::{Appended, RebuildReport, RecordedEvent, Result, StoreError, codec};
use tokio::sync::{mpsc, oneshot};

use crate::{CHANNEL, db_err, rows};

const MAX_BATCH: usize = 512;
const QUEUE_CAPACITY: usize = 8192;

pub(crate) enum Command {
    Append { events: Vec<Event>, reply: oneshot::Sender<Result<Appended>> },
    Import { events: Vec<RecordedEvent>, reply: oneshot::Sender<Result<()>> },
    Rebuild { reply: oneshot::Sender<Result<RebuildReport>> },
}

type Reply = oneshot::Sender<Result<Appended>>;

pub(crate) struct Writer {
    pool: PgPool,
    /// Held between batches; replaced if it breaks.
    conn: Option<PoolConnection<Postgres>>,
}

impl Writer {
    pub(crate) async fn start(pool: &PgPool) -> Result<mpsc::Sender<Command>> {
        let conn = pool.acquire().await.map_err(db_err)?;
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(Self { pool: pool.clone(), conn: Some(conn) }.run(rx));
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
                        self.commit_appends(&mut appends).await;
                        let result = match self.connection().await {
                            Ok(conn) => rebuild(conn).await,
                            Err(e) => Err(e),
                        };
                        let _ = reply.send(result);
                    }
                    Command::Import { events, reply } => {
                        self.commit_appends(&mut appends).await;
                        let result = match self.connection().await {
                            Ok(conn) => import(conn, events).await,
                            Err(e) => Err(e),
                        };
                        let _ = reply.send(result);
                    }
                }
                if appends.len() < MAX_BATCH {
                    next = queue.try_recv().ok();
                }
            }
            self.commit_appends(&mut appends).await;
        }
    }

    async fn connection(&mut self) -> Result<&mut PgConnection> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await.map_err(db_err)?);
        }
        self.conn.as_deref_mut().ok_or_else(|| StoreError::Database("no connection".into()))
    }

    async fn commit_appends(&mut self, appends: &mut Vec<(Vec<Event>, Reply)>) {
        if appends.is_empty() {
            return;
        }
        let mut outcomes = Vec::with_capacity(appends.len());
        let committed = match self.connection().await {
            Ok(conn) => {
                write_batch(conn, appends.iter().map(|(events, _)| events), &mut outcomes, None)
                    .await
            }
            Err(e) => Err(e),
        };
        metrics::histogram!("crisisbridge_store_commit_batch_size").record(appends.len() as f64);
        match committed {
            Ok(()) => {
                for ((_, reply), outcome) in appends.drain(..).zip(outcomes) {
                    if let Ok(appended) = &outcome {
                        metrics::counter!("crisisbridge_store_events_appended_total")
                            .increment(appended.events.len() as u64);
                    }
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "event log commit failed; the whole batch is refused");
                // The connection may be broken; take a fresh one next time.
                self.conn = None;
                for (_, reply) in appends.drain(..) {
                    let _ = reply.send(Err(StoreError::Database(e.to_string())));
                }
            }
        }
    }
}

/// Imports copied events with their sequence numbers, all or nothing.
async fn import(conn: &mut PgConnection, events: Vec<RecordedEvent>) -> Result<()> {
    let Some(first) = events.first().map(|r| r.seq) else { return Ok(()) };
    for (n, r) in events.iter().enumerate() {
        if r.seq != first + n as u64 {
            return Err(StoreError::Database(format!(
                "imported events are not consecutive at sequence number {}",
                r.seq
            )));
        }
    }
    let batch: Vec<Vec<Event>> = events.into_iter().map(|r| vec![r.event]).collect();
    let mut outcomes = Vec::with_capacity(batch.len());
    write_batch(conn, batch.iter(), &mut outcomes, Some(first)).await
}

/// Writes every valid append of the batch in one transaction; see `store-sqlite`'s writer for
/// the shape. The function's own error means the transaction as a whole failed. With
/// `import_from`, the batch is an import: it must start at that sequence number, and one refused
/// event fails it all.
async fn write_batch<'a>(
    conn: &mut PgConnection,
    batch: impl Iterator<Item = &'a Vec<Event>>,
    outcomes: &mut Vec<Result<Appended>>,
    import_from: Option<u64>,
) -> Result<()> {
    let mut tx = conn.begin().await.map_err(db_err)?;
    let head: i64 = sqlx::query_scalar("SELECT seq FROM log_head WHERE id FOR UPDATE")
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut next_seq = u64::try_from(head).map_err(rows::corrupt)? + 1;
    if let Some(first) = import_from.filter(|first| *first != next_seq) {
        return Err(StoreError::Database(format!(
            "imported event {first} does not follow this log's head: expected sequence number {next_seq}"
        )));
    }
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
                        seq: next_seq + recorded.len() as u64,
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
            (Some(e), _) if import_from.is_some() => return Err(StoreError::Rejected(e)),
            (Some(e), _) => outcomes.push(Err(StoreError::Rejected(e))),
            (None, None) => outcomes.push(Ok(Appended { events: Vec::new(), incident: None })),
            (None, Some(incident)) => {
                for r in &recorded {
                    insert_event(&mut tx, r).await?;
                }
                save_projection(&mut tx, &incident, before.as_ref().map(|b| &b.involved)).await?;
                next_seq += recorded.len() as u64;
                outcomes.push(Ok(Appended { events: recorded, incident: Some(incident.clone()) }));
                states.insert(id, Some(incident));
            }
        }
    }
    let new_head = i64::try_from(next_seq - 1).map_err(rows::corrupt)?;
    if new_head != head {
        sqlx::query("UPDATE log_head SET seq = $1 WHERE id")
            .bind(new_head)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(new_head.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)
}

/// Drops the projections and replays the whole log into them, holding the log head so no node
/// appends meanwhile.
async fn rebuild(conn: &mut PgConnection) -> Result<RebuildReport> {
    let mut tx = conn.begin().await.map_err(db_err)?;
    sqlx::query("SELECT seq FROM log_head WHERE id FOR UPDATE")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    sqlx::query("DELETE FROM incident_agencies").execute(&mut *tx).await.map_err(db_err)?;
    sqlx::query("DELETE FROM incidents").execute(&mut *tx).await.map_err(db_err)?;
    let sql = format!("SELECT {} FROM events ORDER BY seq", rows::EVENT_COLUMNS);
    let all = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await.map_err(db_err)?;
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

async fn load_incident(conn: &mut PgConnection, id: IncidentId) -> Result<Option<Incident>> {
    let row = sqlx::query("SELECT state FROM incidents WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(db_err)?;
    row.map(|r| codec::decode_incident(&r.try_get::<String, _>("state").map_err(db_err)?))
        .transpose()
}

pub(crate) async fn insert_event(conn: &mut PgConnection, r: &RecordedEvent) -> Result<()> {
    let actor = match r.event.actor {
        Actor::User(user) => Some(user.as_uuid()),
        Actor::System => None,
    };
    let involved: Vec<String> = r.involved.iter().map(ToString::to_string).collect();
    sqlx::query(
        "INSERT INTO events (seq, incident_id, at_ms, actor, agency_id, kind, body, involved) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(i64::try_from(r.seq).map_err(rows::corrupt)?)
    .bind(r.event.incident.as_uuid())
    .bind(r.event.at.as_millis())
    .bind(actor)
    .bind(r.event.agency.as_uuid())
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
    conn: &mut PgConnection,
    incident: &Incident,
    known: Option<&BTreeSet<AgencyId>>,
) -> Result<()> {
    let id = incident.id.as_uuid();
    sqlx::query(
        "INSERT INTO incidents (id, status, channel, updated_at, version, state) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, \
         version = excluded.version, state = excluded.state",
    )
    .bind(id)
    .bind(incident.status().as_str())
    .bind(incident.channel.as_str())
    .bind(incident.updated_at.as_millis())
    .bind(i64::try_from(incident.version).map_err(rows::corrupt)?)
    .bind(codec::encode_incident(incident))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    for agency in incident.involved.iter().filter(|a| known.is_none_or(|k| !k.contains(a))) {
        sqlx::query("INSERT INTO incident_agencies (agency_id, incident_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(agency.as_uuid())
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}
