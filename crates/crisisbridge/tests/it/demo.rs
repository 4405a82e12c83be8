//! `crisisbridge demo`: one command to a seeded, running system, whose acknowledged writes
//! survive `kill -9`.

use serde_json::Value;

use crate::process::{Demo, create_incident};

#[tokio::test]
async fn demo_seeds_kansas_serves_it_and_reuses_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let banner = demo.banner.join("\n");
    assert!(banner.contains("seeded now"), "{banner}");
    for user in [
        "calltaker",
        "clinician",
        "counselor",
        "dispatcher",
        "responder",
        "supervisor",
        "navigator",
        "admin",
    ] {
        assert!(banner.contains(user), "banner should list the {user} login: {banner}");
    }
    let token = demo.login("calltaker").await;
    let agencies: Vec<Value> =
        demo.get_json(&token, "/api/v1/agencies").await.as_array().unwrap().clone();
    let count = |kind: &str| agencies.iter().filter(|a| a["kind"] == kind).count();
    assert_eq!(count("psap"), 105, "a PSAP per Kansas county");
    assert_eq!(count("crisis_center"), 4, "KSPHQ, Johnson County, COMCARE, the national backup");
    assert_eq!(count("mobile_crisis_provider"), 3);
    assert!(
        agencies.iter().any(|a| a["code"] == "psap-20045" && a["name"] == "Douglas County 911")
    );
    assert!(
        agencies.iter().any(|a| a["code"] == "psap-20071" && a["time_zone"] == "America/Denver")
    );
    assert!(agencies.iter().any(|a| a["code"] == "ksphq" && a["uri"] == "sip:988@ksphq.example"));

    let created: Value =
        demo.create_incident(&token, "demo incident").await.unwrap().json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    check_the_demo_routes(&demo, &token, &agencies).await;
    check_lost_on_the_demo(&demo).await;
    // A 988 contact from a 913 number, standing in Lawrence: the area code would have sent it
    // to Johnson County's center; georouting sends it to KSPHQ.
    let body = serde_json::json!({"channel": "988", "callback_number": "913-555-0142", "summary": "from 913",
        "location": {"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 2000}});
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/incidents", demo.base))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    demo.kill();

    let db = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());
    let (ok, stdout, stderr) =
        crate::process::run(&["report", "georouting", "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    // Both incidents were routed by location; the 785 caller's area code agrees, the 913 one's
    // does not.
    let suicide = stdout.split("urn:service:counseling.suicide\n").nth(1).unwrap_or_default();
    assert!(suicide.contains("incidents 2: by location 2"), "{stdout}");
    assert!(
        suicide.contains("compared with area-code routing: 2; routed elsewhere 1 (50.0%)"),
        "{stdout}"
    );
    assert!(suicide.contains("jcmhc -> ksphq: 1"), "{stdout}");
    let (ok, stdout, _) = crate::process::run(
        &["report", "georouting", "--channel", "911", "--json", "--database", &db],
        &[],
        None,
    );
    assert!(ok);
    let figures: Value = serde_json::from_str(&stdout).unwrap();
    let sos =
        figures.as_array().unwrap().iter().find(|f| f["service"] == "urn:service:sos").unwrap();
    assert_eq!(sos["incidents"], 1, "only the 911 call: {stdout}");
    let (ok, _, stderr) = crate::process::run(
        &["report", "georouting", "--from", "2026-02-30", "--database", &db],
        &[],
        None,
    );
    assert!(!ok && stderr.contains("is not a day like 2026-12-01"), "{stderr}");
    check_the_measures_report(&db);

    let again = Demo::start(dir.path());
    assert!(again.banner.join("\n").contains("reused"));
    let token = again.login("calltaker").await;
    let fetched = again.get_json(&token, &format!("/api/v1/incidents/{id}")).await;
    assert_eq!(fetched["summary"], "demo incident");
}

/// `report measures` on the two incidents: grouped by channel as JSON, by area as CSV, and
/// every kind of bad argument refused with what to use instead.
fn check_the_measures_report(db: &str) {
    let run = |args: &[&str]| {
        let mut all = vec!["report", "measures", "--database", db];
        all.extend_from_slice(args);
        crate::process::run(&all, &[], None)
    };
    let (ok, stdout, stderr) = run(&["--by", "channel", "--format", "json"]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["incidents"], 2, "{stdout}");
    let groups = report["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["911", "988"]);
    for group in groups {
        let total =
            group["measures"].as_array().unwrap().iter().find(|m| m["id"] == "contacts.total");
        assert_eq!(total.unwrap()["count"], 1, "{group}");
    }
    // The 988 contact stood in Lawrence: Douglas County.
    let (ok, stdout, stderr) = run(&["--by", "area", "--channel", "988", "--format", "csv"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("20045 Douglas County,contacts.988,count,1,"), "{stdout}");
    let (ok, stdout, _) = run(&[]);
    assert!(
        ok && stdout.contains("not measured: no contact of this group has the phone system"),
        "{stdout}"
    );
    // The self-contained HTML report, and one chart as SVG.
    let (ok, stdout, stderr) = run(&["--by", "channel", "--format", "html"]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("<!DOCTYPE html>") && stdout.matches("<svg").count() == 4);
    assert!(
        stdout.contains("every agency; from the start to now (UTC); grouped by channel"),
        "{stdout}"
    );
    let (ok, stdout, stderr) = run(&["--format", "svg", "--chart", "volume"]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("<svg") && stdout.contains("<title>Volume per day</title>"));
    let (ok, stdout, stderr) = run(&["--format", "png", "--chart", "funnel"]);
    assert!(ok, "{stderr}");
    assert!(stdout.get(1..4) == Some("PNG") || stdout.contains("PNG\r\n"), "a PNG file");
    assert!(stdout.contains("IHDR") && stdout.contains("IEND"));
    // The map of rates per 100,000 residents, as the HTML report holds it.
    let population = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/kansas-population.csv");
    let (ok, stdout, stderr) = run(&[
        "--by",
        "area",
        "--population",
        population,
        "--format",
        "svg",
        "--chart",
        "rate-map",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("<title>contacts.total per 100,000 residents, by area</title>"));
    assert!(stdout.matches("<polygon").count() >= 105, "every Kansas county drawn");
    // Per 100,000 residents, with the shipped Kansas populations: one 988 contact in Douglas
    // County (122,259 people).
    let population = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/kansas-population.csv");
    let (ok, stdout, stderr) =
        run(&["--by", "area", "--channel", "988", "--population", population, "--format", "json"]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let douglas = &report["per_100k"]["areas"][0];
    assert_eq!(douglas[0], "20045 Douglas County", "{stdout}");
    assert_eq!(douglas[1], 122_259);
    let rate = douglas[2][0][1].as_f64().unwrap();
    assert!((rate - 100_000.0 / 122_259.0).abs() < 1e-9, "{rate}");
    let (ok, _, stderr) = run(&["--population", population]);
    assert!(!ok && stderr.contains("--population needs --by area"), "{stderr}");
    // The public table: one contact per channel, every count under 11 hidden.
    let (ok, stdout, stderr) =
        crate::process::run(&["report", "public", "--database", db], &[], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("\n911,<11,<11,0,0,"), "{stdout}");
    assert!(stdout.contains("\n988,<11,0,<11,0,"), "{stdout}");
    assert!(stdout.contains("\nTotal,<11,<11,<11,0,"), "{stdout}");
    let (ok, _, stderr) =
        crate::process::run(&["report", "public", "--by", "team", "--database", db], &[], None);
    assert!(!ok && stderr.contains("use channel, hour, weekday or area"), "{stderr}");
    for (args, says) in [
        (&["--by", "county"][..], "--by \"county\": use all, agency, channel"),
        (&["--format", "xml"][..], "--format \"xml\": use table, csv, json, html, svg or png"),
        (&["--format", "svg"][..], "--format svg draws one chart: add --chart volume"),
        (
            &["--format", "svg", "--chart", "rate-map"][..],
            "--chart rate-map needs --by area --population",
        ),
        (&["--format", "svg", "--chart", "pie"][..], "--chart \"pie\": use volume, answer-times"),
        (&["--chart", "funnel"][..], "--chart goes with --format svg or png"),
        (&["--agency", "nobody"][..], "--agency \"nobody\": no such agency"),
        (&["--to", "2026-13-01"][..], "is not a day like 2026-12-01"),
    ] {
        let (ok, _, stderr) = run(args);
        assert!(!ok && stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// Fires creates from many clients, kills the server with SIGKILL mid-stream, restarts it,
/// and checks that every create that was answered 201 is there — and that every incident
/// committed, answered or not, has its creation's audit record, committed with it.
#[tokio::test]
async fn every_acknowledged_incident_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let token = demo.login("calltaker").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (client, base, token, tx) =
                (demo.client.clone(), demo.base.clone(), token.clone(), tx.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    match create_incident(&client, &base, &token, &format!("writer {w} call {n}"))
                        .await
                    {
                        Ok(r) if r.status() == 201 => {
                            if let Ok(body) = r.json::<Value>().await {
                                let _ = tx.send(body["id"].as_str().unwrap().to_owned());
                            }
                        }
                        _ => break,
                    }
                }
            })
        })
        .collect();
    drop(tx);
    // Let a few hundred commits through, then pull the plug.
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 300 {
        acknowledged.push(rx.recv().await.unwrap());
    }
    let pid = demo.child.id();
    std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    while let Some(id) = rx.recv().await {
        acknowledged.push(id);
    }
    drop(demo);

    let again = Demo::start(dir.path());
    let token = again.login("calltaker").await;
    for id in &acknowledged {
        let response = again
            .client
            .get(format!("{}/api/v1/incidents/{id}", again.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "acknowledged incident {id} was lost");
    }
    let url = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let committed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM incidents").fetch_one(&pool).await.unwrap();
    let unrecorded: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM incidents WHERE id NOT IN \
         (SELECT incident_id FROM audit_log WHERE action = 'POST /api/v1/incidents' AND outcome = 201)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(
        unrecorded.is_empty(),
        "{} of {committed} committed incidents have no creation record: {unrecorded:?}",
        unrecorded.len()
    );
    let check = std::process::Command::new(crate::process::BIN)
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    eprintln!(
        "{} acknowledged incidents all survived kill -9; all {committed} committed have their audit record",
        acknowledged.len()
    );
}

/// Routing in the demo region, through the lookup API: who serves Lawrence (Douglas County),
/// Olathe (Johnson County, its own 988 center) and Kansas City, Missouri (outside the region).
async fn check_the_demo_routes(demo: &Demo, token: &str, agencies: &[Value]) {
    let id = |code: &str| {
        agencies.iter().find(|a| a["code"] == code).unwrap_or_else(|| panic!("{code}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let lookup = |lat: f64, lon: f64| async move {
        let body = serde_json::json!({"location": {"type": "point", "lat": lat, "lon": lon},
                                      "callback_number": "913-555-0100"});
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/routing/lookup", demo.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["routes"].as_array().unwrap().clone()
    };
    let summary = |routes: &[Value]| -> Vec<(String, String, Vec<String>)> {
        routes
            .iter()
            .map(|r| {
                let tiers = r["tiers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["agency"].as_str().unwrap().to_owned())
                    .collect();
                (
                    r["service"].as_str().unwrap().to_owned(),
                    r["basis"].as_str().unwrap().to_owned(),
                    tiers,
                )
            })
            .collect()
    };
    let (mh, suicide, sos, mct) = (
        "urn:service:counseling.mental-health",
        "urn:service:counseling.suicide",
        "urn:service:sos",
        "urn:crisisbridge:service:mobile-crisis",
    );
    let entry = |service: &str, basis: &str, tiers: &[&str]| {
        (service.to_owned(), basis.to_owned(), tiers.iter().map(|c| id(c)).collect::<Vec<_>>())
    };
    let lawrence = lookup(38.9717, -95.2353).await;
    assert_eq!(
        summary(&lawrence),
        [
            entry(mct, "location", &["mct-douglas"]),
            entry(mh, "location", &["ksphq", "988-national-backup"]),
            entry(suicide, "location", &["ksphq", "988-national-backup"]),
            entry(sos, "location", &["psap-20045"]),
        ]
    );
    // A 913 number would have gone to Johnson County's center before georouting.
    assert_eq!(lawrence[2]["by_area_code"], id("jcmhc"));
    let olathe = lookup(38.8814, -94.8191).await;
    assert_eq!(
        summary(&olathe)[2],
        entry(suicide, "location", &["jcmhc", "ksphq", "988-national-backup"])
    );
    assert_eq!(olathe[2]["tiers"][0]["answer_within_s"], 45);
    let kansas_city_mo = lookup(39.0997, -94.5786).await;
    assert_eq!(
        summary(&kansas_city_mo),
        [
            entry(mct, "no_coverage", &[]),
            entry(mh, "default", &["988-national-backup"]),
            entry(suicide, "default", &["988-national-backup"]),
            entry(sos, "no_coverage", &[]),
        ]
    );
}

/// LoST on the real Kansas boundaries: a civic address naming a county, and a point.
async fn check_lost_on_the_demo(demo: &Demo) {
    let post = |body: String| async move {
        let response = reqwest::Client::new()
            .post(format!("{}/lost", demo.base))
            .header("content-type", "application/lost+xml")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        interop::grammar::assert_valid_lost(&text);
        text
    };
    let civic = |county: &str, service: &str| {
        format!(
            r#"<findService xmlns="urn:ietf:params:xml:ns:lost1" validateLocation="true"><location id="home" profile="civic"><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country><A1>KS</A1><A2>{county}</A2><A3>Lawrence</A3><RD>Massachusetts</RD><STS>St</STS><HNO>1006</HNO></civicAddress></location><service>{service}</service></findService>"#
        )
    };
    let douglas = post(civic("Douglas County", "urn:service:sos")).await;
    assert!(
        douglas.contains("<displayName xml:lang=\"en\">Douglas County 911</displayName>"),
        "{douglas}"
    );
    assert!(douglas.contains("<uri>sip:psap-20045@ks911.example</uri>"), "{douglas}");
    assert!(douglas.contains("<valid>ca:country ca:A1 ca:A2</valid>"), "{douglas}");
    assert!(douglas.contains("<unchecked>ca:A3 ca:RD ca:STS ca:HNO</unchecked>"), "{douglas}");
    let johnson = post(civic("johnson", "urn:service:counseling.suicide")).await;
    assert!(johnson.contains("Johnson County Mental Health Center"), "{johnson}");
    // A county Kansas does not have: 988 falls back to its default, and A2 is invalid.
    let nowhere = post(civic("Nowhere", "urn:service:counseling.suicide")).await;
    assert!(nowhere.contains("<defaultMappingReturned"), "{nowhere}");
    assert!(nowhere.contains("<invalid>ca:A2</invalid>"), "{nowhere}");
    let point = post(
        r#"<findService xmlns="urn:ietf:params:xml:ns:lost1" xmlns:gml="http://www.opengis.net/gml" serviceBoundary="value"><location id="p" profile="geodetic-2d"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>37.6872 -97.3301</gml:pos></gml:Point></location><service>urn:crisisbridge:service:mobile-crisis</service></findService>"#
            .to_owned(),
    )
    .await;
    assert!(point.contains("Sedgwick County Mobile Crisis"), "{point}");
    assert!(point.contains("<gml:Polygon"), "Sedgwick County's boundary, by value: {point}");
}

/// A transfer offer whose server is killed with SIGKILL still times out and rolls over to the
/// next tier once a server runs again: the deadline is in the database, not in memory.
#[tokio::test]
async fn an_open_offer_survives_kill_9_and_rolls_over_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let token = demo.login("calltaker").await;
    let created: Value =
        demo.create_incident(&token, "offer then crash").await.unwrap().json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    // Before any 988 offer, the county's protocol decides (the demo PSAP has one active).
    let answers = serde_json::json!({"answers": {"attempt_in_progress": false, "medical": false,
        "violence": false, "crime": false, "weapon": false, "risk": "low", "welfare_entry": false,
        "age_band": "adult", "requests_police": false, "in_person": false, "consent": true}});
    let decided: Value = demo
        .client
        .post(format!("{}/api/v1/incidents/{id}/triage", demo.base))
        .bearer_auth(&token)
        .json(&answers)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decided["decision"]["outcome"], "divert_988", "{decided}");
    let offer = serde_json::json!({"action": "offer_transfer", "service": "urn:service:counseling.suicide",
        "reason": "divert to 988", "deadline_seconds": 1});
    let response = demo
        .client
        .post(format!("{}/api/v1/incidents/{id}/actions", demo.base))
        .bearer_auth(&token)
        .json(&offer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    demo.kill();

    let again = Demo::start(dir.path());
    let token = again.login("calltaker").await;
    let started = std::time::Instant::now();
    loop {
        let incident = again.get_json(&token, &format!("/api/v1/incidents/{id}")).await;
        if incident["transfer"]["attempt"] == 2 {
            // KSPHQ did not answer in 1 s: the national backup is offered now.
            let agencies = again.get_json(&token, "/api/v1/agencies").await;
            let backup = agencies
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["code"] == "988-national-backup")
                .unwrap();
            assert_eq!(incident["transfer"]["to"], backup["id"]);
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the offer never rolled over: {incident}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A mistyped SQLite path is refused by the commands that read or change an existing database,
/// and creates nothing.
#[test]
fn commands_on_a_database_that_does_not_exist_say_so_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("crisisbrdige.db");
    let url = format!("sqlite://{}", missing.display());
    for args in [
        &["report", "measures", "--database", &url][..],
        &["report", "public", "--database", &url][..],
        &["report", "georouting", "--database", &url][..],
        &["audit", "verify", "--database", &url][..],
        &["user", "list", "--database", &url][..],
        &["rebuild", "--database", &url][..],
    ] {
        let (ok, _, stderr) = crate::process::run(args, &[], None);
        assert!(!ok && stderr.contains("does not exist; check the path"), "{args:?}: {stderr}");
        assert!(!missing.exists(), "{args:?} created the file");
    }
}

#[tokio::test]
async fn the_manhattan_demo_has_new_yorks_services_and_its_streets() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start_region(dir.path(), "manhattan");
    let banner = demo.banner.join("\n");
    assert!(banner.contains("Manhattan") && banner.contains("seeded now"), "{banner}");
    assert!(dir.path().join("roads.graph").exists() && dir.path().join("roads.streets").exists());
    let token = demo.login("calltaker").await;
    let agencies = demo.get_json(&token, "/api/v1/agencies").await;
    let agencies = agencies.as_array().unwrap();
    let kind_of = |code: &str| {
        agencies.iter().find(|a| a["code"] == code).map(|a| a["kind"].as_str().unwrap().to_owned())
    };
    assert_eq!(kind_of("psap-nyc").as_deref(), Some("psap"));
    assert_eq!(kind_of("988-nyc").as_deref(), Some("crisis_center"));
    assert_eq!(kind_of("bheard").as_deref(), Some("mobile_crisis_provider"));
    assert_eq!(kind_of("fdny-ems").as_deref(), Some("ems"));

    // A call from Times Square: NYC 911, 988 NYC then the national backup, B-HEARD then the
    // Health Department's teams — by location, in the borough.
    let lookup = serde_json::json!({"location": {"type": "point", "lat": 40.758, "lon": -73.9855, "radius_m": 30}});
    let answer: Value = demo
        .client
        .post(format!("{}/api/v1/routing/lookup", demo.base))
        .bearer_auth(&token)
        .json(&lookup)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tiers = |service: &str| -> Vec<String> {
        let route =
            answer["routes"].as_array().unwrap().iter().find(|r| r["service"] == service).unwrap();
        route["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["agency"].as_str().unwrap().to_owned())
            .collect()
    };
    let id = |code: &str| {
        agencies.iter().find(|a| a["code"] == code).unwrap()["id"].as_str().unwrap().to_owned()
    };
    assert_eq!(tiers("urn:service:sos"), vec![id("psap-nyc")]);
    assert_eq!(
        tiers("urn:service:counseling.suicide"),
        vec![id("988-nyc"), id("988-national-backup")]
    );
    assert_eq!(tiers("urn:crisisbridge:service:mobile-crisis"), vec![id("bheard"), id("nyc-mct")]);

    // Its streets, named, and road travel times.
    let info = demo.get_json(&token, "/api/v1/streets").await;
    assert_eq!(info["streets"], true, "{info}");
    assert_eq!(info["attribution"], "© OpenStreetMap contributors, ODbL", "the licence's credit");
    let described = demo.get_json(&token, "/api/v1/places/describe?lat=40.758&lon=-73.9855").await;
    let text = described["description"]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("at ") || text.starts_with("on "), "{described}");
    let dispatcher = demo.login("dispatcher").await;
    let teams = demo.get_json(&dispatcher, "/api/v1/teams").await;
    assert_eq!(teams.as_array().unwrap().len(), 3, "B-HEARD's three teams");
    let facilities = demo.get_json(&dispatcher, "/api/v1/facilities").await;
    assert_eq!(facilities.as_array().unwrap().len(), 3);
    demo.kill();

    // The second run reuses the data and the imported roads; a Kansas run refuses the directory.
    let modified = std::fs::metadata(dir.path().join("roads.graph")).unwrap().modified().unwrap();
    let again = Demo::start_region(dir.path(), "manhattan");
    assert!(again.banner.join("\n").contains("reused"));
    assert_eq!(
        std::fs::metadata(dir.path().join("roads.graph")).unwrap().modified().unwrap(),
        modified
    );
    again.kill();
    let (ok, _, stderr) = crate::process::run(
        &[
            "demo",
            "--no-traffic",
            "--listen",
            "127.0.0.1:0",
            "--data",
            dir.path().to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("manhattan-v1") && stderr.contains("new --data directory"), "{stderr}");
}
