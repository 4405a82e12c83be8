//! Incidents are routed by where the person is: the serving agency per service, recorded with
//! the rule that chose it; a location that straddles areas says so, with the shares.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn routes(incident: &Value) -> Vec<(String, String, String)> {
    incident["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["service"].as_str().unwrap().into(),
                r["agency"].as_str().unwrap().into(),
                r["rule"].as_str().unwrap().into(),
            )
        })
        .collect()
}

async fn create(app: &TestApp, token: &str, location: Value) -> Value {
    let body = json!({"channel": "911", "location": location, "summary": "routing"});
    let response = app.post_json("/api/v1/incidents", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_point_is_routed_to_the_agencies_serving_its_area() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    let incident =
        create(&app, &token, json!({"type": "point", "lat": 38.5, "lon": -95.5, "radius_m": 50}))
            .await;
    let routes = routes(&incident);
    assert_eq!(routes.len(), 2, "{routes:?}");
    assert_eq!(routes[0].0, "urn:service:counseling.suicide");
    assert_eq!(routes[0].1, app.center.id.to_string());
    assert_eq!(routes[1].0, "urn:service:sos");
    assert_eq!(routes[1].1, app.psap.id.to_string());
    assert!(routes[1].2.contains("lies in West County (west)"), "{}", routes[1].2);
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
    let incident = create(
        &app,
        &token,
        json!({"type": "point", "lat": 38.5, "lon": -95.0115, "radius_m": 5000}),
    )
    .await;
    let routes = routes(&incident);
    let sos = routes.iter().find(|r| r.0 == "urn:service:sos").unwrap();
    assert_eq!(sos.1, app.psap.id.to_string(), "the larger share wins");
    assert!(
        sos.2.contains("straddles West County (west)") && sos.2.contains("East County (east)"),
        "{}",
        sos.2
    );
    assert!(sos.2.contains("ambiguous between 2 agencies"), "{}", sos.2);
    // The 988 center serves both sides: no ambiguity about it.
    let suicide = routes.iter().find(|r| r.0 == "urn:service:counseling.suicide").unwrap();
    assert!(!suicide.2.contains("ambiguous"), "{}", suicide.2);
}

#[tokio::test]
async fn an_unknown_or_uncovered_location_gets_no_route_and_a_better_one_reroutes() {
    let app = TestApp::spawn_with_areas().await;
    let token = app.login("calltaker").await;
    let unknown = create(&app, &token, json!({"type": "unknown"})).await;
    assert!(routes(&unknown).is_empty());
    let outside = create(&app, &token, json!({"type": "point", "lat": 45.0, "lon": -100.0})).await;
    assert!(routes(&outside).is_empty());

    let id = unknown["id"].as_str().unwrap();
    let located = json!({"action": "update_location", "location": {"type": "point", "lat": 38.5, "lon": -94.5}});
    let result: Value = app.act(&token, id, located).await.json().await.unwrap();
    let kinds: Vec<_> =
        result["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["located", "routed", "routed"]);
    let sos = routes(&result["incident"]).into_iter().find(|r| r.0 == "urn:service:sos").unwrap();
    assert!(sos.2.contains("East County (east)"), "{}", sos.2);
}
