//! Somewhere to go through the API: facilities and their availability, reported only by their
//! own staff and refused with what to fix; the ranking for a person on scene — a facility on
//! diversion, full, stale or not taking the person never above one with room, each saying why;
//! the team's choice, the facility seeing it coming, and the hand-over or a refusal.

use domain::facility::{Accepts, Availability, Facility, FacilityKind, FacilityStatus};
use serde_json::{Value, json};
use store::Facilities as _;

use crate::helpers::{TestApp, assert_error};

/// Another facility of the same operator, `km_east` of the first, with `status` and beds.
fn another(
    app: &TestApp,
    code: &str,
    km_east: f64,
    status: FacilityStatus,
    beds: u32,
    ages: Vec<domain::AgeBand>,
) -> Facility {
    Facility {
        id: uuid::Uuid::now_v7(),
        agency: app.facility.id,
        code: code.into(),
        name: format!("{code} facility"),
        kind: FacilityKind::CrisisReceiving,
        address: format!("{code} street"),
        location: domain::GeoPoint::parse(38.9706, -95.2468 + km_east / 86.5).unwrap(),
        hours: "24/7".into(),
        always_open: true,
        accepts: Accepts { ages, ..Accepts::default() },
        availability: Availability {
            status,
            beds_free: Some(beds),
            chairs_free: None,
            updated_at: domain::Timestamp::from_millis(1_764_000_000_000),
            updated_by: None,
        },
    }
}

/// A 911 call in Lawrence with the provider's team sent to it; returns (incident, responder).
async fn team_on_scene(app: &TestApp) -> (String, String) {
    let calltaker = app.login("calltaker").await;
    let dispatcher = app.login("dispatcher").await;
    let responder = app.login("responder").await;
    let path = format!("/api/v1/teams/{}/actions", app.team.id);
    app.post_json(&path, Some(&responder), &json!({"action": "start_shift"})).await;
    let id = app.open_incident(&calltaker).await;
    let offer = json!({"action": "offer_transfer", "to_agency": app.provider.id.to_string(), "reason": "mobile crisis"});
    assert_eq!(app.act(&calltaker, &id, offer).await.status(), 200);
    let dispatch = json!({"action": "dispatch_team", "team": app.team.id.to_string()});
    assert_eq!(app.act(&dispatcher, &id, dispatch).await.status(), 200);
    (id, responder)
}

#[tokio::test]
async fn a_facilitys_own_staff_report_its_availability_and_mistakes_change_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.login("facility").await;
    let path = format!("/api/v1/facilities/{}/availability", app.facility_id);
    let reported: Value = app
        .post_json(
            &path,
            Some(&staff),
            &json!({"status": "diversion", "beds_free": 0, "chairs_free": 2}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (reported["status"].as_str(), reported["beds_free"].as_u64()),
        (Some("diversion"), Some(0))
    );
    assert_eq!(reported["stale"], false);

    let before = app.store.facility(app.facility_id).await.unwrap();
    for (body, field, says) in [
        (
            json!({"status": "accepting", "beds_free": -1}),
            "beds_free",
            "-1 given; a count is 0 or more",
        ),
        (json!({"status": "open"}), "status", "unknown status \"open\""),
        (json!({"status": "accepting", "chairs_free": 20000}), "chairs_free", "at most 10000"),
    ] {
        let body = assert_error(
            app.post_json(&path, Some(&staff), &body).await,
            422,
            "invalid_field",
            says,
        )
        .await;
        assert_eq!(body["error"]["field"], field);
    }
    // A supervisor of the PSAP may update facilities — but not one another agency runs.
    let supervisor = app.login("supervisor").await;
    let other = app.post_json(&path, Some(&supervisor), &json!({"status": "accepting"})).await;
    assert_error(other, 403, "forbidden", "run by another agency").await;
    let calltaker = app.login("calltaker").await;
    let refused = app.post_json(&path, Some(&calltaker), &json!({"status": "accepting"})).await;
    assert_error(refused, 403, "forbidden", "FacilityUpdate").await;
    let unknown = format!("/api/v1/facilities/{}/availability", uuid::Uuid::now_v7());
    assert_error(
        app.post_json(&unknown, Some(&staff), &json!({"status": "accepting"})).await,
        404,
        "not_found",
        "facility",
    )
    .await;
    assert_eq!(app.store.facility(app.facility_id).await.unwrap(), before, "nothing changed");

    // Five hours later the report is stale.
    app.clock.advance_ms(5 * 3_600_000);
    let staff = app.login("facility").await;
    let list: Vec<Value> = app.get("/api/v1/facilities", &staff).await.json().await.unwrap();
    assert_eq!(list[0]["stale"], true);
}

