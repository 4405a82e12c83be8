//! Each measure computed over one group's incidents. The definitions are docs/measures.md's,
//! section by section; each measure's id is its heading there.

use domain::{
    AgeBand, Channel, Destination, Disposition, HandoffOutcome, Timestamp, TriageOutcome,
};

use super::calls::{CallEnd, CallFacts};
use super::facts::{Facts, TransferEnd};
use super::value::{Distribution, Value};

/// One measure's value for one group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measure {
    /// Its id in docs/measures.md, e.g. `mobile.dispatch_to_on_scene`.
    pub id: &'static str,
    /// What it measures, in words.
    pub label: &'static str,
    #[serde(flatten)]
    pub value: Value,
}

/// Why a group's answer-time measures are not measured.
const NO_CALLS_RECORDED: &str = "no contact of this group has the phone system's arrival \
     recorded (POST /api/v1/calls); agencies that do not send it are not measured";
const CALLS_NOT_PLACED: &str = "calls carry no location or team: group by agency, channel, hour \
     or weekday to see them";

/// NENA-STA-020's answer-time targets: 90 % within 15 s, 95 % within 20 s.
const ANSWER_15S_MS: i64 = 15_000;
const ANSWER_20S_MS: i64 = 20_000;

/// The phone system's calls of one group.
#[derive(Debug, Clone, Copy)]
pub enum GroupCalls<'a> {
    /// The calls that fall in the group (maybe none).
    Placed(&'a [&'a CallFacts]),
    /// The grouping cannot place calls (by area or team).
    Unplaceable,
}

/// SAMHSA's guideline for a mobile crisis team's arrival: within 1 hour in urban areas, within
/// 2 hours in rural ones.
const URBAN_TARGET_MS: i64 = 3_600_000;
const RURAL_TARGET_MS: i64 = 7_200_000;

fn count(n: usize) -> Value {
    Value::Count { count: n as u64 }
}

fn share(part: usize, of: usize) -> Value {
    Value::Share { part: part as u64, of: of as u64 }
}

fn between(from: Timestamp, to: Timestamp) -> i64 {
    to.as_millis() - from.as_millis()
}

/// Whose follow-ups count, and as of when one is due.
#[derive(Debug, Clone, Copy)]
pub struct FollowUpScope {
    /// A report for one agency counts only its own follow-ups (another's are not its to see).
    pub agency: Option<domain::AgencyId>,
    /// The latest event of the log: a follow-up due after it is not yet due.
    pub as_of: Option<Timestamp>,
}

