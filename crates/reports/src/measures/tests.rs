//! Every measure against a history built by hand, whose answers are worked out in the comments.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use domain::event::Actor;
use domain::{
    AgencyId, CallbackNumber, Channel, Destination, Disposition, Event, EventKind, HandoffOutcome,
    IncidentId, Location, Route, RouteBasis, TeamId, TeamStatus, Text, Timestamp, TriageOutcome,
};

use super::*;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// 2026-11-02, a Monday, 00:00 UTC.
const T0: i64 = 1_793_577_600_000;

struct History {
    events: Vec<(Event, Vec<AgencyId>)>,
}

impl History {
    fn add(&mut self, incident: IncidentId, at: i64, agency: AgencyId, kind: EventKind) {
        self.add_involving(incident, at, agency, kind, &[]);
    }

    fn add_involving(
        &mut self,
        incident: IncidentId,
        at: i64,
        agency: AgencyId,
        kind: EventKind,
        involved: &[AgencyId],
    ) {
        let event =
            Event { incident, at: Timestamp::from_millis(at), actor: Actor::System, agency, kind };
        self.events.push((event, involved.to_vec()));
    }

    fn tally(&self, options: Options) -> Tally {
        let mut events: Vec<&(Event, Vec<AgencyId>)> = self.events.iter().collect();
        events.sort_by_key(|(e, _)| e.at);
        let mut tally = Tally::new(options);
        for (event, involved) in events {
            tally.add(event, involved);
        }
        tally
    }
}

fn opened(channel: Channel, callback: Option<&str>) -> EventKind {
    EventKind::Opened {
        channel,
        location: Location::Unknown,
        callback: callback.map(|c| CallbackNumber::parse(c).unwrap()),
        summary: Text::default(),
    }
}

fn triage(outcome: TriageOutcome, answer: &str) -> EventKind {
    EventKind::TriageRecorded {
        outcome,
        protocol: "p".into(),
        protocol_version: 1,
        rule: "r".into(),
        answers: vec![("weapon".into(), answer.into())],
    }
}

fn offer(to: AgencyId, destination: Destination) -> EventKind {
    EventKind::TransferOffered {
        to,
        reason: Text::default(),
        deadline: Timestamp::from_millis(i64::MAX),
        service: None,
        then: Vec::new(),
        destination,
        until_taken: false,
    }
}

fn closed(disposition: Disposition) -> EventKind {
    EventKind::Closed { disposition, remark: Text::default() }
}

fn status(team: TeamId, status: TeamStatus) -> EventKind {
    EventKind::TeamStatusChanged { team, status, to: None }
}

struct Fixture {
    history: History,
    psap: AgencyId,
    center: AgencyId,
    team: TeamId,
}

