//! Auto-assignment: for the mobile crisis providers listed in the `auto_assign` setting,
//! Crisisbridge answers an offered incident itself when the recommendation needs no person's
//! judgement ([`dispatch::auto_assign`]): it accepts the offer on the provider's behalf,
//! dispatches the top team, and notes which and why. Should that team be taken in between (by
//! a dispatcher, or by another node for another incident), it ranks again and sends the next
//! sure choice.
//!
//! When no team is sure (none available, positions stale or unknown, a capability missing),
//! the offer is left to the provider's dispatcher exactly as if auto-assignment were off — it
//! still times out to the next tier — with one note on the incident saying why. Every open
//! offer to such a provider is looked at again every `auto_assign_check`, so a
//! team coming on shift or back from a call is sent without a person stepping in.
//!
//! Like the deadline watch, it works from the store: it learns new offers from the live event
//! stream and reloads every open offer when it may have missed one. When several nodes act on
//! the same offer, the store lets one acceptance through and refuses the others, so a team is
//! dispatched once.
//!

use std::collections::HashSet;

use domain::event::Actor;
use domain::{AgencyId, AgencyKind, Event, EventKind, IncidentId, IncidentStatus, Text, Timestamp};
use std::time::Duration;
use store::{IncidentFilter, Store, StoreError};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;

use crate::service::text;
use crate::{IncidentError, IncidentService};

/// A note's text: control characters dropped, cut to what a note may hold.
fn note(s: String) -> Text {
    text(&s, Text::SUMMARY_MAX)
}

/// Stops auto-assignment when dropped.
#[derive(Debug)]
pub struct AutoAssignGuard {
    _stop: oneshot::Sender<()>,
}

/// The agencies named by `codes`; an error naming the code when one is not a mobile crisis
/// provider of this deployment.
pub async fn resolve(store: &dyn Store, codes: &[String]) -> Result<Vec<AgencyId>, String> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let agencies = store.agencies().await.map_err(|e| format!("reading the agencies: {e}"))?;
    codes
        .iter()
        .map(|code| {
            let providers = || {
                agencies
                    .iter()
                    .filter(|a| a.kind == AgencyKind::MobileCrisisProvider)
                    .map(|a| a.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match agencies.iter().find(|a| a.code == *code) {
                Some(a) if a.kind == AgencyKind::MobileCrisisProvider => Ok(a.id),
                Some(a) => Err(format!(
                    "auto_assign: {code:?} is {}, not a mobile crisis provider; list providers only ({})",
                    a.name,
                    providers()
                )),
                None => Err(format!(
                    "auto_assign: no agency has the code {code:?}; the mobile crisis providers are: {}",
                    providers()
                )),
            }
        })
        .collect()
}

impl IncidentService {
    /// Starts auto-assignment for `providers`, looking at every open offer again every
    /// `every`; `None` when there are no providers.
    pub fn spawn_auto_assign(
        &self,
        providers: Vec<AgencyId>,
        every: Duration,
    ) -> Option<AutoAssignGuard> {
        if providers.is_empty() {
            return None;
        }
        let (stop_tx, stop) = oneshot::channel();
        tokio::spawn(watch(self.clone(), providers, every, stop));
        Some(AutoAssignGuard { _stop: stop_tx })
    }
}

/// What auto-assignment remembers between looks: the offers it has already explained
/// (by incident and offer time), so each gets one note.
#[derive(Default)]
struct Memory {
    explained: HashSet<(IncidentId, Timestamp)>,
}

async fn watch(
    state: IncidentService,
    providers: Vec<AgencyId>,
    every: Duration,
    mut stop: oneshot::Receiver<()>,
) {
    // Subscribe before loading, so no offer committed in between is missed.
    let mut events = state.store.subscribe();
    let mut memory = Memory::default();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            received = events.recv() => match received {
                Ok(recorded) => {
                    if let EventKind::TransferOffered { to, .. } = recorded.event.kind
                        && providers.contains(&to)
                        && let Err(e) = look(&state, &providers, recorded.event.incident, &mut memory).await
                    {
                        tracing::warn!(incident = %recorded.event.incident, error = %e, "auto-assignment failed; will retry");
                    }
                }
                // Fell behind: the next tick looks at every open offer.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => {
                if let Err(e) = look_at_all(&state, &providers, &mut memory).await {
                    tracing::warn!(error = %e, "auto-assignment could not read the open offers; will retry");
                }
            }
        }
    }
}

/// Looks at every open offer to one of `providers`.
async fn look_at_all(
    state: &IncidentService,
    providers: &[AgencyId],
    memory: &mut Memory,
) -> Result<(), IncidentError> {
    let filter = IncidentFilter {
        involving: None,
        statuses: vec![IncidentStatus::TransferPending],
        channel: None,
        limit: u32::MAX,
    };
    let open = state.store.incidents(&filter).await?;
    let offered: Vec<IncidentId> = open
        .iter()
        .filter(|i| {
            i.transfer.as_ref().is_some_and(|t| t.unanswered.is_none() && providers.contains(&t.to))
        })
        .map(|i| i.id)
        .collect();
    memory.explained.retain(|(id, _)| offered.contains(id));
    for id in offered {
        look(state, providers, id, memory).await?;
    }
    Ok(())
}

