//! The API's wire types. Requests parse into domain types here, field by field, so that an
//! error names the field; responses are built from domain types.

use domain::Route;
use domain::event::Actor;
use domain::incident::{Closure, Note, TriageDecision};
use domain::{
    CallbackNumber, Channel, GeoPoint, Incident, Location, LocationError, PendingTransfer, Polygon,
    Text,
};
use serde::{Deserialize, Serialize};
use store::RecordedEvent;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// A location: `{"type":"point","lat":38.97,"lon":-95.23,"radius_m":30}` (radius optional,
/// metres), `{"type":"polygon","points":[[lat,lon],...]}`, or `{"type":"unknown"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LocationDto {
    Unknown,
    Point {
        lat: f64,
        lon: f64,
        /// Uncertainty radius in metres (0 to 100,000); absent means 0.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        radius_m: Option<f64>,
    },
    Polygon {
        /// `[lat, lon]` pairs, 3 to 1,000, open or closed.
        points: Vec<[f64; 2]>,
    },
}

impl LocationDto {
    pub fn parse(self, field: &str) -> ApiResult<Location> {
        match self {
            Self::Unknown => Ok(Location::Unknown),
            Self::Point { lat, lon, radius_m } => {
                let center = GeoPoint::parse(lat, lon).map_err(|e| {
                    let part = if matches!(e, LocationError::LongitudeOutOfRange(_)) {
                        "lon"
                    } else {
                        "lat"
                    };
                    ApiError::field(&format!("{field}.{part}"), e)
                })?;
                Location::circle(center, radius_m.unwrap_or(0.0))
                    .map_err(|e| ApiError::field(&format!("{field}.radius_m"), e))
            }
            Self::Polygon { points } => {
                let vertices = points
                    .into_iter()
                    .enumerate()
                    .map(|(i, [lat, lon])| {
                        GeoPoint::parse(lat, lon)
                            .map_err(|e| ApiError::field(&format!("{field}.points[{i}]"), e))
                    })
                    .collect::<ApiResult<Vec<_>>>()?;
                Ok(Location::Polygon(
                    Polygon::parse_simple(vertices)
                        .map_err(|e| ApiError::field(&format!("{field}.points"), e))?,
                ))
            }
        }
    }
}

impl From<&Location> for LocationDto {
    fn from(location: &Location) -> Self {
        match location {
            Location::Unknown => Self::Unknown,
            Location::Circle { center, radius_m } => Self::Point {
                lat: center.lat.degrees(),
                lon: center.lon.degrees(),
                radius_m: Some(*radius_m),
            },
            Location::Polygon(p) => Self::Polygon {
                points: p.vertices().iter().map(|v| [v.lat.degrees(), v.lon.degrees()]).collect(),
            },
        }
    }
}

/// How the contact reached us.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum ChannelDto {
    #[serde(rename = "911")]
    Nine11,
    #[serde(rename = "988")]
    Nine88,
    #[serde(rename = "other")]
    Other,
}

impl From<ChannelDto> for Channel {
    fn from(c: ChannelDto) -> Self {
        match c {
            ChannelDto::Nine11 => Self::Nine11,
            ChannelDto::Nine88 => Self::Nine88,
            ChannelDto::Other => Self::Other,
        }
    }
}

/// A new incident.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIncident {
    pub channel: ChannelDto,
    pub location: LocationDto,
    /// The civic address of the location as said ("1000 W 23rd St, Lawrence"), up to 500
    /// characters; empty or left out when none was given.
    #[serde(default)]
    pub address: Option<String>,
    /// A phone number: 10 digits (North America) or E.164 (`+` and 8 to 15 digits).
    #[serde(default)]
    pub callback_number: Option<String>,
    /// What the caller said, up to 4,000 characters.
    pub summary: String,
    /// The person's language as said (`Spanish`, `ASL`), up to 40 characters.
    #[serde(default)]
    pub language: String,
    /// Whether an interpreter is needed.
    #[serde(default)]
    pub interpreter: bool,
    /// `child` (under 12), `adolescent` (12–17), `adult` (18–64) or `older_adult` (65+).
    #[serde(default)]
    pub age_band: Option<String>,
}

pub fn parse_callback(value: Option<String>) -> ApiResult<Option<CallbackNumber>> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| CallbackNumber::parse(&v).map_err(|e| ApiError::field("callback_number", e)))
        .transpose()
}

