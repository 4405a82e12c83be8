//! Contacts' timing from the phone system ([`domain::call`]): each call's arrival at an agency
//! and its end there, append-only, for the answer-time measures.
//!
//! A call's steps are keyed by agency, the phone system's call id and phase (arrival or end),
//! so the database itself keeps a call to one arrival and one end however many nodes record
//! at once; an end is inserted only where its arrival is recorded at or before it. What was
//! not inserted is explained by [`domain::call::check`] against the rows that stopped it.

use async_trait::async_trait;
use domain::{AgencyId, CallError, CallEvent, CallRecorded, Timestamp, UserId};

use crate::Result;

/// A recorded step: the phone system's event, and when and by whom it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub event: CallEvent,
    pub recorded_at: Timestamp,
    /// The user (or the phone system's account) that posted it.
    pub recorded_by: Option<UserId>,
}

#[async_trait]
pub trait CallLog: Send + Sync + 'static {
    /// Records the step unless the call's record already has it (a repeat: `Ok(Repeat)`, nothing
    /// written) or contradicts it (`Err(CallError)`, nothing written).
    async fn record_call(&self, call: &RecordedCall) -> Result<Result<CallRecorded, CallError>>;

    /// Every recorded step whose time is in `[from, to)`, of one agency or of all, ordered by
    /// time, then agency, call id and phase (arrival first).
    async fn calls_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        agency: Option<AgencyId>,
    ) -> Result<Vec<RecordedCall>>;
}
