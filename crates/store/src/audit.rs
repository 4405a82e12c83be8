//! The audit trail: every read, write and export of an incident — who, when, from where, what,
//! and what came of it — in an append-only log whose records are hash-chained, so a changed or
//! deleted row is detectable ([`verify`]).
//!
//! Record `n`'s hash is SHA-256 over record `n - 1`'s hash and record `n`'s fields in a fixed
//! JSON form ([`chain`]); the first record chains from [`GENESIS`]. Backends compute it inside
//! the transaction that inserts the record, after locking the head of the log, so the chain is
//! one line even with several nodes writing. Writes are group-committed by an [`AuditQueue`]:
//! a caller is answered once its record is durable.

use async_trait::async_trait;
use domain::{AgencyId, IncidentId, Timestamp, UserId};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use crate::seal::{ChainWalk, Checkpoint, KeyRing};
use crate::{Result, StoreError};

/// The hash the first record chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The longest `client` and `action` kept, in bytes; longer ones are cut.
pub const MAX_FIELD: usize = 200;

/// What happened, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// Who: `None` when the request carried no valid session.
    pub user: Option<UserId>,
    pub agency: Option<AgencyId>,
    /// From where: the peer address, and the address a proxy forwarded for.
    pub client: String,
    /// What: the request's method and route, e.g. `GET /api/v1/incidents/{id}`.
    pub action: String,
    /// The incident it concerned, when one.
    pub incident: Option<IncidentId>,
    /// What came of it: the HTTP status answered (or the conveyance response code).
    pub outcome: u16,
}

impl AuditEntry {
    /// The entry with `client` and `action` cut to [`MAX_FIELD`] bytes and stripped of control
    /// characters, as it is stored.
    #[must_use]
    pub fn bounded(mut self) -> Self {
        self.client = bound(&self.client);
        self.action = bound(&self.action);
        self
    }
}

fn bound(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_FIELD));
    for c in text.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > MAX_FIELD {
            break;
        }
        out.push(c);
    }
    out
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the log, gap-free from 1.
    pub seq: u64,
    pub entry: AuditEntry,
    /// [`chain`] of the previous record's hash and this record.
    pub hash: String,
}

