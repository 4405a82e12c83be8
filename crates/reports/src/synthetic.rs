//! Seeded synthetic histories with a realistic mix, for checking the measures against an
//! independent computation and for benchmarking them at a county-year's scale. The same seed
//! gives the same history.
//!
//! The mix: 60 % of contacts are 911 calls, 35 % 988 contacts, 5 % other; callbacks come from a
//! pool small enough that people call again. Of 911 calls, 75 % are triaged — 25 % for 988,
//! 15 % for mobile crisis, 10 % for the embedded clinician, 10 % co-response, 30 % police, 10 %
//! EMS — and one decision in twenty is made on an unknown answer and one in forty is overridden.
//! Diversions to 988 are accepted four times in five, else returned; mobile crisis decisions send
//! a team that reports en route, on scene and leaving; one 988 contact in twenty-five is handed
//! to 911 for imminent risk, with the PSAP's incident accepted. One route in fifty finds no
//! coverage.

use domain::event::Actor;
use domain::{
    AgencyId, CallEvent, CallId, CallStep, CallbackNumber, Channel, Destination, Disposition,
    Event, EventKind, HandoffOutcome, IncidentId, Location, NoteAudience, Route, RouteBasis,
    TeamId, TeamStatus, Text, Timestamp, TriageOutcome, UserId,
};

/// A small, fast, seeded generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// Uniform milliseconds in `low..high`.
    pub fn ms(&mut self, low: i64, high: i64) -> i64 {
        low + i64::try_from(self.below(u64::try_from(high - low).unwrap_or(1))).unwrap_or(0)
    }
}

/// The agencies and teams a synthetic history uses.
#[derive(Debug, Clone)]
pub struct Cast {
    pub psaps: Vec<AgencyId>,
    pub centers: Vec<AgencyId>,
    pub providers: Vec<AgencyId>,
    pub teams: Vec<TeamId>,
    pub clinician: UserId,
}

impl Cast {
    /// `psaps` PSAPs, two 988 centers, two providers with five teams each.
    pub fn new(psaps: usize) -> Self {
        let t = Timestamp::from_millis(1);
        Self {
            psaps: (0..psaps.max(1)).map(|_| AgencyId::new(t)).collect(),
            centers: (0..2).map(|_| AgencyId::new(t)).collect(),
            providers: (0..2).map(|_| AgencyId::new(t)).collect(),
            teams: (0..10).map(|_| TeamId::new(t)).collect(),
            clinician: UserId::new(t),
        }
    }
}

/// One event with the incident's involvement after it, in log order.
pub type Recorded = (Event, Vec<AgencyId>);

const MIN: i64 = 60_000;

fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> Option<T> {
    items.get(usize::try_from(rng.below(items.len() as u64)).unwrap_or(0)).copied()
}

fn text(s: &str) -> Text {
    Text::parse(s, 200).unwrap_or_default()
}

/// `incidents` incidents opened over `days` days from `start`, in log order (by time).
pub fn history(
    seed: u64,
    cast: &Cast,
    incidents: usize,
    start: Timestamp,
    days: i64,
) -> Vec<Recorded> {
    history_with_notes(seed, cast, incidents, start, days, 0)
}

/// [`history`] with `notes` notes added to each incident as it opens: the same measures over a
/// log with more events per incident (note events count for nothing).
pub fn history_with_notes(
    seed: u64,
    cast: &Cast,
    incidents: usize,
    start: Timestamp,
    days: i64,
    notes: usize,
) -> Vec<Recorded> {
    let mut rng = Rng::new(seed);
    let span = days.max(1) * 86_400_000;
    let step = span / i64::try_from(incidents.max(1)).unwrap_or(1);
    let callers = (incidents / 3).max(1) as u64;
    let mut out: Vec<Recorded> = Vec::with_capacity(incidents * (4 + notes));
    for n in 0..incidents {
        let at = start.as_millis() + step * i64::try_from(n).unwrap_or(0) + rng.ms(0, step.max(1));
        one(&mut rng, cast, at, callers, notes, &mut out);
    }
    // Each incident's events were written in order; across incidents, order by time (a stable
    // sort keeps each incident's order among equal times).
    out.sort_by_key(|(e, _)| e.at);
    out
}