/// Eight incidents; G is opened before the period and does not count.
fn fixture() -> Fixture {
    let t = Timestamp::from_millis(T0);
    let (psap, center, provider) = (AgencyId::new(t), AgencyId::new(t), AgencyId::new(t));
    let team = TeamId::new(t);
    let id = || IncidentId::new(t);
    let (a, b, c, d, e, f, g, h) = (id(), id(), id(), id(), id(), id(), id(), id());
    let mut hs = History { events: Vec::new() };
    // A: 911, diverted to 988, accepted after 30 s.
    hs.add(a, T0, psap, opened(Channel::Nine11, Some("785-555-0100")));
    hs.add(a, T0 + MIN, psap, triage(TriageOutcome::Divert988, "no"));
    hs.add_involving(a, T0 + MIN, psap, offer(center, Destination::Crisis988), &[psap, center]);
    hs.add(a, T0 + MIN + 30_000, center, EventKind::TransferAccepted);
    hs.add(a, T0 + 20 * MIN, center, closed(Disposition::ResolvedByPhone));
    // B: 911 an hour later from the same number; mobile crisis decided on an unknown answer,
    // overridden, a team sent: en route after 3 min, on scene after 38, leaves after 30 more.
    hs.add(b, T0 + HOUR, psap, opened(Channel::Nine11, Some("785-555-0100")));
    hs.add(b, T0 + HOUR, psap, triage(TriageOutcome::MobileCrisis, "unknown"));
    hs.add(
        b,
        T0 + HOUR + MIN,
        psap,
        EventKind::DecisionOverridden {
            destination: Destination::MobileCrisis,
            reason: Text::parse("supervisor", 100).unwrap(),
        },
    );
    hs.add(b, T0 + HOUR + 2 * MIN, psap, EventKind::TeamDispatched { team, provider });
    hs.add(b, T0 + HOUR + 5 * MIN, provider, status(team, TeamStatus::EnRoute));
    hs.add(b, T0 + HOUR + 40 * MIN, provider, status(team, TeamStatus::OnScene));
    hs.add(b, T0 + HOUR + 70 * MIN, provider, status(team, TeamStatus::Transporting));
    hs.add(b, T0 + 2 * HOUR, provider, closed(Disposition::Transported));
    // C: 911, the embedded clinician holds it 20 minutes and resolves it.
    hs.add(c, T0 + 2 * HOUR, psap, opened(Channel::Nine11, None));
    hs.add(c, T0 + 2 * HOUR, psap, triage(TriageOutcome::EmbeddedClinician, "no"));
    let clinician = domain::UserId::new(t);
    hs.add(c, T0 + 2 * HOUR + MIN, psap, EventKind::ClinicianClaimed { clinician });
    hs.add(c, T0 + 2 * HOUR + 21 * MIN, psap, closed(Disposition::ResolvedByPhone));
    // D: 988 from A's number again, handed off for imminent risk, contact made.
    hs.add(d, T0 + 3 * HOUR, center, opened(Channel::Nine88, Some("785-555-0100")));
    hs.add(d, T0 + 3 * HOUR, center, EventKind::EmergencyHandoffStarted { handoff: e });
    hs.add(
        d,
        T0 + 4 * HOUR,
        center,
        EventKind::EmergencyHandoffConfirmed {
            outcome: HandoffOutcome::ContactMade,
            remark: Text::default(),
        },
    );
    // E: the PSAP's incident of that handoff, accepted after 45 s.
    hs.add(e, T0 + 3 * HOUR + 1000, center, opened(Channel::Nine11, None));
    hs.add(e, T0 + 3 * HOUR + 1000, center, EventKind::HandedOffFrom { incident: d });
    hs.add(e, T0 + 3 * HOUR + 1000, center, offer(psap, Destination::Psap));
    hs.add(e, T0 + 3 * HOUR + 46_000, psap, EventKind::TransferAccepted);
    // F: 911 where nobody covers the location; diverted to 988, returned.
    hs.add(f, T0 + 4 * HOUR, psap, opened(Channel::Nine11, None));
    hs.add(
        f,
        T0 + 4 * HOUR,
        psap,
        EventKind::Routed(Route {
            service: "urn:service:counseling.suicide".into(),
            tiers: Vec::new(),
            basis: RouteBasis::NoCoverage,
            candidates: Vec::new(),
            outside_permille: 1000,
            by_area_code: None,
            rule: Text::default(),
        }),
    );
    hs.add(f, T0 + 4 * HOUR, psap, triage(TriageOutcome::Divert988, "no"));
    hs.add(f, T0 + 4 * HOUR, psap, offer(center, Destination::Crisis988));
    hs.add(
        f,
        T0 + 4 * HOUR + 5 * MIN,
        psap,
        EventKind::TransferReturned { reason: Text::parse("nobody answered", 100).unwrap() },
    );
    // G: a 988 contact ten days before the period; H: the same number 10 days 5 hours later.
    hs.add(g, T0 - 10 * DAY, center, opened(Channel::Nine88, Some("913-555-0199")));
    hs.add(h, T0 + 5 * HOUR, center, opened(Channel::Nine88, Some("913-555-0199")));
    Fixture { history: hs, psap, center, team }
}

fn period() -> Window {
    Window {
        from: Some(Timestamp::from_millis(T0)),
        to: Some(Timestamp::from_millis(T0 + DAY)),
        channel: None,
    }
}

fn agency_name(_: AgencyId) -> String {
    "agency".into()
}

fn team_name(_: TeamId) -> String {
    "team".into()
}

fn no_area(_: &Location) -> Option<String> {
    None
}

fn names() -> Names<'static> {
    Names { agency: &agency_name, team: &team_name, area: &no_area }
}

fn get<'a>(group: &'a Group, id: &str) -> &'a Value {
    &group.measures.iter().find(|m| m.id == id).unwrap_or_else(|| panic!("no measure {id}")).value
}

fn share(part: u64, of: u64) -> Value {
    Value::Share { part, of }
}

fn p50(value: &Value) -> (u64, Option<i64>) {
    match value {
        Value::Time(d) => (d.count, d.p50_ms),
        other => panic!("not a time: {other:?}"),
    }
}

