//! Each measure computed by SQL over the event rows, against the tally: every measure of
//! docs/measures.md but the answer times (`oracle_calls.rs`) and decisions for police and EMS
//! together, which the synthetic histories do not make.

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

/// A time distribution by SQL over `intervals` (a query of one column `v`): the count, the
/// nearest-rank percentiles (the value at rank ⌈p/100 × n⌉) and the mean, truncated.
async fn distribution(pool: &SqlitePool, intervals: &str) -> Value {
    let n = number(pool, &format!("SELECT COUNT(*) FROM ({intervals})")).await;
    let at = |p: u64| {
        let offset = (p * n).div_ceil(100).max(1) - 1;
        let sql = format!("SELECT v FROM ({intervals}) ORDER BY v LIMIT 1 OFFSET {offset}");
        async move { (n > 0).then_some(()).map(|()| sql) }
    };
    let mut percentiles = Vec::new();
    for p in [50, 90, 95] {
        percentiles.push(match at(p).await {
            Some(sql) => Some(i64::try_from(number(pool, &sql).await).unwrap()),
            None => None,
        });
    }
    let mean = if n > 0 {
        Some(
            i64::try_from(
                number(pool, &format!("SELECT SUM(v) / COUNT(*) FROM ({intervals})")).await,
            )
            .unwrap(),
        )
    } else {
        None
    };
    Value::Time(reports::measures::Distribution {
        count: n,
        p50_ms: percentiles[0],
        p90_ms: percentiles[1],
        p95_ms: percentiles[2],
        mean_ms: mean,
    })
}

