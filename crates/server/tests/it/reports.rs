//! `GET /api/v1/reports/measures`: the outcome measures of the caller's agency's incidents,
//! as JSON and CSV with the same numbers, for supervisors and administrators only, audited,
//! and every bad parameter refused with what to use.

use reports::measures::{Grouping, Names, Options, Tally};
use serde_json::Value;
use store::{AuditLog, CallLog, EventLog};

use crate::helpers::{TestApp, assert_error};

fn measure<'a>(group: &'a Value, id: &str) -> &'a Value {
    group["measures"].as_array().unwrap().iter().find(|m| m["id"] == id).unwrap()
}

#[tokio::test]
async fn a_supervisor_reads_the_measures_of_the_agencys_incidents() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    // Two calls from the same number, one triaged for 988; another PSAP's call.
    let first = app.open_incident(&calltaker).await;
    app.open_incident(&calltaker).await;
    app.record_triage(&first, domain::TriageOutcome::Divert988).await;
    let other = app.login("other").await;
    app.open_incident(&other).await;

    let supervisor = app.login("supervisor").await;
    let response = app.get("/api/v1/reports/measures", &supervisor).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["incidents"], 2, "the other PSAP's call is not this agency's: {report}");
    let all = &report["groups"][0];
    assert_eq!(all["key"], "all");
    assert_eq!(measure(all, "contacts.911")["count"], 2);
    let triaged = measure(all, "diversion.triaged");
    assert_eq!((triaged["part"].as_u64(), triaged["of"].as_u64()), (Some(1), Some(2)));
    assert_eq!(measure(all, "diversion.decided_988")["part"], 1);
    assert_eq!(measure(all, "repeat.within_7_days")["part"], 1);
    assert_eq!(measure(all, "contacts.abandoned")["kind"], "not_measured");

    // By area: both calls stood in the test deployment's west area.
    let by_area: Value = app
        .get("/api/v1/reports/measures?by=area&channel=911", &supervisor)
        .await
        .json()
        .await
        .unwrap();
    let groups = by_area["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{by_area}");
    assert_eq!(groups[0]["key"], "west West County", "{by_area}");

    // The CSV says the same numbers.
    let csv = app.get("/api/v1/reports/measures?format=csv", &supervisor).await;
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("measures.csv"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("group,measure,kind,count,of,rate,"), "{text}");
    assert!(text.contains("all,contacts.911,count,2,"), "{text}");
    assert!(text.contains("all,diversion.triaged,share,1,2,0.5000,"), "{text}");

    // A period with nothing in it.
    let empty: Value = app
        .get("/api/v1/reports/measures?from=2001-01-01&to=2001-01-02", &supervisor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["incidents"], 0);

    // Each read is in the audit trail, with who read it.
    let records = app.store.audit_records(0, 1000, None).await.unwrap();
    let reads = records.iter().filter(|r| r.entry.action.contains("/api/v1/reports/measures"));
    assert_eq!(reads.count(), 4, "{records:#?}");
}

#[tokio::test]
async fn only_supervisors_and_admins_read_measures_and_bad_parameters_say_what_to_use() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let response = app.get("/api/v1/reports/measures", &calltaker).await;
    assert_error(response, 403, "forbidden", "").await;
    let admin = app.login("admin").await;
    assert_eq!(app.get("/api/v1/reports/measures", &admin).await.status(), 200);
    for (query, says) in [
        ("by=county", "by \"county\": use all, agency, channel, hour, weekday, team or area"),
        ("format=xml", "format \"xml\": use json, csv or html"),
        ("channel=912", "channel \"912\": use 911, 988 or other"),
        ("from=2026-02-30", "from: \"2026-02-30\" is not a day like 2026-12-01"),
        ("to=yesterday", "to: \"yesterday\" is not a day like 2026-12-01"),
        ("period=month", "unknown field `period`"),
    ] {
        let response = app.get(&format!("/api/v1/reports/measures?{query}"), &admin).await;
        assert_error(response, 400, "invalid_parameter", says).await;
    }
}

