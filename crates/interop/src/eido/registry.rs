//! The registry values Crisisbridge writes into an EIDO, and the rules that choose them.
//!
//! NENA-STA-021 fills many fields from IANA registries (section 3 of the standard): incident
//! types (APCO 2.103.2), incident statuses, agency roles, location types and disposition
//! codes (APCO 1.111.2). Only the values below are ever written; a test checks each one
//! against the registry tables in `../shared`.

use domain::{Channel, Disposition, Incident, IncidentStatus, TriageOutcome};

/// `EIDO-IncidentType-Common` codes Crisisbridge writes.
pub mod incident_types {
    /// "Attempt Or Threatening Suicide".
    pub const SUICIDE_THREAT: &str = "SUICTHRT";
    /// "Mental Person Violent".
    pub const MENTAL_VIOLENT: &str = "MTLV";
    /// "Mental Person Non-Violent".
    pub const MENTAL: &str = "MNTL";
    /// "EDP, Emotional Disturbance, Abnormal Behavior".
    pub const EMOTIONALLY_DISTURBED: &str = "EDP";
}

/// Triage question ids with a meaning of their own here: both shipped protocols ask
/// `attempt_in_progress`, the 911 one asks `violence`. A county's protocol that names them
/// differently still gets a code from its outcome.
const ATTEMPT_IN_PROGRESS: &str = "attempt_in_progress";
const VIOLENCE: &str = "violence";

/// The incident's `incidentTypeCommonRegistryText`. The first rule that holds decides:
///
/// 1. `SUICTHRT` — a suicide attempt in progress (the triage answered
///    `attempt_in_progress` yes), a 988 contact triaged `emergency_handoff` or already handed
///    off, or a 911 incident opened by a 988 imminent-risk handoff: the Lifeline's
///    imminent-risk policy hands off exactly the people at imminent risk of suicide.
/// 2. `MTLV` — a 911 (or other) call whose triage answered `violence` yes.
/// 3. `MNTL` — any other 988 contact, and calls the protocol diverted from police
///    (`divert_988`, `embedded_clinician`, `mobile_crisis`): the protocols divert only when
///    no weapon, violence or medical emergency was reported.
/// 4. `EDP` — everything else: calls that law enforcement or EMS attend (`co_response`,
///    `law_enforcement`, `ems`, `law_enforcement_and_ems`) without a reported attempt or
///    violence, and calls not triaged yet. EDP claims a behavioral-health component and
///    nothing about violence, which is all Crisisbridge knows of them.
///
/// `SUICIDE` (a completed suicide) and `WELFARE` (a welfare check) are never written:
/// Crisisbridge records neither a death nor the kind of request a caller made. They are
/// taken as they come on import.
pub fn incident_type(incident: &Incident) -> &'static str {
    let triage = incident.triage.as_ref();
    let answered_yes = |question: &str| {
        triage.is_some_and(|t| t.answers.iter().any(|(q, a)| q == question && a == "yes"))
    };
    let outcome = triage.map(|t| t.outcome);
    let nine88 = incident.channel == Channel::Nine88;
    if answered_yes(ATTEMPT_IN_PROGRESS)
        || (nine88
            && (outcome == Some(TriageOutcome::EmergencyHandoff) || incident.handoff.is_some()))
        || incident.handed_off_from.is_some()
    {
        return incident_types::SUICIDE_THREAT;
    }
    if !nine88 && answered_yes(VIOLENCE) {
        return incident_types::MENTAL_VIOLENT;
    }
    match outcome {
        _ if nine88 => incident_types::MENTAL,
        Some(
            TriageOutcome::Divert988
            | TriageOutcome::EmbeddedClinician
            | TriageOutcome::MobileCrisis
            | TriageOutcome::PhoneSupport,
        ) => incident_types::MENTAL,
        _ => incident_types::EMOTIONALLY_DISTURBED,
    }
}

/// `EIDO-IncidentStatus-Common` values: `Active` or `Closed`, and `ResourcesAssigned` while
/// a mobile crisis team is on the incident.
pub fn incident_statuses(incident: &Incident) -> Vec<&'static str> {
    match incident.status() {
        IncidentStatus::Closed => vec!["Closed"],
        IncidentStatus::TeamDispatched => vec!["Active", "ResourcesAssigned"],
        IncidentStatus::Open | IncidentStatus::TransferPending => vec!["Active"],
    }
}

