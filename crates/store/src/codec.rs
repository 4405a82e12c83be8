//! JSON row formats: how events and incident projections are written to a database.
//!
//! Decoding goes through the domain's parsers, so a tampered or foreign row comes back as
//! [`StoreError::Corrupt`], never as an invalid domain value.

use std::collections::BTreeSet;

use domain::incident::{Closure, Note, TriageDecision};
use domain::{
    AgencyId, CallbackNumber, Channel, Disposition, EventKind, GeoPoint, Incident, IncidentId,
    Location, PendingTransfer, Polygon, Route, RouteBasis, RouteShare, RouteTier, TeamId, Text,
    Timestamp, TriageOutcome, Unanswered,
};
use domain::{EmergencyHandoff, HandoffOutcome, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Result, StoreError};

/// A location as stored: points are `[lat, lon]` pairs. The same shape as the API's, so an
/// event's data reads the same in the log, the API and the live stream.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LocationRow {
    Unknown,
    #[serde(rename = "point")]
    Circle {
        lat: f64,
        lon: f64,
        radius_m: f64,
    },
    Polygon {
        points: Vec<[f64; 2]>,
    },
}

impl From<&Location> for LocationRow {
    fn from(location: &Location) -> Self {
        match location {
            Location::Unknown => Self::Unknown,
            Location::Circle { center, radius_m } => Self::Circle {
                lat: center.lat.degrees(),
                lon: center.lon.degrees(),
                radius_m: *radius_m,
            },
            Location::Polygon(polygon) => Self::Polygon {
                points: polygon
                    .vertices()
                    .iter()
                    .map(|p| [p.lat.degrees(), p.lon.degrees()])
                    .collect(),
            },
        }
    }
}

impl TryFrom<LocationRow> for Location {
    type Error = StoreError;

    fn try_from(row: LocationRow) -> Result<Self> {
        Ok(match row {
            LocationRow::Unknown => Self::Unknown,
            LocationRow::Circle { lat, lon, radius_m } => {
                Self::circle(GeoPoint::parse(lat, lon).map_err(corrupt)?, radius_m)
                    .map_err(corrupt)?
            }
            LocationRow::Polygon { points } => {
                let vertices = points
                    .into_iter()
                    .map(|[lat, lon]| GeoPoint::parse(lat, lon))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(corrupt)?;
                Self::Polygon(Polygon::parse(vertices).map_err(corrupt)?)
            }
        })
    }
}

/// A route as stored, in events and projections alike.
///
/// Rows written before routes had tiers hold only `service`, `agency` and `rule`: they read
/// back as a route by location to that one agency with the default answer time.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRow {
    service: String,
    /// The routed agency (the first tier); `null` when nobody covers the location.
    agency: Option<Uuid>,
    #[serde(default)]
    tiers: Vec<TierRow>,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    candidates: Vec<ShareRow>,
    #[serde(default)]
    outside_permille: u16,
    #[serde(default)]
    by_area_code: Option<Uuid>,
    rule: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierRow {
    agency: Uuid,
    answer_within_s: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareRow {
    agency: Uuid,
    share_permille: u16,
}

impl From<&RouteTier> for TierRow {
    fn from(t: &RouteTier) -> Self {
        Self { agency: t.agency.as_uuid(), answer_within_s: t.answer_within_s }
    }
}

impl From<TierRow> for RouteTier {
    fn from(t: TierRow) -> Self {
        Self { agency: AgencyId::from_uuid(t.agency), answer_within_s: t.answer_within_s }
    }
}

impl From<&Route> for RouteRow {
    fn from(r: &Route) -> Self {
        Self {
            service: r.service.clone(),
            agency: r.agency().map(|a| a.as_uuid()),
            tiers: r.tiers.iter().map(TierRow::from).collect(),
            basis: Some(r.basis.as_str().to_owned()),
            candidates: r
                .candidates
                .iter()
                .map(|c| ShareRow { agency: c.agency.as_uuid(), share_permille: c.share_permille })
                .collect(),
            outside_permille: r.outside_permille,
            by_area_code: r.by_area_code.map(|a| a.as_uuid()),
            rule: r.rule.as_str().to_owned(),
        }
    }
}

impl TryFrom<RouteRow> for Route {
    type Error = StoreError;

    fn try_from(row: RouteRow) -> Result<Self> {
        let rule = text(&row.rule)?;
        let Some(basis) = row.basis else {
            // A row from before tiers: one agency, found by location.
            let agency =
                row.agency.ok_or_else(|| corrupt("a route without basis names no agency"))?;
            return Ok(Self::single(row.service, AgencyId::from_uuid(agency), rule));
        };
        let basis = RouteBasis::parse(&basis)
            .ok_or_else(|| corrupt(format!("unknown route basis {basis:?}")))?;
        let tiers: Vec<RouteTier> = row.tiers.into_iter().map(RouteTier::from).collect();
        if tiers.is_empty() != (basis == RouteBasis::NoCoverage)
            || tiers.first().map(|t| t.agency.as_uuid()) != row.agency
        {
            return Err(corrupt("a route's agency, tiers and basis disagree"));
        }
        if row.outside_permille > 1000 || row.candidates.iter().any(|c| c.share_permille > 1000) {
            return Err(corrupt("a route's share is over 1000 permille"));
        }
        Ok(Self {
            service: row.service,
            tiers,
            basis,
            candidates: row
                .candidates
                .into_iter()
                .map(|c| RouteShare {
                    agency: AgencyId::from_uuid(c.agency),
                    share_permille: c.share_permille,
                })
                .collect(),
            outside_permille: row.outside_permille,
            by_area_code: row.by_area_code.map(AgencyId::from_uuid),
            rule,
        })
    }
}

/// A projection's route: written as a [`RouteRow`]; projections from before tiers hold
/// `[service, agency, rule]` triples.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum StoredRoute {
    Route(RouteRow),
    Triple(String, Uuid, String),
}

