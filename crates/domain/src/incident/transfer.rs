//! Transfers: an incident offered to another agency, tier after tier, until one takes it or
//! every tier has declined or let the offer time out.
//!
//! A transfer always ends in a recorded final state — `TransferAccepted` (the taker now
//! holds the incident), `TransferReturned` (nobody took it; the holder keeps it with an alarm
//! that stays until someone acts on it) or `TransferWithdrawn` (the holder took it back). An
//! offer that is declined or times out leaves the transfer *unanswered*: the only events that
//! may follow are the offer to the next tier or the return, and Crisisbridge writes that in the
//! same commit as the decline or timeout ([`PendingTransfer::next_step`]), so no state between
//! them is ever visible.
//!
//! A transfer offered *until taken* (an imminent-risk handoff to 911) is never returned: when
//! its last tier lets it pass, its tiers are offered again from the first, round after round,
//! and the first time that happens an alarm is raised, in the same commit.

use crate::contact::Text;
use crate::event::{Event, EventKind};
use crate::ids::AgencyId;
use crate::route::RouteTier;
use crate::time::Timestamp;

use super::{AlarmKind, Destination, TransitionError};

/// A transfer under way.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTransfer {
    /// The holder who started it; it keeps the incident until someone accepts.
    pub from: AgencyId,
    /// The agency offered the incident now (or, when unanswered, last).
    pub to: AgencyId,
    /// Why the holder started the transfer.
    pub reason: Text,
    /// The service whose route gave the tiers, when it follows one.
    pub service: Option<String>,
    /// When the first offer was made.
    pub started_at: Timestamp,
    pub offered_at: Timestamp,
    pub deadline: Timestamp,
    /// The tiers still to try after `to`, in order.
    pub then: Vec<RouteTier>,
    /// Offers made so far, this one included.
    pub attempt: u32,
    /// Set once `to` declined or let the offer time out.
    pub unanswered: Option<Unanswered>,
    /// What kind of service the transfer is to.
    pub destination: Destination,
    /// Offered round after round until someone takes it.
    pub until_taken: bool,
    /// Every tier of the transfer, the first offered included, with its answer time: what
    /// the next round offers.
    pub tiers: Vec<RouteTier>,
    /// Rounds through `tiers` begun so far, this one included.
    pub round: u32,
}

/// How the latest offer ended without a taker.
#[derive(Debug, Clone, PartialEq)]
pub enum Unanswered {
    Declined { reason: Text },
    TimedOut,
}

impl PendingTransfer {
    /// What must follow an unanswered offer, at `at`: the offer to the next tier (with its
    /// answer time), or the return to the holder when no tier is left — or, for a transfer
    /// offered until taken, the first tier again (with an alarm the first time). Empty while
    /// the offer is still open.
    pub fn next_step(&self, at: Timestamp, alarmed: bool) -> Vec<EventKind> {
        let Some(unanswered) = self.unanswered.as_ref() else { return Vec::new() };
        let why = match unanswered {
            Unanswered::Declined { reason } => format!("declined ({})", reason.as_str()),
            Unanswered::TimedOut => "no answer in time".to_owned(),
        };
        let text = |s: String| Text::parse(&s, Text::SHORT_MAX).unwrap_or_default();
        let offer =
            |next: &RouteTier, rest: &[RouteTier], what: String| EventKind::TransferOffered {
                to: next.agency,
                reason: text(what),
                deadline: at.plus_millis(i64::from(next.answer_within_s) * 1000),
                service: self.service.clone(),
                then: rest.to_vec(),
                destination: self.destination,
                until_taken: self.until_taken,
            };
        if let Some((next, rest)) = self.then.split_first() {
            return vec![offer(
                next,
                rest,
                format!("offer {}: the previous agency {why}", self.attempt + 1),
            )];
        }
        if self.until_taken
            && let Some((first, rest)) = self.tiers.split_first()
        {
            let mut steps = Vec::new();
            if !alarmed {
                steps.push(EventKind::AlarmRaised {
                    kind: AlarmKind::HandoffUnanswered,
                    reason: text(format!(
                        "no PSAP has taken this imminent-risk handoff after {} offer{}; it is offered again until one does, or a supervisor records what was done instead",
                        self.attempt,
                        if self.attempt == 1 { "" } else { "s" }
                    )),
                });
            }
            steps.push(offer(
                first,
                rest,
                format!(
                    "offer {} (round {}): nobody took it yet; the last agency {why}",
                    self.attempt + 1,
                    self.round + 1
                ),
            ));
            return steps;
        }
        vec![EventKind::TransferReturned {
            reason: text(format!(
                "nobody took the incident after {} offer{}: the last agency {why}",
                self.attempt,
                if self.attempt == 1 { "" } else { "s" }
            )),
        }]
    }
}

