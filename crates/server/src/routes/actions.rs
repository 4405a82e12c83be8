//! `POST /api/v1/incidents/{id}/actions`: what people do to an incident — locate it, note,
//! transfer it between agencies (and answer transfers), send a team, close it.
//!
//! The handler parses the action into domain values and hands it to the incident service,
//! which checks the permission, that the incident involves the caller's agency and every
//! safety rule, and commits the events with what they call for.

use axum::Json;
use axum::extract::{Path, State};
use domain::{AgencyId, Destination, Disposition, Permission, TeamId, Text, UserId};
use incidents::{Committed, HandoffRequest, TransferRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::incidents::parse_id;
use crate::auth::Caller;
use crate::dto::{self, EventDto, IncidentDto, LocationDto};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;

/// Something a user does to an incident.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A new or better location, with its civic address when known (up to 500 characters).
    /// The address said for the old location is cleared.
    UpdateLocation {
        location: LocationDto,
        #[serde(default)]
        address: Option<String>,
    },
    /// The civic address of the incident's location as said, without moving it; empty takes
    /// it back.
    RecordAddress { address: String },
    /// A note for the record (up to 4,000 characters). `audience`: `involved` (every agency
    /// on the incident) or `agency` (only the writer's agency). Left out, a crisis center's
    /// note stays with the center (clinical records: HIPAA, 42 CFR Part 2) and every other
    /// agency's note is shared; choosing `involved` from a crisis center is recorded as the
    /// writer's decision to share.
    AddNote {
        text: String,
        #[serde(default)]
        audience: Option<String>,
    },
    /// Who the person is, for responders: `language` as said (up to 40 characters, e.g.
    /// `Spanish`, `ASL`; empty when not said), whether an `interpreter` is needed, and
    /// `age_band` (`child` under 12, `adolescent` 12–17, `adult` 18–64, `older_adult` 65+;
    /// absent when not said). Replaces what was described before.
    DescribeContact {
        #[serde(default)]
        language: String,
        #[serde(default)]
        interpreter: bool,
        #[serde(default)]
        age_band: Option<String>,
    },
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
    /// Take back the caller's agency's offer before anyone answered it. An imminent-risk
    /// handoff is withdrawn only by a supervisor (`resolve_alarm` does it, saying what was done
    /// instead).
    WithdrawTransfer { reason: String },
    /// Send the call to `destination` (`988`, `mobile_crisis` or `embedded_clinician`) though
    /// its triage decision does not: supervisors, and roles the protocol names, with a reason
    /// that is recorded, shown and counted.
    OverrideDecision { destination: String, reason: String },
    /// Act on the incident's alarm and say what was done (`done`): a returned transfer (the holder), or
    /// an imminent-risk handoff no PSAP took (a supervisor; it also ends the offers).
    ResolveAlarm { done: String },
    /// Take an incident offered to the caller's agency.
    AcceptTransfer,
    /// Refuse an incident offered to the caller's agency; the next tier is offered at once.
    DeclineTransfer { reason: String },
    /// Send one of the caller's agency's mobile crisis teams.
    DispatchTeam { team: Uuid },
    /// Whether the person agreed to be contacted again after the call (a later answer
    /// replaces an earlier one). Only while the incident is open.
    RecordFollowUpConsent { given: bool },
    /// Where the team on scene takes the person (`GET …/destinations` ranks them): the
    /// facility's agency then sees the team coming. The provider of a team on the incident;
    /// `team` defaults to the last one sent.
    ChooseDestination {
        facility: Uuid,
        #[serde(default)]
        team: Option<Uuid>,
    },
    /// The facility takes the person over from the team (its own staff).
    AcceptHandover { facility: Uuid },
    /// The facility turns the team away (`no_room`: no bed or chair), saying why; the team
    /// chooses again.
    RefuseHandover {
        facility: Uuid,
        #[serde(default)]
        no_room: bool,
        reason: String,
    },
    /// End the incident. The agencies' follow-up rules make their follow-ups in the same
    /// commit (shown to each agency in its own `follow_ups`).
    Close {
        /// `resolved_by_phone`, `resolved_on_scene`, `transported`, `referred`,
        /// `handled_by_emergency_services`, `no_contact` or `duplicate`.
        disposition: String,
        #[serde(default)]
        remark: String,
        /// Whether the person agreed to be contacted again, recorded before the close.
        #[serde(default)]
        follow_up_consent: Option<bool>,
    },
}

