//! This node's writer of the event log, behind [`store::queue`] (group commit); see the crate
//! documentation.
//!
//! Differences from SQLite's writer: the transaction starts by locking the `log_head` row, which
//! serializes appends across every node and gives the next sequence number; it ends with
//! `pg_notify`, which PostgreSQL delivers to every listening node only if the transaction
//! commits. Events are published to subscribers by the listener, not here, so local and remote
//! events reach this node's subscribers through one ordered path.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use dispatch::TeamState;
use domain::event::Actor;
use domain::{AgencyId, Event, Incident, IncidentId};
use sqlx::{Connection, PgConnection, PgPool, Row};
use store::audit::AuditEntry;
use store::batch::{self, BatchPlan};
use store::queue::{LogWriter, WriterQueue};
use store::team_batch::TeamOp;
use store::{RebuildReport, RecordedEvent, Result, StoreError, TeamChange, codec};

use super::held::HeldConnection;
use super::{CHANNEL, db_err, rows, team_writer};

pub(crate) struct Writer {
    /// Held between batches; replaced if it breaks.
    conn: HeldConnection,
    /// Seals the audit records committed with the changes they record.
    sealer: store::seal::Sealer,
}

impl Writer {
    pub(crate) async fn start(pool: &PgPool, sealer: store::seal::Sealer) -> Result<WriterQueue> {
        let conn = HeldConnection::taken(pool).await?;
        Ok(WriterQueue::spawn(Self { conn, sealer }))
    }
}

#[async_trait]
impl LogWriter for Writer {
    async fn write(
        &mut self,
        batch: &[&Vec<Event>],
        audits: &[Option<AuditEntry>],
    ) -> Result<BatchPlan> {
        let sealer = self.sealer.clone();
        write(self.conn.get().await?, batch, None, audits, &sealer).await
    }

    /// The log head is locked first, then the team's row and the team log's head — the team
    /// writer never takes the log head, so the two cannot wait for each other.
    async fn write_with_team(
        &mut self,
        events: &[Event],
        change: TeamChange,
        audit: Option<AuditEntry>,
    ) -> Result<(BatchPlan, TeamState)> {
        let events = events.to_vec();
        let sealer = self.sealer.clone();
        let mut tx = self.conn.get().await?.begin().await.map_err(db_err)?;
        let written = async {
            let plan = write_in(&mut tx, &[&events], None, true, &sealer).await?;
            let records = store::audit::committed_entries(&plan, &[audit]);
            super::audit::insert(&mut tx, &records, &sealer).await?;
            let team_plan =
                team_writer::write_in(&mut tx, &[TeamOp::Change(change)], Some(change)).await?;
            let state = team_plan
                .states
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Database("the team change left no state".into()))?;
            Ok::<_, StoreError>((plan, state))
        }
        .await;
        match written {
            Ok(done) => {
                tx.commit().await.map_err(db_err)?;
                Ok(done)
            }
            // Roll back now: a dropped transaction is only rolled back when its connection is
            // next used, and until then it would hold the log head and the team's row.
            Err(e) => {
                tx.rollback().await.map_err(db_err)?;
                Err(e)
            }
        }
    }

    /// Nothing to do: the listener publishes team states too.
    fn committed_team(&mut self, _state: TeamState) {}

    async fn import(&mut self, events: Vec<RecordedEvent>) -> Result<Vec<RecordedEvent>> {
        let Some(first) = events.first().map(|r| r.seq) else { return Ok(Vec::new()) };
        for (n, r) in events.iter().enumerate() {
            if r.seq != first + n as u64 {
                return Err(StoreError::Database(format!(
                    "imported events are not consecutive at sequence number {}",
                    r.seq
                )));
            }
        }
        let appends: Vec<Vec<Event>> = events.into_iter().map(|r| vec![r.event]).collect();
        let batch: Vec<&Vec<Event>> = appends.iter().collect();
        let sealer = self.sealer.clone();
        Ok(write(self.conn.get().await?, &batch, Some(first), &[], &sealer).await?.written)
    }

    async fn rebuild(&mut self) -> Result<RebuildReport> {
        rebuild(self.conn.get().await?).await
    }

    /// Nothing to do: every node's listener publishes what committed, this node's included.
    fn committed(&mut self, _events: Vec<RecordedEvent>) {}

    /// The connection may be broken; take a fresh one next time.
    fn failed(&mut self) {
        self.conn.release();
    }
}

/// Plans and writes a batch in one transaction (see [`store::batch::plan`]). With
/// `import_from`, the batch is an import: it must start at that sequence number, and one
/// refused event refuses it all.
///
/// Round trips are what cost on a database server, so a batch takes a fixed handful whatever
/// its size: lock the head, load every incident it touches, then one array-bound INSERT each
/// for events, projections and newly involved agencies, the head update and the notification.
async fn write(
    conn: &mut PgConnection,
    batch: &[&Vec<Event>],
    import_from: Option<u64>,
    audits: &[Option<AuditEntry>],
    sealer: &store::seal::Sealer,
) -> Result<BatchPlan> {
    let mut tx = conn.begin().await.map_err(db_err)?;
    let plan = write_in(&mut tx, batch, import_from, import_from.is_some(), sealer).await?;
    // The log head is locked first, then the audit trail's: the audit writer takes only the
    // latter, so the two never wait for each other.
    let records = store::audit::committed_entries(&plan, audits);
    super::audit::insert(&mut tx, &records, sealer).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(plan)
}

