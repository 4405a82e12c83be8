//! The rest of the commands, each through the service: the handoff's follow-up, the clinician
//! queue, ranking teams, a CAD's EIDO, and triage of a closed call.

use domain::{Channel, Disposition, HandoffOutcome, Role, TransitionError, TriageOutcome};
use incidents::{HandoffRequest, Imported, IncidentError};

use crate::harness::{World, activate_shipped_911, answers_911, record_triage, text};

#[tokio::test]
async fn a_handed_off_contact_closes_only_after_its_follow_up() {
    let w = World::new().await;
    let counselor = w.caller(&w.center, Role::Counselor);
    let contact = w.open(Channel::Nine88, &counselor).await;
    let request = HandoffRequest {
        location: None,
        callback: None,
        hazards: vec![text("firearm in the home")],
        reason: text("intent and means"),
    };
    w.service.start_emergency_handoff(&counselor, contact, request).await.unwrap();
    let early = w
        .service
        .close(&counselor, contact, Disposition::HandledByEmergencyServices, text(""), None)
        .await;
    assert!(
        matches!(early, Err(IncidentError::Transition(TransitionError::HandoffUnconfirmed(_)))),
        "{early:?}"
    );
    let confirmed = w
        .service
        .confirm_emergency_handoff(
            &counselor,
            contact,
            HandoffOutcome::ContactMade,
            text("officers with him"),
        )
        .await
        .unwrap();
    assert!(confirmed.incident.handoff.unwrap().outcome.is_some());
    w.service
        .close(&counselor, contact, Disposition::HandledByEmergencyServices, text(""), None)
        .await
        .unwrap();
    // A 911 call is not handed off for imminent risk: that is a 988 step.
    let call = w.open_911().await;
    let request =
        HandoffRequest { location: None, callback: None, hazards: Vec::new(), reason: text("x") };
    let refused = w.service.start_emergency_handoff(&w.call_taker(), call, request).await;
    assert!(
        matches!(refused, Err(IncidentError::Transition(TransitionError::NotA988Contact(_)))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn the_clinician_queue_puts_the_longest_wait_first_and_a_released_call_back() {
    let w = World::new().await;
    let (first, second) = (w.open_911().await, w.open_911().await);
    record_triage(&w, first, TriageOutcome::EmbeddedClinician).await;
    w.clock.advance_ms(1_000);
    record_triage(&w, second, TriageOutcome::EmbeddedClinician).await;
    let clinician = w.user(&w.psap, Role::Clinician, "ana").await;
    let queue: Vec<_> =
        w.service.clinician_queue(&clinician).await.unwrap().iter().map(|i| i.id).collect();
    assert_eq!(queue, [first, second]);
    w.service.claim_clinician(&clinician, first).await.unwrap();
    let queue = w.service.clinician_queue(&clinician).await.unwrap();
    assert_eq!(
        (queue[0].id, queue[1].id),
        (second, first),
        "a held call comes after the waiting ones"
    );
    let released = w
        .service
        .release_clinician(&clinician, first, text("needs a Spanish speaker"))
        .await
        .unwrap();
    assert!(released.incident.awaits_clinician());
    assert!(
        w.service.clinician_queue(&w.call_taker()).await.is_err(),
        "call-takers do not work the queue"
    );
}

#[tokio::test]
async fn a_provider_ranks_its_teams_for_an_incident_it_was_offered() {
    let w = World::new().await;
    let id = w.open_911().await;
    let dispatcher = w.caller(&w.provider, Role::Dispatcher);
    assert!(
        w.service.recommend(&dispatcher, id, &[], dispatch::ResponseTarget::Urban).await.is_err()
    );
    let offer = incidents::TransferRequest {
        to: None,
        service: Some(store::MOBILE_CRISIS_SERVICE.into()),
        reason: text("team"),
        deadline_seconds: None,
    };
    w.service.offer_transfer(&w.call_taker(), id, offer).await.unwrap();
    let ranked =
        w.service.recommend(&dispatcher, id, &[], dispatch::ResponseTarget::Urban).await.unwrap();
    assert_eq!(ranked.len(), 1);
    assert_eq!(ranked[0].team, w.team);
    assert!(!ranked[0].explanation.is_empty());
}

#[tokio::test]
async fn a_cads_eido_opens_an_incident_once_and_a_repeat_adds_nothing() {
    let w = World::new().await;
    let source = w.open_911().await;
    w.service.add_note(&w.call_taker(), source, text("caller calmer now"), None).await.unwrap();
    let incident = store::EventLog::incident(&*w.store, source).await.unwrap().unwrap();
    let context = interop::eido::ExportContext::new("cad.example", vec![w.psap.clone()]).unwrap();
    let eido = serde_json::to_vec(&interop::eido::export(&incident, &context)).unwrap();
    let received = interop::eido::import(&eido).unwrap();

    let other_psap = w.caller(&w.default_psap, Role::CallTaker);
    let Imported::Opened(opened) =
        w.service.import_eido(&other_psap, &received, &eido).await.unwrap()
    else {
        panic!("the first delivery opens an incident")
    };
    assert_eq!(opened.incident.holder, w.default_psap.id);
    assert!(opened.events.iter().any(|e| e.event.kind.name() == "routed"));
    let Imported::Updated(again) =
        w.service.import_eido(&other_psap, &received, &eido).await.unwrap()
    else {
        panic!("a repeat updates")
    };
    let added: Vec<_> = again.events.iter().map(|e| format!("{:?}", e.event.kind)).collect();
    assert!(again.events.is_empty(), "a repeated delivery adds nothing: {added:?}");
    assert_eq!(again.incident.id, opened.incident.id);
    // The delivery is kept as it came; its byte-identical repeat is not kept again.
    let kept = store::EidoArchive::received_eidos(&*w.store, opened.incident.id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(
        kept.iter().all(|k| k.body.as_bytes() == eido.as_slice() && k.sender == w.default_psap.id)
    );
}

#[tokio::test]
async fn a_closed_call_is_not_triaged_again() {
    let w = World::new().await;
    activate_shipped_911(&w).await;
    let id = w.open_911().await;
    let ct = w.call_taker();
    w.service
        .close(&ct, id, Disposition::Duplicate, text("same as the first call"), None)
        .await
        .unwrap();
    let refused = w.service.answer_triage(&ct, id, &answers_911(&[]), Some(text("more"))).await;
    assert!(
        matches!(refused, Err(IncidentError::Transition(TransitionError::IncidentClosed))),
        "{refused:?}"
    );
}