#[test]
fn every_measure_on_a_history_built_by_hand() {
    let fx = fixture();
    let report =
        fx.history.tally(Options { window: period(), ..Options::default() }).report(&names());
    assert_eq!(report.incidents, 7);
    let all = &report.groups[0];
    assert_eq!(all.key, "all");
    // Contacts: A–F and H; G was before the period.
    assert_eq!(get(all, "contacts.total"), &Value::Count { count: 7 });
    assert_eq!(get(all, "contacts.911"), &Value::Count { count: 5 });
    assert_eq!(get(all, "contacts.988"), &Value::Count { count: 2 });
    assert!(matches!(get(all, "contacts.answered_within_20s"), Value::NotMeasured { .. }));
    // Diversion: of the five 911 calls, A B C F were triaged; E (the handoff) was not.
    assert_eq!(get(all, "diversion.triaged"), &share(4, 5));
    assert_eq!(get(all, "diversion.decided_988"), &share(2, 4));
    assert_eq!(get(all, "diversion.decided_mobile_crisis"), &share(1, 4));
    assert_eq!(get(all, "diversion.decided_clinician"), &share(1, 4));
    assert_eq!(get(all, "diversion.decided_police"), &share(0, 4));
    assert_eq!(get(all, "diversion.unknown_answers"), &share(1, 4));
    assert_eq!(get(all, "diversion.overridden"), &share(1, 4));
    // A and F were offered to 988 (E's offer went to a PSAP); A was accepted after 30 s.
    assert_eq!(get(all, "diversion.diverted"), &share(2, 5));
    assert_eq!(get(all, "diversion.accepted"), &share(1, 2));
    assert_eq!(p50(get(all, "diversion.offer_to_accept")), (1, Some(30_000)));
    // The clinician held C 20 minutes and resolved it.
    assert_eq!(get(all, "clinician.held"), &Value::Count { count: 1 });
    assert_eq!(get(all, "clinician.resolved_without_dispatch"), &share(1, 1));
    assert_eq!(p50(get(all, "clinician.time_held")), (1, Some(20 * MIN)));
    // B's team: 3 min to en route, 38 to on scene, 30 on scene; transported.
    assert_eq!(get(all, "mobile.dispatches"), &Value::Count { count: 1 });
    assert_eq!(p50(get(all, "mobile.dispatch_to_en_route")), (1, Some(3 * MIN)));
    assert_eq!(p50(get(all, "mobile.dispatch_to_on_scene")), (1, Some(38 * MIN)));
    assert_eq!(get(all, "mobile.on_scene_within_1h"), &share(1, 1));
    assert_eq!(p50(get(all, "mobile.time_on_scene")), (1, Some(30 * MIN)));
    assert_eq!(get(all, "mobile.law_enforcement_involved"), &share(0, 1));
    assert_eq!(get(all, "mobile.transported"), &share(1, 1));
    // D's handoff: E accepted 45 s after it opened; the follow-up says contact was made.
    assert_eq!(get(all, "handoff.started"), &Value::Count { count: 1 });
    assert_eq!(p50(get(all, "handoff.to_psap_acceptance")), (1, Some(45_000)));
    assert_eq!(get(all, "handoff.contact_made"), &share(1, 1));
    // Repeats: B and D within 7 days of A's number; H within 30 days of G's.
    assert_eq!(get(all, "repeat.within_7_days"), &share(2, 7));
    assert_eq!(get(all, "repeat.within_30_days"), &share(3, 7));
    // Unserved: F's location, F's transfer.
    assert_eq!(get(all, "unserved.no_coverage"), &share(1, 7));
    assert_eq!(get(all, "unserved.returned"), &Value::Count { count: 1 });
}

#[test]
fn groups_split_the_same_incidents() {
    let fx = fixture();
    let by = |by| fx.history.tally(Options { window: period(), by, ..Options::default() });
    let channel = by(Grouping::Channel).report(&names());
    let keys: Vec<&str> = channel.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["911", "988"]);
    assert_eq!(get(&channel.groups[0], "contacts.total"), &Value::Count { count: 5 });
    assert_eq!(get(&channel.groups[1], "handoff.started"), &Value::Count { count: 1 });
    // By hour: A at 00:00, B at 01:00, … H at 05:00 (UTC), D and E both at 03:00.
    let hours = by(Grouping::Hour).report(&names());
    let keys: Vec<&str> = hours.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]);
    assert_eq!(get(&hours.groups[3], "contacts.total"), &Value::Count { count: 2 });
    let days = by(Grouping::Weekday).report(&names());
    assert_eq!(days.groups.len(), 1);
    assert_eq!(days.groups[0].key, "1 Monday");
    let team_names = |t: TeamId| if t == fx.team { "MCT 1".to_owned() } else { "?".to_owned() };
    let teams = by(Grouping::Team).report(&Names { team: &team_names, ..names() });
    let keys: Vec<&str> = teams.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["(no team)", "MCT 1"]);
    assert_eq!(get(&teams.groups[1], "mobile.dispatches"), &Value::Count { count: 1 });
}

#[test]
fn an_agency_sees_the_incidents_it_is_involved_in() {
    let fx = fixture();
    let report = |agency| {
        fx.history
            .tally(Options { window: period(), agency: Some(agency), ..Options::default() })
            .report(&names())
    };
    // The center opened D and H and was offered A; the PSAP opened A B C F (E's involvement
    // was never given, so E counts for the center, which opened it).
    assert_eq!(report(fx.center).incidents, 4);
    assert_eq!(report(fx.psap).incidents, 4);
}

#[test]
fn an_empty_period_reports_zeros_not_errors() {
    let fx = fixture();
    let window =
        Window { from: Some(Timestamp::from_millis(T0 + 30 * DAY)), to: None, channel: None };
    let report = fx.history.tally(Options { window, ..Options::default() }).report(&names());
    assert_eq!(report.incidents, 0);
    assert_eq!(get(&report.groups[0], "diversion.accepted"), &share(0, 0));
    assert!(table(&report).contains("none measured (n = 0)"));
    assert_eq!(csv(&report).lines().count(), 1 + report.groups[0].measures.len());
}

#[test]
fn the_table_and_csv_say_the_same_numbers() {
    let fx = fixture();
    let report =
        fx.history.tally(Options { window: period(), ..Options::default() }).report(&names());
    let text = table(&report);
    assert!(text.contains("2 of 5 (40.0%)"), "{text}");
    assert!(text.contains("p50 38 min 00 s"), "{text}");
    assert!(text.contains("not measured: no contact of this group has the phone system"), "{text}");
    let rows = csv(&report);
    assert!(rows.contains("all,diversion.diverted,share,2,5,0.4000,"), "{rows}");
    assert!(
        rows.contains(
            "all,mobile.dispatch_to_on_scene,time,1,,,2280.000,2280.000,2280.000,2280.000,"
        ),
        "{rows}"
    );
}

