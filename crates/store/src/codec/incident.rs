//! The incident projection as stored.

use std::collections::BTreeSet;

use domain::incident::{Closure, Note, TriageDecision};
use domain::{
    AgencyId, Alarm, AlarmKind, CallbackNumber, Destination, Disposition, EmergencyHandoff,
    Incident, IncidentId, NoteAudience, Override, PendingTransfer, Route, RouteTier, TeamId,
    Timestamp, TriageOutcome, Unanswered, UserId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rows::{LocationRow, StoredRoute, TierRow};
use super::{actor_of, actor_row, channel_from, corrupt, handoff_outcome, text, to_json};
use crate::{Result, StoreError};

type DestinationRow = (Uuid, Uuid, Option<Uuid>, i64, Option<u32>, Option<i64>);

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
    /// Absent in rows written before addresses were kept.
    #[serde(default)]
    address: Option<String>,
    callback: Option<String>,
    summary: String,
    involved: Vec<Uuid>,
    routes: Vec<StoredRoute>,
    triage: Option<TriageRow>,
    #[serde(default)]
    triage_history: Vec<TriageRow>,
    /// `(destination, reason, at, actor, agency)`.
    #[serde(default)]
    overrides: Vec<(String, String, i64, Option<Uuid>, Uuid)>,
    transfer: Option<TransferRow>,
    /// `(kind, raised_at, reason)`.
    #[serde(default)]
    alarm: Option<(String, i64, String)>,
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
    /// Positions in `notes` of the notes for their own agency only; absent in rows from
    /// before audiences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    private_notes: Vec<usize>,
    /// `(agency, version)`: each agency's last part in the incident; absent in older rows.
    #[serde(default)]
    last_part: Vec<(Uuid, u64)>,
    /// Providers that sent a team; absent in older rows.
    #[serde(default)]
    responders: Vec<Uuid>,
    closure: Option<(i64, String, String)>,
    /// `(language, interpreter, age band)`; absent in older rows and when nothing was said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<(String, bool, Option<String>)>,
    /// Absent in older rows and when nobody asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    follow_up_consent: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    follow_ups: Vec<super::follow_up::FollowUpRow>,
    /// `(facility, operator, team, chosen_at, eta_s, handed_over_at)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    destination: Option<DestinationRow>,
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
    // Decisions stored before re-triage lack these: recorded by a person of the opening agency.
    #[serde(default)]
    actor: Option<Uuid>,
    #[serde(default)]
    agency: Option<Uuid>,
    #[serde(default)]
    retriage_reason: Option<String>,
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
    // Projections written before the protocol gate: unclassified, returned when not taken.
    #[serde(default)]
    destination: Option<String>,
    #[serde(default)]
    until_taken: bool,
    #[serde(default)]
    tiers: Option<Vec<TierRow>>,
    #[serde(default)]
    round: Option<u32>,
}

fn triage_row(t: &TriageDecision) -> TriageRow {
    TriageRow {
        outcome: t.outcome.as_str().to_owned(),
        protocol: t.protocol.clone(),
        protocol_version: t.protocol_version,
        rule: t.rule.clone(),
        answers: t.answers.clone(),
        at: t.at.as_millis(),
        actor: actor_row(t.actor),
        agency: Some(t.agency.as_uuid()),
        retriage_reason: t.retriage_reason.as_ref().map(|r| r.as_str().to_owned()),
    }
}