#[tokio::test]
async fn charts_and_the_html_report_come_from_the_same_numbers() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let first = app.open_incident(&calltaker).await;
    app.open_incident(&calltaker).await;
    app.record_triage(&first, domain::TriageOutcome::Divert988).await;
    let supervisor = app.login("supervisor").await;

    let funnel = app.get("/api/v1/reports/charts/funnel", &supervisor).await;
    assert_eq!(funnel.status(), 200);
    assert_eq!(funnel.headers()["content-type"], "image/svg+xml");
    let svg = funnel.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<title>Diversion of 911 calls</title>"));
    // Two 911 calls, one triaged and decided for 988.
    assert!(svg.contains("2 (100.0%)") && svg.contains("1 (50.0%)"), "{svg}");
    let answers = app.get("/api/v1/reports/charts/answer-times?by=hour", &supervisor).await;
    let svg = answers.text().await.unwrap();
    assert!(svg.contains("not measured: no contact of this group"), "no calls posted: {svg}");

    let page = app.get("/api/v1/reports/measures?format=html&by=channel", &supervisor).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers()["content-disposition"].to_str().unwrap().contains("measures.html"));
    let html = page.text().await.unwrap();
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(html.contains("grouped by channel"), "the heading says what it covers");
    assert!(html.contains("<td>1 of 2 (50.0%)</td>"), "911 calls triaged: {html}");

    let unknown = app.get("/api/v1/reports/charts/pie", &supervisor).await;
    assert_error(unknown, 404, "not_found", "volume, answer-times, response-times or funnel").await;
    let bad = app.get("/api/v1/reports/charts/volume?by=county", &supervisor).await;
    assert_error(bad, 400, "invalid_parameter", "by \"county\"").await;
    assert_error(app.get("/api/v1/reports/charts/volume", &calltaker).await, 403, "forbidden", "")
        .await;
}

