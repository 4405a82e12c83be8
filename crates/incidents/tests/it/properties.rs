//! Random sequences of commands through the incident service — every command, by random roles
//! of random agencies, with the clock moving — and two properties checked on the log they
//! leave:
//!
//! 1. No 911 call held by the PSAP whose protocol is active ever went to a crisis service
//!    (an offer to 988 or a mobile crisis provider, a team, the embedded clinician) without a
//!    decision that includes it or a recorded override for it.
//! 2. Every imminent-risk handoff is never returned, and ends accepted by a PSAP or resolved
//!    by a supervisor — while neither has happened, it is still being offered.
//!
//! Seeded, so a failure reproduces; the seed is in the message.

use std::collections::HashMap;

use domain::{
    Channel, Clock, Destination, Disposition, EventKind, Incident, IncidentId, Role, UserId,
};
use incidents::{Caller, HandoffRequest, TransferRequest};
use triage::AnswerInput;

use crate::harness::{World, activate_shipped_911, answers_911, text};

/// xorshift64*: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SEQUENCES: u64 = 32;
const STEPS: usize = 60;

#[tokio::test]
async fn no_path_sends_a_call_where_its_decision_forbids_and_no_handoff_ends_quietly() {
    let mut seen = Seen::default();
    for seed in 1..=SEQUENCES {
        run(seed, &mut seen).await;
    }
    // The sequences must reach what the properties are about, or they prove nothing.
    assert!(seen.gated_sends >= 10, "{seen:?}");
    assert!(seen.overrides >= 3, "{seen:?}");
    assert!(seen.handoffs >= 5 && seen.handoffs_alarmed >= 2, "{seen:?}");
}

/// What the sequences did, so the test knows it covered the properties.
#[derive(Debug, Default)]
struct Seen {
    /// Offers to a crisis service, team dispatches and clinician claims of PSAP-held 911 calls.
    gated_sends: u32,
    overrides: u32,
    handoffs: u32,
    handoffs_alarmed: u32,
}

