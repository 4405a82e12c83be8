//! The demo's traffic generator: synthetic 911 calls and 988 contacts played through the real
//! HTTP API, logged in as the demo users, so a newcomer opening the console sees the system
//! alive. `crisisbridge demo` starts it unless `--no-traffic`.
//!
//! About one call every 10 to 20 seconds, each a small story with human-sized pauses: a 911
//! call in the demo PSAP's area is opened, the diversion protocol answered, then — as the protocol
//! decided — transferred to 988 (the counselor accepts and later closes it), left for the
//! embedded clinician (who claims it, notes and closes it), offered to the mobile crisis
//! provider (the dispatcher accepts and sends a team), or handed to police / EMS and closed.
//! 988 contacts arrive from across the region (`Origins`), are assessed and closed; now and then one is
//! at imminent risk and handed off to the PSAP, which accepts, and the counselor confirms.
//!
//! Each call rings at its center's phone queue first (`phone.rs`): most are answered within
//! 15 s, a few callers hang up, and a few 988 contacts roll over to the backup center.
//!
//! Moving teams: the Douglas County teams drive — toward their incident when dispatched, idling
//! near home otherwise — and report GPS every 5 s as the responder's phone would, with status
//! changes (en route, on scene, available).

mod api;
mod phone;
mod rng;
mod teams;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use reqwest::Method;
use serde_json::{Value, json};

use self::api::Api;
use self::rng::Rng;

/// Traffic stops opening calls while this many of its own are still open.
const MAX_OPEN: usize = 12;
/// Mobile crisis incidents stay open (no demo user at a provider may close one), so few.
const MAX_OPEN_MCT: usize = 2;
/// How often moving teams report a position.
const GPS_EVERY: Duration = Duration::from_secs(5);
const MCT_SERVICE: &str = "urn:crisisbridge:service:mobile-crisis";

/// The incidents the traffic sent a team to.
type Own = Arc<std::sync::Mutex<std::collections::HashSet<String>>>;

/// Where a region's synthetic calls come from.
#[derive(Debug, Clone, Copy)]
pub struct Origins {
    /// 911 calls: inside this box (latitudes, longitudes), where the demo's PSAP answers;
    /// `None`: near the 988 contacts' places (a box would take in water or another county).
    pub calls_911: Option<((f64, f64), (f64, f64))>,
    /// The callback numbers' area code.
    pub area_code: &'static str,
    /// 988 contacts: near one of these places, within the jitter (degrees of latitude,
    /// longitude).
    pub contacts_988: &'static [(f64, f64)],
    pub jitter: (f64, f64),
}

/// Kansas: 911 calls in Douglas County, 988 contacts from towns across the state.
pub const KANSAS: Origins = Origins {
    calls_911: Some(((38.80, 39.01), (-95.44, -95.12))),
    area_code: "785",
    contacts_988: &[
        (38.9717, -95.2353),  // Lawrence
        (39.0473, -95.6752),  // Topeka
        (37.6872, -97.3301),  // Wichita
        (38.8814, -94.8191),  // Olathe
        (38.9822, -94.6708),  // Overland Park
        (39.1836, -96.5717),  // Manhattan
        (38.8403, -97.6114),  // Salina
        (38.0608, -97.9298),  // Hutchinson
        (37.7528, -100.0171), // Dodge City
        (37.9717, -100.8727), // Garden City
        (38.4039, -96.1817),  // Emporia
        (38.8792, -99.3268),  // Hays
        (37.4109, -94.7050),  // Pittsburg
        (37.0431, -100.9210), // Liberal
    ],
    jitter: (0.04, 0.05),
};

