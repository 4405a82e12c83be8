//! `/api/v1/teams`: mobile crisis teams — their live state, GPS fixes from their phones, and
//! shift and status changes.
//!
//! A provider's staff see and report for the provider's own teams only (`TeamRead`,
//! `TeamReport`); any other team is "not found". A team's phone posts fixes as its
//! responder's session: one fix or a batch, each kept as a breadcrumb with what it did to the
//! position (`current`, `out_of_order`, `impossible_jump`, `ahead_of_clock`).

use axum::Json;
use axum::extract::{Path, Query, State};
use dispatch::{Fix, FixVerdict, TeamState};
use domain::{GeoPoint, Permission, TeamId, Timestamp};
use serde::{Deserialize, Serialize};
use store::TeamCommand;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

/// The most fixes one request may carry.
pub const MAX_FIXES_PER_REQUEST: usize = 500;

/// A team as the console shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamDto {
    pub id: Uuid,
    pub name: String,
    pub provider: Uuid,
    pub capabilities: Vec<String>,
    /// Who is on the team.
    pub members: Vec<String>,
    /// `on` or `off`.
    pub shift: String,
    /// `available`, `dispatched`, `en_route`, `on_scene`, `transporting`, `at_facility` or
    /// `out_of_service`.
    pub status: String,
    pub status_since: i64,
    /// The incident the team is working, while on a call.
    pub incident: Option<Uuid>,
    pub position: Option<PositionDto>,
    /// Whether the position is older than three reporting intervals (or unknown).
    pub stale: bool,
    pub home_base: PointDto,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PositionDto {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub speed_mps: Option<f64>,
    pub heading_deg: Option<f64>,
    /// The fix's own time.
    pub at: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PointDto {
    pub lat: f64,
    pub lon: f64,
}

impl TeamDto {
    pub(crate) fn of(state: &TeamState, now: Timestamp, stale: &dispatch::StalePolicy) -> Self {
        let p = &state.profile;
        Self {
            id: p.id.as_uuid(),
            name: p.name.clone(),
            provider: p.provider.as_uuid(),
            capabilities: p.capabilities.iter().map(|c| c.as_str().to_owned()).collect(),
            members: p.members.clone(),
            shift: state.shift().as_str().to_owned(),
            status: state.status().as_str().to_owned(),
            status_since: state.status_since().as_millis(),
            incident: state.incident().map(|i| i.as_uuid()),
            position: state.position().current().map(|f| PositionDto {
                lat: f.point().lat.degrees(),
                lon: f.point().lon.degrees(),
                accuracy_m: f.accuracy_m(),
                speed_mps: f.speed_mps(),
                heading_deg: f.heading_deg(),
                at: f.at().as_millis(),
            }),
            stale: state.is_stale(now, stale),
            home_base: PointDto { lat: p.home_base.lat.degrees(), lon: p.home_base.lon.degrees() },
        }
    }
}

/// The caller's agency's teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams",
    responses((status = 200, body = [TeamDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TeamDto>>> {
    caller.require(Permission::TeamRead)?;
    let now = state.clock.now();
    let policy = state.settings.stale_policy();
    let teams = state.store.team_states(Some(caller.agency.id)).await?;
    Ok(Json(teams.iter().map(|t| TeamDto::of(t, now, &policy)).collect()))
}

/// One of the caller's agency's teams.
pub(crate) async fn own_team(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<TeamState> {
    let id: TeamId = raw
        .parse()
        .map_err(|e: domain::IdError| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
    state
        .store
        .team_state(id)
        .await?
        .filter(|t| t.profile.provider == caller.agency.id)
        .ok_or_else(|| ApiError::not_found(format!("team {id}")))
}

/// A GPS fix as a phone sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixDto {
    /// When the phone measured it, UTC epoch milliseconds.
    pub at: i64,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    #[serde(default)]
    pub speed_mps: Option<f64>,
    #[serde(default)]
    pub heading_deg: Option<f64>,
}

/// One fix, or a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PositionsRequest {
    Batch { fixes: Vec<FixDto> },
    One(FixDto),
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PositionsResult {
    /// Per fix, in order: `current`, `out_of_order`, `impossible_jump` or `ahead_of_clock`.
    pub verdicts: Vec<String>,
    pub team: TeamDto,
}

/// Report GPS fixes for a team (its responder's phone).
#[utoipa::path(post, path = "/api/v1/teams/{id}/positions", tag = "teams", request_body = PositionsRequest,
    params(("id" = Uuid, Path, description = "team id")),
    responses((status = 200, body = PositionsResult, description = "durable"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn positions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PositionsRequest>,
) -> ApiResult<Json<PositionsResult>> {
    caller.require(Permission::TeamReport)?;
    let team = own_team(&state, &caller, &id).await?;
    let dtos = match body {
        PositionsRequest::Batch { fixes } => fixes,
        PositionsRequest::One(fix) => vec![fix],
    };
    if dtos.is_empty() || dtos.len() > MAX_FIXES_PER_REQUEST {
        return Err(ApiError::field(
            "fixes",
            format!("give 1 to {MAX_FIXES_PER_REQUEST} fixes, not {}", dtos.len()),
        ));
    }
    let fixes = dtos
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let field = format!("fixes[{i}]");
            let point = GeoPoint::parse(f.lat, f.lon).map_err(|e| ApiError::field(&field, e))?;
            Fix::parse(
                Timestamp::from_millis(f.at),
                point,
                f.accuracy_m,
                f.speed_mps,
                f.heading_deg,
            )
            .map_err(|e| ApiError::field(&field, e))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let now = state.clock.now();
    let recorded = state.store.record_fixes(team.id(), fixes, now).await?;
    metrics::counter!("crisisbridge_team_fixes_total").increment(recorded.verdicts.len() as u64);
    Ok(Json(PositionsResult {
        verdicts: recorded.verdicts.iter().map(|v| verdict(v).to_owned()).collect(),
        team: TeamDto::of(&recorded.state, now, &state.settings.stale_policy()),
    }))
}

fn verdict(v: &FixVerdict) -> &'static str {
    store::team_codec::encode_verdict(v).0
}

/// Something a team's responder or dispatcher reports.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TeamAction {
    StartShift,
    EndShift,
    /// `en_route`, `on_scene`, `transporting`, `at_facility`, `available` (clear) or
    /// `out_of_service`; a team is dispatched through the incident (`dispatch_team`).
    SetStatus {
        status: String,
    },
}

/// Change a team's shift or status.
#[utoipa::path(post, path = "/api/v1/teams/{id}/actions", tag = "teams", request_body = TeamAction,
    params(("id" = Uuid, Path, description = "team id")),
    responses((status = 200, body = TeamDto), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not allowed from the team's status"), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(action): JsonBody<TeamAction>,
) -> ApiResult<Json<TeamDto>> {
    caller.require(Permission::TeamReport)?;
    let team = own_team(&state, &caller, &id).await?;
    let command = match action {
        TeamAction::StartShift => TeamCommand::StartShift,
        TeamAction::EndShift => TeamCommand::EndShift,
        TeamAction::SetStatus { status } => TeamCommand::SetStatus {
            status: dispatch::parse_status(&status).map_err(|e| ApiError::field("status", e))?,
        },
    };
    let after = state.incidents.change_team(&caller.incidents(), team.id(), command).await?;
    let now = state.clock.now();
    Ok(Json(TeamDto::of(&after, now, &state.settings.stale_policy())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BreadcrumbQuery {
    /// Fixes measured at or after this time (UTC epoch ms); default the last hour.
    pub since: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BreadcrumbDto {
    pub at: i64,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub received_at: i64,
    pub verdict: String,
}

/// A team's recent breadcrumbs, oldest first (at most 5,000).
#[utoipa::path(get, path = "/api/v1/teams/{id}/breadcrumbs", tag = "teams", params(("id" = Uuid, Path), BreadcrumbQuery),
    responses((status = 200, body = [BreadcrumbDto]), (status = 404, body = ErrorBody)))]
pub async fn breadcrumbs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<BreadcrumbQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<BreadcrumbDto>>> {
    caller.require(Permission::TeamRead)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let team = own_team(&state, &caller, &id).await?;
    let since = query
        .since
        .map_or_else(|| state.clock.now().plus_millis(-3_600_000), Timestamp::from_millis);
    let crumbs = state.store.breadcrumbs(team.id(), since, 5000).await?;
    Ok(Json(
        crumbs
            .iter()
            .map(|b| BreadcrumbDto {
                at: b.fix.at().as_millis(),
                lat: b.fix.point().lat.degrees(),
                lon: b.fix.point().lon.degrees(),
                accuracy_m: b.fix.accuracy_m(),
                received_at: b.received_at.as_millis(),
                verdict: verdict(&b.verdict).to_owned(),
            })
            .collect(),
    ))
}
