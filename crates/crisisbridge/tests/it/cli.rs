//! The other subcommands: user, rebuild, serve's config checks, openapi.

use crate::process::{Demo, run};

#[tokio::test]
async fn user_add_creates_a_user_who_can_log_in_and_rebuild_keeps_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let token = demo.login("calltaker").await;
    let created: serde_json::Value =
        demo.create_incident(&token, "before rebuild").await.unwrap().json().await.unwrap();
    let url = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());

    let add = [
        "user",
        "add",
        "--database",
        &url,
        "--agency",
        "psap-20173",
        "--role",
        "call_taker",
        "--username",
        "wichita1",
    ];
    let (ok, stdout, stderr) = run(&add, &[], Some("quartz-lantern-mosaic-ember\n"));
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("created user wichita1 (call_taker) in Sedgwick County 911"),
        "{stdout}"
    );
    let login = demo
        .client
        .post(format!("{}/api/v1/sessions", demo.base))
        .json(
            &serde_json::json!({"username": "wichita1", "password": "quartz-lantern-mosaic-ember"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 201);

    let (ok, _, stderr) =
        run(&add, &[("CRISISBRIDGE_PASSWORD", "harbor-velvet-cobalt-thistle")], None);
    assert!(!ok && stderr.contains("\"wichita1\" is taken"), "{stderr}");
    let wrong_role = [
        "user",
        "add",
        "--database",
        &url,
        "--agency",
        "ksphq",
        "--role",
        "dispatcher",
        "--username",
        "xavier",
    ];
    let (ok, _, stderr) =
        run(&wrong_role, &[("CRISISBRIDGE_PASSWORD", "harbor-velvet-cobalt-thistle")], None);
    assert!(
        !ok && stderr.contains("role dispatcher does not exist in a crisis_center agency"),
        "{stderr}"
    );
    let short = [
        "user",
        "add",
        "--database",
        &url,
        "--agency",
        "ksphq",
        "--role",
        "counselor",
        "--username",
        "yolanda",
    ];
    let (ok, _, stderr) = run(&short, &[("CRISISBRIDGE_PASSWORD", "short")], None);
    assert!(!ok && stderr.contains("at least 12 characters"), "{stderr}");

    let (ok, stdout, stderr) = run(&["rebuild", "--database", &url], &[], None);
    assert!(ok, "{stderr}");
    // Opened, then routed for 911 (the county's PSAP), both 988 services (KSPHQ) and mobile
    // crisis (Douglas County's provider).
    assert!(stdout.contains("rebuilt 1 incidents from 5 events"), "{stdout}");
    let id = created["id"].as_str().unwrap();
    let fetched = demo.get_json(&token, &format!("/api/v1/incidents/{id}")).await;
    assert_eq!(fetched["summary"], "before rebuild");
}

#[test]
fn serve_explains_a_bad_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:0\"\ndatabase = \"sqlite://x.db\"\n").unwrap();
    let (ok, _, stderr) = run(&["serve", "--config", path.to_str().unwrap()], &[], None);
    assert!(!ok);
    assert!(stderr.contains("unknown field `database`"), "{stderr}");
    let (ok, _, stderr) = run(&["serve", "--config", "/nonexistent.toml"], &[], None);
    assert!(!ok && stderr.contains("reading the config file /nonexistent.toml"), "{stderr}");
}

#[test]
fn serve_runs_from_a_config_file_with_environment_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crisisbridge.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:1\"\ndatabase_url = \"sqlite://never-used.db\"\n")
        .unwrap();
    let db = format!("sqlite://{}", dir.path().join("env.db").display());
    let mut child = std::process::Command::new(crate::process::BIN)
        .args(["serve", "--config", path.to_str().unwrap()])
        .env("CRISISBRIDGE_LISTEN", "127.0.0.1:0")
        .env("CRISISBRIDGE_DATABASE_URL", &db)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:") && !line.contains(":1\n"), "{line}");
    assert!(
        dir.path().join("env.db").exists(),
        "the environment's database URL wins over the file's"
    );
}

#[test]
fn openapi_prints_the_checked_in_description() {
    let (ok, stdout, _) = run(&["openapi"], &[], None);
    assert!(ok);
    assert_eq!(stdout.trim(), include_str!("../../../../docs/openapi.json").trim());
}

