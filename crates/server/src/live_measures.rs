//! The outcome measures' tally, kept current: each node reads the event log once at start, then
//! folds every committed event in as the live stream delivers it, so a report — a year or today,
//! any agency, any grouping — is computed from facts already gathered, never by reading the log
//! again (`reports::measures::Tally::report_with_calls`). Until the first read has caught up,
//! reports read the log as before.
//!
//! The tally holds every incident's facts (a few hundred bytes each) in memory. A subscriber
//! that falls behind the broadcast reads what it missed from the log, in order; nothing is
//! folded twice (sequence numbers only move forward). The lock is tokio's: folding waits for a
//! report being computed (on a blocking thread) without holding up an async worker.

use std::sync::Arc;

use reports::measures::{Options, Tally};
use store::{RecordedEvent, Store};
use tokio::sync::{RwLock, broadcast, oneshot};

/// Events read from the log per page while catching up.
const PAGE: u32 = 10_000;
/// How long after a failed first read of the log it is tried again.
const RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// The tally and how far it has read.
#[derive(Debug)]
struct Folded {
    tally: Tally,
    /// The last sequence number folded in.
    seq: u64,
    /// Whether the first read of the log has finished.
    caught_up: bool,
}

impl Folded {
    fn fold(&mut self, recorded: &RecordedEvent) {
        if recorded.seq > self.seq {
            self.tally.add(&recorded.event, &recorded.involved);
            self.seq = recorded.seq;
        }
    }
}

/// The node's live tally. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LiveMeasures {
    folded: Arc<RwLock<Folded>>,
    _stop: Arc<oneshot::Sender<()>>,
}

impl LiveMeasures {
    /// Starts reading `store`'s log into a tally and following it.
    pub fn spawn(store: Arc<dyn Store>) -> Self {
        let folded = Arc::new(RwLock::new(Folded {
            tally: Tally::new(Options::default()),
            seq: 0,
            caught_up: false,
        }));
        let (stop_tx, stop) = oneshot::channel();
        tokio::spawn(follow(store, folded.clone(), stop));
        Self { folded, _stop: Arc::new(stop_tx) }
    }

    /// Whether the first read of the log has finished: reports come from the tally from then on.
    pub async fn caught_up(&self) -> bool {
        self.folded.read().await.caught_up
    }

    /// Runs `report` on the tally once it has caught up with the log; `None` before. Blocks:
    /// call it from a blocking thread (`tokio::task::spawn_blocking`).
    pub fn with<T>(&self, report: impl FnOnce(&Tally) -> T) -> Option<T> {
        let folded = self.folded.blocking_read();
        folded.caught_up.then(|| report(&folded.tally))
    }

    /// Folds in whatever `store` committed that the stream has not delivered yet, so a report
    /// asked for just after a change includes it. Whether the tally is ready (its first read of
    /// the log finished); if not, the caller reads the log itself.
    pub async fn sync(&self, store: &dyn Store) -> store::Result<bool> {
        let ready = self.folded.read().await.caught_up;
        if ready {
            catch_up(store, &self.folded).await?;
        }
        Ok(ready)
    }
}

async fn follow(
    store: Arc<dyn Store>,
    folded: Arc<RwLock<Folded>>,
    mut stop: oneshot::Receiver<()>,
) {
    // Subscribed before reading, so nothing committed meanwhile is missed.
    let mut live = store.subscribe();
    while let Err(e) = catch_up(&*store, &folded).await {
        tracing::warn!(error = %e, "the live measures could not read the event log; reports read it per request until they can; trying again in 5 s");
        tokio::select! {
            _ = &mut stop => return,
            () = tokio::time::sleep(RETRY) => {}
        }
    }
    {
        let mut f = folded.write().await;
        f.caught_up = true;
        tracing::info!(events = f.seq, "live measures caught up with the event log");
    }
    loop {
        tokio::select! {
            _ = &mut stop => return,
            received = live.recv() => match received {
                Ok(recorded) => {
                    let mut f = folded.write().await;
                    if recorded.seq <= f.seq + 1 {
                        f.fold(&recorded);
                        continue;
                    }
                    // Sequence numbers have no gaps: one is missing (a catch-up that failed
                    // before), so read from the log what comes after the tally's last.
                    drop(f);
                    if let Err(e) = catch_up(&*store, &folded).await {
                        tracing::warn!(error = %e, "live measures could not catch up; will retry with the next event");
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "live measures fell behind the stream; reading the log");
                    if let Err(e) = catch_up(&*store, &folded).await {
                        tracing::warn!(error = %e, "live measures could not catch up; will retry with the next event");
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// Folds in every event after the tally's last, page by page, without holding the lock while
/// reading.
async fn catch_up(store: &dyn Store, folded: &RwLock<Folded>) -> store::Result<()> {
    loop {
        let after = folded.read().await.seq;
        let page = store.events_after(after, None, PAGE).await?;
        if page.is_empty() {
            return Ok(());
        }
        let mut f = folded.write().await;
        for recorded in &page {
            f.fold(recorded);
        }
    }
}
