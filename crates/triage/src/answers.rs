//! Answers to a protocol's questions, checked against each question's type.

use crate::protocol::{Protocol, QuestionKind};

/// One answer, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value {
    Yes(bool),
    /// Index into the question's choices.
    Choice(usize),
    Number(i64),
    /// The caller cannot say. Valid for every question.
    Unknown,
}

/// An answer as it arrives from outside, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerInput {
    Bool(bool),
    Text(String),
    Number(f64),
    /// The caller cannot say (JSON `null` or `"unknown"`).
    Unknown,
}

/// The word for an unknown answer, in requests, conditions and traces.
pub const UNKNOWN: &str = "unknown";

/// Answers by question index; `None` is not answered (yet), `Some(Value::Unknown)` answered
/// "unknown".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers(pub(crate) Vec<Option<Value>>);

/// An answer that does not fit its question.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("answers.{question}: {problem}")]
pub struct AnswerError {
    pub question: String,
    pub problem: String,
}

impl Answers {
    /// Checks `(question id, answer)` pairs against `protocol`.
    pub fn parse<'a>(
        protocol: &Protocol,
        pairs: impl IntoIterator<Item = (&'a str, &'a AnswerInput)>,
    ) -> Result<Self, AnswerError> {
        let mut values = vec![None; protocol.questions.len()];
        for (id, input) in pairs {
            let err = |problem: String| AnswerError { question: id.to_owned(), problem };
            let Some((index, question)) = protocol.question(id) else {
                return Err(err(format!("protocol {} has no such question", protocol.id)));
            };
            let value = match (&question.kind, input) {
                (_, AnswerInput::Unknown) => Value::Unknown,
                (_, AnswerInput::Text(t)) if t == UNKNOWN => Value::Unknown,
                (QuestionKind::YesNo, AnswerInput::Bool(b)) => Value::Yes(*b),
                (QuestionKind::YesNo, AnswerInput::Text(t)) if t == "yes" || t == "no" => {
                    Value::Yes(t == "yes")
                }
                (QuestionKind::YesNo, _) => {
                    return Err(err(
                        "answer true or false (or \"yes\" / \"no\"), or \"unknown\"".into()
                    ));
                }
                (QuestionKind::Choice(choices), AnswerInput::Text(t)) => {
                    let position = choices.iter().position(|c| &c.id == t);
                    Value::Choice(position.ok_or_else(|| {
                        let known: Vec<&str> = choices.iter().map(|c| c.id.as_str()).collect();
                        err(format!(
                            "{t:?} is not a choice; answer one of {}, or \"unknown\"",
                            known.join(", ")
                        ))
                    })?)
                }
                (QuestionKind::Choice(_), _) => {
                    return Err(err(
                        "answer with one of the choices, as a string, or \"unknown\"".into()
                    ));
                }
                (QuestionKind::Number { min, max }, AnswerInput::Number(n)) => {
                    if n.fract() != 0.0 || !n.is_finite() || *n < *min as f64 || *n > *max as f64 {
                        return Err(err(format!("{n} is not a whole number in [{min}, {max}]")));
                    }
                    #[allow(clippy::cast_possible_truncation)]
                    Value::Number(*n as i64)
                }
                (QuestionKind::Number { min, max }, _) => {
                    return Err(err(format!(
                        "answer a whole number in [{min}, {max}], or \"unknown\""
                    )));
                }
            };
            if let Some(slot) = values.get_mut(index) {
                *slot = Some(value);
            }
        }
        Ok(Self(values))
    }

    /// Every answer given, as `(question id, readable value)`, in question order.
    pub fn describe(&self, protocol: &Protocol) -> Vec<(String, String)> {
        protocol
            .questions
            .iter()
            .zip(&self.0)
            .filter_map(|(q, v)| v.map(|v| (q.id.clone(), show(protocol, q, v))))
            .collect()
    }
}

pub(crate) fn show(
    _protocol: &Protocol,
    question: &crate::protocol::Question,
    value: Value,
) -> String {
    match (value, &question.kind) {
        (Value::Unknown, _) => UNKNOWN.into(),
        (Value::Yes(true), _) => "yes".into(),
        (Value::Yes(false), _) => "no".into(),
        (Value::Choice(i), QuestionKind::Choice(choices)) => {
            choices.get(i).map_or_else(|| i.to_string(), |c| c.id.clone())
        }
        (Value::Choice(i), _) => i.to_string(),
        (Value::Number(n), _) => n.to_string(),
    }
}
