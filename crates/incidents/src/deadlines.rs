//! The deadline watch: every node watches the deadlines of open transfer offers and, when one
//! passes, times the offer out through [`IncidentService::time_out`] — which records, in the
//! same commit, the offer to the next tier or the transfer's return.
//!
//! A deadline is data in the store (the incident's pending transfer), not a timer in memory:
//! the watch loads every open offer when it starts, learns new ones from the live event
//! stream, and catches up from the store whenever it may have missed something. So an offer
//! whose server was killed still times out, at the first check after its deadline on any node
//! that runs. When several nodes fire at once, the store's state machine lets exactly one
//! commit through; the others are refused and ignored.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use domain::{EventKind, IncidentId, IncidentStatus, Timestamp};
use store::{IncidentFilter, Store};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;

use crate::IncidentService;

/// Stops the watch when dropped.
#[derive(Debug)]
pub struct DeadlineWatch {
    _stop: oneshot::Sender<()>,
}

/// Open offers by deadline, earliest first.
type Deadlines = BinaryHeap<Reverse<(Timestamp, IncidentId)>>;

impl IncidentService {
    /// Starts the deadline watch: it checks every `every` for offers whose deadline has passed.
    pub fn spawn_deadline_watch(&self, every: Duration) -> DeadlineWatch {
        let (stop_tx, stop) = oneshot::channel();
        tokio::spawn(watch(self.clone(), every, stop));
        DeadlineWatch { _stop: stop_tx }
    }
}

async fn watch(service: IncidentService, every: Duration, mut stop: oneshot::Receiver<()>) {
    // Subscribe before loading, so no offer committed in between is missed.
    let mut events = service.store.subscribe();
    let mut deadlines = Deadlines::new();
    let mut stale = true;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if stale {
            match load(&*service.store).await {
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
                if !stale && !expire_due(&service, &mut deadlines).await {
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
async fn expire_due(service: &IncidentService, deadlines: &mut Deadlines) -> bool {
    let now = service.clock.now();
    while let Some(Reverse((deadline, id))) = deadlines.peek().copied() {
        if deadline > now {
            break;
        }
        deadlines.pop();
        if let Err(e) = service.time_out(id).await {
            tracing::warn!(incident = %id, error = %e, "could not time out a transfer offer; will retry");
            return false;
        }
    }
    true
}
