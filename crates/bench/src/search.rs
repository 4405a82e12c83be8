//! `bench search`: an agency's incident board and searches through the real HTTP server, with
//! a history of a million incidents and more behind them.
//!
//! A seeded synthetic history (`reports::synthetic`, one PSAP, two 988 centers, two providers)
//! gets summaries of 6 to 10 words drawn Zipf-like from a 5,000-word vocabulary (the commonest
//! word is in about half of them, as "the" is), and is imported into SQLite (and, with
//! `--postgres`, PostgreSQL in a fresh schema dropped afterwards) through `EventLog::import`,
//! every event checked again. The PSAP — the agency with the most incidents — gets a
//! supervisor; the server is started on the store and waited for until its live measures have
//! read the log. Then each request kind is sent `--requests` times, one at a time, with
//! parameters drawn at random (a random callback number, word, day, cursor…), and its latency
//! percentiles printed:
//!
//! - `GET /api/v1/incidents` (the open board, 100) and `?status=closed&limit=50`;
//! - `GET /api/v1/incidents/search` with no filter, by number, by one common and one rare
//!   word, by two words, by outcome, by day, by open status, and from a cursor deep in the year;
//!
//! and last the board again while another task opens and closes incidents as fast as the
//! server takes them (creates and lists mixed), with both rates. For scale, the statement the
//! board ran before the index (every incident the agency ever had, sorted) is timed on the
//! same database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use domain::{Agency, AgencyKind, Clock, EventKind, Role, Text, Timestamp, UserId};
use hdrhistogram::Histogram;
use reports::synthetic::{Cast, Rng, history_with_notes};
use serde_json::{Value, json};
use server::{Application, Settings, SystemClock};
use store::{NewUser, RecordedEvent, Store};
use store_sql::{PgSettings, PgStore, SqliteStore};

const PASSWORD: &str = "correct horse battery staple";
/// 2026-01-01 UTC.
const START: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;
const VOCABULARY: u64 = 5_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Incidents in the history (the PSAP takes part in about 60 % of them, and in the 988
    /// contacts it is handed).
    #[arg(long, default_value_t = 100_000)]
    incidents: usize,
    /// Requests of each kind.
    #[arg(long, default_value_t = 500)]
    requests: usize,
    /// Also on this PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test).
    #[arg(long)]
    postgres: Option<String>,
    /// Keep the SQLite file in this directory, and reuse it when it holds the same history
    /// already (the import is skipped).
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let cast = Cast::new(1);
    let started = Instant::now();
    let mut events =
        history_with_notes(2026, &cast, args.incidents, Timestamp::from_millis(START), 365, 0);
    let mut rng = Rng::new(7);
    for (event, _) in &mut events {
        if let EventKind::Opened { summary, .. } = &mut event.kind {
            *summary = Text::parse(&sentence(&mut rng), 500).context("a generated summary")?;
        }
    }
    let psap = *cast.psaps.first().context("the cast has a PSAP")?;
    let of_psap = events
        .iter()
        .filter(|(_, involved)| involved.contains(&psap))
        .map(|(e, _)| e.incident)
        .collect::<std::collections::HashSet<_>>()
        .len();
    println!(
        "history: {} incidents ({of_psap} in the PSAP's history), {} events, generated in {:.1} s",
        args.incidents,
        events.len(),
        started.elapsed().as_secs_f64()
    );
    let recorded: Vec<RecordedEvent> = events
        .into_iter()
        .enumerate()
        .map(|(n, (event, involved))| RecordedEvent { seq: n as u64 + 1, event, involved })
        .collect();

    let dir = tempfile::tempdir()?;
    let path =
        args.data.as_deref().unwrap_or(dir.path()).join(format!("search-{}.db", args.incidents));
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await?);
    println!("== SQLite ({}, WAL, synchronous=FULL)", path.display());
    let head = sqlite.head().await?;
    if head >= recorded.len() as u64 {
        // An earlier run's mixed phase added its incidents after the history.
        println!("the file holds the history already ({head} events): not imported again");
    } else {
        anyhow::ensure!(head == 0, "{} holds another history ({head} events)", path.display());
        import(&*sqlite, &recorded).await?;
    }
    let before = old_board_sqlite(&path, psap).await?;
    drive(sqlite, psap, &args, before).await?;
    if let Some(url) = &args.postgres {
        let schema = format!("bench_search_{}", std::process::id());
        let settings = PgSettings { pool_size: 16, schema: Some(schema.clone()) };
        let pg: Arc<dyn Store> = Arc::new(PgStore::open(url, &settings).await?);
        println!("== PostgreSQL ({url}, schema {schema})");
        let result = async {
            import(&*pg, &recorded).await?;
            let before = old_board_postgres(url, &schema, psap).await?;
            drive(pg, psap, &args, before).await
        }
        .await;
        let admin = sqlx::PgPool::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
            .execute(&admin)
            .await?;
        result?;
    }
    Ok(())
}

