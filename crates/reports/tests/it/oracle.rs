//! Each measure computed by SQL over the event rows, against the tally.

use domain::Timestamp;
use reports::Window;
use reports::measures::{Grouping, Names, Options, Tally, Value};
use reports::synthetic::{Cast, Recorded, history};
use sqlx::SqlitePool;

const DAY: i64 = 86_400_000;
/// 2026-01-01 UTC.
const START: i64 = 1_767_225_600_000;

/// The events as rows: `ev(seq, incident, at_ms, kind, body)`, the body as the store encodes it.
async fn table(events: &[Recorded]) -> SqlitePool {
    // One connection: each in-memory connection is a database of its own.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::query("CREATE TABLE ev (seq INTEGER PRIMARY KEY, incident TEXT, at_ms INTEGER, kind TEXT, body TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for (n, (event, _)) in events.iter().enumerate() {
        sqlx::query("INSERT INTO ev VALUES ($1, $2, $3, $4, $5)")
            .bind(i64::try_from(n).unwrap() + 1)
            .bind(event.incident.to_string())
            .bind(event.at.as_millis())
            .bind(event.kind.name())
            .bind(store::codec::encode_event(&event.kind))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    for index in [
        "CREATE INDEX ev_by_incident ON ev (incident, seq)",
        "CREATE INDEX ev_by_kind ON ev (kind, seq)",
        "CREATE INDEX ev_by_callback ON ev (json_extract(body, '$.callback'))",
    ] {
        sqlx::query(index).execute(&pool).await.unwrap();
    }
    pool
}

/// The counted incidents (opened in the window) as a view `counted(incident, channel, seq)`.
async fn counted(pool: &SqlitePool, from: i64, to: i64) {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE VIEW counted AS SELECT incident, json_extract(body, '$.channel') AS channel, seq \
         FROM ev WHERE kind = 'opened' AND at_ms >= {from} AND at_ms < {to}"
    )))
    .execute(pool)
    .await
    .unwrap();
}

async fn number(pool: &SqlitePool, sql: &str) -> u64 {
    let n: i64 =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(pool).await.unwrap();
    u64::try_from(n).unwrap()
}

