//! The SQLite store against the shared conformance suite, plus what only a file can show:
//! data survives closing and reopening, and the log refuses edits.

use domain::event::Actor;
use domain::{AgencyId, Channel, Event, EventKind, IncidentId, Location, Text, Timestamp, UserId};
use store::{AuditLog, EventLog, StoreError};
use store_sql::SqliteStore;

async fn fresh() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("test.db")).await.unwrap();
    (store, dir)
}

store::conformance_suite!(fresh().await);

fn opened(id: IncidentId, agency: AgencyId) -> Event {
    Event {
        incident: id,
        at: Timestamp::from_millis(1_764_000_000_000),
        actor: Actor::User(UserId::new(Timestamp::from_millis(0))),
        agency,
        kind: EventKind::Opened {
            channel: Channel::Nine88,
            location: Location::Unknown,
            callback: None,
            summary: Text::parse("text contact", 100).unwrap(),
        },
    }
}

#[tokio::test]
async fn acknowledged_events_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("durable.db");
    let agency = AgencyId::new(Timestamp::from_millis(0));
    let mut ids = Vec::new();
    {
        let store = SqliteStore::open(&path).await.unwrap();
        for _ in 0..20 {
            let id = IncidentId::new(Timestamp::from_millis(1));
            store.append(vec![opened(id, agency)]).await.unwrap();
            ids.push(id);
        }
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.head().await.unwrap(), 20);
    for id in ids {
        assert!(store.incident(id).await.unwrap().is_some());
    }
    // Sequence numbers continue where they stopped.
    let id = IncidentId::new(Timestamp::from_millis(2));
    assert_eq!(store.append(vec![opened(id, agency)]).await.unwrap().events[0].seq, 21);
}

#[tokio::test]
async fn the_database_refuses_to_edit_or_delete_events() {
    let (store, dir) = fresh().await;
    let id = IncidentId::new(Timestamp::from_millis(1));
    store.append(vec![opened(id, AgencyId::new(Timestamp::from_millis(0)))]).await.unwrap();
    store.close().await;
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("test.db").display()))
            .await
            .unwrap();
    for sql in ["UPDATE events SET kind = 'closed'", "DELETE FROM events"] {
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[tokio::test]
async fn a_url_that_is_not_sqlite_is_refused_with_the_reason() {
    let err = SqliteStore::open_url("postgres://localhost/test").await.unwrap_err();
    assert!(
        matches!(err, StoreError::Database(ref m) if m.contains("invalid SQLite URL")),
        "{err}"
    );
}

#[tokio::test]
async fn the_audit_log_refuses_edits_and_an_edit_made_anyway_is_detected() {
    use store::audit::{self, AuditEntry};
    let (store, dir) = fresh().await;
    for n in 0..5 {
        store
            .audit(AuditEntry {
                at: Timestamp::from_millis(1_764_000_000_000 + n),
                user: None,
                agency: None,
                client: "127.0.0.1".into(),
                action: "GET /api/v1/incidents".into(),
                incident: None,
                outcome: 200,
            })
            .await
            .unwrap();
    }
    assert_eq!(audit::verify(&store).await.unwrap().broken, None);
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("test.db").display()))
            .await
            .unwrap();
    for sql in ["UPDATE audit_log SET outcome = 403", "DELETE FROM audit_log WHERE seq = 2"] {
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // Someone with the file drops the guard and rewrites a record: the chain shows where.
    sqlx::query("DROP TRIGGER audit_log_is_never_updated").execute(&pool).await.unwrap();
    sqlx::query("UPDATE audit_log SET client = '10.9.9.9' WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    let check = audit::verify(&store).await.unwrap();
    assert_eq!(check.records, 2);
    let (seq, why) = check.broken.unwrap();
    assert_eq!(seq, 3);
    assert!(why.contains("it was changed"), "{why}");
    // A deleted record is a gap.
    sqlx::query("DROP TRIGGER audit_log_is_never_deleted").execute(&pool).await.unwrap();
    sqlx::query("UPDATE audit_log SET client = '127.0.0.1' WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 4").execute(&pool).await.unwrap();
    let (seq, why) = audit::verify(&store).await.unwrap().broken.unwrap();
    assert_eq!(seq, 4);
    assert!(why.contains("missing"), "{why}");
}

fn audit_entry(n: i64) -> store::audit::AuditEntry {
    store::audit::AuditEntry {
        at: Timestamp::from_millis(1_764_000_000_000 + n),
        user: None,
        agency: None,
        client: "127.0.0.1".into(),
        action: "GET /api/v1/incidents".into(),
        incident: None,
        outcome: 200,
    }
}

/// Rewrites records `from..=to` as someone with the database but without the key would: each
/// hash recomputed with the plain chain after the record before.
async fn rechain(pool: &sqlx::SqlitePool, store: &SqliteStore, from: u64, to: u64) {
    use store::AuditLog;
    let records = store.audit_records(0, 10_000, None).await.unwrap();
    let mut previous = records
        .iter()
        .find(|r| r.seq == from - 1)
        .map_or(store::audit::GENESIS.to_owned(), |r| r.hash.clone());
    for record in records.iter().filter(|r| (from..=to).contains(&r.seq)) {
        let hash = store::audit::chain(&previous, record.seq, &record.entry);
        sqlx::query("UPDATE audit_log SET hash = ? WHERE seq = ?")
            .bind(&hash)
            .bind(i64::try_from(record.seq).unwrap())
            .execute(pool)
            .await
            .unwrap();
        previous = hash;
    }
}

/// A trail of two records from before the deployment had a key and eight sealed with one,
/// its key ring, a checkpoint of its head, and a pool on its file without the append-only
/// guards — as someone with the database file, but not the key, would have it.
async fn sealed_trail()
-> (SqliteStore, tempfile::TempDir, sqlx::SqlitePool, store::seal::KeyRing, store::seal::Checkpoint)
{
    use store::seal::{AuditKey, Checkpoint, KeyRing};
    let (store, dir) = fresh().await;
    for n in 0..2 {
        store.audit(audit_entry(n)).await.unwrap();
    }
    let key = AuditKey::new("2026-12", vec![42; 32]).unwrap();
    let mut ring = KeyRing::default();
    ring.push(key.clone()).unwrap();
    store.seal_with(Some(key.clone()));
    for n in 2..10 {
        store.audit(audit_entry(n)).await.unwrap();
    }
    let check = store::audit::verify_with(&store, &ring, None).await.unwrap();
    assert_eq!((check.records, check.sealed, check.broken), (10, 8, None));
    let checkpoint = Checkpoint::sign(&key, 10, &check.head, 0);
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("test.db").display()))
            .await
            .unwrap();
    sqlx::query("DROP TRIGGER audit_log_is_never_updated").execute(&pool).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_is_never_deleted").execute(&pool).await.unwrap();
    (store, dir, pool, ring, checkpoint)
}