/// An address as given: trimmed, up to 500 characters; empty is none.
pub fn parse_address(field: &str, value: Option<&str>) -> ApiResult<Option<Text>> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| parse_text(field, v, Text::SHORT_MAX))
        .transpose()
}

pub fn parse_text(field: &str, value: &str, max: usize) -> ApiResult<Text> {
    Text::parse(value, max).map_err(|e| ApiError::field(field, e))
}

/// A person's details as a request gives them, checked.
pub fn contact_details(
    language: &str,
    interpreter: bool,
    age_band: Option<&str>,
) -> ApiResult<domain::ContactDetails> {
    Ok(domain::ContactDetails {
        language: parse_text("language", language, domain::ContactDetails::LANGUAGE_MAX)?,
        interpreter,
        age_band: age_band
            .filter(|b| !b.is_empty())
            .map(|b| {
                domain::AgeBand::parse(b).ok_or_else(|| {
                    ApiError::field(
                        "age_band",
                        format!(
                            "{b:?} is not an age band; use child, adolescent, adult or older_adult"
                        ),
                    )
                })
            })
            .transpose()?,
    })
}

/// Where a team is taking the person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DestinationChoiceDto {
    pub facility: Uuid,
    /// The agency that runs it.
    pub operator: Uuid,
    pub team: Option<Uuid>,
    pub chosen_at: i64,
    /// Travel time at the choice, in seconds.
    pub eta_s: Option<u32>,
    /// When the facility took the person over.
    pub handed_over_at: Option<i64>,
}

/// The person's details as the API shows them.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ContactDto {
    /// As said (`Spanish`, `ASL`); empty when not said.
    pub language: String,
    pub interpreter: bool,
    /// `child`, `adolescent`, `adult` or `older_adult`; absent when not said.
    pub age_band: Option<String>,
}

impl From<&domain::ContactDetails> for ContactDto {
    fn from(c: &domain::ContactDetails) -> Self {
        Self {
            language: c.language.as_str().to_owned(),
            interpreter: c.interpreter,
            age_band: c.age_band.map(|b| b.as_str().to_owned()),
        }
    }
}

pub fn parse_required_text(field: &str, value: &str, max: usize) -> ApiResult<Text> {
    Text::parse_non_empty(value, max).map_err(|e| ApiError::field(field, e))
}

/// An incident as the API shows it. Times are UTC epoch milliseconds.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IncidentDto {
    pub id: Uuid,
    /// `911`, `988` or `other`.
    pub channel: String,
    /// `open`, `transfer_pending`, `team_dispatched` or `closed`.
    pub status: String,
    pub opened_at: i64,
    pub opened_by: Uuid,
    /// The agency responsible for the incident now.
    pub holder: Uuid,
    pub location: LocationDto,
    /// The civic address given for the location (a new location clears it), or `null`.
    pub address: Option<String>,
    pub callback_number: Option<String>,
    pub summary: String,
    pub involved_agencies: Vec<Uuid>,
    pub routes: Vec<RouteDto>,
    pub triage: Option<TriageDto>,
    /// Earlier decisions, replaced by re-triage, oldest first.
    pub triage_history: Vec<TriageDto>,
    /// The latest triage outcome: what the protocol recommends doing next.
    pub recommended_action: Option<String>,
    /// Overrides of the current decision: where the call may go though the decision does not
    /// send it there, by whom and why.
    pub overrides: Vec<OverrideDto>,
    pub transfer: Option<TransferDto>,
    /// What must not go unnoticed until someone acts: a returned transfer, or an
    /// imminent-risk handoff no PSAP has taken.
    pub alarm: Option<AlarmDto>,
    /// A 988 contact's imminent-risk handoff to a PSAP, and its follow-up.
    pub handoff: Option<HandoffDto>,
    /// The 988 contact whose handoff opened this incident (its PSAP cannot read it).
    pub handed_off_from: Option<Uuid>,
    /// The embedded clinician working the call.
    pub clinician: Option<ClinicianDto>,
    /// Whether the call waits in the embedded-clinician queue (triaged for the clinician,
    /// open, held by nobody).
    pub awaits_clinician: bool,
    pub teams: Vec<Uuid>,
    pub notes: Vec<NoteDto>,
    /// The person's language, interpreter need and age band, as last described.
    pub contact: ContactDto,
    pub closure: Option<ClosureDto>,
    /// Whether the person agreed to be contacted again; absent when nobody asked.
    pub follow_up_consent: Option<bool>,
    /// The viewer's agency's follow-ups of the incident (another agency's are not shown).
    pub follow_ups: Vec<crate::routes::follow_ups::FollowUpDto>,
    /// Where a team is taking the person, and the hand-over.
    pub destination: Option<DestinationChoiceDto>,
    pub updated_at: i64,
    /// Number of events applied; grows by one per event.
    pub version: u64,
}