/// Every measure the SQL computes, as the tally should give it.
async fn by_sql(pool: &SqlitePool) -> Vec<(&'static str, Value)> {
    let share = |part, of| Value::Share { part, of };
    let count = |count| Value::Count { count };
    let calls = "SELECT incident FROM counted WHERE channel = '911'";
    let triaged = format!(
        "SELECT incident FROM ({calls}) c WHERE EXISTS \
         (SELECT 1 FROM ev e WHERE e.incident = c.incident AND e.kind IN ('triage_recorded', 'retriaged'))"
    );
    let latest = |outcome: &str| {
        format!(
            "SELECT COUNT(*) FROM ({triaged}) t WHERE (SELECT json_extract(body, '$.outcome') FROM ev e \
             WHERE e.incident = t.incident AND e.kind IN ('triage_recorded', 'retriaged') \
             ORDER BY seq DESC LIMIT 1) = '{outcome}'"
        )
    };
    let exists = |set: &str, condition: &str| {
        format!(
            "SELECT COUNT(*) FROM ({set}) s WHERE EXISTS (SELECT 1 FROM ev e WHERE e.incident = s.incident AND {condition})"
        )
    };
    let all = "SELECT incident FROM counted";
    let n_calls = number(pool, &format!("SELECT COUNT(*) FROM ({calls})")).await;
    let n_triaged = number(pool, &format!("SELECT COUNT(*) FROM ({triaged})")).await;
    let n_all = number(pool, "SELECT COUNT(*) FROM counted").await;
    let diversion = "e.kind = 'transfer_offered' AND json_extract(e.body, '$.destination') IN ('988', 'mobile_crisis')";
    let diverted = format!(
        "SELECT incident FROM ({calls}) c WHERE EXISTS (SELECT 1 FROM ev e WHERE e.incident = c.incident AND {diversion})"
    );
    let n_diverted = number(pool, &format!("SELECT COUNT(*) FROM ({diverted})")).await;
    // An acceptance whose latest offer before it was a diversion.
    let accepted = format!(
        "SELECT COUNT(*) FROM ({diverted}) d WHERE EXISTS (SELECT 1 FROM ev a WHERE a.incident = d.incident \
         AND a.kind = 'transfer_accepted' AND (SELECT json_extract(o.body, '$.destination') FROM ev o \
         WHERE o.incident = a.incident AND o.kind = 'transfer_offered' AND o.seq < a.seq ORDER BY o.seq DESC LIMIT 1) \
         IN ('988', 'mobile_crisis'))"
    );
    let events_of = |kind: &str| {
        format!(
            "SELECT COUNT(*) FROM ev e JOIN counted c ON c.incident = e.incident WHERE e.kind = '{kind}'"
        )
    };
    let repeat = |days: i64| {
        format!(
            "SELECT COUNT(*) FROM counted c JOIN ev o ON o.seq = c.seq WHERE json_extract(o.body, '$.callback') IS NOT NULL \
             AND EXISTS (SELECT 1 FROM ev p WHERE p.kind = 'opened' AND p.seq < o.seq \
             AND json_extract(p.body, '$.callback') = json_extract(o.body, '$.callback') AND o.at_ms - p.at_ms <= {})",
            days * DAY
        )
    };
    let unknown = format!(
        "SELECT COUNT(*) FROM ({triaged}) t WHERE EXISTS (SELECT 1 FROM ev e, json_each(json_extract(e.body, '$.answers')) a \
         WHERE e.incident = t.incident AND e.kind IN ('triage_recorded', 'retriaged') AND json_extract(a.value, '$[1]') = 'unknown')"
    );
    vec![
        ("contacts.total", count(n_all)),
        ("contacts.911", count(n_calls)),
        (
            "contacts.988",
            count(number(pool, "SELECT COUNT(*) FROM counted WHERE channel = '988'").await),
        ),
        (
            "contacts.other",
            count(number(pool, "SELECT COUNT(*) FROM counted WHERE channel = 'other'").await),
        ),
        ("diversion.triaged", share(n_triaged, n_calls)),
        ("diversion.decided_988", share(number(pool, &latest("divert_988")).await, n_triaged)),
        (
            "diversion.decided_mobile_crisis",
            share(number(pool, &latest("mobile_crisis")).await, n_triaged),
        ),
        (
            "diversion.decided_clinician",
            share(number(pool, &latest("embedded_clinician")).await, n_triaged),
        ),
        (
            "diversion.decided_co_response",
            share(number(pool, &latest("co_response")).await, n_triaged),
        ),
        (
            "diversion.decided_police",
            share(number(pool, &latest("law_enforcement")).await, n_triaged),
        ),
        ("diversion.decided_ems", share(number(pool, &latest("ems")).await, n_triaged)),
        ("diversion.unknown_answers", share(number(pool, &unknown).await, n_triaged)),
        (
            "diversion.overridden",
            share(
                number(pool, &exists(&triaged, "e.kind = 'decision_overridden'")).await,
                n_triaged,
            ),
        ),
        ("diversion.diverted", share(n_diverted, n_calls)),
        ("diversion.accepted", share(number(pool, &accepted).await, n_diverted)),
        ("clinician.held", count(number(pool, &exists(all, "e.kind = 'clinician_claimed'")).await)),
        ("mobile.dispatches", count(number(pool, &events_of("team_dispatched")).await)),
        (
            "handoff.started",
            count(number(pool, &exists(all, "e.kind = 'emergency_handoff_started'")).await),
        ),
        ("repeat.within_7_days", share(number(pool, &repeat(7)).await, n_all)),
        ("repeat.within_30_days", share(number(pool, &repeat(30)).await, n_all)),
        (
            "unserved.no_coverage",
            share(
                number(
                    pool,
                    &exists(
                        all,
                        "e.kind = 'routed' AND json_extract(e.body, '$.basis') = 'no_coverage'",
                    ),
                )
                .await,
                n_all,
            ),
        ),
        ("unserved.returned", count(number(pool, &events_of("transfer_returned")).await)),
    ]
}

#[tokio::test]
async fn the_measures_agree_with_sql_on_generated_histories() {
    for (seed, incidents, psaps) in [(1, 400, 3), (7, 2_000, 10), (42, 5_000, 25)] {
        let cast = Cast::new(psaps);
        // Sixty days; the period is the middle thirty, so earlier contacts make repeats.
        let events = history(seed, &cast, incidents, Timestamp::from_millis(START), 60);
        let (from, to) = (START + 15 * DAY, START + 45 * DAY);
        let pool = table(&events).await;
        counted(&pool, from, to).await;
        let expected = by_sql(&pool).await;

        let window = Window {
            from: Some(Timestamp::from_millis(from)),
            to: Some(Timestamp::from_millis(to)),
            channel: None,
        };
        let mut tally =
            Tally::new(Options { window, agency: None, by: Grouping::All, ..Options::default() });
        for (event, involved) in &events {
            tally.add(event, involved);
        }
        let report = tally.report(&Names::by_id());
        let group = &report.groups[0];
        for (id, value) in &expected {
            let got = &group.measures.iter().find(|m| m.id == *id).unwrap().value;
            assert_eq!(got, value, "seed {seed}: {id}");
        }
        // The histories exercise every measure checked: none is trivially zero.
        for (id, value) in &expected {
            let zero = matches!(value, Value::Count { count: 0 } | Value::Share { part: 0, .. });
            assert!(
                !zero || *id == "contacts.other" && incidents < 1000,
                "seed {seed}: {id} is {value:?}"
            );
        }
    }
}
