//! The audit layer: every request to a route that reads, changes or exports incidents — and
//! every login and logout — leaves an audit record (who, when, from where, what, outcome) in
//! the store's hash-chained audit log ([`store::audit`]) before its answer leaves the server.
//!
//! Who: the [`crate::auth::Caller`] extractor fills the request's [`AuditSlot`] once it knows
//! the user, so a refused request is recorded without a user. From where: the peer address,
//! and what a proxy says in `X-Forwarded-For`. What: the method and the route template. The
//! incident: the `{id}` of an incident route, or the `Location` of a created one.
//!
//! When the record cannot be written, a read is answered `503` — nothing is shown that the
//! trail does not hold — and a change, already committed, is answered as it was, with the
//! failure logged and counted (`crisisbridge_audit_failures_total`): the event log itself
//! still holds who changed what.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::{AgencyId, IncidentId, UserId};
use store::AuditEntry;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Where the caller's identity is left for the audit layer.
#[derive(Debug, Clone, Default)]
pub struct AuditSlot(Arc<Mutex<Option<(UserId, AgencyId)>>>);

impl AuditSlot {
    pub fn set(&self, user: UserId, agency: AgencyId) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((user, agency));
        }
    }

    fn get(&self) -> Option<(UserId, AgencyId)> {
        self.0.lock().ok().and_then(|slot| *slot)
    }
}

/// Records the request in the audit log before answering.
pub async fn record(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let slot = AuditSlot::default();
    request.extensions_mut().insert(slot.clone());
    // Inside `/api/v1` the URI is the nested one; the original names the whole path.
    let path = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().path().to_owned(), |u| u.path().to_owned());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let action = format!("{} {route}", request.method());
    let read = request.method() == Method::GET;
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let client = client(peer, request.headers());
    let incident = incident_in(&path);
    let response = next.run(request).await;
    let incident = incident.or_else(|| {
        response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).and_then(incident_in)
    });
    let who = slot.get();
    let entry = AuditEntry {
        at: state.clock.now(),
        user: who.map(|(user, _)| user),
        agency: who.map(|(_, agency)| agency),
        client,
        action,
        incident,
        outcome: response.status().as_u16(),
    };
    if write(&state, entry).await || !read {
        response
    } else {
        ApiError::new(
            ErrorCode::Unavailable,
            "the request could not be recorded in the audit log, so its answer is withheld; retry in a moment",
        )
        .into_response()
    }
}

/// Writes one audit record; a failure is logged and counted
/// (`crisisbridge_audit_failures_total`) and answered `false`, for the caller to decide what
/// to withhold.
pub async fn write(state: &AppState, entry: AuditEntry) -> bool {
    match state.store.audit(entry).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, "could not write an audit record");
            metrics::counter!("crisisbridge_audit_failures_total").increment(1);
            false
        }
    }
}

/// The peer address, and the first address of `X-Forwarded-For` when a proxy sent one.
pub fn client(peer: Option<SocketAddr>, headers: &HeaderMap) -> String {
    let peer = peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string());
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    match forwarded {
        Some(origin) => format!("{origin} via {peer}"),
        None => peer,
    }
}

/// The incident a path names: `/api/v1/incidents/{id}…`.
fn incident_in(path: &str) -> Option<IncidentId> {
    let mut segments = path.trim_start_matches('/').split('/');
    let prefix = (segments.next(), segments.next(), segments.next());
    if prefix != (Some("api"), Some("v1"), Some("incidents")) {
        return None;
    }
    segments.next().and_then(|id| id.parse().ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn incidents_are_found_in_paths_and_locations() {
        let id = IncidentId::new(domain::Timestamp::from_millis(1));
        assert_eq!(incident_in(&format!("/api/v1/incidents/{id}")), Some(id));
        assert_eq!(incident_in(&format!("/api/v1/incidents/{id}/eido")), Some(id));
        assert_eq!(incident_in("/api/v1/incidents"), None);
        assert_eq!(incident_in("/api/v1/incidents/not-an-id"), None);
        assert_eq!(incident_in(&format!("/api/v1/teams/{id}")), None);
    }

    #[test]
    fn the_client_is_the_peer_and_who_a_proxy_forwarded_for() {
        let peer = Some(SocketAddr::from(([10, 0, 0, 2], 40000)));
        let mut headers = HeaderMap::new();
        assert_eq!(client(peer, &headers), "10.0.0.2");
        headers.insert("x-forwarded-for", "203.0.113.5, 10.0.0.9".parse().unwrap());
        assert_eq!(client(peer, &headers), "203.0.113.5 via 10.0.0.2");
        assert_eq!(client(None, &HeaderMap::new()), "unknown");
    }
}
