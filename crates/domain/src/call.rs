//! A contact's timing as the phone system saw it, before and apart from any incident: when it
//! arrived (queued or ringing), and how it ended at the agency — answered (by whom), abandoned
//! (the caller hung up first) or rolled over to a backup center.
//!
//! A call's record at an agency is its arrival and at most one end. The phone system may send
//! each step again (a retry): the same step with the same content is a repeat and changes
//! nothing; a different one is refused, so a record once acknowledged never changes.

use std::fmt;

use crate::contact::{CallbackNumber, Text};
use crate::ids::AgencyId;
use crate::incident::Channel;
use crate::time::Timestamp;

/// The phone system's own id of a call: what makes posting a step again harmless.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(String);

/// Why a string is not a call id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "call id {0:?} is not usable: give the phone system's id of the call, 1 to {max} characters \
     of letters, digits and . _ - : @ / (no spaces)",
    max = CallId::MAX
)]
pub struct CallIdError(String);

impl CallId {
    pub const MAX: usize = 128;

    pub fn parse(input: &str) -> Result<Self, CallIdError> {
        let ok = !input.is_empty()
            && input.len() <= Self::MAX
            && input.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-:@/".contains(&b));
        if ok { Ok(Self(input.to_owned())) } else { Err(CallIdError(input.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallId({})", self.0)
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One step of a call at an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStep {
    /// The call reached the agency's queue and rang; the first step, always.
    Arrived { channel: Channel, callback: Option<CallbackNumber> },
    /// Someone answered: `by` is the phone system's agent or position, or the user who
    /// recorded it in the console.
    Answered { by: Text },
    /// The caller hung up before anyone answered.
    Abandoned,
    /// The call was sent on to a backup center before anyone answered; `in_state` says whether
    /// that center is in the agency's own state (the 988 network's in-state answer rate).
    RolledOver { to: Text, in_state: bool },
}

impl CallStep {
    /// The step's name on the wire and in the store.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Arrived { .. } => "arrived",
            Self::Answered { .. } => "answered",
            Self::Abandoned => "abandoned",
            Self::RolledOver { .. } => "rolled_over",
        }
    }

    /// Whether the step ends the call at the agency.
    pub const fn is_end(&self) -> bool {
        !matches!(self, Self::Arrived { .. })
    }
}

/// A step of a call at an agency, at the time the phone system gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEvent {
    pub agency: AgencyId,
    pub call: CallId,
    pub at: Timestamp,
    pub step: CallStep,
}

/// What recording a step came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallRecorded {
    /// The step is new and now recorded.
    New,
    /// The same step was recorded before, the same: nothing changed.
    Repeat,
}

/// Why a step of a call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("call {call} has no arrival recorded: post its `arrived` step first")]
    NotArrived { call: CallId },
    #[error(
        "call {call} already has its {recorded} step recorded differently (at {at} ms); a call's \
         steps are never changed — post it as first recorded, or use a new call id for a new call"
    )]
    Differs { call: CallId, recorded: &'static str, at: i64 },
    #[error(
        "call {call} already ended ({recorded}); a call ends once — answered, abandoned or rolled \
         over"
    )]
    AlreadyEnded { call: CallId, recorded: &'static str },
    #[error("call {call}'s {step} time is before its arrival; send the phone system's times")]
    BeforeArrival { call: CallId, step: &'static str },
}

/// Decides whether `new` may be added to a call whose recorded steps are `recorded` (all of the
/// same agency and call id).
pub fn check(recorded: &[CallEvent], new: &CallEvent) -> Result<CallRecorded, CallError> {
    let call = || new.call.clone();
    if let Some(same) = recorded.iter().find(|r| r.step.as_str() == new.step.as_str()) {
        return if same == new {
            Ok(CallRecorded::Repeat)
        } else {
            Err(CallError::Differs {
                call: call(),
                recorded: same.step.as_str(),
                at: same.at.as_millis(),
            })
        };
    }
    if !new.step.is_end() {
        // A second, different arrival was caught above; an arrival after an end cannot be
        // recorded because an end needs an arrival first.
        return Ok(CallRecorded::New);
    }
    let arrived = recorded
        .iter()
        .find(|r| !r.step.is_end())
        .ok_or_else(|| CallError::NotArrived { call: call() })?;
    if let Some(end) = recorded.iter().find(|r| r.step.is_end()) {
        return Err(CallError::AlreadyEnded { call: call(), recorded: end.step.as_str() });
    }
    if new.at < arrived.at {
        return Err(CallError::BeforeArrival { call: call(), step: new.step.as_str() });
    }
    Ok(CallRecorded::New)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: i64, step: CallStep) -> CallEvent {
        CallEvent {
            agency: AgencyId::from_uuid(uuid::Uuid::nil()),
            call: CallId::parse("acd-1").unwrap(),
            at: Timestamp::from_millis(at),
            step,
        }
    }

    fn arrived() -> CallStep {
        CallStep::Arrived { channel: Channel::Nine88, callback: None }
    }

    fn answered(by: &str) -> CallStep {
        CallStep::Answered { by: Text::parse(by, 100).unwrap() }
    }

    #[test]
    fn call_ids_are_the_phone_systems_printable_ids() {
        for good in ["acd-1", "2026-12-05T10:00:00Z/17", "sip:123@psap.example", &"x".repeat(128)] {
            assert!(CallId::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "has space", "tab\t", &"x".repeat(129), "naïve"] {
            let err = CallId::parse(bad).unwrap_err().to_string();
            assert!(err.contains("1 to 128 characters"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_call_arrives_then_ends_once() {
        let a = event(1_000, arrived());
        assert_eq!(check(&[], &a), Ok(CallRecorded::New));
        let ans = event(9_000, answered("pos 4"));
        assert_eq!(check(std::slice::from_ref(&a), &ans), Ok(CallRecorded::New));
        let both = [a.clone(), ans.clone()];
        assert_eq!(check(&both, &ans), Ok(CallRecorded::Repeat));
        assert_eq!(check(&both, &a), Ok(CallRecorded::Repeat));
        assert!(matches!(
            check(&both, &event(9_000, answered("pos 5"))),
            Err(CallError::Differs { recorded: "answered", at: 9_000, .. })
        ));
        assert!(matches!(
            check(&both, &event(12_000, CallStep::Abandoned)),
            Err(CallError::AlreadyEnded { recorded: "answered", .. })
        ));
        assert!(matches!(
            check(
                &both,
                &event(1_000, CallStep::Arrived { channel: Channel::Nine11, callback: None })
            ),
            Err(CallError::Differs { recorded: "arrived", .. })
        ));
    }

    #[test]
    fn an_end_needs_an_arrival_before_it() {
        assert!(matches!(
            check(&[], &event(5, CallStep::Abandoned)),
            Err(CallError::NotArrived { .. })
        ));
        let a = event(1_000, arrived());
        let early =
            event(999, CallStep::RolledOver { to: Text::parse("b", 9).unwrap(), in_state: true });
        assert!(matches!(
            check(std::slice::from_ref(&a), &early),
            Err(CallError::BeforeArrival { step: "rolled_over", .. })
        ));
        assert_eq!(
            check(std::slice::from_ref(&a), &event(1_000, CallStep::Abandoned)),
            Ok(CallRecorded::New)
        );
    }
}
