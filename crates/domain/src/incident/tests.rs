//! Every transition of the incident state machine, accepted and refused, and a property test
//! that accepted events always replay to the same state.

use proptest::prelude::*;

use super::*;
use crate::event::Actor;
use crate::ids::UserId;
use crate::location::GeoPoint;
use crate::route::RouteTier;

const T0: i64 = 1_764_000_000_000;

struct Fixture {
    incident: IncidentId,
    psap: AgencyId,
    center: AgencyId,
    provider: AgencyId,
    user: UserId,
}

impl Fixture {
    fn new() -> Self {
        let at = Timestamp::from_millis(T0);
        Self {
            incident: IncidentId::new(at),
            psap: AgencyId::new(at),
            center: AgencyId::new(at),
            provider: AgencyId::new(at),
            user: UserId::new(at),
        }
    }

    fn event(&self, agency: AgencyId, offset_ms: i64, kind: EventKind) -> Event {
        Event {
            incident: self.incident,
            at: Timestamp::from_millis(T0 + offset_ms),
            actor: Actor::User(self.user),
            agency,
            kind,
        }
    }

    fn opened(&self) -> Event {
        self.event(
            self.psap,
            0,
            EventKind::Opened {
                channel: Channel::Nine11,
                location: Location::circle(GeoPoint::parse(38.9717, -95.2353).unwrap(), 30.0)
                    .unwrap(),
                callback: Some(CallbackNumber::parse("785-555-0100").unwrap()),
                summary: Text::parse("caller worried about her brother", 100).unwrap(),
            },
        )
    }

    fn open(&self) -> Incident {
        Incident::open(&self.opened()).unwrap()
    }

    fn system(&self, offset_ms: i64, kind: EventKind) -> Event {
        Event { actor: Actor::System, ..self.event(self.psap, offset_ms, kind) }
    }

    fn plain_offer(&self, to: AgencyId, deadline_offset_ms: i64) -> EventKind {
        EventKind::TransferOffered {
            to,
            reason: text("x"),
            deadline: Timestamp::from_millis(T0 + deadline_offset_ms),
            service: None,
            then: Vec::new(),
            destination: Destination::Crisis988,
            until_taken: false,
        }
    }

    fn offer(&self, offset_ms: i64) -> Event {
        self.event(
            self.psap,
            offset_ms,
            EventKind::TransferOffered {
                to: self.center,
                reason: text("triage: divert to 988"),
                deadline: Timestamp::from_millis(T0 + offset_ms + 60_000),
                service: None,
                then: Vec::new(),
                destination: Destination::Crisis988,
                until_taken: false,
            },
        )
    }
}

fn text(s: &str) -> Text {
    Text::parse(s, 500).unwrap()
}

fn closed(f: &Fixture, agency: AgencyId, offset_ms: i64) -> Event {
    f.event(
        agency,
        offset_ms,
        EventKind::Closed {
            disposition: Disposition::ResolvedByPhone,
            remark: text("safety plan made"),
        },
    )
}

#[test]
fn private_notes_are_seen_by_their_agency_only_and_a_past_offeree_is_cut_off() {
    let f = Fixture::new();
    let mut incident = f.open();
    let offer = EventKind::TransferOffered {
        to: f.center,
        reason: text("divert"),
        deadline: Timestamp::from_millis(T0 + 60_000),
        service: None,
        then: Vec::new(),
        destination: Destination::Crisis988,
        until_taken: false,
    };
    incident.apply(&f.event(f.psap, 1, offer)).unwrap();
    assert_eq!(incident.cutoff_for(f.center), None, "being offered it, the center takes part");
    incident
        .apply(&f.event(f.center, 2, EventKind::TransferDeclined { reason: text("no") }))
        .unwrap();
    assert_eq!(incident.cutoff_for(f.center), Some(3), "its part ended with its decline");
    assert_eq!(incident.cutoff_for(f.psap), None);
    let note =
        |agency, audience| f.event(agency, 3, EventKind::NoteAdded { text: text("n"), audience });
    incident.apply(&note(f.psap, crate::NoteAudience::Agency)).unwrap();
    incident.apply(&note(f.psap, crate::NoteAudience::Involved)).unwrap();
    assert_eq!(incident.as_seen_by(f.psap).notes.len(), 2);
    assert_eq!(incident.as_seen_by(f.center).notes.len(), 1);
    assert!(!note(f.psap, crate::NoteAudience::Agency).visible_to(f.center));
    assert!(note(f.psap, crate::NoteAudience::Agency).visible_to(f.psap));
    assert_eq!(incident.cutoff_for(f.center), Some(3), "others' later events do not move it");
}

#[test]
fn opened_starts_an_open_incident_held_by_its_agency() {
    let f = Fixture::new();
    let incident = f.open();
    assert_eq!(incident.status(), IncidentStatus::Open);
    assert_eq!(incident.holder, f.psap);
    assert_eq!(incident.involved, BTreeSet::from([f.psap]));
    assert_eq!(incident.version, 1);
    assert_eq!(incident.channel, Channel::Nine11);
}

