//! One connection's subscriptions (the subscribe/notify half of NENA-STA-024): to a single
//! incident (`requestSubType: "single"` with an `incidentId`) or to every new incident of the
//! subscriber's agency (`"new"`), each until it expires, at the rates agreed:
//!
//! - `maxRate` (seconds): the least time between two notifications of a subscription. Changes
//!   within it are coalesced: when the time is up, one notification carries the incident as it
//!   is then (for "new", each incident opened meanwhile once).
//! - `minRate` (seconds, "single" only): the most time without a notification; when it passes
//!   with no change, the incident is sent as it is now, so the subscriber knows the link and
//!   the incident are alive. Never below [`MIN_HEARTBEAT_S`] nor below `maxRate`.
//!
//! Rates are kept on the monotonic clock of the connection (they pace a network link; they are
//! not times of the incident).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use domain::{EventKind, IncidentId, Timestamp};
use store::RecordedEvent;

/// Granted lifetimes, in seconds: the request's `expires` is kept within these.
pub(super) const MIN_EXPIRES_S: i64 = 60;
pub(super) const MAX_EXPIRES_S: i64 = 86_400;
pub(super) const DEFAULT_EXPIRES_S: i64 = 3_600;
/// The most subscriptions one connection holds.
pub(super) const MAX_SUBSCRIPTIONS: usize = 100;
/// The longest `maxRate` granted: a subscriber asking for less often than hourly gets hourly.
pub(super) const MAX_MAX_RATE_S: u32 = 3_600;
/// The shortest `minRate` granted: a heartbeat more often than this is load, not news.
pub(super) const MIN_HEARTBEAT_S: u32 = 10;

/// The rates granted to a subscription, in seconds; `None`: no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Rates {
    pub min_rate: Option<u32>,
    pub max_rate: Option<u32>,
}

impl Rates {
    /// The rates granted for those requested: `maxRate` within [0, [`MAX_MAX_RATE_S`]] (0 is
    /// no limit), `minRate` no lower than [`MIN_HEARTBEAT_S`] nor the granted `maxRate`, and
    /// none for a "new" subscription (it has no incident to repeat).
    pub(super) fn grant(min_rate: Option<u32>, max_rate: Option<u32>, scope: Scope) -> Self {
        let max_rate = max_rate.map(|r| r.min(MAX_MAX_RATE_S)).filter(|r| *r > 0);
        // 0 asks for no heartbeat, as a `maxRate` of 0 asks for no limit.
        let min_rate = match scope {
            Scope::Single(_) => min_rate
                .filter(|r| *r > 0)
                .map(|r| r.max(MIN_HEARTBEAT_S).max(max_rate.unwrap_or(0)).min(MAX_MIN_RATE_S)),
            Scope::New => None,
        };
        Self { min_rate, max_rate }
    }
}

/// The longest `minRate` granted: a day, the longest a subscription lives.
const MAX_MIN_RATE_S: u32 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Single(IncidentId),
    New,
}

#[derive(Debug)]
struct Subscription {
    scope: Scope,
    expires_at: Timestamp,
    rates: Rates,
    /// When the last notification was sent; `None` before the first.
    last_sent: Option<Instant>,
    /// Incidents changed since then, held back by `maxRate`.
    pending: BTreeSet<IncidentId>,
}

impl Subscription {
    /// When held-back changes may go, if any are held: at once when the rates no longer hold
    /// them back (a renewal lifted `maxRate`).
    fn release_at(&self, now: Instant) -> Option<Instant> {
        if self.pending.is_empty() {
            return None;
        }
        let last = self.last_sent?;
        Some(self.rates.max_rate.map_or(now, |r| last + secs(r)))
    }

    /// When a heartbeat is due, for a "single" subscription with a `minRate`.
    fn heartbeat_at(&self) -> Option<Instant> {
        Some(self.last_sent? + secs(self.rates.min_rate?))
    }

    /// Whether a change may go at `now` (the `maxRate` window has passed).
    fn open(&self, now: Instant) -> bool {
        match (self.rates.max_rate, self.last_sent) {
            (Some(r), Some(last)) => now >= last + secs(r),
            _ => true,
        }
    }
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
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

