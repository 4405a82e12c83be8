//! Transfers that never end in silence: offers roll over to the next tier when declined or not
//! answered in time, end accepted or returned with an alarm, and their deadlines survive a
//! server restart.

use serde_json::{Value, json};
use store::EventLog;

use crate::helpers::TestApp;

/// Opens a 911 call in West County (served by the 988 center, then its backup, 45 s each).
async fn open_in_west(app: &TestApp, token: &str) -> String {
    let body = json!({"channel": "911", "summary": "transfer",
        "location": {"type": "point", "lat": 38.5, "lon": -95.5}});
    let response = app.post_json("/api/v1/incidents", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn events(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let path = format!("/api/v1/incidents/{id}/events");
    app.get(&path, token).await.json::<Vec<Value>>().await.unwrap()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

/// Waits until the incident's last event is of `kind` (the deadline watch runs every 20 ms).
async fn wait_for_last(app: &TestApp, token: &str, id: &str, kind: &str) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let all = events(app, token, id).await;
        if all.last().is_some_and(|e| e["kind"] == kind) {
            return all;
        }
        assert!(std::time::Instant::now() < deadline, "no {kind} came: {:?}", kinds(&all));
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

const SUICIDE: &str = "urn:service:counseling.suicide";

#[tokio::test]
async fn a_declined_offer_rolls_over_to_the_backup_and_an_unanswered_one_is_returned_with_an_alarm()
{
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let counselor = app.login("counselor").await;
    let id = open_in_west(&app, &calltaker).await;
    let offer = json!({"action": "offer_transfer", "service": SUICIDE, "reason": "divert to 988"});
    let offered: Value = app.act(&calltaker, &id, offer).await.json().await.unwrap();
    let transfer = &offered["incident"]["transfer"];
    assert_eq!(transfer["to"], app.center.id.to_string());
    assert_eq!(
        transfer["then"],
        json!([{"agency": app.backup.id.to_string(), "answer_within_s": 45}])
    );
    assert_eq!(
        transfer["deadline"].as_i64().unwrap() - transfer["offered_at"].as_i64().unwrap(),
        45_000
    );

    // The center declines: in the same commit the backup is offered, by Crisisbridge.
    let decline = json!({"action": "decline_transfer", "reason": "no counselor free"});
    let declined: Value = app.act(&counselor, &id, decline).await.json().await.unwrap();
    assert_eq!(
        kinds(declined["events"].as_array().unwrap()),
        ["transfer_declined", "transfer_offered"]
    );
    let next = &declined["events"][1];
    assert_eq!(next["actor"], Value::Null, "Crisisbridge offered it, not a person");
    assert_eq!(next["agency"], app.psap.id.to_string(), "on the holder's behalf");
    let transfer = &declined["incident"]["transfer"];
    assert_eq!(
        (transfer["to"].as_str(), transfer["attempt"].as_u64()),
        (Some(app.backup.id.to_string().as_str()), Some(2))
    );
    assert_eq!(transfer["reason"], "divert to 988");

    // The backup never answers: 45 s later the offer times out and, no tier being left, the
    // transfer is returned to the PSAP — which still holds the call.
    let deadline = transfer["deadline"].as_i64().unwrap();
    app.clock.advance_ms(45_000 + 1);
    let all = wait_for_last(&app, &calltaker, &id, "transfer_returned").await;
    let tail: Vec<&str> = kinds(&all).into_iter().rev().take(2).collect();
    assert_eq!(tail, ["transfer_returned", "transfer_timed_out"]);
    let timed_out = &all[all.len() - 2];
    assert!(timed_out["at"].as_i64().unwrap() >= deadline, "not before the deadline");
    assert!(all.last().unwrap()["data"]["reason"].as_str().unwrap().contains("after 2 offers"));
    let incident = app
        .get(&format!("/api/v1/incidents/{id}"), &calltaker)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        (incident["status"].as_str(), incident["holder"].as_str()),
        (Some("open"), Some(app.psap.id.to_string().as_str()))
    );
}

#[tokio::test]
async fn an_open_offer_still_times_out_and_rolls_over_after_a_restart() {
    let mut app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let id = open_in_west(&app, &calltaker).await;
    let offer = json!({"action": "offer_transfer", "service": SUICIDE, "reason": "divert to 988"});
    assert_eq!(app.act(&calltaker, &id, offer).await.status(), 200);

    // The server dies with the offer open; its deadline passes while nothing runs.
    app.restart().await;
    app.clock.advance_ms(45_000);
    let calltaker = app.login("calltaker").await;
    let all = wait_for_last(&app, &calltaker, &id, "transfer_offered").await;
    assert_eq!(kinds(&all).iter().filter(|k| **k == "transfer_timed_out").count(), 1);
    let incident = app
        .get(&format!("/api/v1/incidents/{id}"), &calltaker)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(incident["transfer"]["to"], app.backup.id.to_string(), "rolled over to the backup");
    // The backup accepts: a final state.
    let backup_counselor = app.login("backup-counselor").await;
    let accepted = app.act(&backup_counselor, &id, json!({"action": "accept_transfer"})).await;
    assert_eq!(accepted.status(), 200);
    let incident: Value = accepted.json::<Value>().await.unwrap()["incident"].clone();
    assert_eq!(incident["holder"], app.backup.id.to_string());
}

#[tokio::test]
async fn divert_988_needs_the_protocols_decision_and_follows_the_988_route() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let id = open_in_west(&app, &calltaker).await;
    let response = app.act(&calltaker, &id, json!({"action": "divert_988"})).await;
    crate::helpers::assert_error(
        response,
        409,
        "invalid_transition",
        "answer the diversion protocol first",
    )
    .await;

    app.record_triage(&id, domain::TriageOutcome::Divert988).await;
    let result: Value =
        app.act(&calltaker, &id, json!({"action": "divert_988"})).await.json().await.unwrap();
    let transfer = &result["incident"]["transfer"];
    assert_eq!(transfer["to"], app.center.id.to_string());
    assert_eq!(transfer["service"], SUICIDE);
    assert!(transfer["reason"].as_str().unwrap().starts_with("divert to 988: rule"), "{transfer}");
}

#[tokio::test]
async fn offers_along_a_route_are_checked() {
    let app = TestApp::spawn_with_areas().await;
    let calltaker = app.login("calltaker").await;
    let id = open_in_west(&app, &calltaker).await;
    for (offer, status, code, says) in [
        (
            json!({"action": "offer_transfer", "service": "urn:service:counseling.children", "reason": "x"}),
            422,
            "invalid_field",
            "no route for urn:service:counseling.children",
        ),
        (
            json!({"action": "offer_transfer", "service": SUICIDE, "to_agency": app.provider.id.to_string(), "reason": "x"}),
            422,
            "invalid_field",
            "is not a tier of the route",
        ),
        (
            json!({"action": "offer_transfer", "reason": "x"}),
            422,
            "invalid_field",
            "give to_agency or a service",
        ),
        (
            json!({"action": "offer_transfer", "service": SUICIDE, "reason": "x", "deadline_seconds": 0}),
            422,
            "invalid_field",
            "out of range [1, 3600]",
        ),
    ] {
        let response = app.act(&calltaker, &id, offer).await;
        crate::helpers::assert_error(response, status, code, says).await;
    }
    assert_eq!(
        kinds(&events(&app, &calltaker, &id).await),
        ["opened", "routed", "routed"],
        "nothing was written"
    );
    // Starting along the route at the backup skips the center.
    let at_backup = json!({"action": "offer_transfer", "service": SUICIDE, "to_agency": app.backup.id.to_string(), "reason": "x"});
    let result: Value = app.act(&calltaker, &id, at_backup).await.json().await.unwrap();
    assert_eq!(result["incident"]["transfer"]["then"], json!([]));
}

/// How one agency answers an offer in the randomized test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accept,
    Decline,
    Silent,
}

