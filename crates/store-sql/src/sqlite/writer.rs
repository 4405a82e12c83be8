//! The single writer of the event log, behind [`store::queue`] (group commit).
//!
//! For each batch, [`store::batch::plan`] checks every append against its incident's state — as
//! left by the appends before it in the same batch — and refuses it alone when invalid. One
//! COMMIT (one fsync) then makes the whole batch durable; only then is each caller answered and
//! each event published. If the transaction fails, every caller in it gets the error and nothing
//! of the batch is published.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use dispatch::TeamState;
use domain::event::Actor;
use domain::{AgencyId, Event, Incident, IncidentId};
use sqlx::{Connection, Row, SqliteConnection};
use store::audit::AuditEntry;
use store::batch::{self, BatchPlan};
use store::log_chain;
use store::queue::{LogWriter, WriterQueue};
use store::{RebuildReport, RecordedEvent, Result, Seq, StoreError, TeamChange, codec, team_batch};
use tokio::sync::broadcast;

use super::{db_err, rows, team_writer, teams};

pub(crate) struct Writer {
    conn: SqliteConnection,
    /// The sequence number of the last committed event.
    head: Seq,
    /// Its chain hash ([`store::log_chain`]).
    head_hash: String,
    published: broadcast::Sender<RecordedEvent>,
    /// Team states committed with an incident's events, for the team subscribers.
    published_teams: broadcast::Sender<TeamState>,
    turn: super::WriteTurn,
    /// Seals the audit records committed with the changes they record.
    sealer: store::seal::Sealer,
}

impl Writer {
    pub(crate) async fn start(
        mut conn: SqliteConnection,
        published: broadcast::Sender<RecordedEvent>,
        published_teams: broadcast::Sender<TeamState>,
        turn: super::WriteTurn,
        sealer: store::seal::Sealer,
    ) -> Result<WriterQueue> {
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
            .fetch_one(&mut conn)
            .await
            .map_err(db_err)?;
        let head = u64::try_from(head.unwrap_or(0)).map_err(rows::corrupt)?;
        let head_hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut conn)
                .await
                .map_err(db_err)?;
        let head_hash = head_hash.flatten().unwrap_or_else(|| store::audit::GENESIS.to_owned());
        Ok(WriterQueue::spawn(Self {
            conn,
            head,
            head_hash,
            published,
            published_teams,
            turn,
            sealer,
        }))
    }

    /// Plans and writes a batch in one transaction, with the audit records of the appends that
    /// committed; the head moves only once it committed.
    async fn commit(
        &mut self,
        batch: &[&Vec<Event>],
        audits: &[Option<AuditEntry>],
        all_or_nothing: bool,
    ) -> Result<BatchPlan> {
        let _turn = self.turn.lock().await;
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let mut states = HashMap::new();
        for id in batch::incidents_of(batch.iter().copied()) {
            if let Some(incident) = load_incident(&mut tx, id).await? {
                states.insert(id, incident);
            }
        }
        let plan = batch::plan(batch.iter().copied(), states, self.head, all_or_nothing)?;
        let hashes = log_chain::chain(&self.sealer, &self.head_hash, &plan.written);
        for (r, hash) in plan.written.iter().zip(&hashes) {
            insert_event(&mut tx, r, hash).await?;
        }
        for (incident, known) in &plan.touched {
            save_projection(&mut tx, incident, known).await?;
        }
        index_touched(&mut tx, &plan.touched).await?;
        let records = store::audit::committed_entries(&plan, audits);
        super::audit::insert(&mut tx, &records, &self.sealer).await?;
        tx.commit().await.map_err(db_err)?;
        self.head = plan.head;
        if let Some(last) = hashes.into_iter().last() {
            self.head_hash = last;
        }
        Ok(plan)
    }
}

#[async_trait]
impl LogWriter for Writer {
    async fn write(
        &mut self,
        batch: &[&Vec<Event>],
        audits: &[Option<AuditEntry>],
    ) -> Result<BatchPlan> {
        self.commit(batch, audits, false).await
    }

