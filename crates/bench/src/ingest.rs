//! The ingest benchmark: see the crate documentation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use domain::{Agency, AgencyId, AgencyKind, Clock, Role, UserId};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use server::{Application, Settings, SystemClock};
use store::{NewUser, Store};
use store_sql::SqliteStore;
use store_sql::{PgSettings, PgStore};
use tokio::sync::Semaphore;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Open-loop rate, requests per second.
    #[arg(long, default_value_t = 2000)]
    rate: u32,
    /// Seconds of open-loop load (after one second of warm-up).
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// Clients in the closed-loop run (0 skips it).
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds of closed-loop load.
    #[arg(long, default_value_t = 10)]
    closed_seconds: u32,
    /// Where to put the SQLite database (default: a temporary directory).
    #[arg(long)]
    data: Option<std::path::PathBuf>,
    /// Also run the same benchmark on this PostgreSQL server, in a fresh schema that is dropped
    /// afterwards (e.g. postgres://postgres@127.0.0.1:5432/test).
    #[arg(long)]
    postgres: Option<String>,
}

const PASSWORD: &str = "benchmark password";

struct Target {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Target {
    async fn create(&self, n: u64) -> anyhow::Result<()> {
        let body = json!({
            "channel": "911",
            "location": {"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 30},
            "callback_number": "785-555-0100",
            "summary": format!("benchmark call {n}: caller reports a person in crisis")
        });
        let response =
            self.client.post(&self.url).bearer_auth(&self.token).json(&body).send().await?;
        ensure!(response.status() == 201, "create answered {}", response.status());
        Ok(())
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = args.data.clone().unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&data)?;
    let db = data.join("bench.db");
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).await?);
    println!("== SQLite: {} (WAL, synchronous=FULL)", db.display());
    drive(sqlite, &args).await?;

    if let Some(url) = &args.postgres {
        let schema = format!("bench_{}", std::process::id());
        let settings = PgSettings { pool_size: 16, schema: Some(schema.clone()) };
        let pg: Arc<dyn Store> = Arc::new(PgStore::open(url, &settings).await?);
        println!(
            "== PostgreSQL: {url}, schema {schema} (synchronous_commit as the server sets it)"
        );
        let result = drive(pg, &args).await;
        let pool = sqlx::PgPool::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
            .execute(&pool)
            .await?;
        result?;
    }
    Ok(())
}

/// Seeds a PSAP and a call-taker, serves `store` on a loopback port, and runs both loops.
async fn drive(store: Arc<dyn Store>, args: &Args) -> anyhow::Result<()> {
    let agency = Agency {
        id: AgencyId::new(SystemClock.now()),
        code: "psap-bench".into(),
        name: "Benchmark PSAP".into(),
        kind: AgencyKind::Psap,
        time_zone: "America/Chicago".into(),
        uri: None,
    };
    store.put_agency(&agency).await?;
    let hash = server::auth::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    store
        .put_user(&NewUser {
            id: UserId::new(SystemClock.now()),
            username: "bench".into(),
            display_name: "bench".into(),
            agency: agency.id,
            role: Role::CallTaker,
            password_hash: hash,
        })
        .await?;
    let settings = Settings { listen: "127.0.0.1:0".parse()?, ..Settings::default() };
    let app = Application::build(settings, store.clone(), Arc::new(SystemClock)).await?;
    let addr = app.local_addr()?;
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let client = reqwest::Client::builder().pool_max_idle_per_host(1024).build()?;
    let login: Value = client
        .post(format!("http://{addr}/api/v1/sessions"))
        .json(&json!({"username": "bench", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token =
        login.get("token").and_then(Value::as_str).context("login returned no token")?.to_owned();
    let target = Arc::new(Target { client, url: format!("http://{addr}/api/v1/incidents"), token });

    open_loop(&target, args.rate, 1, false).await?;
    let (sent, hist, elapsed) = open_loop(&target, args.rate, args.seconds, true).await?;
    println!(
        "open loop: {sent} creates at a target of {} /s in {:.2} s = {:.0} /s acknowledged; latency from due time: p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        args.rate,
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64(),
        ms(hist.value_at_quantile(0.50)),
        ms(hist.value_at_quantile(0.99)),
        ms(hist.value_at_quantile(0.999)),
        ms(hist.max()),
    );
    if args.clients > 0 {
        let (done, hist, elapsed) = closed_loop(&target, args.clients, args.closed_seconds).await?;
        println!(
            "closed loop: {} clients, {done} creates in {:.2} s = {:.0} /s; latency p50 {:.2} ms, p99 {:.2} ms",
            args.clients,
            elapsed.as_secs_f64(),
            done as f64 / elapsed.as_secs_f64(),
            ms(hist.value_at_quantile(0.50)),
            ms(hist.value_at_quantile(0.99)),
        );
    }
    println!("events in the log: {}", store.head().await?);
    Ok(())
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// Sends `rate` creates per second for `seconds`, each at its due time. Returns how many were
/// acknowledged, their latencies (µs, from due time) and the time until the last answer.
async fn open_loop(
    target: &Arc<Target>,
    rate: u32,
    seconds: u32,
    record: bool,
) -> anyhow::Result<(u64, Histogram<u64>, Duration)> {
    let total = u64::from(rate) * u64::from(seconds);
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    // Bounds what a stalled server can pile up; the latency still counts from the due time.
    let in_flight = Arc::new(Semaphore::new(4096));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(usize::try_from(total)?);
    for n in 0..total {
        let due = start + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        let permit = in_flight.clone().acquire_owned().await?;
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let result = target.create(n).await;
            drop(permit);
            result.map(|()| due.elapsed())
        }));
    }
    let mut hist = Histogram::<u64>::new(3)?;
    for task in tasks {
        let latency = task.await??;
        if record {
            hist.record(u64::try_from(latency.as_micros())?)?;
        }
    }
    Ok((total, hist, start.elapsed()))
}

/// `clients` tasks each creating back to back for `seconds`.
async fn closed_loop(
    target: &Arc<Target>,
    clients: usize,
    seconds: u32,
) -> anyhow::Result<(u64, Histogram<u64>, Duration)> {
    let start = Instant::now();
    let until = start + Duration::from_secs(u64::from(seconds));
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let target = target.clone();
            tokio::spawn(async move {
                let mut hist = Histogram::<u64>::new(3)?;
                let mut n = 0u64;
                while Instant::now() < until {
                    let sent = Instant::now();
                    target.create((c as u64) << 32 | n).await?;
                    hist.record(u64::try_from(sent.elapsed().as_micros())?)?;
                    n += 1;
                }
                anyhow::Ok((n, hist))
            })
        })
        .collect();
    let mut total = 0;
    let mut hist = Histogram::<u64>::new(3)?;
    for task in tasks {
        let (n, h) = task.await??;
        total += n;
        hist.add(h)?;
    }
    Ok((total, hist, start.elapsed()))
}
