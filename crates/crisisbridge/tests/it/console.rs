//! The web console: served by the binary with a strict policy, and end to end in a real
//! headless Chromium (Debian's, driven by `playwright-core` from `web/tests`; nothing is
//! downloaded). The browser tests skip with a loud message when node, Chromium or
//! `web/tests/node_modules` are missing — unless `CI` is set, where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::process::{BIN, Demo};

/// One browser test at a time: two Chromiums side by side on a 2-core machine only make
/// each other's timings (and timeouts) worse.
static BROWSER: Mutex<()> = Mutex::new(());

fn web_tests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/tests")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What is missing to run the browser tests, if anything.
fn missing_tools() -> Vec<String> {
    let mut missing = Vec::new();
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node (Debian package nodejs)".to_owned());
    }
    if !chromium().exists() {
        missing
            .push(format!("{} (Debian packages chromium, chromium-driver)", chromium().display()));
    }
    if !web_tests().join("node_modules/playwright-core/package.json").exists() {
        missing.push("web/tests/node_modules (npm ci in web/tests)".to_owned());
    }
    missing
}

/// Whether the browser tests can run; panics under CI when they cannot.
fn browser_available(test: &str) -> bool {
    let missing = missing_tools();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "console browser test {test}: missing {}; run scripts/install-test-tools.sh",
        missing.join(", ")
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n*** SKIPPED: {message} ***\n");
    false
}

/// Runs `web/tests/{script}` against `base`; panics with its output when it fails. Returns
/// what it printed.
fn run_script(script: &str, base: &str) -> String {
    run_script_with(script, base, &[])
}

/// [`run_script`] with more environment for the script.
fn run_script_with(script: &str, base: &str, env: &[(&str, &str)]) -> String {
    let output = Command::new("node")
        .arg(script)
        .current_dir(web_tests())
        .envs(env.iter().copied())
        .env("CB_BASE", base)
        .env("CB_BIN", BIN)
        .env("CHROMIUM", chromium())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    stdout
}

fn browser_test(name: &str, script: &str) -> String {
    browser_test_in("kansas", name, script)
}

/// [`browser_test`] on the demo of another region.
fn browser_test_in(region: &str, name: &str, script: &str) -> String {
    let _one_at_a_time = BROWSER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start_region(dir.path(), region);
    let out = run_script(script, &demo.base);
    demo.kill();
    assert!(out.contains(&format!("PASS {name}")), "{out}");
    out
}

