//! The checker: proves a protocol safe for every combination of answers, or finds a
//! counterexample.
//!
//! How: every question's answers fall into finitely many classes that no condition can tell
//! apart — yes/no has two, a choice question one per choice, and a number question is split at
//! the constants it is compared with (for each constant `t`: `t - 1`, `t`, `t + 1`, plus the
//! range's ends; every comparison with integers gives the same result across a class). The
//! checker enumerates every combination of classes — exhaustively, so its verdict is a proof,
//! not a sample — and evaluates the protocol on each. 20 yes/no questions are 2^20 = 1,048,576
//! combinations; protocols past [`MAX_COMBINATIONS`] are refused with advice to split them.

use std::fmt;

use domain::TriageOutcome;

use crate::answers::{Value, show};
use crate::protocol::{Protocol, QuestionKind};

/// The most combinations the checker enumerates (about 67 million).
pub const MAX_COMBINATIONS: u64 = 1 << 26;

/// A protocol that passed: how much was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub combinations: u64,
    /// How many combinations each rule decided, in rule order.
    pub decided_by: Vec<(String, u64)>,
}

/// One way a protocol fails the checker, with its counterexample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// For these answers no rule applies: the protocol gives no outcome.
    NoRuleApplies { answers: Vec<(String, String)> },
    /// For these answers `rule` decides `outcome`, which breaks `constraint`.
    SafetyViolated {
        constraint: String,
        requires: Vec<String>,
        rule: String,
        outcome: TriageOutcome,
        answers: Vec<(String, String)>,
    },
    /// The rule never decides: every case it matches is decided by an earlier rule, or none.
    UnreachableRule { rule: String },
    /// No answer to the question ever changes the outcome: asking it wastes the caller's time.
    QuestionNeverMatters { question: String },
    /// Too many combinations to enumerate.
    TooLarge { combinations: u128 },
}

fn list(answers: &[(String, String)]) -> String {
    answers.iter().map(|(q, a)| format!("{q} = {a}")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRuleApplies { answers } => {
                write!(
                    f,
                    "no rule applies when {}; add a rule (or a final `when = \"true\"` rule) that covers it",
                    list(answers)
                )
            }
            Self::SafetyViolated { constraint, requires, rule, outcome, answers } => write!(
                f,
                "safety constraint `{constraint}` is broken: when {}, rule `{rule}` decides {} which does not include {}",
                list(answers),
                outcome.as_str(),
                requires.join(" and ")
            ),
            Self::UnreachableRule { rule } => {
                write!(
                    f,
                    "rule `{rule}` can never decide: every case it matches is decided by an earlier rule"
                )
            }
            Self::QuestionNeverMatters { question } => {
                write!(
                    f,
                    "question `{question}` never changes the outcome: remove it or use it in a rule"
                )
            }
            Self::TooLarge { combinations } => write!(
                f,
                "the protocol has {combinations} combinations of answers, more than the {MAX_COMBINATIONS} the checker enumerates; split it into smaller protocols"
            ),
        }
    }
}

/// The answer classes of each question (see the module comment).
fn classes(protocol: &Protocol) -> Vec<Vec<Value>> {
    protocol
        .questions
        .iter()
        .enumerate()
        .map(|(index, q)| match &q.kind {
            QuestionKind::YesNo => vec![Value::Yes(false), Value::Yes(true)],
            QuestionKind::Choice(choices) => (0..choices.len()).map(Value::Choice).collect(),
            QuestionKind::Number { min, max } => {
                let mut thresholds = Vec::new();
                for rule in &protocol.rules {
                    rule.when.thresholds(index, &mut thresholds);
                }
                for s in &protocol.safety {
                    s.when.thresholds(index, &mut thresholds);
                }
                let mut points = vec![*min, *max];
                for t in thresholds {
                    points.extend([t.saturating_sub(1), t, t.saturating_add(1)]);
                }
                points.retain(|p| (min..=max).contains(&p));
                points.sort_unstable();
                points.dedup();
                points.into_iter().map(Value::Number).collect()
            }
        })
        .collect()
}