/// The `EIDO-CommonDispositionCode` (APCO 1.111.2) for how an incident ended. Every one of
/// ours has a code that says the same thing, or more broadly:
///
/// | ours | code |
/// |---|---|
/// | resolved_by_phone | 05 Assignment Completed/Settled By Phone Contact |
/// | resolved_on_scene | 18 Assignment Completed/Settled By Contact |
/// | transported | 16 Transport/Escort Given |
/// | referred | 15 Referred to partner agency |
/// | handled_by_emergency_services | 15 Referred to partner agency |
/// | no_contact | 14 Gone On Arrival/Unable To Locate |
/// | duplicate | 22 Cancelled - Duplicate Call |
pub const fn disposition_code(disposition: Disposition) -> &'static str {
    match disposition {
        Disposition::ResolvedByPhone => "05",
        Disposition::ResolvedOnScene => "18",
        Disposition::Transported => "16",
        Disposition::Referred | Disposition::HandledByEmergencyServices => "15",
        Disposition::NoContact => "14",
        Disposition::Duplicate => "22",
    }
}

/// `EIDO-AgencyRole` values.
pub mod agency_roles {
    /// The agency that opened the incident: it received the call or contact.
    pub const CALL_RECEIVING: &str = "CallReceiving";
    /// The agency the incident is being transferred to (an offer is pending) or was
    /// transferred to (it accepted and holds the incident).
    pub const TRANSFERRED_TO: &str = "TransferredTo";
    /// A mobile crisis provider whose team was sent.
    pub const DISPATCHED: &str = "Dispatched";
    /// Any other agency the incident involves (offered it and declined, or added to it).
    pub const INFORMATIONAL: &str = "Informational";
}

/// `EIDO-LocationType` of the one location Crisisbridge sends: the incident's current
/// location, "When Incident Location is mentioned, it refers to a Location where Location Type
/// has this value."
pub const LOCATION_TYPE: &str = "CurrentIncident";

/// The `EIDO-LocationType` values a CAD's locations are taken from, most wanted first; other
/// types (staging areas, units, towers) are not where the person is.
pub const LOCATION_PREFERENCE: [&str; 5] =
    ["CurrentIncident", "Caller", "InitialIncident", "RoutingLocation", "Other"];

/// The LogEvent CallTypes (NENA-STA-010) `standardPrimaryCallType`: a 911 call is an
/// `emergency` call; a 988 contact or another request reaches a crisis line, not an
/// emergency-services queue, so it is `nonEmergency`. The channel itself goes in
/// `localCallType`.
pub const fn call_type(channel: Channel) -> &'static str {
    match channel {
        Channel::Nine11 => "emergency",
        Channel::Nine88 | Channel::Other => "nonEmergency",
    }
}

/// The `agencyType` of an agency kind: `psap`, `police` and `ems` are values of the IANA
/// `urn:emergency:service:responder` registry (without that prefix, as the schema asks). The
/// registry has no entry for a 988 center, a mobile crisis provider or a crisis facility, so
/// those are written as Crisisbridge's stable kind names (`crisis_center`, …).
pub const fn agency_type(kind: domain::AgencyKind) -> &'static str {
    match kind {
        domain::AgencyKind::Psap => "psap",
        domain::AgencyKind::LawEnforcement => "police",
        domain::AgencyKind::Ems => "ems",
        domain::AgencyKind::CrisisCenter
        | domain::AgencyKind::MobileCrisisProvider
        | domain::AgencyKind::CrisisFacility => kind.as_str(),
    }
}

