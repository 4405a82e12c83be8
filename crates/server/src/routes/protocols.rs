//! `/api/v1/protocols`: an agency's triage protocols — upload (checked at once), list, read,
//! activate. Only a version that passed the checker can be activated.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{Channel, Permission};
use serde::{Deserialize, Serialize};
use store::{NewProtocolVersion, ProtocolVersion};
use triage::{Protocol, QuestionKind};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// The name parse errors give an uploaded file.
const UPLOAD: &str = "upload";

/// A stored protocol version.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProtocolVersionDto {
    pub protocol_id: String,
    pub version: u32,
    pub title: String,
    /// `911`, `988` or `other`.
    pub channel: String,
    pub uploaded_at: i64,
    pub uploaded_by: Uuid,
    /// Whether the checker proved it safe; only such versions can be activated.
    pub check_passed: bool,
    /// The checker's verdict: what it proved, or each counterexample.
    pub check_report: String,
    pub active: bool,
}

/// A protocol version with its questions and rules, for the console.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProtocolDetailDto {
    #[serde(flatten)]
    pub version: ProtocolVersionDto,
    pub source: String,
    pub questions: Vec<QuestionDto>,
    pub rules: Vec<RuleDto>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuestionDto {
    pub id: String,
    pub text: String,
    /// `yes_no`, `choice` or `number`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub choices: Vec<ChoiceDto>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChoiceDto {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleDto {
    pub id: String,
    pub outcome: String,
    pub why: String,
}

pub fn question_dto(q: &triage::Question) -> QuestionDto {
    let (kind, choices, min, max) = match &q.kind {
        QuestionKind::YesNo => ("yes_no", Vec::new(), None, None),
        QuestionKind::Choice(c) => (
            "choice",
            c.iter().map(|c| ChoiceDto { id: c.id.clone(), label: c.label.clone() }).collect(),
            None,
            None,
        ),
        QuestionKind::Number { min, max } => ("number", Vec::new(), Some(*min), Some(*max)),
    };
    QuestionDto { id: q.id.clone(), text: q.text.clone(), kind: kind.into(), choices, min, max }
}

/// Parses a stored version; what was stored parsed when it was uploaded.
pub fn parse_stored(v: &ProtocolVersion) -> ApiResult<Protocol> {
    Protocol::parse(&v.protocol_id, &v.source).map_err(|e| {
        tracing::error!(error = %e, "a stored protocol no longer parses");
        ApiError::new(ErrorCode::Internal, "the stored protocol could not be read")
    })
}

fn version_dto(v: &ProtocolVersion, title: &str) -> ProtocolVersionDto {
    ProtocolVersionDto {
        protocol_id: v.protocol_id.clone(),
        version: v.version,
        title: title.to_owned(),
        channel: v.channel.as_str().to_owned(),
        uploaded_at: v.uploaded_at.as_millis(),
        uploaded_by: v.uploaded_by.as_uuid(),
        check_passed: v.check_passed,
        check_report: v.check_report.clone(),
        active: v.active,
    }
}

fn detail(v: &ProtocolVersion) -> ApiResult<ProtocolDetailDto> {
    let protocol = parse_stored(v)?;
    Ok(ProtocolDetailDto {
        version: version_dto(v, &protocol.title),
        source: v.source.clone(),
        questions: protocol.questions.iter().map(question_dto).collect(),
        rules: protocol
            .rules
            .iter()
            .map(|r| RuleDto {
                id: r.id.clone(),
                outcome: r.outcome.as_str().into(),
                why: r.why.clone(),
            })
            .collect(),
    })
}