fn call(agency: AgencyId, id: &str, at: i64, step: domain::CallStep) -> domain::CallEvent {
    domain::CallEvent {
        agency,
        call: domain::CallId::parse(id).unwrap(),
        at: Timestamp::from_millis(at),
        step,
    }
}

fn arrived(channel: Channel) -> domain::CallStep {
    domain::CallStep::Arrived { channel, callback: None }
}

/// The phone systems' calls: at the 988 center, c1 answered after 12 s, c2 after 18 s, c3 after
/// 40 s, c4 abandoned after 25 s, c5 rolled over in state after 30 s, c6 rolled over out of
/// state after 30 s, c7 still ringing (no end); at the PSAP, p1 answered after 4 s. c0 arrived
/// the day before the period. And the end of c8, whose arrival is not recorded.
fn calls(center: AgencyId, psap: AgencyId) -> Vec<domain::CallEvent> {
    use domain::CallStep::{Abandoned, Answered, RolledOver};
    let by = || Answered { by: Text::parse("agent", 20).unwrap() };
    let backup = |in_state| RolledOver { to: Text::parse("backup", 20).unwrap(), in_state };
    let at = |hour: i64, s: i64| T0 + hour * HOUR + s * 1000;
    vec![
        call(center, "c0", T0 - HOUR, arrived(Channel::Nine88)),
        call(center, "c0", T0 - HOUR + 5_000, by()),
        call(center, "c1", at(1, 0), arrived(Channel::Nine88)),
        call(center, "c1", at(1, 12), by()),
        call(center, "c2", at(1, 30), arrived(Channel::Nine88)),
        call(center, "c2", at(1, 48), by()),
        call(center, "c3", at(2, 0), arrived(Channel::Nine88)),
        call(center, "c3", at(2, 40), by()),
        call(center, "c4", at(2, 0), arrived(Channel::Nine88)),
        call(center, "c4", at(2, 25), Abandoned),
        call(center, "c5", at(3, 0), arrived(Channel::Nine88)),
        call(center, "c5", at(3, 30), backup(true)),
        call(center, "c6", at(3, 0), arrived(Channel::Nine88)),
        call(center, "c6", at(3, 30), backup(false)),
        call(center, "c7", at(4, 0), arrived(Channel::Nine88)),
        call(psap, "p1", at(1, 0), arrived(Channel::Nine11)),
        call(psap, "p1", at(1, 4), by()),
        call(center, "c8", at(5, 0), Abandoned),
    ]
}

fn with_calls(options: Options, fx: &Fixture) -> Tally {
    let mut tally = fx.history.tally(options);
    for step in calls(fx.center, fx.psap) {
        tally.add_call(&step);
    }
    tally
}

#[test]
fn answer_times_from_the_phone_systems_calls() {
    let fx = fixture();
    let options = Options { window: period(), ..Options::default() };
    let report = with_calls(options, &fx).report(&names());
    assert_eq!(report.calls, 8, "c1–c7 and p1; c0 arrived before the period, c8 never arrived");
    // One day: the five 911 and two 988 incidents opened, and the eight calls.
    assert_eq!(
        report.volume,
        vec![DayVolume {
            day: "2026-11-02".into(),
            incidents_911: 5,
            incidents_988: 2,
            incidents_other: 0,
            calls: 8
        }]
    );
    let all = &report.groups[0];
    assert_eq!(get(all, "contacts.arrived"), &Value::Count { count: 8 });
    // Ended: c1–c6 and p1 = 7. Answered within 15 s: c1, p1; within 20 s: c1, c2, p1.
    assert_eq!(get(all, "contacts.answered_within_15s"), &share(2, 7));
    assert_eq!(get(all, "contacts.answered_within_20s"), &share(3, 7));
    match get(all, "contacts.speed_to_answer") {
        // 4, 12, 18, 40 s: nearest-rank p50 is the 2nd, p90 and p95 the 4th; mean 18.5 s.
        Value::Time(d) => assert_eq!(
            (d.count, d.p50_ms, d.p90_ms, d.p95_ms, d.mean_ms),
            (4, Some(12_000), Some(40_000), Some(40_000), Some(18_500))
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(get(all, "contacts.abandoned"), &share(1, 7));
    assert_eq!(get(all, "contacts.rolled_over"), &share(2, 7));
    // Answered (4) and rolled over to an in-state backup (c5).
    assert_eq!(get(all, "contacts.answered_in_state"), &share(5, 7));
    assert_eq!(get(all, "contacts.no_end_recorded"), &Value::Count { count: 1 });

    // The 988 channel alone: the PSAP's call is not counted.
    let only_988 = Options {
        window: Window { channel: Some(Channel::Nine88), ..period() },
        ..Options::default()
    };
    let report = with_calls(only_988, &fx).report(&names());
    assert_eq!(get(&report.groups[0], "contacts.answered_within_15s"), &share(1, 6));

    // By hour: the calls of 01:00 are c1, c2 and p1, beside incident B.
    let by_hour = Options { window: period(), by: Grouping::Hour, ..Options::default() };
    let report = with_calls(by_hour, &fx).report(&names());
    let one = report.groups.iter().find(|g| g.key == "01:00").unwrap();
    assert_eq!(get(one, "contacts.arrived"), &Value::Count { count: 3 });
    assert_eq!(get(one, "contacts.total"), &Value::Count { count: 1 });
    assert_eq!(get(one, "contacts.answered_within_15s"), &share(2, 3));
    // An hour with an incident (A) but no call: not measured, and says why.
    let midnight = report.groups.iter().find(|g| g.key == "00:00").unwrap();
    assert!(
        matches!(get(midnight, "contacts.abandoned"), Value::NotMeasured { reason } if reason.contains("POST /api/v1/calls"))
    );

    // The PSAP's own report holds its own call only.
    let psap = Options { window: period(), agency: Some(fx.psap), ..Options::default() };
    let report = with_calls(psap, &fx).report(&names());
    assert_eq!(report.calls, 1);
    assert_eq!(get(&report.groups[0], "contacts.answered_within_15s"), &share(1, 1));

    // By area, calls cannot be placed: not measured, with the groupings that can.
    let by_area = Options { window: period(), by: Grouping::Area, ..Options::default() };
    let report = with_calls(by_area, &fx).report(&names());
    for group in &report.groups {
        assert!(matches!(
            get(group, "contacts.arrived"),
            Value::NotMeasured { reason } if reason.contains("group by agency, channel, hour")
        ));
    }
}

/// Every element of the SVG, checked well-formed by a real XML reader; the texts it shows.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut texts = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Text(t)) => {
                let t = t.xml10_content().trim().to_owned();
                if !t.is_empty() {
                    texts.push(t);
                }
            }
            Ok(quick_xml::events::Event::Eof) => return texts,
            Ok(_) => {}
            Err(e) => panic!("not well-formed SVG: {e}\n{svg}"),
        }
    }
}

