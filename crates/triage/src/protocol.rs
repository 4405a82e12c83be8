//! The typed form of a protocol.

use domain::{Channel, Role, TriageOutcome};

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
    /// The outcome when unknown answers leave the deciding rule open: it must hold whatever
    /// the unknown answers are, so the checker requires the most protective outcome every
    /// constraint allows. `None` only in protocols that cannot leave a rule open.
    pub when_unknown: Option<TriageOutcome>,
    /// Roles besides supervisors that may override a decision of this protocol (with a
    /// written reason, recorded).
    pub override_roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    /// What the call-taker asks, as the console shows it.
    pub text: String,
    pub kind: QuestionKind,
    /// The safety-floor concept this question answers (`weapon`, `attempt_in_progress`, …),
    /// so the floor's constraints can be checked against this protocol.
    pub floor: Option<String>,
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

/// "When this may hold, the outcome must include these services and be none of these
/// outcomes."
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyConstraint {
    pub id: String,
    pub when: Condition,
    pub requires: Vec<Service>,
    pub forbids: Vec<TriageOutcome>,
    pub why: String,
    /// Whose constraint it is: the protocol's own, or a safety floor's.
    pub origin: Origin,
}

/// Where a safety constraint comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Protocol,
    /// A safety floor, by id: Crisisbridge's own or one a state added.
    Floor(String),
}

impl SafetyConstraint {
    /// Whether `outcome` satisfies the constraint when its condition holds.
    pub fn allows(&self, outcome: TriageOutcome) -> bool {
        self.requires.iter().all(|s| s.included_in(outcome)) && !self.forbids.contains(&outcome)
    }

    /// Whether the constraint holds, or may hold given unknown or missing answers.
    pub fn may_hold(&self, answers: &crate::Answers) -> bool {
        self.when.eval(&answers.0) != Some(false)
    }

    /// What the constraint demands, in words: "law_enforcement and ems", "not divert_988".
    pub fn demands(&self) -> String {
        let mut parts: Vec<String> = self.requires.iter().map(|s| s.as_str().to_owned()).collect();
        parts.extend(self.forbids.iter().map(|o| format!("not {}", o.as_str())));
        parts.join(" and ")
    }

    /// `constraint x` or `floor constraint y (of floor f)`.
    pub fn name(&self) -> String {
        match &self.origin {
            Origin::Protocol => format!("safety constraint `{}`", self.id),
            Origin::Floor(floor) => format!("floor constraint `{}` of {floor}", self.id),
        }
    }
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
