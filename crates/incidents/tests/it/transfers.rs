//! Transfers: rollover on decline and on timeout, and the return when nobody takes it.

use domain::{EventKind, Role, TriageOutcome};
use incidents::TransferRequest;

use crate::harness::{World, text};

fn along_988() -> TransferRequest {
    TransferRequest {
        to: None,
        service: Some(incidents::SERVICE_988.into()),
        reason: text("the caller agreed to talk to 988"),
        deadline_seconds: None,
    }
}

#[tokio::test]
async fn a_decline_offers_the_next_tier_in_the_same_commit() {
    let w = World::new().await;
    let id = w.open_911().await;
    w.service.offer_transfer(&w.call_taker(), id, along_988()).await.unwrap();
    let counselor = w.caller(&w.center, Role::Counselor);
    let declined = w.service.decline_transfer(&counselor, id, text("no one free")).await.unwrap();
    let kinds: Vec<&str> = declined.events.iter().map(|e| e.event.kind.name()).collect();
    assert_eq!(kinds, ["transfer_declined", "transfer_offered"]);
    assert_eq!(declined.incident.transfer.unwrap().to, w.backup.id);
}

#[tokio::test]
async fn an_offer_times_out_only_after_its_deadline_then_is_returned() {
    let w = World::new().await;
    let id = w.open_911().await;
    w.service.offer_transfer(&w.call_taker(), id, along_988()).await.unwrap();
    assert!(w.service.time_out(id).await.unwrap().is_none(), "not due yet");
    w.clock.advance_ms(30_000);
    let first = w.service.time_out(id).await.unwrap().unwrap();
    assert_eq!(first.incident.transfer.as_ref().unwrap().to, w.backup.id);
    w.clock.advance_ms(30_000);
    let second = w.service.time_out(id).await.unwrap().unwrap();
    assert!(
        second.events.iter().any(|e| matches!(e.event.kind, EventKind::TransferReturned { .. }))
    );
    assert!(second.incident.transfer.is_none());
    assert_eq!(second.incident.holder, w.psap.id);
}

#[tokio::test]
async fn the_clinician_hands_a_call_on_to_a_colleague_of_the_agency_only() {
    let w = World::new().await;
    let id = w.open_911().await;
    let first = w.user(&w.psap, Role::Clinician, "first").await;
    let second = w.user(&w.psap, Role::Clinician, "second").await;
    let counselor = w.user(&w.center, Role::Counselor, "counselor").await;
    crate::harness::record_triage(&w, id, TriageOutcome::EmbeddedClinician).await;
    w.service.claim_clinician(&first, id).await.unwrap();
    let refused = w.service.hand_clinician_to(&first, id, counselor.user).await;
    assert!(matches!(refused, Err(incidents::IncidentError::InvalidField { .. })), "{refused:?}");
    let handed = w.service.hand_clinician_to(&first, id, second.user).await.unwrap();
    assert_eq!(handed.incident.clinician.map(|(c, _)| c), Some(second.user));
}

#[tokio::test]
async fn a_dispatcher_sends_only_their_own_team_and_the_team_records_it() {
    let w = World::new().await;
    let id = w.open_911().await;
    let dispatcher = w.caller(&w.provider, Role::Dispatcher);
    // The provider is not involved yet: the incident is not its to see.
    assert!(w.service.dispatch_team(&dispatcher, id, w.team).await.is_err());
    let offer = TransferRequest {
        to: None,
        service: Some(store::MOBILE_CRISIS_SERVICE.into()),
        reason: text("send a team"),
        deadline_seconds: None,
    };
    w.service.offer_transfer(&w.call_taker(), id, offer).await.unwrap();
    w.service.accept_transfer(&dispatcher, id).await.unwrap();
    let responder = w.caller(&w.provider, Role::Responder);
    w.service.change_team(&responder, w.team, store::TeamCommand::StartShift).await.unwrap();
    let sent = w.service.dispatch_team(&dispatcher, id, w.team).await.unwrap();
    assert_eq!(sent.incident.teams, vec![w.team]);
    let team = store::TeamLog::team_state(&*w.store, w.team).await.unwrap().unwrap();
    assert_eq!(team.incident(), Some(id));
}