/// Accepts `id`'s open offer and dispatches a team when the recommendation is sure; else
/// explains, once per offer, why the dispatcher decides.
async fn look(
    state: &IncidentService,
    providers: &[AgencyId],
    id: IncidentId,
    memory: &mut Memory,
) -> Result<(), IncidentError> {
    let Some(incident) = state.store.incident(id).await? else { return Ok(()) };
    let Some(offer) = incident.transfer.as_ref().filter(|t| t.unanswered.is_none()) else {
        return Ok(());
    };
    let provider = offer.to;
    if !providers.contains(&provider) {
        return Ok(());
    }
    let offered_at = offer.offered_at;
    let candidates = state.rank(provider, &incident, &[], dispatch::ResponseTarget::Urban).await?;
    let now = state.clock.now();
    let event =
        |kind| Event { incident: id, at: now, actor: Actor::System, agency: provider, kind };
    let Some(team) = dispatch::auto_assign(&candidates) else {
        if memory.explained.insert((id, offered_at)) {
            let why = match candidates.first() {
                None => "the provider has no teams".to_owned(),
                Some(best) => format!(
                    "the best candidate needs a dispatcher's judgement: {}",
                    best.explanation
                ),
            };
            let text = note(format!(
                "Auto-assignment sent no team: {why}. The offer waits for a dispatcher."
            ));
            append_unless_refused(
                &*state.store,
                vec![event(EventKind::NoteAdded {
                    text,
                    audience: domain::NoteAudience::Involved,
                })],
            )
            .await?;
        }
        return Ok(());
    };
    let accepted = match state.store.append(vec![event(EventKind::TransferAccepted)]).await {
        Ok(appended) => appended.incident,
        // Answered, withdrawn or accepted by another node meanwhile.
        Err(StoreError::Rejected(reason)) => {
            tracing::debug!(incident = %id, %reason, "auto-assignment: the offer was no longer open");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let Some(accepted) = accepted else { return Ok(()) };
    metrics::counter!("crisisbridge_auto_assignments_total").increment(1);
    let text = match send_a_team(state, provider, &accepted, team, candidates).await {
        Ok(explanation) => note(format!("Accepted by auto-assignment, which sent {explanation}")),
        Err(why) => {
            // The provider holds the incident now, and its dispatcher must send someone.
            tracing::warn!(incident = %id, %why, "auto-assignment accepted an incident but sent no team");
            note(format!(
                "Auto-assignment accepted this incident but sent no team: {why}. A dispatcher must send one."
            ))
        }
    };
    append_unless_refused(
        &*state.store,
        vec![event(EventKind::NoteAdded { text, audience: domain::NoteAudience::Involved })],
    )
    .await?;
    Ok(())
}

/// How many times auto-assignment picks again when the team it chose was sent elsewhere in
/// between (by a dispatcher, or by another node for another incident) — each time without the
/// teams found taken, so the choices run out before this bound is reached on any real roster.
const DISPATCH_ATTEMPTS: usize = 64;

/// Dispatches `team` (the sure choice among `candidates`) to `incident`; when the team was
/// taken meanwhile, ranks again and sends the next sure choice. The chosen team's
/// explanation, or why none was sent.
async fn send_a_team(
    state: &IncidentService,
    provider: AgencyId,
    incident: &domain::Incident,
    mut team: domain::TeamId,
    mut candidates: Vec<dispatch::Candidate>,
) -> Result<String, String> {
    let mut attempt = 1;
    // Teams found taken: another node's view of them may lag behind the store's refusal.
    let mut taken = Vec::new();
    loop {
        let now = state.clock.now();
        match state.dispatch_as(Actor::System, provider, incident, team, now).await {
            Ok(_) => {
                let chosen = candidates.into_iter().find(|c| c.team == team);
                return Ok(chosen.map_or_else(|| format!("team {team}"), |c| c.explanation));
            }
            Err(e) if attempt == DISPATCH_ATTEMPTS => return Err(e.to_string()),
            Err(e) => {
                tracing::debug!(incident = %incident.id, %team, error = %e, "auto-assignment: the team was taken; choosing again");
                taken.push(team);
            }
        }
        candidates = state
            .rank(provider, incident, &[], dispatch::ResponseTarget::Urban)
            .await
            .map_err(|e| e.to_string())?;
        candidates.retain(|c| !taken.contains(&c.team));
        team = dispatch::auto_assign(&candidates).ok_or_else(|| match candidates.first() {
            None => "the provider has no teams".to_owned(),
            Some(best) => format!("no team is sure now: {}", best.explanation),
        })?;
        attempt += 1;
    }
}

/// Appends `events`; a refusal (the incident moved on meanwhile) is not an error.
async fn append_unless_refused(store: &dyn Store, events: Vec<Event>) -> Result<(), IncidentError> {
    match store.append(events).await {
        Ok(_) | Err(StoreError::Rejected(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
