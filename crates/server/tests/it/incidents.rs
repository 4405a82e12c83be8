//! Opening, reading, listing and acting on incidents through the API.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error, new_incident};

#[tokio::test]
async fn create_commits_and_returns_the_incident_with_its_location() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let response = app.post_json("/api/v1/incidents", Some(&token), &new_incident()).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/incidents/{}", created["id"].as_str().unwrap()));
    assert_eq!(created["status"], "open");
    assert_eq!(created["channel"], "911");
    assert_eq!(created["callback_number"], "+17855550100");
    assert_eq!(
        created["location"],
        json!({"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 30.0})
    );
    assert_eq!(created["holder"], app.psap.id.to_string());
    assert_eq!(created["version"], 1);
    // Acknowledged means committed: the event is in the log already.
    assert_eq!(app.store_head().await, 1);
    let fetched: Value = app.get(&location, &token).await.json().await.unwrap();
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn a_988_contact_may_start_with_an_unknown_location_and_no_callback() {
    let app = TestApp::spawn().await;
    let token = app.login("counselor").await;
    let body =
        json!({"channel": "988", "location": {"type": "unknown"}, "summary": "text contact"});
    let response = app.post_json("/api/v1/incidents", Some(&token), &body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["location"], json!({"type": "unknown"}));
    assert_eq!(created["callback_number"], Value::Null);
}

#[tokio::test]
async fn list_filters_by_status_and_channel() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let a = app.open_incident(&token).await;
    let b = app.open_incident(&token).await;
    app.clock.advance_ms(1000);
    let close = json!({"action": "close", "disposition": "referred", "remark": "given resources"});
    assert_eq!(app.act(&token, &a, close).await.status(), 200);

    let ids =
        |v: Vec<Value>| v.iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let open: Vec<Value> = app.get("/api/v1/incidents", &token).await.json().await.unwrap();
    assert_eq!(ids(open), std::slice::from_ref(&b));
    let closed: Vec<Value> =
        app.get("/api/v1/incidents?status=closed", &token).await.json().await.unwrap();
    assert_eq!(ids(closed), std::slice::from_ref(&a));
    let both: Vec<Value> =
        app.get("/api/v1/incidents?status=open,closed&limit=1", &token).await.json().await.unwrap();
    assert_eq!(ids(both), [a], "most recently updated first");
    let none: Vec<Value> =
        app.get("/api/v1/incidents?channel=988", &token).await.json().await.unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_911_to_988_transfer_moves_the_incident_to_the_center() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let id = app.open_incident(&calltaker).await;

    let offer = json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "triage: divert to 988", "deadline_seconds": 90});
    let result: Value = app.act(&calltaker, &id, offer).await.json().await.unwrap();
    assert_eq!(result["incident"]["status"], "transfer_pending");
    let transfer = &result["incident"]["transfer"];
    assert_eq!(transfer["to"], app.center.id.to_string());
    assert_eq!(
        transfer["deadline"].as_i64().unwrap() - transfer["offered_at"].as_i64().unwrap(),
        90_000
    );

    // The call-taker cannot accept on the center's behalf, nor close while the offer is open.
    assert_error(
        app.act(&calltaker, &id, json!({"action": "accept_transfer"})).await,
        409,
        "invalid_transition",
        "only the agency the transfer was offered to",
    )
    .await;
    let close = json!({"action": "close", "disposition": "referred"});
    assert_error(app.act(&calltaker, &id, close).await, 409, "invalid_transition", "still pending")
        .await;

    let result: Value =
        app.act(&counselor, &id, json!({"action": "accept_transfer"})).await.json().await.unwrap();
    assert_eq!(result["incident"]["holder"], app.center.id.to_string());
    assert_eq!(result["incident"]["status"], "open");

    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &counselor).await.json().await.unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "transfer_offered", "transfer_accepted"]);
    let seqs: Vec<_> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn a_declined_offer_leaves_the_incident_with_its_holder() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let id = app.open_incident(&calltaker).await;
    let offer = json!({"action": "offer_transfer", "to_agency": app.center.id.to_string(), "reason": "divert"});
    app.act(&calltaker, &id, offer).await;
    let decline = json!({"action": "decline_transfer", "reason": "caller needs EMS"});
    let result: Value = app.act(&counselor, &id, decline).await.json().await.unwrap();
    assert_eq!(result["incident"]["holder"], app.psap.id.to_string());
    assert_eq!(result["incident"]["transfer"], Value::Null);
    assert_eq!(result["events"][0]["data"]["reason"], "caller needs EMS");
}

