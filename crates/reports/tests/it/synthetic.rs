//! The synthetic histories are histories the product could have written: every event applies
//! to its incident under the domain's state machine, so the store takes them as they are.

use std::collections::HashMap;

use domain::{Incident, IncidentId, Timestamp};
use reports::synthetic::{Cast, history};

#[test]
fn every_synthetic_event_applies_to_its_incident() {
    let events = history(3, &Cast::new(5), 3_000, Timestamp::from_millis(1_767_225_600_000), 30);
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
    assert!(
        refused.is_empty(),
        "{} refused, first: {:#?}",
        refused.len(),
        refused.iter().take(5).collect::<Vec<_>>()
    );
}
