//! Follow-up after the contact: the agency's queue (`GET /api/v1/follow-ups`), adding one by
//! hand, logging an attempt, and ending one (`/api/v1/incidents/{id}/follow-ups…`).
//!
//! A follow-up is the incident's own record, seen only by the agency that makes it; the
//! incident service checks consent, ownership and state, and commits. Recording consent is an
//! incident action (`record_follow_up_consent`, or `follow_up_consent` on `close`).

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::incident::{AttemptResult, FollowUp, FollowUpOutcome};
use domain::{Permission, Text};
use incidents::follow_up::{NewAttempt, NewFollowUp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::actions::ActionResult;
use super::incidents::parse_id;
use crate::auth::Caller;
use crate::dto::{self, IncidentDto};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

/// A follow-up as the API shows it (only to its own agency).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FollowUpDto {
    /// Its number within the incident, from 1.
    pub number: u16,
    /// The agency whose care navigators make it.
    pub agency: Uuid,
    /// The agency's rule that made it; absent for one a person added.
    pub rule: Option<String>,
    pub reason: String,
    /// Made without the person's consent, because the contact was at imminent risk and the
    /// agency's rule follows such contacts up regardless.
    pub without_consent: bool,
    pub scheduled_at: i64,
    /// When it was first due.
    pub first_due: i64,
    /// When the next attempt is due (moved on by missed attempts); past it, it is overdue.
    pub due: i64,
    /// Missed attempts after which it ends as unable to reach.
    pub attempts_allowed: u8,
    pub attempts: Vec<AttemptDto>,
    /// `reached_and_well`, `referred`, `reopened`, `unable_to_reach` or `declined`; absent
    /// while open.
    pub outcome: Option<String>,
    pub finished_at: Option<i64>,
    /// What the person was referred to, or what happened.
    pub detail: Option<String>,
    /// The new incident opened for a person who needed help again.
    pub reopened_as: Option<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptDto {
    pub at: i64,
    /// The navigator; absent when Crisisbridge recorded it.
    pub by: Option<Uuid>,
    /// `reached`, `no_answer`, `voicemail`, `declined` or `wrong_number`.
    pub result: String,
    pub note: String,
}

impl From<&FollowUp> for FollowUpDto {
    fn from(f: &FollowUp) -> Self {
        Self {
            number: f.plan.number,
            agency: f.agency.as_uuid(),
            rule: f.plan.rule.clone(),
            reason: f.plan.reason.as_str().to_owned(),
            without_consent: f.plan.without_consent,
            scheduled_at: f.scheduled_at.as_millis(),
            first_due: f.plan.due.as_millis(),
            due: f.due.as_millis(),
            attempts_allowed: f.plan.attempts_allowed,
            attempts: f
                .attempts
                .iter()
                .map(|a| AttemptDto {
                    at: a.at.as_millis(),
                    by: match a.actor {
                        domain::event::Actor::User(u) => Some(u.as_uuid()),
                        domain::event::Actor::System => None,
                    },
                    result: a.result.as_str().to_owned(),
                    note: a.note.as_str().to_owned(),
                })
                .collect(),
            outcome: f.finished.as_ref().map(|d| d.outcome.as_str().to_owned()),
            finished_at: f.finished.as_ref().map(|d| d.at.as_millis()),
            detail: f.finished.as_ref().map(|d| d.detail.as_str().to_owned()),
            reopened_as: f.finished.as_ref().and_then(|d| d.reopened_as).map(|i| i.as_uuid()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// At most this many, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// The agency's open follow-ups.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QueueDto {
    /// How many are open in all.
    pub total: u64,
    /// How many of them are past their due time now.
    pub overdue: u64,
    /// The first `limit` incidents with an open follow-up of the agency's, soonest due first;
    /// each incident's `follow_ups` are the agency's own.
    pub incidents: Vec<IncidentDto>,
}

/// The caller's agency's follow-up queue, soonest due first. Every incident shown is audited
/// as a read.
#[utoipa::path(get, path = "/api/v1/follow-ups", tag = "follow-ups", params(QueueQuery),
    responses((status = 200, body = QueueDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<QueueDto>> {
    caller.require(Permission::FollowUpWork)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let limit = super::page_limit(query.limit, 50, 200)?;
    let queue = state.incidents.follow_up_queue(&caller.incidents(), limit).await?;
    caller.disclosed(queue.incidents.iter().map(|i| i.id));
    Ok(Json(QueueDto {
        total: queue.total,
        overdue: queue.overdue,
        incidents: queue
            .incidents
            .iter()
            .map(|i| IncidentDto::seen_by(i, caller.agency.id))
            .collect(),
    }))
}

/// A follow-up added by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFollowUpDto {
    /// Hours from now until it is due, 1 to 720.
    pub due_in_hours: u32,
    /// Why, in a sentence (up to 500 characters).
    pub reason: String,
    /// Missed attempts before it ends as unable to reach, 1 to 10 (default 3).
    #[serde(default)]
    pub attempts: Option<u8>,
    /// Hours between attempts, 1 to 720 (default 4).
    #[serde(default)]
    pub retry_hours: Option<u32>,
}

/// Adds a follow-up for the caller's agency's care navigators: with the person's consent
/// recorded, or, for a contact at imminent risk, where one of the agency's rules follows such
/// contacts up regardless (the follow-up then says so).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/follow-ups", tag = "follow-ups",
    params(("id" = Uuid, Path, description = "incident id")), request_body = NewFollowUpDto,
    responses((status = 200, body = ActionResult), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn schedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewFollowUpDto>,
) -> ApiResult<Json<ActionResult>> {
    let id = parse_id(&id)?;
    caller.require(Permission::FollowUpSchedule)?;
    let new = NewFollowUp {
        due_in_hours: body.due_in_hours,
        reason: dto::parse_required_text("reason", &body.reason, Text::SHORT_MAX)?,
        attempts: body.attempts.unwrap_or(3),
        retry_hours: body.retry_hours.unwrap_or(4),
    };
    let committed = state.incidents.schedule_follow_up(&caller.incidents(), id, new).await?;
    Ok(Json(ActionResult::seen_by(&committed, caller.agency.id)))
}

/// One try to reach the person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptBody {
    /// `reached`, `no_answer`, `voicemail`, `declined` or `wrong_number`.
    pub result: String,
    /// What happened (up to 500 characters).
    #[serde(default)]
    pub note: String,
    /// After a missed try: hours until the next, 1 to 720, instead of the follow-up's own
    /// interval.
    #[serde(default)]
    pub next_in_hours: Option<u32>,
}

/// Logs a try to reach the person. A missed try (`no_answer`, `voicemail`, `wrong_number`)
/// moves the follow-up's due time on; `declined`, or the last missed try allowed, ends it
/// (`declined`, `unable_to_reach`) in the same commit. `reached` leaves it open for its
/// outcome.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/follow-ups/{number}/attempts", tag = "follow-ups",
    params(("id" = Uuid, Path, description = "incident id"), ("number" = u16, Path, description = "follow-up number")),
    request_body = AttemptBody,
    responses((status = 200, body = ActionResult), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attempt(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, number)): Path<(String, String)>,
    JsonBody(body): JsonBody<AttemptBody>,
) -> ApiResult<Json<ActionResult>> {
    let id = parse_id(&id)?;
    let number = parse_number(&number)?;
    caller.require(Permission::FollowUpWork)?;
    let result = AttemptResult::parse(&body.result).ok_or_else(|| {
        ApiError::field(
            "result",
            format!(
                "unknown result {:?}; use reached, no_answer, voicemail, declined or wrong_number",
                body.result
            ),
        )
    })?;
    let attempt = NewAttempt {
        number,
        result,
        note: dto::parse_text("note", &body.note, Text::SHORT_MAX)?,
        next_in_hours: body.next_in_hours,
    };
    let committed = state.incidents.log_follow_up_attempt(&caller.incidents(), id, attempt).await?;
    Ok(Json(ActionResult::seen_by(&committed, caller.agency.id)))
}

/// How a follow-up ends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishBody {
    /// `reached_and_well`, `referred` (say to what in `detail`), `reopened` (a new incident is
    /// opened for the person), `unable_to_reach` or `declined`.
    pub outcome: String,
    /// What the person was referred to, or what happened (up to 500 characters).
    #[serde(default)]
    pub detail: String,
}

/// What ending a follow-up recorded, and the incident opened for a person who needs help
/// again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FinishResult {
    #[serde(flatten)]
    pub result: ActionResult,
    /// The new incident, for `reopened`.
    pub opened: Option<IncidentDto>,
}

/// Ends a follow-up.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/follow-ups/{number}/finish", tag = "follow-ups",
    params(("id" = Uuid, Path, description = "incident id"), ("number" = u16, Path, description = "follow-up number")),
    request_body = FinishBody,
    responses((status = 200, body = FinishResult), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn finish(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, number)): Path<(String, String)>,
    JsonBody(body): JsonBody<FinishBody>,
) -> ApiResult<Json<FinishResult>> {
    let id = parse_id(&id)?;
    let number = parse_number(&number)?;
    caller.require(Permission::FollowUpWork)?;
    let outcome = FollowUpOutcome::parse(&body.outcome).ok_or_else(|| {
        ApiError::field(
            "outcome",
            format!(
                "unknown outcome {:?}; use reached_and_well, referred, reopened, unable_to_reach or declined",
                body.outcome
            ),
        )
    })?;
    let detail = dto::parse_text("detail", &body.detail, Text::SHORT_MAX)?;
    let (finished, opened) =
        state.incidents.finish_follow_up(&caller.incidents(), id, number, outcome, detail).await?;
    Ok(Json(FinishResult {
        result: ActionResult::seen_by(&finished, caller.agency.id),
        opened: opened.map(|o| IncidentDto::seen_by(&o.incident, caller.agency.id)),
    }))
}

fn parse_number(s: &str) -> ApiResult<u16> {
    s.parse::<u16>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("follow-up number {s:?}: a whole number from 1, as the incident's follow_ups list it"),
        )
    })
}
