//! Somewhere to go: crisis facilities and their availability (`/api/v1/facilities`), a
//! facility's staff reporting its room, the teams coming to it, and an incident's destinations
//! ranked for the person (`/api/v1/incidents/{id}/destinations`). Choosing one and the
//! hand-over are incident actions (`choose_destination`, `accept_handover`,
//! `refuse_handover`).

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::facility::{AvailabilityReport, Facility, FacilityStatus};
use domain::{Permission, Text};
use incidents::facilities::Ranked;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::incidents::parse_id;
use crate::auth::Caller;
use crate::dto::{self, IncidentDto};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

/// A crisis facility and its availability as last reported.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FacilityDto {
    pub id: Uuid,
    /// The agency that runs it.
    pub agency: Uuid,
    pub code: String,
    pub name: String,
    /// `crisis_receiving`, `crisis_stabilization`, `walk_in_clinic`, `detox`, `shelter` or
    /// `emergency_department`.
    pub kind: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub hours: String,
    pub always_open: bool,
    /// Age bands it takes (`child`, `adolescent`, `adult`, `older_adult`); empty for all.
    pub ages: Vec<String>,
    pub involuntary: bool,
    pub intoxicated: bool,
    pub insurance: Vec<String>,
    /// `accepting`, `diversion` or `closed`.
    pub status: String,
    pub beds_free: Option<u32>,
    pub chairs_free: Option<u32>,
    /// When the availability was last reported (UTC epoch milliseconds).
    pub updated_at: i64,
    /// Older than the deployment's stale time (`facility_stale_minutes`): call ahead.
    pub stale: bool,
}

impl FacilityDto {
    pub fn of(f: &Facility, now: i64, stale_ms: i64) -> Self {
        Self {
            id: f.id,
            agency: f.agency.as_uuid(),
            code: f.code.clone(),
            name: f.name.clone(),
            kind: f.kind.as_str().to_owned(),
            address: f.address.clone(),
            lat: f.location.lat.degrees(),
            lon: f.location.lon.degrees(),
            hours: f.hours.clone(),
            always_open: f.always_open,
            ages: f.accepts.ages.iter().map(|a| a.as_str().to_owned()).collect(),
            involuntary: f.accepts.involuntary,
            intoxicated: f.accepts.intoxicated,
            insurance: f.accepts.insurance.clone(),
            status: f.availability.status.as_str().to_owned(),
            beds_free: f.availability.beds_free,
            chairs_free: f.availability.chairs_free,
            updated_at: f.availability.updated_at.as_millis(),
            stale: now - f.availability.updated_at.as_millis() > stale_ms,
        }
    }
}

fn stale_ms(state: &AppState) -> i64 {
    state.incidents.dispatch_settings().facility_stale_ms
}

