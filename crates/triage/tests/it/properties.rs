//! Properties of evaluation, against the checker's exhaustive enumeration.

use proptest::prelude::*;
use triage::{AnswerInput, Answers, Evaluation, QuestionKind, check, evaluate};

use crate::sample;

/// A yes/no answer: no, yes, or unknown.
fn yes_no(n: u8) -> AnswerInput {
    match n {
        0 => AnswerInput::Bool(false),
        1 => AnswerInput::Bool(true),
        _ => AnswerInput::Unknown,
    }
}

/// A full set of answers to the sample protocol, ages drawn from the whole range; every
/// answer is sometimes unknown.
fn full_answers() -> impl Strategy<Value = Vec<(String, AnswerInput)>> {
    (
        proptest::collection::vec(0..3u8, 5),
        0..4usize,
        prop_oneof![Just(None), (0..=120i64).prop_map(Some)],
    )
        .prop_map(|(yes_no_answers, r, age)| {
            let mut pairs: Vec<(String, AnswerInput)> =
                ["weapon", "attempt", "violence", "medical", "consent"]
                    .iter()
                    .zip(yes_no_answers)
                    .map(|(q, n)| ((*q).to_owned(), yes_no(n)))
                    .collect();
            pairs.push((
                "risk".into(),
                ["low", "moderate", "high"]
                    .get(r)
                    .map_or(AnswerInput::Unknown, |c| AnswerInput::Text((*c).into())),
            ));
            pairs.push((
                "age".into(),
                age.map_or(AnswerInput::Unknown, |a| AnswerInput::Number(a as f64)),
            ));
            pairs
        })
}

/// Every way the unknown answers of `pairs` could have been known.
fn completions(pairs: &[(String, AnswerInput)]) -> Vec<Vec<(String, AnswerInput)>> {
    let mut all = vec![Vec::new()];
    for (q, a) in pairs {
        let options: Vec<AnswerInput> = match (a, q.as_str()) {
            (AnswerInput::Unknown, "risk") => {
                ["low", "moderate", "high"].map(|c| AnswerInput::Text(c.into())).to_vec()
            }
            (AnswerInput::Unknown, "age") => {
                [0.0, 17.0, 18.0, 120.0].map(AnswerInput::Number).to_vec()
            }
            (AnswerInput::Unknown, _) => vec![AnswerInput::Bool(false), AnswerInput::Bool(true)],
            (known, _) => vec![known.clone()],
        };
        all = all
            .into_iter()
            .flat_map(|prefix: Vec<(String, AnswerInput)>| {
                options.iter().map(move |o| {
                    let mut next = prefix.clone();
                    next.push((q.clone(), o.clone()));
                    next
                })
            })
            .collect();
    }
    all
}

fn decide(pairs: &[(String, AnswerInput)]) -> Evaluation {
    let protocol = sample();
    let answers = Answers::parse(&protocol, pairs.iter().map(|(q, a)| (q.as_str(), a))).unwrap();
    evaluate(&protocol, &answers)
}

proptest! {
    /// A decision made with unknown answers keeps every constraint that any way of knowing
    /// them would make hold: unknown never makes an outcome less safe.
    #[test]
    fn a_decision_with_unknown_answers_is_safe_whatever_they_are(pairs in full_answers()) {
        let protocol = sample();
        let Evaluation::Decided(decision) = decide(&pairs) else { panic!("full answers must decide") };
        let constraints = triage::constraints(&protocol, &[]).unwrap();
        for known in completions(&pairs) {
            let answers = Answers::parse(&protocol, known.iter().map(|(q, a)| (q.as_str(), a))).unwrap();
            for c in constraints.iter().filter(|c| c.may_hold(&answers)) {
                prop_assert!(c.allows(decision.outcome), "{} is broken by {:?} when {:?} could be {:?}", c.name(), decision.outcome, pairs, known);
            }
        }
    }

    /// Same answers, in any order, give the same decision; a full set always decides.
    #[test]
    fn evaluation_is_deterministic(pairs in full_answers(), rotate in 0..5usize) {
        let first = decide(&pairs);
        prop_assert!(matches!(first, Evaluation::Decided(_)), "a checked protocol decides every full set of answers");
        let mut reordered = pairs.clone();
        reordered.rotate_left(rotate);
        prop_assert_eq!(decide(&reordered), first);
    }

    /// A decision made on some of the answers never changes when the rest arrive, and a
    /// request for more answers names only unanswered questions.
    #[test]
    fn partial_decisions_are_final(pairs in full_answers(), keep in proptest::collection::vec(any::<bool>(), 7)) {
        let partial: Vec<_> = pairs.iter().zip(&keep).filter(|(_, k)| **k).map(|(p, _)| p.clone()).collect();
        match decide(&partial) {
            Evaluation::Decided(early) => {
                let Evaluation::Decided(late) = decide(&pairs) else { panic!("full answers must decide") };
                prop_assert_eq!((early.outcome, early.rule), (late.outcome, late.rule));
            }
            Evaluation::NeedsAnswers { questions, .. } => {
                prop_assert!(!questions.is_empty());
                for q in questions {
                    prop_assert!(!partial.iter().any(|(answered, _)| *answered == q), "{} was already answered", q);
                }
            }
        }
    }
}

/// Evaluating every combination of answer classes decides each rule exactly as often as the
/// checker counted.
#[test]
fn evaluation_agrees_with_the_checker_enumeration() {
    let protocol = sample();
    let report = check(&protocol, &[]).unwrap();
    let domains: Vec<Vec<AnswerInput>> = protocol
        .questions
        .iter()
        .map(|q| match &q.kind {
            QuestionKind::YesNo => {
                vec![AnswerInput::Bool(false), AnswerInput::Bool(true), AnswerInput::Unknown]
            }
            QuestionKind::Choice(c) => c
                .iter()
                .map(|c| AnswerInput::Text(c.id.clone()))
                .chain([AnswerInput::Unknown])
                .collect(),
            // The sample compares age only with 18.
            QuestionKind::Number { .. } => [0.0, 17.0, 18.0, 19.0, 120.0]
                .map(AnswerInput::Number)
                .into_iter()
                .chain([AnswerInput::Unknown])
                .collect(),
        })
        .collect();
    let mut counts = std::collections::HashMap::<String, u64>::new();
    let total: usize = domains.iter().map(Vec::len).product();
    for mut n in 0..total {
        let pairs: Vec<(&str, &AnswerInput)> = protocol
            .questions
            .iter()
            .zip(&domains)
            .map(|(q, d)| {
                let value = &d[n % d.len()];
                n /= d.len();
                (q.id.as_str(), value)
            })
            .collect();
        let answers = Answers::parse(&protocol, pairs).unwrap();
        let Evaluation::Decided(decision) = evaluate(&protocol, &answers) else {
            panic!("undecided")
        };
        *counts.entry(decision.rule).or_default() += 1;
    }
    for (rule, n) in &report.decided_by {
        assert_eq!(counts.get(rule).copied().unwrap_or(0), *n, "rule {rule}");
    }
    assert_eq!(counts.get("when_unknown").copied().unwrap_or(0), report.decided_when_unknown);
    assert_eq!(total as u64, report.combinations);
}