/// 6 to 10 words, Zipf-like over the vocabulary: word `k` (from 1) drawn with weight `1/k`.
fn sentence(rng: &mut Rng) -> String {
    let n = 6 + rng.below(5);
    (0..n).map(|_| word(zipf(rng))).collect::<Vec<_>>().join(" ")
}

fn zipf(rng: &mut Rng) -> u64 {
    // Inverse of the continuous approximation of the harmonic CDF: k = V^u.
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    ((VOCABULARY as f64).powf(u) as u64).clamp(1, VOCABULARY)
}

/// The `k`th word of the vocabulary: letters only, so a search finds it as one word.
fn word(k: u64) -> String {
    let mut out = String::from("w");
    let mut k = k;
    while k > 0 {
        out.push(char::from(b'a' + (k % 26) as u8));
        k /= 26;
    }
    out
}

async fn import(store: &dyn Store, recorded: &[RecordedEvent]) -> anyhow::Result<()> {
    let started = Instant::now();
    for page in recorded.chunks(5_000) {
        store.import(page.to_vec()).await.context("importing the synthetic history")?;
    }
    println!("imported {} events in {:.0} s", recorded.len(), started.elapsed().as_secs_f64());
    Ok(())
}

/// The board's statement before the index: every incident the agency ever had, sorted.
const OLD_BOARD: &str = "SELECT i.state FROM incidents i WHERE i.status IN ('open', 'transfer_pending', 'team_dispatched') \
     AND i.id IN (SELECT incident_id FROM incident_agencies WHERE agency_id = $1) \
     ORDER BY i.updated_at DESC, i.id DESC LIMIT 1";

async fn old_board_sqlite(path: &std::path::Path, psap: domain::AgencyId) -> anyhow::Result<f64> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await?;
    let started = Instant::now();
    for _ in 0..3 {
        sqlx::query(OLD_BOARD).bind(psap.to_string()).fetch_all(&pool).await?;
    }
    pool.close().await;
    Ok(started.elapsed().as_secs_f64() * 1000.0 / 3.0)
}

async fn old_board_postgres(
    url: &str,
    schema: &str,
    psap: domain::AgencyId,
) -> anyhow::Result<f64> {
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.options([("search_path", schema)]))
        .await?;
    let started = Instant::now();
    for _ in 0..3 {
        sqlx::query(OLD_BOARD).bind(psap.as_uuid()).fetch_all(&pool).await?;
    }
    pool.close().await;
    Ok(started.elapsed().as_secs_f64() * 1000.0 / 3.0)
}

/// A request kind's path, drawn with the generator.
type PathOf = Box<dyn Fn(&mut Rng) -> String>;

/// Serves `store` as the PSAP's supervisor sees it and times every request kind.
async fn drive(
    store: Arc<dyn Store>,
    psap: domain::AgencyId,
    args: &Args,
    old_board_ms: f64,
) -> anyhow::Result<()> {
    // A reused file has them already.
    if store.user_by_username("bench").await?.is_some() {
        return serve(store, args, old_board_ms).await;
    }
    store
        .put_agency(&Agency {
            id: psap,
            code: "psap-bench".into(),
            name: "Benchmark PSAP".into(),
            kind: AgencyKind::Psap,
            time_zone: "America/Chicago".into(),
            uri: None,
        })
        .await?;
    let hash = server::auth::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    store
        .put_user(&NewUser {
            id: UserId::new(SystemClock.now()),
            username: "bench".into(),
            display_name: "bench".into(),
            agency: psap,
            role: Role::Supervisor,
            password_hash: hash,
        })
        .await?;
    serve(store, args, old_board_ms).await
}

