//! The demo's phone systems: each synthetic call first rings at the PSAP's or the 988 center's
//! queue (`POST /calls`, as a phone system posts its call steps), then is answered after a few
//! seconds — or, now and then, the caller hangs up first, or a 988 contact rolls over to the
//! backup center — so the Reports view has answer times to show.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::api::Api;
use super::rng::Rng;

/// How a call that rang ended at the center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rang {
    Answered,
    /// The caller hung up, or the call went to the backup center: no incident here.
    NotAnswered,
}

/// Posts the call's arrival, waits as it rings, and posts how it ended. `account` is the demo
/// user the phone system posts as, at the receiving agency.
pub(super) async fn ring(
    api: &Api,
    rng: &std::sync::Mutex<Rng>,
    account: &'static str,
    channel: &str,
) -> anyhow::Result<Rang> {
    let (id, roll, ring_s) = {
        let mut r = rng.lock().map_err(|_| anyhow::anyhow!("the demo's randomness is poisoned"))?;
        let id = format!("demo-{:016x}", r.next());
        let roll = r.between(0.0, 1.0);
        // Most calls are answered within 15 s; some wait longer.
        let ring_s =
            if r.between(0.0, 1.0) < 0.85 { r.between(1.0, 14.0) } else { r.between(15.0, 40.0) };
        (id, roll, ring_s)
    };
    let post = |body: serde_json::Value| api.send(account, Method::POST, "/calls", Some(body));
    post(json!({"call_id": id, "step": "arrived", "channel": channel})).await?;
    tokio::time::sleep(Duration::from_secs_f64(ring_s)).await;
    let (end, rang) = match (channel, roll) {
        (_, r) if r < 0.06 => (json!({"call_id": id, "step": "abandoned"}), Rang::NotAnswered),
        ("988", r) if r < 0.12 => (
            json!({"call_id": id, "step": "rolled_over", "to": "national backup center", "in_state": false}),
            Rang::NotAnswered,
        ),
        _ => (json!({"call_id": id, "step": "answered"}), Rang::Answered),
    };
    post(end).await?;
    Ok(rang)
}
