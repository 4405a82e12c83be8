//! `GET /api/v1/clinician-queue`: the calls the caller's PSAP triaged for its embedded
//! clinician, waiting ones first (oldest first: the longest wait is answered next), then those
//! a clinician holds. Claiming, handing back and handing on are actions on the incident;
//! `GET /api/v1/clinicians` lists who a call can be handed on to.

use axum::Json;
use axum::extract::State;
use domain::Permission;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::dto::IncidentDto;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// The embedded-clinician queue of the caller's agency.
#[utoipa::path(get, path = "/api/v1/clinician-queue", tag = "incidents",
    responses((status = 200, body = [IncidentDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<IncidentDto>>> {
    let calls = state.incidents.clinician_queue(&caller.incidents()).await?;
    caller.disclosed(calls.iter().map(|i| i.id));
    Ok(Json(calls.iter().map(|i| IncidentDto::seen_by(i, caller.agency.id)).collect()))
}

/// Someone a clinician can hand a call to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClinicianDto {
    pub id: uuid::Uuid,
    pub display_name: String,
    /// `clinician`.
    pub role: String,
}

/// The clinicians of the caller's agency who may log in — who a call can be handed to
/// (`hand_clinician_to`) —, by name.
#[utoipa::path(get, path = "/api/v1/clinicians", tag = "incidents",
    responses((status = 200, body = [ClinicianDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn clinicians(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ClinicianDto>>> {
    caller.require(Permission::ClinicianQueue)?;
    let mut people: Vec<ClinicianDto> = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| {
            u.agency == caller.agency.id
                && u.role == domain::Role::Clinician
                && u.disabled_at.is_none()
        })
        .map(|u| ClinicianDto {
            id: u.id.as_uuid(),
            display_name: u.display_name,
            role: u.role.to_string(),
        })
        .collect();
    people.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(Json(people))
}
