//! `GET /api/v1/incidents/{id}/audit`: an incident's audit trail — who read, changed or
//! exported it, when, from where, and the outcome — for the supervisors and admins of an
//! agency involved in it. Reading it is itself recorded.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::incidents::{parse_id, visible};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// The most records one page holds.
const MAX_PAGE: u32 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrailQuery {
    /// Records after this sequence number (paging); 0 from the start.
    #[serde(default)]
    after: u64,
    /// At most this many, 1 to 1000 (default 200).
    limit: Option<u32>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecordDto {
    /// Position in the whole audit log (gaps here are other incidents' records).
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// Who; absent for a request without a valid session.
    pub user: Option<uuid::Uuid>,
    /// The user's display name, when the user still exists.
    pub user_name: Option<String>,
    pub agency: Option<uuid::Uuid>,
    /// From where: the peer address, and the address a proxy forwarded for.
    pub client: String,
    /// What: method and route, e.g. `GET /api/v1/incidents/{id}/eido`.
    pub action: String,
    /// The HTTP status answered (or a conveyance response code).
    pub outcome: u16,
    /// SHA-256 chaining this record to the one before it.
    pub hash: String,
}

/// An incident's audit trail, oldest first.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/audit", tag = "incidents",
    params(("id" = uuid::Uuid, Path, description = "incident id"), TrailQuery),
    responses((status = 200, body = [AuditRecordDto]), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn trail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<TrailQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<AuditRecordDto>>> {
    caller.require(Permission::AuditRead)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    // Sequence numbers are stored as signed 64-bit integers.
    if i64::try_from(query.after).is_err() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("after: {} is past any sequence number; use 0 to {}", query.after, i64::MAX),
        ));
    }
    let limit = query.limit.unwrap_or(200);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field("limit", format!("{limit} is out of range [1, {MAX_PAGE}]")));
    }
    let incident = visible(&state, &caller, parse_id(&id)?).await?;
    let records = state.store.audit_records(query.after, limit, Some(incident.id)).await?;
    // Only the people the records name are looked up, once each.
    let mut names: HashMap<domain::UserId, Option<String>> = HashMap::new();
    for user in records.iter().filter_map(|r| r.entry.user) {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(user) {
            slot.insert(state.store.user(user).await?.map(|u| u.display_name));
        }
    }
    Ok(Json(
        records
            .into_iter()
            .map(|r| AuditRecordDto {
                seq: r.seq,
                at: r.entry.at.as_millis(),
                user: r.entry.user.map(|u| u.as_uuid()),
                user_name: r.entry.user.and_then(|u| names.get(&u).cloned().flatten()),
                agency: r.entry.agency.map(|a| a.as_uuid()),
                client: r.entry.client,
                action: r.entry.action,
                outcome: r.entry.outcome,
                hash: r.hash,
            })
            .collect(),
    ))
}
