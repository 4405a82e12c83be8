//! `bench measures`: the outcome measures over a county-year of synthetic history
//! (`reports::synthetic`: `--incidents` incidents over 365 days, about six events each).
//!
//! For SQLite (and, with `--postgres`, PostgreSQL in a fresh schema dropped afterwards) the
//! history is imported into the store (every event checked again), then timed:
//!
//! - **year**: every measure for the whole year, as `report measures` and the API compute it —
//!   read the log page by page and tally;
//! - **day**: one day's measures the same way (the tally must still see the month before, for
//!   repeat contacts, so this reads the log too);
//! - **SQL**: a subset of the same measures (contacts by channel, triaged, each latest decision,
//!   diverted, dispatches, handoffs, no coverage) written as SQL over the same `events` table:
//!   the comparison the figures are given against;
//!
//! and, in memory without a database, the tally alone. Peak memory is the process's.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use domain::Timestamp;
use reports::Window;
use reports::measures::{Grouping, Names, Options, Report, Tally};
use reports::synthetic::{Cast, history_with_notes};
use store::{RecordedEvent, Store};
use store_sql::{PgSettings, PgStore, SqliteStore};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Incidents in the year.
    #[arg(long, default_value_t = 100_000)]
    incidents: usize,
    /// Also on this PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test).
    #[arg(long)]
    postgres: Option<String>,
    /// Only the in-memory tally and the live reports, no database.
    #[arg(long)]
    no_stores: bool,
    /// Notes added to each incident as it opens: more events per incident (7 gives the
    /// target's 10 per incident), which count for no measure.
    #[arg(long, default_value_t = 0)]
    notes_per_incident: usize,
}

/// Reports are read in a county's time zone, as an agency's are.
fn zone() -> reports::Zone {
    reports::Zone::named("America/Chicago").unwrap_or_default()
}

/// 2026-01-01 UTC.
const START: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;

fn year() -> Window {
    Window {
        from: Some(Timestamp::from_millis(START)),
        to: Some(Timestamp::from_millis(START + 365 * DAY)),
        channel: None,
    }
}

fn one_day() -> Window {
    let day = START + 200 * DAY;
    Window {
        from: Some(Timestamp::from_millis(day)),
        to: Some(Timestamp::from_millis(day + DAY)),
        channel: None,
    }
}

/// A figure of the process's memory from /proc (Linux), in MB: `VmHWM` (peak) or `VmRSS`.
fn memory_mb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

fn peak_mb() -> Option<u64> {
    memory_mb("VmHWM:")
}

