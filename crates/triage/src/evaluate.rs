//! Deciding one call: the first rule, in priority order, whose condition holds — whatever
//! the answers given as "unknown" are.
//!
//! Rules are evaluated in three-valued logic: an unanswered or unknown question makes a
//! comparison with it unknown. The first rule that is not plainly false decides:
//! - it holds: its outcome;
//! - it is open because a question it reads is not answered yet: ask that question;
//! - it is open only because of unknown answers: nobody can settle it, so the protocol's
//!   `when_unknown` outcome applies — the most protective outcome its constraints allow, which
//!   the checker proves — and the decision names the unknown answers that made it so.

use domain::TriageOutcome;

use crate::answers::{Answers, Value, show};
use crate::check::WHEN_UNKNOWN;
use crate::protocol::Protocol;

/// What the protocol decided, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub protocol: String,
    pub outcome: TriageOutcome,
    /// The rule that decided (`when_unknown` when unknown answers left a rule open).
    pub rule: String,
    pub why: String,
    /// The answers the decision rests on — those the deciding rule and the rules passed over
    /// read — as `(question, answer)`, in question order.
    pub read: Vec<(String, String)>,
    /// The rules before it, which did not apply.
    pub passed_over: Vec<String>,
    /// Questions answered "unknown" that the decision turned on: for a `when_unknown`
    /// decision, those that left the rule open (`rule`, they may make it apply); otherwise
    /// the unknown answers the deciding rule tested for. Empty when no unknown answer
    /// mattered.
    pub unknowns: Vec<String>,
    /// For a `when_unknown` decision, the rule the unknown answers left open.
    pub open_rule: Option<String>,
}

/// The result of evaluating a protocol on the answers so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluation {
    Decided(Decision),
    /// No decision yet: ask these questions, in this order. The first one is the next to ask;
    /// only questions that can still change the outcome are listed.
    NeedsAnswers {
        questions: Vec<String>,
        pending_rule: String,
    },
}

/// Evaluates `protocol` on `answers`.
pub fn evaluate(protocol: &Protocol, answers: &Answers) -> Evaluation {
    let mut passed_over = Vec::new();
    let mut read = Vec::new();
    let value = |q: usize| answers.0.get(q).copied().flatten();
    let unknown_among = |qs: &[usize]| -> Vec<String> {
        let mut qs: Vec<usize> =
            qs.iter().copied().filter(|q| value(*q) == Some(Value::Unknown)).collect();
        qs.sort_unstable();
        qs.iter().filter_map(|q| protocol.questions.get(*q)).map(|q| q.id.clone()).collect()
    };
    let trace = |read: &mut Vec<usize>| -> Vec<(String, String)> {
        read.sort_unstable();
        read.iter()
            .filter_map(|q| {
                let question = protocol.questions.get(*q)?;
                Some((question.id.clone(), show(protocol, question, value(*q)?)))
            })
            .collect()
    };
    for rule in &protocol.rules {
        match rule.when.eval(&answers.0) {
            Some(false) => {
                rule.when.questions(&mut read);
                passed_over.push(rule.id.clone());
            }
            Some(true) => {
                let mut own = Vec::new();
                rule.when.questions(&mut own);
                let unknowns = unknown_among(&own);
                rule.when.questions(&mut read);
                return Evaluation::Decided(Decision {
                    protocol: protocol.id.clone(),
                    outcome: rule.outcome,
                    rule: rule.id.clone(),
                    why: rule.why.clone(),
                    read: trace(&mut read),
                    passed_over,
                    unknowns,
                    open_rule: None,
                });
            }
            None => {
                let mut needed = Vec::new();
                rule.when.questions(&mut needed);
                let unknowns = unknown_among(&needed);
                needed.retain(|q| value(*q).is_none());
                if !needed.is_empty() {
                    needed.sort_unstable();
                    return Evaluation::NeedsAnswers {
                        questions: needed
                            .iter()
                            .filter_map(|q| protocol.questions.get(*q))
                            .map(|q| q.id.clone())
                            .collect(),
                        pending_rule: rule.id.clone(),
                    };
                }
                let Some(outcome) = protocol.when_unknown else {
                    // Only an unchecked protocol can end here: the checker requires
                    // when_unknown wherever unknown answers can leave a rule open.
                    return Evaluation::NeedsAnswers {
                        questions: Vec::new(),
                        pending_rule: rule.id.clone(),
                    };
                };
                rule.when.questions(&mut read);
                return Evaluation::Decided(Decision {
                    protocol: protocol.id.clone(),
                    outcome,
                    rule: WHEN_UNKNOWN.to_owned(),
                    why: format!(
                        "Unknown answers ({}) may make rule `{}` apply ({}), so the protocol's most protective outcome applies.",
                        unknowns.join(", "),
                        rule.id,
                        rule.outcome.as_str()
                    ),
                    read: trace(&mut read),
                    passed_over,
                    unknowns,
                    open_rule: Some(rule.id.clone()),
                });
            }
        }
    }
    // The checker proves some rule always applies; an unchecked protocol may still end here.
    Evaluation::NeedsAnswers { questions: Vec::new(), pending_rule: String::new() }
}
