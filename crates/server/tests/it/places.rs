//! Streets and places through the API, on the Manhattan OpenStreetMap extract the demo ships:
//! the map's tiles, a point in words, a corner found by name — and bad input refused with what
//! to fix.

use std::sync::Arc;

use serde_json::Value;

use crate::helpers::{TestApp, assert_error};

const OSM: &[u8] = include_bytes!("../../../crisisbridge/demo/manhattan-roads.osm.gz");

fn manhattan() -> Arc<streets::Places> {
    static PLACES: std::sync::OnceLock<Arc<streets::Places>> = std::sync::OnceLock::new();
    PLACES
        .get_or_init(|| {
            let (mut network, ..) = roads::import::read_network(OSM, &mut |_, _, _| {}).unwrap();
            let map = streets::StreetMap::new(network.take_lines());
            Arc::new(streets::Places::new(map, streets::AddressPoints::default()))
        })
        .clone()
}

#[tokio::test]
async fn tiles_describe_and_find_on_manhattan() {
    let places = manhattan();
    let app = TestApp::spawn_with(move |s| s.places = Some(places.clone())).await;
    let token = app.login("responder").await;

    let info: Value = app.get("/api/v1/streets", &token).await.json().await.unwrap();
    assert_eq!(info["streets"], true);
    assert!(info["lines"].as_u64().unwrap() > 10_000);
    let bounds = info["bounds"].as_array().unwrap();
    assert!(bounds[0].as_f64().unwrap() > 40.6 && bounds[2].as_f64().unwrap() < 40.9);

    // The tile of West 23rd Street and 8th Avenue at zoom 16, decoded as the console does:
    // some line of West 23rd Street passes within 30 m of the corner.
    let (lat, lon) = (40.745_295, -73.998_485);
    let size = 360.0 / f64::from(1u32 << 16);
    let (x, y) = (((lon + 180.0) / size) as u32, ((90.0 - lat) / size) as u32);
    let response = app.get(&format!("/api/v1/streets/16/{x}/{y}"), &token).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let tile: Value = response.json().await.unwrap();
    let names: Vec<&str> =
        tile["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    let w23 = names.iter().position(|n| *n == "West 23rd Street").expect("West 23rd Street named");
    let step = tile["size"].as_f64().unwrap() / tile["extent"].as_f64().unwrap();
    let (west, north) = (tile["west"].as_f64().unwrap(), tile["north"].as_f64().unwrap());
    let near = tile["lines"].as_array().unwrap().iter().any(|line| {
        let line: Vec<i64> = line.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        if line[1] != w23 as i64 {
            return false;
        }
        let (mut u, mut v) = (0, 0);
        line[2..].chunks(2).any(|p| {
            u += p[0];
            v += p[1];
            let (plat, plon) = (north - v as f64 * step, west + u as f64 * step);
            roads::haversine_m(lat, lon, plat, plon) < 30.0
        })
    });
    assert!(near, "no line of West 23rd Street reaches the corner in the tile");

    let found: Value = app
        .get("/api/v1/places?q=W%2023rd%20St%20%26%208th%20Ave", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["found"][0]["label"], "West 23rd Street & 8th Avenue");
    assert_eq!(found["found"][0]["kind"], "intersection");
    let described: Value = app
        .get(&format!("/api/v1/places/describe?lat={lat}&lon={lon}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let text = described["description"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("at ") && text.contains("West 23rd Street") && text.contains("8th Avenue"),
        "{text}"
    );
    // Out in the Atlantic: no description, not an error.
    let far: Value =
        app.get("/api/v1/places/describe?lat=40.2&lon=-73.5", &token).await.json().await.unwrap();
    assert_eq!(far["description"], Value::Null);

    // Bad input, each refused with what to fix.
    for (path, says) in [
        ("/api/v1/streets/25/0/0", "zoom 25 is outside 6..=18"),
        ("/api/v1/streets/16/99999999/0", "does not exist at zoom 16"),
        ("/api/v1/streets/16/x/0", "x: \"x\" is not a whole number"),
        ("/api/v1/places/describe?lat=91&lon=0", "latitude 91"),
        ("/api/v1/places/describe?lat=north&lon=0", "give lat and lon in degrees"),
        ("/api/v1/places", "give q"),
        ("/api/v1/places?q=broadway&limit=0", "limit"),
    ] {
        let response = app.get(path, &token).await;
        assert_error(response, 400, "invalid_parameter", says).await;
    }
    let long = "a".repeat(201);
    assert_error(
        app.get(&format!("/api/v1/places?q={long}"), &token).await,
        400,
        "invalid_parameter",
        "200 characters",
    )
    .await;
    // Without a session, nothing.
    let response = app.client.get(app.url("/api/v1/streets/16/0/0")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn without_road_data_there_are_no_streets_and_no_descriptions() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let info: Value = app.get("/api/v1/streets", &token).await.json().await.unwrap();
    assert_eq!(info["streets"], false);
    assert_eq!(info["bounds"], Value::Null);
    assert_error(
        app.get("/api/v1/streets/16/0/0", &token).await,
        404,
        "not_found",
        "no road network",
    )
    .await;
    let described: Value =
        app.get("/api/v1/places/describe?lat=38.97&lon=-95.23", &token).await.json().await.unwrap();
    assert_eq!(described["description"], Value::Null);
    let found: Value = app.get("/api/v1/places?q=Main", &token).await.json().await.unwrap();
    assert_eq!(found["found"], serde_json::json!([]));
}
