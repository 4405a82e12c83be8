//! `/api/v1/agencies`: the directory, so a console can name agencies and pick transfer targets.

use axum::Json;
use axum::extract::State;
use domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyDto {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// `psap`, `crisis_center`, `mobile_crisis_provider`, `law_enforcement` or `ems`.
    pub kind: String,
    pub time_zone: String,
    /// Where other systems reach the agency (a SIP, tel or https URI), when configured.
    pub uri: Option<String>,
}

/// Every agency.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "agencies",
    responses((status = 200, body = [AgencyDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AgencyDto>>> {
    caller.require(Permission::AgencyRead)?;
    let agencies = state.store.agencies().await?;
    Ok(Json(
        agencies
            .into_iter()
            .map(|a| AgencyDto {
                id: a.id.as_uuid(),
                code: a.code,
                name: a.name,
                kind: a.kind.as_str().to_owned(),
                time_zone: a.time_zone,
                uri: a.uri,
            })
            .collect(),
    ))
}
