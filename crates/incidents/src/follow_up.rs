//! Follow-up after the contact: agencies' rules that make follow-ups when an incident closes,
//! follow-ups a person adds, and the care navigator's work on them — attempts, the end, a new
//! incident for a person who needs help again — and the queue they work from.
//!
//! The rules come from the services file (`[[follow_up]]`, see `docs/services-file.md`) and are
//! kept as one setting ([`RULES_SETTING`]), read when an incident closes. The follow-ups a rule
//! makes are committed in the same batch as the `closed` event, so a close never ends without
//! them; their due times live in the incident's projection and the agency's queue, so a
//! restart loses none.

use domain::incident::{AttemptResult, FollowUpOutcome, FollowUpPlan, MAX_ATTEMPTS};
use domain::{
    AgencyId, AgencyKind, Channel, Disposition, Event, EventKind, Incident, IncidentId, Permission,
    Text, Timestamp, TriageOutcome,
};
use serde::{Deserialize, Serialize};

use crate::record::NewIncident;
use crate::service::{by, system};
use crate::{Caller, Committed, IncidentError, IncidentService, Result};

/// The setting the rules are kept in, as JSON.
pub const RULES_SETTING: &str = "follow_up_rules";

/// The longest a follow-up may be due after it is made, and the longest between attempts.
pub const MAX_DUE_HOURS: u32 = 720;

/// One agency's rule: when an incident it took part in closes and every condition given holds,
/// its care navigators follow the person up within `within_hours`. An agency's first rule that
/// holds makes its follow-up; the others are not tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub agency: AgencyId,
    /// Stable, shown on the follow-up: `elevated-risk-callback`.
    pub name: String,
    /// The channels it applies to; empty for any.
    pub channels: Vec<Channel>,
    /// The triage rules (of any protocol) whose decision it applies to; empty for any.
    pub decision_rules: Vec<String>,
    /// The triage outcomes it applies to; empty for any.
    pub outcomes: Vec<TriageOutcome>,
    /// How the incident closed; empty for any.
    pub dispositions: Vec<Disposition>,
    /// Only when a team of the agency went (a mobile crisis response).
    pub team_sent: bool,
    pub within_hours: u32,
    pub attempts: u8,
    pub retry_hours: u32,
    /// A contact at imminent risk is followed up even without consent (and the follow-up
    /// says so).
    pub imminent_risk_without_consent: bool,
}

impl Rule {
    /// Whether the rule holds for `incident` (closed) and its agency took part to the end.
    fn holds(&self, incident: &Incident) -> bool {
        let decision = incident.triage.as_ref();
        incident.involved.contains(&self.agency)
            && incident.cutoff_for(self.agency).is_none()
            && (self.channels.is_empty() || self.channels.contains(&incident.channel))
            && (self.decision_rules.is_empty()
                || decision.is_some_and(|d| self.decision_rules.contains(&d.rule)))
            && (self.outcomes.is_empty()
                || decision.is_some_and(|d| self.outcomes.contains(&d.outcome)))
            && (self.dispositions.is_empty()
                || incident
                    .closure
                    .as_ref()
                    .is_some_and(|c| self.dispositions.contains(&c.disposition)))
            && (!self.team_sent || incident.responders.contains(&self.agency))
    }
}

/// Serde for the stored rules: ids and enums by their names.
mod names {
    use super::{AgencyId, Channel, Disposition, TriageOutcome};
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

    macro_rules! by_name {
        ($t:ty, $what:literal) => {
            impl Serialize for Named<$t> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(self.0.as_str())
                }
            }
            impl<'de> Deserialize<'de> for Named<$t> {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let s = String::deserialize(d)?;
                    <$t>::parse(&s).map(Named).ok_or_else(|| {
                        D::Error::custom(format!(concat!("unknown ", $what, " {:?}"), s))
                    })
                }
            }
        };
    }

    pub struct Named<T>(pub T);
    by_name!(Channel, "channel");
    by_name!(Disposition, "disposition");
    by_name!(TriageOutcome, "triage outcome");

    impl Serialize for Named<AgencyId> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&self.0.to_string())
        }
    }
    impl<'de> Deserialize<'de> for Named<AgencyId> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            String::deserialize(d)?.parse().map(Named).map_err(D::Error::custom)
        }
    }
}

