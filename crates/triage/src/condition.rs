//! Conditions over answers: a small expression language, parsed against the protocol's
//! questions so that every name and every comparison is checked before a protocol is used.
//!
//! ```text
//! condition  := or
//! or         := and ("or" and)*
//! and        := unary ("and" unary)*
//! unary      := "not" unary | atom
//! atom       := "(" condition ")" | "true" | "false" | QUESTION [op value]
//! op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "in"
//! value      := "yes" | "no" | "unknown" | INTEGER | CHOICE | "[" CHOICE ("," CHOICE)* "]"
//! ```
//!
//! A yes/no question alone means "answered yes" (`weapon` is `weapon = yes`).
//!
//! Every question can be answered "unknown" (the caller cannot say). A comparison with a
//! question answered unknown is itself unknown — in three-valued logic it may be true or
//! false — except `QUESTION = unknown` (and `!= unknown`), which tests for exactly that
//! answer, so a protocol can say what an unknown answer calls for.

use std::fmt;

use crate::answers::Value;
use crate::protocol::{Question, QuestionKind};

/// A parsed condition. Questions are referred to by their index in the protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Const(bool),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    /// A yes/no question answered `yes` (true) or `no` (false).
    Is {
        question: usize,
        yes: bool,
    },
    /// A choice question answered with one of these choice indices.
    OneOf {
        question: usize,
        choices: Vec<usize>,
    },
    /// A number question compared with a constant.
    Compare {
        question: usize,
        op: Op,
        value: i64,
    },
    /// Any question answered "unknown".
    IsUnknown {
        question: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Self::Eq => a == b,
            Self::Ne => a != b,
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Gt => a > b,
            Self::Ge => a >= b,
        }
    }
}

impl Condition {
    /// Three-valued evaluation: `None` when the answers given do not settle it.
    pub fn eval(&self, answers: &[Option<Value>]) -> Option<bool> {
        match self {
            Self::Const(b) => Some(*b),
            Self::Not(c) => c.eval(answers).map(|b| !b),
            Self::And(cs) => {
                let mut unknown = false;
                for c in cs {
                    match c.eval(answers) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            Self::Or(cs) => {
                let mut unknown = false;
                for c in cs {
                    match c.eval(answers) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown { None } else { Some(false) }
            }
            Self::Is { question, yes } => match answers.get(*question).copied().flatten()? {
                Value::Yes(v) => Some(v == *yes),
                _ => None,
            },
            Self::OneOf { question, choices } => match answers.get(*question).copied().flatten()? {
                Value::Choice(c) => Some(choices.contains(&c)),
                _ => None,
            },
            Self::Compare { question, op, value } => {
                match answers.get(*question).copied().flatten()? {
                    Value::Number(n) => Some(op.holds(n, *value)),
                    _ => None,
                }
            }
            Self::IsUnknown { question } => {
                answers.get(*question).copied().flatten().map(|v| v == Value::Unknown)
            }
        }
    }

    /// The same condition over other question numbers: `map(q)` for each question `q`. Used
    /// to read a safety floor's conditions, written over its concepts, as conditions over
    /// the questions of a protocol that answer them.
    pub fn map_questions(&self, map: &dyn Fn(usize) -> usize) -> Self {
        match self {
            Self::Const(b) => Self::Const(*b),
            Self::Not(c) => Self::Not(Box::new(c.map_questions(map))),
            Self::And(cs) => Self::And(cs.iter().map(|c| c.map_questions(map)).collect()),
            Self::Or(cs) => Self::Or(cs.iter().map(|c| c.map_questions(map)).collect()),
            Self::Is { question, yes } => Self::Is { question: map(*question), yes: *yes },
            Self::OneOf { question, choices } => {
                Self::OneOf { question: map(*question), choices: choices.clone() }
            }
            Self::Compare { question, op, value } => {
                Self::Compare { question: map(*question), op: *op, value: *value }
            }
            Self::IsUnknown { question } => Self::IsUnknown { question: map(*question) },
        }
    }

    /// How many terms the condition has: a bound on what evaluating it once costs.
    pub fn size(&self) -> u64 {
        match self {
            Self::Not(c) => 1 + c.size(),
            Self::And(cs) | Self::Or(cs) => 1 + cs.iter().map(Self::size).sum::<u64>(),
            _ => 1,
        }
    }

    /// Every question the condition reads, each once, in the order they appear.
    pub fn questions(&self, out: &mut Vec<usize>) {
        match self {
            Self::Const(_) => {}
            Self::Not(c) => c.questions(out),
            Self::And(cs) | Self::Or(cs) => cs.iter().for_each(|c| c.questions(out)),
            Self::Is { question, .. }
            | Self::OneOf { question, .. }
            | Self::Compare { question, .. }
            | Self::IsUnknown { question } => {
                if !out.contains(question) {
                    out.push(*question);
                }
            }
        }
    }

    /// The constants a number question is compared with, for the checker's case split.
    pub fn thresholds(&self, question: usize, out: &mut Vec<i64>) {
        match self {
            Self::Not(c) => c.thresholds(question, out),
            Self::And(cs) | Self::Or(cs) => cs.iter().for_each(|c| c.thresholds(question, out)),
            Self::Compare { question: q, value, .. } if *q == question => out.push(*value),
            _ => {}
        }
    }
}

/// Why a condition could not be parsed; `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Int(i64),
    Sym(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ConditionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                i += 1;
            }
            tokens.push((
                column,
                Token::Word(chars.get(start..i).unwrap_or_default().iter().collect()),
            ));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            let digits: String = chars.get(start..i).unwrap_or_default().iter().collect();
            let n = digits.parse().map_err(|_| ConditionError {
                column,
                message: format!("{digits} is not a whole number that fits"),
            })?;
            tokens.push((column, Token::Int(n)));
        } else {
            let two: String = chars.get(i..i + 2).unwrap_or_default().iter().collect();
            let sym = match (two.as_str(), c) {
                ("!=", _) => "!=",
                ("<=", _) => "<=",
                (">=", _) => ">=",
                (_, '=') => "=",
                (_, '<') => "<",
                (_, '>') => ">",
                (_, '(') => "(",
                (_, ')') => ")",
                (_, '[') => "[",
                (_, ']') => "]",
                (_, ',') => ",",
                _ => {
                    return Err(ConditionError {
                        column,
                        message: format!("unexpected character {c:?}"),
                    });
                }
            };
            i += sym.len();
            tokens.push((column, Token::Sym(sym)));
        }
    }
    Ok(tokens)
}

