//! Live events for this node: LISTEN for commit notifications, then read and publish the log
//! after the last sequence number published. See the crate documentation for why this never
//! misses, repeats or reorders an event.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use store::{RecordedEvent, Result, Seq};
use tokio::sync::{broadcast, oneshot};

use super::{CHANNEL, db_err, rows};

/// Read the log at least this often, notification or not.
const POLL_EVERY: Duration = Duration::from_secs(1);
const PAGE: i64 = 1000;

/// Starts the listener; events committed from now on are published, in order.
pub(crate) async fn start(
    pool: PgPool,
    events: broadcast::Sender<RecordedEvent>,
    stop: oneshot::Receiver<()>,
) -> Result<()> {
    let mut listener = PgListener::connect_with(&pool).await.map_err(db_err)?;
    listener.listen(CHANNEL).await.map_err(db_err)?;
    // Listening first, then reading the head: nothing committed after this point is missed.
    let head: i64 = sqlx::query_scalar("SELECT seq FROM log_head WHERE id")
        .fetch_one(&pool)
        .await
        .map_err(db_err)?;
    let last = u64::try_from(head).map_err(rows::corrupt)?;
    tokio::spawn(run(pool, listener, events, last, stop));
    Ok(())
}

async fn run(
    pool: PgPool,
    mut listener: PgListener,
    events: broadcast::Sender<RecordedEvent>,
    mut last: Seq,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stop => return,
            notified = listener.try_recv() => match notified {
                Ok(Some(_)) => {}
                // The connection dropped; the next try_recv reconnects. Anything committed
                // meanwhile is read below.
                Ok(None) => tracing::warn!("event notifications interrupted; reconnecting and catching up"),
                Err(e) => {
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "listening for events failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            },
            () = tokio::time::sleep(POLL_EVERY) => {}
        }
        if let Err(e) = publish_after(&pool, &events, &mut last).await {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "reading new events failed; will retry");
        }
    }
}

/// Publishes every committed event after `last`, in order.
async fn publish_after(
    pool: &PgPool,
    events: &broadcast::Sender<RecordedEvent>,
    last: &mut Seq,
) -> Result<()> {
    loop {
        let sql = format!(
            "SELECT {} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            rows::EVENT_COLUMNS
        );
        let page = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::try_from(*last).map_err(rows::corrupt)?)
            .bind(PAGE)
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
        for row in &page {
            let event = rows::event(row)?;
            *last = event.seq;
            let _ = events.send(event);
        }
        if page.len() < PAGE as usize {
            return Ok(());
        }
    }
}