/// Every measure over `incidents` and `calls` (those of one group that count); `repeat` says
/// whether an incident's callback number called before, within 7 and 30 days.
pub fn measures(
    incidents: &[&Facts],
    calls: GroupCalls<'_>,
    repeat: &dyn Fn(&Facts) -> [bool; 2],
    follow_ups: FollowUpScope,
) -> Vec<Measure> {
    let mut out = Vec::new();
    let mut push = |id, label, value| out.push(Measure { id, label, value });

    // Contacts.
    let of_channel = |c: Channel| incidents.iter().filter(|f| f.channel == c).count();
    push("contacts.total", "contacts", count(incidents.len()));
    push("contacts.911", "911 contacts", count(of_channel(Channel::Nine11)));
    push("contacts.988", "988 contacts", count(of_channel(Channel::Nine88)));
    push("contacts.other", "other contacts", count(of_channel(Channel::Other)));
    // Who the person is, as described on the contact.
    let interpreter = incidents.iter().filter(|f| f.interpreter).count();
    push(
        "contacts.interpreter",
        "contacts needing an interpreter",
        share(interpreter, incidents.len()),
    );
    let of_age = |band: Option<AgeBand>| incidents.iter().filter(|f| f.age_band == band).count();
    for (band, id, label) in [
        (Some(AgeBand::Child), "contacts.age_child", "contacts about a child (under 12)"),
        (
            Some(AgeBand::Adolescent),
            "contacts.age_adolescent",
            "contacts about an adolescent (12 to 17)",
        ),
        (Some(AgeBand::Adult), "contacts.age_adult", "contacts about an adult (18 to 64)"),
        (
            Some(AgeBand::OlderAdult),
            "contacts.age_older_adult",
            "contacts about an older adult (65 or older)",
        ),
        (None, "contacts.age_not_described", "contacts whose age band was not described"),
    ] {
        push(id, label, count(of_age(band)));
    }
    for (id, label, value) in answer_times(calls) {
        push(id, label, value);
    }

    // Diversion of 911 calls.
    let calls: Vec<&&Facts> = incidents.iter().filter(|f| f.channel == Channel::Nine11).collect();
    let triaged: Vec<&&Facts> = calls.iter().copied().filter(|f| f.decided()).collect();
    push("diversion.triaged", "911 calls triaged", share(triaged.len(), calls.len()));
    for (outcome, id, label) in [
        (TriageOutcome::Divert988, "diversion.decided_988", "decided for 988"),
        (
            TriageOutcome::MobileCrisis,
            "diversion.decided_mobile_crisis",
            "decided for mobile crisis",
        ),
        (
            TriageOutcome::EmbeddedClinician,
            "diversion.decided_clinician",
            "decided for the embedded clinician",
        ),
        (TriageOutcome::CoResponse, "diversion.decided_co_response", "decided for co-response"),
        (TriageOutcome::LawEnforcement, "diversion.decided_police", "decided for police"),
        (TriageOutcome::Ems, "diversion.decided_ems", "decided for EMS"),
        (
            TriageOutcome::LawEnforcementAndEms,
            "diversion.decided_police_and_ems",
            "decided for police and EMS",
        ),
    ] {
        let n = triaged.iter().filter(|f| f.decision == Some(outcome)).count();
        push(id, label, share(n, triaged.len()));
    }
    let unknown = triaged.iter().filter(|f| f.unknown_answers).count();
    push(
        "diversion.unknown_answers",
        "decided with unknown answers",
        share(unknown, triaged.len()),
    );
    let overridden = triaged.iter().filter(|f| f.overrides > 0).count();
    push("diversion.overridden", "decisions overridden", share(overridden, triaged.len()));
    let diverted: Vec<&&Facts> = calls.iter().copied().filter(|f| f.diverted()).collect();
    push(
        "diversion.diverted",
        "911 calls offered to 988 or mobile crisis",
        share(diverted.len(), calls.len()),
    );
    let accepted_times: Vec<i64> = diverted
        .iter()
        .flat_map(|f| f.transfers.iter())
        .filter(|t| matches!(t.destination, Destination::Crisis988 | Destination::MobileCrisis))
        .filter_map(|t| match t.end {
            TransferEnd::Accepted(at) => Some(between(t.offered_at, at)),
            _ => None,
        })
        .collect();
    let accepted = diverted
        .iter()
        .filter(|f| {
            f.transfers.iter().any(|t| {
                matches!(t.destination, Destination::Crisis988 | Destination::MobileCrisis)
                    && matches!(t.end, TransferEnd::Accepted(_))
            })
        })
        .count();
    push("diversion.accepted", "diversions accepted", share(accepted, diverted.len()));
    push(
        "diversion.offer_to_accept",
        "offer to acceptance",
        Value::Time(Distribution::of(accepted_times)),
    );

    // Embedded clinicians.
    let held: Vec<&&Facts> = incidents.iter().filter(|f| f.clinician_claimed.is_some()).collect();
    push("clinician.held", "calls held by an embedded clinician", count(held.len()));
    let resolved = held
        .iter()
        .filter(|f| {
            f.dispatches.is_empty()
                && !f.transfers.iter().any(|t| matches!(t.end, TransferEnd::Accepted(_)))
                && matches!(
                    f.closed,
                    Some((_, d)) if d != Disposition::HandledByEmergencyServices
                        && d != Disposition::Duplicate
                )
        })
        .count();
    push(
        "clinician.resolved_without_dispatch",
        "resolved without any dispatch",
        share(resolved, held.len()),
    );
    let time_held: Vec<i64> =
        held.iter().filter_map(|f| Some(between(f.clinician_claimed?, f.closed?.0))).collect();
    push(
        "clinician.time_held",
        "time held (claim to close)",
        Value::Time(Distribution::of(time_held)),
    );

    // Mobile crisis.
    let dispatches: Vec<&super::facts::Dispatch> =
        incidents.iter().flat_map(|f| f.dispatches.iter()).collect();
    push("mobile.dispatches", "teams dispatched", count(dispatches.len()));
    let to_en_route = dispatches.iter().filter_map(|d| Some(between(d.at, d.en_route?))).collect();
    push(
        "mobile.dispatch_to_en_route",
        "dispatch to en route",
        Value::Time(Distribution::of(to_en_route)),
    );
    let to_scene: Vec<i64> =
        dispatches.iter().filter_map(|d| Some(between(d.at, d.on_scene?))).collect();
    let within = |target: i64| to_scene.iter().filter(|&&ms| ms <= target).count();
    push(
        "mobile.on_scene_within_1h",
        "on scene within 1 hour (urban guideline)",
        share(within(URBAN_TARGET_MS), to_scene.len()),
    );
    push(
        "mobile.on_scene_within_2h",
        "on scene within 2 hours (rural guideline)",
        share(within(RURAL_TARGET_MS), to_scene.len()),
    );
    push(
        "mobile.dispatch_to_on_scene",
        "dispatch to on scene",
        Value::Time(Distribution::of(to_scene)),
    );
    let on_scene =
        dispatches.iter().filter_map(|d| Some(between(d.on_scene?, d.left_scene?))).collect();
    push("mobile.time_on_scene", "time on scene", Value::Time(Distribution::of(on_scene)));
    let sent: Vec<&&Facts> = incidents.iter().filter(|f| !f.dispatches.is_empty()).collect();
    let with_police = sent
        .iter()
        .filter(|f| f.decision.is_some_and(TriageOutcome::includes_law_enforcement))
        .count();
    push(
        "mobile.law_enforcement_involved",
        "team incidents with law enforcement",
        share(with_police, sent.len()),
    );
    let transported =
        sent.iter().filter(|f| matches!(f.closed, Some((_, Disposition::Transported)))).count();
    push(
        "mobile.transported",
        "team incidents ending in transport",
        share(transported, sent.len()),
    );

    // Imminent-risk handoffs (988 → 911).
    let started: Vec<&&Facts> = incidents.iter().filter(|f| f.handoff_started).collect();
    push("handoff.started", "imminent-risk handoffs", count(started.len()));
    let to_accept = incidents
        .iter()
        .filter(|f| f.handed_off_from)
        .filter_map(|f| Some(between(f.opened_at, f.first_accepted?)))
        .collect();
    push(
        "handoff.to_psap_acceptance",
        "handoff to PSAP acceptance",
        Value::Time(Distribution::of(to_accept)),
    );
    let made =
        started.iter().filter(|f| f.handoff_outcome == Some(HandoffOutcome::ContactMade)).count();
    let confirmed = started.iter().filter(|f| f.handoff_outcome.is_some()).count();
    push("handoff.followed_up", "handoffs followed up", share(confirmed, started.len()));
    push(
        "handoff.contact_made",
        "handoffs where services reached the person",
        share(made, started.len()),
    );

    // Repeat contacts.
    let with_number = incidents.len();
    let repeats: Vec<[bool; 2]> = incidents.iter().map(|f| repeat(f)).collect();
    let repeat = |i: usize| repeats.iter().filter(|r| r.get(i) == Some(&true)).count();
    push(
        "repeat.within_7_days",
        "same callback number within 7 days",
        share(repeat(0), with_number),
    );
    push(
        "repeat.within_30_days",
        "same callback number within 30 days",
        share(repeat(1), with_number),
    );

    // Unserved.
    let no_coverage = incidents.iter().filter(|f| f.no_coverage).count();
    push("unserved.no_coverage", "locations no agency covers", share(no_coverage, incidents.len()));
    let returned = incidents
        .iter()
        .flat_map(|f| f.transfers.iter())
        .filter(|t| matches!(t.end, TransferEnd::Returned(_)))
        .count();
    push("unserved.returned", "transfers returned with no taker", count(returned));

    for (id, label, value) in follow_up_measures(incidents, follow_ups) {
        push(id, label, value);
    }
    for (id, label, value) in destination_measures(incidents) {
        push(id, label, value);
    }
    out
}