/// Manhattan: calls and contacts near its neighbourhoods (each place with its jitter lies
/// inside the borough's boundary).
pub const MANHATTAN: Origins = Origins {
    calls_911: None,
    area_code: "212",
    contacts_988: &[
        (40.7138, -74.0036), // Civic Center
        (40.7265, -73.9815), // East Village
        (40.7359, -73.9911), // Union Square
        (40.7505, -73.9934), // Penn Station
        (40.7580, -73.9855), // Times Square
        (40.7736, -73.9566), // Upper East Side
        (40.7870, -73.9754), // Upper West Side
        (40.7957, -73.9389), // East Harlem
        (40.8116, -73.9465), // Central Harlem
        (40.8417, -73.9394), // Washington Heights
        (40.8677, -73.9212), // Inwood
    ],
    jitter: (0.003, 0.003),
};

/// Plays traffic against the server at `base` (e.g. `http://127.0.0.1:8080`) until the process
/// ends. Errors are logged and the next call goes on.
pub async fn run(base: String, origins: &'static Origins) {
    let api = Arc::new(Api::new(base));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    let rng = Arc::new(std::sync::Mutex::new(Rng::seeded(seed)));
    // The incidents the traffic itself sent a team to: it drives only those teams (and idle
    // ones); a team a person assigned is the person's to move.
    let own: Own = Arc::default();
    tokio::spawn(teams::drive(api.clone(), rng.clone(), own.clone()));
    let open = Arc::new(AtomicUsize::new(0));
    let open_mct = Arc::new(AtomicUsize::new(0));
    tracing::info!("demo traffic: a synthetic call every 10 to 20 s (--no-traffic turns it off)");
    loop {
        let pause = rng.lock().map_or(15.0, |mut r| r.between(10.0, 20.0));
        tokio::time::sleep(Duration::from_secs_f64(pause)).await;
        if open.load(Ordering::Relaxed) >= MAX_OPEN {
            continue;
        }
        let (story, at) = {
            let Ok(mut r) = rng.lock() else { return };
            let story = r.pick_story(open_mct.load(Ordering::Relaxed) < MAX_OPEN_MCT);
            // Handoffs go to the PSAP of the person's county: Douglas, where a call-taker is.
            let at = if story == Story::Contact988 { r.near(origins) } else { r.in_box(origins) };
            (story, at)
        };
        let (api, open, open_mct, rng, own) =
            (api.clone(), open.clone(), open_mct.clone(), rng.clone(), own.clone());
        tokio::spawn(async move {
            open.fetch_add(1, Ordering::Relaxed);
            if story == Story::MobileCrisis {
                open_mct.fetch_add(1, Ordering::Relaxed);
            }
            let opened = play(&api, &rng, &own, origins, story, at).await.unwrap_or_else(|e| {
                tracing::warn!(?story, error = %format!("{e:#}"), "demo traffic: a synthetic call failed");
                false
            });
            if !opened && story == Story::MobileCrisis {
                open_mct.fetch_sub(1, Ordering::Relaxed);
            }
            // A mobile crisis incident stays open with its provider (see MAX_OPEN_MCT); the
            // others are closed by now.
            open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// What a synthetic call turns out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    Divert988,
    Clinician,
    MobileCrisis,
    Police,
    Ems,
    Contact988,
    Handoff988,
}

impl Story {
    fn is_988(self) -> bool {
        matches!(self, Self::Contact988 | Self::Handoff988)
    }
}

/// Plays one call; whether it became an incident.
async fn play(
    api: &Api,
    rng: &std::sync::Mutex<Rng>,
    own: &Own,
    origins: &Origins,
    story: Story,
    (lat, lon): (f64, f64),
) -> anyhow::Result<bool> {
    let wait = |lo: f64, hi: f64| {
        let s = rng.lock().map_or(lo, |mut r| r.between(lo, hi));
        tokio::time::sleep(Duration::from_secs_f64(s))
    };
    let (channel, opener) =
        if story.is_988() { ("988", "counselor") } else { ("911", "calltaker") };
    // The call rings first; one nobody here answered opens no incident.
    if phone::ring(api, rng, opener, channel).await? == phone::Rang::NotAnswered {
        return Ok(false);
    }
    let summary = summary(story);
    // The caller says where, as the server would describe the spot (where it has streets).
    let path = format!("/places/describe?lat={lat}&lon={lon}");
    let said = api.send(opener, Method::GET, &path, None).await.ok();
    let address = said.as_ref().and_then(|d| at(d, "/description/text").as_str()).map(|text| {
        text.strip_prefix("at ").or_else(|| text.strip_prefix("on ")).unwrap_or(text).to_owned()
    });
    let incident = api
        .send(
            opener,
            Method::POST,
            "/incidents",
            Some(json!({
                "channel": channel,
                "location": {"type": "point", "lat": lat, "lon": lon, "radius_m": 40},
                "address": address,
                "callback_number": format!("{}-555-{:04}", origins.area_code, (lat * 1e4) as u64 % 10_000),
                "summary": summary,
            })),
        )
        .await?;
    let id = at(&incident, "/id").as_str().context("the new incident has no id")?.to_owned();
    let act = |user: &'static str, action: Value| {
        let path = format!("/incidents/{id}/actions");
        async move { api.send(user, Method::POST, &path, Some(action)).await }
    };
    wait(4.0, 9.0).await;
    let answers = answers(story);
    api.send(
        opener,
        Method::POST,
        &format!("/incidents/{id}/triage"),
        Some(json!({"answers": answers})),
    )
    .await?;
    wait(2.0, 5.0).await;
    match story {
        Story::Divert988 => {
            act("calltaker", json!({"action": "divert_988"})).await?;
            wait(4.0, 15.0).await;
            act("counselor", json!({"action": "accept_transfer"})).await?;
            wait(40.0, 120.0).await;
            act(
                "counselor",
                json!({"action": "add_note", "text": "safety plan made; follow-up call tomorrow"}),
            )
            .await?;
            act("counselor", close_agreeing("resolved_by_phone")).await?;
        }
        Story::Clinician => {
            wait(5.0, 20.0).await;
            act("clinician", json!({"action": "claim_clinician"})).await?;
            wait(30.0, 90.0).await;
            act("clinician", json!({"action": "add_note", "text": "talked it through; referred to the outpatient clinic"}))
                .await?;
            act("clinician", close("referred")).await?;
        }
        Story::MobileCrisis => {
            act(
                "calltaker",
                json!({"action": "offer_transfer", "service": MCT_SERVICE, "reason": "the protocol sends a mobile crisis team"}),
            )
            .await?;
            wait(4.0, 12.0).await;
            act("dispatcher", json!({"action": "accept_transfer"})).await?;
            if let Some(team) = teams::free_team(api).await? {
                // The team then drives there in `teams::drive`, reporting as it goes.
                act("dispatcher", json!({"action": "dispatch_team", "team": team})).await?;
                if let Ok(mut own) = own.lock() {
                    own.insert(id.clone());
                }
            }
        }
        Story::Police | Story::Ems => {
            wait(10.0, 30.0).await;
            act("calltaker", close("handled_by_emergency_services")).await?;
        }
        Story::Contact988 => {
            wait(40.0, 120.0).await;
            act("counselor", json!({"action": "add_note", "text": "safety plan made; referred to local services"}))
                .await?;
            act("counselor", close_agreeing("resolved_by_phone")).await?;
        }
        Story::Handoff988 => {
            let handed = act(
                "counselor",
                json!({"action": "start_emergency_handoff", "reason": "imminent risk: intent, means and not collaborating",
                       "hazards": ["firearm in the home"]}),
            )
            .await?;
            let psap = at(&handed, "/incident/handoff/incident")
                .as_str()
                .context("the handoff names no PSAP incident")?
                .to_owned();
            let psap_act = |action: Value| {
                let path = format!("/incidents/{psap}/actions");
                async move { api.send("calltaker", Method::POST, &path, Some(action)).await }
            };
            wait(4.0, 10.0).await;
            psap_act(json!({"action": "accept_transfer"})).await?;
            wait(20.0, 60.0).await;
            act(
                "counselor",
                json!({"action": "confirm_emergency_handoff", "outcome": "contact_made"}),
            )
            .await?;
            psap_act(close("handled_by_emergency_services")).await?;
            act("counselor", close_agreeing("handled_by_emergency_services")).await?;
        }
    }
    Ok(true)
}

/// The value at a JSON pointer, or null: answers are read leniently, a missing field is
/// reported by the caller.
fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value.pointer(pointer).unwrap_or(&Value::Null)
}

fn close(disposition: &str) -> Value {
    json!({"action": "close", "disposition": disposition, "remark": "demo traffic"})
}

/// A 988 contact's close: the caller agreed to a follow-up call (the center's rule decides
/// whether one is made, by the assessment's rule).
fn close_agreeing(disposition: &str) -> Value {
    json!({"action": "close", "disposition": disposition, "remark": "demo traffic", "follow_up_consent": true})
}

fn summary(story: Story) -> &'static str {
    match story {
        Story::Divert988 => "caller worried about her brother, who talks about ending his life",
        Story::Clinician => "man confused and distressed at home, does not want to talk to 988",
        Story::MobileCrisis => "woman in distress outside a store, needs someone in person",
        Story::Police => "neighbour threatening to hurt someone",
        Story::Ems => "friend took too many pills, drowsy",
        Story::Contact988 => "988 contact: feeling hopeless after losing a job",
        Story::Handoff988 => "caller has a plan and a firearm, will not agree to stay safe",
    }
}

