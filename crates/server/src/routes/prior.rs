//! `GET /api/v1/incidents/{id}/prior`: the caller's agency's earlier incidents from the same
//! callback number — when, on which channel, how each ended, and the agency's open follow-ups —
//! so a call-taker, clinician or counselor sees that the same number called three times this
//! week. Only incidents the agency may see, each as it may see it, each audited as a read.

use axum::Json;
use axum::extract::{Path, State};
use domain::Permission;
use serde::{Deserialize, Serialize};
use store::search::IncidentSearch;
use utoipa::ToSchema;
use uuid::Uuid;

use super::incidents::{as_seen, parse_id, visible};
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// The most earlier incidents listed; `more` says when there are others.
const SHOWN: u32 = 20;

/// One earlier incident from the same number.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PriorContactDto {
    pub id: Uuid,
    pub opened_at: i64,
    pub channel: String,
    pub status: String,
    /// How it ended (`resolved_by_phone`, …), for an agency that took part to the end.
    pub outcome: Option<String>,
    pub summary: String,
    /// The caller's agency's open follow-ups of it.
    pub open_follow_ups: u32,
    /// When the first of them is due.
    pub follow_up_due: Option<i64>,
}

/// The agency's earlier incidents from the incident's callback number.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PriorContactsDto {
    /// The number compared (E.164); absent when the incident has none, and then nothing is
    /// listed.
    pub callback_number: Option<String>,
    /// Newest first, at most 20, opened before this incident.
    pub incidents: Vec<PriorContactDto>,
    /// Whether there are more than those listed.
    pub more: bool,
}

/// The agency's earlier incidents from the same callback number.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/prior", tag = "incidents",
    params(("id" = Uuid, Path, description = "incident id")),
    responses((status = 200, body = PriorContactsDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn prior(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PriorContactsDto>> {
    caller.require(Permission::IncidentSearch)?;
    let incident = visible(&state, &caller, parse_id(&id)?).await?;
    let Some(number) = incident.callback.clone() else {
        return Ok(Json(PriorContactsDto {
            callback_number: None,
            incidents: Vec::new(),
            more: false,
        }));
    };
    let search = IncidentSearch {
        callback: Some(number.clone()),
        to: Some(incident.opened_at),
        ..IncidentSearch::of(caller.agency.id, SHOWN + 1)
    };
    let page = state.store.search(&search).await?;
    let more = page.incidents.len() > SHOWN as usize;
    let mut shown = Vec::new();
    for found in page.incidents.into_iter().filter(|i| i.id != incident.id).take(SHOWN as usize) {
        shown.push(as_seen(&state, caller.agency.id, found).await?);
    }
    caller.disclosed(shown.iter().map(|i| i.id));
    let agency = caller.agency.id;
    Ok(Json(PriorContactsDto {
        callback_number: Some(number.as_str().to_owned()),
        incidents: shown
            .iter()
            .map(|i| {
                let open: Vec<_> =
                    i.follow_ups.iter().filter(|f| f.agency == agency && f.is_open()).collect();
                PriorContactDto {
                    id: i.id.as_uuid(),
                    opened_at: i.opened_at.as_millis(),
                    channel: i.channel.as_str().to_owned(),
                    status: i.status().as_str().to_owned(),
                    outcome: i.closure.as_ref().map(|c| c.disposition.as_str().to_owned()),
                    summary: i.summary.as_str().to_owned(),
                    open_follow_ups: u32::try_from(open.len()).unwrap_or(u32::MAX),
                    follow_up_due: open.iter().map(|f| f.due.as_millis()).min(),
                }
            })
            .collect(),
        more,
    }))
}