/// The report a fresh read of the whole log gives, as the command line computes it.
async fn read_from_the_log(app: &TestApp, by: Grouping) -> Value {
    let agency = Some(app.psap.id);
    let zone = reports::Zone::named(&app.psap.time_zone).unwrap();
    let mut tally = Tally::new(Options { window: reports::Window::default(), agency, by, zone });
    let mut after = 0;
    loop {
        let page = app.store.events_after(after, agency, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for recorded in &page {
            tally.add(&recorded.event, &recorded.involved);
        }
    }
    let all = (domain::Timestamp::from_millis(i64::MIN), domain::Timestamp::from_millis(i64::MAX));
    for step in app.store.calls_between(all.0, all.1, agency).await.unwrap() {
        tally.add_call(&step.event);
    }
    serde_json::to_value(tally.report(&Names::by_id())).unwrap()
}

#[tokio::test]
async fn the_live_tally_answers_what_a_fresh_read_of_the_log_would_across_a_restart() {
    let mut app = TestApp::spawn().await;
    // The 988 center first hears from the number the PSAP's calls then come from: the PSAP's
    // report must not count its first call as a repeat of a contact it cannot see.
    let counselor = app.login("counselor").await;
    let mut contact = crate::helpers::new_incident();
    contact["channel"] = serde_json::json!("988");
    let opened = app.post_json("/api/v1/incidents", Some(&counselor), &contact).await;
    assert_eq!(opened.status(), 201);
    let calltaker = app.login("calltaker").await;
    for n in 0..3 {
        let id = app.open_incident(&calltaker).await;
        if n < 2 {
            app.record_triage(&id, domain::TriageOutcome::Divert988).await;
        }
    }
    let arrive = serde_json::json!({"call_id": "p-1", "step": "arrived", "channel": "911"});
    assert_eq!(app.post_json("/api/v1/calls", Some(&calltaker), &arrive).await.status(), 201);
    let supervisor = app.login("supervisor").await;
    let ask = |app: &TestApp, token: String| {
        let url = app.url("/api/v1/reports/measures?by=channel");
        let client = app.client.clone();
        async move {
            client.get(url).bearer_auth(token).send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    // Asked at once after the changes: they are in it.
    let live = ask(&app, supervisor.clone()).await;
    assert_eq!(live["incidents"], 3);
    let repeat = live["groups"][0]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "repeat.within_7_days")
        .unwrap()
        .clone();
    assert_eq!((repeat["part"].as_u64(), repeat["of"].as_u64()), (Some(2), Some(3)));
    assert_eq!(live, read_from_the_log(&app, Grouping::Channel).await);
    // One more change, then again.
    let id = app.open_incident(&calltaker).await;
    app.act(&calltaker, &id, serde_json::json!({"action": "add_note", "text": "n"})).await;
    let live = ask(&app, supervisor.clone()).await;
    assert_eq!(live["incidents"], 4);
    assert_eq!(live, read_from_the_log(&app, Grouping::Channel).await);
    // A restarted node reads the log again and answers the same.
    app.restart().await;
    let supervisor = app.login("supervisor").await;
    let again = ask(&app, supervisor).await;
    assert_eq!(again, read_from_the_log(&app, Grouping::Channel).await);
    // The reports after the first came from the live tally, not from reading the log.
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let live = metrics
        .lines()
        .find(|l| l.starts_with("crisisbridge_reports_total{source=\"live\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok());
    assert!(live.is_some_and(|n| n >= 1), "{metrics}");
}

#[tokio::test]
async fn with_populations_reports_by_area_give_rates_per_100000_and_a_map() {
    let populations = reports::measures::population::Populations::parse(
        "area,name,population\nwest,West County,50000\neast,East County,200000\n",
    )
    .unwrap();
    let populations = std::sync::Arc::new(populations);
    let app =
        TestApp::spawn_with_areas_and(move |s| s.populations = Some(populations.clone())).await;
    let calltaker = app.login("calltaker").await;
    app.open_incident(&calltaker).await;
    let supervisor = app.login("supervisor").await;
    let report: Value =
        app.get("/api/v1/reports/measures?by=area", &supervisor).await.json().await.unwrap();
    // One contact in West County (50,000 people): 2 per 100,000.
    let west = &report["per_100k"]["areas"][0];
    assert_eq!((west[0].as_str(), west[1].as_u64()), (Some("west West County"), Some(50_000)));
    assert_eq!(west[2][0], serde_json::json!(["contacts.total", 2.0]), "{report}");
    let map = app.get("/api/v1/reports/charts/rate-map", &supervisor).await;
    assert_eq!(map.status(), 200);
    let svg = map.text().await.unwrap();
    assert!(svg.contains("<title>contacts.total per 100,000 residents, by area</title>"), "{svg}");
    assert_eq!(svg.matches("<polygon").count(), 2, "both counties drawn");
    let html = app.get("/api/v1/reports/measures?by=area&format=html", &supervisor).await;
    let html = html.text().await.unwrap();
    assert_eq!(html.matches("<svg").count(), 5, "the four charts and the map");
    assert!(html.contains("Per 100,000 residents"));
    let bad = app.get("/api/v1/reports/charts/rate-map?measure=mood", &supervisor).await;
    assert_error(bad, 400, "invalid_parameter", "measure \"mood\": use one of contacts.total")
        .await;
}

#[tokio::test]
async fn without_populations_the_rate_map_says_what_to_configure() {
    let app = TestApp::spawn_with_areas().await;
    let supervisor = app.login("supervisor").await;
    let map = app.get("/api/v1/reports/charts/rate-map", &supervisor).await;
    assert_error(map, 400, "invalid_parameter", "population_file is not set").await;
    let report: Value =
        app.get("/api/v1/reports/measures?by=area", &supervisor).await.json().await.unwrap();
    assert!(report.get("per_100k").is_none(), "{report}");
}
