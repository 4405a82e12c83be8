//! The event log's chain: each event's hash covers the previous event's hash and the event
//! itself, sealed with the deployment's audit key when it has one ([`crate::seal`]) — so an
//! event edited, deleted or inserted in the database, even with every later hash recomputed,
//! is found by [`verify`] (and, without the key, a rewrite shows where sealed events end).
//!
//! Events written before the chain existed have no hash; the chain starts after them.

use crate::audit::GENESIS;
use crate::seal::{ChainWalk, KeyRing, Sealer};
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
    const PAGE: u32 = 5000;
    let mut check =
        LogCheck { events: 0, unchained: 0, sealed: 0, head: GENESIS.to_owned(), broken: None };
    let mut walk =
        ChainWalk::new(ring, "event", checkpoint.map(|(seq, hash)| (*seq, hash.as_str())));
    'pages: loop {
        let page = log.chained_events(walk.last, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for (r, hash) in page {
            let seq = r.seq;
            let stepped = match hash {
                // Events from before the chain existed, at the start of the log.
                None if check.events == check.unchained && seq == walk.last + 1 => {
                    walk.skip(seq);
                    check.unchained += 1;
                    Ok(())
                }
                None if seq == walk.last + 1 => {
                    Err((seq, "it has no hash, though events before it do".to_owned()))
                }
                // A gap, found by the walk.
                None => walk.step(seq, String::new(), |_| String::new()),
                Some(hash) => walk.step(seq, hash, |previous| fields(previous, &r)),
            };
            if let Err(broken) = stepped {
                check.broken = Some(broken);
                break 'pages;
            }
            check.events += 1;
        }
    }
    check.broken = check.broken.or_else(|| walk.end());
    check.sealed = walk.sealed;
    check.head = walk.head;
    Ok(check)
}
