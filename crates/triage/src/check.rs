//! The checker: proves a protocol safe for every combination of answers — "unknown" included
//! — against its own constraints and every safety floor, or finds a counterexample.
//!
//! How: every question's answers fall into finitely many classes that no condition can tell
//! apart — yes/no has two, a choice question one per choice, a number question is split at
//! the constants it is compared with (for each constant `t`: `t - 1`, `t`, `t + 1`, plus the
//! range's ends) — and every question has one more class, "unknown". The checker enumerates
//! every combination of classes — exhaustively, so its verdict is a proof, not a sample — and
//! decides each as [`crate::evaluate`] would: the first rule that holds whatever the unknown
//! answers are, or, when an unknown answer leaves a rule open, the protocol's `when_unknown`
//! outcome. A constraint whose condition holds, or may hold given the unknown answers, must
//! be satisfied by that outcome. 10 yes/no questions are 3^10 = 59,049 combinations;
//! protocols past [`MAX_COMBINATIONS`] are refused with advice to split them.

use std::fmt;

use domain::TriageOutcome;

use crate::answers::{Value, show};
use crate::floor::Floor;
use crate::protocol::{Protocol, QuestionKind, SafetyConstraint};

/// The most combinations the checker enumerates (about 67 million).
pub const MAX_COMBINATIONS: u64 = 1 << 26;

/// The most work the checker does, counted as it goes: condition terms evaluated (each
/// evaluation of a condition counts its whole size, whatever short-circuits) plus
/// [`WORK_PER_COMBINATION`] for each combination visited. About a second on one core at worst
/// (BENCHMARKS.md): a protocol that needs more is refused when the budget runs out, so no
/// check holds a request or a terminal for long, whatever the file.
pub const MAX_WORK: u64 = 350_000_000;

/// What visiting one combination costs besides its conditions, in condition terms (measured:
/// stepping to the next combination and bookkeeping take about as long as 16 terms).
pub const WORK_PER_COMBINATION: u64 = 16;

/// A protocol that passed: how much was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub combinations: u64,
    /// How many of them had at least one unknown answer.
    pub with_unknowns: u64,
    /// How many combinations each rule decided, in rule order.
    pub decided_by: Vec<(String, u64)>,
    /// How many the `when_unknown` outcome decided.
    pub decided_when_unknown: u64,
    /// The floor constraints proved, as `(floor, constraint)`.
    pub floor_proved: Vec<(String, String)>,
}

impl CheckReport {
    /// One paragraph: what was proved.
    pub fn summary(&self) -> String {
        let floor: Vec<String> = self.floor_proved.iter().map(|(_, c)| c.clone()).collect();
        format!(
            "holds for all {} combinations of answers ({} with unknown answers, {} decided by when_unknown); floor constraints proved: {}",
            self.combinations,
            self.with_unknowns,
            self.decided_when_unknown,
            if floor.is_empty() { "none apply".to_owned() } else { floor.join(", ") }
        )
    }
}

/// One way a protocol fails the checker, with its counterexample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// For these answers no rule applies: the protocol gives no outcome.
    NoRuleApplies { answers: Vec<(String, String)> },
    /// For these answers (some unknown) `rule` may or may not apply, and the protocol has no
    /// `when_unknown` outcome to fall back on.
    NoWhenUnknown { rule: String, answers: Vec<(String, String)> },
    /// For these answers `rule` (or the `when_unknown` outcome) decides `outcome`, which
    /// breaks `constraint`.
    SafetyViolated {
        /// The constraint, named with its origin (`safety constraint `x``, `floor constraint `y` of f`).
        constraint: String,
        /// Floor constraints are the product's guarantee; a violation is refused outright.
        floor: bool,
        missing: Vec<String>,
        forbidden: bool,
        rule: String,
        outcome: TriageOutcome,
        answers: Vec<(String, String)>,
    },
    /// The `when_unknown` outcome does not give what some constraint may demand.
    WhenUnknownNotProtective {
        outcome: TriageOutcome,
        constraint: String,
        demands: String,
        /// Whether the constraint is a safety floor's.
        floor: bool,
    },
    /// A floor constraint cannot be checked: the protocol does not ask one of its concepts.
    FloorConceptMissing { floor: String, constraint: String, concept: String, asks: String },
    /// A question says it answers a floor concept no floor defines.
    UnknownFloorConcept { question: String, concept: String },
    /// The rule never decides: every case it matches is decided by an earlier rule, or none.
    UnreachableRule { rule: String },
    /// No answer to the question ever changes the outcome: asking it wastes the caller's time.
    QuestionNeverMatters { question: String },
    /// Too many combinations to enumerate.
    TooLarge { combinations: u128 },
    /// The work budget ran out: the protocol is too complex to prove in about a second.
    TooComplex { combinations: u64, checked: u64, terms: u64 },
}

