//! Follow-ups as stored: the plan an event records and the state a projection keeps.

use domain::incident::{Attempt, AttemptResult, Finished, FollowUp, FollowUpOutcome, FollowUpPlan};
use domain::{AgencyId, IncidentId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{actor_of, actor_row, corrupt, text};
use crate::Result;

/// A follow-up's plan, in `follow_up_scheduled` and in the projection.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanRow {
    number: u16,
    due: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
    reason: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    without_consent: bool,
    attempts_allowed: u8,
    retry_minutes: u32,
}

impl From<&FollowUpPlan> for PlanRow {
    fn from(p: &FollowUpPlan) -> Self {
        Self {
            number: p.number,
            due: p.due.as_millis(),
            rule: p.rule.clone(),
            reason: p.reason.as_str().to_owned(),
            without_consent: p.without_consent,
            attempts_allowed: p.attempts_allowed,
            retry_minutes: p.retry_minutes,
        }
    }
}

impl TryFrom<PlanRow> for FollowUpPlan {
    type Error = crate::StoreError;

    fn try_from(p: PlanRow) -> Result<Self> {
        Ok(Self {
            number: p.number,
            due: Timestamp::from_millis(p.due),
            rule: p.rule,
            reason: text(&p.reason)?,
            without_consent: p.without_consent,
            attempts_allowed: p.attempts_allowed,
            retry_minutes: p.retry_minutes,
        })
    }
}

pub(crate) fn attempt_result(s: &str) -> Result<AttemptResult> {
    AttemptResult::parse(s).ok_or_else(|| corrupt(format!("unknown attempt result {s:?}")))
}

pub(crate) fn outcome(s: &str) -> Result<FollowUpOutcome> {
    FollowUpOutcome::parse(s).ok_or_else(|| corrupt(format!("unknown follow-up outcome {s:?}")))
}

/// A follow-up in the projection.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FollowUpRow {
    plan: PlanRow,
    agency: Uuid,
    scheduled_at: i64,
    actor: Option<Uuid>,
    due: i64,
    /// `(at, actor, result, note)`.
    attempts: Vec<(i64, Option<Uuid>, String, String)>,
    finished: Option<FinishedRow>,
}

/// `(at, actor, outcome, detail, reopened as)`.
type FinishedRow = (i64, Option<Uuid>, String, String, Option<Uuid>);

impl From<&FollowUp> for FollowUpRow {
    fn from(f: &FollowUp) -> Self {
        Self {
            plan: (&f.plan).into(),
            agency: f.agency.as_uuid(),
            scheduled_at: f.scheduled_at.as_millis(),
            actor: actor_row(f.actor),
            due: f.due.as_millis(),
            attempts: f
                .attempts
                .iter()
                .map(|a| {
                    (
                        a.at.as_millis(),
                        actor_row(a.actor),
                        a.result.as_str().to_owned(),
                        a.note.as_str().to_owned(),
                    )
                })
                .collect(),
            finished: f.finished.as_ref().map(|d| {
                (
                    d.at.as_millis(),
                    actor_row(d.actor),
                    d.outcome.as_str().to_owned(),
                    d.detail.as_str().to_owned(),
                    d.reopened_as.map(|i| i.as_uuid()),
                )
            }),
        }
    }
}

impl TryFrom<FollowUpRow> for FollowUp {
    type Error = crate::StoreError;

    fn try_from(f: FollowUpRow) -> Result<Self> {
        Ok(Self {
            plan: f.plan.try_into()?,
            agency: AgencyId::from_uuid(f.agency),
            scheduled_at: Timestamp::from_millis(f.scheduled_at),
            actor: actor_of(f.actor),
            due: Timestamp::from_millis(f.due),
            attempts: f
                .attempts
                .into_iter()
                .map(|(at, actor, result, note)| {
                    Ok(Attempt {
                        at: Timestamp::from_millis(at),
                        actor: actor_of(actor),
                        result: attempt_result(&result)?,
                        note: text(&note)?,
                    })
                })
                .collect::<Result<_>>()?,
            finished: f
                .finished
                .map(|(at, actor, o, detail, reopened)| {
                    Ok::<_, crate::StoreError>(Finished {
                        at: Timestamp::from_millis(at),
                        actor: actor_of(actor),
                        outcome: outcome(&o)?,
                        detail: text(&detail)?,
                        reopened_as: reopened.map(IncidentId::from_uuid),
                    })
                })
                .transpose()?,
        })
    }
}