/// How deeply parentheses and `not`s may nest. Conditions are written by people: a few levels
/// are all any county needs, and a bound keeps parsing, checking and evaluating — all
/// recursive over the condition — far from any stack limit, whatever a file holds.
pub const MAX_NESTING: usize = 32;

/// Parses `text` against `questions`.
pub fn parse(text: &str, questions: &[Question]) -> Result<Condition, ConditionError> {
    let tokens = tokenize(text)?;
    let end = text.chars().count() + 1;
    let mut parser = Parser { tokens, pos: 0, questions, end, depth: 0 };
    let condition = parser.or()?;
    match parser.peek() {
        None => Ok(condition),
        Some((column, token)) => Err(ConditionError {
            column,
            message: format!("unexpected {} after a complete condition", describe(token)),
        }),
    }
}

struct Parser<'a> {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    questions: &'a [Question],
    /// Column just past the end, for "ended too early" errors.
    end: usize,
    /// Parentheses and `not`s open around the current position.
    depth: usize,
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("`{w}`"),
        Token::Int(n) => format!("`{n}`"),
        Token::Sym(s) => format!("`{s}`"),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<(usize, &Token)> {
        self.tokens.get(self.pos).map(|(c, t)| (*c, t))
    }

    fn next(&mut self, expected: &str) -> Result<(usize, Token), ConditionError> {
        let token = self.tokens.get(self.pos).cloned().ok_or_else(|| ConditionError {
            column: self.end,
            message: format!("the condition ends where {expected} was expected"),
        })?;
        self.pos += 1;
        Ok(token)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some((_, Token::Word(w))) if w == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some((_, Token::Sym(s))) if *s == sym) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.and()?];
        while self.eat_word("or") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Condition::Or(parts) })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.unary()?];
        while self.eat_word("and") {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Condition::And(parts) })
    }

    /// Enters one more level of nesting at `column`, or refuses past [`MAX_NESTING`].
    fn nest(&mut self, column: usize) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ConditionError {
                column,
                message: format!(
                    "parentheses and `not`s nest more than {MAX_NESTING} deep here; write the condition flatter"
                ),
            });
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Condition, ConditionError> {
        let column = self.peek().map_or(self.end, |(c, _)| c);
        if self.eat_word("not") {
            self.nest(column)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Condition, ConditionError> {
        let (column, token) = self.next("a question, `true`, `false`, `not` or `(`")?;
        match token {
            Token::Sym("(") => {
                self.nest(column)?;
                let inner = self.or()?;
                if !self.eat_sym(")") {
                    let column = self.peek().map_or(self.end, |(c, _)| c);
                    return Err(ConditionError { column, message: "`)` expected".into() });
                }
                self.depth -= 1;
                Ok(inner)
            }
            Token::Word(w) if w == "true" => Ok(Condition::Const(true)),
            Token::Word(w) if w == "false" => Ok(Condition::Const(false)),
            Token::Word(name) => self.comparison(column, &name),
            other => Err(ConditionError {
                column,
                message: format!("expected a question, found {}", describe(&other)),
            }),
        }
    }

    fn comparison(&mut self, column: usize, name: &str) -> Result<Condition, ConditionError> {
        let Some((index, question)) = self.questions.iter().enumerate().find(|(_, q)| q.id == name)
        else {
            let known: Vec<&str> = self.questions.iter().map(|q| q.id.as_str()).collect();
            return Err(ConditionError {
                column,
                message: format!(
                    "unknown question `{name}`; the questions are {}",
                    known.join(", ")
                ),
            });
        };
        let op = match self.peek() {
            Some((_, Token::Sym(s))) if ["=", "!=", "<", "<=", ">", ">="].contains(s) => {
                let s = *s;
                self.pos += 1;
                Some(s)
            }
            Some((_, Token::Word(w))) if w == "in" => {
                self.pos += 1;
                Some("in")
            }
            _ => None,
        };
        if matches!(op, Some("=" | "!="))
            && matches!(self.peek(), Some((_, Token::Word(w))) if w == "unknown")
        {
            self.pos += 1;
            let unknown = Condition::IsUnknown { question: index };
            return Ok(if op == Some("!=") { Condition::Not(Box::new(unknown)) } else { unknown });
        }
        match (&question.kind, op) {
            (QuestionKind::YesNo, None) => Ok(Condition::Is { question: index, yes: true }),
            (QuestionKind::YesNo, Some(op @ ("=" | "!="))) => {
                let (vcol, value) = self.next("`yes` or `no`")?;
                let yes = match value {
                    Token::Word(w) if w == "yes" => true,
                    Token::Word(w) if w == "no" => false,
                    other => {
                        return Err(ConditionError {
                            column: vcol,
                            message: format!(
                                "`{name}` is a yes/no question: compare it with yes, no or unknown, not {}",
                                describe(&other)
                            ),
                        });
                    }
                };
                Ok(Condition::Is { question: index, yes: if op == "=" { yes } else { !yes } })
            }
            (QuestionKind::Choice(choices), Some(op @ ("=" | "!=" | "in"))) => {
                let picked = if op == "in" {
                    self.choice_list(name, choices)?
                } else {
                    vec![self.choice(name, choices)?]
                };
                let condition = Condition::OneOf { question: index, choices: picked };
                Ok(if op == "!=" { Condition::Not(Box::new(condition)) } else { condition })
            }
            (QuestionKind::Number { min, max }, Some(op)) if op != "in" => {
                let (vcol, value) = self.next("a whole number")?;
                let Token::Int(value) = value else {
                    return Err(ConditionError {
                        column: vcol,
                        message: format!(
                            "`{name}` is a number question: compare it with a whole number, not {}",
                            describe(&value)
                        ),
                    });
                };
                if value < *min || value > *max {
                    return Err(ConditionError {
                        column: vcol,
                        message: format!("{value} is outside `{name}`'s range [{min}, {max}]"),
                    });
                }
                let op = match op {
                    "=" => Op::Eq,
                    "!=" => Op::Ne,
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    ">" => Op::Gt,
                    _ => Op::Ge,
                };
                Ok(Condition::Compare { question: index, op, value })
            }
            (kind, op) => {
                let allowed = match kind {
                    QuestionKind::YesNo => "alone, or with = yes / = no / = unknown (or !=)",
                    QuestionKind::Choice(_) => {
                        "with =, != or in [...] and its choices, or = unknown"
                    }
                    QuestionKind::Number { .. } => {
                        "with =, !=, <, <=, > or >= and a whole number, or = unknown"
                    }
                };
                let found = op.map_or_else(|| "nothing".to_owned(), |o| format!("`{o}`"));
                Err(ConditionError {
                    column,
                    message: format!("`{name}` can be used {allowed}; found {found}"),
                })
            }
        }
    }

    fn choice(
        &mut self,
        name: &str,
        choices: &[crate::protocol::Choice],
    ) -> Result<usize, ConditionError> {
        let (column, token) = self.next("a choice")?;
        let Token::Word(word) = &token else {
            return Err(ConditionError {
                column,
                message: format!("expected one of `{name}`'s choices, found {}", describe(&token)),
            });
        };
        choices.iter().position(|c| &c.id == word).ok_or_else(|| {
            let known: Vec<&str> = choices.iter().map(|c| c.id.as_str()).collect();
            ConditionError {
                column,
                message: format!(
                    "`{word}` is not a choice of `{name}`; its choices are {}",
                    known.join(", ")
                ),
            }
        })
    }

    fn choice_list(
        &mut self,
        name: &str,
        choices: &[crate::protocol::Choice],
    ) -> Result<Vec<usize>, ConditionError> {
        if !self.eat_sym("[") {
            let column = self.peek().map_or(self.end, |(c, _)| c);
            return Err(ConditionError {
                column,
                message: "`in` needs a list such as [low, moderate]".into(),
            });
        }
        let mut picked = vec![self.choice(name, choices)?];
        while self.eat_sym(",") {
            picked.push(self.choice(name, choices)?);
        }
        if !self.eat_sym("]") {
            let column = self.peek().map_or(self.end, |(c, _)| c);
            return Err(ConditionError { column, message: "`]` expected".into() });
        }
        Ok(picked)
    }
}