    async fn write_with_team(
        &mut self,
        events: &[Event],
        change: TeamChange,
        audit: Option<AuditEntry>,
    ) -> Result<(BatchPlan, TeamState)> {
        let _turn = self.turn.lock().await;
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let events = events.to_vec();
        let mut states = HashMap::new();
        for id in batch::incidents_of([&events]) {
            if let Some(incident) = load_incident(&mut tx, id).await? {
                states.insert(id, incident);
            }
        }
        let written = async {
            let plan = batch::plan([&events], states, self.head, true)?;
            let teams = team_writer::load_all(&mut tx, &[change.team]).await?;
            let head = team_writer::log_head(&mut tx).await?;
            let team_plan = team_batch::plan_change(change, teams, head)?;
            let hashes = log_chain::chain(&self.sealer, &self.head_hash, &plan.written);
            for (r, hash) in plan.written.iter().zip(&hashes) {
                insert_event(&mut tx, r, hash).await?;
            }
            for (incident, known) in &plan.touched {
                save_projection(&mut tx, incident, known).await?;
            }
            index_touched(&mut tx, &plan.touched).await?;
            teams::write_rows(&mut tx, &team_plan).await?;
            let records = store::audit::committed_entries(&plan, &[audit]);
            super::audit::insert(&mut tx, &records, &self.sealer).await?;
            let state = team_plan
                .states
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Database("the team change left no state".into()))?;
            Ok::<_, StoreError>((plan, state, hashes.into_iter().last()))
        }
        .await;
        let (plan, state, last_hash) = match written {
            Ok(done) => done,
            // Either refusal ends the transaction unwritten, now, before the write turn passes.
            Err(e) => {
                tx.rollback().await.map_err(db_err)?;
                return Err(e);
            }
        };
        tx.commit().await.map_err(db_err)?;
        self.head = plan.head;
        if let Some(last) = last_hash {
            self.head_hash = last;
        }
        Ok((plan, state))
    }

    async fn import(&mut self, events: Vec<RecordedEvent>) -> Result<Vec<RecordedEvent>> {
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
        Ok(self.commit(&batch, &[], true).await?.written)
    }

    /// Drops the projections and replays the whole log into them, in one transaction.
    async fn rebuild(&mut self) -> Result<RebuildReport> {
        let _turn = self.turn.lock().await;
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query("DELETE FROM incident_agencies").execute(&mut *tx).await.map_err(db_err)?;
        sqlx::query("DELETE FROM incidents").execute(&mut *tx).await.map_err(db_err)?;
        super::index::clear(&mut tx).await?;
        let sql = format!("SELECT {} FROM events ORDER BY seq", rows::EVENT_COLUMNS);
        let all =
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await.map_err(db_err)?;
        let events = all.iter().map(rows::event).collect::<Result<Vec<_>>>()?;
        let incidents = batch::replay(&events)?;
        let none = BTreeSet::new();
        for incident in incidents.values() {
            save_projection(&mut tx, incident, &none).await?;
        }
        let all: Vec<&Incident> = incidents.values().collect();
        super::index::save(&mut tx, &all).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(RebuildReport { events: events.len() as u64, incidents: incidents.len() as u64 })
    }

    fn committed_team(&mut self, state: TeamState) {
        let _ = self.published_teams.send(state);
    }

    /// Publishes committed events to this store's subscribers.
    fn committed(&mut self, events: Vec<RecordedEvent>) {
        for event in events {
            let _ = self.published.send(event);
        }
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

async fn insert_event(conn: &mut SqliteConnection, r: &RecordedEvent, hash: &str) -> Result<()> {
    let actor = match r.event.actor {
        Actor::User(user) => Some(user.to_string()),
        Actor::System => None,
    };
    let involved: Vec<String> = r.involved.iter().map(ToString::to_string).collect();
    sqlx::query(
        "INSERT INTO events (seq, incident_id, at_ms, actor, agency_id, kind, body, involved, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(i64::try_from(r.seq).map_err(rows::corrupt)?)
    .bind(r.event.incident.to_string())
    .bind(r.event.at.as_millis())
    .bind(actor)
    .bind(r.event.agency.to_string())
    .bind(r.event.kind.name())
    .bind(codec::encode_event(&r.event.kind))
    .bind(serde_json::to_string(&involved).map_err(rows::corrupt)?)
    .bind(hash)
    .execute(conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Indexes the incidents a batch touched, in one pass: a few statements for the whole batch
/// rather than per incident.
async fn index_touched(
    conn: &mut SqliteConnection,
    touched: &[(Incident, BTreeSet<AgencyId>)],
) -> Result<()> {
    let incidents: Vec<&Incident> = touched.iter().map(|(i, _)| i).collect();
    super::index::save(conn, &incidents).await
}

/// Writes the incident's projection row, and the agencies it involves beyond `known` (its
/// index entries are written for the whole batch after, by [`index_touched`]).
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