impl TryFrom<StoredRoute> for Route {
    type Error = StoreError;

    fn try_from(stored: StoredRoute) -> Result<Self> {
        match stored {
            StoredRoute::Route(row) => row.try_into(),
            StoredRoute::Triple(service, agency, rule) => {
                Ok(Self::single(service, AgencyId::from_uuid(agency), text(&rule)?))
            }
        }
    }
}

/// An event's body as stored; `kind` names the variant.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum EventRow {
    Opened {
        channel: String,
        location: LocationRow,
        callback: Option<String>,
        summary: String,
    },
    Located {
        location: LocationRow,
    },
    Routed(RouteRow),
    TriageRecorded {
        outcome: String,
        protocol: String,
        protocol_version: u32,
        rule: String,
        answers: Vec<(String, String)>,
    },
    TransferOffered {
        to: Uuid,
        reason: String,
        deadline: i64,
        // Offers written before rollover tiers have neither: no service, no tiers after.
        #[serde(default)]
        service: Option<String>,
        #[serde(default)]
        then: Vec<TierRow>,
    },
    TransferAccepted,
    TransferDeclined {
        reason: String,
    },
    TransferTimedOut,
    TransferReturned {
        reason: String,
    },
    EmergencyHandoffStarted {
        handoff: Uuid,
    },
    EmergencyHandoffConfirmed {
        outcome: String,
        remark: String,
    },
    HandedOffFrom {
        incident: Uuid,
    },
    ClinicianClaimed {
        clinician: Uuid,
    },
    ClinicianReleased {
        reason: String,
    },
    ClinicianHandedOn {
        to: Uuid,
    },
    TeamDispatched {
        team: Uuid,
        provider: Uuid,
    },
    TeamStatusChanged {
        team: Uuid,
        status: String,
    },
    NoteAdded {
        text: String,
    },
    Closed {
        disposition: String,
        remark: String,
    },
}