/// The measures of time, teams, clinicians and handoffs, by SQL.
async fn by_sql_over_time(pool: &SqlitePool) -> Vec<(&'static str, Value)> {
    let share = |part, of| Value::Share { part, of };
    let j = |field: &str| format!("json_extract(body, '$.{field}')");
    // Each team sent to a counted incident, with its first status of `status` after.
    let after_dispatch = |status: &str| {
        format!(
            "SELECT (SELECT s.at_ms FROM ev s WHERE s.incident = d.incident AND s.kind = 'team_status_changed'              AND json_extract(s.body, '$.team') = json_extract(d.body, '$.team') AND json_extract(s.body, '$.status') = '{status}'              AND s.seq > d.seq ORDER BY s.seq LIMIT 1) - d.at_ms AS v              FROM ev d JOIN counted c ON c.incident = d.incident WHERE d.kind = 'team_dispatched'"
        )
    };
    let to_scene = format!("SELECT v FROM ({}) WHERE v IS NOT NULL", after_dispatch("on_scene"));
    let to_en_route = format!("SELECT v FROM ({}) WHERE v IS NOT NULL", after_dispatch("en_route"));
    let n_scene = number(pool, &format!("SELECT COUNT(*) FROM ({to_scene})")).await;
    let within = |ms: i64| format!("SELECT COUNT(*) FROM ({to_scene}) WHERE v <= {ms}");
    // From the first on scene to the team's next status other than en route or on scene.
    let on_scene = "SELECT (SELECT n.at_ms FROM ev n WHERE n.incident = s.incident AND n.kind = 'team_status_changed'          AND json_extract(n.body, '$.team') = json_extract(s.body, '$.team') AND n.seq > s.seq          AND json_extract(n.body, '$.status') NOT IN ('en_route', 'on_scene') ORDER BY n.seq LIMIT 1) - s.at_ms AS v          FROM ev s JOIN counted c ON c.incident = s.incident WHERE s.kind = 'team_status_changed'          AND json_extract(s.body, '$.status') = 'on_scene' AND NOT EXISTS (SELECT 1 FROM ev e WHERE e.incident = s.incident          AND e.kind = 'team_status_changed' AND json_extract(e.body, '$.team') = json_extract(s.body, '$.team')          AND json_extract(e.body, '$.status') = 'on_scene' AND e.seq < s.seq)";
    let time_on_scene = format!("SELECT v FROM ({on_scene}) WHERE v IS NOT NULL");
    let sent = "SELECT incident FROM counted c WHERE EXISTS (SELECT 1 FROM ev e WHERE e.incident = c.incident AND e.kind = 'team_dispatched')";
    let n_sent = number(pool, &format!("SELECT COUNT(*) FROM ({sent})")).await;
    let latest_decision = "(SELECT json_extract(e.body, '$.outcome') FROM ev e WHERE e.incident = t.incident          AND e.kind IN ('triage_recorded', 'retriaged') ORDER BY e.seq DESC LIMIT 1)";
    let last_disposition = |set: &str| {
        format!(
            "(SELECT json_extract(e.body, '$.disposition') FROM ev e WHERE e.incident = {set}.incident AND e.kind = 'closed' ORDER BY e.seq DESC LIMIT 1)"
        )
    };
    let police = format!(
        "SELECT COUNT(*) FROM ({sent}) t WHERE {latest_decision} IN ('co_response', 'law_enforcement', 'law_enforcement_and_ems', 'emergency_handoff')"
    );
    let transported =
        format!("SELECT COUNT(*) FROM ({sent}) t WHERE {} = 'transported'", last_disposition("t"));
    // Embedded clinicians: the held incidents, from the first claim.
    let held = "SELECT c.incident, (SELECT MIN(e.at_ms) FROM ev e WHERE e.incident = c.incident AND e.kind = 'clinician_claimed') AS claimed          FROM counted c WHERE EXISTS (SELECT 1 FROM ev e WHERE e.incident = c.incident AND e.kind = 'clinician_claimed')";
    let n_held = number(pool, &format!("SELECT COUNT(*) FROM ({held})")).await;
    let time_held = format!(
        "SELECT (SELECT e.at_ms FROM ev e WHERE e.incident = h.incident AND e.kind = 'closed' ORDER BY e.seq DESC LIMIT 1) - h.claimed AS v          FROM ({held}) h WHERE EXISTS (SELECT 1 FROM ev e WHERE e.incident = h.incident AND e.kind = 'closed')"
    );
    let resolved = format!(
        "SELECT COUNT(*) FROM ({held}) h WHERE NOT EXISTS (SELECT 1 FROM ev e WHERE e.incident = h.incident          AND e.kind IN ('team_dispatched', 'transfer_accepted')) AND {} NOT IN ('handled_by_emergency_services', 'duplicate')",
        last_disposition("h")
    );
    // Imminent-risk handoffs.
    let started = "SELECT incident FROM counted c WHERE EXISTS (SELECT 1 FROM ev e WHERE e.incident = c.incident AND e.kind = 'emergency_handoff_started')";
    let n_started = number(pool, &format!("SELECT COUNT(*) FROM ({started})")).await;
    let confirmed = |condition: &str| {
        format!(
            "SELECT COUNT(*) FROM ({started}) s WHERE EXISTS (SELECT 1 FROM ev e WHERE e.incident = s.incident              AND e.kind = 'emergency_handoff_confirmed' AND {condition})"
        )
    };
    let to_acceptance = "SELECT (SELECT MIN(a.at_ms) FROM ev a WHERE a.incident = o.incident AND a.kind = 'transfer_accepted') - o.at_ms AS v          FROM ev o JOIN counted c ON c.incident = o.incident WHERE o.kind = 'opened'          AND EXISTS (SELECT 1 FROM ev h WHERE h.incident = o.incident AND h.kind = 'handed_off_from')          AND EXISTS (SELECT 1 FROM ev a WHERE a.incident = o.incident AND a.kind = 'transfer_accepted')";
    // Each accepted transfer of a 911 call whose first offer was a diversion: from that first
    // offer (the first after the transfer before it ended) to the acceptance.
    let ends = "('transfer_accepted', 'transfer_returned', 'transfer_withdrawn')";
    let first_offer = format!(
        "(SELECT o.seq FROM ev o WHERE o.incident = a.incident AND o.kind = 'transfer_offered' AND o.seq < a.seq          AND o.seq > COALESCE((SELECT MAX(x.seq) FROM ev x WHERE x.incident = a.incident AND x.kind IN {ends} AND x.seq < a.seq), 0)          ORDER BY o.seq LIMIT 1)"
    );
    let offer_to_accept = format!(
        "SELECT a.at_ms - f.at_ms AS v FROM ev a JOIN counted c ON c.incident = a.incident AND c.channel = '911'          JOIN ev f ON f.seq = {first_offer} WHERE a.kind = 'transfer_accepted' AND {} IN ('988', 'mobile_crisis')",
        j("destination").replace("body", "f.body")
    );
    vec![
        ("diversion.offer_to_accept", distribution(pool, &offer_to_accept).await),
        ("clinician.resolved_without_dispatch", share(number(pool, &resolved).await, n_held)),
        ("clinician.time_held", distribution(pool, &time_held).await),
        ("mobile.dispatch_to_en_route", distribution(pool, &to_en_route).await),
        ("mobile.on_scene_within_1h", share(number(pool, &within(3_600_000)).await, n_scene)),
        ("mobile.on_scene_within_2h", share(number(pool, &within(7_200_000)).await, n_scene)),
        ("mobile.dispatch_to_on_scene", distribution(pool, &to_scene).await),
        ("mobile.time_on_scene", distribution(pool, &time_on_scene).await),
        ("mobile.law_enforcement_involved", share(number(pool, &police).await, n_sent)),
        ("mobile.transported", share(number(pool, &transported).await, n_sent)),
        ("handoff.to_psap_acceptance", distribution(pool, to_acceptance).await),
        ("handoff.followed_up", share(number(pool, &confirmed("1")).await, n_started)),
        (
            "handoff.contact_made",
            share(
                number(pool, &confirmed("json_extract(e.body, '$.outcome') = 'contact_made'"))
                    .await,
                n_started,
            ),
        ),
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
        let mut expected = by_sql(&pool).await;
        expected.extend(by_sql_over_time(&pool).await);

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
            let zero = match value {
                Value::Count { count: 0 } | Value::Share { part: 0, .. } => true,
                Value::Time(d) => d.count == 0,
                _ => false,
            };
            assert!(
                !zero || *id == "contacts.other" && incidents < 1000,
                "seed {seed}: {id} is {value:?}"
            );
        }
    }
}
