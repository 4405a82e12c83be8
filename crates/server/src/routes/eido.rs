//! NENA EIDO (NENA-STA-021) exchange: `GET /api/v1/incidents/{id}/eido` exports an incident,
//! `POST /api/v1/eido` takes one from a CAD. The mapping, field by field, is in
//! `docs/eido-mapping.md`; the format lives in `interop::eido`.
//!
//! An import opens an incident for the caller's agency the first time an EIDO incident id
//! arrives from it, and updates that same incident afterwards (a better location re-routes
//! it; new notes are added): the sender's id is linked to ours in the store, atomically, so
//! two deliveries of one EIDO never make two incidents. An invalid EIDO is refused with the
//! JSON path that failed and why, and changes nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use domain::Permission;
use incidents::Imported;
use interop::eido::{self, EidoError, ExportContext};

use super::incidents::{parse_id, visible};
use crate::auth::Caller;
use crate::dto::IncidentDto;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// An incident as a NENA EIDO.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/eido", tag = "eido",
    params(("id" = uuid::Uuid, Path, description = "incident id")),
    responses((status = 200, description = "an EIDO (NENA-STA-021 JSON)", body = Object),
        (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Permission::IncidentRead)?;
    let incident = visible(&state, &caller, parse_id(&id)?).await?;
    Ok(Json(eido_of(&state, &incident, caller.agency.id).await?))
}

/// An incident as the EIDO every export gives (the API's and the conveyance notifications').
/// Written for `viewer`: without other agencies' private notes. An incident that came from
/// another system's EIDO is that document — the latest received — updated with what
/// Crisisbridge knows (`interop::eido::export_over`).
pub(crate) async fn eido_of(
    state: &AppState,
    incident: &domain::Incident,
    viewer: domain::AgencyId,
) -> ApiResult<serde_json::Value> {
    let ours = serde_json::to_value(ours_of(state, incident, viewer).await?)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    // An agency whose view of the incident was cut off (a declined offer) gets the document
    // as it stood then, not what the sender sent after.
    let current = state.store.incident(incident.id).await?;
    let cut_off = current.is_some_and(|c| c.updated_at > incident.updated_at);
    let as_of = cut_off.then_some(incident.updated_at);
    let Some(latest) = state.store.latest_received_eido(incident.id, as_of).await? else {
        return Ok(ours);
    };
    let Ok(document) = serde_json::from_str::<serde_json::Value>(&latest.body) else {
        return Ok(ours);
    };
    // Located here since: the sender's document no longer says where the person is.
    let relocated = incident.location.is_known()
        && eido::import(latest.body.as_bytes())
            .ok()
            .is_none_or(|i| i.location != incident.location);
    let changes = eido::Changes { updated: incident.updated_at > latest.received_at, relocated };
    Ok(eido::export_over(&document, &ours, changes))
}

/// The incident as Crisisbridge writes it, from its own record.
async fn ours_of(
    state: &AppState,
    incident: &domain::Incident,
    viewer: domain::AgencyId,
) -> ApiResult<interop::eido::Eido> {
    let agencies = state
        .store
        .agencies()
        .await?
        .into_iter()
        .filter(|a| incident.involved.contains(&a.id))
        .collect();
    let context = ExportContext::new(&state.settings.lost_source, agencies)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    metrics::counter!("crisisbridge_eido_exports_total").increment(1);
    Ok(eido::export(&incident.as_seen_by(viewer), &context))
}

/// Open or update an incident from a CAD's EIDO.
#[utoipa::path(post, path = "/api/v1/eido", tag = "eido",
    request_body(content = Object, description = "an EIDO (NENA-STA-021 JSON), up to 1 MiB"),
    responses(
        (status = 201, body = IncidentDto, description = "a new incident; Location names it"),
        (status = 200, body = IncidentDto, description = "the incident this EIDO's id names, updated"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "not a usable EIDO: `field` is the JSON path that failed"),
    ))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    caller.require(Permission::IncidentCreate)?;
    let json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the EIDO as application/json",
        ));
    }
    let (status, incident) = receive(&state, &caller, &body).await?;
    let id = incident.id;
    let location = [(header::LOCATION, format!("/api/v1/incidents/{id}"))];
    Ok((status, location, Json(IncidentDto::seen_by(&incident, caller.agency.id))))
}

/// Opens or updates the incident an EIDO from the caller's agency names — the import behind
/// both `POST /api/v1/eido` and the conveyance WebSocket's `requestForService`. Answers
/// `201 Created` and the new incident, or `200 OK` and the updated one; an invalid EIDO is
/// refused (`invalid_eido` with its JSON path) and changes nothing.
pub(crate) async fn receive(
    state: &AppState,
    caller: &Caller,
    body: &[u8],
) -> ApiResult<(StatusCode, domain::Incident)> {
    let received = eido::import(body).map_err(refused)?;
    Ok(match state.incidents.import_eido(&caller.incidents(), &received, body).await? {
        Imported::Opened(c) => (StatusCode::CREATED, c.incident),
        Imported::Updated(c) => (StatusCode::OK, c.incident),
    })
}

fn refused(e: EidoError) -> ApiError {
    match e {
        EidoError::TooLarge { .. } => ApiError::new(ErrorCode::PayloadTooLarge, e.message()),
        EidoError::NotJson { .. } => ApiError::new(ErrorCode::MalformedJson, e.message()),
        EidoError::Invalid { ref path, .. } => ApiError {
            code: ErrorCode::InvalidEido,
            message: format!("{path}: {}", e.message()),
            field: Some(path.clone()),
        },
    }
}
