//! `crisisbridge simulate queue`: a 988 staffing what-if from the command line, the simulated
//! measures beside the Erlang-A model's, reproducible from the seed; bad input refused with
//! what to fix.

use crate::process::run;

#[test]
fn a_queue_what_if_is_simulated_beside_the_model_and_reproduced_from_its_seed() {
    let args = [
        "simulate",
        "queue",
        "--contacts-per-hour",
        "60",
        "--counselors",
        "6",
        "--talk-minutes",
        "5",
        "--patience-minutes",
        "2",
        "--hours",
        "500",
        "--replications",
        "8",
        "--seed",
        "42",
        "--json",
    ];
    let (ok, stdout, stderr) = run(&args, &[], None);
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let measures = out["measures"].as_array().unwrap();
    assert_eq!(measures.len(), 5);
    for m in measures.iter().filter(|m| !m["erlang_a"].is_null()) {
        let (mean, half, model) = (
            m["mean"].as_f64().unwrap(),
            m["half_width_95"].as_f64().unwrap(),
            m["erlang_a"].as_f64().unwrap(),
        );
        // Within the 99.9 % interval of 8 replications (t 5.408 over 2.365).
        assert!((mean - model).abs() <= half * 5.408 / 2.365, "{m}");
    }
    // The same seed, the same figures.
    let (_, again, _) = run(&args, &[], None);
    assert_eq!(again, stdout);

    // The table says what each figure is.
    let table: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
    let (ok, stdout, _) = run(&table, &[], None);
    assert!(ok && stdout.contains("Erlang-A") && stdout.contains("abandoned"), "{stdout}");

    for (flag, value, says) in [
        ("--counselors", "0", "counselors is 0; give 1 to 10,000"),
        ("--patience-minutes", "-1", "patience is -60 s"),
        ("--replications", "1", "an interval needs at least two"),
    ] {
        let mut bad: Vec<&str> = args.to_vec();
        let at = bad.iter().position(|a| *a == flag).unwrap();
        bad[at + 1] = value;
        let (ok, _, stderr) = run(&bad, &[], None);
        assert!(!ok && stderr.contains(says), "{flag} {value}: {stderr}");
    }
}
