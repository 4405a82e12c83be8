//! The typed form of a protocol.

use domain::{Channel, TriageOutcome};

use crate::condition::Condition;

/// A checked-for-syntax protocol: every name it uses exists and has the right type.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// Stable identifier, e.g. `ks-911-behavioral-health-diversion`.
    pub id: String,
    pub title: String,
    /// The kind of incident it triages.
    pub channel: Channel,
    /// Where its criteria come from.
    pub source: String,
    /// In the order a call-taker is asked them.
    pub questions: Vec<Question>,
    /// In priority order: the first rule whose condition holds decides.
    pub rules: Vec<Rule>,
    pub safety: Vec<SafetyConstraint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    /// What the call-taker asks, as the console shows it.
    pub text: String,
    pub kind: QuestionKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuestionKind {
    YesNo,
    Choice(Vec<Choice>),
    /// A whole number in `[min, max]`.
    Number {
        min: i64,
        max: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub when: Condition,
    pub outcome: TriageOutcome,
    /// Why, in words the console shows with the decision.
    pub why: String,
}

/// "When this holds, the outcome must include these services."
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyConstraint {
    pub id: String,
    pub when: Condition,
    pub requires: Vec<Service>,
    pub why: String,
}

/// A service an outcome can include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    LawEnforcement,
    Ems,
}

impl Service {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LawEnforcement => "law_enforcement",
            Self::Ems => "ems",
        }
    }

    pub const fn included_in(self, outcome: TriageOutcome) -> bool {
        match self {
            Self::LawEnforcement => outcome.includes_law_enforcement(),
            Self::Ems => outcome.includes_ems(),
        }
    }
}

impl Protocol {
    pub fn question(&self, id: &str) -> Option<(usize, &Question)> {
        self.questions.iter().enumerate().find(|(_, q)| q.id == id)
    }
}
