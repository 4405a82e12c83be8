//! The event log's chain: each event's hash covers the previous event's hash and the event
//! itself, sealed with the deployment's audit key when it has one ([`crate::seal`]) — so an
//! event edited, deleted or inserted in the database, even with every later hash recomputed,
//! is found by [`verify`] (and, without the key, a rewrite shows where sealed events end).
//!
//! Events written before the chain existed have no hash; the chain starts after them.

use crate::audit::GENESIS;
use crate::seal::{KeyRing, SEALED, Sealer};
use crate::{EventLog, RecordedEvent, Result, Seq, codec};

/// What an event's hash covers, in a fixed JSON form.
#[must_use]
pub fn fields(previous: &str, r: &RecordedEvent) -> String {
    let actor = match r.event.actor {
        domain::event::Actor::User(user) => Some(user.to_string()),
        domain::event::Actor::System => None,
    };
    serde_json::json!([
        previous,
        r.seq,
        r.event.incident.to_string(),
        r.event.at.as_millis(),
        actor,
        r.event.agency.to_string(),
        codec::encode_event(&r.event.kind),
    ])
    .to_string()
}

/// The hashes of `events`, in order, chained after `previous`.
#[must_use]
pub fn chain(sealer: &Sealer, previous: &str, events: &[RecordedEvent]) -> Vec<String> {
    let mut previous = previous.to_owned();
    events
        .iter()
        .map(|r| {
            previous = sealer.hash_fields(&fields(&previous, r));
            previous.clone()
        })
        .collect()
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCheck {
    pub events: u64,
    /// Events written before the chain existed, at the start of the log.
    pub unchained: u64,
    pub sealed: u64,
    pub head: String,
    /// The first event that breaks the chain, and how.
    pub broken: Option<(Seq, String)>,
}

/// Walks the whole log and recomputes every event's hash with the keys of `ring`.
///
/// # Errors
/// When the store cannot be read.
pub async fn verify(log: &dyn EventLog, ring: &KeyRing) -> Result<LogCheck> {
    verify_against(log, ring, None).await
}

/// Like [`verify`], and compares the log with the head a checkpoint saw (`(seq, hash)`):
/// events deleted from the end, or a log rebuilt since, are found too.
///
/// # Errors
/// When the store cannot be read.
pub async fn verify_against(
    log: &dyn EventLog,
    ring: &KeyRing,
    checkpoint: Option<&(Seq, String)>,
) -> Result<LogCheck> {
    let mut check = walk(log, ring, checkpoint).await?;
    if check.broken.is_none()
        && let Some((seq, _)) = checkpoint
        && *seq > check.events
    {
        check.broken = Some((
            check.events + 1,
            format!(
                "events {} to {seq} are missing from the end: the checkpoint saw them",
                check.events + 1
            ),
        ));
    }
    Ok(check)
}

async fn walk(
    log: &dyn EventLog,
    ring: &KeyRing,
    checkpoint: Option<&(Seq, String)>,
) -> Result<LogCheck> {
    const PAGE: u32 = 5000;
    let mut check =
        LogCheck { events: 0, unchained: 0, sealed: 0, head: GENESIS.to_owned(), broken: None };
    let mut last = 0;
    loop {
        let page = log.chained_events(last, PAGE).await?;
        if page.is_empty() {
            return Ok(check);
        }
        for (r, hash) in page {
            let broken = |why: String| Some((r.seq, why));
            if r.seq != last + 1 {
                check.broken =
                    Some((last + 1, format!("events {} to {} are missing", last + 1, r.seq - 1)));
                return Ok(check);
            }
            last = r.seq;
            check.events += 1;
            let Some(hash) = hash else {
                if check.events - 1 == check.unchained {
                    check.unchained += 1;
                    continue;
                }
                check.broken = broken("it has no hash, though events before it do".into());
                return Ok(check);
            };
            let sealed = hash.starts_with(SEALED);
            let why = match ring.check_fields(&hash, &fields(&check.head, &r)) {
                Ok(true) if !sealed && check.sealed > 0 => Some(
                    "it is not sealed, though events before it are: the log was rewritten without the key".to_owned(),
                ),
                Ok(true) => None,
                Ok(false) => Some(
                    "its hash does not match its contents and the event before: it was changed, or events before it were".to_owned(),
                ),
                Err(why) => Some(why),
            };
            if let Some(why) = why {
                check.broken = broken(why);
                return Ok(check);
            }
            if let Some((seq, seen)) = checkpoint
                && *seq == r.seq
                && *seen != hash
            {
                check.broken = broken(
                    "the checkpoint saw another event here: the log was rebuilt from this event on"
                        .into(),
                );
                return Ok(check);
            }
            check.sealed += u64::from(sealed);
            check.head = hash;
        }
    }
}
