//! The answer-time measures computed by SQL over the call steps as the store keeps them (one
//! row per arrival and per end), against the tally, on generated calls.

use domain::{CallStep, Timestamp};
use reports::Window;
use reports::measures::{Distribution, Grouping, Names, Options, Tally, Value};
use reports::synthetic::{Cast, calls};
use sqlx::SqlitePool;

const DAY: i64 = 86_400_000;
/// 2026-01-01 UTC.
const START: i64 = 1_767_225_600_000;

/// The steps as `call_events(call, phase, step, at_ms, in_state)`, like the store's table.
async fn table(steps: &[domain::CallEvent]) -> SqlitePool {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::query(
        "CREATE TABLE call_events (agency TEXT, call TEXT, phase TEXT, step TEXT, at_ms INTEGER, \
         in_state INTEGER, PRIMARY KEY (agency, call, phase))",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for s in steps {
        let in_state = match s.step {
            CallStep::RolledOver { in_state, .. } => Some(in_state),
            _ => None,
        };
        sqlx::query("INSERT INTO call_events VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(s.agency.to_string())
            .bind(s.call.as_str())
            .bind(if s.step.is_end() { "ended" } else { "arrived" })
            .bind(s.step.as_str())
            .bind(s.at.as_millis())
            .bind(in_state)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    pool
}

async fn number(pool: &SqlitePool, sql: String) -> u64 {
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap();
    u64::try_from(n).unwrap()
}

/// Every answer-time measure by SQL for calls arrived in `[from, to)`.
async fn by_sql(pool: &SqlitePool, from: i64, to: i64) -> Vec<(&'static str, Value)> {
    let counted = format!(
        "(SELECT a.call, a.agency, a.at_ms AS arrived, e.step, e.at_ms AS ended, e.in_state \
         FROM call_events a LEFT JOIN call_events e ON e.agency = a.agency AND e.call = a.call \
         AND e.phase = 'ended' WHERE a.phase = 'arrived' AND a.at_ms >= {from} AND a.at_ms < {to})"
    );
    let n =
        |condition: &str| number(pool, format!("SELECT COUNT(*) FROM {counted} WHERE {condition}"));
    let all = n("1").await;
    let ended = n("step IS NOT NULL").await;
    let answered = n("step = 'answered'").await;
    let speed = |offset: u64| {
        format!(
            "SELECT ended - arrived FROM {counted} WHERE step = 'answered' ORDER BY ended - arrived LIMIT 1 OFFSET {offset}"
        )
    };
    // Nearest rank: the value at rank ⌈p/100 × n⌉.
    let rank = |p: u64| (p * answered).div_ceil(100).max(1) - 1;
    let at = |p: u64| {
        let sql = speed(rank(p));
        async move { Some(i64::try_from(number(pool, sql).await).unwrap()) }
    };
    let mean = number(
        pool,
        format!("SELECT SUM(ended - arrived) / COUNT(*) FROM {counted} WHERE step = 'answered'"),
    )
    .await;
    let share = |part: u64| Value::Share { part, of: ended };
    vec![
        ("contacts.arrived", Value::Count { count: all }),
        (
            "contacts.answered_within_15s",
            share(n("step = 'answered' AND ended - arrived <= 15000").await),
        ),
        (
            "contacts.answered_within_20s",
            share(n("step = 'answered' AND ended - arrived <= 20000").await),
        ),
        (
            "contacts.speed_to_answer",
            Value::Time(Distribution {
                count: answered,
                p50_ms: at(50).await,
                p90_ms: at(90).await,
                p95_ms: at(95).await,
                mean_ms: Some(i64::try_from(mean).unwrap()),
            }),
        ),
        ("contacts.abandoned", share(n("step = 'abandoned'").await)),
        ("contacts.rolled_over", share(n("step = 'rolled_over'").await)),
        (
            "contacts.answered_in_state",
            share(n("step = 'answered' OR (step = 'rolled_over' AND in_state)").await),
        ),
        ("contacts.no_end_recorded", Value::Count { count: all - ended }),
    ]
}

#[tokio::test]
async fn the_answer_time_measures_agree_with_sql_on_generated_calls() {
    for (seed, count, psaps) in [(3, 300, 2), (11, 4_000, 8)] {
        let cast = Cast::new(psaps);
        let steps = calls(seed, &cast, count, Timestamp::from_millis(START), 40);
        let (from, to) = (START + 10 * DAY, START + 30 * DAY);
        let pool = table(&steps).await;
        let expected = by_sql(&pool, from, to).await;
        let window = Window {
            from: Some(Timestamp::from_millis(from)),
            to: Some(Timestamp::from_millis(to)),
            channel: None,
        };
        let mut tally =
            Tally::new(Options { window, agency: None, by: Grouping::All, ..Options::default() });
        for step in &steps {
            tally.add_call(step);
        }
        let report = tally.report(&Names::by_id());
        let group = &report.groups[0];
        for (id, value) in &expected {
            let got = &group.measures.iter().find(|m| m.id == *id).unwrap().value;
            assert_eq!(got, value, "seed {seed}: {id}");
            let zero = matches!(value, Value::Count { count: 0 } | Value::Share { part: 0, .. });
            assert!(!zero, "seed {seed}: {id} is exercised ({value:?})");
        }
    }
}
