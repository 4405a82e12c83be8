//! `GET /api/v1/clinician-queue`: the calls the caller's PSAP triaged for its embedded
//! clinician, waiting ones first (oldest first: the longest wait is answered next), then those
//! a clinician holds. Claiming, handing back and handing on are actions on the incident.

use axum::Json;
use axum::extract::State;
use domain::{IncidentStatus, Permission};
use store::IncidentFilter;

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
    caller.require(Permission::ClinicianQueue)?;
    let filter = IncidentFilter {
        involving: Some(caller.agency.id),
        statuses: vec![
            IncidentStatus::Open,
            IncidentStatus::TransferPending,
            IncidentStatus::TeamDispatched,
        ],
        channel: None,
        limit: 500,
    };
    let mut calls: Vec<_> = state
        .store
        .incidents(&filter)
        .await?
        .into_iter()
        .filter(|i| i.holder == caller.agency.id)
        .filter(|i| i.awaits_clinician() || i.clinician.is_some())
        .collect();
    calls.sort_by_key(|i| (!i.awaits_clinician(), i.triage.as_ref().map(|t| t.at)));
    Ok(Json(calls.iter().map(IncidentDto::from).collect()))
}