#[test]
fn the_first_event_must_be_opened_and_only_the_first() {
    let f = Fixture::new();
    let note = f.event(
        f.psap,
        1,
        EventKind::NoteAdded { text: text("x"), audience: crate::NoteAudience::Involved },
    );
    assert_eq!(Incident::open(&note), Err(TransitionError::NotOpened("note_added")));
    assert_eq!(Incident::next(None, &note), Err(TransitionError::NotOpened("note_added")));
    let mut incident = f.open();
    assert_eq!(incident.apply(&f.opened()), Err(TransitionError::AlreadyOpened));
}

#[test]
fn events_of_another_incident_are_refused() {
    let f = Fixture::new();
    let mut incident = f.open();
    let mut note = f.event(
        f.psap,
        1,
        EventKind::NoteAdded { text: text("x"), audience: crate::NoteAudience::Involved },
    );
    note.incident = IncidentId::new(Timestamp::from_millis(T0 + 5));
    assert!(matches!(incident.apply(&note), Err(TransitionError::WrongIncident { .. })));
    assert_eq!(incident, f.open());
}

#[test]
fn located_replaces_the_location() {
    let f = Fixture::new();
    let mut incident = f.open();
    let better = Location::circle(GeoPoint::parse(38.96, -95.25).unwrap(), 5.0).unwrap();
    incident.apply(&f.event(f.psap, 10, EventKind::Located { location: better.clone() })).unwrap();
    assert_eq!(incident.location, better);
    assert_eq!(incident.version, 2);
    assert_eq!(incident.updated_at, Timestamp::from_millis(T0 + 10));
}

#[test]
fn an_address_stands_for_its_location_only() {
    let f = Fixture::new();
    let mut incident = f.open();
    let said = Some(text("1000 W 23rd St, Lawrence"));
    incident
        .apply(&f.event(f.psap, 10, EventKind::AddressRecorded { address: said.clone() }))
        .unwrap();
    assert_eq!(incident.address, said);
    // A new location clears it: the old address must not stand beside the new place.
    let elsewhere = Location::circle(GeoPoint::parse(38.96, -95.25).unwrap(), 5.0).unwrap();
    incident.apply(&f.event(f.psap, 11, EventKind::Located { location: elsewhere })).unwrap();
    assert_eq!(incident.address, None);
    incident
        .apply(&f.event(f.psap, 12, EventKind::AddressRecorded { address: said.clone() }))
        .unwrap();
    incident.apply(&f.event(f.psap, 13, EventKind::AddressRecorded { address: None })).unwrap();
    assert_eq!(incident.address, None);
    assert_eq!(incident.version, 5);
}

#[test]
fn routed_keeps_the_latest_route_per_service_without_involving_the_agency() {
    let f = Fixture::new();
    let mut incident = f.open();
    let route = |agency| {
        EventKind::Routed(Route::single(
            "urn:service:counseling.suicide",
            agency,
            text("location inside county 20045"),
        ))
    };
    incident.apply(&f.event(f.psap, 1, route(f.provider))).unwrap();
    incident.apply(&f.event(f.psap, 2, route(f.center))).unwrap();
    assert_eq!(incident.routes.len(), 1);
    assert_eq!(incident.routes[0].agency(), Some(f.center));
    assert!(!incident.involved.contains(&f.center), "a route is a recommendation, not access");
}

#[test]
fn triage_recorded_is_the_first_decision_with_its_protocol_version() {
    let f = Fixture::new();
    let mut incident = f.open();
    let triage = |outcome| EventKind::TriageRecorded {
        outcome,
        protocol: "douglas-911".into(),
        protocol_version: 3,
        rule: "no-safety-concern".into(),
        answers: vec![("weapon".into(), "no".into())],
    };
    incident.apply(&f.event(f.psap, 1, triage(TriageOutcome::Divert988))).unwrap();
    let decision = incident.triage.as_ref().unwrap();
    assert_eq!(decision.outcome, TriageOutcome::Divert988);
    assert_eq!((decision.protocol_version, decision.agency), (3, f.psap));
}

#[test]
fn a_transfer_offer_involves_the_recipient_and_blocks_a_second_offer() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.offer(1)).unwrap();
    assert_eq!(incident.status(), IncidentStatus::TransferPending);
    assert!(incident.involved.contains(&f.center));
    assert_eq!(incident.apply(&f.offer(2)), Err(TransitionError::TransferPending { to: f.center }));
}