#[test]
fn charts_draw_the_reports_numbers_and_say_what_is_not_measured() {
    use super::charts::{Chart, svg};
    let fx = fixture();
    let by_hour = Options { window: period(), by: Grouping::Hour, ..Options::default() };
    let report = with_calls(by_hour, &fx).report(&names());
    if let Ok(dir) = std::env::var("CB_CHART_DIR") {
        for chart in Chart::ALL {
            std::fs::write(format!("{dir}/{}.svg", chart.name()), svg(chart, &report)).unwrap();
        }
    }
    let volume = svg_texts(&svg(Chart::Volume, &report));
    assert!(volume.iter().any(|t| t == "2026-11-02"), "{volume:?}");
    assert!(volume.iter().any(|t| t == "calls arrived"), "{volume:?}");
    let answers = svg_texts(&svg(Chart::AnswerTimes, &report));
    assert!(
        answers.iter().any(|t| t == "target 15 s") && answers.iter().any(|t| t == "target 20 s")
    );
    // The hours with answered calls: 01:00 (c1, c2, p1) and 02:00 (c3).
    assert!(answers.iter().any(|t| t == "01:00 (n = 3)"), "{answers:?}");
    assert!(answers.iter().any(|t| t == "02:00 (n = 1)"), "{answers:?}");
    let response = svg_texts(&svg(Chart::ResponseTimes, &report));
    assert!(response.iter().any(|t| t == "target 1 h"), "{response:?}");
    assert!(
        response.iter().any(|t| t == "01:00 (n = 1)"),
        "B's team, opened at 01:00: {response:?}"
    );
    // The funnel: 5 calls, 4 triaged, 2 decided for 988, 1 for mobile crisis, 2 offered, 1 accepted.
    let funnel = svg_texts(&svg(Chart::Funnel, &report));
    for label in ["5 (100.0%)", "4 (80.0%)", "2 (40.0%)", "1 (20.0%)"] {
        assert!(funnel.iter().any(|t| t == label), "{label}: {funnel:?}");
    }
    assert_eq!(
        super::charts::funnel_stages(&report).iter().map(|s| s.1).collect::<Vec<_>>(),
        [5, 4, 2, 1, 2, 1]
    );

    // Without calls, the answer-time chart says why instead of drawing zeros.
    let report =
        fx.history.tally(Options { window: period(), ..Options::default() }).report(&names());
    let answers = svg_texts(&svg(Chart::AnswerTimes, &report));
    assert!(
        answers.iter().any(|t| t.starts_with("not measured: no contact of this group")),
        "{answers:?}"
    );
    // An empty period draws no bars and says so.
    let empty = Options {
        window: Window {
            from: Some(Timestamp::from_millis(T0 + 30 * DAY)),
            to: None,
            channel: None,
        },
        ..Options::default()
    };
    let report = fx.history.tally(empty).report(&names());
    assert!(
        svg_texts(&svg(Chart::Volume, &report))
            .iter()
            .any(|t| t == "no incident or call in this period")
    );
    assert!(
        svg_texts(&svg(Chart::Funnel, &report)).iter().any(|t| t == "no 911 call in this period")
    );
}

