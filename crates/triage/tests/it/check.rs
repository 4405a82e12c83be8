//! The checker: passes good protocols, and refuses each broken sample with the right
//! counterexample.

use triage::{CheckError, check};

use crate::{load, protocols_dir, sample};

fn errors(name: &str) -> Vec<String> {
    let protocol = load(&protocols_dir().join("broken").join(format!("{name}.toml")));
    check(&protocol).unwrap_err().iter().map(ToString::to_string).collect()
}

#[test]
fn the_sample_passes_and_every_rule_decides_something() {
    let report = check(&sample()).unwrap();
    // 2 × 2 × 2 × 3 choices × ages {0, 17, 18, 19, 120} = 120 combinations.
    assert_eq!(report.combinations, 120);
    assert!(report.decided_by.iter().all(|(_, n)| *n > 0));
    assert_eq!(report.decided_by.iter().map(|(_, n)| n).sum::<u64>(), 120);
}

#[test]
fn a_gap_is_reported_with_the_answers_no_rule_covers() {
    assert_eq!(
        errors("no-rule-applies"),
        [
            "no rule applies when weapon = no, attempt = no, consent = no, risk = low, age = 18; add a rule (or a final `when = \"true\"` rule) that covers it"
        ]
    );
}

#[test]
fn a_safety_violation_is_reported_with_the_answers_and_the_rule_that_fired() {
    assert_eq!(
        errors("safety-violated"),
        [
            "safety constraint `weapon-needs-police` is broken: when weapon = yes, attempt = no, consent = no, risk = low, age = 0, rule `youth` decides mobile_crisis which does not include law_enforcement"
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
    assert_eq!(check(&protocol).unwrap_err(), [CheckError::TooLarge { combinations: 1 << 27 }]);
}

#[test]
fn the_shipped_protocols_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../protocols");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let protocol = load(&path);
            if let Err(errors) = check(&protocol) {
                panic!("{} fails the checker: {errors:#?}", path.display());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2, "protocols/ should hold the two shipped protocols");
}