#[tokio::test]
async fn a_sealed_trail_shows_edits_rewrites_and_truncation_against_a_checkpoint() {
    use store::audit::verify_with;
    let cases: [(&str, &[&str], u64, &str); 6] = [
        ("intact", &[], 0, ""),
        (
            "an edit, every later hash recomputed",
            &["UPDATE audit_log SET outcome = 404 WHERE seq = 6", "rechain 6 10"],
            6,
            "not sealed, though records before it are",
        ),
        (
            "an edit before the key, the unsealed records recomputed",
            &["UPDATE audit_log SET client = '10.6.6.6' WHERE seq = 1", "rechain 1 2"],
            3,
            "sealed hash does not match",
        ),
        (
            "the whole chain recomputed without the key",
            &["UPDATE audit_log SET client = '10.6.6.6' WHERE seq = 1", "rechain 1 10"],
            10,
            "the chain was rebuilt",
        ),
        (
            "the last records deleted",
            &["DELETE FROM audit_log WHERE seq > 7"],
            8,
            "missing from the end",
        ),
        (
            "the last records replaced",
            &["DELETE FROM audit_log WHERE seq > 7", "append 3"],
            8,
            "not sealed",
        ),
    ];
    for (case, steps, at, says) in cases {
        let (store, _dir, pool, ring, checkpoint) = sealed_trail().await;
        for step in steps {
            if let Some(range) = step.strip_prefix("rechain ") {
                let (from, to) = range.split_once(' ').unwrap();
                rechain(&pool, &store, from.parse().unwrap(), to.parse().unwrap()).await;
            } else if let Some(n) = step.strip_prefix("append ") {
                // Records written without the key, as a process without it would.
                store.seal_with(None);
                for i in 0..n.parse().unwrap() {
                    store.audit(audit_entry(100 + i)).await.unwrap();
                }
            } else {
                sqlx::query(sqlx::AssertSqlSafe(step.to_string())).execute(&pool).await.unwrap();
            }
        }
        let check = verify_with(&store, &ring, Some(&checkpoint)).await.unwrap();
        match check.broken {
            None => assert_eq!(at, 0, "{case}: not detected"),
            Some((seq, why)) => {
                assert_eq!(seq, at, "{case}: {why}");
                assert!(why.contains(says), "{case}: {why}");
            }
        }
    }
    // Without the key, sealed records cannot be vouched for.
    let (store, ..) = sealed_trail().await;
    let (seq, why) = store::audit::verify(&store).await.unwrap().broken.unwrap();
    assert_eq!(seq, 3);
    assert!(why.contains("key file given does not hold"), "{why}");
}

