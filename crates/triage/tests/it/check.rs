//! The checker: passes good protocols, and refuses each broken sample with the right
//! counterexample.

use triage::{CheckError, check};

use crate::{load, protocols_dir, sample};

fn errors(name: &str) -> Vec<String> {
    let protocol = load(&protocols_dir().join("broken").join(format!("{name}.toml")));
    check(&protocol, &[]).unwrap_err().iter().map(ToString::to_string).collect()
}

#[test]
fn the_sample_passes_and_every_rule_decides_something() {
    let report = check(&sample(), &[]).unwrap();
    // Five yes/no questions (3 classes each, "unknown" included) × 3 choices and unknown ×
    // ages {0, 17, 18, 19, 120} and unknown = 243 × 4 × 6 = 5,832 combinations.
    assert_eq!(report.combinations, 5832);
    // Only the 2^5 × 3 × 5 = 480 without an unknown answer are free of them.
    assert_eq!(report.with_unknowns, 5832 - 480);
    assert!(report.decided_by.iter().all(|(_, n)| *n > 0));
    let by_rules = report.decided_by.iter().map(|(_, n)| n).sum::<u64>();
    assert!(report.decided_when_unknown > 0);
    assert_eq!(by_rules + report.decided_when_unknown, 5832);
    let floor: Vec<&str> = report.floor_proved.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        floor,
        [
            "attempt-needs-ems",
            "weapon-needs-police",
            "violence-needs-police",
            "medical-needs-ems",
            "no-988-without-consent"
        ]
    );
}

#[test]
fn a_gap_is_reported_with_the_answers_no_rule_covers() {
    assert_eq!(
        errors("no-rule-applies"),
        [
            "no rule applies when weapon = no, attempt = no, violence = no, medical = no, consent = no, risk = low, age = 18; add a rule (or a final `when = \"true\"` rule) that covers it"
        ]
    );
}

#[test]
fn a_safety_violation_is_reported_with_the_answers_and_the_rule_that_fired() {
    assert_eq!(
        errors("safety-violated"),
        [
            "floor constraint `weapon-needs-police` of crisisbridge-platform-floor is broken: when weapon = yes, attempt = no, violence = no, medical = no, consent = no, risk = low, age = 0, rule `youth` decides mobile_crisis which does not include law_enforcement"
        ]
    );
}

#[test]
fn a_shadowed_rule_is_reported() {
    assert_eq!(
        errors("unreachable-rule"),
        ["rule `high-risk` can never decide: every case it matches is decided by an earlier rule"]
    );
}

#[test]
fn a_question_that_never_matters_is_reported() {
    assert_eq!(
        errors("question-never-matters"),
        ["question `pets` never changes the outcome: remove it or use it in a rule"]
    );
}

#[test]
fn a_protocol_too_large_to_enumerate_is_refused_not_sampled() {
    let protocol = load(&protocols_dir().join("broken/too-large.toml"));
    assert_eq!(
        check(&protocol, &[]).unwrap_err(),
        [CheckError::TooLarge { combinations: 3u128.pow(27) }]
    );
}

#[test]
fn the_shipped_protocols_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../protocols");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let protocol = load(&path);
            if let Err(errors) = check(&protocol, &[]) {
                panic!("{} fails the checker: {errors:#?}", path.display());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2, "protocols/ should hold the two shipped protocols");
}

/// The sample with `edit` applied to its text.
fn edited(edit: impl Fn(String) -> String) -> triage::Protocol {
    let text = std::fs::read_to_string(protocols_dir().join("sample.toml")).unwrap();
    triage::Protocol::parse("edited.toml", &edit(text)).unwrap()
}

fn messages(protocol: &triage::Protocol) -> Vec<String> {
    check(protocol, &[]).unwrap_err().iter().map(ToString::to_string).collect()
}

#[test]
fn a_protocol_that_drops_a_floor_question_is_refused() {
    let protocol = edited(|t| t.replace("floor = \"weapon\"\n", ""));
    let errors = check(&protocol, &[]).unwrap_err();
    assert!(errors.iter().all(CheckError::breaks_floor));
    assert_eq!(
        messages(&protocol),
        [
            "the safety floor crisisbridge-platform-floor needs a question that answers `weapon` (\"Does the person have a weapon, or one within reach?\") for its constraint `weapon-needs-police`: tag the yes_no question that asks it with floor = \"weapon\", or add one"
        ]
    );
}

#[test]
fn a_floor_constraint_cannot_be_removed_by_deleting_the_rule_that_keeps_it() {
    // Without the weapon rule, a weapon at low risk with consent is diverted to 988.
    let protocol = edited(|t| {
        t.replace(
            "when = \"weapon\"\noutcome = \"law_enforcement\"",
            "when = \"false\"\noutcome = \"law_enforcement\"",
        )
    });
    let errors = check(&protocol, &[]).unwrap_err();
    assert!(errors.iter().any(|e| e.breaks_floor()), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.to_string().starts_with("floor constraint `weapon-needs-police`")),
        "{errors:?}"
    );
}