/// Who serves the incident's location for one service, who is tried after it, and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RouteDto {
    /// A LoST service URN, e.g. `urn:service:counseling.suicide`.
    pub service: String,
    /// The routed agency: the first tier. `null` when nobody covers the location.
    pub agency: Option<Uuid>,
    /// Its name, in routing answers (`null` in an incident's routes: the directory names
    /// them).
    pub agency_name: Option<String>,
    /// The rollover order: the routed agency, then its backups, each with the seconds it has
    /// to answer an offer before the next is tried.
    pub tiers: Vec<RouteTierDto>,
    /// `location` (the location lies in served areas), `area_code` (the location is unknown;
    /// the caller's area code chose), `default` (no area serves the location: the configured
    /// default) or `no_coverage` (nobody is routed).
    pub basis: String,
    /// Whether the location straddles areas of different agencies (then `candidates` lists
    /// them, with their shares).
    pub ambiguous: bool,
    /// The agencies whose areas hold part of the location's shape, largest share first.
    pub candidates: Vec<RouteShareDto>,
    /// The part of the shape outside every area served for the service, in thousandths.
    pub outside_permille: u16,
    /// Where the caller's area code would have been routed (legacy 988 routing), when an
    /// area-code table is configured for the service.
    pub by_area_code: Option<Uuid>,
    /// The rule that chose, in words.
    pub rule: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RouteTierDto {
    pub agency: Uuid,
    /// The agency's name, in routing answers (left out where a transfer lists the tiers still
    /// to try: the directory names them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub answer_within_s: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RouteShareDto {
    pub agency: Uuid,
    /// Thousandths of the location's shape.
    pub share_permille: u16,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TriageDto {
    pub outcome: String,
    pub protocol: String,
    pub protocol_version: u32,
    pub rule: String,
    /// `[question, answer]` pairs as given (`unknown` when the caller could not say).
    pub answers: Vec<(String, String)>,
    pub at: i64,
    /// Who recorded it (`null`: Crisisbridge), for which agency.
    pub by: Option<Uuid>,
    pub agency: Uuid,
    /// Why the incident was triaged again, for a decision that replaced another.
    pub retriage_reason: Option<String>,
}

/// An override of the triage decision.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OverrideDto {
    /// `988`, `mobile_crisis` or `embedded_clinician`.
    pub destination: String,
    pub reason: String,
    pub at: i64,
    pub by: Option<Uuid>,
    pub agency: Uuid,
}