#[test]
fn a_transfer_cannot_go_to_the_holder_or_expire_before_it_starts() {
    let f = Fixture::new();
    let mut incident = f.open();
    let to_self = f.event(
        f.psap,
        1,
        EventKind::TransferOffered {
            to: f.psap,
            reason: text("x"),
            deadline: Timestamp::from_millis(T0 + 60_000),
            service: None,
            then: Vec::new(),
            destination: Destination::Crisis988,
            until_taken: false,
        },
    );
    assert_eq!(incident.apply(&to_self), Err(TransitionError::TransferToHolder(f.psap)));
    let past = f.event(
        f.psap,
        1,
        EventKind::TransferOffered {
            to: f.center,
            reason: text("x"),
            deadline: Timestamp::from_millis(T0 + 1),
            service: None,
            then: Vec::new(),
            destination: Destination::Crisis988,
            until_taken: false,
        },
    );
    assert_eq!(incident.apply(&past), Err(TransitionError::DeadlineNotAfterOffer));
}

#[test]
fn accepting_moves_the_incident_to_the_recipient() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.offer(1)).unwrap();
    let by_psap = f.event(f.psap, 2, EventKind::TransferAccepted);
    assert_eq!(
        incident.apply(&by_psap),
        Err(TransitionError::NotTransferRecipient { to: f.center })
    );
    incident.apply(&f.event(f.center, 2, EventKind::TransferAccepted)).unwrap();
    assert_eq!(incident.holder, f.center);
    assert_eq!(incident.status(), IncidentStatus::Open);
    assert!(incident.transfer.is_none());
}

#[test]
fn declining_leaves_the_incident_with_its_holder_until_the_transfer_is_returned() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.offer(1)).unwrap();
    let decline = |agency| {
        f.event(agency, 2, EventKind::TransferDeclined { reason: text("no counselor free") })
    };
    assert_eq!(
        incident.apply(&decline(f.provider)),
        Err(TransitionError::NotTransferRecipient { to: f.center })
    );
    incident.apply(&decline(f.center)).unwrap();
    assert_eq!(incident.holder, f.psap);
    // Declined is not an end: with no tier left, the only way on is the return.
    assert_eq!(incident.status(), IncidentStatus::TransferPending);
    let next = incident.transfer.as_ref().unwrap().next_step(Timestamp::from_millis(T0 + 2), false);
    let [EventKind::TransferReturned { reason }] = next.as_slice() else { panic!("{next:?}") };
    let reason = reason.clone();
    assert!(
        reason.as_str().contains("after 1 offer: the last agency declined (no counselor free)")
    );
    assert_eq!(
        incident.apply(&f.event(f.center, 2, EventKind::TransferAccepted)),
        Err(TransitionError::NoPendingTransfer),
        "a declined offer cannot be accepted after all"
    );
    incident.apply(&f.system(2, EventKind::TransferReturned { reason })).unwrap();
    assert_eq!(incident.status(), IncidentStatus::Open);
    assert!(incident.transfer.is_none());
}

#[test]
fn an_unanswered_offer_rolls_over_to_each_tier_in_order_then_returns() {
    let f = Fixture::new();
    let mut incident = f.open();
    let tiers = [f.center, f.provider].map(|agency| RouteTier { agency, answer_within_s: 45 });
    let first = EventKind::TransferOffered {
        to: f.center,
        reason: text("divert to 988"),
        deadline: Timestamp::from_millis(T0 + 60_001),
        service: Some("urn:service:counseling.suicide".into()),
        then: vec![tiers[1]],
        destination: Destination::Crisis988,
        until_taken: false,
    };
    incident.apply(&f.event(f.psap, 1, first)).unwrap();
    assert!(
        incident.transfer.as_ref().unwrap().next_step(Timestamp::from_millis(T0), false).is_empty()
    );
    incident.apply(&f.system(60_001, EventKind::TransferTimedOut)).unwrap();

    // Only the next tier may be offered, and a return is not allowed while one is left...
    let wrong = f.system(60_001, f.plain_offer(f.center, 120_000));
    assert_eq!(
        incident.apply(&wrong),
        Err(TransitionError::NotNextTier { expected: Some(f.provider) })
    );
    let next =
        incident.transfer.as_ref().unwrap().next_step(Timestamp::from_millis(T0 + 60_001), false);
    let [offer @ EventKind::TransferOffered { .. }] = next.as_slice() else { panic!("{next:?}") };
    let offer = offer.clone();
    let EventKind::TransferOffered { to, deadline, then, reason, .. } = &offer else {
        unreachable!()
    };
    assert_eq!((*to, deadline.as_millis(), then.len()), (f.provider, T0 + 60_001 + 45_000, 0));
    assert!(
        reason.as_str().contains("offer 2: the previous agency no answer in time"),
        "{reason:?}"
    );
    incident.apply(&f.system(60_001, offer)).unwrap();
    let transfer = incident.transfer.as_ref().unwrap();
    assert_eq!((transfer.attempt, transfer.to), (2, f.provider));
    assert_eq!(transfer.reason.as_str(), "divert to 988", "the transfer keeps its first reason");
    assert_eq!(transfer.started_at.as_millis(), T0 + 1);
    assert_eq!(
        incident.apply(&f.system(60_002, EventKind::TransferReturned { reason: text("x") })),
        Err(TransitionError::NothingToReturn)
    );

    // ...the provider takes it.
    incident.apply(&f.event(f.provider, 70_000, EventKind::TransferAccepted)).unwrap();
    assert_eq!(incident.holder, f.provider);
    assert!(incident.transfer.is_none());
}