    /// Adds a subscription; `sent` is when its first notification went (a "single" one
    /// gets the incident at once), `None` when none has yet.
    pub(super) fn add(
        &mut self,
        id: String,
        scope: Scope,
        expires_at: Timestamp,
        rates: Rates,
        sent: Option<Instant>,
    ) {
        let subscription =
            Subscription { scope, expires_at, rates, last_sent: sent, pending: BTreeSet::new() };
        self.by_id.insert(id, subscription);
    }

    /// Renews a subscription, with new rates when the renewal asks for them; answers its scope
    /// and the rates now granted, or `None` when there is no such one.
    pub(super) fn renew(
        &mut self,
        id: &str,
        expires_at: Timestamp,
        min_rate: Option<u32>,
        max_rate: Option<u32>,
    ) -> Option<(Scope, Rates)> {
        let subscription = self.by_id.get_mut(id)?;
        subscription.expires_at = expires_at;
        if min_rate.is_some() || max_rate.is_some() {
            subscription.rates = Rates::grant(
                min_rate.or(subscription.rates.min_rate),
                max_rate.or(subscription.rates.max_rate),
                subscription.scope,
            );
        }
        Some((subscription.scope, subscription.rates))
    }

    pub(super) fn remove(&mut self, id: &str) -> bool {
        self.by_id.remove(id).is_some()
    }

    /// The notifications an event calls for now, each a subscription with the incident to
    /// send: a single incident's subscriptions on each of its events, "new" ones when an
    /// incident opens. A subscription inside its `maxRate` holds the incident back instead
    /// ([`Subscriptions::due`] releases it).
    pub(super) fn for_event(
        &mut self,
        recorded: &RecordedEvent,
        now: Instant,
    ) -> Vec<(String, IncidentId)> {
        let incident = recorded.event.incident;
        let opened = matches!(recorded.event.kind, EventKind::Opened { .. });
        let concerned: Vec<String> = self
            .by_id
            .iter()
            .filter(|(_, s)| match s.scope {
                Scope::Single(id) => id == incident,
                Scope::New => opened,
            })
            .map(|(id, _)| id.clone())
            .collect();
        self.offer(concerned.into_iter().map(|id| (id, incident)).collect(), now)
    }

    /// Every single-incident subscription's incident, to bring up to date after missed
    /// events, within each one's `maxRate` like any change.
    pub(super) fn singles(&mut self, now: Instant) -> Vec<(String, IncidentId)> {
        let singles: Vec<(String, IncidentId)> = self
            .by_id
            .iter()
            .filter_map(|(id, s)| match s.scope {
                Scope::Single(incident) => Some((id.clone(), incident)),
                Scope::New => None,
            })
            .collect();
        self.offer(singles, now)
    }

    /// Sends at once what its subscription's `maxRate` allows, holds back the rest.
    fn offer(
        &mut self,
        changes: Vec<(String, IncidentId)>,
        now: Instant,
    ) -> Vec<(String, IncidentId)> {
        let mut send = Vec::new();
        for (id, incident) in changes {
            let Some(s) = self.by_id.get_mut(&id) else { continue };
            if s.open(now) && s.pending.is_empty() {
                s.last_sent = Some(now);
                send.push((id, incident));
            } else {
                s.pending.insert(incident);
            }
        }
        send.sort();
        send
    }

    /// What is due at `now`: changes held back whose `maxRate` window has passed, and a
    /// heartbeat for each "single" subscription whose `minRate` has passed without a
    /// notification.
    pub(super) fn due(&mut self, now: Instant) -> Vec<(String, IncidentId)> {
        let mut send = Vec::new();
        for (id, s) in &mut self.by_id {
            let release = s.release_at(now).is_some_and(|at| at <= now);
            let heartbeat = s.heartbeat_at().is_some_and(|at| at <= now);
            if !(release || heartbeat) {
                continue;
            }
            // Either way something goes now, so both times move on: held changes first (the
            // incident as it is now is also the heartbeat), else the incident itself.
            s.last_sent = Some(now);
            if !s.pending.is_empty() {
                send.extend(std::mem::take(&mut s.pending).into_iter().map(|i| (id.clone(), i)));
            } else if let Scope::Single(incident) = s.scope {
                send.push((id.clone(), incident));
            }
        }
        send.sort();
        send
    }

