//! Where a team takes the person: the facility's agency takes part from the choice, and only it
//! takes the hand-over, once.

use super::*;

fn chosen(f: &Fixture, facility: u128) -> Event {
    f.event(
        f.provider,
        10,
        EventKind::DestinationChosen {
            facility: uuid::Uuid::from_u128(facility),
            operator: f.center,
            team: None,
            eta_s: Some(900),
            reason: text("nearest accepting"),
        },
    )
}

#[test]
fn the_facilitys_agency_takes_part_from_the_choice_and_only_it_takes_the_hand_over() {
    let f = Fixture::new();
    let mut incident = f.open();
    assert_eq!(incident.cutoff_for(f.center), None, "not involved: nothing to cut");
    incident.apply(&chosen(&f, 1)).unwrap();
    assert!(incident.involved.contains(&f.center));
    assert_eq!(incident.cutoff_for(f.center), None, "it takes part while the team comes");

    let handover = |agency, facility| {
        f.event(
            agency,
            20,
            EventKind::HandoverAccepted { facility: uuid::Uuid::from_u128(facility) },
        )
    };
    let before = incident.clone();
    assert_eq!(incident.apply(&handover(f.psap, 1)), Err(TransitionError::NotTheOperator));
    assert_eq!(incident.apply(&handover(f.center, 2)), Err(TransitionError::NotTheDestination));
    assert_eq!(incident, before);
    incident.apply(&handover(f.center, 1)).unwrap();
    assert!(incident.destination.as_ref().unwrap().handed_over_at.is_some());
    assert_eq!(incident.apply(&handover(f.center, 1)), Err(TransitionError::AlreadyHandedOver));
    assert_eq!(incident.apply(&chosen(&f, 2)), Err(TransitionError::AlreadyHandedOver));
}

#[test]
fn a_refusal_clears_the_choice_for_another() {
    let f = Fixture::new();
    let mut incident = f.open();
    incident.apply(&chosen(&f, 1)).unwrap();
    let refused = EventKind::HandoverRefused {
        facility: uuid::Uuid::from_u128(1),
        no_room: true,
        reason: text("no bed"),
    };
    incident.apply(&f.event(f.center, 20, refused)).unwrap();
    assert_eq!(incident.destination, None);
    assert_eq!(
        incident.cutoff_for(f.center),
        Some(incident.version),
        "its part ended with the refusal"
    );
    incident.apply(&chosen(&f, 2)).unwrap();
    assert_eq!(incident.destination.as_ref().map(|d| d.facility), Some(uuid::Uuid::from_u128(2)));
}

#[test]
fn a_status_names_only_the_facility_chosen() {
    let f = Fixture::new();
    let mut incident = f.open();
    let team = TeamId::new(Timestamp::from_millis(T0));
    incident
        .apply(&f.event(f.provider, 5, EventKind::TeamDispatched { team, provider: f.provider }))
        .unwrap();
    let status = |to: u128| EventKind::TeamStatusChanged {
        team,
        status: crate::TeamStatus::Transporting,
        to: Some(uuid::Uuid::from_u128(to)),
    };
    assert_eq!(
        incident.apply(&f.event(f.provider, 6, status(1))),
        Err(TransitionError::NotTheDestination)
    );
    incident.apply(&chosen(&f, 1)).unwrap();
    assert_eq!(
        incident.apply(&f.event(f.provider, 11, status(2))),
        Err(TransitionError::NotTheDestination)
    );
    incident.apply(&f.event(f.provider, 11, status(1))).unwrap();
}
