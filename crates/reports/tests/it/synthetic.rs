//! The synthetic histories are histories the product could have written: every event applies
//! to its incident under the domain's state machine, so the store takes them as they are —
//! with notes added too, which change no measure.

use std::collections::HashMap;

use domain::{Incident, IncidentId, Timestamp};
use reports::measures::{Names, Options, Tally};
use reports::synthetic::{Cast, Recorded, history, history_with_notes};

const START: i64 = 1_767_225_600_000;

fn refused(events: &[Recorded]) -> Vec<String> {
    let mut incidents: HashMap<IncidentId, Incident> = HashMap::new();
    let mut refused = Vec::new();
    for (n, (event, _)) in events.iter().enumerate() {
        match Incident::next(incidents.remove(&event.incident), event) {
            Ok(next) => {
                incidents.insert(event.incident, next);
            }
            Err(e) => refused.push(format!("event {n} ({}): {e}", event.kind.name())),
        }
    }
    refused
}

#[test]
fn every_synthetic_event_applies_to_its_incident() {
    for events in [
        history(3, &Cast::new(5), 3_000, Timestamp::from_millis(START), 30),
        history_with_notes(3, &Cast::new(5), 3_000, Timestamp::from_millis(START), 30, 7),
    ] {
        let refused = refused(&events);
        assert!(
            refused.is_empty(),
            "{} refused, first: {:#?}",
            refused.len(),
            refused.iter().take(5).collect::<Vec<_>>()
        );
    }
}

#[test]
fn notes_add_events_but_change_no_measure() {
    let cast = Cast::new(5);
    let plain = history(9, &cast, 2_000, Timestamp::from_millis(START), 30);
    let noted = history_with_notes(9, &cast, 2_000, Timestamp::from_millis(START), 30, 7);
    assert_eq!(noted.len(), plain.len() + 7 * 2_000);
    let report = |events: &[Recorded]| {
        let mut tally = Tally::new(Options::default());
        for (event, involved) in events {
            tally.add(event, involved);
        }
        tally.report(&Names::by_id())
    };
    assert_eq!(report(&plain), report(&noted));
}
