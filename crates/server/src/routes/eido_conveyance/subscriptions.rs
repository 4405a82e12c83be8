//! One connection's subscriptions (the subscribe/notify half of NENA-STA-024): to a single
//! incident (`requestSubType: "single"` with an `incidentId`) or to every new incident of the
//! subscriber's agency (`"new"`), each until it expires.

use std::collections::HashMap;

use domain::{EventKind, IncidentId, Timestamp};
use store::RecordedEvent;

/// Granted lifetimes, in seconds: the request's `expires` is kept within these.
pub(super) const MIN_EXPIRES_S: i64 = 60;
pub(super) const MAX_EXPIRES_S: i64 = 86_400;
pub(super) const DEFAULT_EXPIRES_S: i64 = 3_600;
/// The most subscriptions one connection holds.
pub(super) const MAX_SUBSCRIPTIONS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Single(IncidentId),
    New,
}

#[derive(Debug)]
struct Subscription {
    scope: Scope,
    expires_at: Timestamp,
}

#[derive(Debug, Default)]
pub(super) struct Subscriptions {
    by_id: HashMap<String, Subscription>,
}

impl Subscriptions {
    pub(super) fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.by_id.len()
    }

    pub(super) fn add(&mut self, id: String, scope: Scope, expires_at: Timestamp) {
        self.by_id.insert(id, Subscription { scope, expires_at });
    }

    /// Renews a subscription; answers its scope, or `None` when there is no such one.
    pub(super) fn renew(&mut self, id: &str, expires_at: Timestamp) -> Option<Scope> {
        let subscription = self.by_id.get_mut(id)?;
        subscription.expires_at = expires_at;
        Some(subscription.scope)
    }

    pub(super) fn remove(&mut self, id: &str) -> bool {
        self.by_id.remove(id).is_some()
    }

    /// The subscriptions an event concerns, each with the incident to send: a single
    /// incident's subscriptions on each of its events, "new" ones when an incident opens.
    pub(super) fn for_event(&self, recorded: &RecordedEvent) -> Vec<(String, IncidentId)> {
        let incident = recorded.event.incident;
        let opened = matches!(recorded.event.kind, EventKind::Opened { .. });
        let mut hits: Vec<(String, IncidentId)> = self
            .by_id
            .iter()
            .filter(|(_, s)| match s.scope {
                Scope::Single(id) => id == incident,
                Scope::New => opened,
            })
            .map(|(id, _)| (id.clone(), incident))
            .collect();
        hits.sort();
        hits
    }

    /// Every single-incident subscription, to bring up to date after missed events.
    pub(super) fn singles(&self) -> Vec<(String, IncidentId)> {
        let mut singles: Vec<(String, IncidentId)> = self
            .by_id
            .iter()
            .filter_map(|(id, s)| match s.scope {
                Scope::Single(incident) => Some((id.clone(), incident)),
                Scope::New => None,
            })
            .collect();
        singles.sort();
        singles
    }

    pub(super) fn has_new(&self) -> bool {
        self.by_id.values().any(|s| s.scope == Scope::New)
    }

    /// Removes and answers the subscriptions expired at `now`.
    pub(super) fn take_expired(&mut self, now: Timestamp) -> Vec<String> {
        let mut expired: Vec<String> = self
            .by_id
            .iter()
            .filter(|(_, s)| s.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        expired.sort();
        for id in &expired {
            self.by_id.remove(id);
        }
        expired
    }
}

/// The granted lifetime for a requested `expires`.
pub(super) fn granted_expires(requested: Option<i64>) -> i64 {
    requested.unwrap_or(DEFAULT_EXPIRES_S).clamp(MIN_EXPIRES_S, MAX_EXPIRES_S)
}

/// An incident named in a subscription: our id (a UUID) or the EIDO id our exports carry
/// (`urn:emergency:uid:incidentid:<32 hex digits>:<issuer>`).
pub(super) fn incident_named(id: &str) -> Option<IncidentId> {
    if let Ok(uuid) = id.parse::<uuid::Uuid>() {
        return Some(IncidentId::from_uuid(uuid));
    }
    let hex = id.strip_prefix("urn:emergency:uid:incidentid:")?.split(':').next()?;
    uuid::Uuid::try_parse(hex).ok().map(IncidentId::from_uuid)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn incidents_are_named_by_id_or_by_our_eido_id() {
        let id = IncidentId::new(Timestamp::from_millis(1));
        assert_eq!(incident_named(&id.to_string()), Some(id));
        let urn = format!(
            "urn:emergency:uid:incidentid:{}:lost.crisisbridge.local",
            id.as_uuid().simple()
        );
        assert_eq!(incident_named(&urn), Some(id));
        assert_eq!(incident_named("urn:emergency:uid:incidentid:cad0042:cad.example"), None);
        assert_eq!(incident_named("incident 12"), None);
    }

    #[test]
    fn lifetimes_are_kept_within_bounds_and_expire() {
        assert_eq!(granted_expires(None), DEFAULT_EXPIRES_S);
        assert_eq!(granted_expires(Some(5)), MIN_EXPIRES_S);
        assert_eq!(granted_expires(Some(10_000_000)), MAX_EXPIRES_S);
        let mut subs = Subscriptions::default();
        subs.add("a".into(), Scope::New, Timestamp::from_millis(1_000));
        subs.add("b".into(), Scope::New, Timestamp::from_millis(5_000));
        assert_eq!(subs.take_expired(Timestamp::from_millis(1_000)), ["a"]);
        assert_eq!(subs.len(), 1);
        assert!(subs.renew("b", Timestamp::from_millis(9_000)).is_some());
        assert!(subs.take_expired(Timestamp::from_millis(6_000)).is_empty());
        assert!(subs.renew("a", Timestamp::from_millis(9_000)).is_none());
    }
}