fn one(rng: &mut Rng, cast: &Cast, at: i64, callers: u64, notes: usize, out: &mut Vec<Recorded>) {
    let id = IncidentId::new(Timestamp::from_millis(at));
    let roll = rng.below(100);
    let channel = if roll < 60 {
        Channel::Nine11
    } else if roll < 95 {
        Channel::Nine88
    } else {
        Channel::Other
    };
    let opener = match channel {
        Channel::Nine88 => pick(rng, &cast.centers),
        _ => pick(rng, &cast.psaps),
    };
    let Some(opener) = opener else { return };
    let mut involved = vec![opener];
    let callback =
        CallbackNumber::parse(&format!("785-555-{:04}", rng.below(callers) % 10_000)).ok();
    let mut push = |t: i64, agency: AgencyId, kind: EventKind, involved: &[AgencyId]| {
        let event = Event {
            incident: id,
            at: Timestamp::from_millis(t),
            actor: Actor::System,
            agency,
            kind,
        };
        out.push((event, involved.to_vec()));
    };
    push(
        at,
        opener,
        EventKind::Opened {
            channel,
            location: Location::Unknown,
            callback,
            summary: Text::default(),
        },
        &involved,
    );
    // At the opening's time: the log's order keeps them after it and before what follows.
    for _ in 0..notes {
        let note = EventKind::NoteAdded {
            text: text("caller still on the line"),
            audience: NoteAudience::Involved,
        };
        push(at, opener, note, &involved);
    }
    let mut t = at;
    if rng.chance(20) {
        let route = Route {
            service: "urn:service:sos".into(),
            tiers: Vec::new(),
            basis: RouteBasis::NoCoverage,
            candidates: Vec::new(),
            outside_permille: 1000,
            by_area_code: None,
            rule: Text::default(),
        };
        push(t, opener, EventKind::Routed(route), &involved);
    }
    let close = |d: Disposition| EventKind::Closed { disposition: d, remark: Text::default() };
    match channel {
        Channel::Nine11 if rng.chance(750) => {
            let roll = rng.below(100);
            let outcome = match roll {
                0..25 => TriageOutcome::Divert988,
                25..40 => TriageOutcome::MobileCrisis,
                40..50 => TriageOutcome::EmbeddedClinician,
                50..60 => TriageOutcome::CoResponse,
                60..90 => TriageOutcome::LawEnforcement,
                _ => TriageOutcome::Ems,
            };
            let answer = if rng.chance(50) { "unknown" } else { "no" };
            t += rng.ms(MIN, 4 * MIN);
            push(
                t,
                opener,
                EventKind::TriageRecorded {
                    outcome,
                    protocol: "kansas-911".into(),
                    protocol_version: 1,
                    rule: "r".into(),
                    answers: vec![("weapon".into(), answer.into())],
                },
                &involved,
            );
            if rng.chance(25) {
                t += MIN;
                push(
                    t,
                    opener,
                    EventKind::DecisionOverridden {
                        destination: Destination::Other,
                        reason: text("supervisor"),
                    },
                    &involved,
                );
            }
            match outcome {
                TriageOutcome::Divert988 => {
                    let Some(center) = pick(rng, &cast.centers) else { return };
                    t += rng.ms(10_000, MIN);
                    involved.push(center);
                    push(
                        t,
                        opener,
                        EventKind::TransferOffered {
                            to: center,
                            reason: Text::default(),
                            deadline: Timestamp::from_millis(t + 2 * MIN),
                            service: None,
                            then: Vec::new(),
                            destination: Destination::Crisis988,
                            until_taken: false,
                        },
                        &involved,
                    );
                    if rng.chance(800) {
                        t += rng.ms(5_000, 90_000);
                        push(t, center, EventKind::TransferAccepted, &involved);
                        t += rng.ms(5 * MIN, 40 * MIN);
                        push(t, center, close(Disposition::ResolvedByPhone), &involved);
                    } else {
                        t += 2 * MIN;
                        push(t, opener, EventKind::TransferTimedOut, &involved);
                        push(
                            t,
                            opener,
                            EventKind::TransferReturned { reason: text("nobody answered") },
                            &involved,
                        );
                        t += rng.ms(MIN, 5 * MIN);
                        push(
                            t,
                            opener,
                            EventKind::AlarmResolved { action: text("police sent") },
                            &involved,
                        );
                        t += rng.ms(5 * MIN, 30 * MIN);
                        push(t, opener, close(Disposition::HandledByEmergencyServices), &involved);
                    }
                }
                TriageOutcome::MobileCrisis | TriageOutcome::CoResponse => {
                    let (Some(team), Some(provider)) =
                        (pick(rng, &cast.teams), pick(rng, &cast.providers))
                    else {
                        return;
                    };
                    t += rng.ms(MIN, 5 * MIN);
                    involved.push(provider);
                    push(t, opener, EventKind::TeamDispatched { team, provider }, &involved);
                    let sent = t;
                    t = sent + rng.ms(MIN, 8 * MIN);
                    push(
                        t,
                        provider,
                        EventKind::TeamStatusChanged {
                            team,
                            status: TeamStatus::EnRoute,
                            to: None,
                        },
                        &involved,
                    );
                    t = sent + rng.ms(15 * MIN, 150 * MIN);
                    push(
                        t,
                        provider,
                        EventKind::TeamStatusChanged {
                            team,
                            status: TeamStatus::OnScene,
                            to: None,
                        },
                        &involved,
                    );
                    t += rng.ms(20 * MIN, 90 * MIN);
                    let transported = rng.chance(200);
                    let next =
                        if transported { TeamStatus::Transporting } else { TeamStatus::Available };
                    push(
                        t,
                        provider,
                        EventKind::TeamStatusChanged { team, status: next, to: None },
                        &involved,
                    );
                    let d = if transported {
                        Disposition::Transported
                    } else {
                        Disposition::ResolvedOnScene
                    };
                    t += MIN;
                    push(t, opener, close(d), &involved);
                }
                TriageOutcome::EmbeddedClinician => {
                    t += rng.ms(30_000, 5 * MIN);
                    push(
                        t,
                        opener,
                        EventKind::ClinicianClaimed { clinician: cast.clinician },
                        &involved,
                    );
                    t += rng.ms(5 * MIN, 45 * MIN);
                    push(t, opener, close(Disposition::ResolvedByPhone), &involved);
                }
                _ => {
                    t += rng.ms(10 * MIN, 60 * MIN);
                    push(t, opener, close(Disposition::HandledByEmergencyServices), &involved);
                }
            }
        }
        Channel::Nine88 if rng.chance(40) => {
            let Some(psap) = pick(rng, &cast.psaps) else { return };
            let handoff = IncidentId::new(Timestamp::from_millis(t));
            t += rng.ms(2 * MIN, 10 * MIN);
            push(t, opener, EventKind::EmergencyHandoffStarted { handoff }, &involved);
            let psap_involved = [opener, psap];
            let mut push_psap = |at: i64, agency: AgencyId, kind: EventKind| {
                let event = Event {
                    incident: handoff,
                    at: Timestamp::from_millis(at),
                    actor: Actor::System,
                    agency,
                    kind,
                };
                out.push((event, psap_involved.to_vec()));
            };
            push_psap(
                t,
                opener,
                EventKind::Opened {
                    channel: Channel::Nine11,
                    location: Location::Unknown,
                    callback: None,
                    summary: Text::default(),
                },
            );
            push_psap(t, opener, EventKind::HandedOffFrom { incident: id });
            push_psap(
                t,
                opener,
                EventKind::TransferOffered {
                    to: psap,
                    reason: Text::default(),
                    deadline: Timestamp::from_millis(t + MIN),
                    service: None,
                    then: Vec::new(),
                    destination: Destination::Psap,
                    until_taken: true,
                },
            );
            let accepted = t + rng.ms(5_000, 60_000);
            push_psap(accepted, psap, EventKind::TransferAccepted);
            let confirmed = t + rng.ms(10 * MIN, 60 * MIN);
            let outcome = if rng.chance(900) {
                HandoffOutcome::ContactMade
            } else {
                HandoffOutcome::CouldNotConfirm
            };
            let event = Event {
                incident: id,
                at: Timestamp::from_millis(confirmed),
                actor: Actor::System,
                agency: opener,
                kind: EventKind::EmergencyHandoffConfirmed { outcome, remark: Text::default() },
            };
            out.push((event, involved.clone()));
        }
        _ => {
            t += rng.ms(3 * MIN, 30 * MIN);
            let d = if channel == Channel::Nine88 {
                Disposition::ResolvedByPhone
            } else {
                Disposition::Referred
            };
            push(t, opener, close(d), &involved);
        }
    }
}