#[test]
fn the_html_report_holds_every_chart_and_number_and_nothing_outside_it() {
    let fx = fixture();
    let options = Options { window: period(), by: Grouping::Channel, ..Options::default() };
    let report = with_calls(options, &fx).report(&names());
    let page = html(&report, "KS <demo> & 2026-11-02", None);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<p>KS &lt;demo&gt; &amp; 2026-11-02</p>"), "the heading is escaped");
    assert_eq!(page.matches("<svg").count(), 4, "the four charts, inline");
    for forbidden in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(forbidden), "self-contained: no {forbidden}");
    }
    for group in &report.groups {
        for m in &group.measures {
            assert!(page.contains(&format!("<code>{}</code>", m.id)), "{}", m.id);
        }
    }
    // 988: c1 of the six ended calls answered within 15 s; 911: p1, the only one.
    let row = "<tr><th scope=\"row\">answered within 15 s</th><td><code>contacts.answered_within_15s</code></td>";
    assert!(page.contains(&format!("{row}<td>1 of 6 (16.7%)</td>")), "{page}");
    assert!(page.contains(&format!("{row}<td>1 of 1 (100.0%)</td>")), "{page}");
    assert!(!page.contains("Not measured"), "everything is measured by channel");
    let by_area = Options { window: period(), by: Grouping::Area, ..Options::default() };
    let page = html(&with_calls(by_area, &fx).report(&names()), "by area", None);
    assert_eq!(
        page.matches("Not measured: calls carry no location or team").count(),
        1,
        "said once"
    );
}

#[test]
fn the_rate_map_colours_areas_by_quartile_zero_apart_and_greys_the_unpopulated() {
    use super::charts::{Shape, rate_map};
    use super::population::{PerCapita, Populations, Spread};
    let square =
        |x: f64| vec![vec![[x, 38.0], [x + 1.0, 38.0], [x + 1.0, 39.0], [x, 39.0], [x, 38.0]]];
    let labels = ["a A", "b B", "c C", "d D", "e E", "f F", "g G"];
    let shapes: Vec<Shape> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| Shape { label: (*l).to_owned(), rings: square(-100.0 + i as f64) })
        .collect();
    // Rates 10 to 50 in a to e; g has people but nothing in the period; f has no population.
    let populations =
        Populations::parse("area,name,population\na,A,1\nb,B,1\nc,C,1\nd,D,1\ne,E,1\ng,G,1\n")
            .unwrap();
    let per_capita = PerCapita {
        areas: (0..5_u32)
            .map(|i| {
                (
                    labels[i as usize].to_owned(),
                    1000,
                    vec![("contacts.total", f64::from(i + 1) * 10.0)],
                )
            })
            .collect(),
        spread: Vec::<Spread>::new(),
        without_population: Vec::new(),
    };
    let svg = rate_map(&per_capita, &populations, &shapes, "contacts.total");
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t == "contacts.total per 100,000 residents, by area"),
        "{texts:?}"
    );
    // g at 0, a and b in the first quartile (up to 20), c, d, e one each; f grey.
    let fills = |colour: &str| svg.matches(&format!("fill=\"{colour}\"")).count();
    for (colour, areas) in [
        ("#DEEBF7", 1),
        ("#9ECAE1", 2),
        ("#6BAED6", 1),
        ("#3182BD", 1),
        ("#08519C", 1),
        ("#E6E6E6", 1),
    ] {
        // Each area's polygon, plus the colour's legend swatch (a rect).
        assert_eq!(fills(colour), areas + 1, "{colour}");
    }
    assert_eq!(svg.matches("<polygon").count(), 7, "each area drawn once");
    for label in ["0", "0.0 – 20.0", "20.0 – 30.0", "30.0 – 40.0", "40.0 – 50.0", "no population"]
    {
        assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
    }
    // No boundaries: the map says so.
    let empty = svg_texts(&rate_map(&per_capita, &populations, &[], "contacts.total"));
    assert!(empty.iter().any(|t| t == "no area boundaries are loaded"), "{empty:?}");
}

#[test]
fn charts_as_png_are_images_with_their_text_drawn() {
    use super::charts::{Chart, png};
    let fx = fixture();
    let by_hour = Options { window: period(), by: Grouping::Hour, ..Options::default() };
    let report = with_calls(by_hour, &fx).report(&names());
    for chart in Chart::ALL {
        let bytes = png(chart, &report).unwrap();
        if let Ok(dir) = std::env::var("CB_CHART_DIR") {
            std::fs::write(format!("{dir}/{}.png", chart.name()), &bytes).unwrap();
        }
        let mut reader = ::png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((frame.width, frame.height), (720, 360), "{}", chart.name());
        // The title's glyphs: black pixels in the top band, where only text is drawn.
        let top = &pixels[..frame.line_size * 30];
        let dark = top.chunks(3).filter(|p| p.iter().all(|c| *c < 80)).count();
        assert!(dark > 100, "{}: the title is drawn ({dark} dark pixels)", chart.name());
    }
}

