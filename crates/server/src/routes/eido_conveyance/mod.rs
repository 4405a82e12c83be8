//! NENA-STA-024 EIDO conveyance over a WebSocket: `GET /api/v1/eido/conveyance` upgrades, and a
//! CAD (or any NG9-1-1 system) exchanges STA-024's JSON messages with Crisisbridge.
//!
//! - `requestForService` (an EIDO and a request id) hands a call to Crisisbridge: imported
//!   exactly like `POST /api/v1/eido` (opened once per sender's incident id, updated after) and
//!   answered with a `response` carrying the request id and a SIP-style `responseCode`: 200
//!   when the incident is durably opened or updated, 400 with the JSON path when the EIDO
//!   cannot be used (nothing changes), 513 when it is too large, 404 when it names an incident
//!   the sender cannot see, 503 while the server is shutting down, 500 when the store failed.
//! - `cancelRequest` for a request this connection made adds a note to its incident and is
//!   answered 200; Crisisbridge never closes a crisis contact on a sender's word.
//! - `subscribe` to one incident (`requestSubType: "single"`, `incidentId`: ours or our EIDO
//!   id) or to every new incident of the agency (`"new"`): answered `subscribeResponse`, then an
//!   `event` with the incident's EIDO as it is now — at once for "single", and whenever it
//!   changes (for "new": whenever an incident of the agency opens) — until `unsubscribe` or the
//!   granted `expires`, when Crisisbridge sends `terminate`. Each notification is an export and
//!   is audited as one. `maxRate` coalesces changes (at most one notification per that many
//!   seconds, carrying the incident as it is then) and `minRate` repeats a quiet incident
//!   (`subscriptions.rs` has the rules); the granted rates are in the `subscribeResponse`.
//!   `qualFilter` and `"resource"` subscriptions are refused (406).
//! - The other push messages are answered `501 Not implemented`, as the standard provides.
//!
//! Messages are handled one at a time, in order; the connection ends when its session is
//! logged out or goes idle.

mod messages;
mod subscriptions;

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{EventKind, IncidentId, Permission, Text, Timestamp};
use serde_json::Value;
use store::{RecordedEvent, Seq};
use tokio::sync::broadcast::{self, error::RecvError};

use self::messages::{Inbound, Refused, SubscribeRequest, code_of, push_response};
use self::subscriptions::{Scope, Subscriptions};
use super::eido::{eido_of, receive};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// Whether `text` is a conveyance message Crisisbridge understands (for the fuzz targets).
pub fn parse_message(text: &str) -> bool {
    Inbound::parse(text).is_ok()
}

/// The largest message: an EIDO at its limit and its envelope.
const MAX_MESSAGE_BYTES: usize = interop::eido::MAX_EIDO_BYTES + 4096;