impl Action {
    /// The action's name as the body gives it (`divert_988`), for the audit trail.
    const fn name(&self) -> &'static str {
        match self {
            Self::UpdateLocation { .. } => "update_location",
            Self::RecordAddress { .. } => "record_address",
            Self::AddNote { .. } => "add_note",
            Self::DescribeContact { .. } => "describe_contact",
            Self::OfferTransfer { .. } => "offer_transfer",
            Self::Divert988 { .. } => "divert_988",
            Self::StartEmergencyHandoff { .. } => "start_emergency_handoff",
            Self::ConfirmEmergencyHandoff { .. } => "confirm_emergency_handoff",
            Self::ClaimClinician { .. } => "claim_clinician",
            Self::ReleaseClinician { .. } => "release_clinician",
            Self::HandClinicianTo { .. } => "hand_clinician_to",
            Self::WithdrawTransfer { .. } => "withdraw_transfer",
            Self::OverrideDecision { .. } => "override_decision",
            Self::ResolveAlarm { .. } => "resolve_alarm",
            Self::AcceptTransfer { .. } => "accept_transfer",
            Self::DeclineTransfer { .. } => "decline_transfer",
            Self::DispatchTeam { .. } => "dispatch_team",
            Self::RecordFollowUpConsent { .. } => "record_follow_up_consent",
            Self::ChooseDestination { .. } => "choose_destination",
            Self::AcceptHandover { .. } => "accept_handover",
            Self::RefuseHandover { .. } => "refuse_handover",
            Self::Close { .. } => "close",
        }
    }

    const fn permission(&self) -> Permission {
        match self {
            Self::UpdateLocation { .. } | Self::RecordAddress { .. } => Permission::IncidentLocate,
            Self::AddNote { .. }
            | Self::DescribeContact { .. }
            | Self::RecordFollowUpConsent { .. } => Permission::IncidentNote,
            Self::OfferTransfer { .. }
            | Self::Divert988
            | Self::WithdrawTransfer { .. }
            | Self::StartEmergencyHandoff { .. }
            | Self::ConfirmEmergencyHandoff { .. } => Permission::TransferOffer,
            // Who may is decided by the incident service: the alarm's kind, the protocol's
            // override roles.
            Self::OverrideDecision { .. } | Self::ResolveAlarm { .. } => Permission::IncidentRead,
            Self::AcceptTransfer | Self::DeclineTransfer { .. } => Permission::TransferRespond,
            Self::DispatchTeam { .. } => Permission::TeamDispatch,
            Self::ClaimClinician | Self::ReleaseClinician { .. } | Self::HandClinicianTo { .. } => {
                Permission::ClinicianQueue
            }
            Self::Close { .. } => Permission::IncidentClose,
            Self::ChooseDestination { .. } => Permission::TeamReport,
            Self::AcceptHandover { .. } | Self::RefuseHandover { .. } => Permission::FacilityUpdate,
        }
    }
}

/// What an action recorded, and the incident after it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionResult {
    pub events: Vec<EventDto>,
    pub incident: IncidentDto,
}