/// A small seeded generator: the test is random but repeatable.
struct XorShift(u64);

impl XorShift {
    fn answer(&mut self) -> Answer {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        [Answer::Accept, Answer::Decline, Answer::Silent][(self.0 % 3) as usize]
    }
}

/// The events a plan must leave after the offer, and the final holder.
fn expected(plan: [Answer; 2]) -> Vec<&'static str> {
    let mut kinds = vec!["transfer_offered"];
    for (tier, answer) in plan.iter().enumerate() {
        match answer {
            Answer::Accept => {
                kinds.push("transfer_accepted");
                return kinds;
            }
            Answer::Decline => kinds.push("transfer_declined"),
            Answer::Silent => kinds.push("transfer_timed_out"),
        }
        kinds.push(if tier == 0 { "transfer_offered" } else { "transfer_returned" });
    }
    kinds
}

/// 1,000 transfers, each answered at random by the center and then the backup (accept,
/// decline or no answer), with the server restarted twice in every round of 100: every
/// transfer ends in exactly one final state, the one its answers call for, and every timeout
/// is recorded at the first check after its deadline.
#[tokio::test]
async fn a_thousand_random_transfers_across_restarts_each_end_in_exactly_one_final_state() {
    use futures_util::future::join_all;
    let mut app = TestApp::spawn_with_areas().await;
    let mut rng = XorShift(0x5eed_cafe_f00d_d00d);
    let mut checked = 0;
    for _round in 0..10 {
        let calltaker = app.login("calltaker").await;
        let plans: Vec<[Answer; 2]> = (0..100).map(|_| [rng.answer(), rng.answer()]).collect();
        let ids = join_all((0..100).map(|_| open_in_west(&app, &calltaker))).await;
        let offer = json!({"action": "offer_transfer", "service": SUICIDE, "reason": "divert"});
        for r in join_all(ids.iter().map(|id| app.act(&calltaker, id, offer.clone()))).await {
            assert_eq!(r.status(), 200);
        }
        // The center answers at once; those it declined reach the backup at once, which
        // answers before their deadline.
        let center = app.login("counselor").await;
        let backup = app.login("backup-counselor").await;
        join_all(ids.iter().zip(&plans).map(|(id, p)| respond(&app, &center, id, p[0]))).await;
        app.restart().await;
        let declined_first = |p: &[Answer; 2]| p[0] == Answer::Decline;
        join_all(
            ids.iter()
                .zip(&plans)
                .filter(|(_, p)| declined_first(p))
                .map(|(id, p)| respond(&app, &backup, id, p[1])),
        )
        .await;
        // The center's silence times out; the backup is offered then, and answers.
        app.clock.advance_ms(45_001);
        settle(&app, &ids, |i, transfer| {
            plans[i][0] != Answer::Silent || transfer.is_some_and(|t| t.attempt == 2)
        })
        .await;
        app.restart().await;
        join_all(
            ids.iter()
                .zip(&plans)
                .filter(|(_, p)| p[0] == Answer::Silent)
                .map(|(id, p)| respond(&app, &backup, id, p[1])),
        )
        .await;
        // The backup's silence times out, and nobody is left: returned.
        app.clock.advance_ms(45_001);
        settle(&app, &ids, |_, transfer| transfer.is_none()).await;

        for (id, plan) in ids.iter().zip(&plans) {
            let recorded = app.store.incident_events(id.parse().unwrap()).await.unwrap();
            let transfer_kinds: Vec<&str> = recorded
                .iter()
                .map(|r| r.event.kind.name())
                .filter(|k| k.starts_with("transfer_"))
                .collect();
            assert_eq!(transfer_kinds, expected(*plan), "{plan:?}");
            let finals = transfer_kinds
                .iter()
                .filter(|k| ["transfer_accepted", "transfer_returned"].contains(k))
                .count();
            assert_eq!(finals, 1, "{plan:?}");
            // Each timeout at the first check after its offer's deadline: the clock moved in
            // steps of 45,001 ms, so exactly 1 ms after.
            let mut deadline = None;
            for r in &recorded {
                match &r.event.kind {
                    domain::EventKind::TransferOffered { deadline: d, .. } => deadline = Some(*d),
                    domain::EventKind::TransferTimedOut => {
                        let d = deadline.unwrap().as_millis();
                        assert_eq!(r.event.at.as_millis() - d, 1, "{plan:?}");
                    }
                    _ => {}
                }
            }
            let incident = app.store.incident(id.parse().unwrap()).await.unwrap().unwrap();
            let holder = match plan {
                [Answer::Accept, _] => app.center.id,
                [_, Answer::Accept] => app.backup.id,
                _ => app.psap.id,
            };
            assert_eq!(incident.holder, holder, "{plan:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 1000);
}

/// Answers an offer as `token`'s agency; silence sends nothing.
async fn respond(app: &TestApp, token: &str, id: &str, answer: Answer) {
    let body = match answer {
        Answer::Accept => json!({"action": "accept_transfer"}),
        Answer::Decline => json!({"action": "decline_transfer", "reason": "busy"}),
        Answer::Silent => return,
    };
    assert_eq!(app.act(token, id, body).await.status(), 200);
}

/// Waits until `done(index, transfer)` holds for every incident.
async fn settle(
    app: &TestApp,
    ids: &[String],
    done: impl Fn(usize, Option<&domain::PendingTransfer>) -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    'wait: loop {
        for (i, id) in ids.iter().enumerate() {
            let incident = app.store.incident(id.parse().unwrap()).await.unwrap().unwrap();
            if !done(i, incident.transfer.as_ref()) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "incident {i} never settled: {:?}",
                    incident.transfer
                );
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue 'wait;
            }
        }
        return;
    }
}