/// The JSON body of an event.
pub fn encode_event(kind: &EventKind) -> String {
    let row = match kind {
        EventKind::Opened { channel, location, callback, summary } => EventRow::Opened {
            channel: channel.as_str().to_owned(),
            location: location.into(),
            callback: callback.as_ref().map(|c| c.as_str().to_owned()),
            summary: summary.as_str().to_owned(),
        },
        EventKind::Located { location } => EventRow::Located { location: location.into() },
        EventKind::Routed(route) => EventRow::Routed(route.into()),
        EventKind::TriageRecorded { outcome, protocol, protocol_version, rule, answers } => {
            EventRow::TriageRecorded {
                outcome: outcome.as_str().to_owned(),
                protocol: protocol.clone(),
                protocol_version: *protocol_version,
                rule: rule.clone(),
                answers: answers.clone(),
            }
        }
        EventKind::TransferOffered { to, reason, deadline, service, then } => {
            EventRow::TransferOffered {
                to: to.as_uuid(),
                reason: reason.as_str().to_owned(),
                deadline: deadline.as_millis(),
                service: service.clone(),
                then: then.iter().map(TierRow::from).collect(),
            }
        }
        EventKind::TransferAccepted => EventRow::TransferAccepted,
        EventKind::TransferDeclined { reason } => {
            EventRow::TransferDeclined { reason: reason.as_str().to_owned() }
        }
        EventKind::TransferTimedOut => EventRow::TransferTimedOut,
        EventKind::TransferReturned { reason } => {
            EventRow::TransferReturned { reason: reason.as_str().to_owned() }
        }
        EventKind::EmergencyHandoffStarted { handoff } => {
            EventRow::EmergencyHandoffStarted { handoff: handoff.as_uuid() }
        }
        EventKind::EmergencyHandoffConfirmed { outcome, remark } => {
            EventRow::EmergencyHandoffConfirmed {
                outcome: outcome.as_str().to_owned(),
                remark: remark.as_str().to_owned(),
            }
        }
        EventKind::HandedOffFrom { incident } => {
            EventRow::HandedOffFrom { incident: incident.as_uuid() }
        }
        EventKind::ClinicianClaimed { clinician } => {
            EventRow::ClinicianClaimed { clinician: clinician.as_uuid() }
        }
        EventKind::ClinicianReleased { reason } => {
            EventRow::ClinicianReleased { reason: reason.as_str().to_owned() }
        }
        EventKind::ClinicianHandedOn { to } => EventRow::ClinicianHandedOn { to: to.as_uuid() },
        EventKind::TeamDispatched { team, provider } => {
            EventRow::TeamDispatched { team: team.as_uuid(), provider: provider.as_uuid() }
        }
        EventKind::TeamStatusChanged { team, status } => {
            EventRow::TeamStatusChanged { team: team.as_uuid(), status: status.as_str().to_owned() }
        }
        EventKind::NoteAdded { text } => EventRow::NoteAdded { text: text.as_str().to_owned() },
        EventKind::Closed { disposition, remark } => EventRow::Closed {
            disposition: disposition.as_str().to_owned(),
            remark: remark.as_str().to_owned(),
        },
    };
    to_json(&row)
}

/// Reads back what [`encode_event`] wrote.
pub fn decode_event(json: &str) -> Result<EventKind> {
    let row: EventRow = serde_json::from_str(json).map_err(corrupt)?;
    Ok(match row {
        EventRow::Opened { channel, location, callback, summary } => EventKind::Opened {
            channel: channel_from(&channel)?,
            location: location.try_into()?,
            callback: callback
                .as_deref()
                .map(CallbackNumber::parse)
                .transpose()
                .map_err(corrupt)?,
            summary: text(&summary)?,
        },
        EventRow::Located { location } => EventKind::Located { location: location.try_into()? },
        EventRow::Routed(route) => EventKind::Routed(route.try_into()?),
        EventRow::TriageRecorded { outcome, protocol, protocol_version, rule, answers } => {
            EventKind::TriageRecorded {
                outcome: TriageOutcome::parse(&outcome)
                    .ok_or_else(|| corrupt(format!("unknown triage outcome {outcome:?}")))?,
                protocol,
                protocol_version,
                rule,
                answers,
            }
        }
        EventRow::TransferOffered { to, reason, deadline, service, then } => {
            EventKind::TransferOffered {
                to: AgencyId::from_uuid(to),
                reason: text(&reason)?,
                deadline: Timestamp::from_millis(deadline),
                service,
                then: then.into_iter().map(RouteTier::from).collect(),
            }
        }
        EventRow::TransferAccepted => EventKind::TransferAccepted,
        EventRow::TransferDeclined { reason } => {
            EventKind::TransferDeclined { reason: text(&reason)? }
        }
        EventRow::TransferTimedOut => EventKind::TransferTimedOut,
        EventRow::TransferReturned { reason } => {
            EventKind::TransferReturned { reason: text(&reason)? }
        }
        EventRow::EmergencyHandoffStarted { handoff } => {
            EventKind::EmergencyHandoffStarted { handoff: IncidentId::from_uuid(handoff) }
        }
        EventRow::EmergencyHandoffConfirmed { outcome, remark } => {
            EventKind::EmergencyHandoffConfirmed {
                outcome: handoff_outcome(&outcome)?,
                remark: text(&remark)?,
            }
        }
        EventRow::HandedOffFrom { incident } => {
            EventKind::HandedOffFrom { incident: IncidentId::from_uuid(incident) }
        }
        EventRow::ClinicianClaimed { clinician } => {
            EventKind::ClinicianClaimed { clinician: UserId::from_uuid(clinician) }
        }
        EventRow::ClinicianReleased { reason } => {
            EventKind::ClinicianReleased { reason: text(&reason)? }
        }
        EventRow::ClinicianHandedOn { to } => {
            EventKind::ClinicianHandedOn { to: UserId::from_uuid(to) }
        }
        EventRow::TeamDispatched { team, provider } => EventKind::TeamDispatched {
            team: TeamId::from_uuid(team),
            provider: AgencyId::from_uuid(provider),
        },
        EventRow::TeamStatusChanged { team, status } => EventKind::TeamStatusChanged {
            team: TeamId::from_uuid(team),
            status: domain::TeamStatus::from_name(&status)
                .ok_or_else(|| corrupt(format!("unknown team status {status:?}")))?,
        },
        EventRow::NoteAdded { text: t } => EventKind::NoteAdded { text: text(&t)? },
        EventRow::Closed { disposition, remark } => EventKind::Closed {
            disposition: Disposition::parse(&disposition)
                .ok_or_else(|| corrupt(format!("unknown disposition {disposition:?}")))?,
            remark: text(&remark)?,
        },
    })
}