/// Serves `store` and times every request kind.
async fn serve(store: Arc<dyn Store>, args: &Args, old_board_ms: f64) -> anyhow::Result<()> {
    let settings = Settings { listen: "127.0.0.1:0".parse()?, ..Settings::default() };
    let app = Application::build(settings, store.clone(), Arc::new(SystemClock)).await?;
    let addr = app.local_addr()?;
    let measures = app.live_measures();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let started = Instant::now();
    while !measures.caught_up().await {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "the server's live measures read the log in {:.0} s; timing from now",
        started.elapsed().as_secs_f64()
    );
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("http://{addr}/api/v1/sessions"))
        .json(&json!({"username": "bench", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login.get("token").and_then(Value::as_str).context("no token")?.to_owned();
    let base = format!("http://{addr}/api/v1");
    println!("before the index, the board's statement (LIMIT 1) took {old_board_ms:.0} ms");
    println!(
        "{:<44} {:>6} {:>8} {:>8} {:>8} {:>9}",
        "request", "n", "p50 ms", "p99 ms", "max ms", "results"
    );
    let mut rng = Rng::new(11);
    let kinds: Vec<(&str, PathOf)> = vec![
        ("board: open, 100", Box::new(|_| "/incidents?limit=100".into())),
        ("board: closed, 50", Box::new(|_| "/incidents?status=closed&limit=50".into())),
        ("search: everything, 50", Box::new(|_| "/incidents/search".into())),
        (
            "search: by number",
            Box::new(|r| format!("/incidents/search?number=785555{:04}", r.below(10_000))),
        ),
        (
            "search: one common word (top 20)",
            Box::new(|r| format!("/incidents/search?q={}", word(1 + r.below(20)))),
        ),
        (
            "search: one rare word (rank 1000-5000)",
            Box::new(|r| format!("/incidents/search?q={}", word(1000 + r.below(4000)))),
        ),
        (
            "search: two words (top 100)",
            Box::new(|r| {
                format!("/incidents/search?q={}+{}", word(1 + r.below(100)), word(1 + r.below(100)))
            }),
        ),
        (
            "search: by outcome",
            Box::new(|r| {
                let o = [
                    "resolved_by_phone",
                    "resolved_on_scene",
                    "transported",
                    "referred",
                    "no_contact",
                ];
                format!(
                    "/incidents/search?outcome={}",
                    o.get(r.below(5) as usize).copied().unwrap_or("referred")
                )
            }),
        ),
        (
            "search: one day",
            Box::new(|r| {
                let day = START + r.below(364) as i64 * DAY;
                format!(
                    "/incidents/search?from={}&to={}",
                    reports::format_day(Timestamp::from_millis(day)),
                    reports::format_day(Timestamp::from_millis(day + DAY))
                )
            }),
        ),
        (
            "search: open ones",
            Box::new(|_| "/incidents/search?status=open,transfer_pending,team_dispatched".into()),
        ),
        (
            "search: a page deep in the year",
            Box::new(|r| {
                let at = START + r.below(364) as i64 * DAY;
                format!("/incidents/search?after={at}.ffffffff-ffff-7fff-bfff-ffffffffffff")
            }),
        ),
    ];
    for (name, path) in &kinds {
        let mut hist = Histogram::<u64>::new(3)?;
        let mut results = 0usize;
        for _ in 0..args.requests {
            let url = format!("{base}{}", path(&mut rng));
            let started = Instant::now();
            let response = client.get(&url).bearer_auth(&token).send().await?;
            anyhow::ensure!(response.status().is_success(), "{url}: {}", response.status());
            let body: Value = response.json().await?;
            hist.record(started.elapsed().as_micros() as u64)?;
            results += body.get("incidents").unwrap_or(&body).as_array().map_or(0, Vec::len);
        }
        println!(
            "{name:<44} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>9.1}",
            args.requests,
            hist.value_at_quantile(0.5) as f64 / 1000.0,
            hist.value_at_quantile(0.99) as f64 / 1000.0,
            hist.max() as f64 / 1000.0,
            results as f64 / args.requests as f64
        );
    }
    mixed(&client, &base, &token, args.requests).await
}

/// The board while another task opens and closes incidents back to back.
async fn mixed(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    requests: usize,
) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(AtomicU64::new(0));
    let writer = {
        let (client, base, token, stop, created) =
            (client.clone(), base.to_owned(), token.to_owned(), stop.clone(), created.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let body = json!({"channel": "911", "location": {"type": "point", "lat": 38.97, "lon": -95.23, "radius_m": 30}, "summary": "mixed load"});
                let Ok(response) = client
                    .post(format!("{base}/incidents"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                else {
                    break;
                };
                let Ok(opened) = response.json::<Value>().await else { break };
                let Some(id) = opened.get("id").and_then(Value::as_str) else { break };
                let close =
                    json!({"action": "close", "disposition": "referred", "remark": "bench"});
                let _ = client
                    .post(format!("{base}/incidents/{id}/actions"))
                    .bearer_auth(&token)
                    .json(&close)
                    .send()
                    .await;
                created.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let mut hist = Histogram::<u64>::new(3)?;
    let started = Instant::now();
    for _ in 0..requests {
        let t = Instant::now();
        let response =
            client.get(format!("{base}/incidents?limit=100")).bearer_auth(token).send().await?;
        anyhow::ensure!(response.status().is_success(), "board: {}", response.status());
        let _: Value = response.json().await?;
        hist.record(t.elapsed().as_micros() as u64)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    writer.await?;
    println!(
        "mixed: {requests} board requests at {:.0} /s (p50 {:.2} ms, p99 {:.2} ms) while {} incidents were opened and closed ({:.0} /s)",
        requests as f64 / elapsed,
        hist.value_at_quantile(0.5) as f64 / 1000.0,
        hist.value_at_quantile(0.99) as f64 / 1000.0,
        created.load(Ordering::Relaxed),
        created.load(Ordering::Relaxed) as f64 / elapsed
    );
    Ok(())
}