#[test]
fn protocol_check_passes_the_shipped_protocols_and_fails_a_broken_one_with_its_counterexample() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let shipped = [
        format!("{root}/protocols/ks-911-behavioral-health-diversion.toml"),
        format!("{root}/protocols/988-suicide-safety-assessment.toml"),
    ];
    let (ok, stdout, stderr) = run(&["protocol", "check", &shipped[0], &shipped[1]], &[], None);
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(stdout.matches(": ok: protocol").count(), 2, "{stdout}");
    // It says which floor constraints it proved, unknown answers included.
    assert!(
        stdout.contains("floor constraints proved: attempt-needs-ems, weapon-needs-police, violence-needs-police, medical-needs-ems, no-988-without-consent"),
        "{stdout}"
    );
    assert!(stdout.contains("with unknown answers"), "{stdout}");

    let broken = format!("{root}/crates/triage/tests/protocols/broken/safety-violated.toml");
    let (ok, stdout, stderr) = run(&["protocol", "check", &shipped[0], &broken], &[], None);
    assert!(!ok);
    assert!(
        stdout.contains(
            "floor constraint `weapon-needs-police` of crisisbridge-platform-floor is broken: when weapon = yes"
        ),
        "{stdout}"
    );
    assert!(stderr.contains("1 of 2 protocol file(s) failed the check"), "{stderr}");

    // A state's floor adds to Crisisbridge's: here, a weapon must bring EMS too.
    let dir = tempfile::tempdir().unwrap();
    let floor = dir.path().join("state-floor.toml");
    std::fs::write(
        &floor,
        "[floor]\nid = \"state\"\ntitle = \"t\"\nsource = \"s\"\n\n[[concepts]]\nid = \"weapon\"\nasks = \"a weapon?\"\n\n[[constraints]]\nid = \"weapon-needs-ems\"\nchannels = [\"911\"]\nwhen = \"weapon\"\nrequires = [\"ems\"]\nwhy = \"state policy\"\n",
    )
    .unwrap();
    let floor = floor.display().to_string();
    let (ok, stdout, _) = run(&["protocol", "check", "--floor", &floor, &shipped[0]], &[], None);
    assert!(!ok);
    assert!(stdout.contains("floor constraint `weapon-needs-ems` of state is broken"), "{stdout}");
}

/// Once, 10,600 parentheses or 22,600 `not`s overflowed the stack and aborted the command.
#[test]
fn protocol_check_refuses_a_condition_nested_past_any_stack_without_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let header = "[protocol]\nid = \"p\"\ntitle = \"t\"\nchannel = \"other\"\nsource = \"s\"\n\n[[questions]]\nid = \"a\"\ntext = \"?\"\ntype = \"yes_no\"\n";
    for (name, when) in [
        ("parens.toml", format!("{}a{}", "(".repeat(10_600), ")".repeat(10_600))),
        ("nots.toml", format!("{}a", "not ".repeat(22_600))),
    ] {
        let path = dir.path().join(name);
        let rule = format!(
            "\n[[safety]]\nid = \"s\"\nwhen = \"{when}\"\nrequires = [\"ems\"]\nwhy = \"w\"\n"
        );
        std::fs::write(&path, format!("{header}\n[[rules]]\nid = \"r\"\nwhen = \"true\"\noutcome = \"ems\"\nwhy = \"w\"\n{rule}")).unwrap();
        let (ok, stdout, stderr) = run(&["protocol", "check", path.to_str().unwrap()], &[], None);
        assert!(!ok);
        assert!(stdout.contains("nest more than 32 deep here"), "{stdout}{stderr}");
        assert!(stderr.contains("1 of 1 protocol file(s) failed the check"), "{stderr}");
    }
}

/// Seeded uniform numbers in [0, 1) (xorshift), the same on every run.
fn seeded_unit() -> impl FnMut() -> f64 {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Once, rejecting a self-crossing ring of 40,000 points took 19 s: the crossing search was
/// quadratic on rings of long edges. Now it is refused at once, saying where it crosses.
#[test]
fn route_refuses_a_big_self_crossing_ring_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut next = seeded_unit();
    let mut ring: Vec<String> =
        (0..40_000).map(|_| format!("[{:.6},{:.6}]", -95.0 + next(), 38.0 + next())).collect();
    ring.push(ring[0].clone());
    let path = dir.path().join("crossing.geojson");
    std::fs::write(
        &path,
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"GEOID":"x"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}]}}"#,
            ring.join(",")
        ),
    )
    .unwrap();
    let (ok, _, stderr) = run(
        &["route", "--areas", path.to_str().unwrap(), "--lat", "38.5", "--lon", "-94.5"],
        &[],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("ring 0 crosses itself near ["), "{stderr}");
}