/// Somewhere to go: the facilities teams took people to.
fn destination_measures(incidents: &[&Facts]) -> Vec<(&'static str, &'static str, Value)> {
    let chosen: Vec<&super::facts::DestinationFact> =
        incidents.iter().flat_map(|f| f.destinations.iter()).collect();
    let mut used: Vec<uuid::Uuid> =
        chosen.iter().filter(|d| d.handed_over_at.is_some()).map(|d| d.facility).collect();
    used.sort_unstable();
    used.dedup();
    let handed_over = chosen.iter().filter(|d| d.handed_over_at.is_some()).count();
    let no_room = chosen.iter().filter(|d| d.refused == Some(true)).count();
    let to_handover = incidents
        .iter()
        .filter_map(|f| {
            let over = f.destinations.iter().find_map(|d| d.handed_over_at)?;
            let arrived = f.dispatches.iter().filter_map(|d| d.at_facility).min()?;
            Some(between(arrived, over))
        })
        .collect();
    vec![
        ("destination.chosen", "destinations chosen by teams", count(chosen.len())),
        (
            "destination.handed_over",
            "choices ending in a hand-over",
            share(handed_over, chosen.len()),
        ),
        ("destination.facilities_used", "facilities that took a person", count(used.len())),
        (
            "destination.turned_away_no_room",
            "turned away for want of a bed or chair",
            count(no_room),
        ),
        (
            "destination.arrival_to_handover",
            "team at the facility to hand-over",
            Value::Time(Distribution::of(to_handover)),
        ),
    ]
}