#[tokio::test]
async fn the_console_is_served_by_the_binary_with_a_strict_policy() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    assert!(demo.banner.iter().any(|l| l.contains("/console/")), "the banner names the console");
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let root = client.get(format!("{}/", demo.base)).send().await.unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/console/");

    let page = client.get(format!("{}/console/", demo.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe"), "{csp}");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let etag = page.headers()["etag"].clone();
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="js/app.js">"#));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page names no other host"
    );

    let again = client
        .get(format!("{}/console/", demo.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "an unchanged file is revalidated, not sent again");

    let module = client.get(format!("{}/console/js/app.js", demo.base)).send().await.unwrap();
    assert_eq!(module.status(), 200);
    assert_eq!(module.headers()["content-type"], "text/javascript; charset=utf-8");
    let css = client.get(format!("{}/console/console.css", demo.base)).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let missing = client.get(format!("{}/console/js/nope.js", demo.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    // The console's files hold no data; the API still wants a session.
    let api = client.get(format!("{}/api/v1/incidents", demo.base)).send().await.unwrap();
    assert_eq!(api.status(), 401);
    demo.kill();
}

/// A deployment that asks supervisors for an authenticator: the first login shows the QR
/// code, a wrong code is refused, the right one lets the supervisor in.
#[test]
fn a_supervisor_enrols_an_authenticator_in_the_console() {
    if !browser_available("totp-enrolment") {
        return;
    }
    let _one_at_a_time = BROWSER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().unwrap();
    Demo::start(dir.path()).kill();
    let config = dir.path().join("crisisbridge.toml");
    let database = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase_url = \"{database}\"\ntotp_required_for = [\"supervisor\"]\n"
        ),
    )
    .unwrap();
    let server = Demo::serve(&config);
    let out = run_script("totp-enrolment.mjs", &server.base);
    server.kill();
    assert!(out.contains("PASS totp enrolment"), "{out}");
}

#[test]
fn unknown_answers_overrides_and_alarms_work_in_the_console() {
    if browser_available("safety-unknown-alarm") {
        browser_test("unknown answers, overrides and alarms", "safety-unknown-alarm.mjs");
    }
}

#[test]
fn a_call_takers_transfer_reaches_the_counselor_live() {
    if browser_available("calltaker-transfer") {
        browser_test("call-taker transfer reaches the counselor live", "calltaker-transfer.mjs");
    }
}

#[test]
fn a_counselors_handoff_reaches_the_psap_live_and_is_confirmed() {
    if browser_available("counselor-handoff") {
        browser_test("counselor hands off to 911 and confirms", "counselor-handoff.mjs");
    }
}

#[test]
fn a_clinician_hands_a_call_to_a_colleague_live() {
    if browser_available("clinician-handon") {
        browser_test("clinician hands a call to a colleague live", "clinician-handon.mjs");
    }
}

#[test]
fn a_supervisor_reads_an_incidents_audit_trail() {
    if browser_available("supervisor-audit") {
        browser_test("supervisor reads the audit trail", "supervisor-audit.mjs");
    }
}

#[test]
fn a_supervisor_reads_the_outcome_measures() {
    if browser_available("supervisor-reports") {
        browser_test("supervisor reads the outcome measures", "supervisor-reports.mjs");
    }
}

#[test]
fn incidents_are_searched_paged_and_opened_in_the_console() {
    if browser_available("search-history") {
        browser_test("search and history", "search-history.mjs");
    }
}

#[test]
fn alerts_chime_notify_and_stay_until_someone_acts() {
    if browser_available("alerts") {
        browser_test("alerts that are noticed", "alerts.mjs");
    }
}

#[test]
fn a_handover_note_is_read_and_acknowledged_in_the_console() {
    if browser_available("shift-log") {
        browser_test("shift log", "shift-log.mjs");
    }
}

#[test]
fn a_care_navigator_works_a_follow_up_from_the_queue() {
    if browser_available("follow-up") {
        browser_test("follow-up after the contact", "follow-up.mjs");
    }
}

#[test]
fn a_team_takes_a_person_to_a_facility_with_room_and_the_facility_takes_them_over() {
    if browser_available("destination") {
        browser_test("somewhere to go", "destination.mjs");
    }
}

/// On the Manhattan demo: streets drawn from the server's tiles, panned and zoomed, a corner
/// found by name, and places said in words on the call-taker's incident and the responder's
/// phone (with `geo:` and a small map).
#[test]
fn streets_are_drawn_panned_zoomed_and_searched_on_manhattan() {
    if browser_available("streets-map") {
        browser_test_in(
            "manhattan",
            "streets are drawn, panned, zoomed and searched",
            "streets-map.mjs",
        );
    }
}

/// The posts `plan posts --json` recommends for the Manhattan scenario, on the Manhattan demo's
/// dispatcher map.
#[test]
fn a_dispatcher_sees_the_recommended_posts_on_the_map() {
    if !browser_available("plan-posts") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/manhattan/scenario.toml"
    ));
    let output = Command::new(BIN)
        .args(["plan", "posts", "--scenario", scenario.to_str().unwrap(), "--teams", "12"])
        .args(["--demand-points", "300", "--replications", "0", "--busy-fraction", "0.5", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, &output.stdout).unwrap();
    let _one_at_a_time = BROWSER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let demo = Demo::start_region(dir.path(), "manhattan");
    let out = run_script_with("plan-posts.mjs", &demo.base, &[("CB_PLAN", plan.to_str().unwrap())]);
    demo.kill();
    assert!(out.contains("PASS dispatcher sees the recommended posts"), "{out}");
}

/// A simulation of the county-year scenario (with its 988 line) beside the Kansas demo's real
/// period in the supervisor's Reports view.
#[test]
fn a_supervisor_compares_a_simulation_with_the_real_period() {
    if !browser_available("simulated-reports") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/manhattan/county-year.toml"
    ));
    let output = Command::new(BIN)
        .args(["simulate", "--scenario", scenario.to_str().unwrap()])
        .args(["--days", "3", "--replications", "2", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let simulation = dir.path().join("simulation.json");
    std::fs::write(&simulation, &output.stdout).unwrap();
    // And a county's: routed to providers and 988 centers, measured by the report's own code.
    let providers = scenario.with_file_name("providers.toml");
    let output = Command::new(BIN)
        .args(["simulate", "--scenario", providers.to_str().unwrap()])
        .args(["--days", "2", "--replications", "2", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let county = dir.path().join("county.json");
    std::fs::write(&county, &output.stdout).unwrap();
    let _one_at_a_time = BROWSER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let demo = Demo::start_region(dir.path(), "kansas");
    let env = [
        ("CB_SIMULATION", simulation.to_str().unwrap()),
        ("CB_COUNTY_SIMULATION", county.to_str().unwrap()),
    ];
    let out = run_script_with("simulated-reports.mjs", &demo.base, &env);
    demo.kill();
    assert!(out.contains("PASS supervisor compares a simulation with the real period"), "{out}");
}

#[test]
fn a_dispatchers_map_moves_a_team_marker_live() {
    if browser_available("dispatcher-marker") {
        browser_test("dispatcher sees a team marker move", "dispatcher-marker.mjs");
    }
}

#[test]
fn every_view_renders_first_and_the_times_are_reported() {
    if browser_available("first-render") {
        let out = browser_test("first render of every view", "first-render.mjs");
        for line in out.lines().filter(|l| l.starts_with("first-render") || l.starts_with("WARN")) {
            eprintln!("{line}");
        }
    }
}

#[test]
fn the_console_resumes_after_the_server_restarts() {
    if browser_available("reconnect") {
        let _one_at_a_time = BROWSER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // The script runs its own server, on a port it keeps across the restart.
        let out = run_script("reconnect.mjs", "unused");
        assert!(out.contains("PASS the console resumes after the server restarts"), "{out}");
    }
}