/// An incident's alarm.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AlarmDto {
    /// `transfer_returned` or `handoff_unanswered`.
    pub kind: String,
    pub raised_at: i64,
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
/// A transfer under way: the agency offered the incident now, until when, and who comes next.
pub struct TransferDto {
    /// The holder who started it; it keeps the incident until someone accepts.
    pub from: Uuid,
    /// The agency offered the incident now.
    pub to: Uuid,
    pub reason: String,
    /// The service whose route gave the tiers, when it follows one.
    pub service: Option<String>,
    pub started_at: i64,
    pub offered_at: i64,
    /// Until when `to` may answer; then the next tier is offered, or the transfer returned.
    pub deadline: i64,
    /// The tiers still to try after `to`, in order.
    pub then: Vec<RouteTierDto>,
    /// Offers made so far, this one included.
    pub attempt: u32,
    /// What kind of service it goes to: `988`, `mobile_crisis`, `psap` or `other`.
    pub destination: String,
    /// Offered round after round until someone takes it (an imminent-risk handoff).
    pub until_taken: bool,
    /// Rounds through the tiers begun so far.
    pub round: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClinicianDto {
    pub user: Uuid,
    pub since: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandoffDto {
    /// The PSAP's incident.
    pub incident: Uuid,
    pub started_at: i64,
    /// `contact_made` or `could_not_confirm`; `null` until the 988 side records it (the
    /// contact cannot close before).
    pub outcome: Option<String>,
    pub outcome_at: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoteDto {
    pub at: i64,
    pub agency: Uuid,
    pub text: String,
    /// `involved` (every agency on the incident) or `agency` (only the writer's).
    pub audience: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClosureDto {
    pub at: i64,
    pub disposition: String,
    pub remark: String,
}

impl IncidentDto {
    /// The incident as `viewer`'s users may see it: without other agencies' private notes.
    pub fn seen_by(incident: &Incident, viewer: domain::AgencyId) -> Self {
        Self::from_visible(&incident.as_seen_by(viewer))
    }

    fn from_visible(i: &Incident) -> Self {
        Self {
            id: i.id.as_uuid(),
            channel: i.channel.as_str().to_owned(),
            status: i.status().as_str().to_owned(),
            opened_at: i.opened_at.as_millis(),
            opened_by: i.opened_by.as_uuid(),
            holder: i.holder.as_uuid(),
            location: (&i.location).into(),
            address: i.address.as_ref().map(|a| a.as_str().to_owned()),
            callback_number: i.callback.as_ref().map(|c| c.as_str().to_owned()),
            summary: i.summary.as_str().to_owned(),
            involved_agencies: i.involved.iter().map(|a| a.as_uuid()).collect(),
            routes: i.routes.iter().map(|r| route(r, &|_| None)).collect(),
            triage: i.triage.as_ref().map(triage),
            triage_history: i.triage_history.iter().map(triage).collect(),
            recommended_action: i.triage.as_ref().map(|t| t.outcome.as_str().to_owned()),
            overrides: i
                .overrides
                .iter()
                .map(|o| OverrideDto {
                    destination: o.destination.as_str().to_owned(),
                    reason: o.reason.as_str().to_owned(),
                    at: o.at.as_millis(),
                    by: user_of(o.actor),
                    agency: o.agency.as_uuid(),
                })
                .collect(),
            transfer: i.transfer.as_ref().map(transfer),
            alarm: i.alarm.as_ref().map(|a| AlarmDto {
                kind: a.kind.as_str().to_owned(),
                raised_at: a.raised_at.as_millis(),
                reason: a.reason.as_str().to_owned(),
            }),
            handoff: i.handoff.as_ref().map(|h| HandoffDto {
                incident: h.incident.as_uuid(),
                started_at: h.started_at.as_millis(),
                outcome: h.outcome.map(|(o, _)| o.as_str().to_owned()),
                outcome_at: h.outcome.map(|(_, at)| at.as_millis()),
            }),
            handed_off_from: i.handed_off_from.map(|id| id.as_uuid()),
            clinician: i.clinician.map(|(user, since)| ClinicianDto {
                user: user.as_uuid(),
                since: since.as_millis(),
            }),
            awaits_clinician: i.awaits_clinician(),
            teams: i.teams.iter().map(|t| t.as_uuid()).collect(),
            notes: i.notes.iter().map(note).collect(),
            contact: ContactDto::from(&i.contact),
            closure: i.closure.as_ref().map(closure),
            follow_up_consent: i.follow_up_consent,
            follow_ups: i.follow_ups.iter().map(Into::into).collect(),
            destination: i.destination.as_ref().map(|d| DestinationChoiceDto {
                facility: d.facility,
                operator: d.operator.as_uuid(),
                team: d.team.map(|t| t.as_uuid()),
                chosen_at: d.chosen_at.as_millis(),
                eta_s: d.eta_s,
                handed_over_at: d.handed_over_at.map(domain::Timestamp::as_millis),
            }),
            updated_at: i.updated_at.as_millis(),
            version: i.version,
        }
    }
}

/// A route, each agency named by `name`.
pub(crate) fn route(r: &Route, name: &dyn Fn(domain::AgencyId) -> Option<String>) -> RouteDto {
    RouteDto {
        service: r.service.clone(),
        agency: r.agency().map(|a| a.as_uuid()),
        agency_name: r.agency().and_then(name),
        tiers: r.tiers.iter().map(|t| RouteTierDto { name: name(t.agency), ..tier(t) }).collect(),
        basis: r.basis.as_str().to_owned(),
        ambiguous: r.is_ambiguous(),
        candidates: r
            .candidates
            .iter()
            .map(|c| RouteShareDto { agency: c.agency.as_uuid(), share_permille: c.share_permille })
            .collect(),
        outside_permille: r.outside_permille,
        by_area_code: r.by_area_code.map(|a| a.as_uuid()),
        rule: r.rule.as_str().to_owned(),
    }
}

fn triage(t: &TriageDecision) -> TriageDto {
    TriageDto {
        outcome: t.outcome.as_str().to_owned(),
        protocol: t.protocol.clone(),
        protocol_version: t.protocol_version,
        rule: t.rule.clone(),
        answers: t.answers.clone(),
        at: t.at.as_millis(),
        by: user_of(t.actor),
        agency: t.agency.as_uuid(),
        retriage_reason: t.retriage_reason.as_ref().map(|r| r.as_str().to_owned()),
    }
}

fn user_of(actor: domain::event::Actor) -> Option<Uuid> {
    match actor {
        domain::event::Actor::User(u) => Some(u.as_uuid()),
        domain::event::Actor::System => None,
    }
}

fn transfer(t: &PendingTransfer) -> TransferDto {
    TransferDto {
        from: t.from.as_uuid(),
        to: t.to.as_uuid(),
        reason: t.reason.as_str().to_owned(),
        service: t.service.clone(),
        started_at: t.started_at.as_millis(),
        offered_at: t.offered_at.as_millis(),
        deadline: t.deadline.as_millis(),
        then: t.then.iter().map(tier).collect(),
        attempt: t.attempt,
        destination: t.destination.as_str().to_owned(),
        until_taken: t.until_taken,
        round: t.round,
    }
}

fn tier(t: &domain::RouteTier) -> RouteTierDto {
    RouteTierDto { agency: t.agency.as_uuid(), name: None, answer_within_s: t.answer_within_s }
}

fn note(n: &Note) -> NoteDto {
    NoteDto {
        at: n.at.as_millis(),
        agency: n.agency.as_uuid(),
        text: n.text.as_str().to_owned(),
        audience: n.audience.as_str().to_owned(),
    }
}

fn closure(c: &Closure) -> ClosureDto {
    ClosureDto {
        at: c.at.as_millis(),
        disposition: c.disposition.as_str().to_owned(),
        remark: c.remark.as_str().to_owned(),
    }
}

/// One event of the log, as the API and the live stream show it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventDto {
    /// Position in the global log; use it as `Last-Event-ID` to resume the stream.
    pub seq: u64,
    pub incident_id: Uuid,
    pub at: i64,
    /// The user who acted; null when Crisisbridge itself did (e.g. a deadline passed).
    pub actor: Option<Uuid>,
    pub agency: Uuid,
    /// `opened`, `located`, `routed`, `triage_recorded`, `transfer_offered`,
    /// `transfer_accepted`, `transfer_declined`, `transfer_timed_out`, `transfer_returned`,
    /// `emergency_handoff_started`, `emergency_handoff_confirmed`, `handed_off_from`,
    /// `clinician_claimed`, `clinician_released`, `clinician_handed_on`, `team_dispatched`,
    /// `team_status_changed`, `note_added`, `contact_described`, `closed`,
    /// `follow_up_consent_recorded`, `follow_up_scheduled`, `follow_up_attempted` or
    /// `follow_up_finished` (the last three only to the follow-up's agency).
    pub kind: String,
    /// The kind's own fields.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<&RecordedEvent> for EventDto {
    fn from(r: &RecordedEvent) -> Self {
        let mut data: serde_json::Value =
            serde_json::from_str(&store::codec::encode_event(&r.event.kind)).unwrap_or_default();
        if let Some(object) = data.as_object_mut() {
            object.remove("kind");
        }
        Self {
            seq: r.seq,
            incident_id: r.event.incident.as_uuid(),
            at: r.event.at.as_millis(),
            actor: match r.event.actor {
                Actor::User(u) => Some(u.as_uuid()),
                Actor::System => None,
            },
            agency: r.event.agency.as_uuid(),
            kind: r.event.kind.name().to_owned(),
            data,
        }
    }
}
