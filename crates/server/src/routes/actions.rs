//! `POST /api/v1/incidents/{id}/actions`: what people do to an incident — locate it, note,
//! transfer it between agencies (and answer transfers), send a team, close it.
//!
//! The handler checks the action's permission, that the incident involves the caller's
//! agency, turns the action into its event, and appends it with what it calls for in the
//! same commit: the new routes of a new location, and — when an offer is declined — the
//! offer to the next tier or the transfer's return (`crate::transfers`).

use axum::Json;
use axum::extract::{Path, State};
use domain::{
    AgencyId, Disposition, EventKind, Incident, Permission, RouteTier, TeamId, Text, Timestamp,
    TriageOutcome,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::incidents::{committed, event, parse_id, routes_for, visible};
use crate::auth::Caller;
use crate::dto::{self, EventDto, IncidentDto, LocationDto};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::json::JsonBody;
use crate::state::AppState;

/// Longest time an agency may be given to answer a transfer offer.
const MAX_TRANSFER_SECONDS: u32 = store::MAX_ANSWER_WITHIN_S;
/// The 988 service a divert follows.
const SERVICE_988: &str = "urn:service:counseling.suicide";

/// Something a user does to an incident.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A new or better location.
    UpdateLocation { location: LocationDto },
    /// A note for the record (up to 4,000 characters).
    AddNote { text: String },
    /// Offer the incident to another agency. With `service`, the offer follows that service's
    /// route: its first tier (or `to_agency`, which must be one of its tiers) is offered, and
    /// when an agency declines or does not answer in time the next tier is, until one accepts
    /// or none is left — then the transfer is returned to the caller's agency with an alarm.
    /// Without `service`, only `to_agency` is offered.
    OfferTransfer {
        #[serde(default)]
        to_agency: Option<Uuid>,
        #[serde(default)]
        service: Option<String>,
        reason: String,
        /// Seconds the first agency has to answer, 1 to 3,600; default its tier's answer
        /// time, or 60.
        #[serde(default)]
        deadline_seconds: Option<u32>,
    },
    /// Hand a 911 call to 988 as the triage protocol decided (`divert_988`): offered along the
    /// route of `urn:service:counseling.suicide`, with rollover.
    #[serde(rename = "divert_988")]
    Divert988,
    /// 988 → 911 for imminent risk: the PSAP serving the best known location gets a new
    /// incident made only of the location (with its confidence), the callback number, the
    /// hazards and the reason — never notes or the assessment — offered along the 911 route.
    /// The contact then cannot close until `confirm_emergency_handoff`.
    StartEmergencyHandoff {
        /// Why emergency services are needed, in a sentence (up to 500 characters).
        reason: String,
        /// What responders must know to stay safe (up to 10, each up to 200 characters).
        #[serde(default)]
        hazards: Vec<String>,
        /// A better location than the contact's, if the counselor has one.
        #[serde(default)]
        location: Option<LocationDto>,
        /// Another callback number than the contact's.
        #[serde(default)]
        callback_number: Option<String>,
    },
    /// The follow-up of a handoff: `contact_made` (emergency services reached the person) or
    /// `could_not_confirm`.
    ConfirmEmergencyHandoff {
        outcome: String,
        #[serde(default)]
        remark: String,
    },
    /// Take the call from the embedded-clinician queue (only one clinician holds it).
    ClaimClinician,
    /// Put the call back in the clinician queue.
    ReleaseClinician { reason: String },
    /// Hand the call to another clinician of the agency.
    HandClinicianTo { clinician: Uuid },
    /// Take an incident offered to the caller's agency.
    AcceptTransfer,
    /// Refuse an incident offered to the caller's agency; the next tier is offered at once.
    DeclineTransfer { reason: String },
    /// Send one of the caller's agency's mobile crisis teams.
    DispatchTeam { team: Uuid },
    /// End the incident.
    Close {
        /// `resolved_by_phone`, `resolved_on_scene`, `transported`, `referred`,
        /// `handled_by_emergency_services`, `no_contact` or `duplicate`.
        disposition: String,
        #[serde(default)]
        remark: String,
    },
}

impl Action {
    const fn permission(&self) -> Permission {
        match self {
            Self::UpdateLocation { .. } => Permission::IncidentLocate,
            Self::AddNote { .. } => Permission::IncidentNote,
            Self::OfferTransfer { .. }
            | Self::Divert988
            | Self::StartEmergencyHandoff { .. }
            | Self::ConfirmEmergencyHandoff { .. } => Permission::TransferOffer,
            Self::AcceptTransfer | Self::DeclineTransfer { .. } => Permission::TransferRespond,
            Self::DispatchTeam { .. } => Permission::TeamDispatch,
            Self::ClaimClinician | Self::ReleaseClinician { .. } | Self::HandClinicianTo { .. } => {
                Permission::ClinicianQueue
            }
            Self::Close { .. } => Permission::IncidentClose,
        }
    }
}

