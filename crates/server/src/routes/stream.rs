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
//!
//! A caller who may see its agency's teams (`TeamRead`) also gets their live state, as
//! messages **without** an `id` (they are not in the event log, so they never move the resume
//! point): `team_status` when a team's shift or status changes, `team_position` when it
//! moves, `team_stale` when its position turns stale (or fresh again) — each with the team
//! as `GET /api/v1/teams` shows it. After a reconnect, a console reads `GET /api/v1/teams`
//! again for the current state.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use dispatch::TeamState;
use domain::{AgencyId, Permission, TeamId};
use futures_util::Stream;
use serde::Deserialize;
use store::{RecordedEvent, Seq};

use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use crate::auth::{Caller, SessionEndWatch};
use crate::dto::EventDto;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::teams::TeamDto;
use crate::state::AppState;

const BACKLOG_PAGE: u32 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
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
    let teams = if caller.role().allows(Permission::TeamRead) {
        let live = state.store.subscribe_teams();
        let known = state.store.team_states(Some(caller.agency.id)).await?;
        Some(TeamFeed {
            live,
            known: known.into_iter().map(|t| (t.id(), t)).collect(),
            stale: HashMap::new(),
        })
    } else {
        None
    };
    let ends = state.session_ends.subscribe();
    let reader = Reader {
        user: caller.id(),
        agency: caller.agency.id,
        client: crate::audit::client(
            peer.map(|axum::Extension(axum::extract::ConnectInfo(p))| p),
            &headers,
            &state.settings.trusted_proxies,
        ),
    };
    tokio::spawn(forward(
        state.clone(),
        (caller.token_hash.clone(), caller.id(), ends),
        reader,
        after,
        live,
        teams,
        tx,
    ));
    metrics::gauge!("crisisbridge_stream_subscribers").increment(1.0);
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Feeds one subscriber until it disconnects, or its session ends (logout or idle timeout).
async fn forward(
    state: AppState,
    (token_hash, user, mut ends): (String, domain::UserId, SessionEndWatch),
    reader: Reader,
    mut last: Seq,
    mut live: broadcast::Receiver<RecordedEvent>,
    mut teams: Option<TeamFeed>,
    tx: mpsc::Sender<Result<SseEvent, Infallible>>,
) {
    let _gauge = SubscriberGauge;
    let agency = reader.agency;
    if catch_up(&state, &reader, &mut last, &tx).await.is_err() {
        return;
    }
    let mut check = tokio::time::interval(state.settings.stream_session_check);
    let mut stale_check = tokio::time::interval(STALE_CHECK);
    loop {
        let received = tokio::select! {
            () = tx.closed() => return,
            ended = ends.ended(&token_hash, user) => {
                if ended || !session_alive(&state, &token_hash).await {
                    return;
                }
                continue;
            }
            _ = check.tick() => {
                if !session_alive(&state, &token_hash).await {
                    return;
                }
                continue;
            }
            team = next_team(&mut teams) => {
                if let (Some(feed), Some(team)) = (teams.as_mut(), team)
                    && team.profile.provider == agency
                    && feed.changed(&state, team, &tx).await.is_err()
                {
                    return;
                }
                continue;
            }
            _ = stale_check.tick(), if teams.is_some() => {
                if let Some(feed) = teams.as_mut()
                    && feed.turned_stale(&state, &tx).await.is_err()
                {
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
                if event.involved.contains(&agency)
                    && event.event.visible_to(agency)
                    && (!reader.record(&state, std::slice::from_ref(&event)).await
                        || tx.send(Ok(sse(&event))).await.is_err())
                {
                    return;
                }
                last = seq;
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "stream subscriber fell behind; catching up from the log");
                if catch_up(&state, &reader, &mut last, &tx).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// How often a stream looks for teams whose position turned stale.
const STALE_CHECK: Duration = Duration::from_secs(1);

/// A stream's view of its agency's teams: the last state sent, and whether it was stale.
struct TeamFeed {
    live: broadcast::Receiver<TeamState>,
    known: HashMap<TeamId, TeamState>,
    stale: HashMap<TeamId, bool>,
}

/// The next committed team state; pending forever for a stream without teams. A feed that
/// fell behind skips what it missed (the next state of each team supersedes it).
async fn next_team(teams: &mut Option<TeamFeed>) -> Option<TeamState> {
    let Some(feed) = teams.as_mut() else { return std::future::pending().await };
    loop {
        match feed.live.recv().await {
            Ok(team) => return Some(team),
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return std::future::pending().await,
        }
    }
}

impl TeamFeed {
    /// Sends `team_status` or `team_position` for a changed team.
    async fn changed(
        &mut self,
        state: &AppState,
        team: TeamState,
        tx: &mpsc::Sender<Result<SseEvent, Infallible>>,
    ) -> Result<(), ()> {
        let before = self.known.get(&team.id());
        let kind = match before {
            Some(b)
                if b.shift() == team.shift()
                    && b.status() == team.status()
                    && b.status_since() == team.status_since() =>
            {
                if b.position().current() == team.position().current() {
                    None
                } else {
                    Some("team_position")
                }
            }
            _ => Some("team_status"),
        };
        let now = state.clock.now();
        let policy = state.settings.stale_policy();
        self.stale.insert(team.id(), team.is_stale(now, &policy));
        let message = kind.map(|kind| team_message(kind, &TeamDto::of(&team, now, &policy)));
        self.known.insert(team.id(), team);
        match message {
            Some(message) => tx.send(Ok(message)).await.map_err(|_| ()),
            None => Ok(()),
        }
    }

    /// Sends `team_stale` for every team whose staleness flipped since it was last sent.
    async fn turned_stale(
        &mut self,
        state: &AppState,
        tx: &mpsc::Sender<Result<SseEvent, Infallible>>,
    ) -> Result<(), ()> {
        let now = state.clock.now();
        let policy = state.settings.stale_policy();
        for (id, team) in &self.known {
            let stale = team.is_stale(now, &policy);
            if self.stale.insert(*id, stale) != Some(stale) {
                tx.send(Ok(team_message("team_stale", &TeamDto::of(team, now, &policy))))
                    .await
                    .map_err(|_| ())?;
            }
        }
        Ok(())
    }
}

/// A team message: no `id`, so it never moves the stream's resume point.
fn team_message(kind: &str, team: &TeamDto) -> SseEvent {
    SseEvent::default()
        .event(kind)
        .json_data(team)
        .unwrap_or_else(|_| SseEvent::default().comment("unserialisable team"))
}

/// Whether the stream's session still exists and has not gone idle.
pub(crate) async fn session_alive(state: &AppState, token_hash: &str) -> bool {
    match state.store.session(token_hash).await {
        Ok(Some(session)) => {
            !crate::auth::is_idle(&session, state.clock.now(), state.settings.session_idle_ms())
        }
        Ok(None) => false,
        // A passing database error is no reason to cut a dispatcher's live view.
        Err(_) => true,
    }
}

/// Who reads a stream: each event it is sent is recorded on its incident's audit trail first.
struct Reader {
    user: domain::UserId,
    agency: AgencyId,
    client: String,
}

impl Reader {
    /// Records that `events` are disclosed to this reader; `false` when the records could not
    /// be written, and the stream must end (its client resumes from the last event it got).
    async fn record(&self, state: &AppState, events: &[RecordedEvent]) -> bool {
        if events.is_empty() {
            return true;
        }
        let at = state.clock.now();
        let entries = events
            .iter()
            .map(|e| store::AuditEntry {
                at,
                user: Some(self.user),
                agency: Some(self.agency),
                client: self.client.clone(),
                action: format!("GET /api/v1/stream: {}", e.event.kind.name()),
                incident: Some(e.event.incident),
                outcome: 200,
            })
            .collect();
        crate::audit::write_all(state, entries).await
    }
}

/// Sends every visible event after `last` from the log, each page recorded in the audit trail
/// first. Errs when the client is gone or the records cannot be written.
async fn catch_up(
    state: &AppState,
    reader: &Reader,
    last: &mut Seq,
    tx: &mpsc::Sender<Result<SseEvent, Infallible>>,
) -> Result<(), ()> {
    loop {
        let page = match state.store.events_after(*last, Some(reader.agency), BACKLOG_PAGE).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %e, "reading the stream backlog failed");
                return Err(());
            }
        };
        let done = page.len() < BACKLOG_PAGE as usize;
        let last_read = page.last().map(|e| e.seq);
        // What the reader would have got live (see `store::batch`): its own private notes, and
        // the incidents' other events while it took part.
        let page: Vec<RecordedEvent> = page
            .into_iter()
            .filter(|e| e.involved.contains(&reader.agency) && e.event.visible_to(reader.agency))
            .collect();
        if !reader.record(state, &page).await {
            return Err(());
        }
        for event in &page {
            tx.send(Ok(sse(event))).await.map_err(|_| ())?;
            *last = event.seq;
        }
        // Events this reader may not see still move its place in the log.
        if let Some(seq) = last_read {
            *last = seq;
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
