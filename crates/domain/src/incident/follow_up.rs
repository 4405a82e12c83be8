//! Follow-up after the contact: the call back a crisis center or a mobile crisis provider makes
//! within a day or two of an incident, with the person's consent.
//!
//! A follow-up is the incident's own record: `follow_up_scheduled` (by an agency's rule when the
//! incident closes, or by a person), then attempts (`follow_up_attempted`), then its end
//! (`follow_up_finished`). These are the only events a closed incident accepts. Each belongs to
//! one agency — the one whose care navigators make it — and only that agency sees it.
//!
//! Consent: a follow-up is scheduled only when the person agreed (`follow_up_consent`), or, where
//! the agency's rule says so, for a contact at imminent risk ([`Incident::imminent_risk`]),
//! which the task then carries visibly (`without_consent`).

use crate::contact::Text;
use crate::event::{Event, EventKind, TriageOutcome};
use crate::ids::{AgencyId, IncidentId};
use crate::time::Timestamp;

use super::{Incident, TransitionError};

/// The most attempts a follow-up may allow before it ends as unable to reach.
pub const MAX_ATTEMPTS: u8 = 10;

/// What one try to reach the person came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptResult {
    Reached,
    NoAnswer,
    Voicemail,
    /// The person said they do not want the follow-up.
    Declined,
    WrongNumber,
}

impl AttemptResult {
    pub const ALL: [Self; 5] =
        [Self::Reached, Self::NoAnswer, Self::Voicemail, Self::Declined, Self::WrongNumber];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::NoAnswer => "no_answer",
            Self::Voicemail => "voicemail",
            Self::Declined => "declined",
            Self::WrongNumber => "wrong_number",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the try did not reach the person: it counts against the attempts allowed.
    pub const fn missed(self) -> bool {
        matches!(self, Self::NoAnswer | Self::Voicemail | Self::WrongNumber)
    }
}

/// How a follow-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowUpOutcome {
    /// The person was reached and is well.
    ReachedAndWell,
    /// The person was reached and referred to a service (named in the detail).
    Referred,
    /// The person was reached and needs help again: a new incident was opened.
    Reopened,
    /// Every attempt allowed missed.
    UnableToReach,
    /// The person declined the follow-up.
    Declined,
}

impl FollowUpOutcome {
    pub const ALL: [Self; 5] =
        [Self::ReachedAndWell, Self::Referred, Self::Reopened, Self::UnableToReach, Self::Declined];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ReachedAndWell => "reached_and_well",
            Self::Referred => "referred",
            Self::Reopened => "reopened",
            Self::UnableToReach => "unable_to_reach",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One try to reach the person.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub at: Timestamp,
    pub actor: crate::event::Actor,
    pub result: AttemptResult,
    pub note: Text,
}

/// What a follow-up is asked to be, as `follow_up_scheduled` records it.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpPlan {
    /// The follow-up's number within the incident, from 1.
    pub number: u16,
    /// When it is due: a follow-up not finished by then is overdue.
    pub due: Timestamp,
    /// The agency's rule that made it; `None` for one a person added.
    pub rule: Option<String>,
    pub reason: Text,
    /// Made without the person's consent, because the contact was at imminent risk and the
    /// agency's rule follows such contacts up regardless.
    pub without_consent: bool,
    /// Missed attempts after which it ends as unable to reach.
    pub attempts_allowed: u8,
    /// How long after a missed attempt the next is due, in minutes.
    pub retry_minutes: u32,
}

/// A follow-up and how far it got.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub plan: FollowUpPlan,
    /// The agency whose navigators make it; the only one that sees it.
    pub agency: AgencyId,
    pub scheduled_at: Timestamp,
    pub actor: crate::event::Actor,
    /// When the next attempt is due: the plan's due time, moved on by each missed attempt.
    pub due: Timestamp,
    pub attempts: Vec<Attempt>,
    pub finished: Option<Finished>,
}

/// A follow-up's end.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub at: Timestamp,
    pub actor: crate::event::Actor,
    pub outcome: FollowUpOutcome,
    /// What the person was referred to, or what happened, in words.
    pub detail: Text,
    /// The incident opened for a person who needs help again.
    pub reopened_as: Option<IncidentId>,
}

impl FollowUp {
    /// Whether it is still to be done.
    pub const fn is_open(&self) -> bool {
        self.finished.is_none()
    }

    /// Whether it is open and its due time has passed at `now`.
    pub fn overdue_at(&self, now: Timestamp) -> bool {
        self.is_open() && self.due < now
    }

    /// Missed attempts so far.
    pub fn missed(&self) -> usize {
        self.attempts.iter().filter(|a| a.result.missed()).count()
    }
}

impl Incident {
    /// Whether the contact was at imminent risk: its protocol decided an emergency handoff
    /// (now or before a re-triage), or it was handed off to 911.
    pub fn imminent_risk(&self) -> bool {
        self.handoff.is_some()
            || self
                .triage
                .iter()
                .chain(&self.triage_history)
                .any(|t| t.outcome == TriageOutcome::EmergencyHandoff)
    }

    /// The follow-up numbered `number`.
    pub fn follow_up_numbered(&self, number: u16) -> Option<&FollowUp> {
        self.follow_ups.iter().find(|f| f.plan.number == number)
    }

    /// The number the next follow-up gets.
    pub fn next_follow_up_number(&self) -> u16 {
        self.follow_ups.iter().map(|f| f.plan.number).max().unwrap_or(0).saturating_add(1)
    }

