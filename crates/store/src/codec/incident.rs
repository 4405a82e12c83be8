//! The incident projection as stored.

use std::collections::BTreeSet;

use domain::incident::{Closure, Note, TriageDecision};
use domain::{
    AgencyId, CallbackNumber, Disposition, EmergencyHandoff, Incident, IncidentId, PendingTransfer,
    Route, RouteTier, TeamId, Timestamp, TriageOutcome, Unanswered, UserId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rows::{LocationRow, StoredRoute, TierRow};
use super::{channel_from, corrupt, handoff_outcome, text, to_json};
use crate::{Result, StoreError};

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