#[test]
fn route_assigns_points_to_the_areas_that_contain_them() {
    let counties = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/kansas-counties.geojson");
    let (ok, stdout, stderr) = run(
        &[
            "route",
            "--areas",
            counties,
            "--id-field",
            "fips",
            "--lat",
            "38.9717",
            "--lon",
            "-95.2353",
        ],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "idx,area_ids\n0,20045\n");

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("calls.csv");
    // Lawrence, Olathe, Wichita, Kansas City MO (outside Kansas), after a header and a blank line.
    std::fs::write(
        &csv,
        "lon,lat\n-95.2353,38.9717\n\n-94.8191,38.8814\n-97.3301,37.6872\n-94.5786,39.0997\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = run(
        &["route", "--areas", counties, "--id-field", "fips", "--points", csv.to_str().unwrap()],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "idx,area_ids\n0,20045\n1,20091\n2,20173\n3,\n");

    std::fs::write(&csv, "-95.2353,38.9717\n-95.2,abc\n").unwrap();
    let fips = ["--id-field", "fips"];
    let points =
        ["route", "--areas", counties, fips[0], fips[1], "--points", csv.to_str().unwrap()];
    let (ok, _, stderr) = run(&points, &[], None);
    assert!(
        !ok && stderr.contains("calls.csv: line 2: latitude \"abc\" is not a number"),
        "{stderr}"
    );
    // A header `lat,lon` turns the columns round; a row the wrong way round says so.
    std::fs::write(&csv, "lat,lon\n38.9717,-95.2353\n").unwrap();
    let (ok, stdout, stderr) = run(&points, &[], None);
    assert!(ok && stdout == "idx,area_ids\n0,20045\n", "{stdout}{stderr}");
    std::fs::write(&csv, "38.9717,-95.2353\n38.9717,-95.2353\n").unwrap();
    let (ok, _, stderr) = run(&points, &[], None);
    assert!(!ok && stderr.contains("the row reads as lat,lon instead"), "{stderr}");
    // An id field no feature has is refused, not replaced by the features' positions.
    let (ok, _, stderr) = run(
        &[
            "route",
            "--areas",
            counties,
            "--id-field",
            "FIPS_CODE",
            "--lat",
            "38.9",
            "--lon",
            "-95.2",
        ],
        &[],
        None,
    );
    assert!(!ok && stderr.contains("no feature has the attribute `FIPS_CODE`"), "{stderr}");
    assert!(stderr.contains("give the id field with --id-field NAME"), "{stderr}");
    let (ok, _, stderr) = run(
        &["route", "--areas", counties, fips[0], fips[1], "--lat", "91", "--lon", "0"],
        &[],
        None,
    );
    assert!(!ok && stderr.contains("latitude 91 is out of range [-90, 90]"), "{stderr}");
}