async fn run(seed: u64, seen: &mut Seen) {
    let w = World::new().await;
    activate_shipped_911(&w).await;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let agencies = [
        w.psap.clone(),
        w.center.clone(),
        w.backup.clone(),
        w.provider.clone(),
        w.default_psap.clone(),
    ];
    let mut roles: HashMap<UserId, Role> = HashMap::new();
    let mut incidents: Vec<IncidentId> = Vec::new();
    let caller = |rng: &mut Rng, roles: &mut HashMap<UserId, Role>| -> Caller {
        let agency = rng.pick(&agencies).clone();
        let role = *rng.pick(&Role::ALL);
        let c = Caller { user: UserId::new(w.clock.now()), role, agency };
        roles.insert(c.user, role);
        c
    };
    let responder = Caller {
        user: UserId::new(w.clock.now()),
        role: Role::Responder,
        agency: w.provider.clone(),
    };
    let _ = w.service.change_team(&responder, w.team, store::TeamCommand::StartShift).await;

    for _ in 0..STEPS {
        // Mostly the person who would do it; sometimes anyone at all.
        let command = rng.below(15);
        let who = if rng.below(10) < 7 {
            let (agency, role) = match command {
                5 | 6 => (
                    rng.pick(&[
                        w.center.clone(),
                        w.backup.clone(),
                        w.provider.clone(),
                        w.psap.clone(),
                        w.default_psap.clone(),
                    ])
                    .clone(),
                    *rng.pick(&[Role::Counselor, Role::Dispatcher, Role::CallTaker]),
                ),
                8 | 10 => (rng.pick(&[w.psap.clone(), w.center.clone()]).clone(), Role::Supervisor),
                11 => (w.center.clone(), Role::Counselor),
                12 => (w.psap.clone(), Role::Clinician),
                13 => (w.provider.clone(), Role::Dispatcher),
                _ => (w.psap.clone(), Role::CallTaker),
            };
            let c = Caller { user: UserId::new(w.clock.now()), role, agency };
            roles.insert(c.user, role);
            c
        } else {
            caller(&mut rng, &mut roles)
        };
        let id = if incidents.is_empty() || rng.below(8) == 0 {
            let psap_ct = Caller {
                user: UserId::new(w.clock.now()),
                role: Role::CallTaker,
                agency: w.psap.clone(),
            };
            let counselor = Caller {
                user: UserId::new(w.clock.now()),
                role: Role::Counselor,
                agency: w.center.clone(),
            };
            let (channel, opener) = if rng.below(3) == 0 {
                (Channel::Nine88, counselor)
            } else {
                (Channel::Nine11, psap_ct)
            };
            incidents.push(w.open(channel, &opener).await);
            continue;
        } else {
            *rng.pick(&incidents)
        };
        // Whatever the command, a refusal is fine; what committed is checked at the end.
        let _ = match command {
            0 | 1 => {
                // A call with nothing unsafe, then one or two answers changed or unknown.
                let mut answers = answers_911(&[]);
                for _ in 0..rng.below(3) {
                    let i = rng.below(answers.len());
                    let flipped = match (&answers[i].1, rng.below(2)) {
                        (_, 0) => AnswerInput::Unknown,
                        (AnswerInput::Bool(b), _) => AnswerInput::Bool(!b),
                        (_, _) => AnswerInput::Text(rng.pick(&["high", "child"]).to_string()),
                    };
                    answers[i].1 = flipped;
                }
                let reason = (rng.below(2) == 0).then(|| text("new answers"));
                w.service.answer_triage(&who, id, &answers, reason).await.map(|_| ())
            }
            2 => {
                let service = *rng.pick(&[
                    incidents::SERVICE_988,
                    store::MOBILE_CRISIS_SERVICE,
                    "urn:service:sos",
                ]);
                let request = TransferRequest {
                    to: None,
                    service: Some(service.into()),
                    reason: text("r"),
                    deadline_seconds: None,
                };
                w.service.offer_transfer(&who, id, request).await.map(|_| ())
            }
            3 => {
                let to = rng.pick(&agencies).id;
                let request = TransferRequest {
                    to: Some(to),
                    service: None,
                    reason: text("r"),
                    deadline_seconds: Some(20),
                };
                w.service.offer_transfer(&who, id, request).await.map(|_| ())
            }
            4 => w.service.divert_988(&who, id).await.map(|_| ()),
            5 => w.service.accept_transfer(&who, id).await.map(|_| ()),
            6 => w.service.decline_transfer(&who, id, text("busy")).await.map(|_| ()),
            7 => {
                w.clock.advance_ms(i64::try_from(rng.below(40_000)).unwrap_or(0));
                w.service.time_out(id).await.map(|_| ())
            }
            8 => {
                let d = *rng.pick(&[
                    Destination::Crisis988,
                    Destination::MobileCrisis,
                    Destination::EmbeddedClinician,
                ]);
                w.service.override_decision(&who, id, d, text("judgement")).await.map(|_| ())
            }
            9 => w.service.withdraw_transfer(&who, id, text("w")).await.map(|_| ()),
            10 => w.service.resolve_alarm(&who, id, text("done")).await.map(|_| ()),
            11 => {
                let request = HandoffRequest {
                    location: None,
                    callback: None,
                    hazards: Vec::new(),
                    reason: text("imminent"),
                };
                w.service.start_emergency_handoff(&who, id, request).await.map(|_| ())
            }
            12 => w.service.claim_clinician(&who, id).await.map(|_| ()),
            13 => w.service.dispatch_team(&who, id, w.team).await.map(|_| ()),
            _ => w
                .service
                .close(&who, id, Disposition::Referred, text("done"), None)
                .await
                .map(|_| ()),
        };
    }

    // Let every deadline that will pass, pass, many times over — the PSAP incidents the
    // handoffs opened included.
    let every = store::IncidentFilter {
        involving: None,
        statuses: domain::IncidentStatus::ALL.to_vec(),
        channel: None,
        limit: u32::MAX,
    };
    for _ in 0..20 {
        w.clock.advance_ms(35_000);
        for incident in store::EventLog::incidents(&*w.store, &every).await.unwrap() {
            let _ = w.service.time_out(incident.id).await;
        }
    }
    let all: Vec<Incident> = store::EventLog::incidents(&*w.store, &every).await.unwrap();
    for incident in &all {
        check(seed, &w, incident, &roles, seen).await;
    }
}