/// An incident projection as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentRow {
    id: Uuid,
    channel: String,
    opened_at: i64,
    opened_by: Uuid,
    holder: Uuid,
    location: LocationRow,
    callback: Option<String>,
    summary: String,
    involved: Vec<Uuid>,
    routes: Vec<StoredRoute>,
    triage: Option<TriageRow>,
    transfer: Option<TransferRow>,
    /// `(incident, started_at, outcome, outcome_at)`; absent in rows from before handoffs.
    #[serde(default)]
    handoff: Option<(Uuid, i64, Option<String>, Option<i64>)>,
    #[serde(default)]
    handed_off_from: Option<Uuid>,
    /// `(clinician, since)`; absent in rows from before the clinician queue.
    #[serde(default)]
    clinician: Option<(Uuid, i64)>,
    teams: Vec<Uuid>,
    notes: Vec<(i64, Uuid, String)>,
    closure: Option<(i64, String, String)>,
    updated_at: i64,
    version: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriageRow {
    outcome: String,
    protocol: String,
    protocol_version: u32,
    rule: String,
    answers: Vec<(String, String)>,
    at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferRow {
    from: Uuid,
    to: Uuid,
    reason: String,
    offered_at: i64,
    deadline: i64,
    // Projections written before rollover tiers lack the fields below: one offer, no tiers.
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    started_at: Option<i64>,
    #[serde(default)]
    then: Vec<TierRow>,
    #[serde(default)]
    attempt: Option<u32>,
    /// `declined` or `timed_out` once the offer was not taken.
    #[serde(default)]
    unanswered: Option<String>,
    #[serde(default)]
    declined_because: Option<String>,
}

/// The JSON of an incident projection.
pub fn encode_incident(i: &Incident) -> String {
    let row = IncidentRow {
        id: i.id.as_uuid(),
        channel: i.channel.as_str().to_owned(),
        opened_at: i.opened_at.as_millis(),
        opened_by: i.opened_by.as_uuid(),
        holder: i.holder.as_uuid(),
        location: (&i.location).into(),
        callback: i.callback.as_ref().map(|c| c.as_str().to_owned()),
        summary: i.summary.as_str().to_owned(),
        involved: i.involved.iter().map(AgencyId::as_uuid).collect(),
        routes: i.routes.iter().map(|r| StoredRoute::Route(r.into())).collect(),
        triage: i.triage.as_ref().map(|t| TriageRow {
            outcome: t.outcome.as_str().to_owned(),
            protocol: t.protocol.clone(),
            protocol_version: t.protocol_version,
            rule: t.rule.clone(),
            answers: t.answers.clone(),
            at: t.at.as_millis(),
        }),
        transfer: i.transfer.as_ref().map(|t| TransferRow {
            from: t.from.as_uuid(),
            to: t.to.as_uuid(),
            reason: t.reason.as_str().to_owned(),
            offered_at: t.offered_at.as_millis(),
            deadline: t.deadline.as_millis(),
            service: t.service.clone(),
            started_at: Some(t.started_at.as_millis()),
            then: t.then.iter().map(TierRow::from).collect(),
            attempt: Some(t.attempt),
            unanswered: t.unanswered.as_ref().map(|u| match u {
                Unanswered::Declined { .. } => "declined".to_owned(),
                Unanswered::TimedOut => "timed_out".to_owned(),
            }),
            declined_because: match &t.unanswered {
                Some(Unanswered::Declined { reason }) => Some(reason.as_str().to_owned()),
                _ => None,
            },
        }),
        handoff: i.handoff.as_ref().map(|h| {
            (
                h.incident.as_uuid(),
                h.started_at.as_millis(),
                h.outcome.map(|(o, _)| o.as_str().to_owned()),
                h.outcome.map(|(_, at)| at.as_millis()),
            )
        }),
        handed_off_from: i.handed_off_from.map(|id| id.as_uuid()),
        clinician: i.clinician.map(|(user, since)| (user.as_uuid(), since.as_millis())),
        teams: i.teams.iter().map(TeamId::as_uuid).collect(),
        notes: i
            .notes
            .iter()
            .map(|n| (n.at.as_millis(), n.agency.as_uuid(), n.text.as_str().to_owned()))
            .collect(),
        closure: i.closure.as_ref().map(|c| {
            (c.at.as_millis(), c.disposition.as_str().to_owned(), c.remark.as_str().to_owned())
        }),
        updated_at: i.updated_at.as_millis(),
        version: i.version,
    };
    to_json(&row)
}

/// Reads back what [`encode_incident`] wrote.
pub fn decode_incident(json: &str) -> Result<Incident> {
    let row: IncidentRow = serde_json::from_str(json).map_err(corrupt)?;
    let ts = Timestamp::from_millis;
    Ok(Incident {
        id: IncidentId::from_uuid(row.id),
        channel: channel_from(&row.channel)?,
        opened_at: ts(row.opened_at),
        opened_by: AgencyId::from_uuid(row.opened_by),
        holder: AgencyId::from_uuid(row.holder),
        location: row.location.try_into()?,
        callback: row
            .callback
            .as_deref()
            .map(CallbackNumber::parse)
            .transpose()
            .map_err(corrupt)?,
        summary: text(&row.summary)?,
        involved: row.involved.into_iter().map(AgencyId::from_uuid).collect::<BTreeSet<_>>(),
        routes: row.routes.into_iter().map(Route::try_from).collect::<Result<_>>()?,
        triage: row
            .triage
            .map(|t| {
                Ok::<_, StoreError>(TriageDecision {
                    outcome: TriageOutcome::parse(&t.outcome).ok_or_else(|| {
                        corrupt(format!("unknown triage outcome {:?}", t.outcome))
                    })?,
                    protocol: t.protocol,
                    protocol_version: t.protocol_version,
                    rule: t.rule,
                    answers: t.answers,
                    at: ts(t.at),
                })
            })
            .transpose()?,
        transfer: row
            .transfer
            .map(|t| {
                let unanswered = match (t.unanswered.as_deref(), t.declined_because) {
                    (None, _) => None,
                    (Some("declined"), reason) => Some(Unanswered::Declined {
                        reason: text(reason.as_deref().unwrap_or_default())?,
                    }),
                    (Some("timed_out"), _) => Some(Unanswered::TimedOut),
                    (Some(other), _) => {
                        return Err(corrupt(format!("unknown end of an offer {other:?}")));
                    }
                };
                Ok::<_, StoreError>(PendingTransfer {
                    from: AgencyId::from_uuid(t.from),
                    to: AgencyId::from_uuid(t.to),
                    reason: text(&t.reason)?,
                    service: t.service,
                    started_at: ts(t.started_at.unwrap_or(t.offered_at)),
                    offered_at: ts(t.offered_at),
                    deadline: ts(t.deadline),
                    then: t.then.into_iter().map(RouteTier::from).collect(),
                    attempt: t.attempt.unwrap_or(1),
                    unanswered,
                })
            })
            .transpose()?,
        handoff: row
            .handoff
            .map(|(incident, started_at, outcome, outcome_at)| {
                let outcome = match (outcome, outcome_at) {
                    (Some(o), Some(at)) => Some((handoff_outcome(&o)?, ts(at))),
                    (None, None) => None,
                    _ => return Err(corrupt("a handoff's outcome and its time disagree")),
                };
                Ok(EmergencyHandoff {
                    incident: IncidentId::from_uuid(incident),
                    started_at: ts(started_at),
                    outcome,
                })
            })
            .transpose()?,
        handed_off_from: row.handed_off_from.map(IncidentId::from_uuid),
        clinician: row.clinician.map(|(user, since)| (UserId::from_uuid(user), ts(since))),
        teams: row.teams.into_iter().map(TeamId::from_uuid).collect(),
        notes: row
            .notes
            .into_iter()
            .map(|(at, agency, t)| {
                Ok(Note { at: ts(at), agency: AgencyId::from_uuid(agency), text: text(&t)? })
            })
            .collect::<Result<_>>()?,
        closure: row
            .closure
            .map(|(at, disposition, remark)| {
                Ok::<_, StoreError>(Closure {
                    at: ts(at),
                    disposition: Disposition::parse(&disposition)
                        .ok_or_else(|| corrupt(format!("unknown disposition {disposition:?}")))?,
                    remark: text(&remark)?,
                })
            })
            .transpose()?,
        updated_at: ts(row.updated_at),
        version: row.version,
    })
}

fn handoff_outcome(s: &str) -> Result<HandoffOutcome> {
    HandoffOutcome::parse(s).ok_or_else(|| corrupt(format!("unknown handoff outcome {s:?}")))
}

fn channel_from(s: &str) -> Result<Channel> {
    Channel::parse(s).ok_or_else(|| corrupt(format!("unknown channel {s:?}")))
}

/// Stored text was checked on the way in; a generous bound here only catches tampering.
fn text(s: &str) -> Result<Text> {
    Text::parse(s, Text::SUMMARY_MAX).map_err(corrupt)
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising these rows cannot fail: every field is a string, number, uuid or list.
    serde_json::to_string(value).unwrap_or_default()
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_route_written_before_tiers_reads_as_one_agency_by_location() {
        let agency = Uuid::now_v7();
        let json = format!(
            r#"{{"kind":"routed","service":"urn:service:sos","agency":"{agency}","rule":"the point lies in Douglas County (20045)"}}"#
        );
        let EventKind::Routed(route) = decode_event(&json).unwrap() else { panic!("not a route") };
        assert_eq!(route.agency(), Some(AgencyId::from_uuid(agency)));
        assert_eq!(route.basis, RouteBasis::Location);
        assert_eq!(route.tiers[0].answer_within_s, domain::route::DEFAULT_ANSWER_WITHIN_S);
        assert_eq!(route.rule.as_str(), "the point lies in Douglas County (20045)");
    }

    #[test]
    fn a_route_whose_agency_and_tiers_disagree_is_corrupt() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let json = format!(
            r#"{{"kind":"routed","service":"urn:service:sos","agency":"{a}","tiers":[{{"agency":"{b}","answer_within_s":60}}],"basis":"location","rule":"r"}}"#
        );
        assert!(matches!(decode_event(&json), Err(StoreError::Corrupt(_))));
        let no_coverage_with_tier = format!(
            r#"{{"kind":"routed","service":"urn:service:sos","agency":"{a}","tiers":[{{"agency":"{a}","answer_within_s":60}}],"basis":"no_coverage","rule":"r"}}"#
        );
        assert!(matches!(decode_event(&no_coverage_with_tier), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn routes_round_trip_through_the_row_format() {
        let (a, b) = (AgencyId::from_uuid(Uuid::now_v7()), AgencyId::from_uuid(Uuid::now_v7()));
        let route = Route {
            service: "urn:service:counseling.suicide".into(),
            tiers: vec![
                RouteTier { agency: a, answer_within_s: 30 },
                RouteTier { agency: b, answer_within_s: 90 },
            ],
            basis: RouteBasis::Location,
            candidates: vec![
                RouteShare { agency: a, share_permille: 612 },
                RouteShare { agency: b, share_permille: 300 },
            ],
            outside_permille: 88,
            by_area_code: Some(b),
            rule: Text::parse("straddles", 100).unwrap(),
        };
        let kind = EventKind::Routed(route);
        assert_eq!(decode_event(&encode_event(&kind)).unwrap(), kind);
    }
}
