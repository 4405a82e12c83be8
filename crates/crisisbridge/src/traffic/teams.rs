//! Moving teams: positions and statuses reported as the responder's phone would — for the
//! teams the traffic itself sent, and idle ones; a team a person assigned is left to them.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use reqwest::Method;
use serde_json::{Value, json};

use super::api::Api;
use super::rng::Rng;
use super::{GPS_EVERY, at, round5};

/// Average driving speed toward an incident, in degrees of latitude per second
/// (about 15 m/s).
const DRIVE: f64 = 15.0 / 111_320.0;

/// A team of the Douglas County provider that is free, if any.
pub(super) async fn free_team(api: &Api) -> anyhow::Result<Option<String>> {
    let teams = api.send("dispatcher", Method::GET, "/teams", None).await?;
    Ok(teams
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| *at(t, "/status") == "available")
        .find_map(|t| at(t, "/id").as_str().map(str::to_owned)))
}

/// Where a team is, as the demo drives it.
#[derive(Debug, Clone, Default)]
struct Place {
    at: Option<(f64, f64)>,
    /// Since when it is on scene, or at the facility.
    since: Option<tokio::time::Instant>,
    /// The facility it takes the person to: its id and where it is.
    facility: Option<(String, (f64, f64))>,
}

/// Reports positions for the responder's teams every few seconds, forever. A team on scene
/// for a while either clears, or — half the time — takes the person to the first facility
/// ranked with room, where the demo's facility staff take over (at their own facility).
pub(super) async fn drive(api: Arc<Api>, rng: Arc<std::sync::Mutex<Rng>>, own: super::Own) {
    let mut places: std::collections::HashMap<String, Place> = std::collections::HashMap::new();
    loop {
        tokio::time::sleep(GPS_EVERY).await;
        let teams = match api.send("responder", Method::GET, "/teams", None).await {
            Ok(teams) => teams,
            Err(e) => {
                tracing::debug!(error = %e, "demo traffic: reading teams failed");
                continue;
            }
        };
        let me = api.send("responder", Method::GET, "/me", None).await.ok();
        let provider = me.as_ref().map(|m| at(m, "/agency/id").clone()).unwrap_or(Value::Null);
        for team in
            teams.as_array().into_iter().flatten().filter(|t| *at(t, "/provider") == provider)
        {
            // A team on an incident the traffic did not send it to was assigned by a person:
            // the person (and the responder's phone) moves it, not the traffic.
            let assigned_by_a_person = at(team, "/incident")
                .as_str()
                .is_some_and(|i| own.lock().is_ok_and(|own| !own.contains(i)));
            if assigned_by_a_person {
                continue;
            }
            if let Err(e) = step(&api, &rng, team, &mut places).await {
                tracing::debug!(error = %e, "demo traffic: moving a team failed");
            }
        }
    }
}

