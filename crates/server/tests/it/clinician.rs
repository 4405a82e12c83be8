//! The embedded-clinician queue: calls triaged for the PSAP's clinician wait there until one
//! clinician — only one — claims them, and go back or on from that clinician.

use serde_json::{Value, json};
use store::Directory;

use crate::helpers::{TestApp, assert_error};

async fn queue(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app.get("/api/v1/clinician-queue", token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn one_clinician_claims_a_queued_call_and_hands_it_back_or_on() {
    let app = TestApp::spawn().await;
    let calltaker = app.login("calltaker").await;
    let (ana, ben) = (app.login("clinician").await, app.login("clinician2").await);
    let routine = app.open_incident(&calltaker).await;
    let id = app.open_incident(&calltaker).await;
    app.record_triage(&id, domain::TriageOutcome::EmbeddedClinician).await;
    app.record_triage(&routine, domain::TriageOutcome::LawEnforcement).await;

    let waiting = queue(&app, &ana).await;
    assert_eq!(waiting.len(), 1, "only the call triaged for the clinician");
    assert_eq!(
        (waiting[0]["id"].as_str(), waiting[0]["awaits_clinician"].as_bool()),
        (Some(id.as_str()), Some(true))
    );
    assert_error(app.get("/api/v1/clinician-queue", &calltaker).await, 403, "forbidden", "").await;
    let claim = json!({"action": "claim_clinician"});
    assert_error(
        app.act(&ana, &routine, claim.clone()).await,
        409,
        "decision_forbids",
        "does not send it to embedded_clinician",
    )
    .await;

    // Both claim at once: exactly one holds the call.
    let (a, b) = tokio::join!(app.act(&ana, &id, claim.clone()), app.act(&ben, &id, claim.clone()));
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(statuses.contains(&200) && statuses.contains(&409), "{statuses:?}");
    let (holder, other) = if a.status() == 200 { (&ana, &ben) } else { (&ben, &ana) };
    let held = queue(&app, other).await;
    assert_eq!(held[0]["awaits_clinician"], false);
    let holder_id = app
        .store
        .session_context(&server::auth::token_hash(holder))
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    assert_eq!(held[0]["clinician"]["user"], holder_id.as_uuid().to_string());

    let release = json!({"action": "release_clinician", "reason": "needs a Spanish speaker"});
    assert_error(
        app.act(other, &id, release.clone()).await,
        409,
        "invalid_transition",
        "only the clinician who holds the call",
    )
    .await;
    let calltaker_user = app.store.user_by_username("calltaker").await.unwrap().unwrap();
    let to_calltaker = json!({"action": "hand_clinician_to", "clinician": calltaker_user.id.as_uuid().to_string()});
    assert_error(
        app.act(holder, &id, to_calltaker).await,
        422,
        "invalid_field",
        "is not a clinician",
    )
    .await;
    let other_id =
        app.store.session_context(&server::auth::token_hash(other)).await.unwrap().unwrap().user.id;
    let hand_on =
        json!({"action": "hand_clinician_to", "clinician": other_id.as_uuid().to_string()});
    assert_eq!(app.act(holder, &id, hand_on).await.status(), 200);
    assert_eq!(app.act(other, &id, release).await.status(), 200);
    assert_eq!(queue(&app, holder).await[0]["awaits_clinician"], true, "back in the queue");
}

#[tokio::test]
async fn clinicians_lists_who_a_call_can_be_handed_to_in_the_agency() {
    let app = TestApp::spawn().await;
    let clinician = app.login("clinician").await;
    let response = app.get("/api/v1/clinicians", &clinician).await;
    assert_eq!(response.status(), 200);
    let people: Value = response.json().await.unwrap();
    let names: Vec<(&str, &str)> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["display_name"].as_str().unwrap(), p["role"].as_str().unwrap()))
        .collect();
    // The PSAP's two clinicians; not its supervisor (who may claim a call but is not handed
    // one), not its call-taker, nobody of another agency.
    assert_eq!(names, [("clinician", "clinician"), ("clinician2", "clinician")]);
    let listed = app.store.user_by_username("clinician2").await.unwrap().unwrap();
    assert!(people.as_array().unwrap().iter().any(|p| p["id"] == listed.id.as_uuid().to_string()));
    let calltaker = app.login("calltaker").await;
    assert_error(app.get("/api/v1/clinicians", &calltaker).await, 403, "forbidden", "").await;
}
