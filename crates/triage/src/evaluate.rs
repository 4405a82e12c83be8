//! Deciding one call: the first rule, in priority order, whose condition holds.

use domain::TriageOutcome;

use crate::answers::{Answers, show};
use crate::protocol::Protocol;

/// What the protocol decided, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub protocol: String,
    pub outcome: TriageOutcome,
    /// The rule that decided.
    pub rule: String,
    pub why: String,
    /// The answers the decision rests on — those the deciding rule and the rules passed over
    /// read — as `(question, answer)`, in question order.
    pub read: Vec<(String, String)>,
    /// The rules before it, which did not apply.
    pub passed_over: Vec<String>,
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

/// Evaluates `protocol` on `answers`. Unanswered questions are unknown: a rule that might
/// still hold stops evaluation and asks for what it reads.
pub fn evaluate(protocol: &Protocol, answers: &Answers) -> Evaluation {
    let mut passed_over = Vec::new();
    let mut read = Vec::new();
    for rule in &protocol.rules {
        match rule.when.eval(&answers.0) {
            Some(false) => {
                rule.when.questions(&mut read);
                passed_over.push(rule.id.clone());
            }
            Some(true) => {
                rule.when.questions(&mut read);
                read.sort_unstable();
                let read = read
                    .into_iter()
                    .filter_map(|q: usize| {
                        let question = protocol.questions.get(q)?;
                        let value = answers.0.get(q).copied().flatten()?;
                        Some((question.id.clone(), show(protocol, question, value)))
                    })
                    .collect();
                return Evaluation::Decided(Decision {
                    protocol: protocol.id.clone(),
                    outcome: rule.outcome,
                    rule: rule.id.clone(),
                    why: rule.why.clone(),
                    read,
                    passed_over,
                });
            }
            None => {
                let mut needed = Vec::new();
                rule.when.questions(&mut needed);
                needed.retain(|q| answers.0.get(*q).copied().flatten().is_none());
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
        }
    }
    // The checker proves some rule always applies; an unchecked protocol may still end here.
    Evaluation::NeedsAnswers { questions: Vec::new(), pending_rule: String::new() }
}