/// What an action recorded, and the incident after it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionResult {
    pub events: Vec<EventDto>,
    pub incident: IncidentDto,
}

/// Act on an incident.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/actions", tag = "incidents", request_body = Action,
    params(("id" = Uuid, Path, description = "incident id")),
    responses(
        (status = 200, body = ActionResult, description = "committed"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not valid in the incident's current state"),
        (status = 422, body = ErrorBody),
    ))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(action): JsonBody<Action>,
) -> ApiResult<Json<ActionResult>> {
    let id = parse_id(&id)?;
    caller.require(action.permission())?;
    // One moment for the whole action, so a deadline is measured from the event's own time.
    let now = state.clock.now();
    let incident = visible(&state, &caller, id).await?;
    if let Action::DispatchTeam { team } = action {
        let appended = crate::team_dispatch::dispatch(
            &state,
            &caller,
            &incident,
            TeamId::from_uuid(team),
            now,
        )
        .await?;
        let incident = committed(appended.incident)?;
        return Ok(Json(ActionResult {
            events: appended.events.iter().map(EventDto::from).collect(),
            incident: IncidentDto::from(&incident),
        }));
    }
    if let Action::StartEmergencyHandoff { reason, hazards, location, callback_number } = action {
        let request = handoff_request(reason, hazards, location, callback_number)?;
        let (contact, events) =
            crate::handoff::start(&state, &caller, &incident, request, now).await?;
        return Ok(Json(ActionResult {
            events: events.iter().map(EventDto::from).collect(),
            incident: IncidentDto::from(&contact),
        }));
    }
    let kind = action_event(&state, &caller, action, &incident, now).await?;
    // A new location re-routes, in the same commit.
    let routes = match &kind {
        EventKind::Located { location } => routes_for(&state, location, incident.callback.as_ref()),
        _ => Vec::new(),
    };
    let mut events = vec![event(now, &caller, id, kind)];
    events.extend(routes.into_iter().map(|route| event(now, &caller, id, route)));
    let events = crate::transfers::with_follow_up(&incident, events, now);
    let appended = state.store.append(events).await?;
    let incident = committed(appended.incident)?;
    Ok(Json(ActionResult {
        events: appended.events.iter().map(EventDto::from).collect(),
        incident: IncidentDto::from(&incident),
    }))
}

/// Turns `action` (its permission already checked) into the event it records.
async fn action_event(
    state: &AppState,
    caller: &Caller,
    action: Action,
    incident: &Incident,
    now: Timestamp,
) -> ApiResult<EventKind> {
    Ok(match action {
        Action::UpdateLocation { location } => {
            EventKind::Located { location: location.parse("location")? }
        }
        Action::AddNote { text } => EventKind::NoteAdded {
            text: dto::parse_required_text("text", &text, Text::SUMMARY_MAX)?,
        },
        Action::OfferTransfer { to_agency, service, reason, deadline_seconds } => {
            let reason = dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?;
            let to = to_agency.map(AgencyId::from_uuid);
            if let Some(to) = to
                && state.store.agency(to).await?.is_none()
            {
                return Err(ApiError::field(
                    "to_agency",
                    format!("agency {to} does not exist; GET /api/v1/agencies lists them"),
                ));
            }
            let tiers = match &service {
                Some(service) => route_tiers(incident, service)?,
                None => Vec::new(),
            };
            offer(to, service, tiers, reason, deadline_seconds, now)?
        }
        Action::Divert988 => {
            let decision =
                incident.triage.as_ref().filter(|t| t.outcome == TriageOutcome::Divert988);
            let Some(decision) = decision else {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    "the incident's triage decision is not divert_988: answer the diversion protocol first (POST /api/v1/incidents/{id}/triage)",
                ));
            };
            let reason = format!(
                "divert to 988: rule {} of protocol {} v{}",
                decision.rule, decision.protocol, decision.protocol_version
            );
            let reason = Text::parse(&reason, Text::SHORT_MAX).unwrap_or_default();
            let tiers = route_tiers(incident, SERVICE_988)?;
            offer(None, Some(SERVICE_988.to_owned()), tiers, reason, None, now)?
        }
        Action::StartEmergencyHandoff { .. } => {
            // Carried out by `crate::handoff`, which writes to two incidents.
            return Err(ApiError::new(ErrorCode::Internal, "a handoff is not a single event"));
        }
        Action::ConfirmEmergencyHandoff { outcome, remark } => {
            EventKind::EmergencyHandoffConfirmed {
                outcome: domain::HandoffOutcome::parse(&outcome).ok_or_else(|| {
                    ApiError::field(
                        "outcome",
                        format!(
                            "unknown outcome {outcome:?}; use contact_made or could_not_confirm"
                        ),
                    )
                })?,
                remark: dto::parse_text("remark", &remark, Text::SHORT_MAX)?,
            }
        }
        Action::ClaimClinician => EventKind::ClinicianClaimed { clinician: caller.id() },
        Action::ReleaseClinician { reason } => EventKind::ClinicianReleased {
            reason: dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?,
        },
        Action::HandClinicianTo { clinician } => {
            let user = state.store.user(domain::UserId::from_uuid(clinician)).await?;
            let Some(user) = user.filter(|u| {
                u.agency == caller.agency.id && u.role.allows(Permission::ClinicianQueue)
            }) else {
                return Err(ApiError::field(
                    "clinician",
                    format!("user {clinician} is not a clinician of {}", caller.agency.name),
                ));
            };
            if user.id == caller.id() {
                return Err(ApiError::field(
                    "clinician",
                    "you hold the call already; hand it to another clinician",
                ));
            }
            EventKind::ClinicianHandedOn { to: user.id }
        }
        Action::AcceptTransfer => EventKind::TransferAccepted,
        Action::DeclineTransfer { reason } => EventKind::TransferDeclined {
            reason: dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?,
        },
        Action::DispatchTeam { .. } => {
            // Carried out by `crate::team_dispatch`, which writes to the team and the incident.
            return Err(ApiError::new(ErrorCode::Internal, "a dispatch is not a single event"));
        }
        Action::Close { disposition, remark } => {
            let disposition = Disposition::parse(&disposition).ok_or_else(|| {
                ApiError::field("disposition", format!("unknown disposition {disposition:?}; use one of resolved_by_phone, resolved_on_scene, transported, referred, handled_by_emergency_services, no_contact, duplicate"))
            })?;
            EventKind::Closed {
                disposition,
                remark: dto::parse_text("remark", &remark, Text::SHORT_MAX)?,
            }
        }
    })
}

