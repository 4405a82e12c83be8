//! Each event kind's body as stored.

use domain::{
    AgencyId, AlarmKind, CallbackNumber, Destination, Disposition, EventKind, IncidentId,
    RouteTier, TeamId, Timestamp, TriageOutcome, UserId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::follow_up::{PlanRow, attempt_result};
use super::rows::{LocationRow, RouteRow, TierRow};
use super::{channel_from, corrupt, handoff_outcome, text, to_json};
use crate::Result;

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
    AddressRecorded {
        address: Option<String>,
    },
    Routed(RouteRow),
    TriageRecorded {
        outcome: String,
        protocol: String,
        protocol_version: u32,
        rule: String,
        answers: Vec<(String, String)>,
    },
    Retriaged {
        outcome: String,
        protocol: String,
        protocol_version: u32,
        rule: String,
        answers: Vec<(String, String)>,
        reason: String,
    },
    DecisionOverridden {
        destination: String,
        reason: String,
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
        // Offers written before the protocol gate: not classified (never gated), and
        // returned when nobody takes them.
        #[serde(default = "unclassified")]
        destination: String,
        #[serde(default)]
        until_taken: bool,
    },
    TransferWithdrawn {
        reason: String,
    },
    AlarmRaised {
        alarm: String,
        reason: String,
    },
    AlarmResolved {
        action: String,
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Uuid>,
    },
    NoteAdded {
        text: String,
        /// Rows written before audiences existed were for every involved agency.
        #[serde(default = "involved", skip_serializing_if = "is_involved")]
        audience: String,
    },
    ContactDescribed {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        language: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        interpreter: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        age_band: Option<String>,
    },
    Closed {
        disposition: String,
        remark: String,
    },
    FollowUpConsentRecorded {
        given: bool,
    },
    DestinationChosen {
        facility: Uuid,
        operator: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        eta_s: Option<u32>,
        reason: String,
    },
    HandoverAccepted {
        facility: Uuid,
    },
    HandoverRefused {
        facility: Uuid,
        no_room: bool,
        reason: String,
    },
    FollowUpScheduled(PlanRow),
    FollowUpAttempted {
        number: u16,
        result: String,
        note: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_due: Option<i64>,
    },
    FollowUpFinished {
        number: u16,
        outcome: String,
        detail: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reopened_as: Option<Uuid>,
    },
}

fn unclassified() -> String {
    Destination::Other.as_str().to_owned()
}

fn destination(s: &str) -> Result<Destination> {
    Destination::parse(s).ok_or_else(|| corrupt(format!("unknown destination {s:?}")))
}