#[tokio::test]
async fn a_provider_that_accepts_the_incident_dispatches_its_own_team_once() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let dispatcher = app.login("dispatcher").await;
    let id = app.open_incident(&calltaker).await;
    let offer = json!({"action": "offer_transfer", "to_agency": app.provider.id.to_string(), "reason": "mobile crisis"});
    assert_eq!(app.act(&calltaker, &id, offer).await.status(), 200);
    assert_eq!(app.act(&dispatcher, &id, json!({"action": "accept_transfer"})).await.status(), 200);

    let dispatch = json!({"action": "dispatch_team", "team": app.team.id.to_string()});
    // Off shift, the team cannot go; on shift it can.
    assert_error(
        app.act(&dispatcher, &id, dispatch.clone()).await,
        409,
        "invalid_transition",
        "off shift",
    )
    .await;
    let shift = format!("/api/v1/teams/{}/actions", app.team.id);
    let started = app.post_json(&shift, Some(&dispatcher), &json!({"action": "start_shift"})).await;
    assert_eq!(started.status(), 200);
    let result: Value = app.act(&dispatcher, &id, dispatch.clone()).await.json().await.unwrap();
    assert_eq!(result["incident"]["status"], "team_dispatched");
    assert_eq!(result["incident"]["teams"], json!([app.team.id.to_string()]));
    assert_error(
        app.act(&dispatcher, &id, dispatch).await,
        409,
        "invalid_transition",
        "already dispatched",
    )
    .await;

    // A call-taker has no permission to dispatch, and unknown teams are named as such.
    let dispatch = json!({"action": "dispatch_team", "team": app.team.id.to_string()});
    assert_error(app.act(&calltaker, &id, dispatch).await, 403, "forbidden", "permission").await;
    let ghost = json!({"action": "dispatch_team", "team": "01a20b53-b295-7543-90e8-0834837ada43"});
    assert_error(app.act(&dispatcher, &id, ghost).await, 422, "invalid_field", "team: team").await;
}

#[tokio::test]
async fn a_closed_incident_takes_nothing_more() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let id = app.open_incident(&token).await;
    let location = json!({"action": "update_location", "location": {"type": "polygon", "points": [[38.9, -95.3], [38.9, -95.2], [39.0, -95.2]]}});
    let result: Value = app.act(&token, &id, location).await.json().await.unwrap();
    assert_eq!(result["incident"]["location"]["type"], "polygon");
    let close = json!({"action": "close", "disposition": "resolved_by_phone", "remark": "safety plan made"});
    let result: Value = app.act(&token, &id, close.clone()).await.json().await.unwrap();
    assert_eq!(result["incident"]["status"], "closed");
    assert_eq!(result["incident"]["closure"]["disposition"], "resolved_by_phone");
    let head = app.store_head().await;
    assert_error(app.act(&token, &id, close).await, 409, "invalid_transition", "closed").await;
    let note = json!({"action": "add_note", "text": "late note"});
    assert_error(app.act(&token, &id, note).await, 409, "invalid_transition", "closed").await;
    assert_eq!(app.store_head().await, head);
}