/// Checks `protocol`; every failure found comes with a counterexample.
pub fn check(protocol: &Protocol) -> Result<CheckReport, Vec<CheckError>> {
    let classes = classes(protocol);
    let total: u128 = classes.iter().map(|c| c.len() as u128).product();
    if total > u128::from(MAX_COMBINATIONS) {
        return Err(vec![CheckError::TooLarge { combinations: total }]);
    }
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    let describe = |digits: &[usize]| -> Vec<(String, String)> {
        protocol
            .questions
            .iter()
            .zip(digits)
            .zip(&classes)
            .filter_map(|((q, d), c)| c.get(*d).map(|v| (q.id.clone(), show(protocol, q, *v))))
            .collect()
    };

    const NONE: u16 = u16::MAX;
    let mut fired = vec![NONE; total];
    let mut decided = vec![0u64; protocol.rules.len()];
    let mut errors = Vec::new();
    let mut gap_reported = false;
    let mut violated = vec![false; protocol.safety.len()];
    let mut digits = vec![0usize; classes.len()];
    let mut answers: Vec<Option<Value>> = classes.iter().map(|c| c.first().copied()).collect();

    for slot in &mut fired {
        let rule = protocol.rules.iter().position(|r| r.when.eval(&answers) == Some(true));
        match rule {
            Some(r) => {
                *slot = u16::try_from(r).unwrap_or(NONE);
                if let Some(count) = decided.get_mut(r) {
                    *count += 1;
                }
                let outcome = protocol.rules.get(r).map(|r| r.outcome);
                for (s, constraint) in protocol.safety.iter().enumerate() {
                    let Some(outcome) = outcome else { continue };
                    let broken =
                        constraint.requires.iter().any(|service| !service.included_in(outcome));
                    if broken
                        && !violated.get(s).copied().unwrap_or(true)
                        && constraint.when.eval(&answers) == Some(true)
                    {
                        if let Some(flag) = violated.get_mut(s) {
                            *flag = true;
                        }
                        errors.push(CheckError::SafetyViolated {
                            constraint: constraint.id.clone(),
                            requires: constraint
                                .requires
                                .iter()
                                .map(|s| s.as_str().to_owned())
                                .collect(),
                            rule: protocol.rules.get(r).map(|r| r.id.clone()).unwrap_or_default(),
                            outcome,
                            answers: describe(&digits),
                        });
                    }
                }
            }
            None if !gap_reported => {
                gap_reported = true;
                errors.push(CheckError::NoRuleApplies { answers: describe(&digits) });
            }
            None => {}
        }
        // Next combination: an odometer, question 0 turning fastest.
        for (q, digit) in digits.iter_mut().enumerate() {
            let radix = classes.get(q).map_or(1, Vec::len);
            *digit += 1;
            if *digit < radix {
                if let Some(a) = answers.get_mut(q) {
                    *a = classes.get(q).and_then(|c| c.get(*digit)).copied();
                }
                break;
            }
            *digit = 0;
            if let Some(a) = answers.get_mut(q) {
                *a = classes.get(q).and_then(|c| c.first()).copied();
            }
        }
    }

    for (rule, count) in protocol.rules.iter().zip(&decided) {
        if *count == 0 {
            errors.push(CheckError::UnreachableRule { rule: rule.id.clone() });
        }
    }

    let outcome_at = |i: usize| -> Option<TriageOutcome> {
        fired.get(i).and_then(|r| protocol.rules.get(usize::from(*r))).map(|r| r.outcome)
    };
    let mut stride = 1usize;
    for (q, question) in protocol.questions.iter().enumerate() {
        let radix = classes.get(q).map_or(1, Vec::len);
        let matters = (0..total)
            .filter(|i| (i / stride).is_multiple_of(radix))
            .any(|i| (1..radix).any(|k| outcome_at(i) != outcome_at(i + k * stride)));
        if !matters {
            errors.push(CheckError::QuestionNeverMatters { question: question.id.clone() });
        }
        stride *= radix;
    }

    if errors.is_empty() {
        Ok(CheckReport {
            combinations: total as u64,
            decided_by: protocol.rules.iter().map(|r| r.id.clone()).zip(decided).collect(),
        })
    } else {
        Err(errors)
    }
}