#[test]
fn a_transfer_times_out_only_once_its_deadline_has_passed() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.offer(1)).unwrap();
    let early = f.event(f.psap, 30_000, EventKind::TransferTimedOut);
    assert_eq!(incident.apply(&early), Err(TransitionError::DeadlineNotReached));
    incident.apply(&f.event(f.psap, 60_001, EventKind::TransferTimedOut)).unwrap();
    assert_eq!(incident.holder, f.psap);
    assert_eq!(
        incident.transfer.as_ref().unwrap().unanswered,
        Some(crate::incident::Unanswered::TimedOut)
    );
}

#[test]
fn answers_without_a_pending_transfer_are_refused() {
    let f = Fixture::new();
    let mut incident = f.open();
    for kind in [
        EventKind::TransferAccepted,
        EventKind::TransferDeclined { reason: text("x") },
        EventKind::TransferTimedOut,
    ] {
        assert_eq!(
            incident.apply(&f.event(f.center, 1, kind)),
            Err(TransitionError::NoPendingTransfer)
        );
    }
    assert_eq!(
        incident.apply(&f.event(f.psap, 1, EventKind::TransferReturned { reason: text("x") })),
        Err(TransitionError::NothingToReturn)
    );
}

#[test]
fn a_team_is_dispatched_once_and_its_provider_becomes_involved() {
    let f = Fixture::new();
    let mut incident = f.open();
    let team = TeamId::new(Timestamp::from_millis(T0));
    let dispatch = f.event(f.provider, 1, EventKind::TeamDispatched { team, provider: f.provider });
    incident.apply(&dispatch).unwrap();
    assert_eq!(incident.status(), IncidentStatus::TeamDispatched);
    assert!(incident.involved.contains(&f.provider));
    assert_eq!(incident.apply(&dispatch), Err(TransitionError::TeamAlreadyDispatched(team)));
}

#[test]
fn notes_are_kept_in_order() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident
        .apply(&f.event(
            f.psap,
            1,
            EventKind::NoteAdded { text: text("first"), audience: crate::NoteAudience::Involved },
        ))
        .unwrap();
    incident
        .apply(&f.event(
            f.psap,
            2,
            EventKind::NoteAdded { text: text("second"), audience: crate::NoteAudience::Involved },
        ))
        .unwrap();
    let notes: Vec<_> = incident.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(notes, ["first", "second"]);
}

#[test]
fn closing_ends_the_incident_and_nothing_may_follow() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&closed(&f, f.psap, 5)).unwrap();
    assert_eq!(incident.status(), IncidentStatus::Closed);
    let before = incident.clone();
    assert_eq!(
        incident.apply(&f.event(
            f.psap,
            6,
            EventKind::NoteAdded { text: text("late"), audience: crate::NoteAudience::Involved }
        )),
        Err(TransitionError::IncidentClosed)
    );
    assert_eq!(incident, before);
}

#[test]
fn an_incident_cannot_close_while_a_transfer_is_pending() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.offer(1)).unwrap();
    assert_eq!(
        incident.apply(&closed(&f, f.psap, 2)),
        Err(TransitionError::TransferPending { to: f.center })
    );
}

#[test]
fn status_names_round_trip() {
    for status in IncidentStatus::ALL {
        assert_eq!(IncidentStatus::parse(status.as_str()), Some(status));
    }
}

