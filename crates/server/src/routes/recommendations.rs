//! `GET /api/v1/incidents/{id}/recommendations`: which of the caller's agency's teams to send,
//! ranked, each with a plain-language explanation (`dispatch::recommend`).
//!
//! Travel times are by road when the deployment has a road graph (`road_graph` in the
//! config), else straight-line estimates, and every candidate says which. Coverage is measured
//! over the provider's own area — where it is the primary for mobile crisis — sampled on a
//! grid of at most [`dispatch::CoverageArea::MAX_POINTS`] points.

use axum::Json;
use axum::extract::{Path, Query, State};
use dispatch::{Candidate, Capability, Eligibility, ResponseTarget};
use domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::incidents::parse_id;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecommendQuery {
    /// Comma-separated capabilities the call needs, e.g. `youth,lang:es`.
    pub capabilities: Option<String>,
    /// `urban` (60 min, the default), `rural` (120 min) or a number of minutes: the
    /// response-time target coverage is measured against.
    pub target: Option<String>,
}

/// One team in the ranking.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CandidateDto {
    pub team: Uuid,
    pub name: String,
    pub eligible: bool,
    /// Why the team may not be sent, when it may not.
    pub not_eligible: Option<String>,
    pub eta_seconds: Option<f64>,
    /// `road` or `straight_line`.
    pub eta_source: Option<String>,
    /// `live`, `stale` or `home_base`: where the ETA starts from.
    pub position: Option<String>,
    /// Required capabilities the team lacks.
    pub missing: Vec<String>,
    pub recent_calls: u32,
    pub coverage_before: Option<f64>,
    pub coverage_after: Option<f64>,
    pub coverage_loss: Option<f64>,
    /// Seconds; lower ranks first.
    pub score: Option<f64>,
    pub explanation: String,
}

/// Rank the caller's teams for an incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/recommendations", tag = "teams",
    params(("id" = Uuid, Path, description = "incident id"), RecommendQuery),
    responses((status = 200, body = [CandidateDto]), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the incident's location is unknown"),
        (status = 400, body = ErrorBody)))]
pub async fn recommend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<RecommendQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<CandidateDto>>> {
    caller.require(Permission::TeamDispatch)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let id = parse_id(&id)?;
    let required = query
        .capabilities
        .iter()
        .flat_map(|c| c.split(','))
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            Capability::parse(c).map_err(|e| {
                ApiError::new(ErrorCode::InvalidParameter, format!("capabilities: {e}"))
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let target = match query.target.as_deref().map(str::trim) {
        None | Some("urban") => ResponseTarget::Urban,
        Some("rural") => ResponseTarget::Rural,
        Some(minutes) => match minutes.parse::<u32>() {
            Ok(m) if (1..=24 * 60).contains(&m) => ResponseTarget::Within(m * 60),
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!("target: {minutes:?} is not urban, rural or 1 to 1440 minutes"),
                ));
            }
        },
    };
    let candidates = state.incidents.recommend(&caller.incidents(), id, &required, target).await?;
    Ok(Json(candidates.iter().map(dto).collect()))
}

fn dto(c: &Candidate) -> CandidateDto {
    CandidateDto {
        team: c.team.as_uuid(),
        name: c.name.clone(),
        eligible: c.is_eligible(),
        not_eligible: match c.eligibility {
            Eligibility::Eligible => None,
            Eligibility::NotEligible(reason) => Some(reason.as_str().to_owned()),
        },
        eta_seconds: c.eta.map(|e| f64::from(e.millis) / 1000.0),
        eta_source: c.eta.map(|e| e.source.as_str().to_owned()),
        position: c.position.map(|p| p.as_str().to_owned()),
        missing: c.missing.iter().map(|m| m.as_str().to_owned()).collect(),
        recent_calls: c.recent_calls,
        coverage_before: c.coverage.map(|cov| cov.before),
        coverage_after: c.coverage.map(|cov| cov.after),
        coverage_loss: c.coverage.map(|cov| cov.loss()),
        score: c.score_s,
        explanation: c.explanation.clone(),
    }
}
