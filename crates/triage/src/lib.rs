//! Triage protocols: the written criteria a county uses to decide what a call needs.
//!
//! - [`Protocol::parse`] reads a protocol file (TOML; see `protocols/README.md` for the format)
//!   into typed questions, rules in priority order, and safety constraints. Errors name the
//!   file, the line and what is wrong.
//! - [`check`] proves, for every combination of answers, that some rule decides, that every
//!   safety constraint holds, that every rule can fire and that every question can change the
//!   outcome — or returns a counterexample.
//! - [`evaluate`] decides for one set of answers, with a trace of the rule that fired and the
//!   answers it read; with answers missing it names the questions still needed, in order.
//!
//! Invariant: pure. No IO, no clock; the caller reads files and records decisions.

mod answers;
mod check;
mod condition;
mod evaluate;
mod parse;
mod protocol;

pub use answers::{AnswerError, AnswerInput, Answers, Value};
pub use check::{CheckError, CheckReport, MAX_COMBINATIONS, check};
pub use evaluate::{Decision, Evaluation, evaluate};
pub use parse::ProtocolError;
pub use protocol::{Choice, Protocol, Question, QuestionKind, Rule, SafetyConstraint, Service};
