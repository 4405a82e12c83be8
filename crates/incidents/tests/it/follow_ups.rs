//! Follow-ups: rules applied at close, consent, the navigator's attempts and outcomes, the
//! queue across a restart, and who sees what.

use domain::incident::{AttemptResult, FollowUpOutcome};
use domain::{Channel, Disposition, EventKind, IncidentId, Role, TransitionError, TriageOutcome};
use incidents::IncidentError;
use incidents::follow_up::{NewAttempt, NewFollowUp, RULES_SETTING, Rule, encode_rules};
use store::{Directory, EventLog};

use crate::harness::{World, text};

const HOUR_MS: i64 = 3_600_000;

fn callback_rule(w: &World, without_consent: bool) -> Rule {
    Rule {
        agency: w.center.id,
        name: "elevated-risk-callback".into(),
        channels: vec![Channel::Nine88],
        decision_rules: vec!["elevated-risk".into(), "imminent-risk".into()],
        outcomes: Vec::new(),
        dispositions: Vec::new(),
        team_sent: false,
        within_hours: 24,
        attempts: 2,
        retry_hours: 4,
        imminent_risk_without_consent: without_consent,
    }
}

async fn set_rules(w: &World, rules: &[Rule]) {
    w.store.put_setting(RULES_SETTING, &encode_rules(rules)).await.unwrap();
}

/// A 988 contact of the center, decided by `rule` with `outcome`.
async fn contact(w: &World, rule: &str, outcome: TriageOutcome) -> IncidentId {
    let counselor = w.caller(&w.center, Role::Counselor);
    let id = w.open(Channel::Nine88, &counselor).await;
    let decided = domain::Event {
        incident: id,
        at: domain::Clock::now(&*w.clock),
        actor: domain::event::Actor::System,
        agency: w.center.id,
        kind: EventKind::TriageRecorded {
            outcome,
            protocol: "988-suicide-safety-assessment".into(),
            protocol_version: 1,
            rule: rule.into(),
            answers: Vec::new(),
        },
    };
    w.store.append(vec![decided]).await.unwrap();
    id
}

