//! `crisisbridge simulate queue`: a 988 staffing what-if from the command line, the simulated
//! measures beside the Erlang-A model's, reproducible from the seed; bad input refused with
//! what to fix.

use crate::process::run;
use crate::simulate_county::absolute;

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

fn manhattan() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/manhattan"))
}

/// `simulate --scenario`: the Manhattan scenario, short, as JSON (reproduced from its seed),
/// as a table and as a self-contained HTML report.
#[test]
fn a_scenario_runs_on_its_roads_and_reports_every_measure_with_an_interval() {
    let scenario = manhattan().join("scenario.toml");
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let path = scenario.to_str().unwrap();
    let args =
        ["simulate", "--scenario", path, "--days", "4", "--replications", "3", "--seed", "9"];
    let mut json_args = args.to_vec();
    json_args.extend(["--json", "--html", html.to_str().unwrap()]);
    let (ok, stdout, stderr) = run(&json_args, &[], None);
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(out["replications"], 3);
    assert_eq!(out["teams"], 12);
    let summary = &out["summary"];
    let rate = summary["calls_per_hour"]["mean"].as_f64().unwrap();
    assert!((rate - 18.8).abs() < 2.0, "{rate}");
    let high = &summary["priorities"][0];
    assert_eq!(high["name"], "high");
    let within = high["within_target"]["mean"].as_f64().unwrap();
    assert!(
        within > 0.0 && within < 1.0 && high["within_target"]["half_width"].as_f64().unwrap() > 0.0
    );
    assert_eq!(summary["teams"].as_array().unwrap().len(), 12);
    // The same seed, the same figures.
    let (_, again, _) = run(&json_args, &[], None);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["summary"], out["summary"]);
    // The HTML report stands alone: its charts are inline SVG, nothing is fetched.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<svg") && page.contains("target 8 min") && page.contains("Ambulance 12")
    );
    assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("href="));
    let (ok, table, _) = run(&args, &[], None);
    assert!(ok && table.contains("within target") && table.contains("offered load"), "{table}");
}

