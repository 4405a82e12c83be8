//! `POST /api/v1/calls`: a step of a contact's timing at the caller's agency, as its phone
//! system (or a person in the console) gives it — `arrived`, `answered`, `abandoned`,
//! `rolled_over`. One JSON shape for every step; posting a step again is harmless (idempotent
//! by the phone system's call id), posting it differently is refused. These are what the
//! answer-time measures read (docs/measures.md, "Contacts").

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{CallId, CallRecorded, CallStep, Channel, Permission, Text, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::dto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;

/// The longest name of an agent, position or backup center kept.
const NAME_MAX: usize = 100;

/// A step of a call at the caller's agency. Times are UTC epoch milliseconds.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallStepRequest {
    /// The phone system's id of the call: 1 to 128 letters, digits and `. _ - : @ /`.
    pub call_id: String,
    /// `arrived` (queued or ringing; first), `answered`, `abandoned` (the caller hung up before
    /// an answer) or `rolled_over` (sent to a backup center before an answer).
    pub step: String,
    /// When it happened by the phone system's clock; omitted: now (the console).
    #[serde(default)]
    pub at: Option<i64>,
    /// `arrived`: `911`, `988` or `other`.
    #[serde(default)]
    pub channel: Option<String>,
    /// `arrived`: the caller's number, when the phone system has it.
    #[serde(default)]
    pub callback_number: Option<String>,
    /// `answered`: the agent or position that answered; omitted: the posting user's username.
    #[serde(default)]
    pub answered_by: Option<String>,
    /// `rolled_over`: the backup center the call went to.
    #[serde(default)]
    pub to: Option<String>,
    /// `rolled_over`: whether that backup center is in the agency's own state.
    #[serde(default)]
    pub in_state: Option<bool>,
}

/// What was recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallStepResult {
    pub call_id: String,
    pub step: String,
    pub at: i64,
    /// `new` (201: recorded now) or `repeat` (200: recorded before, the same; nothing changed).
    pub recorded: String,
}

/// Record a step of a contact's timing (the phone system's events).
#[utoipa::path(post, path = "/api/v1/calls", tag = "calls", request_body = CallStepRequest,
    responses(
        (status = 201, body = CallStepResult, description = "recorded, durable"),
        (status = 200, body = CallStepResult, description = "the same step was recorded before; nothing changed"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the call has no arrival yet, already ended, or this step was recorded differently"),
        (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CallStepRequest>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Permission::CallRecord)?;
    let call = CallId::parse(&body.call_id).map_err(|e| ApiError::field("call_id", e))?;
    let step = step(&body, &caller)?;
    let at = body.at.map_or_else(|| state.clock.now(), Timestamp::from_millis);
    let name = step.as_str();
    let outcome = state.incidents.record_call(&caller.incidents(), call.clone(), at, step).await?;
    metrics::counter!("crisisbridge_call_steps_total", "step" => name).increment(1);
    let (status, recorded) = match outcome {
        CallRecorded::New => (StatusCode::CREATED, "new"),
        CallRecorded::Repeat => (StatusCode::OK, "repeat"),
    };
    Ok((
        status,
        Json(CallStepResult {
            call_id: call.to_string(),
            step: name.to_owned(),
            at: at.as_millis(),
            recorded: recorded.to_owned(),
        }),
    ))
}

/// The step the body describes, refusing fields that belong to another step.
fn step(body: &CallStepRequest, caller: &Caller) -> ApiResult<CallStep> {
    // Each optional field, whether it was given, and the one step it belongs to.
    let fields: [(&str, bool, &str); 5] = [
        ("channel", body.channel.is_some(), "arrived"),
        ("callback_number", body.callback_number.is_some(), "arrived"),
        ("answered_by", body.answered_by.is_some(), "answered"),
        ("to", body.to.is_some(), "rolled_over"),
        ("in_state", body.in_state.is_some(), "rolled_over"),
    ];
    if !["arrived", "answered", "abandoned", "rolled_over"].contains(&body.step.as_str()) {
        return Err(ApiError::field(
            "step",
            format!(
                "{:?} is not a step: use arrived, answered, abandoned or rolled_over",
                body.step
            ),
        ));
    }
    if let Some((field, _, owner)) =
        fields.iter().find(|(_, given, owner)| *given && *owner != body.step)
    {
        return Err(ApiError::field(
            field,
            format!("belongs to the {owner} step, not {}; leave it out", body.step),
        ));
    }
    let name = |field: &str, value: &str| {
        Text::parse_non_empty(value, NAME_MAX).map_err(|e| ApiError::field(field, e))
    };
    Ok(match body.step.as_str() {
        "arrived" => {
            let channel = body.channel.as_deref().ok_or_else(|| {
                ApiError::field("channel", "an arrival says its channel: 911, 988 or other")
            })?;
            CallStep::Arrived {
                channel: Channel::parse(channel).ok_or_else(|| {
                    ApiError::field("channel", format!("{channel:?}: use 911, 988 or other"))
                })?,
                callback: dto::parse_callback(body.callback_number.clone())?,
            }
        }
        "answered" => CallStep::Answered {
            by: name("answered_by", body.answered_by.as_deref().unwrap_or(&caller.user.username))?,
        },
        "abandoned" => CallStep::Abandoned,
        _ => CallStep::RolledOver {
            to: name(
                "to",
                body.to.as_deref().ok_or_else(|| {
                    ApiError::field("to", "a rollover names the backup center it went to")
                })?,
            )?,
            in_state: body.in_state.ok_or_else(|| {
                ApiError::field(
                    "in_state",
                    "a rollover says whether the backup center is in the agency's state (true or false)",
                )
            })?,
        },
    })
}
