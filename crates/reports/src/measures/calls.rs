//! What the answer-time measures need to know of each contact the phone system reported: its
//! arrival at an agency and how it ended there (docs/measures.md, "Contacts").

use std::collections::HashMap;

use domain::{AgencyId, CallEvent, CallId, CallStep, Channel, Timestamp};

/// One call at one agency.
#[derive(Debug, Clone)]
pub struct CallFacts {
    pub agency: AgencyId,
    pub channel: Channel,
    pub arrived_at: Timestamp,
    pub end: Option<CallEnd>,
}

/// How a call ended at the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEnd {
    Answered(Timestamp),
    Abandoned(Timestamp),
    RolledOver { at: Timestamp, in_state: bool },
}

impl CallFacts {
    /// Milliseconds from arrival to answer, for an answered call.
    pub fn speed_to_answer(&self) -> Option<i64> {
        match self.end {
            Some(CallEnd::Answered(at)) => Some(at.as_millis() - self.arrived_at.as_millis()),
            _ => None,
        }
    }
}

/// Every call's facts, by agency and the phone system's id: fed the phone systems' steps in
/// time order.
#[derive(Debug, Default)]
pub struct CallTally {
    pub calls: HashMap<(AgencyId, CallId), CallFacts>,
}

impl CallTally {
    /// Takes one recorded step. The store keeps a call to one arrival before one end; an end
    /// whose arrival is not among the steps given (an arrival before the period read) is left
    /// out, as its call is.
    pub fn add(&mut self, event: &CallEvent) {
        let key = (event.agency, event.call.clone());
        match &event.step {
            CallStep::Arrived { channel, .. } => {
                self.calls.insert(
                    key,
                    CallFacts {
                        agency: event.agency,
                        channel: *channel,
                        arrived_at: event.at,
                        end: None,
                    },
                );
            }
            CallStep::Answered { .. } => self.end(&key, CallEnd::Answered(event.at)),
            CallStep::Abandoned => self.end(&key, CallEnd::Abandoned(event.at)),
            CallStep::RolledOver { in_state, .. } => {
                self.end(&key, CallEnd::RolledOver { at: event.at, in_state: *in_state });
            }
        }
    }

    fn end(&mut self, key: &(AgencyId, CallId), end: CallEnd) {
        if let Some(call) = self.calls.get_mut(key) {
            call.end = Some(end);
        }
    }
}
