//! The protocol gate on every path, with the holes it closes: a generic offer after a
//! decision that forbids 988, an offer before any triage, a silent re-triage, a team sent
//! where the decision says police, and what an override and an unknown answer do.

use domain::{Destination, EventKind, Role, TransitionError, TriageOutcome};
use incidents::{IncidentError, TransferRequest, TriageResult};
use triage::AnswerInput::{Bool, Text as Choice, Unknown};

use crate::harness::{World, activate_shipped_911, answers_911, text};

fn along(service: &str) -> TransferRequest {
    TransferRequest {
        to: None,
        service: Some(service.into()),
        reason: text("the caller needs help"),
        deadline_seconds: None,
    }
}

fn decided(result: TriageResult) -> (TriageOutcome, String) {
    match result {
        TriageResult::Decided { decision, .. } => (decision.outcome, decision.rule),
        TriageResult::NeedsAnswers { questions, .. } => {
            panic!("not decided; asks {:?}", questions.iter().map(|q| &q.id).collect::<Vec<_>>())
        }
    }
}

async fn head(w: &World) -> u64 {
    store::EventLog::head(&*w.store).await.unwrap()
}

#[tokio::test]
async fn a_weapon_decision_refuses_every_way_to_988_and_to_a_team() {
    let w = World::new().await;
    activate_shipped_911(&w).await;
    let id = w.open_911().await;
    let ct = w.call_taker();
    let answers = answers_911(&[("weapon", Bool(true)), ("risk", Choice("high".into()))]);
    let (outcome, _) = decided(w.service.answer_triage(&ct, id, &answers, None).await.unwrap());
    assert_eq!(outcome, TriageOutcome::LawEnforcementAndEms);
    let before = head(&w).await;

    let forbids = |r: Result<incidents::Committed, IncidentError>, dest: Destination| match r {
        Err(IncidentError::Transition(TransitionError::DecisionForbids {
            destination, ..
        })) => {
            assert_eq!(destination, dest)
        }
        other => panic!("expected the gate to refuse {dest:?}, got {other:?}"),
    };
    forbids(
        w.service.offer_transfer(&ct, id, along(incidents::SERVICE_988)).await,
        Destination::Crisis988,
    );
    let to_center = TransferRequest { to: Some(w.center.id), service: None, ..along("x") };
    forbids(w.service.offer_transfer(&ct, id, to_center).await, Destination::Crisis988);
    forbids(
        w.service.offer_transfer(&ct, id, along(store::MOBILE_CRISIS_SERVICE)).await,
        Destination::MobileCrisis,
    );
    assert!(matches!(
        w.service.divert_988(&ct, id).await,
        Err(IncidentError::Conflict(_) | IncidentError::Transition(_))
    ));
    assert_eq!(head(&w).await, before, "nothing written");

    // Another PSAP is not a crisis service: a call can always go there.
    let to_psap = TransferRequest { to: Some(w.default_psap.id), service: None, ..along("x") };
    w.service.offer_transfer(&ct, id, to_psap).await.unwrap();
}

