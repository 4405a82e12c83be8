//! Contacts' timing from the phone system: a step of a call at the caller's agency — arrived,
//! answered, abandoned, rolled over — recorded once, whatever the retries
//! ([`domain::call`] decides; the store keeps a call to one arrival and one end).

use domain::{CallError, CallEvent, CallId, CallRecorded, CallStep, Permission, Timestamp};
use store::RecordedCall;

use crate::{Caller, IncidentError, IncidentService, Result};

/// How far ahead of this server's clock a phone system's time may be: clocks drift, but a
/// step from the future would skew every answer time after it.
pub const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60 * 1000;
/// How long after a step the phone system may still post it (a queue held while the link was
/// down): older times are refused rather than taken for a mistyped clock.
pub const MAX_AGE_MS: i64 = 30 * 24 * 3600 * 1000;

impl IncidentService {
    /// Records a step of call `call` at the caller's agency, at the phone system's time `at`.
    /// Posting the same step again is harmless (`Repeat`); a different one is refused.
    pub async fn record_call(
        &self,
        caller: &Caller,
        call: CallId,
        at: Timestamp,
        step: CallStep,
    ) -> Result<CallRecorded> {
        caller.require(Permission::CallRecord)?;
        let now = self.clock.now();
        if at.as_millis() > now.as_millis() + MAX_CLOCK_AHEAD_MS {
            return Err(IncidentError::field(
                "at",
                format!(
                    "{} ms is {} s ahead of this server's clock; send the phone system's time \
                     of the step (and check its clock)",
                    at.as_millis(),
                    (at.as_millis() - now.as_millis()) / 1000
                ),
            ));
        }
        if at.as_millis() < now.as_millis() - MAX_AGE_MS {
            return Err(IncidentError::field(
                "at",
                format!(
                    "{} ms is more than 30 days before this server's clock; steps are posted as \
                     they happen (or within 30 days, after an outage)",
                    at.as_millis()
                ),
            ));
        }
        let recorded = RecordedCall {
            event: CallEvent { agency: caller.agency.id, call, at, step },
            recorded_at: now,
            recorded_by: Some(caller.user),
        };
        match self.store.record_call(&recorded).await? {
            Ok(outcome) => Ok(outcome),
            Err(e @ CallError::BeforeArrival { .. }) => Err(IncidentError::field("at", e)),
            Err(e) => Err(IncidentError::Conflict(e.to_string())),
        }
    }
}
