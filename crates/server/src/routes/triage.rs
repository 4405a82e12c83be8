//! `POST /api/v1/incidents/{id}/triage`: answer the agency's active protocol for the incident.
//!
//! Answers may come a few at a time. Until the protocol decides, the answer names the questions
//! still needed, in order, and nothing is written; once it decides, a `triage_recorded` event
//! with the outcome, the rule, the protocol version and the answers is committed, and the
//! outcome becomes the incident's recommended next action.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use domain::Permission;
use incidents::TriageResult;
use serde::{Deserialize, Serialize};
use triage::AnswerInput;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::dto::IncidentDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::routes::incidents::parse_id;
use crate::routes::protocols::{QuestionDto, question_dto};
use crate::state::AppState;

/// Answers so far: question id → `true`/`false` (or `"yes"`/`"no"`), a choice id, or a number;
/// `"unknown"` (or `null`) when the caller cannot say, for any question.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    /// Why the incident is triaged again, when it has a decision already (up to 500
    /// characters). The earlier decision stays in the record; an offer in flight that the new
    /// decision does not allow is withdrawn.
    #[serde(default)]
    pub retriage_reason: Option<String>,
}

/// Either the decision, or the questions still to ask.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TriageResponse {
    /// The protocol decided; the decision is committed on the incident.
    Decided { decision: DecisionDto, incident: Box<IncidentDto> },
    /// Not yet: ask these questions, the first one next. Nothing was written.
    NeedsAnswers {
        protocol: String,
        protocol_version: u32,
        next_questions: Vec<QuestionDto>,
        pending_rule: String,
    },
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionDto {
    pub protocol: String,
    pub protocol_version: u32,
    /// The recommended next action, e.g. `divert_988`.
    pub outcome: String,
    /// The rule that decided.
    pub rule: String,
    /// Why, in words.
    pub why: String,
    /// The answers the decision rests on.
    pub read: Vec<AnswerDto>,
    /// Earlier rules that did not apply.
    pub passed_over: Vec<String>,
    /// Questions answered "unknown" that the decision turned on (they made it more
    /// protective: with `rule` `when_unknown`, they left `open_rule` undecided).
    pub unknowns: Vec<String>,
    /// With `rule` `when_unknown`: the rule the unknown answers might have made apply.
    pub open_rule: Option<String>,
}

impl DecisionDto {
    fn of(decision: triage::Decision, protocol_version: u32) -> Self {
        Self {
            protocol: decision.protocol,
            protocol_version,
            outcome: decision.outcome.as_str().to_owned(),
            rule: decision.rule,
            why: decision.why,
            read: decision
                .read
                .into_iter()
                .map(|(question, answer)| AnswerDto { question, answer })
                .collect(),
            passed_over: decision.passed_over,
            unknowns: decision.unknowns,
            open_rule: decision.open_rule,
        }
    }
}

/// The incident's standing decision, explained.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExplainedDto {
    /// `null` when the incident is not triaged.
    pub decision: Option<DecisionDto>,
}

/// The incident's standing triage decision explained as when it was made — why, the answers
/// it rests on, the rules passed over — by the deciding agency's protocol version, for anyone
/// who may see the incident (a 988 counselor sees why the PSAP's protocol sent the call).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/decision", tag = "triage",
    params(("id" = String, Path, description = "incident id")),
    responses((status = 200, body = ExplainedDto), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn explain(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ExplainedDto>> {
    let id = parse_id(&id)?;
    let explained = state.incidents.explain_decision(&caller.incidents(), id).await?;
    caller.disclosed([id]);
    Ok(Json(ExplainedDto { decision: explained.map(|(d, v)| DecisionDto::of(d, v)) }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnswerDto {
    pub question: String,
    pub answer: String,
}

fn input(question: &str, value: &serde_json::Value) -> ApiResult<AnswerInput> {
    match value {
        serde_json::Value::Null => Ok(AnswerInput::Unknown),
        serde_json::Value::Bool(b) => Ok(AnswerInput::Bool(*b)),
        serde_json::Value::String(s) => Ok(AnswerInput::Text(s.clone())),
        serde_json::Value::Number(n) => n.as_f64().map(AnswerInput::Number).ok_or_else(|| {
            ApiError::field(&format!("answers.{question}"), "is not a usable number")
        }),
        _ => Err(ApiError::field(
            &format!("answers.{question}"),
            "answer with true/false, a choice id, a number, or \"unknown\" (or null) when the caller cannot say",
        )),
    }
}

/// Answer the triage protocol.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/triage", tag = "incidents", request_body = TriageRequest,
    params(("id" = uuid::Uuid, Path, description = "incident id")),
    responses(
        (status = 200, body = TriageResponse),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "no active protocol, or the incident is closed"),
        (status = 422, body = ErrorBody, description = "an answer does not fit its question"),
    ))]
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TriageRequest>,
) -> ApiResult<Json<TriageResponse>> {
    caller.require(Permission::TriageRecord)?;
    let id = parse_id(&id)?;
    let answers = body
        .answers
        .iter()
        .map(|(q, v)| Ok((q.clone(), input(q, v)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    let retriage = body
        .retriage_reason
        .as_deref()
        .map(|r| crate::dto::parse_required_text("retriage_reason", r, domain::Text::SHORT_MAX))
        .transpose()?;
    match state.incidents.answer_triage(&caller.incidents(), id, &answers, retriage).await? {
        TriageResult::NeedsAnswers { protocol, protocol_version, questions, pending_rule } => {
            Ok(Json(TriageResponse::NeedsAnswers {
                protocol,
                protocol_version,
                next_questions: questions.iter().map(question_dto).collect(),
                pending_rule,
            }))
        }
        TriageResult::Decided { decision, protocol_version, committed } => {
            Ok(Json(TriageResponse::Decided {
                decision: DecisionDto::of(decision, protocol_version),
                incident: Box::new(IncidentDto::seen_by(&committed.incident, caller.agency.id)),
            }))
        }
    }
}
