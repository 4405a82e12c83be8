//! Moving teams: positions and statuses reported as the responder's phone would.

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

/// Reports positions for the responder's teams every few seconds, forever.
pub(super) async fn drive(api: Arc<Api>, rng: Arc<std::sync::Mutex<Rng>>) {
    // Where each team was last reported, and since when it is on scene.
    let mut places: std::collections::HashMap<String, ((f64, f64), Option<tokio::time::Instant>)> =
        std::collections::HashMap::new();
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
    places: &mut std::collections::HashMap<String, ((f64, f64), Option<tokio::time::Instant>)>,
) -> anyhow::Result<()> {
    let id = at(team, "/id").as_str().context("a team without id")?.to_owned();
    if *at(team, "/shift") == "off" {
        // Off shift a team is out of service; the demo's teams work around the clock.
        let start = json!({"action": "start_shift"});
        api.send("responder", Method::POST, &format!("/teams/{id}/actions"), Some(start)).await?;
    }
    let home = point(at(team, "/home_base")).unwrap_or((38.9717, -95.2353));
    let here =
        places.get(&id).map(|p| p.0).or_else(|| point(at(team, "/position"))).unwrap_or(home);
    let status = at(team, "/status").as_str().unwrap_or("available");
    let target = match at(team, "/incident").as_str() {
        Some(incident) => {
            let i =
                api.send("responder", Method::GET, &format!("/incidents/{incident}"), None).await?;
            point(at(&i, "/location")).unwrap_or(here)
        }
        None => home,
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
    let mut on_scene_since = places.get(&id).and_then(|p| p.1);
    let new_status = match (status, at(team, "/incident").is_string(), arrived) {
        ("dispatched", true, false) => Some("en_route"),
        ("dispatched" | "en_route", true, true) => {
            on_scene_since = Some(tokio::time::Instant::now());
            Some("on_scene")
        }
        ("on_scene", true, _)
            if on_scene_since.is_some_and(|t| t.elapsed() > Duration::from_secs(90)) =>
        {
            on_scene_since = None;
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
    places.insert(id, (next, on_scene_since));
    Ok(())
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