    /// When `agency`'s first open follow-up is due, if it has one.
    pub fn follow_up_due(&self, agency: AgencyId) -> Option<Timestamp> {
        self.follow_ups.iter().filter(|f| f.agency == agency && f.is_open()).map(|f| f.due).min()
    }

    /// What Crisisbridge records by itself after a follow-up attempt, in the same commit: the
    /// follow-up's end when the person declined or every attempt allowed has missed.
    pub fn after_attempt(&self, number: u16) -> Option<EventKind> {
        let follow_up = self.follow_up_numbered(number).filter(|f| f.is_open())?;
        let last = follow_up.attempts.last()?;
        let outcome = if last.result == AttemptResult::Declined {
            FollowUpOutcome::Declined
        } else if follow_up.missed() >= usize::from(follow_up.plan.attempts_allowed) {
            FollowUpOutcome::UnableToReach
        } else {
            return None;
        };
        let detail = match outcome {
            FollowUpOutcome::Declined => "The person declined the follow-up.".to_owned(),
            _ => format!("{} attempts missed.", follow_up.missed()),
        };
        Some(EventKind::FollowUpFinished {
            number,
            outcome,
            detail: Text::parse(&detail, 200).unwrap_or_default(),
            reopened_as: None,
        })
    }
}

/// Whether a follow-up event may follow the incident's state. Changes nothing.
pub(super) fn check(incident: &Incident, event: &Event) -> Result<(), TransitionError> {
    use TransitionError as E;
    match &event.kind {
        EventKind::FollowUpConsentRecorded { .. } if incident.closure.is_some() => {
            Err(E::IncidentClosed)
        }
        EventKind::FollowUpScheduled(plan) => {
            if incident.follow_up_numbered(plan.number).is_some() {
                return Err(E::FollowUpExists(plan.number));
            }
            if plan.due < event.at {
                return Err(E::FollowUpDueInPast);
            }
            if plan.attempts_allowed == 0 || plan.attempts_allowed > MAX_ATTEMPTS {
                return Err(E::FollowUpAttempts);
            }
            if incident.follow_ups.iter().any(|f| f.agency == event.agency && f.is_open()) {
                return Err(E::FollowUpOpen);
            }
            match (incident.follow_up_consent, plan.without_consent) {
                (Some(true), false) => Ok(()),
                (_, true) if incident.imminent_risk() => Ok(()),
                (_, true) => Err(E::NotImminentRisk),
                (Some(false), false) => Err(E::FollowUpConsent("the person declined")),
                (None, false) => Err(E::FollowUpConsent("no consent is recorded")),
            }
        }
        EventKind::FollowUpAttempted { number, .. }
        | EventKind::FollowUpFinished { number, .. } => {
            let Some(follow_up) = incident.follow_up_numbered(*number) else {
                return Err(E::NoFollowUp(*number));
            };
            if follow_up.agency != event.agency {
                return Err(E::NotFollowUpOwner(*number));
            }
            if let Some(f) = &follow_up.finished {
                return Err(E::FollowUpFinished(*number, f.outcome.as_str()));
            }
            match &event.kind {
                EventKind::FollowUpFinished { outcome, reopened_as, .. }
                    if (*outcome == FollowUpOutcome::Reopened) != reopened_as.is_some() =>
                {
                    Err(E::ReopenedWithout)
                }
                EventKind::FollowUpAttempted { next_due: Some(next), .. } if *next < event.at => {
                    Err(E::FollowUpDueInPast)
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Applies a follow-up event that [`check`] let through.
pub(super) fn apply(incident: &mut Incident, event: &Event) {
    match &event.kind {
        EventKind::FollowUpConsentRecorded { given } => incident.follow_up_consent = Some(*given),
        EventKind::FollowUpScheduled(plan) => incident.follow_ups.push(FollowUp {
            plan: plan.clone(),
            agency: event.agency,
            scheduled_at: event.at,
            actor: event.actor,
            due: plan.due,
            attempts: Vec::new(),
            finished: None,
        }),
        EventKind::FollowUpAttempted { number, result, note, next_due } => {
            if let Some(f) = incident.follow_ups.iter_mut().find(|f| f.plan.number == *number) {
                f.attempts.push(Attempt {
                    at: event.at,
                    actor: event.actor,
                    result: *result,
                    note: note.clone(),
                });
                if let Some(next) = next_due {
                    f.due = *next;
                }
            }
        }
        EventKind::FollowUpFinished { number, outcome, detail, reopened_as } => {
            if let Some(f) = incident.follow_ups.iter_mut().find(|f| f.plan.number == *number) {
                f.finished = Some(Finished {
                    at: event.at,
                    actor: event.actor,
                    outcome: *outcome,
                    detail: detail.clone(),
                    reopened_as: *reopened_as,
                });
            }
        }
        _ => {}
    }
}

impl EventKind {
    /// Whether this is one of a follow-up's own events: the only events a closed incident
    /// accepts, seen only by the follow-up's agency, and not a part in the incident — an agency
    /// whose part ended works its follow-up without seeing the incident's later changes.
    pub const fn is_follow_up_work(&self) -> bool {
        matches!(
            self,
            Self::FollowUpScheduled(_)
                | Self::FollowUpAttempted { .. }
                | Self::FollowUpFinished { .. }
        )
    }
}