#[tokio::test]
async fn the_persons_language_interpreter_and_age_are_recorded_shown_and_checked() {
    let app = TestApp::spawn().await;
    let token = app.login("calltaker").await;
    let mut body = new_incident();
    body["language"] = json!("Spanish");
    body["interpreter"] = json!(true);
    body["age_band"] = json!("adolescent");
    let response = app.post_json("/api/v1/incidents", Some(&token), &body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        created["contact"],
        json!({"language": "Spanish", "interpreter": true, "age_band": "adolescent"})
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &token).await.json().await.unwrap();
    assert!(events.iter().any(|e| e["kind"] == "contact_described"), "recorded as an event");

    // Changed later: replaces what was said.
    let describe =
        json!({"action": "describe_contact", "language": "ASL", "age_band": "older_adult"});
    let changed: Value = app.act(&token, &id, describe).await.json().await.unwrap();
    assert_eq!(
        changed["incident"]["contact"],
        json!({"language": "ASL", "interpreter": false, "age_band": "older_adult"})
    );
    // Without any, nothing is said and no event is written.
    let plain: Value = app
        .post_json("/api/v1/incidents", Some(&token), &new_incident())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plain["contact"], json!({"language": "", "interpreter": false, "age_band": null}));
    let plain_events: Vec<Value> = app
        .get(&format!("/api/v1/incidents/{}/events", plain["id"].as_str().unwrap()), &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        plain_events.iter().all(|e| e["kind"] != "contact_described"),
        "no event for nothing said"
    );

    // Bad input says what to fix and changes nothing.
    let head = app.store_head().await;
    let bad = json!({"action": "describe_contact", "age_band": "teen"});
    assert_error(
        app.act(&token, &id, bad).await,
        422,
        "invalid_field",
        "child, adolescent, adult or older_adult",
    )
    .await;
    let long = json!({"action": "describe_contact", "language": "x".repeat(41)});
    assert_error(app.act(&token, &id, long).await, 422, "invalid_field", "language").await;
    let mut bad_open = new_incident();
    bad_open["age_band"] = json!("old");
    let response = app.post_json("/api/v1/incidents", Some(&token), &bad_open).await;
    assert_error(response, 422, "invalid_field", "age_band").await;
    assert_eq!(app.store_head().await, head);
}

/// A civic address beside the coordinates: given when the incident opens, cleared by a new
/// location unless one comes with it, recorded on its own, taken back; bad input refused with
/// the field and nothing written.
#[tokio::test]
async fn an_incident_keeps_the_address_said_for_its_location() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let mut body = crate::helpers::new_incident();
    body["address"] = json!("  1000 W 23rd St, Lawrence  ");
    let created = app.post_json("/api/v1/incidents", Some(&calltaker), &body).await;
    assert_eq!(created.status(), 201);
    let incident: Value = created.json().await.unwrap();
    assert_eq!(incident["address"], "1000 W 23rd St, Lawrence");
    let id = incident["id"].as_str().unwrap().to_owned();
    let point = json!({"type": "point", "lat": 38.51, "lon": -95.51});

    let moved: Value = app
        .act(&calltaker, &id, json!({"action": "update_location", "location": point}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["incident"]["address"], Value::Null, "a new place clears the old address");
    let moved: Value = app
        .act(&calltaker, &id, json!({"action": "update_location", "location": point, "address": "Iowa St & W 23rd St"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["incident"]["address"], "Iowa St & W 23rd St");
    let said: Value = app
        .act(&calltaker, &id, json!({"action": "record_address", "address": "1200 Iowa St"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(said["incident"]["address"], "1200 Iowa St");
    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &calltaker).await.json().await.unwrap();
    assert_eq!(events.last().unwrap()["kind"], "address_recorded");
    assert_eq!(events.last().unwrap()["data"]["address"], "1200 Iowa St");

    let head = app.store_head().await;
    assert_error(
        app.act(&calltaker, &id, json!({"action": "record_address", "address": "1200 Iowa St"}))
            .await,
        409,
        "invalid_transition",
        "has this address already",
    )
    .await;
    assert_error(
        app.act(&calltaker, &id, json!({"action": "record_address", "address": "x".repeat(501)}))
            .await,
        422,
        "invalid_field",
        "address",
    )
    .await;
    let mut long = crate::helpers::new_incident();
    long["address"] = json!("y".repeat(501));
    assert_error(
        app.post_json("/api/v1/incidents", Some(&calltaker), &long).await,
        422,
        "invalid_field",
        "address",
    )
    .await;
    assert_eq!(app.store_head().await, head, "refusals write nothing");
    // Another PSAP cannot change it.
    let other = app.login("other").await;
    let refused =
        app.act(&other, &id, json!({"action": "record_address", "address": "elsewhere"})).await;
    assert_eq!(refused.status(), 404);
    let cleared: Value = app
        .act(&calltaker, &id, json!({"action": "record_address", "address": ""}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["incident"]["address"], Value::Null);
}