impl CheckError {
    /// Whether this error is about a safety floor: an upload that has one is refused, not
    /// stored as a failing version.
    pub const fn breaks_floor(&self) -> bool {
        matches!(
            self,
            Self::SafetyViolated { floor: true, .. }
                | Self::WhenUnknownNotProtective { floor: true, .. }
                | Self::FloorConceptMissing { .. }
                | Self::UnknownFloorConcept { .. }
        )
    }
}

fn list(answers: &[(String, String)]) -> String {
    answers.iter().map(|(q, a)| format!("{q} = {a}")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRuleApplies { answers } => write!(
                f,
                "no rule applies when {}; add a rule (or a final `when = \"true\"` rule) that covers it",
                list(answers)
            ),
            Self::NoWhenUnknown { rule, answers } => write!(
                f,
                "when {}, the unknown answers leave rule `{rule}` open and the protocol has no when_unknown outcome: set [protocol] when_unknown to the most protective outcome its constraints allow",
                list(answers)
            ),
            Self::SafetyViolated {
                constraint, missing, forbidden, rule, outcome, answers, ..
            } => {
                let decider = if rule == WHEN_UNKNOWN {
                    "the when_unknown outcome".to_owned()
                } else {
                    format!("rule `{rule}`")
                };
                let why = if *forbidden {
                    "which it forbids".to_owned()
                } else {
                    format!("which does not include {}", missing.join(" and "))
                };
                write!(
                    f,
                    "{constraint} is broken: when {}, {decider} decides {} {why}",
                    list(answers),
                    outcome.as_str()
                )
            }
            Self::WhenUnknownNotProtective { outcome, constraint, demands, .. } => write!(
                f,
                "when_unknown = {} is not the most protective outcome the constraints allow: {constraint} may demand {demands}",
                outcome.as_str()
            ),
            Self::FloorConceptMissing { floor, constraint, concept, asks } => write!(
                f,
                "the safety floor {floor} needs a question that answers `{concept}` (\"{asks}\") for its constraint `{constraint}`: tag the yes_no question that asks it with floor = \"{concept}\", or add one"
            ),
            Self::UnknownFloorConcept { question, concept } => write!(
                f,
                "question `{question}` answers the floor concept `{concept}`, which no safety floor defines"
            ),
            Self::UnreachableRule { rule } => write!(
                f,
                "rule `{rule}` can never decide: every case it matches is decided by an earlier rule"
            ),
            Self::QuestionNeverMatters { question } => write!(
                f,
                "question `{question}` never changes the outcome: remove it or use it in a rule"
            ),
            Self::TooComplex { combinations, checked, terms } => write!(
                f,
                "too complex to prove: after {checked} of its {combinations} combinations of answers the checker had spent its budget ({terms} of {MAX_WORK} units: condition terms evaluated, and {WORK_PER_COMBINATION} per combination); split the protocol, or remove questions or clauses"
            ),
            Self::TooLarge { combinations } => write!(
                f,
                "the protocol has {combinations} combinations of answers (\"unknown\" included), more than the {MAX_COMBINATIONS} the checker enumerates; split it into smaller protocols"
            ),
        }
    }
}

/// The rule name a `when_unknown` decision is recorded under.
pub const WHEN_UNKNOWN: &str = "when_unknown";