/// Random events against a small cast of agencies and teams: most are refused, the accepted
/// ones exercise every transition.
fn arb_kind(f: &Fixture) -> impl Strategy<Value = (usize, i64, EventKind)> + use<> {
    let agencies = [f.psap, f.center, f.provider];
    let teams =
        [TeamId::new(Timestamp::from_millis(T0)), TeamId::new(Timestamp::from_millis(T0 + 1))];
    let kind = prop_oneof![
        (0.0..1.0f64).prop_map(|r| EventKind::Located {
            location: Location::circle(GeoPoint::parse(39.0, -95.0).unwrap(), r * 100.0).unwrap()
        }),
        prop::option::of(0..3u8).prop_map(|a| EventKind::AddressRecorded {
            address: a.map(|n| text(&format!("{n} Main St")))
        }),
        (0..3usize).prop_map(move |i| EventKind::Routed(Route::single(
            "urn:service:sos",
            agencies[i],
            text("r")
        ))),
        (0..9usize).prop_map(|o| EventKind::TriageRecorded {
            outcome: TriageOutcome::ALL[o],
            protocol: "p".into(),
            protocol_version: 1,
            rule: "r".into(),
            answers: vec![("consent".into(), "yes".into())],
        }),
        (0..9usize).prop_map(|o| EventKind::Retriaged {
            outcome: TriageOutcome::ALL[o],
            protocol: "p".into(),
            protocol_version: 1,
            rule: "r2".into(),
            answers: Vec::new(),
            reason: text("new answers"),
        }),
        (0..5usize).prop_map(|d| EventKind::DecisionOverridden {
            destination: Destination::ALL[d],
            reason: text("supervisor"),
        }),
        (0..3usize, 1..120_000i64, 0..5usize, any::<bool>()).prop_map(
            move |(i, d, dest, until_taken)| EventKind::TransferOffered {
                to: agencies[i],
                reason: text("r"),
                deadline: Timestamp::from_millis(T0 + 10_000_000 + d),
                service: None,
                then: Vec::new(),
                destination: Destination::ALL[dest],
                until_taken,
            }
        ),
        Just(EventKind::TransferWithdrawn { reason: text("w") }),
        Just(EventKind::AlarmResolved { action: text("done") }),
        Just(EventKind::AlarmRaised { kind: AlarmKind::HandoffUnanswered, reason: text("a") }),
        Just(EventKind::TransferReturned { reason: text("nobody") }),
        Just(EventKind::ClinicianClaimed { clinician: UserId::new(Timestamp::from_millis(T0)) }),
        Just(EventKind::TransferAccepted),
        Just(EventKind::TransferDeclined { reason: text("busy") }),
        Just(EventKind::TransferTimedOut),
        (0..2usize, 0..3usize).prop_map(move |(t, a)| EventKind::TeamDispatched {
            team: teams[t],
            provider: agencies[a]
        }),
        Just(EventKind::NoteAdded { text: text("n"), audience: crate::NoteAudience::Involved }),
        Just(EventKind::NoteAdded { text: text("p"), audience: crate::NoteAudience::Agency }),
        Just(EventKind::Closed { disposition: Disposition::Referred, remark: text("done") }),
        any::<bool>().prop_map(|given| EventKind::FollowUpConsentRecorded { given }),
        (0..3usize).prop_map(move |a| EventKind::DestinationChosen {
            facility: uuid::Uuid::from_u128(7),
            operator: agencies[a],
            team: None,
            eta_s: Some(600),
            reason: text("nearest with a bed"),
        }),
        Just(EventKind::HandoverAccepted { facility: uuid::Uuid::from_u128(7) }),
        any::<bool>().prop_map(|no_room| EventKind::HandoverRefused {
            facility: uuid::Uuid::from_u128(7),
            no_room,
            reason: text("full"),
        }),
        (1..3u16, 0..30_000_000i64, any::<bool>(), 0..4u8).prop_map(
            |(number, due, without_consent, attempts_allowed)| EventKind::FollowUpScheduled(
                FollowUpPlan {
                    number,
                    due: Timestamp::from_millis(T0 + due),
                    rule: None,
                    reason: text("call back"),
                    without_consent,
                    attempts_allowed,
                    retry_minutes: 60,
                }
            )
        ),
        (1..3u16, 0..5usize, proptest::option::of(0..30_000_000i64)).prop_map(
            |(number, r, next)| EventKind::FollowUpAttempted {
                number,
                result: AttemptResult::ALL[r],
                note: text("tried"),
                next_due: next.map(|n| Timestamp::from_millis(T0 + n)),
            }
        ),
        (1..3u16, 0..5usize, any::<bool>()).prop_map(|(number, o, linked)| {
            EventKind::FollowUpFinished {
                number,
                outcome: FollowUpOutcome::ALL[o],
                detail: text("done"),
                reopened_as: linked.then(|| IncidentId::new(Timestamp::from_millis(T0 + 9))),
            }
        }),
    ];
    (0..3usize, 0..20_000_000i64, kind)
}

proptest! {
    /// Every kind's name is among the names clients are told about.
    #[test]
    fn every_kind_is_named(raw in arb_kind(&Fixture::new())) {
        prop_assert!(EventKind::NAMES.contains(&raw.2.name()), "{}", raw.2.name());
    }

    #[test]
    fn accepted_events_replay_to_the_same_state(
        raw in proptest::collection::vec(arb_kind(&Fixture::new()), 0..60)
    ) {
        let f = Fixture::new();
        let agencies = [f.psap, f.center, f.provider];
        let mut live = f.open();
        let mut accepted = vec![f.opened()];
        for (agency, at, kind) in raw {
            let event = f.event(agencies[agency], at, kind);
            let before = live.clone();
            match live.apply(&event) {
                Ok(()) => accepted.push(event),
                Err(_) => prop_assert_eq!(&live, &before, "a refused event changed the state"),
            }
        }
        let replayed = Incident::replay(&accepted).unwrap().unwrap();
        prop_assert_eq!(replayed.version, accepted.len() as u64);
        prop_assert_eq!(replayed, live);
    }
}

