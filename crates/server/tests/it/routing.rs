//! Incidents are routed by where the person is: the serving agency per service with its backup
//! tiers, recorded with the rule that chose it; a location that straddles areas says so, with
//! the shares; a location no area serves goes to the configured default or, without one, is
//! recorded as uncovered; an unknown location goes by the caller's area code; and every route
//! says where the area code alone would have gone.

use serde_json::{Value, json};
use store::{Directory, EventLog};

use crate::helpers::TestApp;

const SOS: &str = "urn:service:sos";
const SUICIDE: &str = "urn:service:counseling.suicide";

fn route<'a>(incident: &'a Value, service: &str) -> &'a Value {
    incident["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service"] == service)
        .unwrap_or_else(|| panic!("no route for {service} in {incident}"))
}

fn tiers(route: &Value) -> Vec<(String, u64)> {
    route["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["agency"].as_str().unwrap().to_owned(), t["answer_within_s"].as_u64().unwrap()))
        .collect()
}

async fn create(app: &TestApp, token: &str, location: Value, callback: Option<&str>) -> Value {
    let body = json!({"channel": "911", "location": location, "summary": "routing",
                      "callback_number": callback});
    let response = app.post_json("/api/v1/incidents", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_point_is_routed_to_the_agencies_serving_its_area_with_their_backups() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    let point = json!({"type": "point", "lat": 38.5, "lon": -95.5, "radius_m": 50});
    let incident = create(&app, &token, point, None).await;
    let services: Vec<&str> = incident["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, [SUICIDE, SOS]);

    let suicide = route(&incident, SUICIDE);
    assert_eq!(suicide["agency"], app.center.id.to_string());
    assert_eq!(
        tiers(suicide),
        [(app.center.id.to_string(), 45), (app.backup.id.to_string(), 45)],
        "the 988 center first, then its backup"
    );
    assert_eq!(suicide["basis"], "location");
    assert_eq!(suicide["ambiguous"], false);
    let sos = route(&incident, SOS);
    assert_eq!(sos["agency"], app.psap.id.to_string());
    assert_eq!(
        sos["candidates"],
        json!([{"agency": app.psap.id.to_string(), "share_permille": 1000}])
    );
    assert!(sos["rule"].as_str().unwrap().contains("lies in West County (west)"), "{sos}");
    // The routes are events of the same commit, and a route does not show the incident to the
    // routed agency: the 988 center sees it only once it is offered.
    assert_eq!(incident["version"], 3);
    let counselor = app.login("counselor").await;
    let path = format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap());
    assert_eq!(app.get(&path, &counselor).await.status(), 404);
}

#[tokio::test]
async fn a_circle_across_a_boundary_is_reported_as_ambiguous_with_its_shares() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    // 5 km around a point 1 km west of the boundary at lon -95: mostly west, partly east.
    let circle = json!({"type": "point", "lat": 38.5, "lon": -95.0115, "radius_m": 5000});
    let incident = create(&app, &token, circle, None).await;
    let sos = route(&incident, SOS);
    assert_eq!(sos["agency"], app.psap.id.to_string(), "the larger share wins");
    assert_eq!(sos["ambiguous"], true);
    let shares: Vec<u64> = sos["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["share_permille"].as_u64().unwrap())
        .collect();
    assert_eq!(shares.len(), 2);
    assert!(shares[0] > shares[1] && shares[1] > 0, "{shares:?}");
    assert_eq!(shares[0] + shares[1], 1000, "the whole circle is in one area or the other");
    let rule = sos["rule"].as_str().unwrap();
    assert!(
        rule.contains("straddles West County (west)") && rule.contains("East County (east)"),
        "{rule}"
    );
    assert!(rule.contains("ambiguous between 2 agencies; chose psap-20045 agency"), "{rule}");
    // The 988 center serves both sides: no ambiguity about it.
    let suicide = route(&incident, SUICIDE);
    assert_eq!(suicide["ambiguous"], false);
    assert!(!suicide["rule"].as_str().unwrap().contains("ambiguous"), "{suicide}");
}

#[tokio::test]
async fn a_location_no_area_serves_goes_to_the_default_or_is_recorded_as_uncovered() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    let outside =
        create(&app, &token, json!({"type": "point", "lat": 45.0, "lon": -100.0}), None).await;
    let suicide = route(&outside, SUICIDE);
    assert_eq!(suicide["basis"], "default");
    assert_eq!(suicide["agency"], app.backup.id.to_string());
    assert!(suicide["rule"].as_str().unwrap().contains("the configured default"), "{suicide}");
    let sos = route(&outside, SOS);
    assert_eq!(sos["basis"], "no_coverage");
    assert_eq!(sos["agency"], Value::Null);
    assert_eq!(sos["tiers"], json!([]));
    assert!(
        sos["rule"].as_str().unwrap().contains("no default is configured for urn:service:sos"),
        "{sos}"
    );
    assert_eq!(sos["outside_permille"], 1000);
}

#[tokio::test]
async fn an_unknown_location_goes_by_area_code_and_a_better_one_reroutes() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    let unknown = create(&app, &token, json!({"type": "unknown"}), Some("785-555-0100")).await;
    let suicide = route(&unknown, SUICIDE);
    assert_eq!(suicide["basis"], "area_code");
    assert_eq!(suicide["agency"], app.center.id.to_string());
    assert!(suicide["rule"].as_str().unwrap().contains("area code 785"), "{suicide}");
    // Without a callback number there is no area code: the default.
    let anonymous = create(&app, &token, json!({"type": "unknown"}), None).await;
    assert_eq!(route(&anonymous, SUICIDE)["basis"], "default");

    let id = unknown["id"].as_str().unwrap();
    let located = json!({"action": "update_location", "location": {"type": "point", "lat": 38.5, "lon": -94.5}});
    let result: Value = app.act(&token, id, located).await.json().await.unwrap();
    let kinds: Vec<_> =
        result["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["located", "routed", "routed"]);
    let sos = route(&result["incident"], SOS);
    assert!(sos["rule"].as_str().unwrap().contains("East County (east)"), "{sos}");
    assert_eq!(route(&result["incident"], SUICIDE)["basis"], "location");
}

#[tokio::test]
async fn every_route_says_where_the_area_code_alone_would_have_gone() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    // A 913 caller standing in West County: georouting picks the center, the area code the
    // backup — a contact the old routing would have sent elsewhere.
    let point = json!({"type": "point", "lat": 38.5, "lon": -95.5});
    let incident = create(&app, &token, point.clone(), Some("913-555-0100")).await;
    let suicide = route(&incident, SUICIDE);
    assert_eq!(suicide["agency"], app.center.id.to_string());
    assert_eq!(suicide["by_area_code"], app.backup.id.to_string());
    // No area-code table for 911, and none for numbers outside it.
    assert_eq!(route(&incident, SOS)["by_area_code"], Value::Null);
    let other = create(&app, &token, point, Some("212-555-0100")).await;
    assert_eq!(route(&other, SUICIDE)["by_area_code"], Value::Null);
}