/// An index file built once answers as the boundary file does, row for row, on a file of
/// points long enough to cross many batches between the reading and the lookup threads.
#[test]
fn route_reads_an_area_index_file_and_answers_as_the_boundaries_do() {
    let counties = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/kansas-counties.geojson");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("kansas.areaindex");
    let (ok, stdout, stderr) = run(
        &["import", "area-index", counties, "--id-field", "fips", "--out", index.to_str().unwrap()],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("indexed 105 areas") && stdout.contains("wrote"), "{stdout}");

    let mut next = seeded_unit();
    let mut csv = String::from("lon,lat\n-95.2353,38.9717\n");
    for _ in 0..70_000 {
        csv.push_str(&format!("{:.6},{:.6}\n", -102.2 + 7.8 * next(), 36.9 + 3.2 * next()));
    }
    let points = dir.path().join("points.csv");
    std::fs::write(&points, csv).unwrap();
    let route = |areas: &str, id_field: &str| {
        let (ok, stdout, stderr) = run(
            &[
                "route",
                "--areas",
                areas,
                "--id-field",
                id_field,
                "--points",
                points.to_str().unwrap(),
            ],
            &[],
            None,
        );
        assert!(ok, "{stderr}");
        stdout
    };
    let from_boundaries = route(counties, "fips");
    // The index keeps the ids it was built with: the id field is not read again.
    let from_index = route(index.to_str().unwrap(), "ignored");
    assert_eq!(from_index, from_boundaries);
    let rows: Vec<&str> = from_index.lines().collect();
    assert_eq!(rows.len(), 70_002, "a header and every point");
    assert_eq!(rows[1], "0,20045");
    for (i, row) in rows.iter().skip(1).enumerate() {
        assert!(row.starts_with(&format!("{i},")), "row {i} is {row}");
    }
    let inside = rows.iter().skip(1).filter(|r| !r.ends_with(',')).count();
    assert!(inside > 56_000, "most of Kansas's box is Kansas: {inside}");

    let (ok, stdout, stderr) = run(
        &["route", "--areas", index.to_str().unwrap(), "--lat", "37.6872", "--lon", "-97.3301"],
        &[],
        None,
    );
    assert!(ok && stdout == "idx,area_ids\n0,20173\n", "{stdout}{stderr}");

    // The file is read in pieces, one per core: a `lat,lon` header in the first piece turns
    // every piece's columns round, and a bad row deep in a later piece names its own line.
    let lat_lon: String = std::fs::read_to_string(&points)
        .unwrap()
        .lines()
        .skip(1)
        .map(|row| {
            let (lon, lat) = row.split_once(',').unwrap();
            format!("{lat},{lon}\r\n")
        })
        .collect();
    std::fs::write(&points, format!("lat,lon\r\n{lat_lon}")).unwrap();
    assert_eq!(route(index.to_str().unwrap(), "ignored"), from_boundaries);
    // Blank lines before the header fill the first core's piece: the header still leads.
    std::fs::write(&points, format!("{}lat,lon\r\n{lat_lon}", "\n".repeat(600_000))).unwrap();
    assert_eq!(route(index.to_str().unwrap(), "ignored"), from_boundaries);
    // A file holding a quote is read on one thread, a batch at a time, to the same answers.
    let quoted: String =
        lat_lon.lines().map(|row| format!("\"{}\"\n", row.replace(',', "\",\""))).collect();
    std::fs::write(&points, format!("\"lat\",\"lon\"\n{quoted}")).unwrap();
    assert_eq!(route(index.to_str().unwrap(), "ignored"), from_boundaries);
    let mut rows: Vec<String> = lat_lon.lines().map(str::to_owned).collect();
    rows[45_000] = "38.9,oops".to_owned();
    std::fs::write(&points, format!("lat,lon\n{}\n", rows.join("\n"))).unwrap();
    let (ok, _, stderr) = run(
        &["route", "--areas", index.to_str().unwrap(), "--points", points.to_str().unwrap()],
        &[],
        None,
    );
    assert!(!ok && stderr.contains("line 45002: longitude \"oops\" is not a number"), "{stderr}");

    // A damaged index is refused, saying what to do; nothing is answered.
    let mut bytes = std::fs::read(&index).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&index, &bytes).unwrap();
    let (ok, stdout, stderr) = run(
        &["route", "--areas", index.to_str().unwrap(), "--lat", "37.6872", "--lon", "-97.3301"],
        &[],
        None,
    );
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("damaged") && stderr.contains("import area-index"), "{stderr}");
    bytes.truncate(100);
    std::fs::write(&index, &bytes).unwrap();
    let (ok, _, stderr) = run(
        &["route", "--areas", index.to_str().unwrap(), "--lat", "37.6872", "--lon", "-97.3301"],
        &[],
        None,
    );
    assert!(!ok && stderr.contains("area index file"), "{stderr}");
}

#[test]
fn route_reads_a_gzipped_shapefile_with_its_sibling_dbf() {
    let data = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/census-cb2016-500k"
    ));
    if !data.is_dir() {
        eprintln!("\n!!!!! SKIPPED: the Census shapefile is not at {} !!!!!\n", data.display());
        return;
    }
    let shp = data.join("cb_2016_us_county_500k.shp.gz");
    let (ok, stdout, stderr) = run(
        &["route", "--areas", shp.to_str().unwrap(), "--lat", "38.9717", "--lon", "-95.2353"],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "idx,area_ids\n0,20045\n", "GEOID is the default id field");
}

