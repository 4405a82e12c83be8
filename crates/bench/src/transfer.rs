//! `bench transfer`: how fast a transfer offer reaches the receiving agency's live stream.
//!
//! The real server over a fresh SQLite file on loopback. A 988 counselor holds the live stream
//! open; a call-taker offers incidents to the 988 center at a steady rate, while other
//! call-takers' incident creates load the same writer and stream. Each latency runs from just
//! before the offer request is sent to the moment its `transfer_offered` event is read off the
//! counselor's stream: the HTTP request, the durable commit, the fan-out and the SSE delivery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use domain::{Agency, AgencyId, AgencyKind, Clock, Role, UserId};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use server::{Application, Settings, SystemClock};
use store::{NewUser, Store};
use store_sql::SqliteStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Offers to measure.
    #[arg(long, default_value_t = 1000)]
    offers: u32,
    /// Offers per second.
    #[arg(long, default_value_t = 50)]
    rate: u32,
    /// Background incident creates per second (0: none).
    #[arg(long, default_value_t = 1000)]
    load_rate: u32,
}

const PASSWORD: &str = "benchmark password";

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).await?);
    let now = SystemClock.now();
    let agency = |code: &str, kind| Agency {
        id: AgencyId::new(now),
        code: code.into(),
        name: code.into(),
        kind,
        time_zone: "America/Chicago".into(),
        uri: None,
    };
    let (psap, center) =
        (agency("psap", AgencyKind::Psap), agency("center", AgencyKind::CrisisCenter));
    store.put_agency(&psap).await?;
    store.put_agency(&center).await?;
    let hash = server::auth::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    for (username, role, agency) in
        [("calltaker", Role::CallTaker, &psap), ("counselor", Role::Counselor, &center)]
    {
        let user = NewUser {
            id: UserId::new(now),
            username: username.into(),
            display_name: username.into(),
            agency: agency.id,
            role,
            password_hash: hash.clone(),
        };
        store.put_user(&user).await?;
    }
    let app = Application::build(
        Settings { listen: "127.0.0.1:0".parse()?, ..Settings::default() },
        store.clone(),
        Arc::new(SystemClock),
    )
    .await?;
    let base = format!("http://{}", app.local_addr()?);
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder().pool_max_idle_per_host(1024).build()?;
    let calltaker = login(&client, &base, "calltaker").await?;
    let counselor = login(&client, &base, "counselor").await?;

    // The incidents to offer, made before measuring.
    let mut incidents = Vec::new();
    for n in 0..args.offers {
        incidents.push(create(&client, &base, &calltaker, n).await?);
    }

    // The counselor's stream, from now on.
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Histogram<u64>>> = Arc::new(Mutex::new(Histogram::new(3)?));
    let head = store.head().await?;
    let stream = client
        .get(format!("{base}/api/v1/stream?after={head}"))
        .bearer_auth(&counselor)
        .send()
        .await?;
    ensure!(stream.status() == 200, "stream answered {}", stream.status());
    let reader = tokio::spawn(read_offers(stream, sent.clone(), latencies.clone(), args.offers));

    let load = (args.load_rate > 0).then(|| {
        let (client, base, token) = (client.clone(), base.clone(), calltaker.clone());
        tokio::spawn(background_load(client, base, token, args.load_rate))
    });
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1)));
    let start = Instant::now();
    let mut offers = Vec::new();
    for (n, id) in incidents.into_iter().enumerate() {
        tokio::time::sleep_until((start + interval.mul_f64(n as f64)).into()).await;
        let (client, base, token, sent, center) =
            (client.clone(), base.clone(), calltaker.clone(), sent.clone(), center.id);
        offers.push(tokio::spawn(async move {
            sent.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.insert(id.clone(), Instant::now());
            let body = json!({"action": "offer_transfer", "to_agency": center.to_string(), "reason": "divert to 988"});
            let response = client
                .post(format!("{base}/api/v1/incidents/{id}/actions"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await?;
            ensure!(response.status() == 200, "offer answered {}", response.status());
            anyhow::Ok(())
        }));
    }
    for offer in offers {
        offer.await??;
    }
    let received = tokio::time::timeout(Duration::from_secs(10), reader).await;
    if let Some(load) = load {
        load.abort();
    }
    let received = received.context("not every offer reached the stream within 10 s")???;
    let hist = latencies.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "transfer offers to the receiving agency's stream: {received} of {} at {} /s with {} background creates/s: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.offers,
        args.rate,
        args.load_rate,
        ms(0.50),
        ms(0.95),
        ms(0.99),
        hist.max() as f64 / 1000.0
    );
    Ok(())
}

async fn login(client: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    let body: Value = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    body.get("token").and_then(Value::as_str).map(str::to_owned).context("login returned no token")
}

async fn create(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    n: u32,
) -> anyhow::Result<String> {
    let body = json!({"channel": "911", "summary": format!("benchmark call {n}"),
        "location": {"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 30}});
    let response = client
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    ensure!(response.status() == 201, "create answered {}", response.status());
    let created: Value = response.json().await?;
    created.get("id").and_then(Value::as_str).map(str::to_owned).context("no incident id")
}

/// Creates incidents at `rate` per second until aborted.
async fn background_load(client: reqwest::Client, base: String, token: String, rate: u32) {
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let start = Instant::now();
    for n in 0u64.. {
        tokio::time::sleep_until((start + interval.mul_f64(n as f64)).into()).await;
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            let body = json!({"channel": "911", "summary": "load",
                "location": {"type": "point", "lat": 38.9717, "lon": -95.2353}});
            let _ = client
                .post(format!("{base}/api/v1/incidents"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await;
        });
    }
}

/// Reads the stream until `expected` offers arrived; records each one's latency.
async fn read_offers(
    response: reqwest::Response,
    sent: Arc<Mutex<HashMap<String, Instant>>>,
    latencies: Arc<Mutex<Histogram<u64>>>,
    expected: u32,
) -> anyhow::Result<u32> {
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut received = 0;
    while received < expected {
        let chunk = body.next().await.context("the stream ended")??;
        buffer.push_str(std::str::from_utf8(&chunk)?);
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let arrived = Instant::now();
            let mut kind = "";
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    kind = if v.trim() == "transfer_offered" { "offer" } else { "" };
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if kind != "offer" {
                continue;
            }
            let event: Value = serde_json::from_str(&data)?;
            let incident =
                event.get("incident_id").and_then(Value::as_str).unwrap_or_default().to_owned();
            let started = sent.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.remove(&incident);
            if let Some(started) = started {
                let micros = u64::try_from(arrived.duration_since(started).as_micros())?;
                latencies.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.record(micros)?;
                received += 1;
            }
        }
    }
    Ok(received)
}
