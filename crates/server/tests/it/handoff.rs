//! 988 → 911 imminent-risk handoff: the PSAP gets the allow-listed minimum and nothing else,
//! and the 988 contact cannot close before its follow-up.

use serde_json::{Value, json};
use store::{Directory, EventLog};

use crate::helpers::{SseReader, TestApp, assert_error};

/// What the counselor learned that must never reach a PSAP.
const CLINICAL: [&str; 3] = ["history of two prior attempts", "sertraline", "yes_with_plan"];

/// A 988 contact in West County with a cell-sector location, a clinical note and a risk
/// assessment on record.
async fn contact(app: &TestApp, counselor: &str) -> String {
    let sector =
        json!({"type": "polygon", "points": [[38.40, -95.70], [38.40, -95.40], [38.65, -95.55]]});
    let body = json!({"channel": "988", "location": sector, "callback_number": "785-555-0199",
        "summary": "caller in crisis"});
    let response = app.post_json("/api/v1/incidents", Some(counselor), &body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let note = json!({"action": "add_note", "text": format!("CLINICAL: {}; takes {}", CLINICAL[0], CLINICAL[1])});
    assert_eq!(app.act(counselor, &id, note).await.status(), 200);
    let assessment = domain::Event {
        incident: id.parse().unwrap(),
        at: domain::Clock::now(&*app.clock),
        actor: domain::event::Actor::System,
        agency: app.center.id,
        kind: domain::EventKind::TriageRecorded {
            outcome: domain::TriageOutcome::EmergencyHandoff,
            protocol: "988-suicide-safety-assessment".into(),
            protocol_version: 1,
            rule: "imminent-risk".into(),
            answers: vec![("intent".into(), CLINICAL[2].into())],
        },
    };
    app.store.append(vec![assessment]).await.unwrap();
    id
}

fn handoff() -> Value {
    json!({"action": "start_emergency_handoff", "reason": "took pills twenty minutes ago",
           "hazards": ["firearm in the home"]})
}

#[tokio::test]
async fn the_psap_gets_the_allow_listed_minimum_and_never_the_clinical_record() {
    let app = TestApp::spawn_with_areas().await;
    let counselor = app.login("counselor").await;
    let calltaker = app.login("calltaker").await;
    let mut psap_stream = SseReader::open(&app, &calltaker, "?after=0", None).await;
    let id = contact(&app, &counselor).await;

    let result: Value = app.act(&counselor, &id, handoff()).await.json().await.unwrap();
    let events = result["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "emergency_handoff_started");
    let psap_incident = result["incident"]["handoff"]["incident"].as_str().unwrap().to_owned();
    assert_eq!(result["incident"]["handoff"]["outcome"], Value::Null);

    // The PSAP's incident: offered to the PSAP serving West County, with the location and its
    // confidence, the callback number, the hazard and the reason.
    let incident: Value = app
        .get(&format!("/api/v1/incidents/{psap_incident}"), &calltaker)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["channel"], "911");
    assert_eq!(incident["transfer"]["to"], app.psap.id.to_string());
    assert_eq!(incident["transfer"]["service"], "urn:service:sos");
    assert_eq!(incident["location"]["type"], "polygon");
    assert_eq!(incident["callback_number"], "+17855550199");
    assert_eq!(incident["handed_off_from"], id);
    let summary = incident["summary"].as_str().unwrap();
    for says in
        ["an area (cell-sector grade)", "took pills twenty minutes ago", "firearm in the home"]
    {
        assert!(summary.contains(says), "{summary}");
    }
    // The disclosure is on both incidents' trails as what it is, committed with the handoff.
    let records = store::AuditLog::audit_records(&*app.store, 0, 1000, None).await.unwrap();
    let disclosures: Vec<String> = records
        .iter()
        .filter(|r| r.entry.action.contains("42 CFR 2.51 medical emergency disclosure"))
        .filter_map(|r| r.entry.incident.map(|i| i.to_string()))
        .collect();
    assert!(disclosures.contains(&id), "{disclosures:?}");
    assert!(disclosures.iter().all(|d| *d == id || *d == psap_incident), "{disclosures:?}");
    let counselor_id =
        store::Directory::user_by_username(&*app.store, "counselor").await.unwrap().unwrap().id;
    assert!(
        records
            .iter()
            .filter(|r| r.entry.action.contains("42 CFR 2.51"))
            .all(|r| r.entry.user == Some(counselor_id) && r.entry.action.contains("took pills"))
    );
    // Everything the PSAP can read of it — the incident, its events, its list, the live
    // stream — holds nothing of the clinical record; the contact itself is not found.
    let mut seen = vec![incident.to_string()];
    seen.push(
        app.get(&format!("/api/v1/incidents/{psap_incident}/events"), &calltaker)
            .await
            .text()
            .await
            .unwrap(),
    );
    seen.push(app.get("/api/v1/incidents", &calltaker).await.text().await.unwrap());
    loop {
        let message = psap_stream.next().await;
        seen.push(message.data.to_string());
        if message.event == "transfer_offered" {
            break;
        }
    }
    for text in &seen {
        for secret in CLINICAL {
            assert!(!text.contains(secret), "{secret:?} reached the PSAP: {text}");
        }
        assert!(!text.contains("CLINICAL"), "{text}");
    }
    assert_eq!(app.get(&format!("/api/v1/incidents/{id}"), &calltaker).await.status(), 404);
    let psap_events = app.store.events_after(0, Some(app.psap.id), 1000).await.unwrap();
    assert!(
        psap_events.iter().all(|e| e.event.incident.to_string() == psap_incident),
        "only the PSAP's own incident"
    );

    // The PSAP takes the call.
    let accepted = app.act(&calltaker, &psap_incident, json!({"action": "accept_transfer"})).await;
    assert_eq!(accepted.status(), 200);

    // The contact stays open until the 988 side records the follow-up.
    let close = json!({"action": "close", "disposition": "handled_by_emergency_services"});
    assert_error(
        app.act(&counselor, &id, close.clone()).await,
        409,
        "invalid_transition",
        "awaits its follow-up",
    )
    .await;
    let bad = json!({"action": "confirm_emergency_handoff", "outcome": "probably"});
    assert_error(
        app.act(&counselor, &id, bad).await,
        422,
        "invalid_field",
        "use contact_made or could_not_confirm",
    )
    .await;
    let confirm = json!({"action": "confirm_emergency_handoff", "outcome": "contact_made", "remark": "EMS on scene 21:14"});
    let confirmed: Value = app.act(&counselor, &id, confirm).await.json().await.unwrap();
    assert_eq!(confirmed["incident"]["handoff"]["outcome"], "contact_made");
    assert_eq!(app.act(&counselor, &id, close).await.status(), 200);
}

#[tokio::test]
async fn a_handoff_that_cannot_be_made_writes_nothing_and_says_why() {
    let app = TestApp::spawn_with_areas().await;
    let counselor = app.login("counselor").await;
    let calltaker = app.login("calltaker").await;
    let head = app.store.head().await.unwrap();

    // From a 911 call: refused.
    let call = app.open_incident(&calltaker).await;
    let head_after_call = app.store.head().await.unwrap();
    assert_error(
        app.act(&calltaker, &call, handoff()).await,
        409,
        "invalid_transition",
        "only a 988 contact",
    )
    .await;
    // A contact with no location.
    let body = json!({"channel": "988", "location": {"type": "unknown"}, "summary": "no location"});
    let unknown = app
        .post_json("/api/v1/incidents", Some(&counselor), &body)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let unknown = unknown["id"].as_str().unwrap().to_owned();
    let head_after_contact = app.store.head().await.unwrap();
    assert_error(
        app.act(&counselor, &unknown, handoff()).await,
        422,
        "invalid_field",
        "give the best known location",
    )
    .await;
    // A location no PSAP here serves.
    let mut far = handoff();
    far["location"] = json!({"type": "point", "lat": 45.0, "lon": -100.0, "radius_m": 500});
    assert_error(
        app.act(&counselor, &unknown, far).await,
        409,
        "invalid_transition",
        "call 911 by phone now",
    )
    .await;
    // Too many hazards.
    let mut many = handoff();
    many["hazards"] = json!(vec!["x"; 11]);
    assert_error(app.act(&counselor, &unknown, many).await, 422, "invalid_field", "at most 10")
        .await;
    assert_eq!(app.store.head().await.unwrap(), head_after_contact, "no PSAP incident, no record");
    assert!(head_after_call > head && head_after_contact > head_after_call);

    // With a better location given, it goes through.
    let mut located = handoff();
    located["location"] = json!({"type": "point", "lat": 38.5, "lon": -94.5, "radius_m": 50});
    let result: Value = app.act(&counselor, &unknown, located).await.json().await.unwrap();
    let psap_incident = result["incident"]["handoff"]["incident"].as_str().unwrap();
    let other_psap = app.store.agency_by_code("psap-20091").await.unwrap().unwrap();
    let incident = app.store.incident(psap_incident.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(incident.transfer.unwrap().to, other_psap.id, "East County's PSAP");
}