/// A scenario with something wrong is refused before any run, naming the file, the line and
/// what to change.
#[test]
fn a_bad_scenario_is_refused_with_its_file_line_and_what_to_fix() {
    let original = std::fs::read_to_string(manhattan().join("scenario.toml")).unwrap();
    let line_of = |text: &str, needle: &str| {
        text.lines().position(|l| l.contains(needle)).map(|k| k + 1).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(String, &str, String)> = vec![
        (
            original.replacen("post = \"1: Station 4\"", "post = \"9: Station 99\"", 1),
            "there is no post \"9: Station 99\"",
            "post = \"9: Station 99\"".into(),
        ),
        (
            original.replace("share = 0.58", "share = 0.68"),
            "shares sum to 1.1",
            "[[priority]]".into(),
        ),
        (
            original.replace("per_hour = 18.8", "per_hour = -18.8"),
            "give 0 or more per hour",
            "[arrivals]".into(),
        ),
        (
            original.replace("mean_minutes = 7.6", "mean_minutes = 0"),
            "on_scene: an exponential mean of 0 s",
            "on_scene =".into(),
        ),
        (
            original.replace(
                "kind = \"exponential\", mean_minutes = 7.6",
                "kind = \"gamma\", mean_minutes = 7.6",
            ),
            "use fixed, exponential, uniform or lognormal",
            "on_scene =".into(),
        ),
        // Station 4 moved into the Atlantic: off the road network.
        (
            original.replacen("lat = 40.710077\nlon = -73.986203", "lat = 40.5\nlon = -73.8", 1),
            "more than 500 m from any road",
            "[[post]]".into(),
        ),
        (
            original.replace("days = 250", "days = 250\nweeks = 3"),
            "unknown field `weeks`",
            "weeks = 3".into(),
        ),
        (
            original.replacen(
                "post = \"1: Station 4\"\n",
                "post = \"1: Station 4\"\nshift = \"nights\"\n",
                1,
            ),
            "team Ambulance 1: there is no shift \"nights\"; the shifts are: none (add a [[shift]])",
            "shift = \"nights\"".into(),
        ),
        (
            format!("{original}\n[[shift]]\nname = \"day\"\nstart = \"07:30\"\nhours = 12\n"),
            "shift day: start = \"07:30\": give an hour such as \"07:00\"",
            "[[shift]]".into(),
        ),
        (
            format!(
                "{original}\n[line988]\ncontacts_per_hour = 10\ncounselors_by_hour_of_week = [1, 2]\n\
                 talk = {{ kind = \"exponential\", mean_minutes = 10 }}\n\
                 patience = {{ kind = \"exponential\", mean_minutes = 3 }}\n"
            ),
            "[line988]: 2 hourly counselor counts: give 168",
            "[line988]".into(),
        ),
        (
            original.replace("\"roads.csv.gz\"", "\"missing.csv.gz\""),
            "missing.csv.gz",
            "roads =".into(),
        ),
        (
            original
                .replace("[[priority]]\nname = \"low\"", "[[priority]] # low\nname = \"low\"")
                .replace(
                    "target_minutes = 10.5\n",
                    "target_minutes = 10.5\nrural_target_minutes = 20\n",
                ),
            "priority low: rural_target_minutes = 20: say which demand areas are rural",
            "[[priority]] # low".into(),
        ),
        (
            original.replace(
                "weight = \"POP2000\"\n",
                "weight = \"POP2000\"\nrural_areas = [\"999*\"]\n",
            ),
            "[demand] rural_areas: \"999*\" matches no demand area",
            "[demand]".into(),
        ),
    ];
    for (k, (text, says, at)) in cases.into_iter().enumerate() {
        let text = absolute(&text);
        let path = dir.path().join(format!("bad-{k}.toml"));
        std::fs::write(&path, &text).unwrap();
        let (ok, _, stderr) =
            run(&["simulate", "--scenario", path.to_str().unwrap(), "--days", "1"], &[], None);
        assert!(!ok, "case {k} ran");
        let line = line_of(&text, &at);
        let want = format!("bad-{k}.toml:{line}:");
        assert!(
            stderr.contains(says) && stderr.contains(&want),
            "case {k}: want {want} … {says}; got {stderr}"
        );
    }
    let (ok, _, stderr) = run(&["simulate"], &[], None);
    assert!(!ok && stderr.contains("--scenario"), "{stderr}");
}

/// `plan posts`: twelve ambulances among Manhattan's stations and a few more candidates; the
/// heuristic beside the proven optimum, the choice confirmed by simulating it on the same
/// calls, and bad input refused with what to fix.
#[test]
fn posts_are_planned_beside_the_proven_optimum_and_confirmed_by_simulation() {
    let scenario = manhattan().join("scenario.toml");
    let dir = tempfile::tempdir().unwrap();
    let candidates = dir.path().join("candidates.csv");
    let all = std::fs::read_to_string(manhattan().join("candidates-1000.csv")).unwrap();
    std::fs::write(&candidates, all.lines().take(13).collect::<Vec<_>>().join("\n")).unwrap();
    let args = [
        "plan",
        "posts",
        "--scenario",
        scenario.to_str().unwrap(),
        "--teams",
        "12",
        "--candidates",
        candidates.to_str().unwrap(),
        "--demand-points",
        "400",
        "--replications",
        "3",
        "--days",
        "6",
        "--json",
    ];
    let (ok, stdout, stderr) = run(&args, &[], None);
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(out["candidates"], 20);
    assert_eq!(out["exact_proven"], true, "{out}");
    let (heuristic, optimum) =
        (out["heuristic_coverage"].as_f64().unwrap(), out["exact_coverage"].as_f64().unwrap());
    assert!(heuristic <= optimum + 1e-9 && heuristic > 0.9 * optimum, "{heuristic} {optimum}");
    let gap = out["heuristic_gap"].as_f64().unwrap();
    assert!((gap - (optimum - heuristic) / optimum).abs() < 1e-9);
    // The optimum covers at least what the stations as posted now do.
    assert!(optimum + 1e-9 >= out["current_coverage"].as_f64().unwrap());
    let posts = out["posts"].as_array().unwrap();
    assert_eq!(posts.iter().map(|p| p["teams"].as_u64().unwrap()).sum::<u64>(), 12);
    assert!(posts.iter().all(|p| p["teams"].as_u64().unwrap() <= 2));
    let busy = out["busy_fraction"].as_f64().unwrap();
    assert!(busy > 0.3 && busy < 0.9, "{busy}");
    let confirmation = &out["confirmation"];
    assert_eq!(confirmation["recommended"]["teams"].as_array().unwrap().len(), 12);
    assert!(confirmation["now"]["priorities"][0]["within_target"]["mean"].as_f64().unwrap() > 0.0);

    let with = |flag: &str, value: &str| {
        let mut bad: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let at = bad.iter().position(|a| a == flag).unwrap();
        bad[at + 1] = value.to_owned();
        bad
    };
    let off_road = dir.path().join("off.csv");
    std::fs::write(&off_road, "name,lat,lon\nHarbor,40.60,-74.02\n").unwrap();
    let bad_row = dir.path().join("bad.csv");
    std::fs::write(&bad_row, "name,lat,lon\nA,40.75,-73.98\nB,north,-73.98\n").unwrap();
    for (bad, says) in [
        (with("--teams", "0"), "--teams 0: give 1 to 10,000"),
        (
            with("--candidates", off_road.to_str().unwrap()),
            "candidate post Harbor at 40.600000, -74.020000 is more than 500 m from any road",
        ),
        (with("--candidates", bad_row.to_str().unwrap()), "bad.csv:3: lat is not a number"),
        (with("--replications", "1"), "give 0 (no confirming run) or 2 to 1000"),
        (with("--teams", "60"), "60 teams do not fit 20 candidates of at most 2 each"),
    ] {
        let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
        let (ok, _, stderr) = run(&bad, &[], None);
        assert!(!ok && stderr.contains(says), "want {says}; got {stderr}");
    }
}

/// `plan staffing`: counselors hour by hour and the fewest teams, each confirmed by
/// simulation; one team fewer misses the target.
#[test]
fn staffing_is_planned_to_the_targets_and_one_team_fewer_misses_them() {
    let scenario = manhattan().join("county-year.toml");
    let args = [
        "plan",
        "staffing",
        "--scenario",
        scenario.to_str().unwrap(),
        "--replications",
        "3",
        "--days",
        "7",
        "--json",
    ];
    let (ok, stdout, stderr) = run(&args, &[], None);
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let counselors = &out["counselors"];
    let by_hour = counselors["by_hour_of_week"].as_array().unwrap();
    assert_eq!(by_hour.len(), 168);
    // Busier hours never get fewer counselors: evenings (16 an hour) ≥ days (12) ≥ nights (6).
    let at = |h: usize| by_hour[h].as_u64().unwrap();
    assert!(at(20) >= at(10) && at(10) >= at(3) && at(3) >= 1, "{by_hour:?}");
    let planned = counselors["as_planned"]["answered_within_target"]["mean"].as_f64().unwrap();
    assert!(planned >= 0.9 - 0.02, "{planned}");
    let plan = &out["teams"]["shifts"][0];
    assert_eq!(plan["shift"], "every hour");
    let n = plan["teams"].as_u64().unwrap();
    assert!((2..50).contains(&n), "{n}");
    let placed: u64 =
        plan["posts"].as_array().unwrap().iter().map(|p| p[1].as_u64().unwrap()).sum();
    assert_eq!(placed, n);
    let meets = |slices: &serde_json::Value| {
        slices
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| !p["within_target"]["mean"].is_null())
            .all(|p| p["within_target"]["mean"].as_f64().unwrap() >= 0.9)
    };
    assert!(meets(&plan["at_fewest"]));
    assert!(!meets(&plan["one_fewer"]));
    let teams = plan;

    // The figures at the fewest teams are what simulating the scenario with those teams at those
    // posts gives, run on its own (the same seeds): a scenario written from the plan.
    let text = std::fs::read_to_string(&scenario).unwrap();
    let text = text[..text.find("# 50 teams").unwrap()]
        .replace(
            "roads = \"roads.csv.gz\"",
            &format!("roads = \"{}\"", manhattan().join("roads.csv.gz").display()),
        )
        .replace(
            "areas = \"block-groups.geojson.gz\"",
            &format!("areas = \"{}\"", manhattan().join("block-groups.geojson.gz").display()),
        );
    let mut written = text;
    let mut k = 0;
    for post in teams["posts"].as_array().unwrap() {
        for _ in 0..post[1].as_u64().unwrap() {
            k += 1;
            written += &format!("\n[[team]]\nname = \"Team {k}\"\npost = {}\n", post[0]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let planned = dir.path().join("planned.toml");
    std::fs::write(&planned, written).unwrap();
    let (ok, stdout, stderr) = run(
        &[
            "simulate",
            "--scenario",
            planned.to_str().unwrap(),
            "--days",
            "7",
            "--replications",
            "3",
            "--seed",
            "1",
            "--json",
        ],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    let alone: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(alone["summary"]["priorities"], out["teams"]["fleet"]["priorities"]);
    // Its calls within target are those the plan reports (all hours: the whole period).
    for (k, p) in plan["at_fewest"].as_array().unwrap().iter().enumerate() {
        let whole = &alone["summary"]["priorities"][k]["within_target"]["mean"];
        if let Some(mean) = p["within_target"]["mean"].as_f64() {
            assert!((mean - whole.as_f64().unwrap()).abs() < 1e-12, "{p} against {whole}");
        }
    }

    let mut bad: Vec<&str> = args.to_vec();
    bad.extend(["--within-target", "1.5"]);
    let (ok, _, stderr) = run(&bad, &[], None);
    assert!(
        !ok && stderr.contains("--within-target 1.5: give a share above 0 and below 1"),
        "{stderr}"
    );
}

/// `simulate fit`: four weeks of a seeded synthetic history and its phone calls in a SQLite
/// database; the fitted arrivals by hour of the week equal the counts made here from the same
/// history, the demand file has a row per incident a team was sent to, and the fitted sections
/// make a scenario that runs.
#[tokio::test]
async fn a_scenario_is_fitted_to_the_event_log_and_runs() {
    use domain::{CallStep, Channel, EventKind, Timestamp};
    use reports::synthetic::{Cast, calls, history};
    use store::{CallLog, EventLog, RecordedCall, RecordedEvent};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fit.db");
    // Monday 2026-01-05 00:00 UTC, for four weeks: each hour of the week seen four times.
    let start = Timestamp::from_millis(1_767_571_200_000);
    let cast = Cast::new(2);
    // The synthetic history's places are unknown: give each incident one in Manhattan.
    let mut events = history(7, &cast, 3000, start, 28);
    for (k, (event, _)) in events.iter_mut().enumerate() {
        if let EventKind::Opened { location, .. } = &mut event.kind {
            // Along the island's spine, from the Battery to Inwood.
            let lat = 40.71 + (k % 97) as f64 * 0.0016;
            let lon = -74.012 + (lat - 40.70) * 0.45 + ((k % 7) as f64 - 3.0) * 0.001;
            let center = domain::GeoPoint::parse(lat, lon).unwrap();
            *location = domain::Location::Circle { center, radius_m: 50.0 };
        }
    }
    let phone = calls(7, &cast, 4000, start, 28);
    {
        let store = store_sql::SqliteStore::open(&path).await.unwrap();
        // The cast's agencies, as the phone system's calls refer to them.
        let kinds = [
            (&cast.psaps, domain::AgencyKind::Psap),
            (&cast.centers, domain::AgencyKind::CrisisCenter),
        ];
        for (ids, kind) in kinds {
            for (k, id) in ids.iter().enumerate() {
                let agency = domain::Agency {
                    id: *id,
                    code: format!("{kind:?}-{k}").to_lowercase(),
                    name: format!("{kind:?} {k}"),
                    kind,
                    time_zone: "UTC".into(),
                    uri: None,
                };
                store::Directory::put_agency(&store, &agency).await.unwrap();
            }
        }
        let recorded: Vec<RecordedEvent> = events
            .iter()
            .cloned()
            .enumerate()
            .map(|(n, (event, involved))| RecordedEvent { seq: n as u64 + 1, event, involved })
            .collect();
        for page in recorded.chunks(2000) {
            store.import(page.to_vec()).await.unwrap();
        }
        for event in &phone {
            let call =
                RecordedCall { event: event.clone(), recorded_at: event.at, recorded_by: None };
            store.record_call(&call).await.unwrap().unwrap();
        }
    }
    // Counted here, from the history itself: incidents with a team sent, and 988 calls, by
    // hour of the week (UTC, Monday first).
    let slot = |at: Timestamp| {
        let days = at.as_millis().div_euclid(86_400_000);
        let monday_first = (days + 3).rem_euclid(7); // 1970-01-01 was a Thursday
        (monday_first * 24 + at.as_millis().div_euclid(3_600_000).rem_euclid(24)) as usize
    };
    let mut opened = std::collections::HashMap::new();
    let mut teams = vec![0u32; 168];
    let mut counted = std::collections::HashSet::new();
    for (event, _) in &events {
        match &event.kind {
            EventKind::Opened { .. } => {
                opened.insert(event.incident, event.at);
            }
            EventKind::TeamDispatched { .. } if counted.insert(event.incident) => {
                teams[slot(opened[&event.incident])] += 1;
            }
            _ => {}
        }
    }
    let mut line = vec![0u32; 168];
    for e in &phone {
        if let CallStep::Arrived { channel: Channel::Nine88, .. } = e.step {
            line[slot(e.at)] += 1;
        }
    }

    let db = format!("sqlite://{}", path.display());
    let points = dir.path().join("points.csv");
    let (ok, fitted, stderr) = run(
        &["simulate", "fit", "--from", "2026-01-05", "--to", "2026-02-02", "--database", &db],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    let parsed: toml::Value = toml::from_str(&fitted).unwrap();
    let rates = |table: &str, key: &str| -> Vec<f64> {
        parsed[table][key].as_array().unwrap().iter().map(|v| v.as_float().unwrap()).collect()
    };
    let (fitted_teams, fitted_line) =
        (rates("arrivals", "by_hour_of_week"), rates("line988", "contacts_by_hour_of_week"));
    for h in 0..168 {
        assert!(
            (fitted_teams[h] - f64::from(teams[h]) / 4.0).abs() < 1e-3,
            "hour {h}: {fitted_teams:?}"
        );
        assert!((fitted_line[h] - f64::from(line[h]) / 4.0).abs() < 1e-3, "hour {h}");
    }
    assert!(teams.iter().sum::<u32>() > 50 && line.iter().sum::<u32>() > 500);
    let service = &parsed["service"];
    assert_eq!(service["on_scene"]["kind"].as_str(), Some("lognormal"), "{fitted}");
    assert!(parsed["line988"]["patience"]["mean_minutes"].as_float().unwrap() > 0.0, "{fitted}");

    // With --demand-out, the places too: a row per incident a team was sent to.
    let (ok, fitted, stderr) = run(
        &[
            "simulate",
            "fit",
            "--from",
            "2026-01-05",
            "--to",
            "2026-02-02",
            "--database",
            &db,
            "--demand-out",
            points.to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    let rows = std::fs::read_to_string(&points).unwrap().lines().count() - 1;
    assert_eq!(rows as u32, teams.iter().sum::<u32>());

    // The fitted sections — arrivals, demand, service times, the 988 line — in the Manhattan
    // scenario (its roads and fleet), with the talk times and counselors the log cannot give:
    // it runs.
    let base = std::fs::read_to_string(manhattan().join("scenario.toml")).unwrap();
    let base = base
        .replace(
            "roads = \"roads.csv.gz\"",
            &format!("roads = \"{}\"", manhattan().join("roads.csv.gz").display()),
        )
        .replace(
            "areas = \"block-groups.geojson.gz\"",
            &format!("areas = \"{}\"", manhattan().join("block-groups.geojson.gz").display()),
        );
    let cut = |text: &str, from: &str, to: &str| {
        let (a, b) = (text.find(from).unwrap(), text.find(to).unwrap());
        format!("{}{}", &text[..a], &text[b..])
    };
    let base = cut(&base, "[arrivals]", "# misc/call priorities/priorities_1.csv");
    let base = cut(&base, "[service]", "# hospitals/hospitals_1.csv");
    let fitted = fitted.replace(
        "[line988]\n",
        "[line988]\ntalk = { kind = \"exponential\", mean_minutes = 12 }\ncounselors = 4\n",
    );
    let scenario = dir.path().join("fitted.toml");
    std::fs::write(&scenario, format!("{base}\n{fitted}")).unwrap();
    let (ok, stdout, stderr) = run(
        &[
            "simulate",
            "--scenario",
            scenario.to_str().unwrap(),
            "--days",
            "3",
            "--replications",
            "2",
            "--json",
        ],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(out["line988"]["contacts"]["mean"].as_f64().unwrap() > 0.0);

    let (ok, _, stderr) = run(
        &["simulate", "fit", "--from", "2026-02-02", "--to", "2026-01-05", "--database", &db],
        &[],
        None,
    );
    assert!(!ok && stderr.contains("is not after --from"), "{stderr}");
}

/// `[triage911]`: 911 calls decided by the product's Kansas protocol on an answer mix; the
/// share it sends a team becomes the teams' calls, the share it diverts the 988 line's
/// contacts; a mix that does not fit the protocol is refused with its line.
#[test]
fn calls_triaged_by_the_protocol_feed_the_teams_and_the_988_line() {
    let scenario = manhattan().join("diversion.toml");
    let args = [
        "simulate",
        "--scenario",
        scenario.to_str().unwrap(),
        "--days",
        "20",
        "--replications",
        "3",
        "--json",
    ];
    let (ok, stdout, stderr) = run(&args, &[], None);
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let triage = &out["triage911"];
    let shares = triage["outcomes"]["shares"].as_object().unwrap();
    let total: f64 = shares.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9, "{shares:?}");
    let share = |k: &str| shares.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    let calls = triage["calls_per_hour"].as_f64().unwrap();
    let team = triage["team_calls_per_hour"].as_f64().unwrap();
    assert!((team - calls * (share("mobile_crisis") + share("co_response"))).abs() < 1e-9);
    assert!(share("divert_988") > 0.05 && team > 0.5, "{triage}");
    // The teams' calls are the protocol's share of the 911 calls, within the interval.
    let rate = &out["summary"]["calls_per_hour"];
    let (mean, half) = (rate["mean"].as_f64().unwrap(), rate["half_width"].as_f64().unwrap());
    assert!((mean - team).abs() <= 3.0 * half.max(0.05), "{mean} ± {half} against {team}");

    // Every caller reporting an attempt in progress: the protocol sends no one a team, and
    // the scenario has no calls of its own for them.
    let text = std::fs::read_to_string(&scenario).unwrap().replace(
        "attempt_in_progress = { yes = 0.03, no = 0.96, unknown = 0.01 }",
        "attempt_in_progress = { yes = 1.0 }",
    );
    let dir = tempfile::tempdir().unwrap();
    let line = text.lines().position(|l| l.starts_with("[triage911]")).unwrap() + 1;
    for (k, (bad, says)) in [
        (text.clone(), "the protocol sends no 911 call of this mix to a mobile crisis team"),
        (
            text.replace("risk = { low = 0.45, moderate = 0.4, high = 0.15 }", "risk = { low = 0.45, moderate = 0.4, extreme = 0.15 }"),
            "\"extreme\" is not a choice",
        ),
        (text.replace("welfare_entry = { yes = 0.06, no = 0.94 }\n", ""), "question welfare_entry of protocol ks-911-behavioral-health-diversion has no answer mix"),
        (text.replace("crime = { yes = 0.04, no = 0.95, unknown = 0.01 }", "crime = { yes = 0.5, no = 0.95 }"), "crime: the shares sum to 1.45"),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("bad-{k}.toml"));
        std::fs::write(&path, absolute(&bad)).unwrap();
        let (ok, _, stderr) = run(&["simulate", "--scenario", path.to_str().unwrap(), "--days", "1"], &[], None);
        let want = format!("bad-{k}.toml:{line}: [triage911]");
        assert!(!ok && stderr.contains(&want) && stderr.contains(says), "case {k}: want {want} … {says}; got {stderr}");
    }
}

/// `plan staffing` with shifts: the fewest teams on the day shift and on the night shift, each
/// judged by the calls arriving in its own hours.
#[test]
fn staffing_is_planned_shift_by_shift() {
    let here = manhattan();
    let text = std::fs::read_to_string(here.join("county-year.toml")).unwrap();
    let mut text = text[..text.find("# 50 teams").unwrap()]
        .replace(
            "roads = \"roads.csv.gz\"",
            &format!("roads = \"{}\"", here.join("roads.csv.gz").display()),
        )
        .replace(
            "areas = \"block-groups.geojson.gz\"",
            &format!("areas = \"{}\"", here.join("block-groups.geojson.gz").display()),
        );
    text += "\n[[shift]]\nname = \"day\"\nstart = \"07:00\"\nhours = 12\n\n[[shift]]\nname = \"night\"\nstart = \"19:00\"\nhours = 12\n";
    for k in 0..8 {
        let shift = if k % 2 == 0 { "day" } else { "night" };
        text += &format!(
            "\n[[team]]\nname = \"T{k}\"\npost = \"Station {}\"\nshift = \"{shift}\"\n",
            k + 1
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shifts.toml");
    std::fs::write(&path, text).unwrap();
    let (ok, stdout, stderr) = run(
        &[
            "plan",
            "staffing",
            "--scenario",
            path.to_str().unwrap(),
            "--replications",
            "3",
            "--days",
            "7",
            "--json",
        ],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let shifts = out["teams"]["shifts"].as_array().unwrap();
    let names: Vec<&str> = shifts.iter().map(|s| s["shift"].as_str().unwrap()).collect();
    assert_eq!(names, ["day", "night"]);
    for plan in shifts {
        assert_eq!(plan["scenario_teams"], 4);
        let n = plan["teams"].as_u64().unwrap();
        let placed: u64 =
            plan["posts"].as_array().unwrap().iter().map(|p| p[1].as_u64().unwrap()).sum();
        assert!(n >= 1 && placed == n, "{plan}");
        let within: Vec<f64> = plan["at_fewest"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["within_target"]["mean"].as_f64())
            .collect();
        assert!(!within.is_empty() && within.iter().all(|w| *w >= 0.85), "{plan}");
    }
    // The plain table names each shift.
    let (ok, table, _) = run(
        &[
            "plan",
            "staffing",
            "--scenario",
            path.to_str().unwrap(),
            "--replications",
            "2",
            "--days",
            "3",
        ],
        &[],
        None,
    );
    assert!(ok && table.contains("teams on day:") && table.contains("teams on night:"), "{table}");
}

/// Rural places judged by a rural target: the same calls (one seed) meet it more often than
/// the urban target, and a rural target equal to the urban one changes nothing.
#[test]
fn rural_areas_are_judged_by_the_rural_target() {
    let original = std::fs::read_to_string(manhattan().join("scenario.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let within_in = |areas: &str, rural_minutes: &str| {
        let text = absolute(&original)
            .replace(
                "weight = \"POP2000\"\n",
                &format!("weight = \"POP2000\"\nrural_areas = {areas}\n"),
            )
            .replace(
                "target_minutes = 8.0\n",
                &format!("target_minutes = 8.0\nrural_target_minutes = {rural_minutes}\n"),
            );
        let path = dir.path().join(format!("rural-{rural_minutes}.toml"));
        std::fs::write(&path, text).unwrap();
        let args = ["simulate", "--scenario", path.to_str().unwrap(), "--days", "3"];
        let html = path.with_extension("html");
        let (ok, stdout, stderr) = run(
            &[&args[..], &["--replications", "2", "--json", "--html", html.to_str().unwrap()]]
                .concat(),
            &[],
            None,
        );
        assert!(ok, "{stderr}");
        // The page marks both targets on the histogram.
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.contains(&format!("rural target {rural_minutes} min")), "no rural mark");
        let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let high = &out["summary"]["priorities"][0];
        assert_eq!(
            high["rural_target_s"].as_f64(),
            Some(rural_minutes.parse::<f64>().unwrap() * 60.0)
        );
        high["within_target"]["mean"].as_f64().unwrap()
    };
    let within = |rural_minutes: &str| within_in("[\"3606102*\", \"3606103*\"]", rural_minutes);
    let (same, longer) = (within("8.0"), within("30.0"));
    let plain = {
        let path = dir.path().join("plain.toml");
        std::fs::write(&path, absolute(&original)).unwrap();
        let (ok, stdout, _) = run(
            &[
                "simulate",
                "--scenario",
                path.to_str().unwrap(),
                "--days",
                "3",
                "--replications",
                "2",
                "--json",
            ],
            &[],
            None,
        );
        assert!(ok);
        let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        out["summary"]["priorities"][0]["within_target"]["mean"].as_f64().unwrap()
    };
    assert!((same - plain).abs() < 1e-12, "{same} vs {plain}");
    assert!(longer > plain + 0.02, "{longer} vs {plain}");
    // Every area rural: more calls judged by 30 minutes than with upper Manhattan alone.
    let everywhere = within_in("[\"36061*\"]", "30.0");
    assert!(everywhere > longer + 0.02, "{everywhere} vs {longer}");
}

/// A state's safety floor named in `[triage911]` is checked as for live calls: the Kansas
/// protocol sends no EMS with a weapon, so a state floor asking for it refuses the scenario at
/// its `[triage911]` line, saying which constraint.
#[test]
fn a_state_floor_the_protocol_breaks_refuses_the_scenario() {
    let here = manhattan();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("state-floor.toml"),
        "[floor]\nid = \"state\"\ntitle = \"t\"\nsource = \"s\"\n\n[[concepts]]\nid = \"weapon\"\nasks = \"a weapon?\"\n\n[[constraints]]\nid = \"weapon-needs-ems\"\nchannels = [\"911\"]\nwhen = \"weapon\"\nrequires = [\"ems\"]\nwhy = \"state policy\"\n",
    )
    .unwrap();
    let text = absolute(&std::fs::read_to_string(here.join("diversion.toml")).unwrap())
        .replace("[triage911]\n", "[triage911]\nfloors = [\"state-floor.toml\"]\n");
    let path = dir.path().join("floored.toml");
    std::fs::write(&path, &text).unwrap();
    let (ok, _, stderr) =
        run(&["simulate", "--scenario", path.to_str().unwrap(), "--days", "1"], &[], None);
    let line = text.lines().position(|l| l == "[triage911]").unwrap() + 1;
    assert!(
        !ok && stderr.contains(&format!("floored.toml:{line}:"))
            && stderr.contains("weapon-needs-ems"),
        "{stderr}"
    );
    let missing = text.replace("state-floor.toml", "absent-floor.toml");
    std::fs::write(&path, &missing).unwrap();
    let (ok, _, stderr) =
        run(&["simulate", "--scenario", path.to_str().unwrap(), "--days", "1"], &[], None);
    assert!(!ok && stderr.contains("floors:") && stderr.contains("absent-floor.toml"), "{stderr}");
}