async fn step(
    api: &Api,
    rng: &std::sync::Mutex<Rng>,
    team: &Value,
    places: &mut std::collections::HashMap<String, Place>,
) -> anyhow::Result<()> {
    let id = at(team, "/id").as_str().context("a team without id")?.to_owned();
    if *at(team, "/shift") == "off" {
        // Off shift a team is out of service; the demo's teams work around the clock.
        let start = json!({"action": "start_shift"});
        api.send("responder", Method::POST, &format!("/teams/{id}/actions"), Some(start)).await?;
    }
    let home = point(at(team, "/home_base")).unwrap_or((38.9717, -95.2353));
    let mut place = places.get(&id).cloned().unwrap_or_default();
    let here = place.at.or_else(|| point(at(team, "/position"))).unwrap_or(home);
    let status = at(team, "/status").as_str().unwrap_or("available");
    let incident = at(team, "/incident").as_str().map(str::to_owned);
    let target = match (&incident, &place.facility) {
        (Some(_), Some((_, facility))) if matches!(status, "transporting" | "at_facility") => {
            *facility
        }
        (Some(incident), _) => {
            let i =
                api.send("responder", Method::GET, &format!("/incidents/{incident}"), None).await?;
            point(at(&i, "/location")).unwrap_or(here)
        }
        (None, _) => home,
    };
    let (dlat, dlon) = (target.0 - here.0, target.1 - here.1);
    let distance = (dlat * dlat + dlon * dlon).sqrt();
    let reach = DRIVE * GPS_EVERY.as_secs_f64();
    let jitter = |r: &mut Rng| r.between(-0.0004, 0.0004);
    let next = {
        let mut r = rng.lock().map_err(|_| anyhow::anyhow!("the generator's lock is poisoned"))?;
        if distance <= reach {
            (target.0 + jitter(&mut r) * 0.2, target.1 + jitter(&mut r) * 0.2)
        } else {
            (here.0 + dlat / distance * reach, here.1 + dlon / distance * reach)
        }
    };
    let arrived = distance <= reach;
    // A status someone else set (a person in the console, a run before a restart): its clock
    // starts now.
    if matches!(status, "on_scene" | "at_facility") && place.since.is_none() {
        place.since = Some(tokio::time::Instant::now());
    }
    let waited = |secs| place.since.is_some_and(|t| t.elapsed() > Duration::from_secs(secs));
    let new_status = match (status, incident.as_deref(), arrived) {
        ("dispatched", Some(_), false) => Some("en_route"),
        ("dispatched" | "en_route", Some(_), true) => {
            place.since = Some(tokio::time::Instant::now());
            Some("on_scene")
        }
        ("on_scene", Some(incident), _) if waited(90) => {
            place.since = None;
            let transport = rng.lock().is_ok_and(|mut r| r.between(0.0, 1.0) < 0.5);
            let chosen = if transport { choose_facility(api, &id, incident).await? } else { None };
            place.facility = chosen;
            Some(if place.facility.is_some() { "transporting" } else { "available" })
        }
        ("transporting", Some(_), true) => {
            place.since = Some(tokio::time::Instant::now());
            Some("at_facility")
        }
        ("at_facility", Some(incident), _) if waited(30) => {
            if let Some((facility, _)) = place.facility.take() {
                // The demo's facility staff work at one facility: a hand-over elsewhere is
                // not recorded (its staff are not in the demo), which the API refuses.
                let take = json!({"action": "accept_handover", "facility": facility});
                let path = format!("/incidents/{incident}/actions");
                if let Err(e) = api.send("facility", Method::POST, &path, Some(take)).await {
                    tracing::debug!(error = %e, "demo traffic: no hand-over recorded");
                }
            }
            place.since = None;
            Some("available")
        }
        _ => None,
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let fix = json!({"fixes": [{"at": now_ms, "lat": round5(next.0), "lon": round5(next.1), "accuracy_m": 12.0}]});
    api.send("responder", Method::POST, &format!("/teams/{id}/positions"), Some(fix)).await?;
    if let Some(status) = new_status {
        set_status(api, &id, status).await?;
    }
    place.at = Some(next);
    places.insert(id, place);
    Ok(())
}

/// The first facility ranked with room for the person, chosen as the team's destination: its
/// id and location.
async fn choose_facility(
    api: &Api,
    team: &str,
    incident: &str,
) -> anyhow::Result<Option<(String, (f64, f64))>> {
    let ranked = api
        .send("responder", Method::GET, &format!("/incidents/{incident}/destinations"), None)
        .await?;
    let Some(best) = ranked
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| *at(r, "/eligible") == true && *at(r, "/room") == "free")
    else {
        return Ok(None);
    };
    let facility = at(best, "/facility/id").as_str().context("a facility without id")?.to_owned();
    let choose = json!({"action": "choose_destination", "facility": facility, "team": team});
    api.send("responder", Method::POST, &format!("/incidents/{incident}/actions"), Some(choose))
        .await?;
    Ok(point(at(best, "/facility")).map(|p| (facility, p)))
}

/// Sets a team's status: `POST /teams/{id}/actions` with `set_status`.
async fn set_status(api: &Api, id: &str, status: &str) -> anyhow::Result<()> {
    let action = json!({"action": "set_status", "status": status});
    api.send("responder", Method::POST, &format!("/teams/{id}/actions"), Some(action)).await?;
    Ok(())
}

fn point(v: &Value) -> Option<(f64, f64)> {
    Some((at(v, "/lat").as_f64()?, at(v, "/lon").as_f64()?))
}
