//! Deleting what is kept only for a while: GPS breadcrumbs past their retention period. Each
//! node prunes once an hour; pruning twice is harmless.

use std::sync::Arc;
use std::time::Duration;

use domain::Clock;
use store::Store;
use tokio::sync::oneshot;

const EVERY: Duration = Duration::from_secs(3600);

/// Stops the pruning when dropped.
#[derive(Debug)]
pub struct RetentionGuard {
    _stop: oneshot::Sender<()>,
}

pub fn spawn(store: Arc<dyn Store>, clock: Arc<dyn Clock>, keep: Duration) -> RetentionGuard {
    let (stop_tx, mut stop) = oneshot::channel::<()>();
    let keep_ms = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = tick.tick() => {
                    let before = clock.now().plus_millis(-keep_ms);
                    match store.prune_breadcrumbs(before).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(deleted = n, "GPS breadcrumbs past their retention deleted"),
                        Err(e) => tracing::warn!(error = %e, "pruning GPS breadcrumbs failed; will retry"),
                    }
                }
            }
        }
    });
    RetentionGuard { _stop: stop_tx }
}