#[tokio::test]
async fn destinations_rank_room_before_distance_and_say_why() {
    let app = TestApp::spawn().await;
    // Closer than the first (which has 3 beds): one on diversion, one full, one for children.
    let diversion = another(&app, "diversion", -0.5, FacilityStatus::Diversion, 5, Vec::new());
    let full = another(&app, "full", -0.3, FacilityStatus::Accepting, 0, Vec::new());
    let children =
        another(&app, "children", -0.1, FacilityStatus::Accepting, 4, vec![domain::AgeBand::Child]);
    app.store.put_facilities(&[diversion, full, children], true).await.unwrap();
    let (id, responder) = team_on_scene(&app).await;
    let describe = json!({"action": "describe_contact", "age_band": "adult"});
    let calltaker = app.login("calltaker").await;
    assert_eq!(app.act(&calltaker, &id, describe).await.status(), 200);

    let ranked: Vec<Value> = app
        .get(&format!("/api/v1/incidents/{id}/destinations"), &responder)
        .await
        .json()
        .await
        .unwrap();
    let order: Vec<(&str, &str, bool)> = ranked
        .iter()
        .map(|r| {
            (
                r["facility"]["code"].as_str().unwrap(),
                r["room"].as_str().unwrap(),
                r["eligible"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("trc", "free", true),
            ("full", "full", true),
            ("diversion", "diversion", true),
            ("children", "free", false)
        ]
    );
    let reason = |code: &str| {
        ranked.iter().find(|r| r["facility"]["code"] == code).unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        reason("trc").contains("3 beds free") && reason("trc").contains("straight-line estimate"),
        "{}",
        reason("trc")
    );
    assert!(reason("diversion").contains("on diversion"), "{}", reason("diversion"));
    assert!(
        reason("children").starts_with("not eligible: does not take adult patients"),
        "{}",
        reason("children")
    );
    let bad = app.get(&format!("/api/v1/incidents/{id}/destinations?drunk=true"), &responder).await;
    assert_error(bad, 400, "invalid_parameter", "drunk").await;
    let other = app.login("other").await;
    let hidden = app.get(&format!("/api/v1/incidents/{id}/destinations"), &other).await;
    assert_error(hidden, 404, "not_found", "was not found").await;
}

#[tokio::test]
async fn the_facility_sees_the_team_coming_and_takes_the_person_over_or_turns_it_away() {
    let app = TestApp::spawn().await;
    let (id, responder) = team_on_scene(&app).await;
    let staff = app.login("facility").await;
    let none: Vec<Value> =
        app.get("/api/v1/facilities/incoming", &staff).await.json().await.unwrap();
    assert!(none.is_empty());
    let hidden = app.get(&format!("/api/v1/incidents/{id}"), &staff).await;
    assert_eq!(hidden.status(), 404, "the facility sees nothing before it is chosen");

    let choose = json!({"action": "choose_destination", "facility": app.facility_id});
    let calltaker = app.login("calltaker").await;
    let refused = app.act(&calltaker, &id, choose.clone()).await;
    assert_error(refused, 403, "forbidden", "TeamReport").await;
    let stranger = json!({"action": "choose_destination", "facility": app.facility_id, "team": uuid::Uuid::now_v7()});
    let refused = app.act(&responder, &id, stranger).await;
    assert_error(
        refused,
        422,
        "invalid_field",
        "not one of your agency's teams working this incident",
    )
    .await;
    let chosen: Value = app.act(&responder, &id, choose.clone()).await.json().await.unwrap();
    assert_eq!(chosen["incident"]["destination"]["facility"], app.facility_id.to_string());
    assert_eq!(chosen["incident"]["destination"]["team"], app.team.id.to_string());

    let incoming: Vec<Value> =
        app.get("/api/v1/facilities/incoming", &staff).await.json().await.unwrap();
    assert_eq!(incoming.len(), 1);
    assert_eq!(incoming[0]["incident"]["id"], id.as_str());
    assert!(
        incoming[0]["expected_at"].as_i64().unwrap() > incoming[0]["chosen_at"].as_i64().unwrap()
    );

    // Turned away for want of a bed: the choice is cleared, and the team chooses again.
    let no_room = json!({"action": "refuse_handover", "facility": app.facility_id, "no_room": true, "reason": "no bed free"});
    let turned: Value = app.act(&staff, &id, no_room).await.json().await.unwrap();
    assert_eq!(turned["incident"]["destination"], Value::Null);
    let again = app
        .act(&staff, &id, json!({"action": "accept_handover", "facility": app.facility_id}))
        .await;
    assert_error(again, 409, "invalid_transition", "choose it as the destination first").await;
    assert_eq!(app.act(&responder, &id, choose).await.status(), 200);
    // On the way and there, the team's statuses name the facility.
    let path = format!("/api/v1/teams/{}/actions", app.team.id);
    for status in ["on_scene", "transporting", "at_facility"] {
        let set = json!({"action": "set_status", "status": status});
        assert_eq!(app.post_json(&path, Some(&responder), &set).await.status(), 200, "{status}");
    }
    let events: Vec<Value> =
        app.get(&format!("/api/v1/incidents/{id}/events"), &responder).await.json().await.unwrap();
    let named: Vec<(&str, Option<&str>)> = events
        .iter()
        .filter(|e| e["kind"] == "team_status_changed")
        .map(|e| (e["data"]["status"].as_str().unwrap(), e["data"]["to"].as_str()))
        .collect();
    let trc = app.facility_id.to_string();
    assert!(
        named.ends_with(&[
            ("on_scene", None),
            ("transporting", Some(trc.as_str())),
            ("at_facility", Some(trc.as_str()))
        ]),
        "{named:?}"
    );
    let accepted: Value = app
        .act(&staff, &id, json!({"action": "accept_handover", "facility": app.facility_id}))
        .await
        .json()
        .await
        .unwrap();
    assert!(accepted["incident"]["destination"]["handed_over_at"].is_i64());
    let twice = app
        .act(&staff, &id, json!({"action": "accept_handover", "facility": app.facility_id}))
        .await;
    assert_error(twice, 409, "invalid_transition", "already taken the person over").await;
    let empty: Vec<Value> =
        app.get("/api/v1/facilities/incoming", &staff).await.json().await.unwrap();
    assert!(empty.is_empty(), "handed over: no longer coming");
}
