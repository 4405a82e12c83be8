//! The audit layer: every request to a route that reads, changes or exports incidents — and
//! every login and logout — leaves an audit record (who, when, from where, what, outcome) in
//! the store's hash-chained audit log ([`store::audit`]) before its answer leaves the server.
//!
//! Who: the [`crate::auth::Caller`] extractor fills the request's [`AuditSlot`] once it knows
//! the user, so a refused request is recorded without a user. From where: the peer address,
//! and what a trusted proxy says in `X-Forwarded-For` ([`client`]). What: the method and the route template. The
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

/// Where the caller's identity — and, for a login, what became of the attempt — is left for
/// the audit layer.
#[derive(Debug, Clone, Default)]
pub struct AuditSlot(Arc<Mutex<Slot>>);

#[derive(Debug, Default)]
struct Slot {
    /// The request as the store's writer records it with the changes it commits.
    request: Option<Arc<store::audit::RequestAudit>>,
    who: Option<(UserId, AgencyId)>,
    detail: Option<&'static str>,
    /// Incidents a list answer shows, each to get a record on its own trail.
    disclosed: Vec<IncidentId>,
}

impl AuditSlot {
    pub fn set(&self, user: UserId, agency: AgencyId) {
        if let Ok(mut slot) = self.0.lock() {
            slot.who = Some((user, agency));
            if let Some(request) = &slot.request {
                request.set_who(user, agency);
            }
        }
    }

    /// What the record should say beyond the route and status, e.g. why a login failed,
    /// which the caller is not told.
    pub fn detail(&self, detail: &'static str) {
        if let Ok(mut slot) = self.0.lock() {
            slot.detail = Some(detail);
        }
    }

    /// Says what the change discloses, in its audit records (a 42 CFR 2.51 medical emergency
    /// disclosure, say).
    pub fn disclosure(&self, detail: String) {
        if let Ok(slot) = self.0.lock()
            && let Some(request) = &slot.request
        {
            request.set_detail(detail);
        }
    }

    /// The incidents an answer discloses besides the one its path names (a list, a queue).
    pub fn disclosed(&self, incidents: impl IntoIterator<Item = IncidentId>) {
        if let Ok(mut slot) = self.0.lock() {
            slot.disclosed.extend(incidents);
        }
    }

    fn get(&self) -> (Option<(UserId, AgencyId)>, Option<&'static str>) {
        self.0.lock().map(|slot| (slot.who, slot.detail)).unwrap_or_default()
    }

    fn take_disclosed(&self) -> Vec<IncidentId> {
        self.0.lock().map(|mut slot| std::mem::take(&mut slot.disclosed)).unwrap_or_default()
    }
}

/// Records the request in the audit log before answering.
///
/// The handler and the record run as their own task: a client that hangs up mid-request
/// does not cancel a change half-way or leave it unrecorded.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let task = tokio::spawn(record_to_end(state, request, next));
    match task.await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "an audited request stopped");
            ApiError::new(ErrorCode::Internal, "the request stopped unexpectedly; it was logged")
                .into_response()
        }
    }
}

async fn record_to_end(state: AppState, mut request: Request, next: Next) -> Response {
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
    let mut action = format!("{} {route}", request.method());
    let read = request.method() == Method::GET;
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let mut client = client(peer, request.headers(), &state.settings.trusted_proxies);
    // A machine peer's client certificate names it better than its address.
    if let Some(fingerprint) = request
        .extensions()
        .get::<crate::tls::PeerCertificate>()
        .and_then(crate::tls::PeerCertificate::fingerprint)
    {
        client = format!("{client} cert sha256:{}", fingerprint.get(..16).unwrap_or_default());
    }
    let incident = incident_in(&path);
    // A change's record commits with the change itself, in the store's transaction.
    let response = if read {
        next.run(request).await
    } else {
        let changes = Arc::new(store::audit::RequestAudit::new(client.clone(), action.clone()));
        if let Ok(mut inner) = slot.0.lock() {
            inner.request = Some(changes.clone());
        }
        let response = store::audit::REQUEST.scope(changes.clone(), next.run(request)).await;
        if changes.recorded() && response.status().is_success() {
            return response;
        }
        response
    };
    let incident = incident.or_else(|| {
        response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).and_then(incident_in)
    });
    let (who, detail) = slot.get();
    if let Some(detail) = detail {
        action = format!("{action}: {detail}");
    }
    let entry = AuditEntry {
        at: state.clock.now(),
        user: who.map(|(user, _)| user),
        agency: who.map(|(_, agency)| agency),
        client,
        action,
        incident,
        outcome: response.status().as_u16(),
    };
    // A list's answer discloses each incident in it: one record on each one's trail too.
    let disclosed = slot.take_disclosed();
    let mut entries = Vec::with_capacity(1 + disclosed.len());
    entries.extend(disclosed.into_iter().map(|id| AuditEntry {
        incident: Some(id),
        action: format!("{}: listed", entry.action),
        ..entry.clone()
    }));
    entries.insert(0, entry);
    if write_all(&state, entries).await || !read {
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
    write_all(state, vec![entry]).await
}

/// Writes audit records together, in order, like [`write`].
pub async fn write_all(state: &AppState, entries: Vec<AuditEntry>) -> bool {
    match state.store.audit_all(entries).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, "could not write an audit record");
            metrics::counter!("crisisbridge_audit_failures_total").increment(1);
            false
        }
    }
}

/// Who sent the request: the peer address, or — when the peer is a trusted proxy — the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy, recorded as
/// `client via peer`. From an untrusted peer the header is ignored: anyone can write it.
pub fn client(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> String {
    let Some(peer) = peer.map(|p| p.ip()) else {
        return "unknown".to_owned();
    };
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    // The right end was added by the proxy nearest us; walk left past our own proxies.
    let origin = hops
        .iter()
        .rev()
        .find(|hop| hop.parse::<std::net::IpAddr>().map_or(true, |ip| !is_trusted(&ip)));
    match origin {
        Some(origin) => {
            // An address, or what the proxy wrote, cut short and kept to printable characters.
            let origin: String = origin.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
            format!("{origin} via {peer}")
        }
        None => peer.to_string(),
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
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let peer = Some(SocketAddr::from(([10, 0, 0, 2], 40000)));
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let mut headers = HeaderMap::new();
        assert_eq!(client(peer, &headers, &trusted), "10.0.0.2");
        headers.insert("x-forwarded-for", "198.51.100.7, 203.0.113.5, 10.0.0.9".parse().unwrap());
        // The nearest untrusted hop: what our own proxies saw, not what the client claimed.
        assert_eq!(client(peer, &headers, &trusted), "203.0.113.5 via 10.0.0.2");
        // From an untrusted peer the header is ignored.
        assert_eq!(client(peer, &headers, &[]), "10.0.0.2");
        let outsider = Some(SocketAddr::from(([192, 0, 2, 1], 1)));
        assert_eq!(client(outsider, &headers, &trusted), "192.0.2.1");
        // Only our own proxies in the chain: the peer itself.
        headers.insert("x-forwarded-for", "10.0.0.9".parse().unwrap());
        assert_eq!(client(peer, &headers, &trusted), "10.0.0.2");
        assert_eq!(client(None, &HeaderMap::new(), &trusted), "unknown");
    }
}