fn outcome(s: &str) -> Result<TriageOutcome> {
    TriageOutcome::parse(s).ok_or_else(|| corrupt(format!("unknown triage outcome {s:?}")))
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
        EventKind::AddressRecorded { address } => {
            EventRow::AddressRecorded { address: address.as_ref().map(|a| a.as_str().to_owned()) }
        }
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
        EventKind::Retriaged { outcome, protocol, protocol_version, rule, answers, reason } => {
            EventRow::Retriaged {
                outcome: outcome.as_str().to_owned(),
                protocol: protocol.clone(),
                protocol_version: *protocol_version,
                rule: rule.clone(),
                answers: answers.clone(),
                reason: reason.as_str().to_owned(),
            }
        }
        EventKind::DecisionOverridden { destination, reason } => EventRow::DecisionOverridden {
            destination: destination.as_str().to_owned(),
            reason: reason.as_str().to_owned(),
        },
        EventKind::TransferOffered {
            to,
            reason,
            deadline,
            service,
            then,
            destination,
            until_taken,
        } => EventRow::TransferOffered {
            to: to.as_uuid(),
            reason: reason.as_str().to_owned(),
            deadline: deadline.as_millis(),
            service: service.clone(),
            then: then.iter().map(TierRow::from).collect(),
            destination: destination.as_str().to_owned(),
            until_taken: *until_taken,
        },
        EventKind::TransferWithdrawn { reason } => {
            EventRow::TransferWithdrawn { reason: reason.as_str().to_owned() }
        }
        EventKind::AlarmRaised { kind, reason } => EventRow::AlarmRaised {
            alarm: kind.as_str().to_owned(),
            reason: reason.as_str().to_owned(),
        },
        EventKind::AlarmResolved { action } => {
            EventRow::AlarmResolved { action: action.as_str().to_owned() }
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
        EventKind::TeamStatusChanged { team, status, to } => EventRow::TeamStatusChanged {
            team: team.as_uuid(),
            status: status.as_str().to_owned(),
            to: *to,
        },
        EventKind::NoteAdded { text, audience } => EventRow::NoteAdded {
            text: text.as_str().to_owned(),
            audience: audience.as_str().to_owned(),
        },
        EventKind::ContactDescribed(c) => EventRow::ContactDescribed {
            language: c.language.as_str().to_owned(),
            interpreter: c.interpreter,
            age_band: c.age_band.map(|b| b.as_str().to_owned()),
        },
        EventKind::Closed { disposition, remark } => EventRow::Closed {
            disposition: disposition.as_str().to_owned(),
            remark: remark.as_str().to_owned(),
        },
        EventKind::FollowUpConsentRecorded { given } => {
            EventRow::FollowUpConsentRecorded { given: *given }
        }
        EventKind::DestinationChosen { facility, operator, team, eta_s, reason } => {
            EventRow::DestinationChosen {
                facility: *facility,
                operator: operator.as_uuid(),
                team: team.map(|t| t.as_uuid()),
                eta_s: *eta_s,
                reason: reason.as_str().to_owned(),
            }
        }
        EventKind::HandoverAccepted { facility } => {
            EventRow::HandoverAccepted { facility: *facility }
        }
        EventKind::HandoverRefused { facility, no_room, reason } => EventRow::HandoverRefused {
            facility: *facility,
            no_room: *no_room,
            reason: reason.as_str().to_owned(),
        },
        EventKind::FollowUpScheduled(plan) => EventRow::FollowUpScheduled(plan.into()),
        EventKind::FollowUpAttempted { number, result, note, next_due } => {
            EventRow::FollowUpAttempted {
                number: *number,
                result: result.as_str().to_owned(),
                note: note.as_str().to_owned(),
                next_due: next_due.map(Timestamp::as_millis),
            }
        }
        EventKind::FollowUpFinished { number, outcome, detail, reopened_as } => {
            EventRow::FollowUpFinished {
                number: *number,
                outcome: outcome.as_str().to_owned(),
                detail: detail.as_str().to_owned(),
                reopened_as: reopened_as.map(|i| i.as_uuid()),
            }
        }
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
        EventRow::AddressRecorded { address } => {
            EventKind::AddressRecorded { address: address.as_deref().map(text).transpose()? }
        }
        EventRow::Routed(route) => EventKind::Routed(route.try_into()?),
        EventRow::TriageRecorded { outcome: o, protocol, protocol_version, rule, answers } => {
            EventKind::TriageRecorded {
                outcome: outcome(&o)?,
                protocol,
                protocol_version,
                rule,
                answers,
            }
        }
        EventRow::Retriaged { outcome: o, protocol, protocol_version, rule, answers, reason } => {
            EventKind::Retriaged {
                outcome: outcome(&o)?,
                protocol,
                protocol_version,
                rule,
                answers,
                reason: text(&reason)?,
            }
        }
        EventRow::DecisionOverridden { destination: d, reason } => {
            EventKind::DecisionOverridden { destination: destination(&d)?, reason: text(&reason)? }
        }
        EventRow::TransferOffered {
            to,
            reason,
            deadline,
            service,
            then,
            destination: d,
            until_taken,
        } => EventKind::TransferOffered {
            to: AgencyId::from_uuid(to),
            reason: text(&reason)?,
            deadline: Timestamp::from_millis(deadline),
            service,
            then: then.into_iter().map(RouteTier::from).collect(),
            destination: destination(&d)?,
            until_taken,
        },
        EventRow::TransferWithdrawn { reason } => {
            EventKind::TransferWithdrawn { reason: text(&reason)? }
        }
        EventRow::AlarmRaised { alarm, reason } => EventKind::AlarmRaised {
            kind: AlarmKind::parse(&alarm)
                .ok_or_else(|| corrupt(format!("unknown alarm {alarm:?}")))?,
            reason: text(&reason)?,
        },
        EventRow::AlarmResolved { action } => EventKind::AlarmResolved { action: text(&action)? },
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
        EventRow::TeamStatusChanged { team, status, to } => EventKind::TeamStatusChanged {
            team: TeamId::from_uuid(team),
            status: domain::TeamStatus::from_name(&status)
                .ok_or_else(|| corrupt(format!("unknown team status {status:?}")))?,
            to,
        },
        EventRow::NoteAdded { text: t, audience } => EventKind::NoteAdded {
            text: text(&t)?,
            audience: domain::NoteAudience::parse(&audience)
                .ok_or_else(|| corrupt(format!("unknown note audience {audience:?}")))?,
        },
        EventRow::ContactDescribed { language, interpreter, age_band } => {
            EventKind::ContactDescribed(super::contact_details(&language, interpreter, age_band)?)
        }
        EventRow::Closed { disposition, remark } => EventKind::Closed {
            disposition: Disposition::parse(&disposition)
                .ok_or_else(|| corrupt(format!("unknown disposition {disposition:?}")))?,
            remark: text(&remark)?,
        },
        EventRow::FollowUpConsentRecorded { given } => EventKind::FollowUpConsentRecorded { given },
        EventRow::DestinationChosen { facility, operator, team, eta_s, reason } => {
            EventKind::DestinationChosen {
                facility,
                operator: AgencyId::from_uuid(operator),
                team: team.map(TeamId::from_uuid),
                eta_s,
                reason: text(&reason)?,
            }
        }
        EventRow::HandoverAccepted { facility } => EventKind::HandoverAccepted { facility },
        EventRow::HandoverRefused { facility, no_room, reason } => {
            EventKind::HandoverRefused { facility, no_room, reason: text(&reason)? }
        }
        EventRow::FollowUpScheduled(plan) => EventKind::FollowUpScheduled(plan.try_into()?),
        EventRow::FollowUpAttempted { number, result, note, next_due } => {
            EventKind::FollowUpAttempted {
                number,
                result: attempt_result(&result)?,
                note: text(&note)?,
                next_due: next_due.map(Timestamp::from_millis),
            }
        }
        EventRow::FollowUpFinished { number, outcome: o, detail, reopened_as } => {
            EventKind::FollowUpFinished {
                number,
                outcome: super::follow_up::outcome(&o)?,
                detail: text(&detail)?,
                reopened_as: reopened_as.map(IncidentId::from_uuid),
            }
        }
    })
}