/// `f`'s result and the median time of five runs of it, in seconds.
fn median_of_5<T>(mut f: impl FnMut() -> T) -> (T, f64) {
    let started = Instant::now();
    let result = f();
    let mut times = vec![started.elapsed().as_secs_f64()];
    for _ in 0..4 {
        let started = Instant::now();
        f();
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (result, times.get(2).copied().unwrap_or_default())
}

/// Every measure for `window`, read from the store as the CLI and the API do.
async fn from_store(store: &dyn Store, window: Window) -> anyhow::Result<(Report, f64)> {
    let started = Instant::now();
    let mut tally = Tally::new(Options { window, agency: None, by: Grouping::All, zone: zone() });
    let mut after = 0;
    loop {
        let page = store.events_after(after, None, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            tally.add(&r.event, &r.involved);
        }
    }
    let report = tally.report(&Names::by_id());
    Ok((report, started.elapsed().as_secs_f64()))
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let cast = Cast::new(20);
    let started = Instant::now();
    let events = history_with_notes(
        2026,
        &cast,
        args.incidents,
        Timestamp::from_millis(START),
        365,
        args.notes_per_incident,
    );
    println!(
        "history: {} incidents, {} events, generated in {:.2} s",
        args.incidents,
        events.len(),
        started.elapsed().as_secs_f64()
    );
    let rss_before = memory_mb("VmRSS:");
    let started = Instant::now();
    let mut tally =
        Tally::new(Options { window: year(), agency: None, by: Grouping::All, zone: zone() });
    for (event, involved) in &events {
        tally.add(event, involved);
    }
    let folded_s = started.elapsed().as_secs_f64();
    let rss_after = memory_mb("VmRSS:");
    println!(
        "live tally: {} events folded in {folded_s:.3} s ({:.0} events/s), holding about {} MB",
        events.len(),
        events.len() as f64 / folded_s,
        rss_after
            .zip(rss_before)
            .map_or_else(|| "?".to_owned(), |(a, b)| a.saturating_sub(b).to_string())
    );
    // What the server answers from its live tally: no log read, only the report.
    let names = Names::by_id();
    let year_options = Options { window: year(), agency: None, by: Grouping::All, zone: zone() };
    let day_options = Options { window: one_day(), agency: None, by: Grouping::All, zone: zone() };
    let (in_memory, year_s) = median_of_5(|| tally.report_for(&year_options, &names));
    let (day_report, day_s) = median_of_5(|| tally.report_for(&day_options, &names));
    let by_hour = Options { by: Grouping::Hour, ..year_options.clone() };
    let (_, hour_s) = median_of_5(|| tally.report_for(&by_hour, &names));
    println!(
        "live report (median of 5): the year in {:.3} s, by hour in {:.3} s, one day ({} incidents) in {:.1} ms",
        year_s,
        hour_s,
        day_report.incidents,
        day_s * 1000.0
    );
    if args.no_stores {
        if let Some(mb) = peak_mb() {
            println!("peak memory of the process: {mb} MB");
        }
        return Ok(());
    }
    let recorded: Vec<RecordedEvent> = events
        .into_iter()
        .enumerate()
        .map(|(n, (event, involved))| RecordedEvent { seq: n as u64 + 1, event, involved })
        .collect();

    let dir = tempfile::tempdir()?;
    let sqlite: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("measures.db")).await?);
    println!("== SQLite");
    let expected =
        Expected { year: &in_memory, day: &day_report, live_year_s: year_s, live_day_s: day_s };
    measure(&*sqlite, &recorded, &expected, Dialect::Sqlite(dir.path().join("measures.db")))
        .await?;
    if let Some(url) = &args.postgres {
        let schema = format!("bench_measures_{}", std::process::id());
        let settings = PgSettings { pool_size: 8, schema: Some(schema.clone()) };
        let pg: Arc<dyn Store> = Arc::new(PgStore::open(url, &settings).await?);
        println!("== PostgreSQL ({url}, schema {schema})");
        let result =
            measure(&*pg, &recorded, &expected, Dialect::Postgres(url.clone(), schema.clone()))
                .await;
        let admin = sqlx::PgPool::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
            .execute(&admin)
            .await?;
        result?;
    }
    if let Some(mb) = peak_mb() {
        println!("peak memory of the process: {mb} MB");
    }
    Ok(())
}

/// The live tally's reports and times, which the stores' figures are checked and compared
/// against.
struct Expected<'a> {
    year: &'a Report,
    day: &'a Report,
    live_year_s: f64,
    live_day_s: f64,
}

enum Dialect {
    Sqlite(std::path::PathBuf),
    Postgres(String, String),
}

async fn measure(
    store: &dyn Store,
    recorded: &[RecordedEvent],
    expected: &Expected<'_>,
    dialect: Dialect,
) -> anyhow::Result<()> {
    let in_memory = expected.year;
    let started = Instant::now();
    for page in recorded.chunks(5_000) {
        store.import(page.to_vec()).await.context("importing the synthetic history")?;
    }
    println!("imported {} events in {:.1} s", recorded.len(), started.elapsed().as_secs_f64());
    let (year_report, year_s) = from_store(store, year()).await?;
    anyhow::ensure!(&year_report == in_memory, "the store's report differs from the in-memory one");
    println!("year: every measure in {year_s:.2} s");
    println!(
        "  (a node's live tally reads the log once at start like this, then follows the stream)"
    );
    let (day_report, day_s) = from_store(store, one_day()).await?;
    anyhow::ensure!(
        &day_report == expected.day,
        "the store's day report differs from the live one"
    );
    println!("day: every measure in {:.0} ms", day_s * 1000.0);
    let (year, day) = ((START, START + 365 * DAY), (START + 200 * DAY, START + 201 * DAY));
    let ((sql_year_s, checked), (sql_day_s, _)) = match dialect {
        Dialect::Sqlite(path) => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await?;
            let (o, c) = ("json_extract(body, '$.", "')");
            (sql(&pool, o, c, in_memory, year).await?, sql(&pool, o, c, expected.day, day).await?)
        }
        Dialect::Postgres(url, schema) => {
            let options: sqlx::postgres::PgConnectOptions = url.parse()?;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.options([("search_path", schema.as_str())]))
                .await?;
            let (o, c) = ("(body::json->>'", "')");
            (sql(&pool, o, c, in_memory, year).await?, sql(&pool, o, c, expected.day, day).await?)
        }
    };
    println!(
        "SQL: {checked} of the measures, equal to the tally's: the year in {sql_year_s:.2} s ({:.1}× a fresh read of the log for all of them, {:.0}× the live report), one day in {:.0} ms ({:.0}× the live report)",
        sql_year_s / year_s,
        sql_year_s / expected.live_year_s,
        sql_day_s * 1000.0,
        sql_day_s / expected.live_day_s
    );
    Ok(())
}