/// Follow-up after the contact.
fn follow_up_measures(
    incidents: &[&Facts],
    scope: FollowUpScope,
) -> Vec<(&'static str, &'static str, Value)> {
    use domain::incident::FollowUpOutcome as O;
    let made: Vec<&super::facts::FollowUpFact> = incidents
        .iter()
        .flat_map(|f| f.follow_ups.iter())
        .filter(|f| scope.agency.is_none_or(|a| f.agency == a))
        .collect();
    let mut out = vec![
        ("follow_up.made", "follow-ups made", count(made.len())),
        (
            "follow_up.without_consent",
            "follow-ups made without consent (imminent risk)",
            count(made.iter().filter(|f| f.without_consent).count()),
        ),
    ];
    let due: Vec<_> = made.iter().filter(|f| scope.as_of.is_some_and(|now| f.due <= now)).collect();
    let in_time = due
        .iter()
        .filter(|f| {
            let first = f.first_attempt_at.or(f.finished.map(|(at, _)| at));
            first.is_some_and(|at| at <= f.due)
        })
        .count();
    out.push((
        "follow_up.attempted_in_time",
        "follow-ups tried by their due time",
        share(in_time, due.len()),
    ));
    let to_first =
        made.iter().filter_map(|f| Some(between(f.scheduled_at, f.first_attempt_at?))).collect();
    out.push((
        "follow_up.to_first_attempt",
        "follow-up made to first attempt",
        Value::Time(Distribution::of(to_first)),
    ));
    let finished: Vec<O> = made.iter().filter_map(|f| f.finished.map(|(_, o)| o)).collect();
    out.push(("follow_up.finished", "follow-ups finished", share(finished.len(), made.len())));
    for (id, label, outcome) in [
        ("follow_up.reached_and_well", "finished: reached and well", O::ReachedAndWell),
        ("follow_up.referred", "finished: referred", O::Referred),
        ("follow_up.reopened", "finished: a new incident opened", O::Reopened),
        ("follow_up.unable_to_reach", "finished: unable to reach", O::UnableToReach),
        ("follow_up.declined", "finished: declined", O::Declined),
    ] {
        let n = finished.iter().filter(|o| **o == outcome).count();
        out.push((id, label, share(n, finished.len())));
    }
    out
}

/// The contacts' answer-time measures, from the phone system's calls.
fn answer_times(calls: GroupCalls<'_>) -> Vec<(&'static str, &'static str, Value)> {
    const MEASURES: [(&str, &str); 8] = [
        ("contacts.arrived", "contacts arrived (phone system)"),
        ("contacts.answered_within_15s", "answered within 15 s"),
        ("contacts.answered_within_20s", "answered within 20 s"),
        ("contacts.speed_to_answer", "speed to answer (the mean is ASA)"),
        ("contacts.abandoned", "abandoned before answer"),
        ("contacts.rolled_over", "rolled over to a backup center"),
        ("contacts.answered_in_state", "answered in state"),
        ("contacts.no_end_recorded", "arrived with no end recorded"),
    ];
    let calls = match calls {
        GroupCalls::Placed(calls) if !calls.is_empty() => calls,
        GroupCalls::Placed(_) => {
            return MEASURES
                .iter()
                .map(|&(id, label)| (id, label, Value::NotMeasured { reason: NO_CALLS_RECORDED }))
                .collect();
        }
        GroupCalls::Unplaceable => {
            return MEASURES
                .iter()
                .map(|&(id, label)| (id, label, Value::NotMeasured { reason: CALLS_NOT_PLACED }))
                .collect();
        }
    };
    let ended = calls.iter().filter(|c| c.end.is_some()).count();
    let speeds: Vec<i64> = calls.iter().filter_map(|c| c.speed_to_answer()).collect();
    let within = |ms: i64| speeds.iter().filter(|&&s| s <= ms).count();
    let ends =
        |f: fn(&CallEnd) -> bool| calls.iter().filter(|c| c.end.as_ref().is_some_and(f)).count();
    let abandoned = ends(|e| matches!(e, CallEnd::Abandoned(_)));
    let rolled = ends(|e| matches!(e, CallEnd::RolledOver { .. }));
    let in_state = speeds.len() + ends(|e| matches!(e, CallEnd::RolledOver { in_state: true, .. }));
    let values = [
        count(calls.len()),
        share(within(ANSWER_15S_MS), ended),
        share(within(ANSWER_20S_MS), ended),
        Value::Time(Distribution::of(speeds)),
        share(abandoned, ended),
        share(rolled, ended),
        share(in_state, ended),
        count(calls.len() - ended),
    ];
    MEASURES.iter().zip(values).map(|(&(id, label), value)| (id, label, value)).collect()
}
