//! `bench gps`: durable GPS ingest through the HTTP API.
//!
//! The real server over a fresh SQLite file (WAL, `synchronous=FULL`) on loopback; `--teams`
//! teams, each with a phone (a client) that posts `--batch` fixes per request back to back for
//! `--seconds`, as a phone that buffered a few seconds of positions would. Every answered
//! request's fixes are durable (the team writer group-commits them before answering). Reported:
//! acknowledged fixes per second and the request latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use domain::{Agency, AgencyId, AgencyKind, Clock, GeoPoint, Role, TeamId, UserId};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use server::{Application, Settings, SystemClock};
use store::{NewUser, Store, Team};
use store_sql::SqliteStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Teams reporting at once.
    #[arg(long, default_value_t = 200)]
    teams: u32,
    /// Fixes per request.
    #[arg(long, default_value_t = 20)]
    batch: u32,
    /// Seconds of load.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
}

const PASSWORD: &str = "benchmark password";

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).await?);
    let now = SystemClock.now();
    let provider = Agency {
        id: AgencyId::new(now),
        code: "mct".into(),
        name: "Mobile Crisis".into(),
        kind: AgencyKind::MobileCrisisProvider,
        time_zone: "America/Chicago".into(),
        uri: None,
    };
    store.put_agency(&provider).await?;
    let hash = server::auth::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    let user = NewUser {
        id: UserId::new(now),
        username: "responder".into(),
        display_name: "responder".into(),
        agency: provider.id,
        role: Role::Responder,
        password_hash: hash,
    };
    store.put_user(&user).await?;
    let mut teams = Vec::new();
    for n in 0..args.teams {
        let team = Team {
            id: TeamId::new(now),
            provider: provider.id,
            name: format!("Team {n}"),
            capabilities: Vec::new(),
            home_base: Some(GeoPoint::parse(38.97, -95.24)?),
            members: Vec::new(),
        };
        store.put_team(&team).await?;
        teams.push(team.id);
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
    let login: Value = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"username": "responder", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login.get("token").and_then(Value::as_str).context("no token")?.to_owned();

    let until = Instant::now() + Duration::from_secs(u64::from(args.seconds));
    let started = Instant::now();
    let phones: Vec<_> = teams
        .into_iter()
        .enumerate()
        .map(|(k, team)| {
            let (client, base, token, batch) =
                (client.clone(), base.clone(), token.clone(), args.batch);
            tokio::spawn(async move {
                let mut hist = Histogram::<u64>::new(3)?;
                let mut sent = 0u64;
                let mut t = SystemClock.now().as_millis() - 3_600_000;
                while Instant::now() < until {
                    let fixes: Vec<Value> = (0..batch)
                        .map(|i| {
                            t += 1000;
                            let north = f64::from(i) * 0.0001 + (k as f64) * 0.001;
                            json!({"at": t, "lat": 38.9 + north, "lon": -95.2, "accuracy_m": 8.0})
                        })
                        .collect();
                    let request_started = Instant::now();
                    let response = client
                        .post(format!("{base}/api/v1/teams/{team}/positions"))
                        .bearer_auth(&token)
                        .json(&json!({"fixes": fixes}))
                        .send()
                        .await?;
                    ensure!(response.status() == 200, "positions answered {}", response.status());
                    hist.record(u64::try_from(request_started.elapsed().as_micros())?)?;
                    sent += u64::from(batch);
                }
                anyhow::Ok((sent, hist))
            })
        })
        .collect();
    let mut total = 0;
    let mut hist = Histogram::<u64>::new(3)?;
    for phone in phones {
        let (sent, h) = phone.await??;
        total += sent;
        hist.add(h)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "GPS ingest: {} teams x {} fixes per request for {:.1} s: {total} fixes acknowledged = {:.0} fixes/s ({:.0} requests/s); request p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.teams,
        args.batch,
        elapsed,
        total as f64 / elapsed,
        hist.len() as f64 / elapsed,
        ms(0.5),
        ms(0.99),
        hist.max() as f64 / 1000.0
    );
    Ok(())
}
