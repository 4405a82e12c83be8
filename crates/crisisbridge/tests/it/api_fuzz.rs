//! The API against its own description: `docs/openapi.json` validated by an OpenAPI validator
//! (openapi-spec-validator), then every operation fuzzed by a property-based API fuzzer
//! (schemathesis) against the real binary, logged in as each role in turn, with a bounded
//! budget and a fixed seed — no answer may be a server error. Both tools come from
//! `scripts/install-test-tools.sh` (`.test-tools/venv`); without them the test skips loudly,
//! except under `CI`, where it fails.

use std::path::PathBuf;
use std::process::Command;

use crate::process::Demo;

fn venv() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.test-tools/venv/bin"))
}

fn tools_present() -> bool {
    if venv().join("schemathesis").exists() {
        return true;
    }
    let message = "API fuzzing: .test-tools/venv is missing; run scripts/install-test-tools.sh";
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n*** SKIPPED: {message} ***\n");
    false
}

#[test]
fn the_openapi_description_is_valid() {
    if !tools_present() {
        return;
    }
    let document = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let output = Command::new(venv().join("python"))
        .args([
            "-c",
            "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')",
            document,
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stdout.contains("valid"), "{stdout}\n{stderr}");
}

#[tokio::test]
async fn fuzzing_every_operation_as_each_role_finds_no_server_error() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let schema = format!("{}/api/v1/openapi.json", demo.base);
    for (i, role) in ["supervisor", "admin", "calltaker", "counselor", "dispatcher", "responder"]
        .into_iter()
        .enumerate()
    {
        let token = demo.login(role).await;
        let output = Command::new(venv().join("schemathesis"))
            .args(["run", &schema, "--checks", "not_a_server_error", "--max-examples", "8"])
            .args(["--seed", &(20_261_205 + i).to_string(), "--workers", "1", "--no-shrink"])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            // Logging out would end the fuzzer's own session; the live stream and the
            // conveyance WebSocket never end; protocols are TOML, which the fuzzer cannot
            // write (the protocol parser has fuzz targets of its own, crates/fuzz).
            .args(["--exclude-path", "/api/v1/sessions", "--exclude-path", "/api/v1/stream"])
            .args(["--exclude-path", "/api/v1/eido/conveyance"])
            .args(["--exclude-operation-id", "post_protocols"])
            // Its cache of failures goes to the temporary directory, not the source tree.
            .current_dir(dir.path())
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let summary = stdout.lines().skip_while(|l| !l.contains("SUMMARY")).collect::<Vec<_>>();
        println!("as {role}:\n{}", summary.join("\n"));
        assert!(
            output.status.success(),
            "as {role}, the fuzzer found failures:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains("passed"), "as {role}, the fuzzer ran nothing:\n{stdout}");
    }
    // The server is still up and answers after all of it.
    let token = demo.login("supervisor").await;
    let me = demo.get_json(&token, "/api/v1/me").await;
    assert_eq!(me["username"], "supervisor", "{me}");
    demo.kill();
}