#[test]
fn only_the_holder_offers_or_closes_the_incident() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.offer(1)).unwrap();
    incident
        .apply(&f.event(f.center, 2, EventKind::TransferDeclined { reason: text("busy") }))
        .unwrap();
    // The center declined but stays involved: it may add notes, not close or pass the call on.
    let close = closed(&f, f.center, 3);
    assert_eq!(
        incident.apply(&close),
        Err(TransitionError::NotHolder { holder: f.psap, action: "close it" })
    );
    let offer = f.event(
        f.center,
        3,
        EventKind::TransferOffered {
            to: f.provider,
            reason: text("x"),
            deadline: Timestamp::from_millis(T0 + 60_000),
            service: None,
            then: Vec::new(),
            destination: Destination::Crisis988,
            until_taken: false,
        },
    );
    assert!(matches!(incident.apply(&offer), Err(TransitionError::NotHolder { .. })));
    incident
        .apply(&f.event(
            f.center,
            3,
            EventKind::NoteAdded {
                text: text("we tried"),
                audience: crate::NoteAudience::Involved,
            },
        ))
        .unwrap();
    incident.apply(&f.system(3, EventKind::TransferReturned { reason: text("declined") })).unwrap();
    let resolve = EventKind::AlarmResolved { action: text("the PSAP kept the call") };
    assert!(matches!(
        incident.apply(&f.event(f.center, 4, resolve.clone())),
        Err(TransitionError::NotHolder { .. })
    ));
    incident.apply(&f.event(f.psap, 4, resolve)).unwrap();
    incident.apply(&closed(&f, f.psap, 4)).unwrap();
}

fn opened_988(f: &Fixture) -> Incident {
    let mut event = f.opened();
    event.agency = f.center;
    if let EventKind::Opened { channel, .. } = &mut event.kind {
        *channel = Channel::Nine88;
    }
    Incident::open(&event).unwrap()
}

#[test]
fn a_988_handoff_must_be_followed_up_before_the_contact_closes() {
    let f = Fixture::new();
    let psap_incident = IncidentId::new(Timestamp::from_millis(T0 + 5));
    let start =
        |agency| f.event(agency, 1, EventKind::EmergencyHandoffStarted { handoff: psap_incident });
    // A 911 call is not handed off this way.
    assert_eq!(f.open().apply(&start(f.psap)), Err(TransitionError::NotA988Contact("911")));

    let mut contact = opened_988(&f);
    assert!(matches!(contact.apply(&start(f.psap)), Err(TransitionError::NotHolder { .. })));
    contact.apply(&start(f.center)).unwrap();
    assert_eq!(contact.handoff.as_ref().unwrap().incident, psap_incident);
    assert_eq!(
        contact.apply(&closed(&f, f.center, 2)),
        Err(TransitionError::HandoffUnconfirmed(psap_incident))
    );
    assert_eq!(
        contact.apply(&start(f.center)),
        Err(TransitionError::HandoffUnconfirmed(psap_incident))
    );
    let confirm = |offset| {
        f.event(
            f.center,
            offset,
            EventKind::EmergencyHandoffConfirmed {
                outcome: HandoffOutcome::ContactMade,
                remark: text("EMS on scene"),
            },
        )
    };
    contact.apply(&confirm(3)).unwrap();
    assert_eq!(contact.apply(&confirm(4)), Err(TransitionError::NoHandoffToConfirm));
    assert_eq!(
        contact.handoff.as_ref().unwrap().outcome,
        Some((HandoffOutcome::ContactMade, Timestamp::from_millis(T0 + 3)))
    );
    contact.apply(&closed(&f, f.center, 5)).unwrap();
}

#[test]
fn a_handoffs_origin_is_recorded_only_right_after_opening() {
    let f = Fixture::new();
    let origin = IncidentId::new(Timestamp::from_millis(T0 + 9));
    let link = |offset| f.event(f.center, offset, EventKind::HandedOffFrom { incident: origin });
    let mut incident = f.open();
    incident.apply(&link(0)).unwrap();
    assert_eq!(incident.handed_off_from, Some(origin));
    assert_eq!(incident.apply(&link(1)), Err(TransitionError::OriginAfterOpening));
}

#[test]
fn one_clinician_at_a_time_holds_a_call_triaged_for_the_clinician() {
    let f = Fixture::new();
    let mut incident = f.open();
    let (ana, ben) =
        (UserId::new(Timestamp::from_millis(T0 + 1)), UserId::new(Timestamp::from_millis(T0 + 2)));
    let by =
        |user, offset, kind| Event { actor: Actor::User(user), ..f.event(f.psap, offset, kind) };
    let claim = |user| by(user, 2, EventKind::ClinicianClaimed { clinician: user });
    assert_eq!(incident.apply(&claim(ana)), Err(TransitionError::NotForClinician));
    let for_clinician = EventKind::TriageRecorded {
        outcome: TriageOutcome::EmbeddedClinician,
        protocol: "ks-911".into(),
        protocol_version: 1,
        rule: "clinician".into(),
        answers: Vec::new(),
    };
    incident.apply(&f.event(f.psap, 1, for_clinician)).unwrap();
    assert!(incident.awaits_clinician());
    incident.apply(&claim(ana)).unwrap();
    assert!(!incident.awaits_clinician());
    assert_eq!(incident.apply(&claim(ben)), Err(TransitionError::ClinicianHolds(ana)));
    let release = |user| {
        by(user, 3, EventKind::ClinicianReleased { reason: text("needs a Spanish speaker") })
    };
    assert_eq!(incident.apply(&release(ben)), Err(TransitionError::NotTheClinician(ana)));
    incident.apply(&by(ana, 3, EventKind::ClinicianHandedOn { to: ben })).unwrap();
    assert_eq!(incident.clinician, Some((ben, Timestamp::from_millis(T0 + 3))));
    incident.apply(&release(ben)).unwrap();
    assert!(incident.awaits_clinician(), "back in the queue");
    assert_eq!(incident.apply(&release(ben)), Err(TransitionError::NoClinician));
}