/// A stored decision; one stored before decisions named their agency was the opener's.
fn decision(t: TriageRow, opened_by: AgencyId) -> Result<TriageDecision> {
    Ok(TriageDecision {
        outcome: TriageOutcome::parse(&t.outcome)
            .ok_or_else(|| corrupt(format!("unknown triage outcome {:?}", t.outcome)))?,
        protocol: t.protocol,
        protocol_version: t.protocol_version,
        rule: t.rule,
        answers: t.answers,
        at: Timestamp::from_millis(t.at),
        actor: actor_of(t.actor),
        agency: t.agency.map_or(opened_by, AgencyId::from_uuid),
        retriage_reason: t.retriage_reason.as_deref().map(text).transpose()?,
    })
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
        address: i.address.as_ref().map(|a| a.as_str().to_owned()),
        callback: i.callback.as_ref().map(|c| c.as_str().to_owned()),
        summary: i.summary.as_str().to_owned(),
        involved: i.involved.iter().map(AgencyId::as_uuid).collect(),
        routes: i.routes.iter().map(|r| StoredRoute::Route(r.into())).collect(),
        triage: i.triage.as_ref().map(triage_row),
        triage_history: i.triage_history.iter().map(triage_row).collect(),
        overrides: i
            .overrides
            .iter()
            .map(|o| {
                (
                    o.destination.as_str().to_owned(),
                    o.reason.as_str().to_owned(),
                    o.at.as_millis(),
                    actor_row(o.actor),
                    o.agency.as_uuid(),
                )
            })
            .collect(),
        alarm: i.alarm.as_ref().map(|a| {
            (a.kind.as_str().to_owned(), a.raised_at.as_millis(), a.reason.as_str().to_owned())
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
            destination: Some(t.destination.as_str().to_owned()),
            until_taken: t.until_taken,
            tiers: Some(t.tiers.iter().map(TierRow::from).collect()),
            round: Some(t.round),
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
        private_notes: i
            .notes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.audience == NoteAudience::Agency)
            .map(|(index, _)| index)
            .collect(),
        last_part: i.last_part.iter().map(|(a, v)| (a.as_uuid(), *v)).collect(),
        responders: i.responders.iter().map(AgencyId::as_uuid).collect(),
        closure: i.closure.as_ref().map(|c| {
            (c.at.as_millis(), c.disposition.as_str().to_owned(), c.remark.as_str().to_owned())
        }),
        contact: (i.contact != domain::ContactDetails::default()).then(|| {
            (
                i.contact.language.as_str().to_owned(),
                i.contact.interpreter,
                i.contact.age_band.map(|b| b.as_str().to_owned()),
            )
        }),
        follow_up_consent: i.follow_up_consent,
        follow_ups: i.follow_ups.iter().map(Into::into).collect(),
        destination: i.destination.as_ref().map(|d| {
            (
                d.facility,
                d.operator.as_uuid(),
                d.team.map(|t| t.as_uuid()),
                d.chosen_at.as_millis(),
                d.eta_s,
                d.handed_over_at.map(Timestamp::as_millis),
            )
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
    let opened_by = AgencyId::from_uuid(row.opened_by);
    Ok(Incident {
        id: IncidentId::from_uuid(row.id),
        channel: channel_from(&row.channel)?,
        opened_at: ts(row.opened_at),
        opened_by,
        holder: AgencyId::from_uuid(row.holder),
        location: row.location.try_into()?,
        address: row.address.as_deref().map(text).transpose()?,
        callback: row
            .callback
            .as_deref()
            .map(CallbackNumber::parse)
            .transpose()
            .map_err(corrupt)?,
        summary: text(&row.summary)?,
        involved: row.involved.into_iter().map(AgencyId::from_uuid).collect::<BTreeSet<_>>(),
        routes: row.routes.into_iter().map(Route::try_from).collect::<Result<_>>()?,
        triage: row.triage.map(|t| decision(t, opened_by)).transpose()?,
        triage_history: row
            .triage_history
            .into_iter()
            .map(|t| decision(t, opened_by))
            .collect::<Result<_>>()?,
        overrides: row
            .overrides
            .into_iter()
            .map(|(destination, reason, at, actor, agency)| {
                Ok(Override {
                    destination: Destination::parse(&destination)
                        .ok_or_else(|| corrupt(format!("unknown destination {destination:?}")))?,
                    reason: text(&reason)?,
                    at: ts(at),
                    actor: actor_of(actor),
                    agency: AgencyId::from_uuid(agency),
                })
            })
            .collect::<Result<_>>()?,
        alarm: row
            .alarm
            .map(|(kind, at, reason)| {
                Ok::<_, StoreError>(Alarm {
                    kind: AlarmKind::parse(&kind)
                        .ok_or_else(|| corrupt(format!("unknown alarm {kind:?}")))?,
                    raised_at: ts(at),
                    reason: text(&reason)?,
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
                let to = AgencyId::from_uuid(t.to);
                let then: Vec<RouteTier> = t.then.into_iter().map(RouteTier::from).collect();
                let tiers = match t.tiers {
                    Some(tiers) => tiers.into_iter().map(RouteTier::from).collect(),
                    None => std::iter::once(RouteTier {
                        agency: to,
                        answer_within_s: domain::route::DEFAULT_ANSWER_WITHIN_S,
                    })
                    .chain(then.iter().copied())
                    .collect(),
                };
                let destination = match t.destination.as_deref() {
                    None => Destination::Other,
                    Some(d) => Destination::parse(d)
                        .ok_or_else(|| corrupt(format!("unknown destination {d:?}")))?,
                };
                Ok::<_, StoreError>(PendingTransfer {
                    from: AgencyId::from_uuid(t.from),
                    to,
                    reason: text(&t.reason)?,
                    service: t.service,
                    started_at: ts(t.started_at.unwrap_or(t.offered_at)),
                    offered_at: ts(t.offered_at),
                    deadline: ts(t.deadline),
                    then,
                    attempt: t.attempt.unwrap_or(1),
                    unanswered,
                    destination,
                    until_taken: t.until_taken,
                    tiers,
                    round: t.round.unwrap_or(1),
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
            .enumerate()
            .map(|(index, (at, agency, t))| {
                let audience = if row.private_notes.contains(&index) {
                    NoteAudience::Agency
                } else {
                    NoteAudience::Involved
                };
                Ok(Note {
                    at: ts(at),
                    agency: AgencyId::from_uuid(agency),
                    text: text(&t)?,
                    audience,
                })
            })
            .collect::<Result<_>>()?,
        contact: row
            .contact
            .map(|(language, interpreter, age_band)| {
                super::contact_details(&language, interpreter, age_band)
            })
            .transpose()?
            .unwrap_or_default(),
        last_part: row.last_part.into_iter().map(|(a, v)| (AgencyId::from_uuid(a), v)).collect(),
        responders: row.responders.into_iter().map(AgencyId::from_uuid).collect(),
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
        follow_up_consent: row.follow_up_consent,
        follow_ups: row.follow_ups.into_iter().map(TryInto::try_into).collect::<Result<_>>()?,
        destination: row.destination.map(|(facility, operator, team, chosen_at, eta_s, over)| {
            domain::ChosenDestination {
                facility,
                operator: AgencyId::from_uuid(operator),
                team: team.map(TeamId::from_uuid),
                chosen_at: ts(chosen_at),
                eta_s,
                handed_over_at: over.map(ts),
            }
        }),
        updated_at: ts(row.updated_at),
        version: row.version,
    })
}
