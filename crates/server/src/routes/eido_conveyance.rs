//! NENA-STA-024 EIDO conveyance over a WebSocket: `GET /api/v1/eido/conveyance` upgrades, and a
//! CAD (or any NG9-1-1 system) pushes `requestForService` messages — an EIDO and a request id —
//! to hand a call to Crisisbridge. Each is imported exactly like `POST /api/v1/eido` (opened
//! once per sender's incident id, updated after) and answered with a `response` carrying the
//! request id and a SIP-style `responseCode`: 200 when the incident is durably opened or
//! updated, 400 with the JSON path when the EIDO cannot be used (nothing changes), 513 when it
//! is too large, 404 when it names an incident the sender cannot see, 503 while the server is
//! shutting down, 500 when the store failed (nothing was recorded).
//!
//! `cancelRequest` for a request this connection made adds a note to its incident and is
//! answered 200; Crisisbridge never closes a crisis contact on a sender's word, a person
//! decides. The subscribe/notify half of STA-024 and the other push messages are answered
//! `501 Not implemented`, as the standard provides. Messages are handled one at a time, in
//! order; the connection ends when its session is logged out or goes idle.

use std::collections::HashMap;

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{EventKind, IncidentId, Permission, Text, Timestamp};
use serde_json::{Value, json};

use super::eido::receive;
use super::incidents::event;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// The largest message: an EIDO at its limit and its envelope.
const MAX_MESSAGE_BYTES: usize = interop::eido::MAX_EIDO_BYTES + 4096;
/// The longest request id we keep and echo.
const MAX_REQUEST_ID: usize = 256;
/// Messages of STA-024 that Crisisbridge does not implement, answered 501.
const NOT_IMPLEMENTED: [&str; 9] = [
    "subscribe",
    "unsubscribe",
    "eventResponse",
    "terminateResponse",
    "resourceMessage",
    "requestAwareness",
    // The schema's own spelling of `requestAwareness`.
    "requestAwarenes",
    "resourceDiscovery",
    "resourceDiscoveryResponse",
];

/// Open the EIDO conveyance WebSocket.
#[utoipa::path(get, path = "/api/v1/eido/conveyance", tag = "eido",
    description = "Upgrades to a WebSocket carrying NENA-STA-024 JSON messages: send \
        `{\"requestForService\":{\"requestId\":\"…\",\"eido\":{…}}}` and get \
        `{\"response\":{\"requestId\":\"…\",\"responseCode\":200,\"responseText\":\"…\"}}`. \
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
    let client = crate::audit::client(peer.map(|Extension(ConnectInfo(p))| p), &headers);
    Ok(upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(state, caller, client, socket)))
}