impl ActionResult {
    /// What a command committed, as `viewer`'s users may see it.
    pub fn seen_by(c: &Committed, viewer: AgencyId) -> Self {
        Self {
            events: c
                .events
                .iter()
                .filter(|e| e.event.visible_to(viewer))
                .map(EventDto::from)
                .collect(),
            incident: IncidentDto::seen_by(&c.incident, viewer),
        }
    }
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
    // The audit trail names the action, not only the route (refused ones too).
    if let Some(slot) = &caller.audit {
        slot.detail(action.name());
        slot.disclosure(action.name().to_owned());
    }
    caller.require(action.permission())?;
    let who = caller.incidents();
    let service = &state.incidents;
    let committed = match action {
        Action::UpdateLocation { location, address } => {
            let address = dto::parse_address("address", address.as_deref())?;
            service.locate(&who, id, location.parse("location")?, address).await?
        }
        Action::RecordAddress { address } => {
            let address = dto::parse_address("address", Some(&address))?;
            service.record_address(&who, id, address).await?
        }
        Action::DescribeContact { language, interpreter, age_band } => {
            let details = dto::contact_details(&language, interpreter, age_band.as_deref())?;
            service.describe_contact(&who, id, details).await?
        }
        Action::AddNote { text, audience } => {
            let text = dto::parse_required_text("text", &text, Text::SUMMARY_MAX)?;
            let audience = audience
                .map(|a| {
                    domain::NoteAudience::parse(&a).ok_or_else(|| {
                        ApiError::field(
                            "audience",
                            format!("{a:?} is not an audience; use involved or agency"),
                        )
                    })
                })
                .transpose()?;
            service.add_note(&who, id, text, audience).await?
        }
        Action::OfferTransfer { to_agency, service: route, reason, deadline_seconds } => {
            let request = TransferRequest {
                to: to_agency.map(AgencyId::from_uuid),
                service: route,
                reason: dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?,
                deadline_seconds,
            };
            service.offer_transfer(&who, id, request).await?
        }
        Action::Divert988 => service.divert_988(&who, id).await?,
        Action::StartEmergencyHandoff { reason, hazards, location, callback_number } => {
            // The crisis center discloses the contact's records to 911 without consent,
            // because of a medical emergency: recorded as such, with the records of the change.
            if let Some(slot) = &caller.audit {
                slot.disclosure(format!(
                    "42 CFR 2.51 medical emergency disclosure by {} to the PSAP serving the contact's location; reason: {}",
                    caller.agency.code,
                    reason.chars().take(120).collect::<String>()
                ));
            }
            let request = handoff_request(reason, hazards, location, callback_number)?;
            service.start_emergency_handoff(&who, id, request).await?
        }
        Action::ConfirmEmergencyHandoff { outcome, remark } => {
            let outcome = domain::HandoffOutcome::parse(&outcome).ok_or_else(|| {
                ApiError::field(
                    "outcome",
                    format!("unknown outcome {outcome:?}; use contact_made or could_not_confirm"),
                )
            })?;
            let remark = dto::parse_text("remark", &remark, Text::SHORT_MAX)?;
            service.confirm_emergency_handoff(&who, id, outcome, remark).await?
        }
        Action::ClaimClinician => service.claim_clinician(&who, id).await?,
        Action::ReleaseClinician { reason } => {
            let reason = dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?;
            service.release_clinician(&who, id, reason).await?
        }
        Action::HandClinicianTo { clinician } => {
            service.hand_clinician_to(&who, id, UserId::from_uuid(clinician)).await?
        }
        Action::WithdrawTransfer { reason } => {
            let reason = dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?;
            service.withdraw_transfer(&who, id, reason).await?
        }
        Action::OverrideDecision { destination, reason } => {
            let destination = Destination::parse(&destination)
                .filter(|d| d.is_gated())
                .ok_or_else(|| {
                    ApiError::field(
                        "destination",
                        format!("{destination:?} is not a destination to override; use 988, mobile_crisis or embedded_clinician"),
                    )
                })?;
            let reason = dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?;
            service.override_decision(&who, id, destination, reason).await?
        }
        Action::ResolveAlarm { done } => {
            let done = dto::parse_required_text("done", &done, Text::SHORT_MAX)?;
            service.resolve_alarm(&who, id, done).await?
        }
        Action::AcceptTransfer => service.accept_transfer(&who, id).await?,
        Action::DeclineTransfer { reason } => {
            let reason = dto::parse_required_text("reason", &reason, Text::SHORT_MAX)?;
            service.decline_transfer(&who, id, reason).await?
        }
        Action::DispatchTeam { team } => {
            service.dispatch_team(&who, id, TeamId::from_uuid(team)).await?
        }
        Action::ChooseDestination { facility, team } => {
            service.choose_destination(&who, id, facility, team.map(TeamId::from_uuid)).await?
        }
        Action::AcceptHandover { facility } => {
            service
                .answer_handover(&who, id, facility, incidents::facilities::Handover::Accept)
                .await?
        }
        Action::RefuseHandover { facility, no_room, reason } => {
            let reason = super::facilities::refusal_reason(&reason)?;
            let answer = incidents::facilities::Handover::Refuse { no_room, reason };
            service.answer_handover(&who, id, facility, answer).await?
        }
        Action::RecordFollowUpConsent { given } => {
            service.record_follow_up_consent(&who, id, given).await?
        }
        Action::Close { disposition, remark, follow_up_consent } => {
            let disposition = Disposition::parse(&disposition).ok_or_else(|| {
                ApiError::field("disposition", format!("unknown disposition {disposition:?}; use one of resolved_by_phone, resolved_on_scene, transported, referred, handled_by_emergency_services, no_contact, duplicate"))
            })?;
            let remark = dto::parse_text("remark", &remark, Text::SHORT_MAX)?;
            service.close(&who, id, disposition, remark, follow_up_consent).await?
        }
    };
    Ok(Json(ActionResult::seen_by(&committed, caller.agency.id)))
}

/// A handoff request's fields, each checked.
fn handoff_request(
    reason: String,
    hazards: Vec<String>,
    location: Option<LocationDto>,
    callback_number: Option<String>,
) -> ApiResult<HandoffRequest> {
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
    Ok(HandoffRequest {
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
