//! `POST /lost`: the LoST (RFC 5222) endpoint, for NG911 systems and other clients that ask
//! "who serves this location for this service" in the field's own protocol. Like `/healthz`,
//! it needs no login: LoST clients are call-routing systems, and the answers hold only what
//! the deployment publishes (agencies, their URIs and service boundaries) — never an incident.
//!
//! LoST answers, errors included, are `200 OK` with `application/lost+xml` (RFC 5222 carries
//! its exceptions in the document); HTTP errors are only for HTTP-level problems: a body that
//! is not XML by its content type (415) or too large (413).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use interop::lost::{self, ErrorKind, LostError};

use crate::state::AppState;

/// The media type of LoST messages (RFC 5222 §16).
pub const LOST_MEDIA_TYPE: &str = "application/lost+xml";

/// Answer a LoST request.
#[utoipa::path(post, path = "/lost", tag = "lost",
    request_body(content = String, content_type = "application/lost+xml",
        description = "A LoST findService, listServices, listServicesByLocation or getServiceBoundary request"),
    responses(
        (status = 200, content_type = "application/lost+xml", body = String,
            description = "the LoST response, or LoST <errors>"),
        (status = 413, description = "the body is over 64 KiB"),
        (status = 415, content_type = "application/lost+xml", body = String,
            description = "not sent as application/lost+xml (or application/xml, text/xml)"),
    ),
    security(()))]
pub async fn lost(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let source = &state.settings.lost_source;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if ![LOST_MEDIA_TYPE, "application/xml", "text/xml"].contains(&media.as_str()) {
        let e = LostError::new(
            ErrorKind::BadRequest,
            format!("send LoST requests as {LOST_MEDIA_TYPE}, not {media:?}"),
        );
        metrics::counter!("crisisbridge_lost_answers_total", "request" => "invalid", "outcome" => "badRequest")
            .increment(1);
        return xml(StatusCode::UNSUPPORTED_MEDIA_TYPE, lost::write_errors(source, &[e]));
    }
    let table = state.routing.current();
    let now = state.clock.now();
    let peers = state.settings.lost_peers.as_deref();
    let answer = match crate::lost::answer(table.as_deref(), source, now, &body, peers) {
        crate::lost::Reply::Answer(answer) => answer,
        crate::lost::Reply::Ask { peer, request, path } => {
            let relayed = match peers {
                Some(peers) => peers.ask(&peer, request, &body, &path, source).await,
                None => {
                    Err(LostError::new(ErrorKind::InternalError, "no LoST peers are configured"))
                }
            };
            match relayed {
                Ok(body) => crate::lost::Answer { body, request, outcome: "relayed" },
                Err(e) => {
                    tracing::warn!(peer = %peer.name, error = %e.message, "a LoST peer could not answer; answering from our own data");
                    crate::lost::answer_after_peer_failure(table.as_deref(), source, now, &body, e)
                }
            }
        }
    };
    metrics::counter!("crisisbridge_lost_answers_total", "request" => answer.request, "outcome" => answer.outcome)
        .increment(1);
    xml(StatusCode::OK, answer.body)
}

/// The router's fallback: LoST at `/lost` spelled in any case — peers are configured with
/// `/LoST` and `/LOST` as often as `/lost` — and 404 for every other path.
pub async fn any_case(state: State<AppState>, request: axum::extract::Request) -> Response {
    // The path first: a request to an unknown path is answered 404 without reading its body.
    if !request.uri().path().eq_ignore_ascii_case("/lost") {
        return crate::error::ApiError::not_found("this path").into_response();
    }
    if request.method() != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")]).into_response();
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await {
        Ok(body) => lost(state, parts.headers, body).await,
        Err(_) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    }
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, LOST_MEDIA_TYPE)], body).into_response()
}
