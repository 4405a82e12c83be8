//! Transfers that never wait forever.
//!
//! - [`with_follow_up`]: appends to a batch what it calls for — after a decline or a timeout,
//!   the offer to the next tier or the transfer's return — so the step and its consequence
//!   commit together.
//! - [`spawn_deadline_watch`]: every node watches the deadlines of open offers and, when one
//!   passes, records `TransferTimedOut` with its follow-up, on behalf of the holder.
//!
//! A deadline is data in the store (the incident's pending transfer), not a timer in memory:
//! the watch loads every open offer when it starts, learns new ones from the live event
//! stream, and catches up from the store whenever it may have missed something. So an offer
//! whose server was killed still times out, at the first check after its deadline on any node
//! that runs. When several nodes fire at once, the store's state machine lets exactly one
//! commit through; the others are refused and ignored.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;

use domain::event::Actor;
use domain::{Clock, Event, EventKind, Incident, IncidentId, IncidentStatus, Timestamp};
use store::{IncidentFilter, Store, StoreError};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;

/// `events` (of `incident`, in order) followed by what Crisisbridge must record after them:
/// when they leave an offer declined or timed out, the next tier's offer or the return.
pub(crate) fn with_follow_up(
    incident: &Incident,
    mut events: Vec<Event>,
    at: Timestamp,
) -> Vec<Event> {
    let mut after = incident.clone();
    // The store checks the batch again when it commits; a refused event here just means
    // there is nothing to follow up.
    if events.iter().all(|e| after.apply(e).is_ok())
        && let Some(kind) = after.follow_up(at)
    {
        events.push(system_event(&after, at, kind));
    }
    events
}

/// An event Crisisbridge records on the holder's behalf.
fn system_event(incident: &Incident, at: Timestamp, kind: EventKind) -> Event {
    Event { incident: incident.id, at, actor: Actor::System, agency: incident.holder, kind }
}

/// Stops the watch when dropped.
#[derive(Debug)]
pub struct WatchGuard {
    _stop: oneshot::Sender<()>,
}

/// Starts the deadline watch: it checks every `every` for offers whose deadline has passed.
pub fn spawn_deadline_watch(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    every: Duration,
) -> WatchGuard {
    let (stop_tx, stop) = oneshot::channel();
    tokio::spawn(watch(store, clock, every, stop));
    WatchGuard { _stop: stop_tx }
}

/// Open offers by deadline, earliest first.
type Deadlines = BinaryHeap<Reverse<(Timestamp, IncidentId)>>;

async fn watch(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    every: Duration,
    mut stop: oneshot::Receiver<()>,
) {
    // Subscribe before loading, so no offer committed in between is missed.
    let mut events = store.subscribe();
    let mut deadlines = Deadlines::new();
    let mut stale = true;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if stale {
            match load(&*store).await {
                Ok(loaded) => {
                    deadlines = loaded;
                    stale = false;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not load open transfer offers; will retry")
                }
            }
        }
        tokio::select! {
            _ = &mut stop => return,
            received = events.recv() => match received {
                Ok(recorded) => {
                    if let EventKind::TransferOffered { deadline, .. } = recorded.event.kind {
                        deadlines.push(Reverse((deadline, recorded.event.incident)));
                    }
                }
                // Fell behind the live stream: the store has everything.
                Err(RecvError::Lagged(_)) => stale = true,
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => {
                if !stale && !expire_due(&*store, &*clock, &mut deadlines).await {
                    stale = true;
                }
            }
        }
    }
}

/// Every incident with an open offer, by its deadline.
async fn load(store: &dyn Store) -> store::Result<Deadlines> {
    let filter = IncidentFilter {
        involving: None,
        statuses: vec![IncidentStatus::TransferPending],
        channel: None,
        limit: u32::MAX,
    };
    Ok(store
        .incidents(&filter)
        .await?
        .iter()
        .filter_map(|i| {
            i.transfer
                .as_ref()
                .filter(|t| t.unanswered.is_none())
                .map(|t| Reverse((t.deadline, i.id)))
        })
        .collect())
}

/// Times out every offer whose deadline has passed. Returns `false` when the store failed
/// (the deadlines are then reloaded, so none is lost).
async fn expire_due(store: &dyn Store, clock: &dyn Clock, deadlines: &mut Deadlines) -> bool {
    let now = clock.now();
    while let Some(Reverse((deadline, id))) = deadlines.peek().copied() {
        if deadline > now {
            break;
        }
        deadlines.pop();
        match expire(store, id, now).await {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!(incident = %id, error = %e, "could not time out a transfer offer; will retry");
                return false;
            }
        }
    }
    true
}

/// Records the timeout of `id`'s offer, if it is still open and due, with its follow-up.
async fn expire(store: &dyn Store, id: IncidentId, now: Timestamp) -> store::Result<()> {
    let Some(incident) = store.incident(id).await? else { return Ok(()) };
    let due =
        incident.transfer.as_ref().is_some_and(|t| t.unanswered.is_none() && t.deadline <= now);
    if !due {
        // Answered, re-offered (its new deadline is in the heap too), or closed meanwhile.
        return Ok(());
    }
    let timeout = system_event(&incident, now, EventKind::TransferTimedOut);
    let events = with_follow_up(&incident, vec![timeout], now);
    let returned = events.iter().any(|e| matches!(e.kind, EventKind::TransferReturned { .. }));
    match store.append(events).await {
        Ok(_) => {
            metrics::counter!("crisisbridge_transfer_timeouts_total").increment(1);
            if returned {
                metrics::counter!("crisisbridge_transfers_returned_total").increment(1);
                tracing::warn!(incident = %id, "transfer returned: no agency took the incident");
            }
            Ok(())
        }
        // Another node (or an answer) got there first.
        Err(StoreError::Rejected(reason)) => {
            tracing::debug!(incident = %id, %reason, "transfer timeout not needed");
            Ok(())
        }
        Err(e) => Err(e),
    }
}