/// [`write`] inside the caller's transaction; with `all_or_nothing`, one refused append refuses
/// the batch.
async fn write_in(
    tx: &mut PgConnection,
    batch: &[&Vec<Event>],
    import_from: Option<u64>,
    all_or_nothing: bool,
    sealer: &store::seal::Sealer,
) -> Result<BatchPlan> {
    let (head, head_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM log_head WHERE id FOR UPDATE")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
    let head = u64::try_from(head).map_err(rows::corrupt)?;
    if let Some(first) = import_from.filter(|first| *first != head + 1) {
        return Err(StoreError::Database(format!(
            "imported event {first} does not follow this log's head: expected sequence number {}",
            head + 1
        )));
    }
    let ids: Vec<uuid::Uuid> =
        batch::incidents_of(batch.iter().copied()).iter().map(IncidentId::as_uuid).collect();
    let states = load_incidents(tx, &ids).await?;
    let plan = batch::plan(batch.iter().copied(), states, head, all_or_nothing)?;
    let hashes = store::log_chain::chain(sealer, &head_hash, &plan.written);
    insert_events(tx, &plan.written, &hashes).await?;
    save_projections(tx, &plan.touched).await?;
    if plan.head != head {
        let new_head = i64::try_from(plan.head).map_err(rows::corrupt)?;
        sqlx::query("UPDATE log_head SET seq = $1, hash = $2 WHERE id")
            .bind(new_head)
            .bind(hashes.last().map_or(head_hash.as_str(), String::as_str))
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
    Ok(plan)
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
    super::index::clear(&mut tx).await?;
    let sql = format!("SELECT {} FROM events ORDER BY seq", rows::EVENT_COLUMNS);
    let all = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await.map_err(db_err)?;
    let events = all.iter().map(rows::event).collect::<Result<Vec<_>>>()?;
    let incidents = batch::replay(&events)?;
    let projections: Vec<(Incident, BTreeSet<AgencyId>)> =
        incidents.into_values().map(|i| (i, BTreeSet::new())).collect();
    for chunk in projections.chunks(1000) {
        save_projections(&mut tx, chunk).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(RebuildReport { events: events.len() as u64, incidents: projections.len() as u64 })
}

/// The committed state of each incident in `ids` that exists.
async fn load_incidents(
    conn: &mut PgConnection,
    ids: &[uuid::Uuid],
) -> Result<HashMap<IncidentId, Incident>> {
    let found = sqlx::query("SELECT state FROM incidents WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(conn)
        .await
        .map_err(db_err)?;
    found
        .iter()
        .map(|r| {
            let incident =
                codec::decode_incident(&r.try_get::<String, _>("state").map_err(db_err)?)?;
            Ok((incident.id, incident))
        })
        .collect()
}

/// Inserts events in one statement.
async fn insert_events(
    conn: &mut PgConnection,
    events: &[RecordedEvent],
    hashes: &[String],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut seqs = Vec::with_capacity(events.len());
    let (mut incidents, mut ats, mut actors, mut agencies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut kinds, mut bodies, mut involved) = (Vec::new(), Vec::new(), Vec::new());
    for r in events {
        seqs.push(i64::try_from(r.seq).map_err(rows::corrupt)?);
        incidents.push(r.event.incident.as_uuid());
        ats.push(r.event.at.as_millis());
        actors.push(match r.event.actor {
            Actor::User(user) => Some(user.as_uuid()),
            Actor::System => None,
        });
        agencies.push(r.event.agency.as_uuid());
        kinds.push(r.event.kind.name().to_owned());
        bodies.push(codec::encode_event(&r.event.kind));
        let ids: Vec<String> = r.involved.iter().map(ToString::to_string).collect();
        involved.push(serde_json::to_string(&ids).map_err(rows::corrupt)?);
    }
    sqlx::query(
        "INSERT INTO events (seq, incident_id, at_ms, actor, agency_id, kind, body, involved, hash) \
         SELECT * FROM UNNEST($1::bigint[], $2::uuid[], $3::bigint[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[])",
    )
    .bind(seqs)
    .bind(incidents)
    .bind(ats)
    .bind(actors)
    .bind(agencies)
    .bind(kinds)
    .bind(bodies)
    .bind(involved)
    .bind(hashes)
    .execute(conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Upserts incidents' projection rows, and the agencies each newly involves, in two statements.
async fn save_projections(
    conn: &mut PgConnection,
    projections: &[(Incident, BTreeSet<AgencyId>)],
) -> Result<()> {
    if projections.is_empty() {
        return Ok(());
    }
    let (mut ids, mut statuses, mut channels, mut updated, mut versions, mut states) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut link_agencies, mut link_incidents) = (Vec::new(), Vec::new());
    for (incident, known) in projections {
        ids.push(incident.id.as_uuid());
        statuses.push(incident.status().as_str().to_owned());
        channels.push(incident.channel.as_str().to_owned());
        updated.push(incident.updated_at.as_millis());
        versions.push(i64::try_from(incident.version).map_err(rows::corrupt)?);
        states.push(codec::encode_incident(incident));
        for agency in incident.involved.iter().filter(|a| !known.contains(a)) {
            link_agencies.push(agency.as_uuid());
            link_incidents.push(incident.id.as_uuid());
        }
    }
    sqlx::query(
        "INSERT INTO incidents (id, status, channel, updated_at, version, state) \
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, \
         version = excluded.version, state = excluded.state",
    )
    .bind(ids)
    .bind(statuses)
    .bind(channels)
    .bind(updated)
    .bind(versions)
    .bind(states)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    if !link_agencies.is_empty() {
        sqlx::query(
            "INSERT INTO incident_agencies (agency_id, incident_id) \
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING",
        )
        .bind(link_agencies)
        .bind(link_incidents)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    let incidents: Vec<&Incident> = projections.iter().map(|(i, _)| i).collect();
    super::index::save(conn, &incidents).await
}
