//! `GET /api/v1/areas`: the deployment's areas with their boundaries, as GeoJSON, for drawing
//! maps (the console draws county outlines from it; it loads no map tiles from anywhere).

use axum::Json;
use axum::extract::State;
use domain::Permission;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// Every area as a GeoJSON Feature (`id` its code, `properties.name`), in a FeatureCollection.
#[utoipa::path(get, path = "/api/v1/areas", tag = "routing",
    responses((status = 200, description = "a GeoJSON FeatureCollection", body = Object),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Permission::AgencyRead)?;
    let features: Vec<Value> = state
        .routing
        .current()
        .map(|table| {
            table
                .areas()
                .iter()
                .map(|a| {
                    // The stored boundary is GeoJSON already; parse it back for the document.
                    let geometry: Value = serde_json::from_str(&a.to_geojson()).unwrap_or(Value::Null);
                    json!({"type": "Feature", "id": a.id, "properties": {"name": a.name}, "geometry": geometry})
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(json!({"type": "FeatureCollection", "features": features})))
}
