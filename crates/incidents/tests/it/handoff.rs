//! An imminent-risk handoff never ends quietly: no PSAP answering sends it round the tiers and
//! the default PSAP again, with an alarm, until a PSAP accepts or a supervisor records what was
//! done instead. A 911 → 988 transfer nobody takes leaves its alarm until someone acts.

use domain::{AlarmKind, Channel, Clock, EventKind, Role, TransitionError};
use incidents::{HandoffRequest, IncidentError, TransferRequest};

use crate::harness::{World, text};

async fn handed_off(w: &World) -> (domain::IncidentId, domain::IncidentId) {
    let counselor = w.caller(&w.center, Role::Counselor);
    let contact = w.open(Channel::Nine88, &counselor).await;
    let request = HandoffRequest {
        location: None,
        callback: None,
        hazards: vec![text("firearm in the home")],
        reason: text("intent, means and not collaborating"),
    };
    let committed = w.service.start_emergency_handoff(&counselor, contact, request).await.unwrap();
    let psap_incident = committed.incident.handoff.unwrap().incident;
    (contact, psap_incident)
}

#[tokio::test]
async fn an_unanswered_handoff_goes_round_the_psaps_with_an_alarm_until_one_accepts() {
    let w = World::new().await;
    let (_, id) = handed_off(&w).await;
    let incident = store::EventLog::incident(&*w.store, id).await.unwrap().unwrap();
    let transfer = incident.transfer.as_ref().unwrap();
    assert!(transfer.until_taken);
    // The serving PSAP, then the configured default PSAP.
    let tiers: Vec<_> = transfer.tiers.iter().map(|t| t.agency).collect();
    assert_eq!(tiers, [w.psap.id, w.default_psap.id]);

    let mut offered = Vec::new();
    for _ in 0..5 {
        let deadline = store::EventLog::incident(&*w.store, id)
            .await
            .unwrap()
            .unwrap()
            .transfer
            .unwrap()
            .deadline;
        let now = w.clock.now();
        w.clock.advance_ms(deadline.as_millis() - now.as_millis());
        let committed = w.service.time_out(id).await.unwrap().expect("the offer was due");
        assert!(
            !committed
                .events
                .iter()
                .any(|e| matches!(e.event.kind, EventKind::TransferReturned { .. })),
            "an imminent-risk handoff is never returned"
        );
        let transfer = committed.incident.transfer.as_ref().unwrap();
        offered.push(transfer.to);
        // From the second round on, the alarm is up, and stays up.
        let alarmed = committed.incident.alarm.as_ref().map(|a| a.kind);
        assert_eq!(alarmed.is_some(), transfer.round >= 2, "round {}", transfer.round);
        assert!(alarmed.is_none_or(|k| k == AlarmKind::HandoffUnanswered));
    }
    assert_eq!(
        offered,
        [w.default_psap.id, w.psap.id, w.default_psap.id, w.psap.id, w.default_psap.id]
    );
    let events = store::EventLog::incident_events(&*w.store, id).await.unwrap();
    let alarms =
        events.iter().filter(|e| matches!(e.event.kind, EventKind::AlarmRaised { .. })).count();
    assert_eq!(alarms, 1, "one alarm, kept up, not repeated");

    // The counselor cannot put it away, nor close it; a PSAP accepting ends it.
    let counselor = w.caller(&w.center, Role::Counselor);
    assert!(matches!(
        w.service.resolve_alarm(&counselor, id, text("gave up")).await,
        Err(IncidentError::Forbidden { .. })
    ));
    let call_taker = w.caller(&w.default_psap, Role::CallTaker);
    let accepted = w.service.accept_transfer(&call_taker, id).await.unwrap();
    assert!(accepted.incident.alarm.is_none());
    assert_eq!(accepted.incident.holder, w.default_psap.id);
}

#[tokio::test]
async fn a_supervisor_records_what_was_done_instead_and_that_ends_the_offers() {
    let w = World::new().await;
    let (_, id) = handed_off(&w).await;
    for _ in 0..2 {
        let deadline = store::EventLog::incident(&*w.store, id)
            .await
            .unwrap()
            .unwrap()
            .transfer
            .unwrap()
            .deadline;
        let now = w.clock.now();
        w.clock.advance_ms(deadline.as_millis() - now.as_millis());
        w.service.time_out(id).await.unwrap();
    }
    let counselor = w.caller(&w.center, Role::Counselor);
    // Withdrawing the handoff is a supervisor's decision too.
    assert!(matches!(
        w.service.withdraw_transfer(&counselor, id, text("x")).await,
        Err(IncidentError::Forbidden { .. })
    ));
    let supervisor = w.caller(&w.center, Role::Supervisor);
    let done = text("called the PSAP's 10-digit line at 02:14; officers on the way, contact made");
    let committed = w.service.resolve_alarm(&supervisor, id, done).await.unwrap();
    let kinds: Vec<&str> = committed.events.iter().map(|e| e.event.kind.name()).collect();
    assert_eq!(kinds, ["transfer_withdrawn", "alarm_resolved"]);
    assert!(committed.incident.transfer.is_none() && committed.incident.alarm.is_none());
    // No deadline is left to fire.
    w.clock.advance_ms(600_000);
    assert!(w.service.time_out(id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_returned_911_transfer_keeps_its_alarm_until_someone_acts() {
    let w = World::new().await;
    let id = w.open_911().await;
    let ct = w.call_taker();
    let along = TransferRequest {
        to: None,
        service: Some(incidents::SERVICE_988.into()),
        reason: text("divert"),
        deadline_seconds: None,
    };
    w.service.offer_transfer(&ct, id, along).await.unwrap();
    for _ in 0..2 {
        w.clock.advance_ms(30_000);
        w.service.time_out(id).await.unwrap();
    }
    let incident = store::EventLog::incident(&*w.store, id).await.unwrap().unwrap();
    assert_eq!(incident.alarm.as_ref().map(|a| a.kind), Some(AlarmKind::TransferReturned));
    let refused = w.service.close(&ct, id, domain::Disposition::NoContact, text("x"), None).await;
    assert!(
        matches!(refused, Err(IncidentError::Transition(TransitionError::AlarmOpen(_)))),
        "{refused:?}"
    );
    let resolved = w
        .service
        .resolve_alarm(&ct, id, text("called the caller back; sent police for a welfare check"))
        .await
        .unwrap();
    assert!(resolved.incident.alarm.is_none());
    w.service
        .close(&ct, id, domain::Disposition::HandledByEmergencyServices, text(""), None)
        .await
        .unwrap();
}