#[tokio::test]
async fn audit_verify_finds_the_chain_intact_and_then_the_edited_record() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let token = demo.login("calltaker").await;
    let created: serde_json::Value =
        demo.create_incident(&token, "audited call").await.unwrap().json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    demo.get_json(&token, &format!("/api/v1/incidents/{id}")).await;
    demo.kill();
    let url = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());

    let (ok, stdout, stderr) = run(&["audit", "verify", "--database", &url], &[], None);
    assert!(ok, "{stdout}{stderr}");
    // The login, the create and the read.
    assert!(stdout.contains("audit log intact: 3 records"), "{stdout}");

    // Someone with the file edits the read's record: verify names it and fails.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_is_never_updated").execute(&pool).await.unwrap();
    sqlx::query("UPDATE audit_log SET outcome = 404 WHERE seq = 3").execute(&pool).await.unwrap();
    pool.close().await;
    let (ok, stdout, stderr) = run(&["audit", "verify", "--database", &url], &[], None);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("broken at record 3") && stderr.contains("it was changed"), "{stderr}");
}

#[tokio::test]
async fn users_are_administered_and_the_audit_trail_sealed_checkpointed_and_verified_from_the_command_line()
 {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let url = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());
    let user = |args: &[&str], password: Option<&str>| {
        let mut all = vec!["user"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--database", &url]);
        let env: Vec<(&str, &str)> =
            password.map(|p| vec![("CRISISBRIDGE_PASSWORD", p)]).unwrap_or_default();
        run(&all, &env, None)
    };
    let add = ["add", "--agency", "psap-20173", "--role", "call_taker", "--username"];
    for (name, password, says) in [
        ("<b>", "quartz-lantern-mosaic-ember", "not allowed"),
        ("dana", "password1234", "too easy to guess"),
        ("dana", "            ", "only spaces"),
        ("CallTaker", "quartz-lantern-mosaic-ember", "is taken"),
    ] {
        let args: Vec<&str> = add.iter().copied().chain([name]).collect();
        let (ok, _, stderr) = user(&args, Some(password));
        assert!(!ok && stderr.contains(says), "{name}: {stderr}");
    }
    let args: Vec<&str> = add.iter().copied().chain(["Dana"]).collect();
    let (ok, stdout, stderr) = user(&args, Some("quartz-lantern-mosaic-ember"));
    assert!(ok && stdout.contains("created user dana"), "{stderr}");
    let login = |password: &'static str| {
        let demo = &demo;
        async move {
            demo.client
                .post(format!("{}/api/v1/sessions", demo.base))
                .json(&serde_json::json!({"username": "DANA", "password": password}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(login("quartz-lantern-mosaic-ember").await, 201);
    let (ok, stdout, _) = user(&["disable", "dana"], None);
    assert!(ok && stdout.contains("disabled"), "{stdout}");
    assert_eq!(login("quartz-lantern-mosaic-ember").await, 401);
    let (_, listed, _) = user(&["list", "--agency", "psap-20173"], None);
    assert!(listed.lines().any(|l| l.starts_with("dana") && l.ends_with("disabled")), "{listed}");
    assert!(user(&["enable", "dana"], None).0);
    for _ in 0..5 {
        assert_eq!(login("wrong").await, 401);
    }
    let (_, listed, _) = user(&["list"], None);
    assert!(
        listed.lines().any(|l| l.starts_with("dana") && l.contains("locked until")),
        "{listed}"
    );
    assert!(user(&["unlock", "dana"], None).0);
    let (ok, _, stderr) = user(&["reset-password", "dana"], Some("dana12345678"));
    assert!(!ok && stderr.contains("too easy to guess"), "{stderr}");
    assert!(user(&["reset-password", "dana"], Some("harbor-velvet-cobalt-thistle")).0);
    assert_eq!(login("harbor-velvet-cobalt-thistle").await, 201);
    let (ok, stdout, _) = user(&["reset-totp", "dana"], None);
    assert!(ok && stdout.contains("without an authenticator"), "{stdout}");
    let (ok, _, stderr) = user(&["unlock", "nobody"], None);
    assert!(!ok && stderr.contains("no user is named"), "{stderr}");
    // Some events for the event log's chain.
    let calltaker = demo.login("calltaker").await;
    for n in 0..3 {
        let created = demo.create_incident(&calltaker, &format!("call {n}")).await.unwrap();
        assert_eq!(created.status(), 201);
    }
    demo.kill();

    // From now on every writer seals its records with the key file's current key.
    let keys = dir.path().join("audit.keys");
    let keys_arg = keys.display().to_string();
    let (ok, _, stderr) =
        run(&["audit", "new-key", "--keys", &keys_arg, "--id", "2026-12"], &[], None);
    assert!(ok, "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let sealed = [("CRISISBRIDGE_AUDIT_KEY_FILE", keys_arg.as_str())];
    for _ in 0..3 {
        let (ok, _, stderr) = run(&["user", "unlock", "dana", "--database", &url], &sealed, None);
        assert!(ok, "{stderr}");
    }
    let (ok, _, stderr) = run(&["audit", "verify", "--database", &url], &[], None);
    assert!(!ok && stderr.contains("does not hold"), "without the key: {stderr}");
    let verify = |checkpoint: Option<&str>| {
        let mut args = vec!["audit", "verify", "--database", &url, "--keys", &keys_arg];
        if let Some(c) = checkpoint {
            args.extend_from_slice(&["--checkpoint", c]);
        }
        run(&args, &[], None)
    };
    let (ok, stdout, stderr) = verify(None);
    assert!(ok && stdout.contains("3 sealed with a key"), "{stdout}{stderr}");
    let checkpoint = dir.path().join("checkpoint.json").display().to_string();
    let (ok, _, stderr) = run(
        &["audit", "checkpoint", "--database", &url, "--keys", &keys_arg, "--out", &checkpoint],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    let (ok, stdout, _) = verify(Some(&checkpoint));
    assert!(ok && stdout.contains("consistent with the checkpoint"), "{stdout}");
    // `verify` checks the event log's chain too.
    let (ok, stdout, stderr) = run(&["verify", "--database", &url, "--keys", &keys_arg], &[], None);
    assert!(
        ok && stdout.contains("event log intact") && stdout.contains("audit log intact"),
        "{stdout}{stderr}"
    );

    // The last two records deleted: the chain alone cannot tell, the checkpoint does.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_is_never_deleted").execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(verify(None).0, "a truncated chain is still a chain");
    let (ok, _, stderr) = verify(Some(&checkpoint));
    assert!(!ok && stderr.contains("missing from the end"), "{stderr}");
    // The event log's last events deleted: the checkpoint saw its head too.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER events_are_never_deleted").execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM events WHERE seq > (SELECT MAX(seq) - 2 FROM events)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (ok, _, stderr) = run(
        &["verify", "--database", &url, "--keys", &keys_arg, "--checkpoint", &checkpoint],
        &[],
        None,
    );
    assert!(
        !ok && stderr.contains("event log is broken") && stderr.contains("missing from the end"),
        "{stderr}"
    );
    // A forged checkpoint is refused.
    let forged = std::fs::read_to_string(&checkpoint).unwrap().replace("\"seq\":", "\"seq\":1");
    std::fs::write(&checkpoint, forged).unwrap();
    let (ok, _, stderr) = verify(Some(&checkpoint));
    assert!(!ok && stderr.contains("signature does not match"), "{stderr}");
}

#[test]
fn serve_logs_json_lines_with_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crisisbridge.toml");
    let db = format!("sqlite://{}", dir.path().join("json.db").display());
    std::fs::write(
        &path,
        format!("listen = \"127.0.0.1:0\"\ndatabase_url = \"{db}\"\nlog_format = \"json\"\n"),
    )
    .unwrap();
    let mut child = std::process::Command::new(crate::process::BIN)
        .args(["serve", "--config", path.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("http://{addr}/api/v1/incidents?number=7855550100"))
            .header("X-Request-Id", "json-log-test-1")
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 401);
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["span"]["id"] == "json-log-test-1")
        .unwrap_or_else(|| panic!("no line with the request's id: {stderr}"));
    assert_eq!(answered["fields"]["status"], 401, "{answered}");
    assert_eq!(answered["span"]["path"], "/api/v1/incidents");
    assert!(!stderr.contains("7855550100"), "the query (a phone number) is never logged");
}