fn involved() -> String {
    domain::NoteAudience::Involved.as_str().to_owned()
}

fn is_involved(audience: &str) -> bool {
    audience == domain::NoteAudience::Involved.as_str()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use domain::{Route, RouteBasis, RouteShare, Text};

    use super::*;
    use crate::StoreError;

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

    #[test]
    fn an_address_round_trips_and_an_overlong_one_is_corrupt() {
        for address in [Some(Text::parse("1000 W 23rd St, Lawrence", 500).unwrap()), None] {
            let kind = EventKind::AddressRecorded { address };
            assert_eq!(decode_event(&encode_event(&kind)).unwrap(), kind);
        }
        let long = format!(r#"{{"kind":"address_recorded","address":"{}"}}"#, "x".repeat(5000));
        assert!(decode_event(&long).is_err());
    }

    #[test]
    fn a_contact_description_round_trips_and_bad_rows_are_corrupt() {
        let described = EventKind::ContactDescribed(domain::ContactDetails {
            language: Text::parse("Spanish", 40).unwrap(),
            interpreter: true,
            age_band: Some(domain::AgeBand::OlderAdult),
        });
        assert_eq!(decode_event(&encode_event(&described)).unwrap(), described);
        let nothing = EventKind::ContactDescribed(domain::ContactDetails::default());
        assert_eq!(encode_event(&nothing), r#"{"kind":"contact_described"}"#);
        assert_eq!(decode_event(&encode_event(&nothing)).unwrap(), nothing);
        let bad = r#"{"kind":"contact_described","age_band":"ancient"}"#;
        assert!(matches!(decode_event(bad), Err(StoreError::Corrupt(_))));
        let long = format!(r#"{{"kind":"contact_described","language":"{}"}}"#, "x".repeat(41));
        assert!(matches!(decode_event(&long), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn follow_up_events_and_their_projection_round_trip_and_bad_rows_are_corrupt() {
        use domain::incident::{AttemptResult, FollowUpOutcome, FollowUpPlan};
        use domain::{Channel, Event, Incident, Location, Timestamp};
        let t = |ms| Timestamp::from_millis(1_764_000_000_000 + ms);
        let incident = IncidentId::new(t(0));
        let agency = AgencyId::new(t(0));
        let user = UserId::new(t(0));
        let kinds = [
            EventKind::Opened {
                channel: Channel::Nine88,
                location: Location::Unknown,
                callback: None,
                summary: Text::parse("caller in distress", 100).unwrap(),
            },
            EventKind::FollowUpConsentRecorded { given: true },
            EventKind::Closed {
                disposition: Disposition::ResolvedByPhone,
                remark: Text::parse("safety plan", 100).unwrap(),
            },
            EventKind::FollowUpScheduled(FollowUpPlan {
                number: 1,
                due: t(86_400_000),
                rule: Some("callback".into()),
                reason: Text::parse("elevated risk", 100).unwrap(),
                without_consent: false,
                attempts_allowed: 3,
                retry_minutes: 240,
            }),
            EventKind::FollowUpAttempted {
                number: 1,
                result: AttemptResult::NoAnswer,
                note: Text::parse("rang out", 100).unwrap(),
                next_due: Some(t(90_000_000)),
            },
            EventKind::FollowUpFinished {
                number: 1,
                outcome: FollowUpOutcome::Reopened,
                detail: Text::parse("needs a team", 100).unwrap(),
                reopened_as: Some(IncidentId::new(t(5))),
            },
        ];
        let events: Vec<Event> = kinds
            .iter()
            .enumerate()
            .map(|(n, kind)| Event {
                incident,
                at: t(i64::try_from(n).unwrap() * 1_000),
                actor: domain::event::Actor::User(user),
                agency,
                kind: kind.clone(),
            })
            .collect();
        for kind in &kinds {
            assert_eq!(&decode_event(&encode_event(kind)).unwrap(), kind);
        }
        let state = Incident::replay(&events).unwrap().unwrap();
        assert_eq!(state.follow_ups.len(), 1);
        assert_eq!(
            crate::codec::decode_incident(&crate::codec::encode_incident(&state)).unwrap(),
            state
        );

        for bad in [
            r#"{"kind":"follow_up_attempted","number":1,"result":"maybe","note":""}"#,
            r#"{"kind":"follow_up_finished","number":1,"outcome":"gone","detail":""}"#,
            r#"{"kind":"follow_up_scheduled","number":1,"due":0,"reason":"r","attempts_allowed":1}"#,
        ] {
            assert!(matches!(decode_event(bad), Err(StoreError::Corrupt(_))), "{bad}");
        }
    }
}