/// Answers one connection's messages in order until it closes or its session ends.
async fn serve(state: AppState, caller: Caller, client: String, mut socket: WebSocket) {
    metrics::gauge!("crisisbridge_eido_conveyance_connections").increment(1.0);
    let mut connection =
        Connection { requests: HashMap::new(), last_touch: state.clock.now(), client };
    let mut check = tokio::time::interval(state.settings.stream_session_check);
    loop {
        let message = tokio::select! {
            _ = check.tick() => {
                if !super::stream::session_alive(&state, &caller.token_hash).await {
                    let frame = CloseFrame {
                        code: close_code::POLICY,
                        reason: "the session ended; log in again".into(),
                    };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
                continue;
            }
            message = socket.recv() => message,
        };
        let answer = match message {
            None | Some(Err(_) | Ok(Message::Close(_))) => break,
            Some(Ok(Message::Text(text))) => {
                connection.answer(&state, &caller, text.as_str()).await
            }
            Some(Ok(Message::Binary(_))) => {
                push_response("", 400, "send each message as a text frame of JSON")
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
        };
        if socket.send(Message::Text(answer.to_string().into())).await.is_err() {
            break;
        }
    }
    metrics::gauge!("crisisbridge_eido_conveyance_connections").decrement(1.0);
}

/// What one connection remembers: the incident each of its requests for service opened or
/// updated, so that a `cancelRequest` can be told apart from a stranger's.
struct Connection {
    requests: HashMap<String, IncidentId>,
    /// When this connection last marked its session active.
    last_touch: Timestamp,
    /// Where the connection comes from, for the audit trail.
    client: String,
}

impl Connection {
    async fn answer(&mut self, state: &AppState, caller: &Caller, text: &str) -> Value {
        // A sender that keeps sending keeps its session: each message is activity.
        let now = state.clock.now();
        if now.as_millis() - self.last_touch.as_millis() >= crate::auth::TOUCH_EVERY_MS
            && state.store.touch_session(&caller.token_hash, now).await.is_ok()
        {
            self.last_touch = now;
        }
        let answer = match Inbound::parse(text) {
            Err(Refused { request_id, why }) => push_response(&request_id, 400, &why),
            Ok(Inbound::RequestForService { request_id, eido }) => {
                self.request_for_service(state, caller, request_id, &eido).await
            }
            Ok(Inbound::Cancel { request_id }) => self.cancel(state, caller, &request_id).await,
            Ok(Inbound::NotImplemented { request_id }) => json!({
                "response": {
                    "requestId": request_id,
                    "statusCode": 501,
                    "statusText": "Not implemented",
                }
            }),
        };
        let response = answer.get("response");
        let code = ["responseCode", "statusCode"]
            .iter()
            .find_map(|key| response.and_then(|r| r.get(key)).and_then(Value::as_u64))
            .unwrap_or_default();
        metrics::counter!("crisisbridge_eido_conveyance_messages_total", "code" => code.to_string())
            .increment(1);
        answer
    }

    async fn request_for_service(
        &mut self,
        state: &AppState,
        caller: &Caller,
        request_id: String,
        eido: &Value,
    ) -> Value {
        let bytes = eido.to_string();
        let (answer, incident) = match receive(state, caller, bytes.as_bytes()).await {
            Ok((status, incident)) => {
                let what = if status == StatusCode::CREATED { "opened" } else { "updated" };
                let text = format!("incident {} {what}", incident.id);
                self.requests.insert(request_id.clone(), incident.id);
                (push_response(&request_id, 200, &text), Some(incident.id))
            }
            Err(e) => (push_response(&request_id, code_of(&e), &e.message), None),
        };
        self.audited(state, caller, "requestForService", incident, answer).await
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
        let entry = store::AuditEntry {
            at: state.clock.now(),
            user: Some(caller.id()),
            agency: Some(caller.agency.id),
            client: self.client.clone(),
            action: format!("WS /api/v1/eido/conveyance {message}"),
            incident,
            outcome: code,
        };
        match state.store.audit(entry).await {
            Ok(()) => answer,
            Err(e) => {
                tracing::error!(error = %e, "could not write an audit record");
                metrics::counter!("crisisbridge_audit_failures_total").increment(1);
                let request_id = response
                    .and_then(|r| r.get("requestId"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                push_response(
                    request_id,
                    500,
                    "the message could not be recorded in the audit log; send it again",
                )
            }
        }
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
        let kind =
            EventKind::NoteAdded { text: Text::parse(&note, Text::SHORT_MAX).unwrap_or_default() };
        let answer = match state
            .store
            .append(vec![event(state.clock.now(), caller, incident, kind)])
            .await
        {
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
        self.audited(state, caller, "cancelRequest", Some(incident), answer).await
    }
}

/// A message as received.
#[derive(Debug)]
enum Inbound {
    RequestForService { request_id: String, eido: Value },
    Cancel { request_id: String },
    NotImplemented { request_id: String },
}

/// A message that could not be read: answered 400 with what to fix.
#[derive(Debug)]
struct Refused {
    request_id: String,
    why: String,
}

impl Inbound {
    fn parse(text: &str) -> Result<Self, Refused> {
        let refused =
            |request_id: &str, why: String| Refused { request_id: request_id.into(), why };
        let value: Value = serde_json::from_str(text)
            .map_err(|e| refused("", format!("the message is not JSON: {e}")))?;
        let Some(object) = value.as_object().filter(|o| o.len() == 1) else {
            return Err(refused(
                "",
                "send one JSON object with one member naming the message, such as {\"requestForService\": {…}}".into(),
            ));
        };
        let Some((kind, body)) = object.iter().next() else {
            return Err(refused("", "the message is empty".into()));
        };
        let request_id = request_id_of(body);
        match kind.as_str() {
            "requestForService" => {
                let request_id = required_request_id(kind, body)?;
                let eido =
                    body.get("eido").filter(|e| e.is_object()).cloned().ok_or_else(|| {
                        refused(
                            &request_id,
                            "requestForService.eido: give the EIDO as a JSON object".into(),
                        )
                    })?;
                Ok(Self::RequestForService { request_id, eido })
            }
            // The schema spells it `cancelREequest`; both are accepted.
            "cancelRequest" | "cancelREequest" => {
                Ok(Self::Cancel { request_id: required_request_id(kind, body)? })
            }
            k if NOT_IMPLEMENTED.contains(&k) => Ok(Self::NotImplemented { request_id }),
            other => Err(refused(
                &request_id,
                format!(
                    "{other:?} is not a NENA-STA-024 message; send requestForService or cancelRequest"
                ),
            )),
        }
    }
}

/// The message's `requestId`, when it has a usable one, else empty.
fn request_id_of(body: &Value) -> String {
    body.get("requestId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= MAX_REQUEST_ID)
        .unwrap_or_default()
        .to_owned()
}

fn required_request_id(kind: &str, body: &Value) -> Result<String, Refused> {
    let id = request_id_of(body);
    if id.is_empty() {
        return Err(Refused {
            request_id: String::new(),
            why: format!(
                "{kind}.requestId: give the request's id, a string of 1 to {MAX_REQUEST_ID} bytes"
            ),
        });
    }
    Ok(id)
}

/// A `response` to a push message (STA-024's responseToRequest).
fn push_response(request_id: &str, code: u16, text: &str) -> Value {
    json!({ "response": { "requestId": request_id, "responseCode": code, "responseText": text } })
}

/// The STA-024 response code for an error of the import.
fn code_of(e: &ApiError) -> u16 {
    match e.code {
        ErrorCode::PayloadTooLarge => 513,
        ErrorCode::NotFound => 404,
        ErrorCode::Forbidden | ErrorCode::AccountLocked => 403,
        ErrorCode::Unavailable => 503,
        ErrorCode::Internal => 500,
        ErrorCode::InvalidTransition | ErrorCode::Duplicate => 488,
        _ => 400,
    }
}