/// Every registry value written, by registry name, for the test that checks them.
pub fn written() -> Vec<(&'static str, &'static str)> {
    let mut values = vec![
        ("EIDO-LocationType", LOCATION_TYPE),
        ("EIDO-IncidentStatus-Common", "Active"),
        ("EIDO-IncidentStatus-Common", "Closed"),
        ("EIDO-IncidentStatus-Common", "ResourcesAssigned"),
    ];
    values.extend(LOCATION_PREFERENCE.map(|t| ("EIDO-LocationType", t)));
    for code in [
        incident_types::SUICIDE_THREAT,
        incident_types::MENTAL_VIOLENT,
        incident_types::MENTAL,
        incident_types::EMOTIONALLY_DISTURBED,
    ] {
        values.push(("EIDO-IncidentType-Common", code));
    }
    for role in [
        agency_roles::CALL_RECEIVING,
        agency_roles::TRANSFERRED_TO,
        agency_roles::DISPATCHED,
        agency_roles::INFORMATIONAL,
    ] {
        values.push(("EIDO-AgencyRole", role));
    }
    values.extend(Disposition::ALL.map(|d| ("EIDO-CommonDispositionCode", disposition_code(d))));
    values
}

#[cfg(test)]
mod tests {
    use domain::event::Actor;
    use domain::incident::TriageDecision;
    use domain::{Event, EventKind, IncidentId, Location, Text, Timestamp};

    use super::*;

    fn incident(channel: Channel, outcome: Option<TriageOutcome>, yes: &[&str]) -> Incident {
        let at = Timestamp::from_millis(1_764_000_000_000);
        let opened = Event {
            incident: IncidentId::new(at),
            at,
            actor: Actor::System,
            agency: domain::AgencyId::new(at),
            kind: EventKind::Opened {
                channel,
                location: Location::Unknown,
                callback: None,
                summary: Text::default(),
            },
        };
        let mut incident = Incident::open(&opened).unwrap();
        incident.triage = outcome.map(|outcome| TriageDecision {
            outcome,
            protocol: "p".into(),
            protocol_version: 1,
            rule: "r".into(),
            answers: yes.iter().map(|q| ((*q).to_owned(), "yes".to_owned())).collect(),
            at,
            actor: Actor::System,
            agency: opened.agency,
            retriage_reason: None,
        });
        incident
    }

    #[test]
    fn the_incident_type_rule_in_order() {
        use Channel::{Nine11, Nine88, Other};
        use TriageOutcome as O;
        let cases = [
            (
                Nine11,
                Some(O::LawEnforcementAndEms),
                &["attempt_in_progress", "violence"][..],
                "SUICTHRT",
            ),
            (Nine88, Some(O::EmergencyHandoff), &[][..], "SUICTHRT"),
            (Nine88, Some(O::MobileCrisis), &["attempt_in_progress"][..], "SUICTHRT"),
            (Nine11, Some(O::LawEnforcement), &["violence"][..], "MTLV"),
            (Other, Some(O::CoResponse), &["violence"][..], "MTLV"),
            // A 988 protocol's `violence` is not the 911 criterion.
            (Nine88, Some(O::PhoneSupport), &["violence"][..], "MNTL"),
            (Nine88, None, &[][..], "MNTL"),
            (Nine11, Some(O::Divert988), &[][..], "MNTL"),
            (Nine11, Some(O::EmbeddedClinician), &[][..], "MNTL"),
            (Nine11, Some(O::MobileCrisis), &[][..], "MNTL"),
            (Nine11, Some(O::CoResponse), &["weapon"][..], "EDP"),
            (Nine11, Some(O::Ems), &[][..], "EDP"),
            (Nine11, None, &[][..], "EDP"),
            // Only a 988 contact's handoff outcome means imminent risk of suicide.
            (Nine11, Some(O::EmergencyHandoff), &[][..], "EDP"),
        ];
        for (channel, outcome, yes, code) in cases {
            let got = incident_type(&incident(channel, outcome, yes));
            assert_eq!(got, code, "{channel:?} {outcome:?} {yes:?}");
        }
        let mut handed_off = incident(Channel::Nine11, None, &[]);
        handed_off.handed_off_from = Some(IncidentId::new(Timestamp::from_millis(1)));
        assert_eq!(incident_type(&handed_off), "SUICTHRT");
    }

    #[test]
    fn statuses_follow_the_incident() {
        let mut open = incident(Channel::Nine11, None, &[]);
        assert_eq!(incident_statuses(&open), ["Active"]);
        open.teams.push(domain::TeamId::new(Timestamp::from_millis(1)));
        assert_eq!(incident_statuses(&open), ["Active", "ResourcesAssigned"]);
    }
}