#[tokio::test]
async fn an_untriaged_call_of_an_agency_with_a_protocol_goes_nowhere_unarmed() {
    let w = World::new().await;
    let id_before_protocol = w.open_911().await;
    // Without an active protocol, nothing is gated (a county that has not adopted one).
    w.service
        .offer_transfer(&w.call_taker(), id_before_protocol, along(incidents::SERVICE_988))
        .await
        .unwrap();
    activate_shipped_911(&w).await;
    let id = w.open_911().await;
    let refused =
        w.service.offer_transfer(&w.call_taker(), id, along(incidents::SERVICE_988)).await;
    assert!(
        matches!(refused, Err(IncidentError::TriageRequired { destination: "988", .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_supervisor_override_is_recorded_and_opens_that_destination_only() {
    let w = World::new().await;
    activate_shipped_911(&w).await;
    let id = w.open_911().await;
    let ct = w.call_taker();
    let answers = answers_911(&[("requests_police", Bool(true))]);
    let (outcome, _) = decided(w.service.answer_triage(&ct, id, &answers, None).await.unwrap());
    assert_eq!(outcome, TriageOutcome::LawEnforcement);

    let refused = w
        .service
        .override_decision(&ct, id, Destination::Crisis988, text("caller changed her mind"))
        .await;
    assert!(matches!(refused, Err(IncidentError::OverrideNotAllowed { .. })), "{refused:?}");

    let supervisor = w.caller(&w.psap, Role::Supervisor);
    let reason = "caller withdrew the request for police; brother agreed to talk to 988";
    let committed = w
        .service
        .override_decision(&supervisor, id, Destination::Crisis988, text(reason))
        .await
        .unwrap();
    let EventKind::DecisionOverridden { destination, reason: why } =
        &committed.events[0].event.kind
    else {
        panic!("{:?}", committed.events)
    };
    assert_eq!((*destination, why.as_str()), (Destination::Crisis988, reason));
    assert_eq!(committed.incident.overrides.len(), 1);
    // 988 is open now, by the override; a mobile team still is not.
    assert!(w.service.offer_transfer(&ct, id, along(store::MOBILE_CRISIS_SERVICE)).await.is_err());
    let offered = w.service.divert_988(&ct, id).await.unwrap();
    assert_eq!(offered.incident.transfer.unwrap().destination, Destination::Crisis988);
}

#[tokio::test]
async fn a_second_triage_needs_a_reason_keeps_the_first_and_withdraws_a_forbidden_offer() {
    let w = World::new().await;
    activate_shipped_911(&w).await;
    let id = w.open_911().await;
    let ct = w.call_taker();
    decided(w.service.answer_triage(&ct, id, &answers_911(&[]), None).await.unwrap());
    w.service.divert_988(&ct, id).await.unwrap();
    let before = head(&w).await;

    let weapon = answers_911(&[("weapon", Bool(true))]);
    let silent = w.service.answer_triage(&ct, id, &weapon, None).await;
    assert!(
        matches!(silent, Err(IncidentError::Conflict(ref m)) if m.contains("retriage_reason")),
        "{silent:?}"
    );
    assert_eq!(head(&w).await, before, "a silent re-triage writes nothing");

    let result = w
        .service
        .answer_triage(&ct, id, &weapon, Some(text("the caller now says her brother has a knife")))
        .await
        .unwrap();
    let TriageResult::Decided { committed, decision, .. } = result else { panic!("undecided") };
    assert_eq!(decision.outcome, TriageOutcome::CoResponse);
    let kinds: Vec<&str> = committed.events.iter().map(|e| e.event.kind.name()).collect();
    assert_eq!(kinds, ["retriaged", "transfer_withdrawn"], "not silently re-targeted");
    let incident = committed.incident;
    assert!(incident.transfer.is_none());
    assert_eq!(incident.triage_history.len(), 1);
    assert_eq!(incident.triage_history[0].outcome, TriageOutcome::Divert988);
    assert_eq!(
        incident.triage.unwrap().retriage_reason.unwrap().as_str(),
        "the caller now says her brother has a knife"
    );
}

#[tokio::test]
async fn unknown_answers_decide_the_protective_outcome_and_a_welfare_check_is_never_a_team_alone() {
    let w = World::new().await;
    activate_shipped_911(&w).await;
    let ct = w.call_taker();
    type Case<'a> = (&'a [(&'a str, triage::AnswerInput)], TriageOutcome, &'a str);
    let cases: [Case; 5] = [
        (&[("weapon", Unknown)], TriageOutcome::CoResponse, "weapon-unknown-co-response"),
        (&[("attempt_in_progress", Unknown)], TriageOutcome::LawEnforcementAndEms, "when_unknown"),
        (
            &[("consent", Unknown)],
            TriageOutcome::EmbeddedClinician,
            "consent-unknown-embedded-clinician",
        ),
        (
            &[("welfare_entry", Bool(true)), ("in_person", Bool(true))],
            TriageOutcome::LawEnforcementAndEms,
            "welfare-entry",
        ),
        (
            &[("age_band", Choice("adolescent".into())), ("requests_police", Bool(true))],
            TriageOutcome::CoResponse,
            "police-request-minor",
        ),
    ];
    for (changes, outcome, rule) in cases {
        let id = w.open_911().await;
        let got =
            decided(w.service.answer_triage(&ct, id, &answers_911(changes), None).await.unwrap());
        assert_eq!(got, (outcome, rule.to_owned()), "{changes:?}");
    }
    // Every answer unknown: proven, and the most protective outcome.
    let id = w.open_911().await;
    let all_unknown: Vec<(String, triage::AnswerInput)> =
        answers_911(&[]).into_iter().map(|(q, _)| (q, Unknown)).collect();
    let got = decided(w.service.answer_triage(&ct, id, &all_unknown, None).await.unwrap());
    assert_eq!(got.0, TriageOutcome::LawEnforcementAndEms);
}