#[tokio::test]
async fn the_lookup_answers_without_writing_and_follows_changes_to_the_service_areas() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    let head = app.store.head().await.unwrap();
    let body = json!({"location": {"type": "point", "lat": 38.5, "lon": -95.5}});
    let lookup = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let response = app.post_json("/api/v1/routing/lookup", Some(&token), &body).await;
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let first = lookup(body.clone()).await;
    assert_eq!(route(&first, SOS)["agency"], app.psap.id.to_string());
    // Each agency named, the routed one and every tier.
    assert_eq!(route(&first, SOS)["agency_name"], app.psap.name);
    assert_eq!(route(&first, SOS)["tiers"][0]["name"], app.psap.name);
    assert_eq!(app.store.head().await.unwrap(), head, "a lookup writes nothing");

    // An administrator moves West County's 911 to the other PSAP (as `crisisbridge import
    // services` does, from any node); the server picks it up without a restart.
    let other = app.store.agency_by_code("psap-20091").await.unwrap().unwrap();
    let moved = store::ServiceArea {
        service: SOS.into(),
        area: "west".into(),
        tier: 0,
        agency: other.id,
        answer_within_s: 30,
    };
    app.store.set_service_areas(&[moved]).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = lookup(body.clone()).await;
        if route(&now, SOS)["agency"] == other.id.to_string() {
            assert!(now["routing_version"].as_u64() > first["routing_version"].as_u64());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the routing table never picked up the change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let bad = json!({"location": {"type": "point", "lat": 91.0, "lon": -95.5}});
    let response = app.post_json("/api/v1/routing/lookup", Some(&token), &bad).await;
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["field"], "location.lat");
}

#[tokio::test]
async fn the_areas_are_served_as_geojson_for_maps() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("dispatcher").await;
    let areas: Value = app.get("/api/v1/areas", &token).await.json().await.unwrap();
    assert_eq!(areas["type"], "FeatureCollection");
    let features = areas["features"].as_array().unwrap();
    let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["east", "west"]);
    assert_eq!(features[1]["properties"]["name"], "West County");
    assert_eq!(features[1]["geometry"]["type"], "MultiPolygon");
    let first = &features[1]["geometry"]["coordinates"][0][0][0];
    assert_eq!((first[0].as_f64(), first[1].as_f64()), (Some(-96.0), Some(38.0)), "lon, lat");
    let anonymous = app.client.get(app.url("/api/v1/areas")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
