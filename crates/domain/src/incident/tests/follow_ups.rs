//! Follow-ups: consent, who works them, what a closed incident still accepts, and their end.

use super::*;

fn plan(number: u16, due_ms: i64, without_consent: bool) -> EventKind {
    EventKind::FollowUpScheduled(FollowUpPlan {
        number,
        due: Timestamp::from_millis(T0 + due_ms),
        rule: Some("callback-24h".into()),
        reason: text("988 contact with elevated risk"),
        without_consent,
        attempts_allowed: 2,
        retry_minutes: 60,
    })
}

fn attempt(number: u16, result: AttemptResult, next_ms: Option<i64>) -> EventKind {
    EventKind::FollowUpAttempted {
        number,
        result,
        note: text("called"),
        next_due: next_ms.map(|n| Timestamp::from_millis(T0 + n)),
    }
}

/// A 988 contact of the center, closed after its counselor recorded `consent`.
fn closed_contact(f: &Fixture, consent: Option<bool>) -> Incident {
    let mut contact = opened_988(f);
    if let Some(given) = consent {
        contact
            .apply(&f.event(f.center, 10, EventKind::FollowUpConsentRecorded { given }))
            .unwrap();
    }
    contact.apply(&closed(f, f.center, 20)).unwrap();
    contact
}

#[test]
fn a_follow_up_needs_consent_unless_the_contact_was_at_imminent_risk() {
    let f = Fixture::new();
    for (consent, why) in [(None, "no consent is recorded"), (Some(false), "the person declined")] {
        let mut contact = closed_contact(&f, consent);
        let before = contact.clone();
        let err = contact.apply(&f.event(f.center, 30, plan(1, 86_400_000, false))).unwrap_err();
        assert_eq!(err, TransitionError::FollowUpConsent(why));
        assert_eq!(contact, before);
        // Without consent only for imminent risk, which this contact was not.
        let err = contact.apply(&f.event(f.center, 30, plan(1, 86_400_000, true))).unwrap_err();
        assert_eq!(err, TransitionError::NotImminentRisk);
    }

    let mut consented = closed_contact(&f, Some(true));
    consented.apply(&f.event(f.center, 30, plan(1, 86_400_000, false))).unwrap();
    assert_eq!(consented.follow_up_due(f.center), Some(Timestamp::from_millis(T0 + 86_400_000)));

    let mut imminent = opened_988(&f);
    imminent.apply(&f.event(f.center, 5, decision(TriageOutcome::EmergencyHandoff))).unwrap();
    imminent.apply(&closed(&f, f.center, 20)).unwrap();
    assert!(imminent.imminent_risk());
    imminent.apply(&f.event(f.center, 30, plan(1, 86_400_000, true))).unwrap();
    assert!(imminent.follow_ups[0].plan.without_consent);
}

#[test]
fn a_closed_incident_accepts_only_follow_up_work_and_consent_only_while_open() {
    let f = Fixture::new();
    let mut contact = closed_contact(&f, Some(true));
    for kind in [
        EventKind::NoteAdded { text: text("late"), audience: crate::NoteAudience::Involved },
        EventKind::FollowUpConsentRecorded { given: true },
    ] {
        assert_eq!(
            contact.apply(&f.event(f.center, 30, kind)),
            Err(TransitionError::IncidentClosed)
        );
    }
    contact.apply(&f.event(f.center, 30, plan(1, 1_000_000, false))).unwrap();
    assert_eq!(contact.status(), IncidentStatus::Closed);
    assert_eq!(contact.version, 4);
}

#[test]
fn only_the_owning_agency_works_a_follow_up_and_sees_it() {
    let f = Fixture::new();
    let mut contact = closed_contact(&f, Some(true));
    contact.apply(&f.event(f.center, 30, plan(1, 1_000_000, false))).unwrap();
    let err =
        contact.apply(&f.event(f.psap, 40, attempt(1, AttemptResult::NoAnswer, None))).unwrap_err();
    assert_eq!(err, TransitionError::NotFollowUpOwner(1));
    assert_eq!(
        contact.apply(&f.event(f.center, 40, attempt(2, AttemptResult::Reached, None))),
        Err(TransitionError::NoFollowUp(2))
    );
    assert_eq!(contact.as_seen_by(f.psap).follow_ups, []);
    assert_eq!(contact.as_seen_by(f.center).follow_ups.len(), 1);
    let scheduled = f.event(f.center, 30, plan(1, 1_000_000, false));
    assert!(scheduled.visible_to(f.center) && !scheduled.visible_to(f.psap));
    // One open follow-up per agency; a second number is refused while the first is open.
    assert_eq!(
        contact.apply(&f.event(f.center, 50, plan(2, 1_000_000, false))),
        Err(TransitionError::FollowUpOpen)
    );
    assert_eq!(
        contact.apply(&f.event(f.center, 50, plan(1, 1_000_000, false))),
        Err(TransitionError::FollowUpExists(1))
    );
}

