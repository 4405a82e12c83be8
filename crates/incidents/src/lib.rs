//! The incident service: every command on an incident, in one place, with no HTTP.
//!
//! [`IncidentService`] owns what can happen to an incident — open it, locate it, triage it,
//! offer it to another agency and answer the offer, hand a 988 contact to 911, work it as the
//! embedded clinician, send a team, add notes, close it — and the workers that act by
//! themselves (the transfer-deadline watch, auto-assignment). Each command takes a
//! [`Caller`] (user, role, agency), checks the permission and every rule that applies,
//! builds the events and appends them; refusals are [`IncidentError`]s that the HTTP layer
//! maps to its error codes. The HTTP routes, the EIDO import and the NENA-STA-024
//! conveyance, the workers and the demo all come through here; none of them builds an
//! incident event itself.
//!
//! - `record`: open, locate, notes, close.
//! - `triage`: answering the agency's protocol.
//! - `gate`: the protocol gate every offer to a crisis service passes, and overrides.
//! - `transfer`: offers with rollover, answers, timeouts, withdrawals and alarms; `deadlines`
//!   the watch.
//! - `handoff`: the 988 → 911 imminent-risk handoff and its follow-up.
//! - `clinician`: the embedded-clinician queue.
//! - `teams` and `recommend`: sending mobile crisis teams and ranking them;
//!   `auto_assign` the worker that does it for providers that ask.
//! - `follow_up`: agencies' follow-up rules, applied when an incident closes; follow-ups
//!   added by hand, and the care navigator's attempts, outcomes and queue.
//! - `facilities`: somewhere to go — crisis facilities read from a file, their availability
//!   reported by their staff, ranked for a person on scene; the team's choice and the
//!   facility's hand-over.
//! - `eido`: a CAD's EIDO as commands.
//! - `calls`: a contact's timing from the phone system (arrived, answered, abandoned, rolled
//!   over), recorded once per step however often it is posted.
//! - `routing`: who serves where, the table every node keeps current; [`services`] reads a
//!   county's services file (agencies, who serves which areas with backup tiers, teams) into
//!   the directory changes it asks for, checked before anything is written.
//!
//! Architecture invariant: the store is the only writer and the incident's state machine
//! (`domain::Incident::apply`) the last word; this crate decides what to ask of them, and
//! never writes anything for a command it refuses.

pub mod auto_assign;
mod caller;
mod calls;
mod clinician;
mod deadlines;
mod eido;
mod error;
pub mod facilities;
pub mod follow_up;
mod gate;
mod handoff;
mod recommend;
mod record;
pub mod routing;
mod service;
pub mod services;
mod teams;
mod transfer;
mod triage;

pub use caller::Caller;
pub use calls::{MAX_AGE_MS, MAX_CLOCK_AHEAD_MS};
pub use deadlines::DeadlineWatch;
pub use eido::Imported;
pub use error::{IncidentError, Result};
pub use handoff::{HandoffRequest, SERVICE_911};
pub use record::NewIncident;
pub use service::{Committed, DispatchSettings, IncidentService};
pub use transfer::{MAX_TRANSFER_SECONDS, SERVICE_988, TransferRequest, route_offer};
pub use triage::{TriageResult, parse_stored};
