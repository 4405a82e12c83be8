//! `simulate --scenario` with a `[county]`: calls routed by the county's boundaries and
//! services file to its mobile crisis providers, the simulated incidents measured by the
//! outcome report's own code; a bad county refused with the file, the line and what to fix.

use std::path::PathBuf;

use crate::process::run;

fn manhattan() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/manhattan"))
}

/// `text` (a Manhattan scenario) with its data files and protocols named by absolute path, so
/// it runs from anywhere.
pub(crate) fn absolute(text: &str) -> String {
    let here = manhattan();
    let mut out = text.to_owned();
    for file in ["roads.csv.gz", "block-groups.geojson.gz"] {
        out = out.replace(&format!("\"{file}\""), &format!("\"{}\"", here.join(file).display()));
    }
    out.replace("\"../../protocols/", &format!("\"{}/", here.join("../../protocols").display()))
}

fn json(args: &[&str]) -> serde_json::Value {
    let (ok, stdout, stderr) = run(args, &[], None);
    assert!(ok, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn county_measure<'a>(out: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    out["county"]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no measure {id} in {}", out["county"]))
}

fn mean(v: &serde_json::Value) -> f64 {
    v["mean"].as_f64().unwrap()
}

/// The outcome report's measures over the simulated incidents agree with what the simulation
/// itself measured: the same calls, the same drives, the same returns.
#[test]
fn the_outcome_reports_code_measures_the_simulated_incidents_as_the_simulation_does() {
    let scenario = manhattan().join("providers.toml");
    let args = [
        "simulate",
        "--scenario",
        scenario.to_str().unwrap(),
        "--days",
        "5",
        "--replications",
        "3",
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let out = json(&with_json);
    let summary = &out["summary"];
    let measure = |id: &str| mean(&county_measure(&out, id)["estimate"]);
    // The calls offered the teams in the 5 days, and the 911 calls the protocol kept from a
    // team (6 an hour × their share): each an incident opened in them.
    let calls = mean(&summary["calls_per_hour"]) * 5.0 * 24.0;
    let reached: f64 =
        summary["priorities"].as_array().unwrap().iter().map(|p| mean(&p["calls"])).sum();
    let shares = &out["triage911"]["outcomes"]["shares"];
    let share_of = |o: &str| shares[o].as_f64().unwrap_or(0.0);
    let others = 6.0 * (1.0 - share_of("mobile_crisis") - share_of("co_response")) * 120.0;
    let contacts = measure("contacts.911");
    // Poisson: the mean of 3 replications within 4 standard deviations.
    let sd = (others / 3.0).sqrt();
    assert!((contacts - calls - others).abs() < 4.0 * sd, "{contacts} vs {calls} + {others}");
    // Each decided by the protocol as its outcome shares say.
    for (id, outcome) in [
        ("diversion.decided_988", "divert_988"),
        ("diversion.decided_mobile_crisis", "mobile_crisis"),
        ("diversion.decided_co_response", "co_response"),
        ("diversion.decided_police", "law_enforcement"),
        ("diversion.decided_police_and_ems", "law_enforcement_and_ems"),
    ] {
        let (got, want) = (measure(id), 100.0 * share_of(outcome));
        assert!((got - want).abs() < 4.5, "{id}: {got} % vs {want} %");
    }
    // Dispatch to on scene: the report's nearest-rank median of the incidents' events, the
    // simulation's of its drives.
    let p50 = mean(&county_measure(&out, "mobile.dispatch_to_on_scene.p50")["estimate"]);
    let drive = mean(&summary["dispatch_to_on_scene"]["median_s"]) / 60.0;
    assert!((p50 - drive).abs() < 1e-3, "{p50} vs {drive}");
    let centers = ["988-lower", "988-upper", "988-national"];
    let sum = |what: &str| -> f64 {
        centers
            .iter()
            .filter_map(|c| {
                out["county"]["measures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|m| m["id"] == format!("center.{c}.{what}"))
            })
            .map(|m| mean(&m["estimate"]))
            .sum()
    };
    // Returned: offers to the providers that ran out, and diverted calls no center took.
    let returned = measure("unserved.returned") - sum("diverted_returned");
    let share = mean(&summary["returned_share"]);
    // The mean of the replications' shares beside the share of the mean counts.
    assert!((returned / calls - share).abs() < 0.002, "{returned} of {calls} vs {share}");
    assert!(returned > 0.0, "busy providers should let some offers run out");
    // A call either had a team on scene or came back to 911.
    assert!((reached + returned - calls).abs() < 1e-6, "{reached} + {returned} vs {calls}");
    let transported = mean(&county_measure(&out, "mobile.transported")["estimate"]);
    assert!((transported - 85.0).abs() < 4.0, "{transported}");
    assert!(out["county"]["routing"].as_str().unwrap().contains("3 providers"));

    // 988: each answered contact is an incident its center opened; each ring at a center is an
    // arrival there, so arrivals are the contacts plus their rollovers.
    let answered = sum("answered");
    let incidents = mean(&county_measure(&out, "contacts.988")["estimate"]);
    // (The report counts incidents opened, at the answer, in the period; the centers count
    // contacts arrived in it: a contact straddling an end of the period is one and not the
    // other.)
    assert!(answered > 500.0 && (incidents - answered).abs() <= 3.0, "{incidents} vs {answered}");
    let (rung, rolled) = (sum("rung_first"), sum("rolled_over"));
    let arrived = mean(&county_measure(&out, "contacts.arrived")["estimate"]);
    assert!((arrived - rung - rolled).abs() <= 3.0, "{arrived} vs {rung} + {rolled}");
    let share = mean(&county_measure(&out, "contacts.rolled_over")["estimate"]);
    assert!((share / 100.0 - rolled / arrived).abs() < 0.01, "{share} % vs {rolled} / {arrived}");
    assert!(rolled > 0.0 && sum("abandoned") > 0.0);
    // The national backup is out of state: what it answers is not answered in state.
    let national = mean(&county_measure(&out, "center.988-national.answered")["estimate"]);
    let in_state = mean(&county_measure(&out, "contacts.answered_in_state")["estimate"]);
    assert!(national > 0.0 && in_state < 100.0, "{national} {in_state}");
    // Each diverted 911 call is offered to the center its route names.
    let diverted = 6.0 * share_of("divert_988") * 120.0;
    let offered = sum("diverted_offered_first");
    assert!((offered - diverted).abs() < 4.0 * (diverted / 3.0).sqrt(), "{offered} vs {diverted}");
    assert!(sum("diverted_accepted") > 0.9 * offered, "{}", sum("diverted_accepted"));
    // The HTML page carries them too, standing alone.
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("county.html");
    let (ok, _, _) = run(&[&args[..], &["--html", html.to_str().unwrap()]].concat(), &[], None);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        ok && page.contains("mobile.dispatch_to_on_scene.p50")
            && page.contains("center.988-lower.answered")
    );
    assert!(!page.contains("<script") && !page.contains("src="));
    let (ok, table, _) = run(&args, &[], None);
    assert!(ok && table.contains("unserved.returned") && table.contains("back to 911"), "{table}");
}

/// The population share of `prefix`'s block groups, read here from the file itself.
fn population_share(prefix: &str) -> f64 {
    let bytes = std::fs::read(manhattan().join("block-groups.geojson.gz")).unwrap();
    let text = jurisdiction::import::gunzip_if_needed(&bytes).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let (mut part, mut all) = (0.0, 0.0);
    for f in doc["features"].as_array().unwrap() {
        let pop = f["properties"]["POP2000"].as_f64().unwrap_or(0.0);
        all += pop;
        if f["properties"]["STFID"].as_str().unwrap().starts_with(prefix) {
            part += pop;
        }
    }
    part / all
}

/// Calls go to the provider serving where they are: when downtown's provider has no team and
/// no backup, the calls that come back to 911 are downtown's share of the demand.
#[test]
fn calls_are_routed_by_the_county_boundaries_to_the_provider_serving_them() {
    let dir = tempfile::tempdir().unwrap();
    let services = std::fs::read_to_string(manhattan().join("providers-services.toml"))
        .unwrap()
        .replace("tiers = [\"mct-downtown\", \"mct-midtown\"]", "tiers = [\"mct-downtown\"]")
        // Elsewhere an offer waits an hour for a team: only downtown's calls go back.
        .replace("answer_within_s = 120", "answer_within_s = 3600");
    std::fs::write(dir.path().join("providers-services.toml"), services).unwrap();
    let scenario = absolute(&std::fs::read_to_string(manhattan().join("providers.toml")).unwrap())
        .replace("provider = \"mct-downtown\"", "provider = \"mct-midtown\"");
    let path = dir.path().join("no-downtown-teams.toml");
    std::fs::write(&path, scenario).unwrap();
    let out = json(&[
        "simulate",
        "--scenario",
        path.to_str().unwrap(),
        "--days",
        "8",
        "--replications",
        "4",
        "--json",
    ]);
    let returned = &out["summary"]["returned_share"];
    let expected = population_share("3606100");
    assert!(expected > 0.1 && expected < 0.5, "{expected}");
    // Within the replications' 99.9 % interval (t 12.924 over 3.182 for 4 replications), and
    // never more than 2 points off.
    let (m, h) = (mean(returned), returned["half_width"].as_f64().unwrap());
    assert!((m - expected).abs() <= (h * 12.924 / 3.182).max(0.005), "{m} ± {h} vs {expected}");
    assert!((m - expected).abs() < 0.02, "{m} vs {expected}");
    // 988 contacts ring first at the center serving where they are: upper Manhattan's share.
    let first =
        |c: &str| mean(&county_measure(&out, &format!("center.{c}.rung_first"))["estimate"]);
    let upper = first("988-upper") / (first("988-upper") + first("988-lower"));
    let expected = population_share("3606102") + population_share("3606103");
    assert!((upper - expected).abs() < 0.03, "{upper} vs {expected}");
}

/// A county that cannot be read is refused before any run, at the line that names it.
#[test]
fn a_bad_county_is_refused_with_its_file_line_and_what_to_fix() {
    let original = absolute(&std::fs::read_to_string(manhattan().join("providers.toml")).unwrap());
    let services = std::fs::read_to_string(manhattan().join("providers-services.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("providers-services.toml", &services);
    write(
        "no-mobile.toml",
        &services.replace("urn:crisisbridge:service:mobile-crisis", "urn:service:sos"),
    );
    write(
        "unknown-tier.toml",
        &services.replace("\"mct-uptown\", \"mct-midtown\"", "\"mct-east\""),
    );
    write(
        "psap-tier.toml",
        &services.replace("tiers = [\"mct-downtown\", \"mct-midtown\"]", "tiers = [\"nyc-psap\"]"),
    );
    let cases: Vec<(String, &str, &str)> = vec![
        (
            original.replacen("provider = \"mct-downtown\"", "provider = \"mct-east\"", 1),
            "provider = \"mct-east\" is not a mobile crisis provider of providers-services.toml; \
             the providers are: mct-downtown, mct-midtown, mct-uptown",
            "provider = \"mct-east\"",
        ),
        (
            original.replacen("\nprovider = \"mct-downtown\"", "", 1),
            "with a [county], give each team its provider",
            "[[team]]",
        ),
        (
            original
                .replace("services = \"providers-services.toml\"", "services = \"no-mobile.toml\""),
            "routes no urn:crisisbridge:service:mobile-crisis",
            "[county]",
        ),
        (
            original.replace(
                "services = \"providers-services.toml\"",
                "services = \"unknown-tier.toml\"",
            ),
            "mct-east",
            "[county]",
        ),
        (
            original
                .replace("services = \"providers-services.toml\"", "services = \"psap-tier.toml\""),
            "nyc-psap is a tier of urn:crisisbridge:service:mobile-crisis",
            "[county]",
        ),
        (
            original
                .replace("services = \"providers-services.toml\"", "services = \"absent.toml\""),
            "services = \"absent.toml\"",
            "[county]",
        ),
        (without_county(&original), "a provider needs a [county]", "provider = \"mct-downtown\""),
        (
            original.replace("agency = \"988-lower\"", "agency = \"nyc-psap\""),
            "center nyc-psap: not a crisis_center of providers-services.toml",
            "[[center]]",
        ),
        (
            original.replace(
                "[[center]]\nagency = \"988-national\"\ncounselors = 40\nin_state = false\n",
                "",
            ),
            "988 contacts are routed to 988-national (urn:service:counseling.suicide), which has no [[center]]",
            "[county]",
        ),
        (
            original.replace(
                "answer_within_seconds = 20\n",
                "answer_within_seconds = 20\ncounselors = 4\n",
            ),
            "with [[center]]s each center gives its own counselors",
            "[line988]",
        ),
        (
            original.replace("counselors = 2\n", "counselors_by_hour_of_week = [2, 2]\n"),
            "center 988-lower: 2 hourly counselor counts: give 168",
            "[[center]]",
        ),
    ];
    // With a protocol that diverts, the 988 centers take the diverted calls: they must be given.
    let no_centers = original.split("[[center]]").next().unwrap().to_owned()
        + &original[original.find("# hospitals/hospitals_1.csv").unwrap()..];
    let cases: Vec<(String, &str, &str)> = cases
        .into_iter()
        .chain([(
            no_centers.replace("[line988]\n", "[line988]\ncounselors = 3\n"),
            "with a [county], the 911 calls the protocol diverts are offered to the 988 centers",
            "[triage911]",
        )])
        .collect();
    for (k, (text, says, at)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("bad-{k}.toml"));
        std::fs::write(&path, &text).unwrap();
        let (ok, _, stderr) =
            run(&["simulate", "--scenario", path.to_str().unwrap(), "--days", "1"], &[], None);
        assert!(!ok, "case {k} ran");
        let line = line_of(&text, at, k);
        let want = format!("bad-{k}.toml:{line}:");
        assert!(
            stderr.contains(says) && stderr.contains(&want),
            "case {k}: want {want} … {says}; got {stderr}"
        );
    }
}

/// `text` without its `[county]` table (the header and the three lines after it).
fn without_county(text: &str) -> String {
    let (before, after) = text.split_once("[county]\n").unwrap();
    let rest: Vec<&str> = after.lines().skip(3).collect();
    format!("{before}{}\n", rest.join("\n"))
}

fn line_of(text: &str, needle: &str, case: usize) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|k| k + 1)
        .unwrap_or_else(|| panic!("case {case}: {needle} is not in the scenario"))
}

/// `plan` does not yet plan providers' teams: a county's scenario is refused, saying what to do.
#[test]
fn plan_refuses_a_county_scenario_saying_what_to_do() {
    let scenario = manhattan().join("providers.toml");
    for args in [
        vec!["plan", "posts", "--scenario", scenario.to_str().unwrap(), "--teams", "12"],
        vec!["plan", "staffing", "--scenario", scenario.to_str().unwrap()],
    ] {
        let (ok, _, stderr) = run(&args, &[], None);
        assert!(!ok && stderr.contains("plan a copy without [county]"), "{args:?}: {stderr}");
    }
}

/// Where calls come from by the hour of the week: with upper Manhattan's weight 0 for the
/// first half of the week, a week's 988 contacts ring first at its center half as often as
/// its population share says; an hour with no weight anywhere, or a malformed profile, is
/// refused at the `[demand]` line.
#[test]
fn demand_varies_by_the_hour_of_the_week_as_its_profile_says() {
    let dir = tempfile::tempdir().unwrap();
    // Upper Manhattan's provider is nobody's backup here: its teams take its own calls only.
    let services =
        std::fs::read_to_string(manhattan().join("providers-services.toml")).unwrap().replace(
            "tiers = [\"mct-midtown\", \"mct-downtown\", \"mct-uptown\"]",
            "tiers = [\"mct-midtown\", \"mct-downtown\"]",
        );
    std::fs::write(dir.path().join("providers-services.toml"), services).unwrap();
    let original = absolute(&std::fs::read_to_string(manhattan().join("providers.toml")).unwrap());
    let profile = |areas: &str, first: f64, second: f64| {
        let hours: Vec<String> =
            (0..168).map(|h| if h < 84 { first } else { second }.to_string()).collect();
        original.replace(
            "weight = \"POP2000\"\n",
            &format!(
                "weight = \"POP2000\"\n\n[[demand.profile]]\nareas = [{areas}]\nby_hour_of_week = [{}]\n",
                hours.join(", ")
            ),
        )
    };
    let path = dir.path().join("half-week.toml");
    std::fs::write(&path, profile("\"3606102*\", \"3606103*\"", 0.0, 1.0)).unwrap();
    let run_days = |days: &str| {
        json(&[
            "simulate",
            "--scenario",
            path.to_str().unwrap(),
            "--days",
            days,
            "--replications",
            "3",
            "--json",
        ])
    };
    // A figure, 0 where the report left it out (0 in every replication).
    let figure = |out: &serde_json::Value, id: &str| {
        out["county"]["measures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .map_or(0.0, |m| mean(&m["estimate"]))
    };
    let upper_share = |out: &serde_json::Value| {
        let (upper, lower) = (
            figure(out, "center.988-upper.rung_first"),
            figure(out, "center.988-lower.rung_first"),
        );
        upper / (upper + lower)
    };
    // The warm-up and the two days after it (hours 0 to 72) lie in the zeroed half: no contact
    // and no team call comes from upper Manhattan, so its teams are never sent.
    let early = run_days("2");
    assert_eq!(upper_share(&early), 0.0);
    let uptown: Vec<String> = original
        .split("[[team]]")
        .filter(|t| t.contains("provider = \"mct-uptown\""))
        .filter_map(|t| t.split('"').nth(1).map(str::to_owned))
        .collect();
    assert_eq!(uptown.len(), 4, "{uptown:?}");
    let utilisation = |out: &serde_json::Value| -> f64 {
        let teams = out["summary"]["teams"].as_array().unwrap();
        let busy: f64 = teams
            .iter()
            .filter(|t| uptown.iter().any(|u| t[0] == u.as_str()))
            .map(|t| mean(&t[1]))
            .sum();
        busy / uptown.len() as f64
    };
    assert_eq!(utilisation(&early), 0.0);
    // A whole week: half of it with upper Manhattan's usual share.
    let week = run_days("7");
    let expected = (population_share("3606102") + population_share("3606103")) / 2.0;
    assert!((upper_share(&week) - expected).abs() < 0.03, "{} vs {expected}", upper_share(&week));
    assert!(utilisation(&week) > 0.15, "{}", utilisation(&week));

    // Each refused at the profile's own line, but an hour with no weight anywhere (the
    // profiles together) at the [demand] line.
    for (k, (text, says, at)) in [
        (
            profile("\"3606\"", 0.0, 1.0),
            "[[demand.profile]] #1: \"3606\" matches no demand area",
            "[[demand.profile]]",
        ),
        (
            profile("\"*\"", 0.0, 1.0),
            "in hour 0 of the week (Monday 00:00) no area has any weight",
            "[demand]",
        ),
        (
            profile("\"36061*\"", -1.0, 1.0),
            "[[demand.profile]] #1: a multiplier of -1: give 0 or more",
            "[[demand.profile]]",
        ),
        (
            original.replace(
                "weight = \"POP2000\"\n",
                "weight = \"POP2000\"\n\n[[demand.profile]]\nareas = [\"36061*\"]\nby_hour_of_week = [1, 2]\n",
            ),
            "2 multipliers: give 168",
            "[[demand.profile]]",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("bad-profile-{k}.toml"));
        std::fs::write(&path, &text).unwrap();
        let (ok, _, stderr) =
            run(&["simulate", "--scenario", path.to_str().unwrap(), "--days", "1"], &[], None);
        let line = line_of(&text, at, k);
        let want = format!("bad-profile-{k}.toml:{line}:");
        assert!(!ok && stderr.contains(says) && stderr.contains(&want), "case {k}: {stderr}");
    }
}