fn answers(story: Story) -> Value {
    let no = |extra: Value| {
        let mut base = json!({"attempt_in_progress": false, "medical": false, "violence": false, "crime": false,
            "weapon": false, "risk": "moderate", "welfare_entry": false, "age_band": "adult",
            "requests_police": false, "in_person": false, "consent": true});
        if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        base
    };
    match story {
        Story::Divert988 => no(json!({})),
        Story::Clinician => no(json!({"consent": false})),
        Story::MobileCrisis => no(json!({"in_person": true})),
        Story::Police => no(json!({"violence": true})),
        Story::Ems => no(json!({"medical": true})),
        Story::Contact988 => {
            // Elevated risk, buffered by a safety plan and someone present: phone support, and
            // the center's rule calls back within a day.
            json!({"attempt_in_progress": false, "desire": true, "intent": false, "lethal_means": true,
            "attempt_history": false, "acute_state": false, "collaborates": true, "supports": true, "in_person": false})
        }
        Story::Handoff988 => {
            json!({"attempt_in_progress": false, "desire": true, "intent": true, "lethal_means": true,
            "attempt_history": false, "acute_state": false, "collaborates": false, "supports": false, "in_person": false})
        }
    }
}

impl Rng {
    fn pick_story(&mut self, mct_allowed: bool) -> Story {
        let roll = self.between(0.0, 100.0);
        match roll {
            r if r < 35.0 => Story::Divert988,
            r if r < 50.0 => Story::Clinician,
            r if r < 60.0 && mct_allowed => Story::MobileCrisis,
            r if r < 68.0 => Story::Police,
            r if r < 74.0 => Story::Ems,
            r if r < 80.0 => Story::Handoff988,
            _ => Story::Contact988,
        }
    }

    fn in_box(&mut self, origins: &Origins) -> (f64, f64) {
        let Some(((lat0, lat1), (lon0, lon1))) = origins.calls_911 else {
            return self.near(origins);
        };
        (round5(self.between(lat0, lat1)), round5(self.between(lon0, lon1)))
    }

    fn near(&mut self, origins: &Origins) -> (f64, f64) {
        let places = origins.contacts_988;
        let i = (self.next() % places.len().max(1) as u64) as usize;
        let (lat, lon) = places.get(i).copied().unwrap_or((38.9717, -95.2353));
        let (dlat, dlon) = origins.jitter;
        (round5(lat + self.between(-dlat, dlat)), round5(lon + self.between(-dlon, dlon)))
    }
}

fn round5(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}
