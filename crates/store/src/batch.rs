//! The part of an append that every backend shares: deciding, in memory, what a batch of
//! appends does — which are refused, which events get which sequence numbers, and what each
//! touched incident looks like after — before a single row is written.

use std::collections::{BTreeSet, HashMap};

use domain::{AgencyId, Event, Incident, IncidentId};

use crate::{Appended, RecordedEvent, Result, Seq, StoreError};

/// What a batch will write, and what each append in it gets back.
#[derive(Debug, Default)]
pub struct BatchPlan {
    /// One per append, in order.
    pub outcomes: Vec<Result<Appended>>,
    /// Every accepted event, in sequence order.
    pub written: Vec<RecordedEvent>,
    /// Each touched incident's state after the batch, with the agencies it involved before it
    /// (so only newly involved ones need writing).
    pub touched: Vec<(Incident, BTreeSet<AgencyId>)>,
    /// The sequence number after the batch's last event (the new head).
    pub head: Seq,
}

/// The incidents a batch touches: load these before planning.
pub fn incidents_of<'a>(batch: impl IntoIterator<Item = &'a Vec<Event>>) -> Vec<IncidentId> {
    let mut ids: Vec<IncidentId> =
        batch.into_iter().filter_map(|events| events.first()).map(|e| e.incident).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Checks every append of `batch` against the incidents' states (`states` holds the committed
/// state of every incident the batch touches that exists) and numbers the accepted events from
/// `head + 1`. Each append is all or nothing; a refused one is answered with its error and the
/// others go ahead — unless `all_or_nothing`, when the first refusal refuses the batch.
pub fn plan<'a>(
    batch: impl IntoIterator<Item = &'a Vec<Event>>,
    mut states: HashMap<IncidentId, Incident>,
    head: Seq,
    all_or_nothing: bool,
) -> Result<BatchPlan> {
    let mut plan = BatchPlan { head, ..BatchPlan::default() };
    let mut before: HashMap<IncidentId, BTreeSet<AgencyId>> = HashMap::new();
    for events in batch {
        let Some(first) = events.first() else {
            plan.outcomes.push(Ok(Appended { events: Vec::new(), incident: None }));
            continue;
        };
        let id = first.incident;
        let mut state = states.get(&id).cloned();
        let mut recorded = Vec::with_capacity(events.len());
        let mut refused = None;
        for event in events {
            match Incident::next(state.take(), event) {
                Ok(next) => {
                    // Who gets the event live: every agency that may see it
                    // (`Event::visible_to`) and takes part in the incident, or whose part ends
                    // with this event.
                    let involved = next
                        .involved
                        .iter()
                        .copied()
                        .filter(|a| event.visible_to(*a))
                        .filter(|a| {
                            next.cutoff_for(*a).is_none_or(|c| c == next.version)
                                // An agency's own follow-up work reaches it after its part.
                                || event.kind.is_follow_up_work()
                        })
                        .collect();
                    recorded.push(RecordedEvent {
                        seq: plan.head + 1 + recorded.len() as u64,
                        event: event.clone(),
                        involved,
                    });
                    state = Some(next);
                }
                Err(e) => {
                    refused = Some(e);
                    break;
                }
            }
        }
        match (refused, state) {
            (Some(e), _) if all_or_nothing => return Err(StoreError::Rejected(e)),
            (Some(e), _) => plan.outcomes.push(Err(StoreError::Rejected(e))),
            (None, None) => plan.outcomes.push(Ok(Appended { events: Vec::new(), incident: None })),
            (None, Some(incident)) => {
                before.entry(id).or_insert_with(|| {
                    states.get(&id).map(|i| i.involved.clone()).unwrap_or_default()
                });
                plan.head += recorded.len() as u64;
                plan.written.extend(recorded.iter().cloned());
                plan.outcomes
                    .push(Ok(Appended { events: recorded, incident: Some(incident.clone()) }));
                states.insert(id, incident);
            }
        }
    }
    plan.touched = before
        .into_iter()
        .filter_map(|(id, involved)| states.remove(&id).map(|incident| (incident, involved)))
        .collect();
    Ok(plan)
}

/// Replays a whole log, in sequence order, into the incidents it describes.
pub fn replay<'a>(
    events: impl IntoIterator<Item = &'a RecordedEvent>,
) -> Result<HashMap<IncidentId, Incident>> {
    let mut incidents: HashMap<IncidentId, Incident> = HashMap::new();
    for recorded in events {
        let id = recorded.event.incident;
        let next = Incident::next(incidents.remove(&id), &recorded.event).map_err(|e| {
            StoreError::Corrupt(format!("event {} does not replay: {e}", recorded.seq))
        })?;
        incidents.insert(id, next);
    }
    Ok(incidents)
}
