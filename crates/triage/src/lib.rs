//! Triage protocols: the written criteria a county uses to decide what a call needs.
//!
//! - [`Protocol::parse`] reads a protocol file (TOML; see `protocols/README.md` for the format)
//!   into typed questions, rules in priority order, and safety constraints. Errors name the
//!   file, the line and what is wrong.
//! - [`check`] proves, for every combination of answers — "unknown" included — that some rule
//!   (or the `when_unknown` outcome) decides, that every safety constraint holds — the
//!   protocol's own and every [`Floor`]'s, Crisisbridge's platform floor always among them —
//!   that every rule can fire and that every question can change the outcome, or returns a
//!   counterexample.
//! - [`evaluate`] decides for one set of answers, with a trace of the rule that fired and the
//!   answers it read; with answers missing it names the questions still needed, in order; when
//!   unknown answers leave a rule open it gives the `when_unknown` outcome and names them.
//!
//! Invariant: pure. No IO, no clock; the caller reads files and records decisions.

mod answers;
mod check;
mod condition;
mod evaluate;
mod floor;
mod parse;
mod protocol;

pub use answers::{AnswerError, AnswerInput, Answers, UNKNOWN, Value};
pub use check::{CheckError, CheckReport, MAX_COMBINATIONS, WHEN_UNKNOWN, check, constraints};
pub use condition::MAX_NESTING as MAX_CONDITION_NESTING;
pub use evaluate::{Decision, Evaluation, evaluate};
pub use floor::{Concept, Floor, FloorConstraint, MissingConcept, PLATFORM_FLOOR};
pub use parse::ProtocolError;
pub use protocol::{
    Choice, Origin, Protocol, Question, QuestionKind, Rule, SafetyConstraint, Service,
};