fn decision(outcome: TriageOutcome) -> EventKind {
    EventKind::TriageRecorded {
        outcome,
        protocol: "p".into(),
        protocol_version: 1,
        rule: "rule-1".into(),
        answers: Vec::new(),
    }
}

fn offer_to(to: AgencyId, destination: Destination, at_ms: i64) -> EventKind {
    EventKind::TransferOffered {
        to,
        reason: text("x"),
        deadline: Timestamp::from_millis(T0 + at_ms + 30_000),
        service: None,
        then: Vec::new(),
        destination,
        until_taken: false,
    }
}

#[test]
fn the_gate_refuses_what_the_decision_does_not_include_until_an_override_says_why() {
    let f = Fixture::new();
    let mut incident = f.open();
    // Undecided: the state machine does not know whether a protocol applies (the incident
    // service does), so it lets the offer through.
    let mut undecided = incident.clone();
    undecided.apply(&f.event(f.psap, 1, offer_to(f.center, Destination::Crisis988, 1))).unwrap();

    incident.apply(&f.event(f.psap, 1, decision(TriageOutcome::LawEnforcementAndEms))).unwrap();
    for (destination, to) in
        [(Destination::Crisis988, f.center), (Destination::MobileCrisis, f.provider)]
    {
        assert_eq!(
            incident.apply(&f.event(f.psap, 2, offer_to(to, destination, 2))),
            Err(TransitionError::DecisionForbids {
                outcome: "law_enforcement_and_ems",
                rule: "rule-1".into(),
                destination,
            })
        );
    }
    let team = TeamId::new(Timestamp::from_millis(T0));
    let dispatch = EventKind::TeamDispatched { team, provider: f.provider };
    assert!(matches!(
        incident.apply(&f.event(f.provider, 2, dispatch.clone())),
        Err(TransitionError::DecisionForbids { destination: Destination::MobileCrisis, .. })
    ));
    assert!(matches!(
        incident.apply(&f.event(f.psap, 2, EventKind::ClinicianClaimed { clinician: f.user })),
        Err(TransitionError::DecisionForbids { destination: Destination::EmbeddedClinician, .. })
    ));
    // Another PSAP is not a crisis service: never gated.
    let mut moved = incident.clone();
    moved.apply(&f.event(f.psap, 2, offer_to(f.provider, Destination::Psap, 2))).unwrap();

    // Only the holder overrides; then that destination alone is allowed.
    let over = EventKind::DecisionOverridden {
        destination: Destination::Crisis988,
        reason: text("caller's brother is with him and unarmed; supervisor spoke to him"),
    };
    assert!(matches!(
        incident.apply(&f.event(f.center, 3, over.clone())),
        Err(TransitionError::NotHolder { .. })
    ));
    incident.apply(&f.event(f.psap, 3, over)).unwrap();
    assert!(incident.overridden_for(Destination::Crisis988));
    assert!(incident.apply(&f.event(f.provider, 4, dispatch)).is_err());
    incident.apply(&f.event(f.psap, 4, offer_to(f.center, Destination::Crisis988, 4))).unwrap();
    // Once the 988 center holds the call, its own judgement governs.
    incident.apply(&f.event(f.center, 5, EventKind::TransferAccepted)).unwrap();
    incident
        .apply(&f.event(f.center, 6, offer_to(f.provider, Destination::MobileCrisis, 6)))
        .unwrap();
}

