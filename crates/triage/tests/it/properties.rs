//! Properties of evaluation, against the checker's exhaustive enumeration.

use proptest::prelude::*;
use triage::{AnswerInput, Answers, Evaluation, QuestionKind, check, evaluate};

use crate::sample;

/// A full set of answers to the sample protocol, ages drawn from the whole range.
fn full_answers() -> impl Strategy<Value = Vec<(String, AnswerInput)>> {
    (any::<bool>(), any::<bool>(), any::<bool>(), 0..3usize, 0..=120i64).prop_map(
        |(w, a, c, r, age)| {
            vec![
                ("weapon".into(), AnswerInput::Bool(w)),
                ("attempt".into(), AnswerInput::Bool(a)),
                ("consent".into(), AnswerInput::Bool(c)),
                ("risk".into(), AnswerInput::Text(["low", "moderate", "high"][r].into())),
                ("age".into(), AnswerInput::Number(age as f64)),
            ]
        },
    )
}

fn decide(pairs: &[(String, AnswerInput)]) -> Evaluation {
    let protocol = sample();
    let answers = Answers::parse(&protocol, pairs.iter().map(|(q, a)| (q.as_str(), a))).unwrap();
    evaluate(&protocol, &answers)
}

proptest! {
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
    fn partial_decisions_are_final(pairs in full_answers(), keep in proptest::collection::vec(any::<bool>(), 5)) {
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
    let report = check(&protocol).unwrap();
    let domains: Vec<Vec<AnswerInput>> = protocol
        .questions
        .iter()
        .map(|q| match &q.kind {
            QuestionKind::YesNo => vec![AnswerInput::Bool(false), AnswerInput::Bool(true)],
            QuestionKind::Choice(c) => c.iter().map(|c| AnswerInput::Text(c.id.clone())).collect(),
            // The sample compares age only with 18.
            QuestionKind::Number { .. } => {
                [0.0, 17.0, 18.0, 19.0, 120.0].map(AnswerInput::Number).to_vec()
            }
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
    assert_eq!(total as u64, report.combinations);
}