#[test]
fn missed_attempts_move_the_due_time_and_end_the_follow_up_when_used_up() {
    let f = Fixture::new();
    let mut contact = closed_contact(&f, Some(true));
    contact.apply(&f.event(f.center, 30, plan(1, 1_000_000, false))).unwrap();
    contact
        .apply(&f.event(f.center, 40, attempt(1, AttemptResult::NoAnswer, Some(2_000_000))))
        .unwrap();
    let follow_up = contact.follow_up_numbered(1).unwrap();
    assert_eq!(follow_up.due, Timestamp::from_millis(T0 + 2_000_000));
    assert!(follow_up.overdue_at(Timestamp::from_millis(T0 + 2_000_001)));
    assert!(!follow_up.overdue_at(Timestamp::from_millis(T0 + 1_999_999)));
    assert_eq!(contact.after_attempt(1), None, "one of two attempts missed");

    contact.apply(&f.event(f.center, 50, attempt(1, AttemptResult::Voicemail, None))).unwrap();
    let Some(EventKind::FollowUpFinished { outcome, .. }) = contact.after_attempt(1) else {
        panic!("two missed attempts end the follow-up");
    };
    assert_eq!(outcome, FollowUpOutcome::UnableToReach);
    let end = contact.after_attempt(1).unwrap();
    contact.apply(&Event { actor: Actor::System, ..f.event(f.center, 50, end) }).unwrap();
    assert_eq!(contact.follow_up_due(f.center), None);
    assert!(!contact.follow_up_numbered(1).unwrap().overdue_at(Timestamp::from_millis(i64::MAX)));

    let before = contact.clone();
    let err = contact
        .apply(&f.event(f.center, 60, attempt(1, AttemptResult::Reached, None)))
        .unwrap_err();
    assert_eq!(err, TransitionError::FollowUpFinished(1, "unable_to_reach"));
    assert_eq!(contact, before);
}

#[test]
fn a_declined_attempt_ends_it_and_reopened_must_name_the_new_incident() {
    let f = Fixture::new();
    let mut contact = closed_contact(&f, Some(true));
    contact.apply(&f.event(f.center, 30, plan(1, 1_000_000, false))).unwrap();
    contact.apply(&f.event(f.center, 40, attempt(1, AttemptResult::Declined, None))).unwrap();
    assert!(matches!(
        contact.after_attempt(1),
        Some(EventKind::FollowUpFinished { outcome: FollowUpOutcome::Declined, .. })
    ));

    let mut other = closed_contact(&f, Some(true));
    other.apply(&f.event(f.center, 30, plan(1, 1_000_000, false))).unwrap();
    let finish = |outcome, reopened_as| EventKind::FollowUpFinished {
        number: 1,
        outcome,
        detail: text("needs help again"),
        reopened_as,
    };
    let new_incident = IncidentId::new(Timestamp::from_millis(T0 + 99));
    for wrong in [
        finish(FollowUpOutcome::Reopened, None),
        finish(FollowUpOutcome::Referred, Some(new_incident)),
    ] {
        assert_eq!(
            other.apply(&f.event(f.center, 40, wrong)),
            Err(TransitionError::ReopenedWithout)
        );
    }
    other
        .apply(&f.event(f.center, 40, finish(FollowUpOutcome::Reopened, Some(new_incident))))
        .unwrap();
    assert_eq!(other.follow_ups[0].finished.as_ref().unwrap().reopened_as, Some(new_incident));
}

#[test]
fn a_follow_up_is_not_due_before_it_is_made_and_allows_one_to_ten_attempts() {
    let f = Fixture::new();
    let mut contact = closed_contact(&f, Some(true));
    assert_eq!(
        contact.apply(&f.event(f.center, 30, plan(1, 29, false))),
        Err(TransitionError::FollowUpDueInPast)
    );
    for attempts_allowed in [0, MAX_ATTEMPTS + 1] {
        let EventKind::FollowUpScheduled(mut p) = plan(1, 1_000, false) else { unreachable!() };
        p.attempts_allowed = attempts_allowed;
        assert_eq!(
            contact.apply(&f.event(f.center, 30, EventKind::FollowUpScheduled(p))),
            Err(TransitionError::FollowUpAttempts)
        );
    }
    contact.apply(&f.event(f.center, 30, plan(1, 1_000, false))).unwrap();
    assert_eq!(
        contact.apply(&f.event(f.center, 40, attempt(1, AttemptResult::NoAnswer, Some(39)))),
        Err(TransitionError::FollowUpDueInPast)
    );
}

#[test]
fn working_a_follow_up_is_not_taking_part_again() {
    let f = Fixture::new();
    // A PSAP's call taken by the center, which records consent and a follow-up, then hands it
    // to the provider: the center's part ends there, and its follow-up work does not bring the
    // incident's later changes back.
    let mut call = f.open();
    call.apply(&f.event(f.psap, 1, f.plain_offer(f.center, 60_000))).unwrap();
    call.apply(&f.event(f.center, 2, EventKind::TransferAccepted)).unwrap();
    call.apply(&f.event(f.center, 5, EventKind::FollowUpConsentRecorded { given: true })).unwrap();
    call.apply(&f.event(f.center, 6, plan(1, 1_000_000, false))).unwrap();
    call.apply(&f.event(f.center, 7, f.plain_offer(f.provider, 60_000))).unwrap();
    call.apply(&f.event(f.provider, 8, EventKind::TransferAccepted)).unwrap();
    let cutoff = call.cutoff_for(f.center).expect("its part ended");
    call.apply(&f.event(f.center, 9, attempt(1, AttemptResult::NoAnswer, None))).unwrap();
    assert_eq!(call.cutoff_for(f.center), Some(cutoff), "the attempt did not move it");
    assert_eq!(call.follow_ups[0].attempts.len(), 1);
}