#[test]
fn a_repeat_contact_counts_only_earlier_incidents_the_reports_agency_may_see() {
    let t = Timestamp::from_millis(T0);
    let (psap, center) = (AgencyId::new(t), AgencyId::new(t));
    let (x, y) = (IncidentId::new(t), IncidentId::new(t));
    let mut hs = History { events: Vec::new() };
    // The 988 center's contact, then two days later a 911 call from the same number.
    hs.add_involving(x, T0, center, opened(Channel::Nine88, Some("785-555-0142")), &[center]);
    hs.add_involving(y, T0 + 2 * DAY, psap, opened(Channel::Nine11, Some("785-555-0142")), &[psap]);
    let window = Window { from: Some(Timestamp::from_millis(T0 + DAY)), to: None, channel: None };
    let report = |agency| {
        let report = hs.tally(Options { window, agency, ..Options::default() }).report(&names());
        get(&report.groups[0], "repeat.within_7_days").clone()
    };
    // Every agency's report sees both; the PSAP's sees only its own call, which is then a first.
    assert_eq!(report(None), share(1, 1));
    assert_eq!(report(Some(psap)), share(0, 1));
}

#[test]
fn a_call_decided_for_police_and_ems_counts_there_and_as_law_enforcement() {
    let t = Timestamp::from_millis(T0);
    let (psap, provider, team) = (AgencyId::new(t), AgencyId::new(t), TeamId::new(t));
    let (a, b) = (IncidentId::new(t), IncidentId::new(t));
    let mut hs = History { events: Vec::new() };
    hs.add(a, T0, psap, opened(Channel::Nine11, None));
    hs.add(a, T0 + MIN, psap, triage(TriageOutcome::LawEnforcementAndEms, "yes"));
    hs.add(a, T0 + 2 * MIN, provider, EventKind::TeamDispatched { team, provider });
    hs.add(b, T0 + HOUR, psap, opened(Channel::Nine11, None));
    hs.add(b, T0 + HOUR + MIN, psap, triage(TriageOutcome::Ems, "no"));
    let report = hs.tally(Options { window: period(), ..Options::default() }).report(&names());
    let all = &report.groups[0];
    assert_eq!(get(all, "diversion.decided_police_and_ems"), &share(1, 2));
    assert_eq!(get(all, "diversion.decided_ems"), &share(1, 2));
    assert_eq!(get(all, "diversion.decided_police"), &share(0, 2));
    // A's team went with police: law enforcement involved in 1 of the 1 team incidents.
    assert_eq!(get(all, "mobile.law_enforcement_involved"), &share(1, 1));
}

#[test]
fn contacts_count_who_needs_an_interpreter_and_each_age_band_as_last_described() {
    let t = Timestamp::from_millis(T0);
    let psap = AgencyId::new(t);
    let mut history = History { events: Vec::new() };
    let described = |language: &str, interpreter: bool, band: Option<domain::AgeBand>| {
        EventKind::ContactDescribed(domain::ContactDetails {
            language: Text::parse(language, 40).unwrap(),
            interpreter,
            age_band: band,
        })
    };
    let ids: Vec<IncidentId> = (0..4).map(|_| IncidentId::new(t)).collect();
    for (n, id) in ids.iter().enumerate() {
        history.add(*id, T0 + n as i64 * MIN, psap, opened(Channel::Nine11, None));
    }
    // 0: Spanish, interpreter, a child. 1: an adolescent, then described again as an adult
    // with an interpreter (the last description counts). 2: an older adult. 3: nothing said.
    history.add(ids[0], T0 + HOUR, psap, described("Spanish", true, Some(domain::AgeBand::Child)));
    history.add(ids[1], T0 + HOUR, psap, described("", false, Some(domain::AgeBand::Adolescent)));
    history.add(
        ids[1],
        T0 + 2 * HOUR,
        psap,
        described("Somali", true, Some(domain::AgeBand::Adult)),
    );
    history.add(ids[2], T0 + HOUR, psap, described("", false, Some(domain::AgeBand::OlderAdult)));
    let report = history.tally(Options { window: period(), ..Options::default() }).report(&names());
    let all = &report.groups[0];
    assert_eq!(get(all, "contacts.interpreter"), &share(2, 4));
    for (id, n) in [
        ("contacts.age_child", 1),
        ("contacts.age_adolescent", 0),
        ("contacts.age_adult", 1),
        ("contacts.age_older_adult", 1),
        ("contacts.age_not_described", 1),
    ] {
        assert_eq!(get(all, id), &Value::Count { count: n }, "{id}");
    }
}