/// A handoff request's fields, each checked.
fn handoff_request(
    reason: String,
    hazards: Vec<String>,
    location: Option<LocationDto>,
    callback_number: Option<String>,
) -> ApiResult<crate::handoff::HandoffRequest> {
    if hazards.len() > domain::HandoffPayload::MAX_HAZARDS {
        return Err(ApiError::field(
            "hazards",
            format!(
                "{} hazards given; at most {}",
                hazards.len(),
                domain::HandoffPayload::MAX_HAZARDS
            ),
        ));
    }
    Ok(crate::handoff::HandoffRequest {
        location: location.map(|l| l.parse("location")).transpose()?,
        callback: dto::parse_callback(callback_number)?,
        hazards: hazards
            .iter()
            .enumerate()
            .map(|(i, h)| dto::parse_required_text(&format!("hazards[{i}]"), h, 200))
            .collect::<ApiResult<_>>()?,
        reason: dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?,
    })
}

/// The tiers of the incident's route for `service`.
fn route_tiers(incident: &Incident, service: &str) -> ApiResult<Vec<RouteTier>> {
    let route = incident.routes.iter().find(|r| r.service == service).ok_or_else(|| {
        ApiError::field(
            "service",
            format!("the incident has no route for {service}; give its location first, or offer to_agency"),
        )
    })?;
    if route.tiers.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "nobody serves the incident's location for {service} ({}); offer to_agency instead",
                route.rule.as_str()
            ),
        ));
    }
    Ok(route.tiers.clone())
}

/// The first offer of a transfer: to `to` (else the first tier), with the tiers after it.
fn offer(
    to: Option<AgencyId>,
    service: Option<String>,
    tiers: Vec<RouteTier>,
    reason: Text,
    deadline_seconds: Option<u32>,
    now: Timestamp,
) -> ApiResult<EventKind> {
    let start = match to {
        None => 0,
        Some(to) if tiers.is_empty() => {
            let seconds = deadline_seconds.unwrap_or(domain::route::DEFAULT_ANSWER_WITHIN_S);
            return Ok(EventKind::TransferOffered {
                to,
                reason,
                deadline: deadline(seconds, now)?,
                service,
                then: Vec::new(),
            });
        }
        Some(to) => tiers.iter().position(|t| t.agency == to).ok_or_else(|| {
            ApiError::field(
                "to_agency",
                format!("agency {to} is not a tier of the route it was offered along"),
            )
        })?,
    };
    let Some((first, then)) = tiers.get(start..).and_then(<[RouteTier]>::split_first) else {
        return Err(ApiError::field(
            "to_agency",
            "give to_agency or a service whose route names agencies",
        ));
    };
    Ok(EventKind::TransferOffered {
        to: first.agency,
        reason,
        deadline: deadline(deadline_seconds.unwrap_or(first.answer_within_s), now)?,
        service,
        then: then.to_vec(),
    })
}

fn deadline(seconds: u32, now: Timestamp) -> ApiResult<Timestamp> {
    if !(1..=MAX_TRANSFER_SECONDS).contains(&seconds) {
        return Err(ApiError::field(
            "deadline_seconds",
            format!("{seconds} is out of range [1, {MAX_TRANSFER_SECONDS}]"),
        ));
    }
    Ok(now.plus_millis(i64::from(seconds) * 1000))
}
