//! `/api/v1/incidents`: open, list and read incidents (acting on them: `actions.rs`).
//!
//! Every handler checks the caller's permission, then that the incident involves the caller's
//! agency (an incident the caller may not see is "not found", so its existence does not leak);
//! opening goes through the incident service, which answers only once it is durable.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header::LOCATION};
use axum::response::IntoResponse;
use domain::{Incident, IncidentId, IncidentStatus, Permission, Text};
use incidents::NewIncident;
use serde::Deserialize;
use store::{IncidentFilter, RecordedEvent};
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::dto::{self, CreateIncident, EventDto, IncidentDto};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

pub(crate) fn parse_id(raw: &str) -> ApiResult<IncidentId> {
    raw.parse::<IncidentId>().map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))
}

/// Comma-separated statuses (`open,closed`); none given is an empty list.
pub(crate) fn parse_statuses(raw: Option<&str>) -> ApiResult<Vec<IncidentStatus>> {
    raw.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            IncidentStatus::parse(s).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!("status: unknown status {s:?}; use open, transfer_pending, team_dispatched or closed"),
                )
            })
        })
        .collect()
}

/// A channel parameter (`911`, `988`, `other`).
pub(crate) fn parse_channel(raw: Option<&str>) -> ApiResult<Option<domain::Channel>> {
    raw.map(|c| {
        domain::Channel::parse(c).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("channel: unknown channel {c:?}; use 911, 988 or other"),
            )
        })
    })
    .transpose()
}

/// The incident, if it exists and involves the caller's agency, as that agency may see it:
/// as it was at the agency's last part when it no longer takes part (it declined, its offer
/// timed out or was withdrawn), and without other agencies' private notes.
pub(crate) async fn visible(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
) -> ApiResult<Incident> {
    let incident = state.incidents.visible(&caller.incidents(), id).await?;
    as_seen(state, caller.agency.id, incident).await
}

/// `incident` as `agency` may see it (see [`visible`]).
pub(crate) async fn as_seen(
    state: &AppState,
    agency: domain::AgencyId,
    incident: Incident,
) -> ApiResult<Incident> {
    Ok(state.incidents.as_seen(agency, incident).await?)
}

/// Which of an incident's events `agency` may see, as [`visible`] says.
pub(crate) fn visible_events<'a>(
    incident: &Incident,
    agency: domain::AgencyId,
    events: &'a [RecordedEvent],
) -> impl Iterator<Item = &'a RecordedEvent> {
    let cutoff = incident
        .cutoff_for(agency)
        .map_or(usize::MAX, |c| usize::try_from(c).unwrap_or(usize::MAX));
    // Up to its last part, and after it its own follow-up work.
    events
        .iter()
        .enumerate()
        .filter(move |(n, e)| *n < cutoff || e.event.kind.is_follow_up_work())
        .map(|(_, e)| e)
        .filter(move |e| e.event.visible_to(agency))
}

/// Open an incident.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = CreateIncident,
    responses(
        (status = 201, body = IncidentDto, description = "committed; Location names it"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateIncident>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Permission::IncidentCreate)?;
    let new = NewIncident {
        channel: body.channel.into(),
        location: body.location.parse("location")?,
        callback: dto::parse_callback(body.callback_number)?,
        summary: dto::parse_text("summary", &body.summary, Text::SUMMARY_MAX)?,
        contact: dto::contact_details(&body.language, body.interpreter, body.age_band.as_deref())?,
        address: dto::parse_address("address", body.address.as_deref())?,
    };
    let incident = state.incidents.open(&caller.incidents(), new).await?.incident;
    let id = incident.id;
    let location = [(LOCATION, format!("/api/v1/incidents/{id}"))];
    Ok((StatusCode::CREATED, location, Json(IncidentDto::seen_by(&incident, caller.agency.id))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Comma-separated statuses (`open`, `transfer_pending`, `team_dispatched`, `closed`);
    /// default: every status but `closed`.
    pub status: Option<String>,
    /// `911`, `988` or `other`.
    pub channel: Option<String>,
    /// At most this many (1 to 500, default 100), most recently updated first.
    pub limit: Option<u32>,
}

/// Incidents that involve the caller's agency.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListQuery),
    responses((status = 200, body = [IncidentDto]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<IncidentDto>>> {
    caller.require(Permission::IncidentRead)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let statuses = parse_statuses(query.status.as_deref())?;
    let channel = parse_channel(query.channel.as_deref())?;
    let limit = super::page_limit(query.limit, 100, 500)?;
    let filter = IncidentFilter { involving: Some(caller.agency.id), statuses, channel, limit };
    let incidents = state.store.incidents(&filter).await?;
    caller.disclosed(incidents.iter().map(|i| i.id));
    let mut seen = Vec::with_capacity(incidents.len());
    for incident in incidents {
        seen.push(IncidentDto::seen_by(
            &as_seen(&state, caller.agency.id, incident).await?,
            caller.agency.id,
        ));
    }
    Ok(Json(seen))
}

/// One incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = uuid::Uuid, Path, description = "incident id")),
    responses((status = 200, body = IncidentDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<IncidentDto>> {
    caller.require(Permission::IncidentRead)?;
    let incident = visible(&state, &caller, parse_id(&id)?).await?;
    Ok(Json(IncidentDto::seen_by(&incident, caller.agency.id)))
}

/// An incident's events, in order.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/events", tag = "incidents",
    params(("id" = uuid::Uuid, Path, description = "incident id")),
    responses((status = 200, body = [EventDto]), (status = 404, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<EventDto>>> {
    caller.require(Permission::IncidentRead)?;
    let id = parse_id(&id)?;
    let incident = state.incidents.visible(&caller.incidents(), id).await?;
    let events = state.store.incident_events(incident.id).await?;
    Ok(Json(visible_events(&incident, caller.agency.id, &events).map(EventDto::from).collect()))
}
