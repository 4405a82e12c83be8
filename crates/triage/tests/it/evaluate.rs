//! Decision traces, snapshotted: which rule fired, which answers it read, which rules were
//! passed over; and partial answers name the questions still needed.

use triage::{AnswerInput, Answers, Evaluation, evaluate};

use crate::sample;

fn run(pairs: &[(&str, AnswerInput)]) -> String {
    let protocol = sample();
    let answers = Answers::parse(&protocol, pairs.iter().map(|(q, a)| (*q, a))).unwrap();
    format!("{:#?}", evaluate(&protocol, &answers))
}

use AnswerInput::{Bool, Number, Text};

#[test]
fn trace_of_a_diversion_to_988() {
    insta::assert_snapshot!(run(&[
        ("weapon", Bool(false)),
        ("attempt", Bool(false)),
        ("consent", Bool(true)),
        ("risk", Text("moderate".into())),
        ("age", Number(34.0)),
    ]));
}

#[test]
fn trace_of_a_weapon_decided_before_the_rest_is_known() {
    insta::assert_snapshot!(run(&[("attempt", Bool(false)), ("weapon", Bool(true))]));
}

#[test]
fn partial_answers_ask_only_what_can_still_matter() {
    insta::assert_snapshot!(run(&[]));
    insta::assert_snapshot!(run(&[
        ("attempt", Bool(false)),
        ("weapon", Bool(false)),
        ("age", Number(40.0))
    ]));
}

#[test]
fn answers_that_do_not_fit_are_refused_with_the_question_named() {
    let protocol = sample();
    let bad =
        |q: &str, a: AnswerInput| Answers::parse(&protocol, [(q, &a)]).unwrap_err().to_string();
    assert_eq!(
        bad("weapon", Number(1.0)),
        "answers.weapon: answer true or false (or \"yes\" / \"no\"), or \"unknown\""
    );
    assert_eq!(
        bad("risk", Text("extreme".into())),
        "answers.risk: \"extreme\" is not a choice; answer one of low, moderate, high, or \"unknown\""
    );
    assert_eq!(bad("age", Number(17.5)), "answers.age: 17.5 is not a whole number in [0, 120]");
    assert_eq!(bad("age", Number(200.0)), "answers.age: 200 is not a whole number in [0, 120]");
    assert_eq!(bad("pets", Bool(true)), "answers.pets: protocol sample-911 has no such question");
    let (yes, no) = (Text("yes".into()), Text("no".into()));
    let answers = Answers::parse(
        &protocol,
        [("weapon", &yes), ("attempt", &no), ("violence", &no), ("medical", &no)],
    )
    .unwrap();
    assert!(matches!(evaluate(&protocol, &answers), Evaluation::Decided(d) if d.rule == "weapon"));
}

#[test]
fn an_unknown_answer_that_leaves_a_rule_open_gives_the_when_unknown_outcome() {
    let protocol = sample();
    let pairs = [
        ("attempt", AnswerInput::Unknown),
        ("weapon", Bool(false)),
        ("violence", Bool(false)),
        ("medical", Bool(false)),
    ];
    let answers = Answers::parse(&protocol, pairs.iter().map(|(q, a)| (*q, a))).unwrap();
    let Evaluation::Decided(d) = evaluate(&protocol, &answers) else { panic!("undecided") };
    assert_eq!(d.outcome, domain::TriageOutcome::LawEnforcementAndEms);
    assert_eq!(d.rule, "when_unknown");
    assert_eq!(d.unknowns, ["attempt"]);
    assert_eq!(d.open_rule.as_deref(), Some("attempt-in-progress"));
    assert!(d.read.contains(&("attempt".to_owned(), "unknown".to_owned())));
}

#[test]
fn unknown_is_an_answer_to_every_kind_of_question_and_asked_questions_still_come_first() {
    let protocol = sample();
    let unknown = Text("unknown".into());
    for q in ["weapon", "risk", "age"] {
        assert!(Answers::parse(&protocol, [(q, &unknown)]).is_ok(), "{q}");
        assert!(Answers::parse(&protocol, [(q, &AnswerInput::Unknown)]).is_ok(), "{q}");
    }
    // An unknown weapon does not decide while the attempt question is still unasked.
    let answers = Answers::parse(&protocol, [("weapon", &unknown)]).unwrap();
    assert!(
        matches!(evaluate(&protocol, &answers), Evaluation::NeedsAnswers { ref questions, .. } if questions == &["attempt"]),
        "{:?}",
        evaluate(&protocol, &answers)
    );
}

/// Decision traces of the shipped protocols on the cases their criteria are written for.
#[test]
fn traces_of_the_shipped_protocols() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../protocols");
    let cases: [(&str, &[(&str, AnswerInput)]); 6] = [
        ("ks-911-behavioral-health-diversion.toml", &[("attempt_in_progress", Bool(true))]),
        (
            "ks-911-behavioral-health-diversion.toml",
            &[
                ("attempt_in_progress", Bool(false)),
                ("medical", Bool(false)),
                ("violence", Bool(false)),
                ("crime", Bool(false)),
                ("weapon", Bool(true)),
                ("risk", Text("low".into())),
            ],
        ),
        (
            "ks-911-behavioral-health-diversion.toml",
            &[
                ("attempt_in_progress", Bool(false)),
                ("medical", Bool(false)),
                ("violence", Bool(false)),
                ("crime", Bool(false)),
                ("weapon", Text("unknown".into())),
                ("risk", Text("moderate".into())),
            ],
        ),
        (
            "ks-911-behavioral-health-diversion.toml",
            &[("attempt_in_progress", Bool(false)), ("medical", Text("unknown".into()))],
        ),
        ("988-suicide-safety-assessment.toml", &[("attempt_in_progress", Bool(true))]),
        (
            "988-suicide-safety-assessment.toml",
            &[
                ("attempt_in_progress", Bool(false)),
                ("desire", Bool(true)),
                ("intent", Bool(false)),
                ("lethal_means", Bool(false)),
                ("attempt_history", Bool(false)),
                ("acute_state", Bool(false)),
                ("collaborates", Bool(true)),
                ("supports", Bool(true)),
                ("in_person", Bool(false)),
            ],
        ),
    ];
    let mut out = String::new();
    for (file, pairs) in cases {
        let protocol = crate::load(&root.join(file));
        let answers = Answers::parse(&protocol, pairs.iter().map(|(q, a)| (*q, a))).unwrap();
        out.push_str(&format!("{file} {pairs:?}\n{:#?}\n\n", evaluate(&protocol, &answers)));
    }
    insta::assert_snapshot!(out);
}
