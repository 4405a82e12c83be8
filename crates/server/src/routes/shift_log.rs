//! `/api/v1/shift-log`: the agency's handover notes, newest first, each with who acknowledged
//! reading it; writing one; acknowledging one. Append-only: a note is never changed.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{Permission, Timestamp};
use serde::{Deserialize, Serialize};
use store::{Acknowledged, SHIFT_NOTE_MAX, ShiftNote, ShiftNoteRead};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::dto;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ShiftLogQuery {
    /// Notes written before this time (UTC epoch milliseconds): the next page.
    pub before: Option<i64>,
    /// At most this many, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// A handover note.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShiftNoteDto {
    pub id: uuid::Uuid,
    pub author: uuid::Uuid,
    pub author_name: String,
    pub at: i64,
    pub text: String,
    /// Who acknowledged reading it, in order.
    pub read_by: Vec<ShiftNoteReadDto>,
    /// Whether the caller has.
    pub read_by_me: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShiftNoteReadDto {
    pub user: uuid::Uuid,
    pub name: String,
    pub at: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShiftNote {
    /// The handover, up to 4,000 characters.
    pub text: String,
}

fn dto_of(note: ShiftNote, caller: &Caller) -> ShiftNoteDto {
    ShiftNoteDto {
        id: note.id,
        author: note.author.as_uuid(),
        author_name: note.author_name,
        at: note.at.as_millis(),
        text: note.text.as_str().to_owned(),
        read_by_me: note.read_by.iter().any(|r| r.user == caller.user.id),
        read_by: note
            .read_by
            .into_iter()
            .map(|r| ShiftNoteReadDto {
                user: r.user.as_uuid(),
                name: r.name,
                at: r.at.as_millis(),
            })
            .collect(),
    }
}

/// The agency's handover notes, newest first.
#[utoipa::path(get, path = "/api/v1/shift-log", tag = "shift log", params(ShiftLogQuery),
    responses((status = 200, body = [ShiftNoteDto]), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ShiftLogQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<ShiftNoteDto>>> {
    caller.require(Permission::ShiftLog)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let limit = super::page_limit(query.limit, 50, 200)?;
    let notes = state
        .store
        .shift_notes(caller.agency.id, query.before.map(Timestamp::from_millis), limit)
        .await?;
    Ok(Json(notes.into_iter().map(|n| dto_of(n, &caller)).collect()))
}

/// Writes a handover note for the agency's next shift.
#[utoipa::path(post, path = "/api/v1/shift-log", tag = "shift log", request_body = NewShiftNote,
    responses((status = 201, body = ShiftNoteDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn write(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewShiftNote>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Permission::ShiftLog)?;
    let text = dto::parse_required_text("text", &body.text, SHIFT_NOTE_MAX)?;
    let note = ShiftNote {
        id: uuid::Uuid::now_v7(),
        agency: caller.agency.id,
        author: caller.user.id,
        author_name: caller.user.display_name.clone(),
        at: state.clock.now(),
        text,
        read_by: Vec::new(),
    };
    state.store.add_shift_note(&note).await?;
    Ok((StatusCode::CREATED, Json(dto_of(note, &caller))))
}

/// Records that the caller read a note.
#[utoipa::path(post, path = "/api/v1/shift-log/{id}/acknowledge", tag = "shift log",
    params(("id" = uuid::Uuid, Path, description = "note id")),
    responses((status = 200, description = "acknowledged (again: no change)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Permission::ShiftLog)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|e| {
        ApiError::new(ErrorCode::InvalidParameter, format!("id {id:?} is not a note id: {e}"))
    })?;
    let reader = ShiftNoteRead {
        user: caller.user.id,
        name: caller.user.display_name.clone(),
        at: state.clock.now(),
    };
    match state.store.acknowledge_shift_note(caller.agency.id, id, &reader).await? {
        Acknowledged::Now => Ok(Json(serde_json::json!({"acknowledged": "now"}))),
        Acknowledged::Already => Ok(Json(serde_json::json!({"acknowledged": "already"}))),
        Acknowledged::NoSuchNote => Err(ApiError::not_found("this shift note")),
    }
}