/// `count` calls at the cast's PSAPs (911) and 988 centers over `days` days from `start`, as
/// their phone systems post them, in time order: about 80 % answered after 1 to 40 s, 8 %
/// abandoned, 7 % rolled over (half to an in-state backup), 5 % with no end yet.
pub fn calls(seed: u64, cast: &Cast, count: usize, start: Timestamp, days: i64) -> Vec<CallEvent> {
    let mut rng = Rng::new(seed);
    let span = days.max(1) * 86_400_000;
    let mut out = Vec::with_capacity(count * 2);
    for n in 0..count {
        let (agency, channel) = if rng.chance(600) {
            (pick(&mut rng, &cast.psaps), Channel::Nine11)
        } else {
            (pick(&mut rng, &cast.centers), Channel::Nine88)
        };
        let Some(agency) = agency else { continue };
        let Ok(call) = CallId::parse(&format!("c-{seed}-{n}")) else { continue };
        let at = start.as_millis() + rng.ms(0, span);
        let step = |at: i64, step: CallStep| CallEvent {
            agency,
            call: call.clone(),
            at: Timestamp::from_millis(at),
            step,
        };
        out.push(step(at, CallStep::Arrived { channel, callback: None }));
        let roll = rng.below(100);
        let end = match roll {
            0..80 => {
                Some(step(at + rng.ms(1_000, 40_000), CallStep::Answered { by: text("agent") }))
            }
            80..88 => Some(step(at + rng.ms(2_000, 60_000), CallStep::Abandoned)),
            88..95 => Some(step(
                at + rng.ms(30_000, 45_000),
                CallStep::RolledOver { to: text("backup"), in_state: rng.chance(500) },
            )),
            _ => None,
        };
        out.extend(end);
    }
    out.sort_by_key(|c| c.at);
    out
}