/// Every crisis facility, by name.
#[utoipa::path(get, path = "/api/v1/facilities", tag = "facilities",
    responses((status = 200, body = [FacilityDto]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<FacilityDto>>> {
    let facilities = state.incidents.facilities(&caller.incidents()).await?;
    let now = state.clock.now().as_millis();
    Ok(Json(facilities.iter().map(|f| FacilityDto::of(f, now, stale_ms(&state))).collect()))
}

/// A facility's room, as its staff report it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityBody {
    /// `accepting`, `diversion` or `closed`.
    pub status: String,
    /// Beds free, 0 or more; absent when the facility has none or does not count them.
    #[serde(default)]
    pub beds_free: Option<i64>,
    /// Chairs (23-hour observation) free, 0 or more; absent when it has none.
    #[serde(default)]
    pub chairs_free: Option<i64>,
}

/// Reports a facility's availability: its own staff, or a supervisor of the agency that runs
/// it.
#[utoipa::path(post, path = "/api/v1/facilities/{id}/availability", tag = "facilities",
    params(("id" = Uuid, Path, description = "facility id")), request_body = AvailabilityBody,
    responses((status = 200, body = FacilityDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AvailabilityBody>,
) -> ApiResult<Json<FacilityDto>> {
    caller.require(Permission::FacilityUpdate)?;
    let id = Uuid::parse_str(&id).map_err(|e| {
        ApiError::new(ErrorCode::InvalidParameter, format!("id {id:?} is not a facility id: {e}"))
    })?;
    let status = FacilityStatus::parse(&body.status).ok_or_else(|| {
        ApiError::field(
            "status",
            format!("unknown status {:?}; use accepting, diversion or closed", body.status),
        )
    })?;
    let count = |field: &str, n: Option<i64>| -> ApiResult<Option<u32>> {
        n.map(|n| {
            u32::try_from(n)
                .map_err(|_| ApiError::field(field, format!("{n} given; a count is 0 or more")))
        })
        .transpose()
    };
    let report = AvailabilityReport {
        status,
        beds_free: count("beds_free", body.beds_free)?,
        chairs_free: count("chairs_free", body.chairs_free)?,
    };
    let facility = state.incidents.report_availability(&caller.incidents(), id, report).await?;
    Ok(Json(FacilityDto::of(&facility, state.clock.now().as_millis(), stale_ms(&state))))
}

/// A team coming to one of the caller's facilities.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IncomingDto {
    pub facility: Uuid,
    pub team: Option<Uuid>,
    /// The team's name, as its provider calls it.
    pub team_name: Option<String>,
    pub chosen_at: i64,
    /// When the team is expected: from its latest GPS position when it has one, else the
    /// choice plus the travel time estimated then.
    pub expected_at: Option<i64>,
    /// `gps` or `choice`: what `expected_at` was worked out from.
    pub expected_from: Option<String>,
    /// The incident, as the facility's agency may see it.
    pub incident: IncidentDto,
}

/// The teams bringing a person to the caller's agency's facilities, not yet handed over.
#[utoipa::path(get, path = "/api/v1/facilities/incoming", tag = "facilities",
    responses((status = 200, body = [IncomingDto]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn incoming(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<IncomingDto>>> {
    let incidents = state.incidents.incoming(&caller.incidents()).await?;
    caller.disclosed(incidents.iter().map(|i| i.id));
    let mut out = Vec::with_capacity(incidents.len());
    for i in &incidents {
        let Some(d) = i.destination.as_ref() else { continue };
        let team_name = match d.team {
            Some(team) => state.store.team(team).await?.map(|t| t.name),
            None => None,
        };
        let expected = state.incidents.expected_arrival(i).await?;
        out.push(IncomingDto {
            facility: d.facility,
            team: d.team.map(|t| t.as_uuid()),
            team_name,
            chosen_at: d.chosen_at.as_millis(),
            expected_at: expected.map(|(at, _)| at.as_millis()),
            expected_from: expected.map(|(_, gps)| (if gps { "gps" } else { "choice" }).to_owned()),
            incident: IncidentDto::seen_by(i, caller.agency.id),
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DestinationsQuery {
    /// The person is held involuntarily (an emergency detention).
    #[serde(default)]
    pub involuntary: Option<bool>,
    /// The person is intoxicated.
    #[serde(default)]
    pub intoxicated: Option<bool>,
}

/// One facility's place for the person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DestinationDto {
    pub facility: FacilityDto,
    pub eligible: bool,
    /// Why not, when not eligible.
    pub ineligible_because: Option<String>,
    /// `free`, `stale` (accepting as last said, but the report is old), `full`, `diversion`
    /// or `closed`: a facility on diversion or without room is never above one with room.
    pub room: String,
    /// Travel time from the incident's location, in seconds.
    pub eta_s: Option<u32>,
    /// `road` or `straight_line`.
    pub eta_source: Option<String>,
    /// The rank's reason, in words.
    pub reason: String,
}

/// Every facility ranked for the incident's person: eligible first (the age band described,
/// involuntary hold, intoxication), then by room, then by travel time from the incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/destinations", tag = "facilities",
    params(("id" = Uuid, Path, description = "incident id"), DestinationsQuery),
    responses((status = 200, body = [DestinationDto]), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn destinations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<DestinationsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<DestinationDto>>> {
    let id = parse_id(&id)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    let ranked = state
        .incidents
        .rank_destinations(
            &caller.incidents(),
            id,
            query.involuntary.unwrap_or(false),
            query.intoxicated.unwrap_or(false),
        )
        .await?;
    let now = state.clock.now().as_millis();
    Ok(Json(ranked.iter().map(|r| destination(r, now, stale_ms(&state))).collect()))
}

fn destination(r: &Ranked, now: i64, stale_ms: i64) -> DestinationDto {
    DestinationDto {
        facility: FacilityDto::of(&r.facility, now, stale_ms),
        eligible: r.ineligible.is_none(),
        ineligible_because: r.ineligible.clone(),
        room: r.room.as_str().to_owned(),
        eta_s: r.eta.map(|e| e.millis.div_ceil(1000)),
        eta_source: r.eta.map(|e| e.source.as_str().to_owned()),
        reason: r.reason.clone(),
    }
}

/// A reason a facility gives for turning a team away, checked.
pub fn refusal_reason(reason: &str) -> ApiResult<Text> {
    dto::parse_required_text("reason", reason, Text::SHORT_MAX)
}