/// Open the EIDO conveyance WebSocket.
#[utoipa::path(get, path = "/api/v1/eido/conveyance", tag = "eido",
    description = "Upgrades to a WebSocket carrying NENA-STA-024 JSON messages: send \
        `{\"requestForService\":{\"requestId\":\"…\",\"eido\":{…}}}` and get \
        `{\"response\":{\"requestId\":\"…\",\"responseCode\":200,\"responseText\":\"…\"}}`; \
        `subscribe` to one incident (`single`) or to new ones (`new`) for `event` notifications. \
        Authenticate the upgrade like any request (Bearer token or session cookie).",
    responses(
        (status = 101, description = "switched to the WebSocket"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn conveyance(
    State(state): State<AppState>,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    caller.require(Permission::IncidentCreate)?;
    let client = crate::audit::client(
        peer.map(|Extension(ConnectInfo(p))| p),
        &headers,
        &state.settings.trusted_proxies,
    );
    Ok(upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(state, caller, client, socket)))
}

/// Answers one connection's messages in order, and sends its subscriptions' notifications,
/// until it closes or its session ends.
async fn serve(state: AppState, caller: Caller, client: String, mut socket: WebSocket) {
    metrics::gauge!("crisisbridge_eido_conveyance_connections").increment(1.0);
    let mut connection = Connection {
        requests: HashMap::new(),
        last_touch: state.clock.now(),
        client,
        subscriptions: Subscriptions::default(),
        live: None,
        last_seq: 0,
    };
    let mut check = tokio::time::interval(state.settings.stream_session_check);
    let mut ends = state.session_ends.subscribe();
    loop {
        let out = tokio::select! {
            ended = ends.ended(&caller.token_hash, caller.id()) => {
                if ended || !super::stream::session_alive(&state, &caller.token_hash).await {
                    let frame = CloseFrame {
                        code: close_code::POLICY,
                        reason: "the session ended; log in again".into(),
                    };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
                Vec::new()
            }
            _ = check.tick() => {
                if !super::stream::session_alive(&state, &caller.token_hash).await {
                    let frame = CloseFrame {
                        code: close_code::POLICY,
                        reason: "the session ended; log in again".into(),
                    };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
                connection.expire(&state, &caller, state.clock.now()).await
            }
            () = due_at(connection.subscriptions.next_due(std::time::Instant::now())) => {
                connection.release(&state, &caller).await
            }
            recorded = next_event(connection.live.as_mut()) => {
                match recorded {
                    Ok(recorded) => connection.notify(&state, &caller, &recorded).await,
                    Err(RecvError::Lagged(_)) => connection.catch_up(&state, &caller).await,
                    Err(RecvError::Closed) => break,
                }
            }
            message = socket.recv() => match message {
                None | Some(Err(_) | Ok(Message::Close(_))) => break,
                Some(Ok(Message::Text(text))) => {
                    connection.answer(&state, &caller, text.as_str()).await
                }
                Some(Ok(Message::Binary(_))) => {
                    vec![push_response("", 400, "send each message as a text frame of JSON")]
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => Vec::new(),
            },
        };
        for message in out {
            if socket.send(Message::Text(message.to_string().into())).await.is_err() {
                metrics::gauge!("crisisbridge_eido_conveyance_connections").decrement(1.0);
                return;
            }
        }
    }
    metrics::gauge!("crisisbridge_eido_conveyance_connections").decrement(1.0);
}

/// Resolves at `at`, or never.
async fn due_at(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// The next committed event, or never while the connection has no subscription.
async fn next_event(
    live: Option<&mut broadcast::Receiver<RecordedEvent>>,
) -> Result<RecordedEvent, RecvError> {
    match live {
        Some(live) => live.recv().await,
        None => std::future::pending().await,
    }
}

/// What one connection remembers: the incident each of its requests for service opened or
/// updated, so that a `cancelRequest` can be told apart from a stranger's, and its
/// subscriptions with the live events they follow.
struct Connection {
    requests: HashMap<String, IncidentId>,
    /// When this connection last marked its session active.
    last_touch: Timestamp,
    /// Where the connection comes from, for the audit trail.
    client: String,
    subscriptions: Subscriptions,
    /// Committed events, while there is a subscription.
    live: Option<broadcast::Receiver<RecordedEvent>>,
    /// The last event the subscriptions have seen.
    last_seq: Seq,
}

impl Connection {
    async fn answer(&mut self, state: &AppState, caller: &Caller, text: &str) -> Vec<Value> {
        // A sender that keeps sending keeps its session: each message is activity.
        let now = state.clock.now();
        if now.as_millis() - self.last_touch.as_millis() >= crate::auth::TOUCH_EVERY_MS
            && state.store.touch_session(&caller.token_hash, now).await.is_ok()
        {
            self.last_touch = now;
        }
        let out = match Inbound::parse(text) {
            Err(Refused { request_id, why }) => vec![push_response(&request_id, 400, &why)],
            Ok(Inbound::RequestForService { request_id, eido }) => {
                vec![self.request_for_service(state, caller, request_id, &eido).await]
            }
            Ok(Inbound::Cancel { request_id }) => {
                vec![self.cancel(state, caller, &request_id).await]
            }
            Ok(Inbound::Subscribe(request)) => self.subscribe(state, caller, request).await,
            Ok(Inbound::Unsubscribe { request_id, subscription_id }) => {
                let code = if self.subscriptions.remove(&subscription_id) { 200 } else { 481 };
                if self.subscriptions.is_empty() {
                    self.live = None;
                }
                vec![messages::unsubscribe_response(&request_id, &subscription_id, code)]
            }
            Ok(Inbound::EventResponse { transaction_id, status }) => {
                if status != 200 {
                    tracing::info!(%transaction_id, status, "a subscriber refused a notification");
                }
                Vec::new()
            }
            Ok(Inbound::NotImplemented { request_id }) => {
                vec![messages::not_implemented(&request_id)]
            }
        };
        for answer in &out {
            let body = answer.as_object().and_then(|o| o.values().next());
            let code = ["responseCode", "statusCode"]
                .iter()
                .find_map(|key| body.and_then(|r| r.get(key)).and_then(Value::as_u64));
            if let Some(code) = code {
                metrics::counter!("crisisbridge_eido_conveyance_messages_total", "code" => code.to_string())
                    .increment(1);
            }
        }
        out
    }

    async fn request_for_service(
        &mut self,
        state: &AppState,
        caller: &Caller,
        request_id: String,
        eido: &Value,
    ) -> Value {
        let bytes = eido.to_string();
        let (received, recorded) = self
            .changing(caller, "requestForService", receive(state, caller, bytes.as_bytes()))
            .await;
        let ok = received.is_ok();
        let (answer, incident) = match received {
            Ok((status, incident)) => {
                let what = if status == StatusCode::CREATED { "opened" } else { "updated" };
                let text = format!("incident {} {what}", incident.id);
                self.requests.insert(request_id.clone(), incident.id);
                (push_response(&request_id, 200, &text), Some(incident.id))
            }
            Err(e) => (push_response(&request_id, code_of(&e), &e.message), None),
        };
        if recorded && ok {
            return answer;
        }
        self.audited(state, caller, "requestForService", incident, answer).await
    }

    /// Runs a message's change with its audit record riding into the change's transaction
    /// (see `crate::audit`); `true` when it did.
    async fn changing<T>(
        &self,
        caller: &Caller,
        message: &str,
        change: impl std::future::Future<Output = T>,
    ) -> (T, bool) {
        let request = std::sync::Arc::new(store::audit::RequestAudit::new(
            self.client.clone(),
            format!("WS /api/v1/eido/conveyance {message}"),
        ));
        request.set_who(caller.id(), caller.agency.id);
        let done = store::audit::REQUEST.scope(request.clone(), change).await;
        (done, request.recorded())
    }

    /// Records a message that read or changed an incident in the audit trail; a message whose
    /// record cannot be written is answered 500 (a change it made is already committed).
    async fn audited(
        &self,
        state: &AppState,
        caller: &Caller,
        message: &str,
        incident: Option<IncidentId>,
        answer: Value,
    ) -> Value {
        let response = answer.get("response");
        let code = response
            .and_then(|r| r.get("responseCode"))
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .unwrap_or_default();
        if self.record(state, caller, message, incident, code).await {
            return answer;
        }
        let request_id =
            response.and_then(|r| r.get("requestId")).and_then(Value::as_str).unwrap_or_default();
        push_response(
            request_id,
            500,
            "the message could not be recorded in the audit log; send it again",
        )
    }

    /// Writes the audit record of one message of this connection; `false` when it could not.
    async fn record(
        &self,
        state: &AppState,
        caller: &Caller,
        message: &str,
        incident: Option<IncidentId>,
        outcome: u16,
    ) -> bool {
        let entry = store::AuditEntry {
            at: state.clock.now(),
            user: Some(caller.id()),
            agency: Some(caller.agency.id),
            client: self.client.clone(),
            action: format!("WS /api/v1/eido/conveyance {message}"),
            incident,
            outcome,
        };
        crate::audit::write(state, entry).await
    }

    async fn cancel(&mut self, state: &AppState, caller: &Caller, request_id: &str) -> Value {
        let Some(&incident) = self.requests.get(request_id) else {
            return push_response(
                request_id,
                404,
                "no request for service with this requestId was made on this connection",
            );
        };
        let note = format!(
            "The sender cancelled its request for service {request_id}; the incident stays open until someone here closes it"
        );
        let text = Text::parse(&note, Text::SHORT_MAX).unwrap_or_default();
        let (noted, recorded) = self
            .changing(
                caller,
                "cancelRequest",
                state.incidents.add_note(&caller.incidents(), incident, text, None),
            )
            .await;
        let ok = noted.is_ok();
        let answer = match noted {
            Ok(_) => {
                self.requests.remove(request_id);
                push_response(
                    request_id,
                    200,
                    &format!("cancellation noted on incident {incident}"),
                )
            }
            Err(e) => {
                let e = ApiError::from(e);
                push_response(request_id, code_of(&e), &e.message)
            }
        };
        if recorded && ok {
            return answer;
        }
        self.audited(state, caller, "cancelRequest", Some(incident), answer).await
    }

    async fn subscribe(
        &mut self,
        state: &AppState,
        caller: &Caller,
        request: SubscribeRequest,
    ) -> Vec<Value> {
        let id = &request.request_id;
        let refuse =
            |code: u16, text: &str| vec![messages::subscribe_response(id, Err((code, text)))];
        let now = state.clock.now();
        let expires = subscriptions::granted_expires(request.expires);
        let expires_at = Timestamp::from_millis(now.as_millis() + expires * 1000);
        if let Some(existing) = &request.subscription_id {
            let renewed =
                self.subscriptions.renew(existing, expires_at, request.min_rate, request.max_rate);
            return match renewed {
                Some((_, rates)) => {
                    vec![messages::subscribe_response(id, Ok((existing, expires, rates)))]
                }
                None => refuse(481, "no such subscription on this connection"),
            };
        }
        if request.request_type.as_deref() != Some("EIDO") {
            return refuse(400, "requestType: give \"EIDO\" for a new subscription");
        }
        if request.has_qual_filter {
            return refuse(
                406,
                "qualFilter is not supported: subscribe to one incident or to new ones",
            );
        }
        if self.subscriptions.len() >= subscriptions::MAX_SUBSCRIPTIONS {
            return refuse(
                503,
                "this connection holds the most subscriptions it may; unsubscribe first",
            );
        }
        let scope = match (request.sub_type.as_deref(), &request.incident_id) {
            (Some("single"), Some(named)) => {
                let Some(incident) = subscriptions::incident_named(named) else {
                    return refuse(404, "incidentId: no incident of ours has this id");
                };
                match super::incidents::visible(state, caller, incident).await {
                    Ok(_) => Scope::Single(incident),
                    Err(e) if e.code == ErrorCode::NotFound => return refuse(404, &e.message),
                    Err(e) => return refuse(500, &e.message),
                }
            }
            (Some("single"), None) => {
                return refuse(400, "incidentId: give the incident to follow");
            }
            (Some("new"), None) => Scope::New,
            (Some("new"), Some(_)) => {
                return refuse(400, "incidentId: a \"new\" subscription names no incident");
            }
            (Some("resource"), _) => {
                return refuse(406, "resource subscriptions are not supported");
            }
            _ => return refuse(400, "requestSubType: give \"single\" or \"new\""),
        };
        if self.live.is_none() {
            self.live = Some(state.store.subscribe());
            self.last_seq = state.store.head().await.unwrap_or(self.last_seq);
        }
        let subscription_id = uuid::Uuid::now_v7().to_string();
        let rates = subscriptions::Rates::grant(request.min_rate, request.max_rate, scope);
        // A "single" subscription is sent its incident at once, below.
        let sent = matches!(scope, Scope::Single(_)).then(std::time::Instant::now);
        self.subscriptions.add(subscription_id.clone(), scope, expires_at, rates, sent);
        let mut out =
            vec![messages::subscribe_response(id, Ok((&subscription_id, expires, rates)))];
        if let Scope::Single(incident) = scope {
            out.extend(self.notification(state, caller, &subscription_id, incident).await);
        }
        out
    }

    /// The notifications one committed event brings.
    async fn notify(
        &mut self,
        state: &AppState,
        caller: &Caller,
        recorded: &RecordedEvent,
    ) -> Vec<Value> {
        // Already seen: brought up to date by `catch_up` after the receiver lagged.
        if recorded.seq <= self.last_seq {
            return Vec::new();
        }
        self.last_seq = recorded.seq;
        if !recorded.involved.contains(&caller.agency.id) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let now = std::time::Instant::now();
        for (subscription, incident) in self.subscriptions.for_event(recorded, now) {
            out.extend(self.notification(state, caller, &subscription, incident).await);
        }
        out
    }

    /// Notifications whose time has come: changes held back by `maxRate`, heartbeats of
    /// `minRate`.
    async fn release(&mut self, state: &AppState, caller: &Caller) -> Vec<Value> {
        let mut out = Vec::new();
        for (subscription, incident) in self.subscriptions.due(std::time::Instant::now()) {
            out.extend(self.notification(state, caller, &subscription, incident).await);
        }
        out
    }

    /// After falling behind the live events: every followed incident as it is now, and the
    /// incidents opened meanwhile for "new" subscriptions.
    async fn catch_up(&mut self, state: &AppState, caller: &Caller) -> Vec<Value> {
        let mut out = Vec::new();
        let now = std::time::Instant::now();
        for (subscription, incident) in self.subscriptions.singles(now) {
            out.extend(self.notification(state, caller, &subscription, incident).await);
        }
        let head = state.store.head().await.unwrap_or(self.last_seq);
        if self.subscriptions.has_new() {
            let mut after = self.last_seq;
            while let Ok(page) = state.store.events_after(after, Some(caller.agency.id), 500).await
            {
                let Some(last) = page.last().map(|r| r.seq) else { break };
                for recorded in
                    page.iter().filter(|r| matches!(r.event.kind, EventKind::Opened { .. }))
                {
                    for (subscription, incident) in self.subscriptions.for_event(recorded, now) {
                        out.extend(self.notification(state, caller, &subscription, incident).await);
                    }
                }
                after = last;
            }
        }
        self.last_seq = self.last_seq.max(head);
        out
    }

    /// One `event` with the incident's EIDO as it is now, audited as an export; nothing when
    /// the incident is no longer visible to the subscriber or the audit record cannot be
    /// written.
    async fn notification(
        &self,
        state: &AppState,
        caller: &Caller,
        subscription: &str,
        incident: IncidentId,
    ) -> Option<Value> {
        let found = super::incidents::visible(state, caller, incident).await.ok()?;
        let eido = match eido_of(state, &found, caller.agency.id).await {
            Ok(eido) => eido,
            Err(e) => {
                tracing::warn!(%incident, error = %e.message, "could not export a followed incident");
                return None;
            }
        };
        // An export the trail does not hold is not sent.
        if !self.record(state, caller, "event", Some(incident), 200).await {
            return None;
        }
        let transaction = uuid::Uuid::now_v7().to_string();
        Some(messages::event(subscription, &transaction, &eido))
    }

    /// `terminate` for every subscription expired at `now`, after the changes it still held
    /// back.
    async fn expire(&mut self, state: &AppState, caller: &Caller, now: Timestamp) -> Vec<Value> {
        let expired = self.subscriptions.take_expired(now);
        if self.subscriptions.is_empty() {
            self.live = None;
        }
        let mut out = Vec::new();
        for (id, held) in expired {
            for incident in held {
                out.extend(self.notification(state, caller, &id, incident).await);
            }
            out.push(messages::terminate(&uuid::Uuid::now_v7().to_string(), &id));
        }
        out
    }
}
