//! Opening, locating, noting and closing.

use domain::{Disposition, EventKind, GeoPoint, Location, Role};
use incidents::IncidentError;

use crate::harness::{World, text};

#[tokio::test]
async fn an_opened_incident_is_routed_in_the_same_commit() {
    let w = World::new().await;
    let id = w.open_911().await;
    let events = store::EventLog::incident_events(&*w.store, id).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event.kind.name()).collect();
    assert_eq!(kinds.first(), Some(&"opened"));
    assert!(kinds.iter().filter(|k| **k == "routed").count() >= 3, "{kinds:?}");
    // One commit: the events are consecutive.
    assert!(events.windows(2).all(|w| w[1].seq == w[0].seq + 1));
}

#[tokio::test]
async fn a_caller_without_the_permission_changes_nothing() {
    let w = World::new().await;
    let id = w.open_911().await;
    let responder = w.caller(&w.provider, Role::Responder);
    let before = store::EventLog::head(&*w.store).await.unwrap();
    let refused = w.service.close(&responder, id, Disposition::NoContact, text("x"), None).await;
    assert!(matches!(refused, Err(IncidentError::Forbidden { .. })), "{refused:?}");
    assert_eq!(store::EventLog::head(&*w.store).await.unwrap(), before);
}

#[tokio::test]
async fn another_agency_does_not_see_the_incident() {
    let w = World::new().await;
    let id = w.open_911().await;
    let counselor = w.caller(&w.center, Role::Counselor);
    let refused = w.service.add_note(&counselor, id, text("hello"), None).await;
    assert!(matches!(refused, Err(IncidentError::NotFound(_))), "{refused:?}");
}

#[tokio::test]
async fn a_new_location_reroutes() {
    let w = World::new().await;
    let id = w.open_911().await;
    let outside = Location::circle(GeoPoint::parse(37.0, -90.0).unwrap(), 10.0).unwrap();
    let committed = w.service.locate(&w.call_taker(), id, outside, None).await.unwrap();
    let kinds: Vec<&str> = committed.events.iter().map(|e| e.event.kind.name()).collect();
    assert_eq!(kinds.first(), Some(&"located"));
    assert!(committed.events.iter().any(|e| matches!(e.event.kind, EventKind::Routed(_))));
    let sos = committed.incident.routes.iter().find(|r| r.service == "urn:service:sos").unwrap();
    assert_eq!(sos.basis, domain::RouteBasis::Default, "no area serves it: {sos:?}");
    assert_eq!(sos.agency(), Some(w.default_psap.id));
    let suicide =
        committed.incident.routes.iter().find(|r| r.service == incidents::SERVICE_988).unwrap();
    assert!(suicide.tiers.is_empty(), "no 988 default is configured: {suicide:?}");
}