/// Checks a transfer event against the pending transfer (if any) of an incident held by
/// `holder`. Changes nothing.
pub(super) fn check(
    holder: AgencyId,
    transfer: Option<&PendingTransfer>,
    event: &Event,
) -> Result<(), TransitionError> {
    use TransitionError as E;
    let open = transfer.filter(|t| t.unanswered.is_none());
    let unanswered = transfer.filter(|t| t.unanswered.is_some());
    match &event.kind {
        EventKind::TransferOffered { to, deadline, .. } => {
            if let Some(t) = open {
                return Err(E::TransferPending { to: t.to });
            }
            if let Some(t) = unanswered {
                // Rolling over: only the next tier, in order — or, past the last tier of a
                // transfer offered until taken, the first tier again.
                let expected = match t.then.first() {
                    Some(tier) => Some(tier.agency),
                    None if t.until_taken => t.tiers.first().map(|tier| tier.agency),
                    None => None,
                };
                if expected != Some(*to) {
                    return Err(E::NotNextTier { expected });
                }
            }
            if *to == holder {
                return Err(E::TransferToHolder(*to));
            }
            if *deadline <= event.at {
                return Err(E::DeadlineNotAfterOffer);
            }
            Ok(())
        }
        EventKind::TransferAccepted | EventKind::TransferDeclined { .. } => match open {
            None => Err(E::NoPendingTransfer),
            Some(t) if event.agency != t.to => Err(E::NotTransferRecipient { to: t.to }),
            Some(_) => Ok(()),
        },
        EventKind::TransferTimedOut => match open {
            None => Err(E::NoPendingTransfer),
            Some(t) if event.at < t.deadline => Err(E::DeadlineNotReached),
            Some(_) => Ok(()),
        },
        EventKind::TransferReturned { .. } => match unanswered {
            None => Err(E::NothingToReturn),
            Some(t) if t.until_taken => Err(E::OfferedUntilTaken),
            Some(_) => Ok(()),
        },
        EventKind::TransferWithdrawn { .. } => match transfer {
            None => Err(E::NoPendingTransfer),
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The transfer after a transfer event that [`check`] accepted; the new holder, when one
/// accepted.
pub(super) fn apply(
    holder: AgencyId,
    transfer: Option<PendingTransfer>,
    event: &Event,
) -> (Option<PendingTransfer>, Option<AgencyId>) {
    match (&event.kind, transfer) {
        (
            EventKind::TransferOffered {
                to,
                reason,
                deadline,
                service,
                then,
                destination,
                until_taken,
            },
            previous,
        ) => {
            let continued = previous.filter(|t| t.unanswered.is_some());
            // A new round begins when a transfer offered until taken starts over.
            let new_round = continued.as_ref().is_some_and(|t| t.then.is_empty());
            let tiers = continued.as_ref().map_or_else(
                || {
                    let first = RouteTier {
                        agency: *to,
                        answer_within_s: u32::try_from(
                            (deadline.as_millis() - event.at.as_millis()).max(0) / 1000,
                        )
                        .unwrap_or(u32::MAX),
                    };
                    std::iter::once(first).chain(then.iter().copied()).collect()
                },
                |t| t.tiers.clone(),
            );
            let next = PendingTransfer {
                from: holder,
                to: *to,
                reason: continued.as_ref().map_or_else(|| reason.clone(), |t| t.reason.clone()),
                service: service.clone(),
                started_at: continued.as_ref().map_or(event.at, |t| t.started_at),
                offered_at: event.at,
                deadline: *deadline,
                then: then.clone(),
                attempt: continued.as_ref().map_or(1, |t| t.attempt + 1),
                unanswered: None,
                destination: *destination,
                until_taken: *until_taken,
                tiers,
                round: continued.as_ref().map_or(1, |t| t.round + u32::from(new_round)),
            };
            (Some(next), None)
        }
        (EventKind::TransferAccepted, Some(t)) => (None, Some(t.to)),
        (EventKind::TransferDeclined { reason }, Some(mut t)) => {
            t.unanswered = Some(Unanswered::Declined { reason: reason.clone() });
            (Some(t), None)
        }
        (EventKind::TransferTimedOut, Some(mut t)) => {
            t.unanswered = Some(Unanswered::TimedOut);
            (Some(t), None)
        }
        (EventKind::TransferReturned { .. } | EventKind::TransferWithdrawn { .. }, _) => {
            (None, None)
        }
        (_, transfer) => (transfer, None),
    }
}
