//! Figures computed from the event log alone: no projection, no wall clock, no IO. A report is a
//! tally fed every event in log order (`add`), then asked for its figures; the caller reads the
//! log (the command line, a future API) and chooses how to print them.
//!
//! - [`Window`]: which incidents a report counts — opened in a period, of a channel.
//! - [`georouting`]: how incidents were routed, and what georouting changed compared with
//!   area-code routing.
//! - [`measures`]: the outcome measures a county reports to its board — contacts, diversion,
//!   embedded clinicians, mobile crisis response times, imminent-risk handoffs, repeat contacts,
//!   the unserved — defined in docs/measures.md.
//! - [`overrides`]: every override of a triage decision (who, against what, to where, why), and
//!   the alarms raised and acted on.
//!
//! - [`synthetic`]: seeded histories with a realistic mix, for checking the measures against an
//!   independent SQL computation and for benchmarking them.
//!
//! Architecture invariant: a report depends on `domain` events and nothing that stores or
//! serves them, so the same figures come from any log, on any backend, in tests built by hand.

pub mod georouting;
pub mod measures;
pub mod overrides;
pub mod public;
pub mod synthetic;
mod window;
mod zone;

pub use window::{DayError, Window, format_day, parse_day, parse_day_in};
pub use zone::{Zone, ZoneError};