#[test]
fn follow_ups_are_counted_for_their_own_agency_in_time_by_their_first_due_and_by_outcome() {
    use domain::incident::{AttemptResult, FollowUpOutcome, FollowUpPlan};
    let t = Timestamp::from_millis(T0);
    let center = AgencyId::new(t);
    let provider = AgencyId::new(Timestamp::from_millis(T0 + 1));
    let mut history = History { events: Vec::new() };
    let plan = |number, due: i64, without_consent| {
        EventKind::FollowUpScheduled(FollowUpPlan {
            number,
            due: Timestamp::from_millis(due),
            rule: None,
            reason: Text::default(),
            without_consent,
            attempts_allowed: 3,
            retry_minutes: 240,
        })
    };
    let attempt = |number, result| EventKind::FollowUpAttempted {
        number,
        result,
        note: Text::default(),
        next_due: None,
    };
    let finish = |number, outcome| EventKind::FollowUpFinished {
        number,
        outcome,
        detail: Text::default(),
        reopened_as: None,
    };
    let ids: Vec<IncidentId> = (0..4).map(|_| IncidentId::new(t)).collect();
    for (n, id) in ids.iter().enumerate() {
        history.add(*id, T0 + n as i64 * MIN, center, opened(Channel::Nine88, None));
        history.add(*id, T0 + HOUR, center, closed(Disposition::ResolvedByPhone));
    }
    // 0: due at +25 h, tried at +5 h (in time), reached and well at +5 h.
    history.add(ids[0], T0 + HOUR, center, plan(1, T0 + 25 * HOUR, false));
    history.add(ids[0], T0 + 5 * HOUR, center, attempt(1, AttemptResult::Reached));
    history.add(ids[0], T0 + 5 * HOUR, center, finish(1, FollowUpOutcome::ReachedAndWell));
    // 1: due at +25 h, first tried at +30 h (late), then unable to reach.
    history.add(ids[1], T0 + HOUR, center, plan(1, T0 + 25 * HOUR, false));
    history.add(ids[1], T0 + 30 * HOUR, center, attempt(1, AttemptResult::NoAnswer));
    history.add(ids[1], T0 + 30 * HOUR, center, finish(1, FollowUpOutcome::UnableToReach));
    // 2: without consent, due at +25 h, never tried: due by the log's end (+30 h), not in time.
    history.add(ids[2], T0 + HOUR, center, plan(1, T0 + 25 * HOUR, true));
    // 3: the provider's, due at +49 h — not yet due at the log's end, and not the center's.
    history.add(ids[3], T0 + HOUR, provider, plan(1, T0 + 49 * HOUR, false));

    let report = history.tally(Options { window: period(), ..Options::default() }).report(&names());
    let all = &report.groups[0];
    assert_eq!(get(all, "follow_up.made"), &Value::Count { count: 4 });
    assert_eq!(get(all, "follow_up.without_consent"), &Value::Count { count: 1 });
    assert_eq!(get(all, "follow_up.attempted_in_time"), &share(1, 3), "three came due");
    assert_eq!(get(all, "follow_up.finished"), &share(2, 4));
    assert_eq!(get(all, "follow_up.reached_and_well"), &share(1, 2));
    assert_eq!(get(all, "follow_up.unable_to_reach"), &share(1, 2));
    assert_eq!(get(all, "follow_up.declined"), &share(0, 2));
    assert_eq!(p50(get(all, "follow_up.to_first_attempt")), (2, Some(4 * HOUR)));

    let of_center = Options { window: period(), agency: Some(center), ..Options::default() };
    let report = history.tally(of_center).report(&names());
    assert_eq!(get(&report.groups[0], "follow_up.made"), &Value::Count { count: 3 });
}

#[test]
fn destinations_count_choices_hand_overs_turn_aways_and_arrival_to_hand_over() {
    let t = Timestamp::from_millis(T0);
    let psap = AgencyId::new(t);
    let facility = AgencyId::new(Timestamp::from_millis(T0 + 1));
    let team = TeamId::new(t);
    let (trc, ed) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
    let mut history = History { events: Vec::new() };
    let id = IncidentId::new(t);
    let chosen = |f| EventKind::DestinationChosen {
        facility: f,
        operator: facility,
        team: Some(team),
        eta_s: Some(600),
        reason: Text::default(),
    };
    history.add(id, T0, psap, opened(Channel::Nine11, None));
    history.add(id, T0 + MIN, psap, EventKind::TeamDispatched { team, provider: psap });
    history.add(id, T0 + 10 * MIN, psap, status(team, TeamStatus::OnScene));
    // The first choice is turned away for want of a bed; the second takes the person 12
    // minutes after the team reports being there.
    history.add(id, T0 + 30 * MIN, psap, chosen(trc));
    let refused =
        EventKind::HandoverRefused { facility: trc, no_room: true, reason: Text::default() };
    history.add(id, T0 + 31 * MIN, facility, refused);
    history.add(id, T0 + 32 * MIN, psap, chosen(ed));
    history.add(id, T0 + 40 * MIN, psap, status(team, TeamStatus::Transporting));
    history.add(id, T0 + 50 * MIN, psap, status(team, TeamStatus::AtFacility));
    history.add(id, T0 + 62 * MIN, facility, EventKind::HandoverAccepted { facility: ed });

    let report = history.tally(Options { window: period(), ..Options::default() }).report(&names());
    let all = &report.groups[0];
    assert_eq!(get(all, "destination.chosen"), &Value::Count { count: 2 });
    assert_eq!(get(all, "destination.handed_over"), &share(1, 2));
    assert_eq!(get(all, "destination.facilities_used"), &Value::Count { count: 1 });
    assert_eq!(get(all, "destination.turned_away_no_room"), &Value::Count { count: 1 });
    assert_eq!(p50(get(all, "destination.arrival_to_handover")), (1, Some(12 * MIN)));
}