    /// The next time [`Subscriptions::due`] has something to send, if ever.
    pub(super) fn next_due(&self, now: Instant) -> Option<Instant> {
        self.by_id
            .values()
            .filter_map(|s| match (s.release_at(now), s.heartbeat_at()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            })
            .min()
    }

    pub(super) fn has_new(&self) -> bool {
        self.by_id.values().any(|s| s.scope == Scope::New)
    }

    /// Removes and answers the subscriptions expired at `now`, each with the changes it still
    /// held back (to send before it ends).
    pub(super) fn take_expired(&mut self, now: Timestamp) -> Vec<(String, Vec<IncidentId>)> {
        let mut expired: Vec<String> = self
            .by_id
            .iter()
            .filter(|(_, s)| s.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        expired.sort();
        expired
            .into_iter()
            .map(|id| {
                let held = self.by_id.remove(&id).map(|s| s.pending.into_iter().collect());
                (id, held.unwrap_or_default())
            })
            .collect()
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
        subs.add("a".into(), Scope::New, Timestamp::from_millis(1_000), Rates::default(), None);
        subs.add("b".into(), Scope::New, Timestamp::from_millis(5_000), Rates::default(), None);
        assert_eq!(subs.take_expired(Timestamp::from_millis(1_000)), [("a".to_owned(), vec![])]);
        assert_eq!(subs.len(), 1);
        assert!(subs.renew("b", Timestamp::from_millis(9_000), None, None).is_some());
        assert!(subs.take_expired(Timestamp::from_millis(6_000)).is_empty());
        assert!(subs.renew("a", Timestamp::from_millis(9_000), None, None).is_none());
    }

    #[test]
    fn rates_are_granted_within_bounds() {
        let single = Scope::Single(IncidentId::new(Timestamp::from_millis(1)));
        assert_eq!(Rates::grant(None, None, single), Rates::default());
        assert_eq!(
            Rates::grant(Some(1), Some(0), single),
            Rates { min_rate: Some(MIN_HEARTBEAT_S), max_rate: None }
        );
        // minRate is never below maxRate; maxRate is at most an hour.
        assert_eq!(
            Rates::grant(Some(20), Some(30), single),
            Rates { min_rate: Some(30), max_rate: Some(30) }
        );
        assert_eq!(Rates::grant(None, Some(99_999), single).max_rate, Some(MAX_MAX_RATE_S));
        // A "new" subscription has no incident to repeat: no minRate.
        assert_eq!(
            Rates::grant(Some(60), Some(5), Scope::New),
            Rates { min_rate: None, max_rate: Some(5) }
        );
    }

    fn opened(incident: IncidentId, seq: u64) -> RecordedEvent {
        recorded(incident, seq, true)
    }

    fn recorded(incident: IncidentId, seq: u64, opened: bool) -> RecordedEvent {
        let agency = domain::AgencyId::new(Timestamp::from_millis(1));
        let kind = if opened {
            EventKind::Opened {
                channel: domain::Channel::Nine11,
                location: domain::Location::Unknown,
                callback: None,
                summary: domain::Text::default(),
            }
        } else {
            EventKind::Located { location: domain::Location::Unknown }
        };
        RecordedEvent {
            seq,
            event: domain::Event {
                incident,
                at: Timestamp::from_millis(1),
                actor: domain::event::Actor::System,
                agency,
                kind,
            },
            involved: vec![agency],
        }
    }

    #[test]
    fn changes_within_max_rate_are_coalesced_and_released_when_it_passes() {
        let incident = IncidentId::new(Timestamp::from_millis(1));
        let t0 = Instant::now();
        let mut subs = Subscriptions::default();
        let rates = Rates::grant(None, Some(5), Scope::Single(incident));
        let far = Timestamp::from_millis(i64::MAX / 2);
        subs.add("s".into(), Scope::Single(incident), far, rates, Some(t0));
        // Three changes inside the window: none goes at once, one goes when it passes.
        for (seq, after) in [(1, 1), (2, 2), (3, 4)] {
            let at = t0 + Duration::from_secs(after);
            assert!(subs.for_event(&recorded(incident, seq, false), at).is_empty());
        }
        assert_eq!(subs.next_due(t0), Some(t0 + Duration::from_secs(5)));
        assert!(subs.due(t0 + Duration::from_millis(4_999)).is_empty());
        assert_eq!(subs.due(t0 + Duration::from_secs(5)), [("s".to_owned(), incident)]);
        assert!(subs.due(t0 + Duration::from_secs(60)).is_empty(), "sent once");
        assert_eq!(subs.next_due(t0), None);
        // A change after the window goes at once.
        let later = t0 + Duration::from_secs(11);
        assert_eq!(subs.for_event(&recorded(incident, 4, false), later).len(), 1);
    }

    #[test]
    fn min_rate_repeats_a_quiet_incident_and_new_subscriptions_keep_every_incident() {
        let incident = IncidentId::new(Timestamp::from_millis(1));
        let t0 = Instant::now();
        let far = Timestamp::from_millis(i64::MAX / 2);
        let mut subs = Subscriptions::default();
        let rates = Rates::grant(Some(30), None, Scope::Single(incident));
        subs.add("s".into(), Scope::Single(incident), far, rates, Some(t0));
        assert_eq!(subs.next_due(t0), Some(t0 + Duration::from_secs(30)));
        // A change resets the heartbeat.
        let t10 = t0 + Duration::from_secs(10);
        assert_eq!(subs.for_event(&recorded(incident, 1, false), t10).len(), 1);
        assert!(subs.due(t0 + Duration::from_secs(30)).is_empty());
        assert_eq!(subs.due(t0 + Duration::from_secs(40)), [("s".to_owned(), incident)]);
        assert_eq!(subs.next_due(t0), Some(t0 + Duration::from_secs(70)));

        // "new" with maxRate: the first incident goes at once (nothing was sent before), those
        // opened inside the window after it each go once when it passes.
        let mut subs = Subscriptions::default();
        subs.add("n".into(), Scope::New, far, Rates::grant(None, Some(10), Scope::New), None);
        let (a, b, c) = (
            IncidentId::new(Timestamp::from_millis(2)),
            IncidentId::new(Timestamp::from_millis(3)),
            IncidentId::new(Timestamp::from_millis(4)),
        );
        assert_eq!(subs.for_event(&opened(a, 1), t0), [("n".to_owned(), a)]);
        assert!(subs.for_event(&opened(b, 2), t0 + Duration::from_secs(1)).is_empty());
        assert!(subs.for_event(&opened(c, 3), t0 + Duration::from_secs(2)).is_empty());
        let mut released = subs.due(t0 + Duration::from_secs(10));
        released.sort_by_key(|(_, i)| *i);
        assert_eq!(released, [("n".to_owned(), b), ("n".to_owned(), c)]);
    }

    #[test]
    fn lifting_max_rate_releases_held_changes_and_the_loop_always_moves_on() {
        let incident = IncidentId::new(Timestamp::from_millis(1));
        let t0 = Instant::now();
        let far = Timestamp::from_millis(i64::MAX / 2);
        let mut subs = Subscriptions::default();
        let rates = Rates::grant(Some(60), Some(60), Scope::Single(incident));
        subs.add("s".into(), Scope::Single(incident), far, rates, Some(t0));
        let t5 = t0 + Duration::from_secs(5);
        assert!(subs.for_event(&recorded(incident, 1, false), t5).is_empty());
        // The subscriber renews without a limit: what was held goes at once.
        subs.renew("s", far, None, Some(0));
        let t6 = t0 + Duration::from_secs(6);
        assert_eq!(subs.next_due(t6), Some(t6));
        assert_eq!(subs.due(t6), [("s".to_owned(), incident)]);
        // Whatever is due, a call to `due` moves the next due time past `now`.
        for later in [61, 200, 1000] {
            let at = t0 + Duration::from_secs(later);
            subs.due(at);
            assert!(subs.next_due(at).is_none_or(|next| next > at), "{later}");
        }
        // minRate 0 asks for no heartbeat.
        assert_eq!(Rates::grant(Some(0), None, Scope::Single(incident)).min_rate, None);
        // An expiring subscription hands back what it held.
        let mut subs = Subscriptions::default();
        let rates = Rates::grant(None, Some(60), Scope::Single(incident));
        subs.add("s".into(), Scope::Single(incident), Timestamp::from_millis(10), rates, Some(t0));
        assert!(subs.for_event(&recorded(incident, 1, false), t5).is_empty());
        assert_eq!(
            subs.take_expired(Timestamp::from_millis(10)),
            [("s".to_owned(), vec![incident])]
        );
    }
}
