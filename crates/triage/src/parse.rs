//! Reading a protocol file: TOML with unknown keys refused, then every name and condition
//! checked. Errors name the file, the line and what is wrong.

use std::fmt;
use std::ops::Range;

use domain::{Channel, Role, TriageOutcome};
use serde::Deserialize;
use toml::Spanned;

use crate::condition;
use crate::protocol::{
    Choice, Origin, Protocol, Question, QuestionKind, Rule, SafetyConstraint, Service,
};

/// Why a protocol file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ProtocolError {
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtocol {
    protocol: RawHeader,
    questions: Vec<RawQuestion>,
    rules: Vec<RawRule>,
    #[serde(default)]
    safety: Vec<RawSafety>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    title: String,
    channel: Spanned<String>,
    source: String,
    #[serde(default)]
    when_unknown: Option<Spanned<String>>,
    #[serde(default)]
    override_roles: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    text: String,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    choices: Option<Spanned<Vec<RawChoice>>>,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    floor: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawChoice {
    Id(String),
    Labelled { id: String, label: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    when: Spanned<String>,
    outcome: Spanned<String>,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSafety {
    id: Spanned<String>,
    when: Spanned<String>,
    #[serde(default)]
    requires: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    forbids: Option<Spanned<Vec<String>>>,
    why: String,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        self.text.get(..span.start).map_or(0, |before| before.matches('\n').count() + 1)
    }

    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ProtocolError {
        ProtocolError { file: self.file.to_owned(), line: self.line(span), message: message.into() }
    }
}

fn outcome_named(name: &str) -> Option<TriageOutcome> {
    TriageOutcome::parse(name)
}

fn outcome_names() -> String {
    TriageOutcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", ")
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

impl Protocol {
    /// Parses the protocol in `text`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, ProtocolError> {
        let ctx = Ctx { file, text };
        let raw: RawProtocol = toml::from_str(text).map_err(|e| ProtocolError {
            file: file.to_owned(),
            line: e.span().map_or(0, |s| ctx.line(s)),
            message: e.message().to_owned(),
        })?;
        let header = raw.protocol;
        if !valid_id(header.id.get_ref()) {
            return Err(ctx.err(
                header.id.span(),
                "protocol.id must be 1 to 64 characters of a-z, 0-9, _ and -",
            ));
        }
        let channel = Channel::parse(header.channel.get_ref()).ok_or_else(|| {
            ctx.err(header.channel.span(), "protocol.channel must be \"911\", \"988\" or \"other\"")
        })?;

        let mut questions: Vec<Question> = Vec::new();
        for q in raw.questions {
            let id = q.id.get_ref().clone();
            if !valid_id(&id)
                || matches!(
                    id.as_str(),
                    "and" | "or" | "not" | "in" | "true" | "false" | "yes" | "no" | "unknown"
                )
            {
                return Err(ctx.err(q.id.span(), format!("question id {id:?} must be 1 to 64 characters of a-z, 0-9, _ and - and not a keyword")));
            }
            if id.contains('-') {
                return Err(ctx.err(
                    q.id.span(),
                    format!("question id {id:?} is used in conditions: use _ instead of -"),
                ));
            }
            if questions.iter().any(|other| other.id == id) {
                return Err(ctx.err(q.id.span(), format!("question `{id}` is defined twice")));
            }
            let kind = match q.kind.get_ref().as_str() {
                "yes_no" => {
                    if q.choices.is_some() || q.min.is_some() || q.max.is_some() {
                        return Err(ctx.err(
                            q.kind.span(),
                            format!("question `{id}` is yes_no: it takes no choices, min or max"),
                        ));
                    }
                    QuestionKind::YesNo
                }
                "choice" => {
                    let Some(raw_choices) = q.choices else {
                        return Err(ctx.err(
                            q.kind.span(),
                            format!("question `{id}` is a choice: list its choices"),
                        ));
                    };
                    let span = raw_choices.span();
                    let choices: Vec<Choice> = raw_choices
                        .into_inner()
                        .into_iter()
                        .map(|c| match c {
                            RawChoice::Id(id) => Choice { label: id.clone(), id },
                            RawChoice::Labelled { id, label } => Choice { id, label },
                        })
                        .collect();
                    if choices.len() < 2 || choices.len() > 32 {
                        return Err(ctx.err(span, format!("question `{id}` needs 2 to 32 choices")));
                    }
                    for (n, c) in choices.iter().enumerate() {
                        if c.id == crate::answers::UNKNOWN {
                            return Err(ctx.err(
                                span.clone(),
                                format!("`{id}` lists a choice `unknown`: every question can be answered unknown already, so leave it out"),
                            ));
                        }
                        if !valid_id(&c.id) || c.id.contains('-') {
                            return Err(ctx.err(
                                span.clone(),
                                format!("choice {:?} of `{id}` must be a-z, 0-9 and _", c.id),
                            ));
                        }
                        if choices.iter().take(n).any(|o| o.id == c.id) {
                            return Err(ctx.err(
                                span.clone(),
                                format!("choice `{}` of `{id}` is listed twice", c.id),
                            ));
                        }
                    }
                    QuestionKind::Choice(choices)
                }
                "number" => match (q.min, q.max) {
                    (Some(min), Some(max)) if min < max => QuestionKind::Number { min, max },
                    _ => {
                        return Err(ctx.err(
                            q.kind.span(),
                            format!("question `{id}` is a number: give min and max with min < max"),
                        ));
                    }
                },
                other => {
                    return Err(ctx.err(
                        q.kind.span(),
                        format!("question `{id}` has type {other:?}; use yes_no, choice or number"),
                    ));
                }
            };
            let floor = match q.floor {
                None => None,
                Some(concept) => {
                    if kind != QuestionKind::YesNo {
                        return Err(ctx.err(
                            concept.span(),
                            format!("question `{id}` answers the safety floor's `{}`: it must be a yes_no question", concept.get_ref()),
                        ));
                    }
                    if questions.iter().any(|other| other.floor.as_ref() == Some(concept.get_ref()))
                    {
                        return Err(ctx.err(
                            concept.span(),
                            format!(
                                "two questions answer the safety floor's `{}`: tag only one",
                                concept.get_ref()
                            ),
                        ));
                    }
                    Some(concept.into_inner())
                }
            };
            questions.push(Question { id, text: q.text, kind, floor });
        }
        if questions.is_empty() {
            return Err(ProtocolError {
                file: file.to_owned(),
                line: 0,
                message: "the protocol asks no questions: add [[questions]]".into(),
            });
        }

        let condition = |name: &str, what: &str, when: &Spanned<String>| {
            condition::parse(when.get_ref(), &questions)
                .map_err(|e| ctx.err(when.span(), format!("{what} `{name}`: when: {e}")))
        };

        let mut rules: Vec<Rule> = Vec::new();
        for r in raw.rules {
            let id = r.id.get_ref().clone();
            if !valid_id(&id) {
                return Err(ctx.err(
                    r.id.span(),
                    format!("rule id {id:?} must be 1 to 64 characters of a-z, 0-9, _ and -"),
                ));
            }
            if rules.iter().any(|other| other.id == id) {
                return Err(ctx.err(r.id.span(), format!("rule `{id}` is defined twice")));
            }
            let outcome = TriageOutcome::parse(r.outcome.get_ref()).ok_or_else(|| {
                let known: Vec<&str> = TriageOutcome::ALL.iter().map(|o| o.as_str()).collect();
                ctx.err(
                    r.outcome.span(),
                    format!(
                        "rule `{id}`: unknown outcome {:?}; use one of {}",
                        r.outcome.get_ref(),
                        known.join(", ")
                    ),
                )
            })?;
            let when = condition(&id, "rule", &r.when)?;
            rules.push(Rule { id, when, outcome, why: r.why });
        }
        if rules.is_empty() {
            return Err(ProtocolError {
                file: file.to_owned(),
                line: 0,
                message: "the protocol has no rules: add [[rules]]".into(),
            });
        }

        let mut safety: Vec<SafetyConstraint> = Vec::new();
        for s in raw.safety {
            let id = s.id.get_ref().clone();
            if !valid_id(&id) || safety.iter().any(|other| other.id == id) {
                return Err(ctx.err(
                    s.id.span(),
                    format!("safety constraint id {id:?} is not a valid, unique id"),
                ));
            }
            let when = condition(&id, "safety constraint", &s.when)?;
            let mut requires = Vec::new();
            let mut span = s.id.span();
            if let Some(raw) = s.requires {
                span = raw.span();
                for name in raw.get_ref() {
                    requires.push(match name.as_str() {
                        "law_enforcement" => Service::LawEnforcement,
                        "ems" => Service::Ems,
                        other => {
                            return Err(ctx.err(span.clone(), format!("safety constraint `{id}`: requires {other:?}; use law_enforcement or ems")));
                        }
                    });
                }
            }
            let mut forbids = Vec::new();
            if let Some(raw) = s.forbids {
                span = raw.span();
                for name in raw.get_ref() {
                    forbids.push(outcome_named(name).ok_or_else(|| {
                        ctx.err(span.clone(), format!("safety constraint `{id}`: forbids {name:?}, which is not an outcome; use {}", outcome_names()))
                    })?);
                }
            }
            if requires.is_empty() && forbids.is_empty() {
                return Err(ctx.err(
                    span,
                    format!(
                        "safety constraint `{id}` demands nothing: give requires (law_enforcement, ems) and/or forbids (outcomes)"
                    ),
                ));
            }
            safety.push(SafetyConstraint {
                id,
                when,
                requires,
                forbids,
                why: s.why,
                origin: Origin::Protocol,
            });
        }

        let when_unknown = match header.when_unknown {
            None => None,
            Some(raw) => Some(outcome_named(raw.get_ref()).ok_or_else(|| {
                ctx.err(
                    raw.span(),
                    format!(
                        "protocol.when_unknown: {:?} is not an outcome; use {}",
                        raw.get_ref(),
                        outcome_names()
                    ),
                )
            })?),
        };
        let mut override_roles = Vec::new();
        if let Some(raw) = header.override_roles {
            for name in raw.get_ref() {
                let role: Role = name.parse().map_err(|e: domain::role::UnknownRole| {
                    ctx.err(raw.span(), format!("protocol.override_roles: {e}"))
                })?;
                if matches!(role, Role::Admin | Role::Responder) {
                    return Err(ctx.err(
                        raw.span(),
                        format!("protocol.override_roles: {role} does not handle calls and cannot override a decision"),
                    ));
                }
                override_roles.push(role);
            }
        }
        Ok(Self {
            id: header.id.into_inner(),
            title: header.title,
            channel,
            source: header.source,
            questions,
            rules,
            safety,
            when_unknown,
            override_roles,
        })
    }
}