/// Upload a protocol file (TOML). It is checked at once and stored as the next version of its
/// id, passing or not; the answer says which, with the checker's counterexamples.
#[utoipa::path(post, path = "/api/v1/protocols", tag = "protocols",
    request_body(content = String, content_type = "application/toml", description = "the protocol file"),
    responses(
        (status = 201, body = ProtocolVersionDto),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the file is not a valid protocol; nothing stored"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    body: String,
) -> ApiResult<impl IntoResponse> {
    caller.require(Permission::ProtocolManage)?;
    let protocol = Protocol::parse(UPLOAD, &body)
        .map_err(|e| ApiError::new(ErrorCode::InvalidProtocol, e.to_string()))?;
    let checked = protocol.clone();
    let floors = state.settings.safety_floors.clone();
    let verdict = tokio::task::spawn_blocking(move || triage::check(&checked, &floors))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the checker stopped: {e}")))?;
    let (check_passed, check_report) = match verdict {
        Ok(report) => (true, report.summary()),
        // The floor is the product's guarantee: a protocol that breaks it is not even kept.
        Err(errors) if errors.iter().any(triage::CheckError::breaks_floor) => {
            let broken: Vec<String> =
                errors.iter().filter(|e| e.breaks_floor()).map(ToString::to_string).collect();
            return Err(ApiError::new(
                ErrorCode::ProtocolBreaksFloor,
                format!(
                    "the protocol breaks the safety floor; nothing was stored: {}",
                    broken.join("; ")
                ),
            ));
        }
        Err(errors) => {
            (false, errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
        }
    };
    let stored = state
        .store
        .put_protocol_version(&NewProtocolVersion {
            agency: caller.agency.id,
            protocol_id: protocol.id.clone(),
            channel: protocol.channel,
            source: body,
            uploaded_at: state.clock.now(),
            uploaded_by: caller.id(),
            check_passed,
            check_report,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(version_dto(&stored, &protocol.title))))
}

/// Every protocol version of the caller's agency.
#[utoipa::path(get, path = "/api/v1/protocols", tag = "protocols",
    responses((status = 200, body = [ProtocolVersionDto]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ProtocolVersionDto>>> {
    caller.require(Permission::ProtocolRead)?;
    let versions = state.store.protocol_versions(caller.agency.id).await?;
    versions
        .iter()
        .map(|v| Ok(version_dto(v, &parse_stored(v)?.title)))
        .collect::<ApiResult<_>>()
        .map(Json)
}

async fn find(
    state: &AppState,
    caller: &Caller,
    id: &str,
    version: u32,
) -> ApiResult<ProtocolVersion> {
    state
        .store
        .protocol_version(caller.agency.id, id, version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("protocol {id} version {version}")))
}

/// One protocol version, with its source, questions and rules.
#[utoipa::path(get, path = "/api/v1/protocols/{id}/versions/{version}", tag = "protocols",
    params(("id" = String, Path), ("version" = u32, Path)),
    responses((status = 200, body = ProtocolDetailDto), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, u32)>,
) -> ApiResult<Json<ProtocolDetailDto>> {
    caller.require(Permission::ProtocolRead)?;
    detail(&find(&state, &caller, &id, version).await?).map(Json)
}

/// Make a version the agency's active protocol for its channel. Refused unless it passed the
/// checker.
#[utoipa::path(post, path = "/api/v1/protocols/{id}/versions/{version}/activate", tag = "protocols",
    params(("id" = String, Path), ("version" = u32, Path)),
    responses(
        (status = 200, body = ProtocolVersionDto),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the version failed the checker"),
    ))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, u32)>,
) -> ApiResult<Json<ProtocolVersionDto>> {
    caller.require(Permission::ProtocolManage)?;
    let found = find(&state, &caller, &id, version).await?;
    if !found.check_passed {
        return Err(ApiError::new(
            ErrorCode::ProtocolFailedCheck,
            format!(
                "protocol {id} version {version} failed the checker and cannot be activated:\n{}",
                found.check_report
            ),
        ));
    }
    state
        .store
        .activate_protocol(caller.agency.id, &id, version, state.clock.now(), caller.id())
        .await?;
    let activated = find(&state, &caller, &id, version).await?;
    Ok(Json(version_dto(&activated, &parse_stored(&activated)?.title)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActiveQuery {
    /// `911`, `988` or `other`.
    pub channel: String,
}

/// The agency's active protocol for a channel, with its questions.
#[utoipa::path(get, path = "/api/v1/protocols/active", tag = "protocols", params(ActiveQuery),
    responses((status = 200, body = ProtocolDetailDto), (status = 409, body = ErrorBody)))]
pub async fn active(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ActiveQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ProtocolDetailDto>> {
    caller.require(Permission::ProtocolRead)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let channel = Channel::parse(&query.channel).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("channel: unknown channel {:?}; use 911, 988 or other", query.channel),
        )
    })?;
    let active = active_for(&state, &caller, channel).await?;
    detail(&active).map(Json)
}

/// The caller's agency's active protocol for `channel`, or a clear refusal.
pub async fn active_for(
    state: &AppState,
    caller: &Caller,
    channel: Channel,
) -> ApiResult<ProtocolVersion> {
    state.store.active_protocol(caller.agency.id, channel).await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NoActiveProtocol,
            format!(
                "{} has no active triage protocol for {} incidents; an admin uploads one (POST /api/v1/protocols) and activates it",
                caller.agency.name,
                channel.as_str()
            ),
        )
    })
}