/// The SQL subset, timed; each result checked against the tally's. `open` and `close` wrap a
/// JSON field name into the dialect's extraction.
async fn sql<DB>(
    pool: &sqlx::Pool<DB>,
    open: &str,
    close: &str,
    expected: &Report,
    (from, to): (i64, i64),
) -> anyhow::Result<(f64, usize)>
where
    DB: sqlx::Database,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let j = |field: &str| format!("{open}{field}{close}");
    let counted = format!(
        "(SELECT incident_id, {channel} AS channel FROM events WHERE kind = 'opened' AND at_ms >= {from} AND at_ms < {to})",
        channel = j("channel")
    );
    let latest = |outcome: &str| {
        format!(
            "SELECT COUNT(*) FROM {counted} c WHERE c.channel = '911' AND (SELECT {o} FROM events e WHERE e.incident_id = c.incident_id \
             AND e.kind IN ('triage_recorded', 'retriaged') ORDER BY seq DESC LIMIT 1) = '{outcome}'",
            o = j("outcome")
        )
    };
    let exists = |channel: &str, condition: &str| {
        format!(
            "SELECT COUNT(*) FROM {counted} c WHERE {channel} EXISTS (SELECT 1 FROM events e WHERE e.incident_id = c.incident_id AND {condition})"
        )
    };
    let queries: Vec<(&str, String)> = vec![
        ("contacts.total", format!("SELECT COUNT(*) FROM {counted} c")),
        ("contacts.911", format!("SELECT COUNT(*) FROM {counted} c WHERE c.channel = '911'")),
        ("contacts.988", format!("SELECT COUNT(*) FROM {counted} c WHERE c.channel = '988'")),
        (
            "diversion.triaged",
            exists("c.channel = '911' AND", "e.kind IN ('triage_recorded', 'retriaged')"),
        ),
        ("diversion.decided_988", latest("divert_988")),
        ("diversion.decided_mobile_crisis", latest("mobile_crisis")),
        ("diversion.decided_police", latest("law_enforcement")),
        (
            "diversion.diverted",
            exists(
                "c.channel = '911' AND",
                &format!(
                    "e.kind = 'transfer_offered' AND {} IN ('988', 'mobile_crisis')",
                    j("destination")
                ),
            ),
        ),
        (
            "mobile.dispatches",
            format!(
                "SELECT COUNT(*) FROM events e JOIN {counted} c ON c.incident_id = e.incident_id WHERE e.kind = 'team_dispatched'"
            ),
        ),
        ("handoff.started", exists("", "e.kind = 'emergency_handoff_started'")),
        (
            "unserved.no_coverage",
            exists("", &format!("e.kind = 'routed' AND {} = 'no_coverage'", j("basis"))),
        ),
    ];
    let group = expected.groups.first().context("no group")?;
    let started = Instant::now();
    for (id, query) in &queries {
        let (n,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(query.clone())).fetch_one(pool).await?;
        let value = &group.measures.iter().find(|m| m.id == *id).context("no such measure")?.value;
        let tally = match value {
            reports::measures::Value::Count { count } => *count,
            reports::measures::Value::Share { part, .. } => *part,
            other => anyhow::bail!("{id}: {other:?}"),
        };
        anyhow::ensure!(u64::try_from(n)? == tally, "{id}: SQL says {n}, the tally {tally}");
    }
    Ok((started.elapsed().as_secs_f64(), queries.len()))
}