async fn check(
    seed: u64,
    w: &World,
    incident: &Incident,
    roles: &HashMap<UserId, Role>,
    seen: &mut Seen,
) {
    let events = store::EventLog::incident_events(&*w.store, incident.id).await.unwrap();
    let mut state: Option<Incident> = None;
    for recorded in &events {
        let e = &recorded.event;
        if let Some(before) = &state
            && before.channel == Channel::Nine11
            && before.holder == w.psap.id
        {
            let sent_to = match &e.kind {
                EventKind::TransferOffered { destination, .. } if before.transfer.is_none() => {
                    Some(*destination)
                }
                EventKind::TeamDispatched { .. } => Some(Destination::MobileCrisis),
                EventKind::ClinicianClaimed { .. } => Some(Destination::EmbeddedClinician),
                _ => None,
            };
            if let Some(d) = sent_to.filter(|d| d.is_gated()) {
                seen.gated_sends += 1;
                let decided = before.triage.as_ref().is_some_and(|t| t.outcome.allows(d));
                assert!(
                    decided || before.overridden_for(d),
                    "seed {seed}: incident {} sent to {} ({}) with decision {:?} and overrides {:?}",
                    incident.id,
                    d.as_str(),
                    e.kind.name(),
                    before.triage.as_ref().map(|t| t.outcome),
                    before.overrides
                );
            }
        }
        state = Some(Incident::next(state.take(), e).unwrap());
    }
    seen.overrides += u32::try_from(
        events
            .iter()
            .filter(|r| matches!(r.event.kind, EventKind::DecisionOverridden { .. }))
            .count(),
    )
    .unwrap_or(0);
    if incident.handed_off_from.is_some() {
        seen.handoffs += 1;
        if events.iter().any(|r| matches!(r.event.kind, EventKind::AlarmRaised { .. })) {
            seen.handoffs_alarmed += 1;
        }
        assert!(
            !events.iter().any(|r| matches!(r.event.kind, EventKind::TransferReturned { .. })),
            "seed {seed}: handoff {} was returned",
            incident.id
        );
        let accepted_by_psap =
            events.iter().any(|r| matches!(r.event.kind, EventKind::TransferAccepted))
                && [w.psap.id, w.default_psap.id].contains(&incident.holder);
        let resolved_by_supervisor = events.iter().any(|r| {
            matches!(r.event.kind, EventKind::AlarmResolved { .. } | EventKind::TransferWithdrawn { .. })
                && matches!(r.event.actor, domain::event::Actor::User(u) if roles.get(&u) == Some(&Role::Supervisor))
        });
        let still_offered = incident.transfer.as_ref().is_some_and(|t| t.until_taken);
        assert!(
            accepted_by_psap || resolved_by_supervisor || still_offered,
            "seed {seed}: handoff {} ended quietly: holder {}, events {:?}",
            incident.id,
            incident.holder,
            events.iter().map(|r| r.event.kind.name()).collect::<Vec<_>>()
        );
        if still_offered {
            assert_eq!(
                incident.alarm.as_ref().map(|a| a.kind),
                Some(domain::AlarmKind::HandoffUnanswered),
                "seed {seed}: a handoff left unanswered through many rounds has its alarm up: {:?}",
                events.iter().map(|r| (r.event.kind.name(), r.event.actor)).collect::<Vec<_>>()
            );
        }
    }
}
