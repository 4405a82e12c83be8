//! Transfers: an incident offered to another agency, tier after tier, until one takes it or
//! every tier has declined or let the offer time out.
//!
//! A transfer always ends in a recorded final state — `TransferAccepted` (the taker now
//! holds the incident) or `TransferReturned` (nobody took it; the holder keeps it and is
//! alerted). An offer that is declined or times out leaves the transfer *unanswered*: the
//! only events that may follow are the offer to the next tier or the return, and Crisisbridge
//! writes that in the same commit as the decline or timeout ([`PendingTransfer::next_step`]),
//! so no state between them is ever visible.

use crate::contact::Text;
use crate::event::{Event, EventKind};
use crate::ids::AgencyId;
use crate::route::RouteTier;
use crate::time::Timestamp;

use super::TransitionError;

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
}

/// How the latest offer ended without a taker.
#[derive(Debug, Clone, PartialEq)]
pub enum Unanswered {
    Declined { reason: Text },
    TimedOut,
}

impl PendingTransfer {
    /// What must follow an unanswered offer, at `at`: the offer to the next tier (with its
    /// answer time), or the return to the holder when no tier is left. `None` while the offer
    /// is still open.
    pub fn next_step(&self, at: Timestamp) -> Option<EventKind> {
        let unanswered = self.unanswered.as_ref()?;
        let why = match unanswered {
            Unanswered::Declined { reason } => format!("declined ({})", reason.as_str()),
            Unanswered::TimedOut => "no answer in time".to_owned(),
        };
        let text = |s: String| Text::parse(&s, Text::SHORT_MAX).unwrap_or_default();
        Some(match self.then.split_first() {
            Some((next, rest)) => EventKind::TransferOffered {
                to: next.agency,
                reason: text(format!("offer {}: the previous agency {why}", self.attempt + 1)),
                deadline: at.plus_millis(i64::from(next.answer_within_s) * 1000),
                service: self.service.clone(),
                then: rest.to_vec(),
            },
            None => EventKind::TransferReturned {
                reason: text(format!(
                    "nobody took the incident after {} offer{}: the last agency {why}",
                    self.attempt,
                    if self.attempt == 1 { "" } else { "s" }
                )),
            },
        })
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
                // Rolling over: only the next tier, in order.
                let expected = t.then.first().map(|tier| tier.agency);
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
        (EventKind::TransferOffered { to, reason, deadline, service, then }, previous) => {
            let continued = previous.filter(|t| t.unanswered.is_some());
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
        (EventKind::TransferReturned { .. }, _) => (None, None),
        (_, transfer) => (transfer, None),
    }
}