/// The database and its WAL hold crisis records: only their owner may read them.
#[cfg(unix)]
#[tokio::test]
async fn the_database_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store::Directory::put_setting(&store, "x", "y").await.unwrap();
    for file in ["private.db", "private.db-wal", "private.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} is {mode:o}");
    }
}

/// The event log's chain, tampered with as someone with the database file would: an edited
/// event, the chain recomputed without the key after it, a deleted event — each found, at the
/// event where it happened.
#[tokio::test]
async fn the_event_logs_chain_finds_edits_rewrites_and_deletions() {
    use store::log_chain::verify;
    use store::seal::{AuditKey, KeyRing};
    let cases: [(&str, u64, &str); 3] = [
        (
            "UPDATE events SET body = replace(body, 'text contact', 'edited') WHERE seq = 3",
            3,
            "does not match",
        ),
        ("rechain 3", 3, "not sealed, though events before it are"),
        ("DELETE FROM events WHERE seq = 4", 4, "missing"),
    ];
    for (step, at, says) in cases {
        let (store, dir) = fresh().await;
        let key = AuditKey::new("k1", vec![3; 32]).unwrap();
        let mut ring = KeyRing::default();
        ring.push(key.clone()).unwrap();
        store.seal_with(Some(key));
        let agency = AgencyId::new(Timestamp::from_millis(0));
        for n in 0..5 {
            store
                .append(vec![opened(IncidentId::new(Timestamp::from_millis(n)), agency)])
                .await
                .unwrap();
        }
        assert_eq!(verify(&store, &ring).await.unwrap().broken, None);
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            dir.path().join("test.db").display()
        ))
        .await
        .unwrap();
        // The append-only guards dropped, as someone with the file can.
        for guard in ["events_are_never_updated", "events_are_never_deleted"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {guard}")))
                .execute(&pool)
                .await
                .unwrap();
        }
        if let Some(from) = step.strip_prefix("rechain ") {
            // Recompute every hash from `from` on, as one without the key can: plain SHA-256.
            let from: u64 = from.parse().unwrap();
            let chained = store.chained_events(0, 100).await.unwrap();
            let mut previous = chained[usize::try_from(from).unwrap() - 2].1.clone().unwrap();
            sqlx::query(
                "UPDATE events SET body = replace(body, 'text contact', 'edited') WHERE seq = 3",
            )
            .execute(&pool)
            .await
            .unwrap();
            let edited = store.chained_events(0, 100).await.unwrap();
            for (r, _) in edited.iter().filter(|(r, _)| r.seq >= from) {
                let hash = store::log_chain::chain(
                    &store::seal::Sealer::default(),
                    &previous,
                    std::slice::from_ref(r),
                )
                .remove(0);
                sqlx::query("UPDATE events SET hash = ? WHERE seq = ?")
                    .bind(&hash)
                    .bind(i64::try_from(r.seq).unwrap())
                    .execute(&pool)
                    .await
                    .unwrap();
                previous = hash;
            }
        } else {
            sqlx::query(sqlx::AssertSqlSafe(step.to_owned())).execute(&pool).await.unwrap();
        }
        let (seq, why) = verify(&store, &ring).await.unwrap().broken.unwrap();
        assert_eq!(seq, at, "{step}: {why}");
        assert!(why.contains(says), "{step}: {why}");
    }
}

/// A database made before lists and searches had their index: opening it makes the index and
/// fills it from the incidents already there.
#[tokio::test]
async fn opening_an_older_database_indexes_its_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("older.db");
    let agency = AgencyId::new(Timestamp::from_millis(0));
    let mut ids = Vec::new();
    {
        let store = SqliteStore::open(&path).await.unwrap();
        for _ in 0..2_500 {
            let id = IncidentId::new(Timestamp::from_millis(1));
            store.append(vec![opened(id, agency)]).await.unwrap();
            ids.push(id);
        }
        store.close().await;
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    sqlx::raw_sql(
        "DROP TABLE incident_index; DROP TABLE incident_terms; DROP INDEX incidents_by_status; \
         DROP TABLE shift_note_reads; DROP TABLE shift_notes; DROP TABLE follow_up_queue; DROP TABLE facilities; \
         DROP TABLE place_tables; DROP TABLE received_eidos; \
         DELETE FROM schema_migrations WHERE version >= 12",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let store = SqliteStore::open(&path).await.unwrap();
    let search = store::IncidentSearch {
        words: vec!["contact".into()],
        ..store::IncidentSearch::of(agency, 3_000)
    };
    let mut found: Vec<IncidentId> =
        store.search(&search).await.unwrap().incidents.into_iter().map(|i| i.id).collect();
    found.sort_unstable();
    ids.sort_unstable();
    assert_eq!(found, ids, "every incident, across the backfill's pages");
}