#[test]
fn a_second_decision_is_an_explicit_retriage_that_keeps_the_first_and_ends_its_overrides() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.event(f.psap, 1, decision(TriageOutcome::Divert988))).unwrap();
    assert_eq!(
        incident.apply(&f.event(f.psap, 2, decision(TriageOutcome::LawEnforcement))),
        Err(TransitionError::AlreadyTriaged("divert_988"))
    );
    let over =
        EventKind::DecisionOverridden { destination: Destination::MobileCrisis, reason: text("r") };
    incident.apply(&f.event(f.psap, 2, over)).unwrap();
    let retriaged = EventKind::Retriaged {
        outcome: TriageOutcome::LawEnforcement,
        protocol: "p".into(),
        protocol_version: 1,
        rule: "rule-2".into(),
        answers: Vec::new(),
        reason: text("the caller now says there is a gun"),
    };
    incident.apply(&f.event(f.psap, 3, retriaged)).unwrap();
    assert_eq!(incident.triage.as_ref().unwrap().outcome, TriageOutcome::LawEnforcement);
    assert_eq!(
        incident.triage.as_ref().unwrap().retriage_reason.as_ref().unwrap().as_str(),
        "the caller now says there is a gun"
    );
    assert_eq!(incident.triage_history.len(), 1);
    assert_eq!(incident.triage_history[0].outcome, TriageOutcome::Divert988);
    assert!(incident.overrides.is_empty(), "an override answered the earlier decision");
    let mut fresh = f.open();
    let again = EventKind::Retriaged {
        outcome: TriageOutcome::Ems,
        protocol: "p".into(),
        protocol_version: 1,
        rule: "r".into(),
        answers: Vec::new(),
        reason: text("x"),
    };
    assert_eq!(fresh.apply(&f.event(f.psap, 1, again)), Err(TransitionError::NotTriaged));
}

#[test]
fn a_returned_transfer_leaves_an_alarm_that_blocks_closing_until_someone_acts() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&f.offer(1)).unwrap();
    incident
        .apply(&f.event(f.center, 2, EventKind::TransferDeclined { reason: text("busy") }))
        .unwrap();
    incident.apply(&f.system(2, EventKind::TransferReturned { reason: text("nobody") })).unwrap();
    assert_eq!(incident.alarm.as_ref().unwrap().kind, AlarmKind::TransferReturned);
    assert_eq!(
        incident.apply(&closed(&f, f.psap, 3)),
        Err(TransitionError::AlarmOpen("transfer_returned"))
    );
    let mut retried = incident.clone();
    retried.apply(&f.offer(3)).unwrap();
    assert!(retried.alarm.is_none(), "offering it again is acting on it");
    incident
        .apply(&f.event(
            f.psap,
            3,
            EventKind::AlarmResolved { action: text("called 988 by phone") },
        ))
        .unwrap();
    assert!(incident.alarm.is_none());
    incident.apply(&closed(&f, f.psap, 4)).unwrap();
}

#[test]
fn a_transfer_offered_until_taken_goes_round_its_tiers_with_an_alarm_and_is_never_returned() {
    let f = Fixture::new();
    let mut incident = f.open();
    let other = AgencyId::new(Timestamp::from_millis(T0 + 5));
    let first = EventKind::TransferOffered {
        to: f.center,
        reason: text("988 imminent-risk handoff"),
        deadline: Timestamp::from_millis(T0 + 30_001),
        service: Some("urn:service:sos".into()),
        then: vec![RouteTier { agency: other, answer_within_s: 20 }],
        destination: Destination::Psap,
        until_taken: true,
    };
    incident.apply(&f.event(f.psap, 1, first)).unwrap();
    assert_eq!(incident.transfer.as_ref().unwrap().tiers.len(), 2);
    let mut at = 30_001;
    for round in 1..=3u32 {
        for expected in [f.center, other] {
            assert_eq!(incident.transfer.as_ref().unwrap().to, expected);
            assert_eq!(incident.transfer.as_ref().unwrap().round, round);
            incident.apply(&f.system(at, EventKind::TransferTimedOut)).unwrap();
            let steps = incident.follow_up(Timestamp::from_millis(T0 + at));
            let alarm_now = round == 1 && expected == other;
            assert_eq!(steps.len(), if alarm_now { 2 } else { 1 }, "{steps:?}");
            assert!(!steps.iter().any(|k| matches!(k, EventKind::TransferReturned { .. })));
            assert_eq!(
                incident.apply(&f.system(at, EventKind::TransferReturned { reason: text("x") })),
                Err(TransitionError::OfferedUntilTaken)
            );
            for step in steps {
                incident.apply(&f.system(at, step)).unwrap();
            }
            at += 30_000;
        }
        assert_eq!(incident.alarm.as_ref().map(|a| a.kind), Some(AlarmKind::HandoffUnanswered));
    }
    // The alarm cannot be put away while the handoff is still offered...
    let resolve = EventKind::AlarmResolved { action: text("called the PSAP's 10-digit line") };
    assert_eq!(
        incident.apply(&f.event(f.psap, at, resolve.clone())),
        Err(TransitionError::HandoffStillOffered)
    );
    // ...a PSAP accepting ends it.
    let mut accepted = incident.clone();
    accepted.apply(&f.event(f.center, at, EventKind::TransferAccepted)).unwrap();
    assert!(accepted.alarm.is_none());
    // Or the holder withdraws the offer, saying what was done instead.
    incident
        .apply(&f.event(
            f.psap,
            at,
            EventKind::TransferWithdrawn { reason: text("called 911 directly") },
        ))
        .unwrap();
    incident.apply(&f.event(f.psap, at, resolve)).unwrap();
    assert!(incident.alarm.is_none() && incident.transfer.is_none());
}

mod destinations;
mod follow_ups;