/// The answer classes of each question (see the module comment); "unknown" is always last.
fn classes(protocol: &Protocol, safety: &[SafetyConstraint]) -> Vec<Vec<Value>> {
    protocol
        .questions
        .iter()
        .enumerate()
        .map(|(index, q)| {
            let mut values = match &q.kind {
                QuestionKind::YesNo => vec![Value::Yes(false), Value::Yes(true)],
                QuestionKind::Choice(choices) => (0..choices.len()).map(Value::Choice).collect(),
                QuestionKind::Number { min, max } => {
                    let mut thresholds = Vec::new();
                    for rule in &protocol.rules {
                        rule.when.thresholds(index, &mut thresholds);
                    }
                    for s in safety {
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
            };
            values.push(Value::Unknown);
            values
        })
        .collect()
}

/// What decides one combination: a rule (its index), the `when_unknown` outcome, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decider {
    Rule(usize),
    /// Unknown answers leave rule `open` undecided.
    WhenUnknown {
        open: usize,
    },
    Nothing,
}

/// Decides a combination in which every question is answered (some unknown), as
/// [`crate::evaluate`] does.
fn decide(protocol: &Protocol, answers: &[Option<Value>]) -> Decider {
    for (i, rule) in protocol.rules.iter().enumerate() {
        match rule.when.eval(answers) {
            Some(false) => {}
            Some(true) => return Decider::Rule(i),
            None => return Decider::WhenUnknown { open: i },
        }
    }
    Decider::Nothing
}

/// Every constraint `protocol` must keep: its own, then each floor's (the platform floor
/// first, then `extra`); or why a floor cannot be checked.
pub fn constraints(
    protocol: &Protocol,
    extra: &[Floor],
) -> Result<Vec<SafetyConstraint>, Vec<CheckError>> {
    let floors: Vec<Floor> =
        std::iter::once(Floor::platform()).chain(extra.iter().cloned()).collect();
    let mut all = protocol.safety.clone();
    let mut errors = Vec::new();
    for q in &protocol.questions {
        if let Some(concept) = &q.floor
            && !Floor::defines(&floors, concept)
        {
            errors.push(CheckError::UnknownFloorConcept {
                question: q.id.clone(),
                concept: concept.clone(),
            });
        }
    }
    for floor in &floors {
        match floor.constraints_for(protocol) {
            Ok(found) => all.extend(found),
            Err(missing) => {
                errors.extend(missing.into_iter().map(|m| CheckError::FloorConceptMissing {
                    floor: m.floor,
                    constraint: m.constraint,
                    concept: m.concept,
                    asks: m.asks,
                }))
            }
        }
    }
    if errors.is_empty() { Ok(all) } else { Err(errors) }
}

/// Checks `protocol` against its own constraints, Crisisbridge's safety floor and the `extra`
/// floors a state added; every failure found comes with a counterexample.
pub fn check(protocol: &Protocol, extra: &[Floor]) -> Result<CheckReport, Vec<CheckError>> {
    // Floors read yes/no concepts only, so the protocol's own constraints give every
    // threshold: the size is known before the floors are read.
    let classes = classes(protocol, &protocol.safety);
    let total: u128 = classes.iter().map(|c| c.len() as u128).product();
    if total > u128::from(MAX_COMBINATIONS) {
        return Err(vec![CheckError::TooLarge { combinations: total }]);
    }
    let safety = constraints(protocol, extra)?;
    let combinations = u64::try_from(total).unwrap_or(u64::MAX);
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    let rule_sizes: Vec<u64> = protocol.rules.iter().map(|r| r.when.size()).collect();
    let safety_sizes: Vec<u64> = safety.iter().map(|s| s.when.size()).collect();
    let mut work = 0u64;
    let describe = |digits: &[usize]| -> Vec<(String, String)> {
        protocol
            .questions
            .iter()
            .zip(digits)
            .zip(&classes)
            .filter_map(|((q, d), c)| c.get(*d).map(|v| (q.id.clone(), show(protocol, q, *v))))
            .collect()
    };

    let mut errors = Vec::new();
    if let Some(outcome) = protocol.when_unknown {
        for s in safety.iter().filter(|s| !s.allows(outcome)) {
            errors.push(CheckError::WhenUnknownNotProtective {
                outcome,
                constraint: s.name(),
                demands: s.demands(),
                floor: s.origin != crate::protocol::Origin::Protocol,
            });
        }
    }

    // What decided each combination: a rule index, WHEN_UNKNOWN_AT, or NONE.
    const NONE: u16 = u16::MAX;
    const WHEN_UNKNOWN_AT: u16 = u16::MAX - 1;
    let mut fired = vec![NONE; total];
    let mut decided = vec![0u64; protocol.rules.len()];
    let mut decided_when_unknown = 0u64;
    let mut with_unknowns = 0u64;
    let mut gap_reported = false;
    let mut when_unknown_missing_reported = false;
    let mut violated = vec![false; safety.len()];
    let mut digits = vec![0usize; classes.len()];
    let mut answers: Vec<Option<Value>> = classes.iter().map(|c| c.first().copied()).collect();

    for (n, slot) in fired.iter_mut().enumerate() {
        if work > MAX_WORK {
            return Err(vec![CheckError::TooComplex {
                combinations,
                checked: n as u64,
                terms: work,
            }]);
        }
        let has_unknown = answers.contains(&Some(Value::Unknown));
        if has_unknown {
            with_unknowns += 1;
        }
        let decider = decide(protocol, &answers);
        let evaluated = match decider {
            Decider::Rule(r) | Decider::WhenUnknown { open: r } => r + 1,
            Decider::Nothing => rule_sizes.len(),
        };
        work += WORK_PER_COMBINATION + rule_sizes.iter().take(evaluated).sum::<u64>();
        let (outcome, rule_name) = match decider {
            Decider::Rule(r) => {
                *slot = u16::try_from(r).unwrap_or(NONE);
                if let Some(count) = decided.get_mut(r) {
                    *count += 1;
                }
                let rule = protocol.rules.get(r);
                (rule.map(|r| r.outcome), rule.map(|r| r.id.clone()).unwrap_or_default())
            }
            Decider::WhenUnknown { open } => match protocol.when_unknown {
                Some(outcome) => {
                    *slot = WHEN_UNKNOWN_AT;
                    decided_when_unknown += 1;
                    (Some(outcome), WHEN_UNKNOWN.to_owned())
                }
                None => {
                    if !when_unknown_missing_reported {
                        when_unknown_missing_reported = true;
                        errors.push(CheckError::NoWhenUnknown {
                            rule: protocol
                                .rules
                                .get(open)
                                .map(|r| r.id.clone())
                                .unwrap_or_default(),
                            answers: describe(&digits),
                        });
                    }
                    (None, String::new())
                }
            },
            Decider::Nothing => {
                if !gap_reported {
                    gap_reported = true;
                    errors.push(CheckError::NoRuleApplies { answers: describe(&digits) });
                }
                (None, String::new())
            }
        };
        if let Some(outcome) = outcome {
            for (s, constraint) in safety.iter().enumerate() {
                if constraint.allows(outcome) || violated.get(s).copied().unwrap_or(true) {
                    continue;
                }
                work += safety_sizes.get(s).copied().unwrap_or(1);
                // Holds, or may hold given the unknown answers.
                if constraint.when.eval(&answers) != Some(false) {
                    if let Some(flag) = violated.get_mut(s) {
                        *flag = true;
                    }
                    errors.push(CheckError::SafetyViolated {
                        constraint: constraint.name(),
                        floor: constraint.origin != crate::protocol::Origin::Protocol,
                        missing: constraint
                            .requires
                            .iter()
                            .filter(|service| !service.included_in(outcome))
                            .map(|service| service.as_str().to_owned())
                            .collect(),
                        forbidden: constraint.forbids.contains(&outcome),
                        rule: rule_name.clone(),
                        outcome,
                        answers: describe(&digits),
                    });
                }
            }
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
        match fired.get(i).copied() {
            Some(WHEN_UNKNOWN_AT) => protocol.when_unknown,
            Some(r) => protocol.rules.get(usize::from(r)).map(|r| r.outcome),
            None => None,
        }
    };
    // A question matters when some change between its known answers changes the outcome.
    let mut stride = 1usize;
    for (q, question) in protocol.questions.iter().enumerate() {
        let radix = classes.get(q).map_or(1, Vec::len);
        let known = radix.saturating_sub(1);
        let matters = (0..total)
            .filter(|i| (i / stride).is_multiple_of(radix))
            .any(|i| (1..known).any(|k| outcome_at(i) != outcome_at(i + k * stride)));
        if !matters {
            errors.push(CheckError::QuestionNeverMatters { question: question.id.clone() });
        }
        stride *= radix;
    }

    if errors.is_empty() {
        Ok(CheckReport {
            combinations: total as u64,
            with_unknowns,
            decided_by: protocol.rules.iter().map(|r| r.id.clone()).zip(decided).collect(),
            decided_when_unknown,
            floor_proved: safety
                .iter()
                .filter_map(|s| match &s.origin {
                    crate::protocol::Origin::Floor(f) => Some((f.clone(), s.id.clone())),
                    crate::protocol::Origin::Protocol => None,
                })
                .collect(),
        })
    } else {
        Err(errors)
    }
}