#[test]
fn unknown_answers_need_a_when_unknown_outcome_and_it_must_be_the_most_protective() {
    let without = edited(|t| t.replace("when_unknown = \"law_enforcement_and_ems\"\n", ""));
    let errors = messages(&without);
    assert!(
        errors[0].starts_with("when weapon = unknown, attempt = no,")
            && errors[0]
                .contains("leave rule `weapon` open and the protocol has no when_unknown outcome"),
        "{errors:?}"
    );
    let weak = edited(|t| {
        t.replace("when_unknown = \"law_enforcement_and_ems\"", "when_unknown = \"co_response\"")
    });
    let errors = messages(&weak);
    assert!(
        errors.contains(&"when_unknown = co_response is not the most protective outcome the constraints allow: floor constraint `attempt-needs-ems` of crisisbridge-platform-floor may demand ems".to_owned()),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("attempt = unknown")
            && e.contains(
                "the when_unknown outcome decides co_response which does not include ems"
            )),
        "{errors:?}"
    );
}

#[test]
fn an_unknown_answer_that_could_make_a_constraint_hold_is_held_to_it() {
    // A rule that treats an unknown weapon as no weapon breaks the floor.
    let protocol = edited(|t| {
        t.replace(
            "[[rules]]\nid = \"weapon\"",
            "[[rules]]\nid = \"weapon-unknown\"\nwhen = \"weapon = unknown\"\noutcome = \"mobile_crisis\"\nwhy = \"guess\"\n\n[[rules]]\nid = \"weapon\"",
        )
    });
    let errors = messages(&protocol);
    assert!(
        errors.iter().any(|e| e.starts_with("floor constraint `weapon-needs-police`")
            && e.contains("weapon = unknown")
            && e.contains("rule `weapon-unknown` decides mobile_crisis")),
        "{errors:?}"
    );
}

#[test]
fn a_state_floor_adds_constraints_and_concepts() {
    let floor = triage::Floor::parse(
        "state.toml",
        "[floor]\nid = \"ks-state\"\ntitle = \"t\"\nsource = \"s\"\n\n[[concepts]]\nid = \"weapon\"\nasks = \"a weapon?\"\n\n[[constraints]]\nid = \"weapon-needs-ems-too\"\nchannels = [\"911\"]\nwhen = \"weapon\"\nrequires = [\"ems\"]\nwhy = \"state policy\"\n",
    )
    .unwrap();
    let errors: Vec<String> =
        check(&sample(), &[floor]).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "floor constraint `weapon-needs-ems-too` of ks-state is broken: when weapon = yes, attempt = no, violence = no, medical = no, consent = no, risk = low, age = 0, rule `weapon` decides law_enforcement which does not include ems"
        ]
    );
}

/// A protocol of `questions` yes/no questions (the floor's five first) and 26 rules of 12
/// clauses each: the shape that once took the checker 12 s.
pub fn heavy(questions: usize) -> String {
    let floor = ["attempt_in_progress", "weapon", "violence", "medical", "consent"];
    let mut text = String::from(
        "[protocol]\nid = \"heavy\"\ntitle = \"t\"\nchannel = \"other\"\nsource = \"s\"\nwhen_unknown = \"law_enforcement_and_ems\"\n",
    );
    for q in 0..questions {
        text.push_str(&format!(
            "\n[[questions]]\nid = \"q{q}\"\ntext = \"?\"\ntype = \"yes_no\"\n"
        ));
        if let Some(concept) = floor.get(q) {
            text.push_str(&format!("floor = \"{concept}\"\n"));
        }
    }
    text.push_str("\n[[rules]]\nid = \"danger\"\nwhen = \"q0 or q1 or q2 or q3\"\noutcome = \"law_enforcement_and_ems\"\nwhy = \"w\"\n");
    let others = questions - 5;
    for r in 0..26 {
        let clauses: Vec<String> = (0..12)
            .map(|j| format!("(q{} or not q{})", (r + j) % others + 5, (r + j + 1) % others + 5))
            .collect();
        text.push_str(&format!(
            "\n[[rules]]\nid = \"r{r}\"\nwhen = \"q{} and {}\"\noutcome = \"co_response\"\nwhy = \"w\"\n",
            r % others + 5,
            clauses.join(" and ")
        ));
    }
    text.push_str("\n[[rules]]\nid = \"rest\"\nwhen = \"true\"\noutcome = \"embedded_clinician\"\nwhy = \"w\"\n");
    text
}

#[test]
fn the_checker_stops_at_its_work_budget_with_a_clear_refusal() {
    let protocol = triage::Protocol::parse("heavy.toml", &heavy(16)).unwrap();
    let started = std::time::Instant::now();
    let errors = check(&protocol, &[]).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(errors.as_slice(), [CheckError::TooComplex { combinations: 43_046_721, .. }]),
        "{errors:?}"
    );
    assert!(errors[0].to_string().starts_with("too complex to prove: after "), "{}", errors[0]);
    // Not a timed test: the bound is the work budget; this only shows it bites long before the
    // whole enumeration (43 M combinations) would have run.
    let CheckError::TooComplex { checked, .. } = errors[0] else { unreachable!() };
    assert!(checked < 43_046_721 / 2, "stopped after {checked} combinations ({elapsed:?})");
    // The same shape with 13 questions fits the budget, and is checked to the end.
    let smaller = triage::Protocol::parse("heavy.toml", &heavy(13)).unwrap();
    let errors = check(&smaller, &[]).unwrap_err();
    assert!(errors.iter().all(|e| !matches!(e, CheckError::TooComplex { .. })), "{errors:?}");
}
