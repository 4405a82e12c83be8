//! 911 calls through the agency's own triage protocol: answers drawn from a scenario's answer
//! mix, each call decided by `triage::evaluate` — the code that decides live calls — after the
//! protocol passed the product's checker and safety floors. The shares of outcomes split the
//! 911 calls (a Poisson stream split call by call stays Poisson): the mobile crisis and
//! co-response share becomes the teams' calls, the 988 diversions the 988 line's contacts.

use std::collections::BTreeMap;

use domain::TriageOutcome;
use triage::{AnswerInput, Answers, Evaluation, Protocol};

use crate::rng::Rng;

/// How callers answer one question: each answer (`"yes"`, a choice's id, a whole number, or
/// `"unknown"`) with its share.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerMix {
    pub question: String,
    pub answers: Vec<(String, f64)>,
}

/// Each outcome's share of the calls, over `draws` seeded draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutcomeShares {
    pub protocol: String,
    pub draws: usize,
    /// By outcome name (`divert_988`, `mobile_crisis`, …).
    pub shares: BTreeMap<String, f64>,
}

impl OutcomeShares {
    pub fn share(&self, outcome: TriageOutcome) -> f64 {
        self.shares.get(outcome.as_str()).copied().unwrap_or(0.0)
    }

    /// The share that sends a mobile crisis team (alone or with police).
    pub fn team_share(&self) -> f64 {
        self.share(TriageOutcome::MobileCrisis) + self.share(TriageOutcome::CoResponse)
    }
}

/// Checks the mix against the protocol: every question has a mix, every answer fits its
/// question, every share is 0 to 1 and each question's shares sum to 1.
pub fn check(protocol: &Protocol, mix: &[AnswerMix]) -> Result<(), String> {
    for question in &protocol.questions {
        if !mix.iter().any(|m| m.question == question.id) {
            return Err(format!(
                "question {} of protocol {} has no answer mix: give the share of callers giving each answer",
                question.id, protocol.id
            ));
        }
    }
    for m in mix {
        if protocol.question(&m.question).is_none() {
            return Err(format!("protocol {} has no question {}", protocol.id, m.question));
        }
        let mut total = 0.0;
        for (answer, share) in &m.answers {
            if !(share.is_finite() && (0.0..=1.0).contains(share)) {
                return Err(format!(
                    "{}: {answer} = {share}: give a share from 0 to 1",
                    m.question
                ));
            }
            let input = input(protocol, &m.question, answer);
            Answers::parse(protocol, [(m.question.as_str(), &input)]).map_err(|e| e.to_string())?;
            total += share;
        }
        if (total - 1.0).abs() > 1e-6 {
            return Err(format!("{}: the shares sum to {total}: make them sum to 1", m.question));
        }
    }
    Ok(())
}

/// An answer as a live client sends it: text for yes/no and choice questions (`"yes"`, a
/// choice's id, `"unknown"`), a number for number questions.
fn input(protocol: &Protocol, question: &str, answer: &str) -> AnswerInput {
    let number = matches!(
        protocol.question(question).map(|(_, q)| &q.kind),
        Some(triage::QuestionKind::Number { .. })
    );
    match answer.trim().parse::<f64>() {
        Ok(n) if number => AnswerInput::Number(n),
        _ => AnswerInput::Text(answer.to_owned()),
    }
}

/// One caller's answers drawn from a mix, and what the protocol decided on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// `None`: the protocol could not decide on these answers.
    pub outcome: Option<TriageOutcome>,
    /// The rule that decided.
    pub rule: String,
    /// The answers as the product records them, `(question, answer)`.
    pub answers: Vec<(String, String)>,
}

/// A protocol with an answer mix (checked), ready to decide calls.
#[derive(Debug)]
pub struct Mix<'p> {
    protocol: &'p Protocol,
    inputs: Vec<(String, Vec<(AnswerInput, f64)>)>,
}

impl<'p> Mix<'p> {
    pub fn new(protocol: &'p Protocol, mix: &[AnswerMix]) -> Self {
        let inputs = mix
            .iter()
            .map(|m| {
                let answers =
                    m.answers.iter().map(|(a, s)| (input(protocol, &m.question, a), *s)).collect();
                (m.question.clone(), answers)
            })
            .collect();
        Self { protocol, inputs }
    }

    /// One caller: an answer to every question drawn by its shares, decided by
    /// `triage::evaluate`.
    pub fn draw(&self, rng: &mut Rng) -> Drawn {
        let chosen: Vec<(&str, &AnswerInput)> = self
            .inputs
            .iter()
            .filter_map(|(q, answers)| {
                let mut u = rng.uniform();
                let pick = answers.iter().find(|(_, s)| {
                    u -= s;
                    u <= 0.0
                });
                pick.or_else(|| answers.iter().rev().find(|(_, s)| *s > 0.0))
                    .map(|(a, _)| (q.as_str(), a))
            })
            .collect();
        let undecided = Drawn { outcome: None, rule: String::new(), answers: Vec::new() };
        let Ok(answers) = Answers::parse(self.protocol, chosen) else { return undecided };
        match triage::evaluate(self.protocol, &answers) {
            Evaluation::Decided(d) => Drawn {
                outcome: Some(d.outcome),
                rule: d.rule,
                answers: answers.describe(self.protocol),
            },
            Evaluation::NeedsAnswers { .. } => {
                Drawn { answers: answers.describe(self.protocol), ..undecided }
            }
        }
    }

    /// A caller whose decision satisfies `wanted`: callers drawn until one does (at most
    /// `tries`); `None` if none did.
    pub fn draw_where(
        &self,
        rng: &mut Rng,
        tries: usize,
        wanted: impl Fn(Option<TriageOutcome>) -> bool,
    ) -> Option<Drawn> {
        (0..tries).map(|_| self.draw(rng)).find(|d| wanted(d.outcome))
    }
}

/// Decides `draws` calls with answers drawn from `mix` (checked) and counts the outcomes.
pub fn shares(protocol: &Protocol, mix: &[AnswerMix], draws: usize, seed: u64) -> OutcomeShares {
    let mut rng = Rng::seeded(seed);
    let mix = Mix::new(protocol, mix);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..draws {
        let outcome = mix.draw(&mut rng).outcome.map_or("undecided", TriageOutcome::as_str);
        *counts.entry(outcome.to_owned()).or_default() += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let shares = counts.into_iter().map(|(k, n)| (k, n as f64 / draws.max(1) as f64)).collect();
    OutcomeShares { protocol: protocol.id.clone(), draws, shares }
}
