//! `/api/v1/routing/lookup`: who would serve a location, for every service, without opening an
//! incident — for a call-taker checking a location before committing it, and for consoles.

use axum::Json;
use axum::extract::State;
use domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::dto::{self, LocationDto, RouteDto};
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub location: LocationDto,
    /// The caller's number: with an unknown location its area code may decide, and every
    /// route says where the area code alone would have gone.
    #[serde(default)]
    pub callback_number: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LookupResponse {
    /// One route per configured service, by service; empty when nothing is configured.
    pub routes: Vec<RouteDto>,
    /// The routing table's version (it moves whenever areas, service areas or agencies change).
    pub routing_version: Option<u64>,
}

/// Who serves a location, per service.
#[utoipa::path(post, path = "/api/v1/routing/lookup", tag = "routing", request_body = LookupRequest,
    responses((status = 200, body = LookupResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<LookupRequest>,
) -> ApiResult<Json<LookupResponse>> {
    caller.require(Permission::AgencyRead)?;
    let location = body.location.parse("location")?;
    let callback = dto::parse_callback(body.callback_number)?;
    let table = state.routing.current();
    let routes = table.as_ref().map(|t| t.route(&location, callback.as_ref())).unwrap_or_default();
    let name = |id| table.as_ref().and_then(|t| t.agency(id)).map(|a| a.name.clone());
    Ok(Json(LookupResponse {
        routes: routes.iter().map(|r| dto::route(r, &name)).collect(),
        routing_version: table.map(|t| t.version()),
    }))
}