/// The hash of record `seq` holding `entry`, after the record whose hash is `previous`,
/// without a key (see [`crate::seal`] for the keyed form).
#[must_use]
pub fn chain(previous: &str, seq: u64, entry: &AuditEntry) -> String {
    let digest = Sha256::digest(fields(previous, seq, entry).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a record's hash covers, in a fixed JSON form.
pub(crate) fn fields(previous: &str, seq: u64, entry: &AuditEntry) -> String {
    serde_json::json!([
        previous,
        seq,
        entry.at.as_millis(),
        entry.user.map(|u| u.to_string()),
        entry.agency.map(|a| a.to_string()),
        entry.client,
        entry.action,
        entry.incident.map(|i| i.to_string()),
        entry.outcome,
    ])
    .to_string()
}

/// A request that may change incidents, as the audit trail will name it: set by the server
/// around the request's handler ([`REQUEST`]), so that every append the request makes carries
/// its audit record into the same transaction — a change is never committed without its
/// record, even if the process dies a moment later.
#[derive(Debug, Default)]
pub struct RequestAudit {
    /// From where (see [`AuditEntry::client`]).
    pub client: String,
    /// What: the method and route.
    pub action: String,
    who: std::sync::Mutex<Option<(UserId, AgencyId)>>,
    /// What the record adds to the action, e.g. that the change discloses records.
    detail: std::sync::Mutex<Option<String>>,
    recorded: std::sync::atomic::AtomicBool,
}

impl RequestAudit {
    #[must_use]
    pub fn new(client: String, action: String) -> Self {
        Self { client, action, ..Self::default() }
    }

    /// Who made the request, once authenticated.
    pub fn set_who(&self, user: UserId, agency: AgencyId) {
        if let Ok(mut who) = self.who.lock() {
            *who = Some((user, agency));
        }
    }

    /// Adds `detail` to the action of the records this request writes from now on.
    pub fn set_detail(&self, detail: String) {
        if let Ok(mut current) = self.detail.lock() {
            *current = Some(detail);
        }
    }

    /// Whether an append of this request committed its record with it.
    pub fn recorded(&self) -> bool {
        self.recorded.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn mark_recorded(&self) {
        self.recorded.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The record of an append at `at`; its incident and outcome are filled in by the writer.
    pub(crate) fn entry(&self, at: Timestamp) -> AuditEntry {
        let who = self.who.lock().ok().and_then(|who| *who);
        let detail = self.detail.lock().ok().and_then(|d| d.clone());
        AuditEntry {
            at,
            user: who.map(|(user, _)| user),
            agency: who.map(|(_, agency)| agency),
            client: self.client.clone(),
            action: match detail {
                Some(detail) => format!("{}: {detail}", self.action),
                None => self.action.clone(),
            },
            incident: None,
            outcome: 0,
        }
        .bounded()
    }
}

tokio::task_local! {
    /// The request being handled on this task, when the server audits it.
    pub static REQUEST: std::sync::Arc<RequestAudit>;
}

/// The audit records of a committed batch: one per append that carried one and committed
/// events, naming the incident, with the status the request answers — 201 when the append
/// opened the incident, else 200.
#[must_use]
pub fn committed_entries(
    plan: &crate::batch::BatchPlan,
    audits: &[Option<AuditEntry>],
) -> Vec<AuditEntry> {
    plan.outcomes
        .iter()
        .zip(audits)
        .filter_map(|(outcome, audit)| {
            let appended = outcome.as_ref().ok()?;
            let first = appended.events.first()?;
            let mut entry = audit.clone()?;
            entry.incident = Some(first.event.incident);
            entry.outcome = if matches!(first.event.kind, domain::EventKind::Opened { .. }) {
                201
            } else {
                200
            };
            Some(entry)
        })
        .collect()
}

/// The audit trail of a store.
#[async_trait]
pub trait AuditLog: Send + Sync + 'static {
    /// Appends one record; durable when it returns.
    async fn audit(&self, entry: AuditEntry) -> Result<()>;

    /// Appends records in the order given, in one transaction (moving a trail to another
    /// database: the same entries in the same order give the same chain).
    async fn audit_all(&self, entries: Vec<AuditEntry>) -> Result<()>;

    /// Seals every record written from now on with `key` (a plain chain with `None`).
    fn seal_with(&self, key: Option<crate::seal::AuditKey>);

    /// Records after `after`, oldest first, at most `limit`; only those of `incident` when
    /// given.
    async fn audit_records(
        &self,
        after: u64,
        limit: u32,
        incident: Option<IncidentId>,
    ) -> Result<Vec<AuditRecord>>;
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// Records read.
    pub records: u64,
    /// Of those, records sealed with a key.
    pub sealed: u64,
    /// The hash of the last record (the value a checkpoint keeps elsewhere).
    pub head: String,
    /// The first record that breaks the chain, and how.
    pub broken: Option<(u64, String)>,
}

/// Walks the whole trail and recomputes every hash, without keys: a sealed record is reported
/// as unverifiable. See [`verify_with`].
///
/// # Errors
/// When the store cannot be read.
pub async fn verify(log: &dyn AuditLog) -> Result<AuditCheck> {
    verify_with(log, &KeyRing::default(), None).await
}

/// Walks the whole trail and recomputes every hash with the keys of `ring`, and compares it
/// with `checkpoint` when given. Finds, and names the first record of:
/// - an edited record (its hash no longer matches),
/// - deleted records in the middle (a gap in the sequence numbers),
/// - a rewritten chain: a record not sealed after sealed ones, or a sealed hash that does
///   not match (only the key makes one that does),
/// - records deleted from the end, or a chain rebuilt over them: fewer records than the
///   checkpoint saw, or a different hash at its sequence number.
///
/// # Errors
/// When the store cannot be read.
pub async fn verify_with(
    log: &dyn AuditLog,
    ring: &KeyRing,
    checkpoint: Option<&Checkpoint>,
) -> Result<AuditCheck> {
    const PAGE: u32 = 5000;
    let mut check = AuditCheck { records: 0, sealed: 0, head: GENESIS.to_owned(), broken: None };
    if let Some(checkpoint) = checkpoint
        && let Err(why) = checkpoint.check(ring)
    {
        check.broken = Some((checkpoint.seq, why));
        return Ok(check);
    }
    let seen = checkpoint.map(|c| (c.seq, c.hash.as_str()));
    let mut walk = ChainWalk::new(ring, "record", seen);
    'pages: loop {
        let page = log.audit_records(walk.last, PAGE, None).await?;
        if page.is_empty() {
            break;
        }
        for record in page {
            let (seq, entry) = (record.seq, record.entry);
            if let Err(broken) =
                walk.step(seq, record.hash, |previous| fields(previous, seq, &entry))
            {
                check.broken = Some(broken);
                break 'pages;
            }
            check.records += 1;
        }
    }
    check.broken = check.broken.or_else(|| walk.end());
    check.sealed = walk.sealed;
    check.head = walk.head;
    Ok(check)
}

/// How a backend commits a batch of audit entries: in one transaction, each chained after the
/// log's head at that moment.
#[async_trait]
pub trait AuditWriter: Send + 'static {
    async fn write(&mut self, entries: &[AuditEntry]) -> Result<()>;
}

const MAX_BATCH: usize = 1024;
const QUEUE_CAPACITY: usize = 16_384;

type Reply = oneshot::Sender<Result<()>>;

/// The door into a store's audit writer.
#[derive(Debug, Clone)]
pub struct AuditQueue(mpsc::Sender<(Vec<AuditEntry>, Reply)>);

impl AuditQueue {
    pub fn spawn<W: AuditWriter>(writer: W) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(writer, rx));
        Self(tx)
    }

    /// Queues `entry` and waits until it is durable.
    ///
    /// # Errors
    /// When the commit failed or the store is closing.
    pub async fn submit(&self, entry: AuditEntry) -> Result<()> {
        self.submit_all(vec![entry]).await
    }

    /// Queues `entries`, to be written together in this order, and waits until they are
    /// durable.
    ///
    /// # Errors
    /// When the commit failed or the store is closing.
    pub async fn submit_all(&self, entries: Vec<AuditEntry>) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        let entries = entries.into_iter().map(AuditEntry::bounded).collect();
        self.0.send((entries, reply)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn run<W: AuditWriter>(mut writer: W, mut queue: mpsc::Receiver<(Vec<AuditEntry>, Reply)>) {
    let mut entries = Vec::with_capacity(MAX_BATCH);
    let mut replies = Vec::with_capacity(MAX_BATCH);
    while let Some((first, reply)) = queue.recv().await {
        entries.extend(first);
        replies.push(reply);
        while entries.len() < MAX_BATCH {
            let Ok((more, reply)) = queue.try_recv() else { break };
            entries.extend(more);
            replies.push(reply);
        }
        metrics::histogram!("crisisbridge_store_audit_batch_size").record(entries.len() as f64);
        let result = writer.write(&entries).await;
        if let Err(e) = &result {
            tracing::error!(error = %e, "audit commit failed; the whole batch is refused");
        }
        for reply in replies.drain(..) {
            let answer = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::Database(e.to_string())),
            };
            let _ = reply.send(answer);
        }
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(outcome: u16) -> AuditEntry {
        AuditEntry {
            at: Timestamp::from_millis(1_700_000_000_000),
            user: None,
            agency: None,
            client: "127.0.0.1".into(),
            action: "GET /api/v1/incidents/{id}".into(),
            incident: None,
            outcome,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = chain(GENESIS, 1, &entry(200));
        assert_eq!(base.len(), 64);
        assert_eq!(base, chain(GENESIS, 1, &entry(200)), "deterministic");
        assert_ne!(base, chain(GENESIS, 1, &entry(404)));
        assert_ne!(base, chain(GENESIS, 2, &entry(200)));
        assert_ne!(base, chain(&base, 1, &entry(200)));
        let mut other = entry(200);
        other.client = "127.0.0.2".into();
        assert_ne!(base, chain(GENESIS, 1, &other));
    }

    #[test]
    fn long_and_control_fields_are_bounded() {
        let mut e = entry(200);
        e.client = format!("10.0.0.1\n{}", "é".repeat(300));
        let e = e.bounded();
        assert!(e.client.len() <= MAX_FIELD && !e.client.contains('\n'), "{}", e.client);
        assert!(e.client.starts_with("10.0.0.1é"));
    }
}