async fn close(w: &World, id: IncidentId, consent: Option<bool>) -> incidents::Committed {
    let counselor = w.caller(&w.center, Role::Counselor);
    w.service
        .close(&counselor, id, Disposition::ResolvedByPhone, text("safety plan"), consent)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rule_makes_the_follow_up_in_the_closing_commit_only_with_consent() {
    let w = World::new().await;
    set_rules(&w, &[callback_rule(&w, false)]).await;

    let agreed = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    let closed = close(&w, agreed, Some(true)).await;
    let kinds: Vec<&str> = closed.events.iter().map(|e| e.event.kind.name()).collect();
    assert_eq!(kinds, ["follow_up_consent_recorded", "closed", "follow_up_scheduled"]);
    assert!(closed.events.windows(2).all(|p| p[1].seq == p[0].seq + 1), "one commit");
    let follow_up = &closed.incident.follow_ups[0];
    assert_eq!(follow_up.agency, w.center.id);
    assert_eq!(follow_up.plan.rule.as_deref(), Some("elevated-risk-callback"));
    assert!(!follow_up.plan.without_consent);
    let closed_at = closed.events[1].event.at.as_millis();
    assert_eq!(follow_up.due.as_millis(), closed_at + 24 * HOUR_MS);

    for consent in [None, Some(false)] {
        let refused = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
        let closed = close(&w, refused, consent).await;
        assert!(closed.incident.follow_ups.is_empty(), "consent {consent:?}");
    }
    let other_rule = contact(&w, "phone-support", TriageOutcome::PhoneSupport).await;
    assert!(close(&w, other_rule, Some(true)).await.incident.follow_ups.is_empty());
}

#[tokio::test]
async fn imminent_risk_is_followed_up_without_consent_only_where_the_rule_says_and_visibly() {
    let w = World::new().await;
    set_rules(&w, &[callback_rule(&w, false)]).await;
    let id = contact(&w, "imminent-risk", TriageOutcome::EmergencyHandoff).await;
    assert!(close(&w, id, None).await.incident.follow_ups.is_empty());

    set_rules(&w, &[callback_rule(&w, true)]).await;
    let id = contact(&w, "imminent-risk", TriageOutcome::EmergencyHandoff).await;
    let follow_up = close(&w, id, None).await.incident.follow_ups[0].clone();
    assert!(follow_up.plan.without_consent);
    assert!(follow_up.plan.reason.as_str().contains("without consent"), "{:?}", follow_up.plan);
    // Not imminent: the same rule still needs consent.
    let id = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    assert!(close(&w, id, None).await.incident.follow_ups.is_empty());
}

#[tokio::test]
async fn a_mobile_crisis_response_is_followed_up_by_the_provider_that_went() {
    let w = World::new().await;
    let rule = Rule {
        agency: w.provider.id,
        name: "mobile-crisis-48h".into(),
        channels: Vec::new(),
        decision_rules: Vec::new(),
        outcomes: Vec::new(),
        dispositions: Vec::new(),
        team_sent: true,
        within_hours: 48,
        attempts: 3,
        retry_hours: 4,
        imminent_risk_without_consent: false,
    };
    set_rules(&w, &[rule]).await;
    let ct = w.call_taker();
    let dispatcher = w.caller(&w.provider, Role::Dispatcher);
    let supervisor = w.caller(&w.provider, Role::Supervisor);
    let offer = || incidents::TransferRequest {
        to: None,
        service: Some(store::MOBILE_CRISIS_SERVICE.into()),
        reason: text("send a team"),
        deadline_seconds: None,
    };
    let responder = w.caller(&w.provider, Role::Responder);
    w.service.change_team(&responder, w.team, store::TeamCommand::StartShift).await.unwrap();
    let mut closed = Vec::new();
    for send in [true, false] {
        let id = w.open_911().await;
        w.service.offer_transfer(&ct, id, offer()).await.unwrap();
        w.service.accept_transfer(&dispatcher, id).await.unwrap();
        if send {
            w.service.dispatch_team(&dispatcher, id, w.team).await.unwrap();
        }
        w.service.record_follow_up_consent(&dispatcher, id, true).await.unwrap();
        let done = w
            .service
            .close(&supervisor, id, Disposition::ResolvedOnScene, text("calm"), None)
            .await
            .unwrap();
        closed.push(done.incident);
    }
    let [sent, not_sent] = closed.as_slice() else { unreachable!() };
    assert_eq!(sent.follow_ups.len(), 1);
    assert_eq!(sent.follow_ups[0].agency, w.provider.id);
    assert_eq!(sent.follow_ups[0].plan.rule.as_deref(), Some("mobile-crisis-48h"));
    assert!(sent.as_seen_by(w.psap.id).follow_ups.is_empty(), "the PSAP does not see it");
    assert!(not_sent.follow_ups.is_empty(), "no team went");
}

#[tokio::test]
async fn the_queue_keeps_its_due_times_across_a_restart_and_marks_the_overdue() {
    let w = World::new().await;
    set_rules(&w, &[callback_rule(&w, false)]).await;
    let first = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    close(&w, first, Some(true)).await;
    w.clock.advance_ms(HOUR_MS);
    let second = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    close(&w, second, Some(true)).await;
    let navigator = w.caller(&w.center, Role::CareNavigator);
    let queue = w.service.follow_up_queue(&navigator, 10).await.unwrap();
    assert_eq!(queue.incidents.iter().map(|i| i.id).collect::<Vec<_>>(), [first, second]);
    assert_eq!(queue.overdue, 0);

    // Another node (or this one restarted) opens the same database file a day later: the
    // due times are on disk, not in a process.
    let reopened = std::sync::Arc::new(store_sql::SqliteStore::open(&w.database()).await.unwrap());
    let later = domain::Timestamp::from_millis(
        domain::Clock::now(&*w.clock).as_millis() + 23 * HOUR_MS + 1,
    );
    let queue = reopened.follow_up_queue(w.center.id, later, 10).await.unwrap();
    assert_eq!(queue.incidents.iter().map(|i| i.id).collect::<Vec<_>>(), [first, second]);
    assert_eq!((queue.total, queue.overdue), (2, 1), "the first is past its 24 hours");
    assert_eq!(reopened.follow_up_queue(w.psap.id, later, 10).await.unwrap().total, 0);
}

#[tokio::test]
async fn missed_attempts_end_as_unable_to_reach_and_a_finished_follow_up_takes_nothing() {
    let w = World::new().await;
    set_rules(&w, &[callback_rule(&w, false)]).await;
    let id = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    close(&w, id, Some(true)).await;
    let navigator = w.caller(&w.center, Role::CareNavigator);
    let attempt =
        |result| NewAttempt { number: 1, result, note: text("called"), next_in_hours: None };

    let first = w
        .service
        .log_follow_up_attempt(&navigator, id, attempt(AttemptResult::NoAnswer))
        .await
        .unwrap();
    let follow_up = &first.incident.follow_ups[0];
    let at = first.events[0].event.at.as_millis();
    assert_eq!(follow_up.due.as_millis(), at + 4 * HOUR_MS, "the rule's retry interval");
    assert!(follow_up.is_open());

    let second = w
        .service
        .log_follow_up_attempt(&navigator, id, attempt(AttemptResult::Voicemail))
        .await
        .unwrap();
    let kinds: Vec<&str> = second.events.iter().map(|e| e.event.kind.name()).collect();
    assert_eq!(kinds, ["follow_up_attempted", "follow_up_finished"]);
    let finished = second.incident.follow_ups[0].finished.clone().unwrap();
    assert_eq!(finished.outcome, FollowUpOutcome::UnableToReach);
    assert!(second.events[1].event.actor == domain::event::Actor::System);

    let head = w.store.head().await.unwrap();
    let refused =
        w.service.log_follow_up_attempt(&navigator, id, attempt(AttemptResult::Reached)).await;
    assert!(
        matches!(
            refused,
            Err(IncidentError::Transition(TransitionError::FollowUpFinished(1, "unable_to_reach")))
        ),
        "{refused:?}"
    );
    let refused = w
        .service
        .finish_follow_up(&navigator, id, 1, FollowUpOutcome::ReachedAndWell, text("fine"))
        .await;
    assert!(matches!(
        refused,
        Err(IncidentError::Transition(TransitionError::FollowUpFinished(..)))
    ));
    assert_eq!(w.store.head().await.unwrap(), head, "nothing written");
    assert_eq!(w.service.follow_up_queue(&navigator, 10).await.unwrap().total, 0);
}

#[tokio::test]
async fn reopened_opens_a_new_incident_for_the_person_and_links_it() {
    let w = World::new().await;
    set_rules(&w, &[callback_rule(&w, false)]).await;
    let id = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    close(&w, id, Some(true)).await;
    let navigator = w.caller(&w.center, Role::CareNavigator);
    w.service
        .log_follow_up_attempt(
            &navigator,
            id,
            NewAttempt {
                number: 1,
                result: AttemptResult::Reached,
                note: text("struggling again"),
                next_in_hours: None,
            },
        )
        .await
        .unwrap();
    let (finished, opened) = w
        .service
        .finish_follow_up(&navigator, id, 1, FollowUpOutcome::Reopened, text("wants a team today"))
        .await
        .unwrap();
    let opened = opened.expect("a new incident");
    assert_eq!(
        finished.incident.follow_ups[0].finished.as_ref().unwrap().reopened_as,
        Some(opened.incident.id)
    );
    assert_eq!(opened.incident.holder, w.center.id);
    assert_eq!(opened.incident.callback, finished.incident.callback);
    assert!(opened.incident.summary.as_str().contains(&id.to_string()));

    let referred = w
        .service
        .finish_follow_up(&navigator, opened.incident.id, 1, FollowUpOutcome::Referred, text(""))
        .await;
    assert!(matches!(refused_field(&referred), Some("detail")), "{referred:?}");
}

fn refused_field<T: std::fmt::Debug>(r: &Result<T, IncidentError>) -> Option<&str> {
    match r {
        Err(IncidentError::InvalidField { field, .. }) => Some(field.as_str()),
        _ => None,
    }
}

#[tokio::test]
async fn a_follow_up_by_hand_needs_consent_an_agency_that_sees_the_incident_and_navigators() {
    let w = World::new().await;
    let counselor = w.caller(&w.center, Role::Counselor);
    let id = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    let new = || NewFollowUp {
        due_in_hours: 2,
        reason: text("check in tonight"),
        attempts: 3,
        retry_hours: 1,
    };
    let call = w.open_911().await;
    let head = w.store.head().await.unwrap();

    let refused = w.service.schedule_follow_up(&counselor, id, new()).await;
    assert!(
        matches!(refused, Err(IncidentError::Transition(TransitionError::FollowUpConsent(_)))),
        "{refused:?}"
    );
    // The PSAP does not see the contact; on its own call it has no navigators to follow up.
    let supervisor = w.caller(&w.psap, Role::Supervisor);
    let refused = w.service.schedule_follow_up(&supervisor, id, new()).await;
    assert!(matches!(refused, Err(IncidentError::NotFound(_))), "{refused:?}");
    let refused = w.service.schedule_follow_up(&supervisor, call, new()).await;
    assert!(
        matches!(refused, Err(IncidentError::Conflict(ref m)) if m.contains("no care navigators")),
        "{refused:?}"
    );
    let backup = w.caller(&w.backup, Role::Counselor);
    let refused = w.service.schedule_follow_up(&backup, id, new()).await;
    assert!(matches!(refused, Err(IncidentError::NotFound(_))), "{refused:?}");
    let ct = w.call_taker();
    let refused = w.service.schedule_follow_up(&ct, id, new()).await;
    assert!(matches!(refused, Err(IncidentError::Forbidden { .. })), "{refused:?}");
    let bad = NewFollowUp { due_in_hours: 0, ..new() };
    let refused = w.service.schedule_follow_up(&counselor, id, bad).await;
    assert_eq!(refused_field(&refused), Some("due_in_hours"));
    assert_eq!(w.store.head().await.unwrap(), head, "nothing written");

    w.service.record_follow_up_consent(&counselor, id, true).await.unwrap();
    let added = w.service.schedule_follow_up(&counselor, id, new()).await.unwrap();
    let follow_up = &added.incident.follow_ups[0];
    assert_eq!((follow_up.plan.rule.as_ref(), follow_up.plan.attempts_allowed), (None, 3));
    // Still open: closing it keeps the follow-up, and no rule adds a second.
    set_rules(&w, &[callback_rule(&w, false)]).await;
    let closed = close(&w, id, None).await;
    assert_eq!(closed.incident.follow_ups.len(), 1);
}

#[tokio::test]
async fn planning_never_blocks_a_close_and_a_later_rule_may_follow_up_without_consent() {
    let w = World::new().await;
    // Two rules of the center: the first needs consent; the second follows imminent risk up
    // regardless. Without consent the second makes the follow-up.
    let imminent = Rule { name: "imminent".into(), ..callback_rule(&w, true) };
    set_rules(&w, &[callback_rule(&w, false), imminent]).await;
    let id = contact(&w, "imminent-risk", TriageOutcome::EmergencyHandoff).await;
    let closed = close(&w, id, None).await;
    assert_eq!(closed.incident.follow_ups[0].plan.rule.as_deref(), Some("imminent"));

    // Rules that cannot be read, or a rule the state machine refuses (0 attempts): the
    // incident closes all the same, without a follow-up.
    w.store.put_setting(RULES_SETTING, "not json").await.unwrap();
    let id = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    let closed = close(&w, id, Some(true)).await;
    assert!(closed.incident.closure.is_some() && closed.incident.follow_ups.is_empty());
    set_rules(&w, &[Rule { attempts: 0, ..callback_rule(&w, false) }]).await;
    let id = contact(&w, "elevated-risk", TriageOutcome::PhoneSupport).await;
    let closed = close(&w, id, Some(true)).await;
    assert!(closed.incident.closure.is_some() && closed.incident.follow_ups.is_empty());
}

#[tokio::test]
async fn an_agency_whose_part_ended_works_its_follow_up_without_seeing_later_changes() {
    let w = World::new().await;
    let counselor = w.caller(&w.center, Role::Counselor);
    // A PSAP's call the center takes, with the caller's consent and a follow-up.
    let id = w.open_911().await;
    let to_center = incidents::TransferRequest {
        to: Some(w.center.id),
        service: None,
        reason: text("divert"),
        deadline_seconds: None,
    };
    w.service.offer_transfer(&w.call_taker(), id, to_center).await.unwrap();
    w.service.accept_transfer(&counselor, id).await.unwrap();
    w.service.record_follow_up_consent(&counselor, id, true).await.unwrap();
    let new =
        NewFollowUp { due_in_hours: 2, reason: text("check in"), attempts: 3, retry_hours: 1 };
    w.service.schedule_follow_up(&counselor, id, new).await.unwrap();
    // The center hands the call to the backup center, which notes something later.
    let offer = incidents::TransferRequest {
        to: Some(w.backup.id),
        service: None,
        reason: text("closer to the caller"),
        deadline_seconds: None,
    };
    w.service.offer_transfer(&counselor, id, offer).await.unwrap();
    let backup = w.caller(&w.backup, Role::Counselor);
    w.service.accept_transfer(&backup, id).await.unwrap();
    w.service
        .add_note(
            &backup,
            id,
            text("later detail for everyone"),
            Some(domain::NoteAudience::Involved),
        )
        .await
        .unwrap();

    let navigator = w.caller(&w.center, Role::CareNavigator);
    let attempt = NewAttempt {
        number: 1,
        result: AttemptResult::NoAnswer,
        note: text("rang"),
        next_in_hours: None,
    };
    w.service.log_follow_up_attempt(&navigator, id, attempt).await.unwrap();
    let queue = w.service.follow_up_queue(&navigator, 10).await.unwrap();
    let seen = &queue.incidents[0];
    assert_eq!(seen.follow_ups[0].attempts.len(), 1, "its own follow-up, as it is now");
    assert!(
        seen.notes.iter().all(|n| n.text.as_str() != "later detail for everyone"),
        "{:?}",
        seen.notes
    );
    let stored = w.store.incident(id).await.unwrap().unwrap();
    assert!(stored.cutoff_for(w.center.id).is_some());
}
