//! `/api/v1/stream`: every event the caller's agency may see, live, as Server-Sent Events.
//!
//! Each SSE message has `id: <seq>`, `event: <kind>` and a JSON [`EventDto`]. A client that
//! reconnects sends `Last-Event-ID` (browsers do it themselves) or `?after=<seq>` and gets
//! everything it missed, then the live tail, without gaps or repeats:
//!
//! 1. subscribe to committed events first, so nothing committed from now on is missed;
//! 2. send the backlog after the resume point from the log;
//! 3. send live events, skipping any the backlog already covered (by sequence number);
//! 4. a subscriber that falls too far behind is caught up from the log again.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use domain::{AgencyId, Permission};
use futures_util::Stream;
use serde::Deserialize;
use store::{RecordedEvent, Seq, Store};

use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::dto::EventDto;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

const BACKLOG_PAGE: u32 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Resume after this sequence number (`0`: from the beginning). `Last-Event-ID` wins when
    /// both are given; with neither, the stream starts with the next event.
    pub after: Option<u64>,
}

/// The live event stream.
#[utoipa::path(get, path = "/api/v1/stream", tag = "stream", params(StreamQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "resume after this sequence number")),
    responses((status = 200, description = "text/event-stream of EventDto, `id` = seq, `event` = kind", content_type = "text/event-stream")))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    caller.require(Permission::IncidentRead)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let last_event_id = match headers.get("last-event-id") {
        Some(value) => Some(
            value.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidParameter,
                    "Last-Event-ID must be an event sequence number",
                )
            })?,
        ),
        None => None,
    };
    // Subscribe before reading the head or the backlog: see the module comment.
    let live = state.store.subscribe();
    // A resume point past the head (a client of a database restored from backup) would skip
    // every new event up to it: start from the head instead.
    let head = state.store.head().await?;
    let after = last_event_id.or(query.after).map_or(head, |seq| seq.min(head));
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(forward(
        state.clone(),
        caller.token_hash.clone(),
        caller.agency.id,
        after,
        live,
        tx,
    ));
    metrics::gauge!("crisisbridge_stream_subscribers").increment(1.0);
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Feeds one subscriber until it disconnects, or its session ends (logout or idle timeout).
async fn forward(
    state: AppState,
    token_hash: String,
    agency: AgencyId,
    mut last: Seq,
    mut live: broadcast::Receiver<RecordedEvent>,
    tx: mpsc::Sender<Result<SseEvent, Infallible>>,
) {
    let _gauge = SubscriberGauge;
    let store = state.store.clone();
    if catch_up(&*store, agency, &mut last, &tx).await.is_err() {
        return;
    }
    let mut check = tokio::time::interval(state.settings.stream_session_check);
    loop {
        let received = tokio::select! {
            () = tx.closed() => return,
            _ = check.tick() => {
                if !session_alive(&state, &token_hash).await {
                    return;
                }
                continue;
            }
            received = live.recv() => received,
        };
        match received {
            Ok(event) if event.seq <= last => {}
            Ok(event) => {
                let seq = event.seq;
                if event.involved.contains(&agency) && tx.send(Ok(sse(&event))).await.is_err() {
                    return;
                }
                last = seq;
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "stream subscriber fell behind; catching up from the log");
                if catch_up(&*store, agency, &mut last, &tx).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Whether the stream's session still exists and has not gone idle.
async fn session_alive(state: &AppState, token_hash: &str) -> bool {
    match state.store.session(token_hash).await {
        Ok(Some(session)) => {
            !crate::auth::is_idle(&session, state.clock.now(), state.settings.session_idle_ms())
        }
        Ok(None) => false,
        // A passing database error is no reason to cut a dispatcher's live view.
        Err(_) => true,
    }
}

/// Sends every visible event after `last` from the log. Errs when the client is gone.
async fn catch_up(
    store: &dyn Store,
    agency: AgencyId,
    last: &mut Seq,
    tx: &mpsc::Sender<Result<SseEvent, Infallible>>,
) -> Result<(), ()> {
    loop {
        let page = match store.events_after(*last, Some(agency), BACKLOG_PAGE).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %e, "reading the stream backlog failed");
                return Err(());
            }
        };
        let done = page.len() < BACKLOG_PAGE as usize;
        for event in &page {
            tx.send(Ok(sse(event))).await.map_err(|_| ())?;
            *last = event.seq;
        }
        if done {
            return Ok(());
        }
    }
}

fn sse(event: &RecordedEvent) -> SseEvent {
    let dto = EventDto::from(event);
    SseEvent::default()
        .id(event.seq.to_string())
        .event(event.event.kind.name())
        .json_data(&dto)
        .unwrap_or_else(|_| SseEvent::default().comment("unserialisable event"))
}

/// Counts open streams on the metrics page.
struct SubscriberGauge;

impl Drop for SubscriberGauge {
    fn drop(&mut self) {
        metrics::gauge!("crisisbridge_stream_subscribers").decrement(1.0);
    }
}