/// A rule as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredRule {
    agency: names::Named<AgencyId>,
    name: String,
    channels: Vec<names::Named<Channel>>,
    decision_rules: Vec<String>,
    outcomes: Vec<names::Named<TriageOutcome>>,
    dispositions: Vec<names::Named<Disposition>>,
    team_sent: bool,
    within_hours: u32,
    attempts: u8,
    retry_hours: u32,
    imminent_risk_without_consent: bool,
}

/// The rules as the setting keeps them.
pub fn encode_rules(rules: &[Rule]) -> String {
    let stored: Vec<StoredRule> = rules
        .iter()
        .map(|r| StoredRule {
            agency: names::Named(r.agency),
            name: r.name.clone(),
            channels: r.channels.iter().copied().map(names::Named).collect(),
            decision_rules: r.decision_rules.clone(),
            outcomes: r.outcomes.iter().copied().map(names::Named).collect(),
            dispositions: r.dispositions.iter().copied().map(names::Named).collect(),
            team_sent: r.team_sent,
            within_hours: r.within_hours,
            attempts: r.attempts,
            retry_hours: r.retry_hours,
            imminent_risk_without_consent: r.imminent_risk_without_consent,
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads what [`encode_rules`] wrote.
pub fn decode_rules(json: &str) -> Result<Vec<Rule>> {
    let stored: Vec<StoredRule> = serde_json::from_str(json).map_err(|e| {
        IncidentError::Internal(format!("the stored follow-up rules cannot be read: {e}"))
    })?;
    Ok(stored
        .into_iter()
        .map(|r| Rule {
            agency: r.agency.0,
            name: r.name,
            channels: r.channels.into_iter().map(|n| n.0).collect(),
            decision_rules: r.decision_rules,
            outcomes: r.outcomes.into_iter().map(|n| n.0).collect(),
            dispositions: r.dispositions.into_iter().map(|n| n.0).collect(),
            team_sent: r.team_sent,
            within_hours: r.within_hours,
            attempts: r.attempts,
            retry_hours: r.retry_hours,
            imminent_risk_without_consent: r.imminent_risk_without_consent,
        })
        .collect())
}

/// The follow-ups `rules` make for `closed` (the incident as its close leaves it), at `at`:
/// per agency without an open follow-up, its first rule that holds — when the person
/// consented, or, where the rule says so, without consent for a contact at imminent risk.
pub fn planned(closed: &Incident, rules: &[Rule], at: Timestamp) -> Vec<Event> {
    let mut events = Vec::new();
    let mut served: Vec<AgencyId> = Vec::new();
    let mut number = closed.next_follow_up_number();
    for rule in rules.iter().filter(|r| r.holds(closed)) {
        // One open follow-up per agency: one added by hand before the close stands.
        let has_one = closed.follow_ups.iter().any(|f| f.agency == rule.agency && f.is_open());
        if has_one || served.contains(&rule.agency) {
            continue;
        }
        // A rule that needs consent the person did not give makes nothing; the agency's later
        // rules are still tried (one for imminent risk without consent, say).
        let without_consent = match closed.follow_up_consent {
            Some(true) => false,
            _ if rule.imminent_risk_without_consent && closed.imminent_risk() => true,
            _ => continue,
        };
        served.push(rule.agency);
        let reason = if without_consent {
            format!(
                "Rule {}: contact at imminent risk, followed up without consent as the rule says",
                rule.name
            )
        } else {
            format!("Rule {}: the person agreed to be contacted again", rule.name)
        };
        let plan = FollowUpPlan {
            number,
            due: hours_after(at, rule.within_hours),
            rule: Some(rule.name.clone()),
            reason: crate::service::text(&reason, Text::SHORT_MAX),
            without_consent,
            attempts_allowed: rule.attempts,
            retry_minutes: rule.retry_hours.saturating_mul(60),
        };
        events.push(system(at, closed.id, rule.agency, EventKind::FollowUpScheduled(plan)));
        number = number.saturating_add(1);
    }
    events
}

fn hours_after(at: Timestamp, hours: u32) -> Timestamp {
    Timestamp::from_millis(at.as_millis().saturating_add(i64::from(hours) * 3_600_000))
}

/// A follow-up a person adds.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    /// Hours from now until it is due, 1 to [`MAX_DUE_HOURS`].
    pub due_in_hours: u32,
    pub reason: Text,
    /// Missed attempts before it ends as unable to reach, 1 to 10.
    pub attempts: u8,
    /// Hours between attempts, 1 to [`MAX_DUE_HOURS`].
    pub retry_hours: u32,
}

/// A try to reach the person, as the navigator logs it.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub number: u16,
    pub result: AttemptResult,
    pub note: Text,
    /// After a missed try: hours until the next, instead of the follow-up's own interval.
    pub next_in_hours: Option<u32>,
}

impl IncidentService {
    /// The stored follow-up rules (none until a services file gives some).
    pub async fn follow_up_rules(&self) -> Result<Vec<Rule>> {
        match self.store.setting(RULES_SETTING).await? {
            Some(json) => decode_rules(&json),
            None => Ok(Vec::new()),
        }
    }

    /// Records whether the person agreed to be contacted again. Anyone who may add notes may.
    pub async fn record_follow_up_consent(
        &self,
        caller: &Caller,
        id: IncidentId,
        given: bool,
    ) -> Result<Committed> {
        caller.require(Permission::IncidentNote)?;
        self.acting(caller, id).await?;
        let kind = EventKind::FollowUpConsentRecorded { given };
        self.commit(vec![by(caller, self.clock.now(), id, kind)]).await
    }

    /// A follow-up for the caller's agency's care navigators, added by hand: with the
    /// person's consent, or, for a contact at imminent risk, where one of the agency's rules
    /// follows such contacts up regardless.
    pub async fn schedule_follow_up(
        &self,
        caller: &Caller,
        id: IncidentId,
        new: NewFollowUp,
    ) -> Result<Committed> {
        caller.require(Permission::FollowUpSchedule)?;
        check_hours("due_in_hours", new.due_in_hours)?;
        check_hours("retry_hours", new.retry_hours)?;
        if new.attempts == 0 || new.attempts > MAX_ATTEMPTS {
            return Err(IncidentError::field(
                "attempts",
                format!("{} given; use 1 to {MAX_ATTEMPTS}", new.attempts),
            ));
        }
        // Visibility first: an incident the agency may not see does not exist for it.
        let incident = self.acting(caller, id).await?;
        works_follow_ups(caller)?;
        let without_consent = incident.follow_up_consent != Some(true)
            && incident.imminent_risk()
            && self
                .follow_up_rules()
                .await?
                .iter()
                .any(|r| r.agency == caller.agency.id && r.imminent_risk_without_consent);
        let now = self.clock.now();
        let plan = FollowUpPlan {
            number: incident.next_follow_up_number(),
            due: hours_after(now, new.due_in_hours),
            rule: None,
            reason: new.reason,
            without_consent,
            attempts_allowed: new.attempts,
            retry_minutes: new.retry_hours.saturating_mul(60),
        };
        self.commit(vec![by(caller, now, id, EventKind::FollowUpScheduled(plan))]).await
    }

    /// Logs a try to reach the person. A missed try moves the follow-up's due time on; a
    /// declined one, or the last missed try allowed, ends it in the same commit.
    pub async fn log_follow_up_attempt(
        &self,
        caller: &Caller,
        id: IncidentId,
        attempt: NewAttempt,
    ) -> Result<Committed> {
        caller.require(Permission::FollowUpWork)?;
        if let Some(hours) = attempt.next_in_hours {
            check_hours("next_in_hours", hours)?;
        }
        let incident = self.visible(caller, id).await?;
        let retry = incident
            .follow_up_numbered(attempt.number)
            .filter(|f| f.agency == caller.agency.id)
            .map_or(60, |f| f.plan.retry_minutes);
        let now = self.clock.now();
        let next_due = attempt.result.missed().then(|| {
            let minutes = attempt.next_in_hours.map_or(retry, |h| h.saturating_mul(60));
            Timestamp::from_millis(now.as_millis().saturating_add(i64::from(minutes) * 60_000))
        });
        let logged = by(
            caller,
            now,
            id,
            EventKind::FollowUpAttempted {
                number: attempt.number,
                result: attempt.result,
                note: attempt.note,
                next_due,
            },
        );
        let mut after = incident.clone();
        after.apply(&logged)?;
        let mut events = vec![logged];
        if let Some(end) = after.after_attempt(attempt.number) {
            events.push(system(now, id, caller.agency.id, end));
        }
        self.commit(events).await
    }

    /// Ends a follow-up: `reached_and_well`, `referred` (say to what), or `reopened` — a new
    /// incident of the caller's agency is opened for the person (same location, number and
    /// details), and the follow-up names it. `unable_to_reach` and `declined` come from the
    /// attempts, or may be recorded here with what happened.
    pub async fn finish_follow_up(
        &self,
        caller: &Caller,
        id: IncidentId,
        number: u16,
        outcome: FollowUpOutcome,
        detail: Text,
    ) -> Result<(Committed, Option<Committed>)> {
        caller.require(Permission::FollowUpWork)?;
        if outcome == FollowUpOutcome::Referred && detail.as_str().trim().is_empty() {
            return Err(IncidentError::field("detail", "say what the person was referred to"));
        }
        let incident = self.visible(caller, id).await?;
        let end = |reopened_as| EventKind::FollowUpFinished {
            number,
            outcome,
            detail: detail.clone(),
            reopened_as,
        };
        // Refuse before opening anything: the follow-up must be the agency's and open.
        let now = self.clock.now();
        let probe = IncidentId::new(now);
        let reopened = (outcome == FollowUpOutcome::Reopened).then_some(probe);
        incident.clone().apply(&by(caller, now, id, end(reopened)))?;
        let opened = if outcome == FollowUpOutcome::Reopened {
            // What the agency may see of the person: as of its part, if that ended.
            let incident = self.as_seen(caller.agency.id, incident.clone()).await?;
            let summary = format!(
                "Follow-up of incident {id}: {}",
                if detail.as_str().is_empty() { "needs help again" } else { detail.as_str() }
            );
            let new = NewIncident {
                channel: Channel::Other,
                location: incident.location.clone(),
                callback: incident.callback.clone(),
                summary: crate::service::text(&summary, Text::SUMMARY_MAX),
                contact: incident.contact.clone(),
                address: incident.address.clone(),
            };
            Some(self.open(caller, new).await?)
        } else {
            None
        };
        let reopened_as = opened.as_ref().map(|c| c.incident.id);
        let finished = self.commit(vec![by(caller, self.clock.now(), id, end(reopened_as))]).await;
        match finished {
            Ok(finished) => Ok((finished, opened)),
            Err(e) => Err(match reopened_as {
                Some(new) => IncidentError::Conflict(format!(
                    "incident {new} was opened for the person, but the follow-up could not record it ({e}); note it on incident {id}"
                )),
                None => e,
            }),
        }
    }

    /// The caller's agency's follow-up queue: the first `limit`, soonest due first, and how
    /// many are overdue now.
    pub async fn follow_up_queue(
        &self,
        caller: &Caller,
        limit: u32,
    ) -> Result<store::FollowUpQueue> {
        caller.require(Permission::FollowUpWork)?;
        let mut queue =
            self.store.follow_up_queue(caller.agency.id, self.clock.now(), limit).await?;
        let mut seen = Vec::with_capacity(queue.incidents.len());
        for incident in std::mem::take(&mut queue.incidents) {
            seen.push(self.as_seen(caller.agency.id, incident).await?);
        }
        queue.incidents = seen;
        Ok(queue)
    }
}

/// Only agencies with care navigators follow people up.
fn works_follow_ups(caller: &Caller) -> Result<()> {
    match caller.agency.kind {
        AgencyKind::CrisisCenter | AgencyKind::MobileCrisisProvider => Ok(()),
        kind => Err(IncidentError::Conflict(format!(
            "a {} has no care navigators to follow people up; the crisis center or mobile crisis provider on the incident does",
            kind.as_str()
        ))),
    }
}

fn check_hours(field: &str, hours: u32) -> Result<()> {
    if (1..=MAX_DUE_HOURS).contains(&hours) {
        Ok(())
    } else {
        Err(IncidentError::field(field, format!("{hours} given; use 1 to {MAX_DUE_HOURS} hours")))
    }
}
