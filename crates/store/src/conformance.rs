//! The conformance suite: what every backend must do, written once against the traits.
//!
//! A backend runs it with [`conformance_suite!`](crate::conformance_suite), giving an
//! expression that makes a fresh, empty store and whatever must live as long as it (a
//! temporary directory, say):
//!
//! ```ignore
//! store::conformance_suite!(fresh_store().await);  // -> (store, guard)
//! ```

// This module is test code shipped as a library so every backend can run it: a panic here is
// a failed check, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
use std::sync::Arc;

use domain::event::Actor;
use domain::{
    Agency, AgencyId, AgencyKind, CallbackNumber, Channel, Disposition, Event, EventKind, GeoPoint,
    Incident, IncidentId, IncidentStatus, Location, Role, RouteBasis, RouteShare, RouteTier,
    TeamId, Text, Timestamp, TransitionError, UserId,
};

use crate::search::{Cursor, IncidentSearch};
use crate::{
    Area, IncidentFilter, NewProtocolVersion, NewUser, RecordedCall, RecordedEvent, ServiceArea,
    Session, Store, StoreError, Team,
};

/// Expands to one `#[tokio::test]` per conformance check. `$make` is an expression (it may
/// `.await`) that evaluates to `(store, guard)`: a fresh, empty store and a value kept alive
/// until the check ends.
#[macro_export]
macro_rules! conformance_suite {
    ($make:expr) => {
        $crate::conformance_suite!(@each $make;
            append_assigns_gap_free_sequence_numbers,
            refused_events_write_nothing,
            projection_matches_replay_of_the_log,
            listing_filters_by_agency_status_and_channel,
            search_pages_newest_first_without_gaps_or_repeats,
            search_filters_by_number_words_status_outcome_and_dates,
            search_shows_an_agency_only_what_it_may_read,
            follow_up_queue_is_each_agencys_own_due_first_and_survives_a_rebuild,
            facilities_are_put_by_code_and_keep_their_availability,
            events_after_shows_an_agency_only_its_incidents,
            subscribers_receive_committed_events_in_order,
            rebuild_restores_every_projection,
            concurrent_appends_to_one_incident_are_serialized,
            agencies_and_users_have_unique_names,
            five_failed_logins_lock_the_user,
            sessions_are_stored_touched_and_deleted,
            teams_and_areas_round_trip,
            service_areas_keep_tiers_and_are_replaced_per_area,
            place_tables_are_replaced_whole_and_move_the_routing_version,
            received_eidos_are_kept_verbatim_in_order,
            agencies_can_be_updated,
            settings_round_trip,
            protocol_versions_are_numbered_and_one_per_channel_is_active,
            import_keeps_sequence_numbers_and_is_all_or_nothing,
            users_and_settings_can_be_listed,
            team_changes_are_checked_logged_and_published,
            gps_fixes_move_the_team_forward_only_and_are_kept,
            concurrent_team_changes_serialize,
            external_incidents_are_linked_once_and_listed,
            a_team_is_sent_with_its_incident_event_or_not_at_all,
            audit_records_are_chained_gap_free_and_verifiable,
            the_event_log_is_chained_and_sealed_once_a_key_is_set,
            a_requests_audit_record_commits_with_its_appends_only,
            call_steps_are_recorded_once_and_listed_in_time_order,
            shift_notes_are_listed_newest_first_and_acknowledged_once,
            concurrent_ends_of_one_call_record_one
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (store, guard) = $make;
                $crate::conformance::$name(std::sync::Arc::new(store)).await;
                drop(guard);
            }
        )*
    };
}

const T0: i64 = 1_764_000_000_000;

fn at(offset_ms: i64) -> Timestamp {
    Timestamp::from_millis(T0 + offset_ms)
}

fn text(s: &str) -> Text {
    Text::parse(s, 500).unwrap()
}

async fn agency<S: Store>(store: &S, code: &str, kind: AgencyKind) -> AgencyId {
    let id = AgencyId::new(at(0));
    let agency = Agency {
        id,
        code: code.into(),
        name: format!("Agency {code}"),
        kind,
        time_zone: "America/Chicago".into(),
        uri: None,
    };
    store.put_agency(&agency).await.unwrap();
    id
}

fn event(incident: IncidentId, agency: AgencyId, offset_ms: i64, kind: EventKind) -> Event {
    Event {
        incident,
        at: at(offset_ms),
        actor: Actor::User(UserId::from_uuid(uuid::Uuid::from_u128(7))),
        agency,
        kind,
    }
}

fn opened(incident: IncidentId, agency: AgencyId, channel: Channel) -> Event {
    event(
        incident,
        agency,
        0,
        EventKind::Opened {
            channel,
            location: Location::circle(GeoPoint::parse(38.9717, -95.2353).unwrap(), 25.0).unwrap(),
            callback: Some(CallbackNumber::parse("785-555-0100").unwrap()),
            summary: text("neighbour reports a man shouting on the roof"),
        },
    )
}

fn note(incident: IncidentId, agency: AgencyId, offset_ms: i64, s: &str) -> Event {
    event(
        incident,
        agency,
        offset_ms,
        EventKind::NoteAdded { text: text(s), audience: domain::NoteAudience::Involved },
    )
}

async fn open_incident<S: Store>(store: &S, agency: AgencyId, channel: Channel) -> IncidentId {
    let id = IncidentId::new(at(0));
    store.append(vec![opened(id, agency, channel)]).await.unwrap();
    id
}

pub async fn append_assigns_gap_free_sequence_numbers<S: Store>(store: Arc<S>) {
    assert_eq!(store.head().await.unwrap(), 0);
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let a = IncidentId::new(at(0));
    let recorded = store
        .append(vec![
            opened(a, psap, Channel::Nine11),
            note(a, psap, 1, "one"),
            note(a, psap, 2, "two"),
        ])
        .await
        .unwrap();
    assert_eq!(recorded.incident.as_ref().map(|i| i.version), Some(3));
    assert_eq!(recorded.incident, store.incident(a).await.unwrap());
    let recorded = recorded.events;
    assert_eq!(recorded.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(recorded[2].event, note(a, psap, 2, "two"));
    assert_eq!(recorded[0].involved, [psap]);
    let b = open_incident(&*store, psap, Channel::Nine88).await;
    let more = store.append(vec![note(b, psap, 3, "three")]).await.unwrap().events;
    assert_eq!(more[0].seq, 5);
    assert_eq!(store.head().await.unwrap(), 5);
    let all = store.events_after(0, None, 100).await.unwrap();
    assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(store.events_after(3, None, 1).await.unwrap()[0].seq, 4);
}

pub async fn refused_events_write_nothing<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let ghost = IncidentId::new(at(0));
    let err = store.append(vec![note(ghost, psap, 1, "x")]).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Rejected(TransitionError::NotOpened("note_added"))),
        "{err:?}"
    );

    let twice = IncidentId::new(at(0));
    let err = store
        .append(vec![opened(twice, psap, Channel::Nine11), opened(twice, psap, Channel::Nine11)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Rejected(TransitionError::AlreadyOpened)), "{err:?}");
    assert_eq!(store.incident(twice).await.unwrap(), None);

    let id = open_incident(&*store, psap, Channel::Nine11).await;
    let closed = event(
        id,
        psap,
        5,
        EventKind::Closed { disposition: Disposition::Referred, remark: text("done") },
    );
    let err = store
        .append(vec![note(id, psap, 1, "kept?"), closed.clone(), note(id, psap, 6, "after")])
        .await;
    assert!(matches!(err, Err(StoreError::Rejected(TransitionError::IncidentClosed))), "{err:?}");
    assert_eq!(store.head().await.unwrap(), 1, "a refused batch must write none of its events");
    assert_eq!(store.incident(id).await.unwrap().unwrap().version, 1);
    assert_eq!(store.incident_events(id).await.unwrap().len(), 1);
    let nothing = store.append(vec![]).await.unwrap();
    assert!(nothing.events.is_empty() && nothing.incident.is_none());
}

pub async fn projection_matches_replay_of_the_log<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let center = agency(&*store, "center", AgencyKind::CrisisCenter).await;
    let backup = agency(&*store, "backup", AgencyKind::CrisisCenter).await;
    let id = open_incident(&*store, psap, Channel::Nine11).await;
    let polygon = Location::Polygon(
        domain::Polygon::parse(vec![
            GeoPoint::parse(38.9, -95.3).unwrap(),
            GeoPoint::parse(38.9, -95.2).unwrap(),
            GeoPoint::parse(39.0, -95.2).unwrap(),
        ])
        .unwrap(),
    );
    for e in [
        event(id, psap, 1, EventKind::Located { location: polygon }),
        event(
            id,
            psap,
            2,
            EventKind::Routed(domain::Route {
                service: "urn:service:counseling.suicide".into(),
                tiers: vec![
                    RouteTier { agency: center, answer_within_s: 45 },
                    RouteTier { agency: backup, answer_within_s: 60 },
                ],
                basis: RouteBasis::Location,
                candidates: vec![
                    RouteShare { agency: center, share_permille: 610 },
                    RouteShare { agency: backup, share_permille: 390 },
                ],
                outside_permille: 0,
                by_area_code: Some(backup),
                rule: text("straddles counties 20045 and 20087"),
            }),
        ),
        event(
            id,
            psap,
            2,
            EventKind::Routed(domain::Route {
                service: "urn:service:sos".into(),
                tiers: Vec::new(),
                basis: RouteBasis::NoCoverage,
                candidates: Vec::new(),
                outside_permille: 1000,
                by_area_code: None,
                rule: text("no area and no default"),
            }),
        ),
        event(
            id,
            psap,
            3,
            EventKind::TriageRecorded {
                outcome: domain::TriageOutcome::Divert988,
                protocol: "ks-911".into(),
                protocol_version: 2,
                rule: "no-safety-concern".into(),
                answers: vec![("weapon".into(), "no".into())],
            },
        ),
        event(
            id,
            psap,
            4,
            EventKind::TransferOffered {
                to: center,
                reason: text("divert"),
                deadline: at(60_004),
                service: None,
                then: Vec::new(),
                destination: domain::Destination::Crisis988,
                until_taken: false,
            },
        ),
        event(id, center, 5, EventKind::TransferAccepted),
        note(id, center, 6, "counselor on the line"),
        event(
            id,
            center,
            7,
            EventKind::TeamDispatched { team: TeamId::new(at(0)), provider: center },
        ),
    ] {
        store.append(vec![e]).await.unwrap();
    }
    let events: Vec<Event> =
        store.incident_events(id).await.unwrap().into_iter().map(|r| r.event).collect();
    let replayed = Incident::replay(&events).unwrap().unwrap();
    let projected = store.incident(id).await.unwrap().unwrap();
    assert_eq!(projected, replayed);
    assert_eq!(projected.holder, center);
    assert_eq!(projected.version, 9);
    assert_eq!(projected.routes.len(), 2);
    assert_eq!(projected.routes[0].next_after(center).map(|t| t.agency), Some(backup));
}

pub async fn listing_filters_by_agency_status_and_channel<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "a", AgencyKind::Psap).await;
    let b = agency(&*store, "b", AgencyKind::CrisisCenter).await;
    let x = open_incident(&*store, a, Channel::Nine11).await;
    let y = open_incident(&*store, b, Channel::Nine88).await;
    let z = open_incident(&*store, a, Channel::Nine11).await;
    store
        .append(vec![event(
            z,
            a,
            10,
            EventKind::Closed { disposition: Disposition::Duplicate, remark: text("dup") },
        )])
        .await
        .unwrap();
    store.append(vec![note(x, a, 20, "latest")]).await.unwrap();

    let ids = |v: Vec<Incident>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
    let open = IncidentFilter { limit: 10, ..Default::default() };
    assert_eq!(
        ids(store.incidents(&open).await.unwrap()),
        [x, y],
        "newest update first, closed left out"
    );
    let of_a = IncidentFilter { involving: Some(a), ..open.clone() };
    assert_eq!(ids(store.incidents(&of_a).await.unwrap()), [x]);
    let closed = IncidentFilter { statuses: vec![IncidentStatus::Closed], ..open.clone() };
    assert_eq!(ids(store.incidents(&closed).await.unwrap()), [z]);
    let nine88 = IncidentFilter { channel: Some(Channel::Nine88), ..open.clone() };
    assert_eq!(ids(store.incidents(&nine88).await.unwrap()), [y]);
    let one = IncidentFilter { limit: 1, ..open };
    assert_eq!(store.incidents(&one).await.unwrap().len(), 1);
}

/// An incident opened `offset_ms` after the start with `summary` and `number`.
async fn open_with<S: Store>(
    store: &S,
    agency: AgencyId,
    offset_ms: i64,
    summary: &str,
    number: &str,
) -> IncidentId {
    let id = IncidentId::new(at(offset_ms));
    let mut opened = opened(id, agency, Channel::Nine88);
    opened.at = at(offset_ms);
    if let EventKind::Opened { summary: s, callback, .. } = &mut opened.kind {
        *s = text(summary);
        *callback = Some(CallbackNumber::parse(number).unwrap());
    }
    store.append(vec![opened]).await.unwrap();
    id
}

async fn found<S: Store>(store: &S, search: &IncidentSearch) -> Vec<IncidentId> {
    store.search(search).await.unwrap().incidents.into_iter().map(|i| i.id).collect()
}

pub async fn search_pages_newest_first_without_gaps_or_repeats<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "a", AgencyKind::CrisisCenter).await;
    let b = agency(&*store, "b", AgencyKind::CrisisCenter).await;
    let mut expected = Vec::new();
    for n in 0..23_i64 {
        // Pairs opened in the same millisecond: the id orders them.
        let id = open_with(&*store, a, (n / 2) * 1000, "caller", "785-555-0100").await;
        expected.push((at((n / 2) * 1000), id));
        if n % 5 == 0 {
            let _ = open_with(&*store, b, n * 1000, "caller", "785-555-0100").await;
        }
    }
    expected.sort_by(|x, y| y.cmp(x));
    let expected: Vec<IncidentId> = expected.into_iter().map(|(_, id)| id).collect();
    let mut search = IncidentSearch::of(a, 7);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.search(&search).await.unwrap();
        pages += 1;
        assert!(page.incidents.len() <= 7);
        seen.extend(page.incidents.iter().map(|i| i.id));
        match page.next {
            Some(next) => search.after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 4, "23 incidents in pages of 7");
    assert_eq!(seen, expected, "newest opened first, every one once, only agency a's");
    // A page that ends exactly at the last incident says there is no next one.
    let exact = store.search(&IncidentSearch::of(a, 23)).await.unwrap();
    assert_eq!((exact.incidents.len(), exact.next), (23, None));
    let past = IncidentSearch {
        after: Some(Cursor { opened_at: at(-1), incident: expected[0] }),
        ..IncidentSearch::of(a, 7)
    };
    assert!(found(&*store, &past).await.is_empty());
}

pub async fn search_filters_by_number_words_status_outcome_and_dates<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "a", AgencyKind::CrisisCenter).await;
    let roof = open_with(&*store, a, 1_000, "Man shouting on the ROOF", "785-555-0100").await;
    let bridge = open_with(&*store, a, 2_000, "woman on the bridge", "785-555-0199").await;
    let river = open_with(&*store, a, 3_000, "caller near a river", "785-555-0100").await;
    store.append(vec![note(bridge, a, 2_500, "Talked down; agreed to a follow-up")]).await.unwrap();
    store
        .append(vec![event(
            roof,
            a,
            4_000,
            EventKind::Closed { disposition: Disposition::Transported, remark: text("to CSU") },
        )])
        .await
        .unwrap();
    let all = IncidentSearch::of(a, 50);
    let words = |w: &[&str]| IncidentSearch {
        words: w.iter().map(|s| (*s).to_owned()).collect(),
        ..all.clone()
    };
    assert_eq!(found(&*store, &all).await, [river, bridge, roof]);
    assert_eq!(found(&*store, &words(&["roof"])).await, [roof], "case-insensitive");
    assert_eq!(found(&*store, &words(&["the"])).await, [bridge, roof]);
    assert_eq!(found(&*store, &words(&["the", "bridge"])).await, [bridge], "every word");
    assert_eq!(found(&*store, &words(&["talked", "follow"])).await, [bridge], "notes");
    assert!(found(&*store, &words(&["roof", "bridge"])).await.is_empty());
    assert!(found(&*store, &words(&["csu"])).await.is_empty(), "the close remark is not text");
    let number = CallbackNumber::parse("(785) 555-0100").unwrap();
    let by_number = IncidentSearch { callback: Some(number), ..all.clone() };
    assert_eq!(found(&*store, &by_number).await, [river, roof]);
    let closed = IncidentSearch { statuses: vec![IncidentStatus::Closed], ..all.clone() };
    assert_eq!(found(&*store, &closed).await, [roof]);
    let open = IncidentSearch { statuses: vec![IncidentStatus::Open], ..all.clone() };
    assert_eq!(found(&*store, &open).await, [river, bridge]);
    // By status and channel, a page at a time.
    let first = IncidentSearch { channel: Some(Channel::Nine88), limit: 1, ..open.clone() };
    let page = store.search(&first).await.unwrap();
    assert_eq!(page.incidents.iter().map(|i| i.id).collect::<Vec<_>>(), [river]);
    let rest = IncidentSearch { after: page.next, ..first.clone() };
    let page = store.search(&rest).await.unwrap();
    assert_eq!(
        (page.incidents.iter().map(|i| i.id).collect::<Vec<_>>(), page.next),
        (vec![bridge], None)
    );
    let both = IncidentSearch {
        statuses: vec![IncidentStatus::Open, IncidentStatus::Closed],
        from: Some(at(1_500)),
        ..all.clone()
    };
    assert_eq!(found(&*store, &both).await, [river, bridge], "merged, from the date on");
    let transported = IncidentSearch { disposition: Some(Disposition::Transported), ..all.clone() };
    assert_eq!(found(&*store, &transported).await, [roof]);
    let referred = IncidentSearch { disposition: Some(Disposition::Referred), ..all.clone() };
    assert!(found(&*store, &referred).await.is_empty());
    let dates = IncidentSearch { from: Some(at(2_000)), to: Some(at(3_000)), ..all.clone() };
    assert_eq!(found(&*store, &dates).await, [bridge], "from inclusive, to exclusive");
    let by_id = IncidentSearch { id: Some(bridge), ..all.clone() };
    assert_eq!(found(&*store, &by_id).await, [bridge]);
    let mixed = IncidentSearch {
        callback: Some(CallbackNumber::parse("785-555-0100").unwrap()),
        ..words(&["caller"])
    };
    assert_eq!(found(&*store, &mixed).await, [river]);
    let nine11 = IncidentSearch { channel: Some(Channel::Nine11), ..all.clone() };
    assert!(found(&*store, &nine11).await.is_empty());
    // The index is a projection: a rebuild writes it again the same.
    store.rebuild_projections().await.unwrap();
    assert_eq!(found(&*store, &words(&["talked", "follow"])).await, [bridge]);
    assert_eq!(found(&*store, &transported).await, [roof]);
}

pub async fn search_shows_an_agency_only_what_it_may_read<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let center = agency(&*store, "center", AgencyKind::CrisisCenter).await;
    let id = open_with(&*store, psap, 1_000, "man on the roof", "785-555-0100").await;
    let private = event(
        id,
        psap,
        1_500,
        EventKind::NoteAdded {
            text: text("private sergeant detail"),
            audience: domain::NoteAudience::Agency,
        },
    );
    store.append(vec![private, note(id, psap, 1_600, "shared ladder detail")]).await.unwrap();
    let offer = event(
        id,
        psap,
        2_000,
        EventKind::TransferOffered {
            to: center,
            reason: text("divert"),
            deadline: at(60_000),
            service: None,
            then: Vec::new(),
            destination: domain::Destination::Crisis988,
            until_taken: false,
        },
    );
    store.append(vec![offer]).await.unwrap();
    let words = |agency, w: &str| IncidentSearch {
        words: vec![w.to_owned()],
        ..IncidentSearch::of(agency, 10)
    };
    assert_eq!(found(&*store, &words(center, "roof")).await, [id]);
    assert_eq!(
        found(&*store, &words(center, "ladder")).await,
        [id],
        "a note for everyone involved"
    );
    assert!(
        found(&*store, &words(center, "sergeant")).await.is_empty(),
        "another agency's private note"
    );
    assert_eq!(found(&*store, &words(psap, "sergeant")).await, [id], "its own private note");
    // The center declines: what is written or decided afterwards does not reach its searches.
    store
        .append(vec![event(
            id,
            center,
            3_000,
            EventKind::TransferDeclined { reason: text("busy") },
        )])
        .await
        .unwrap();
    store
        .append(vec![
            event(id, psap, 3_100, EventKind::TransferReturned { reason: text("declined") }),
            event(id, psap, 3_200, EventKind::AlarmResolved { action: text("kept it") }),
        ])
        .await
        .unwrap();
    store.append(vec![note(id, psap, 4_000, "later kitchen detail")]).await.unwrap();
    store
        .append(vec![event(
            id,
            psap,
            5_000,
            EventKind::Closed { disposition: Disposition::Transported, remark: text("done") },
        )])
        .await
        .unwrap();
    assert!(found(&*store, &words(center, "kitchen")).await.is_empty());
    assert_eq!(found(&*store, &words(psap, "kitchen")).await, [id]);
    let outcome = |agency| IncidentSearch {
        disposition: Some(Disposition::Transported),
        ..IncidentSearch::of(agency, 10)
    };
    assert!(found(&*store, &outcome(center)).await.is_empty());
    assert_eq!(found(&*store, &outcome(psap)).await, [id]);
    assert_eq!(found(&*store, &words(center, "roof")).await, [id], "the summary stays findable");
}

pub async fn follow_up_queue_is_each_agencys_own_due_first_and_survives_a_rebuild<S: Store>(
    store: Arc<S>,
) {
    use domain::incident::{AttemptResult, FollowUpOutcome, FollowUpPlan};
    let center = agency(&*store, "center", AgencyKind::CrisisCenter).await;
    let other = agency(&*store, "other", AgencyKind::CrisisCenter).await;
    let schedule = |id, agency, number, due_ms| {
        event(
            id,
            agency,
            2_000,
            EventKind::FollowUpScheduled(FollowUpPlan {
                number,
                due: at(due_ms),
                rule: None,
                reason: text("call back"),
                without_consent: false,
                attempts_allowed: 2,
                retry_minutes: 60,
            }),
        )
    };
    let mut ids = Vec::new();
    for (n, due_ms) in [(0, 90_000), (1, 30_000), (2, 60_000)] {
        let id = open_with(&*store, center, 100 + n, "caller", "785-555-0100").await;
        store
            .append(vec![
                event(id, center, 1_000, EventKind::FollowUpConsentRecorded { given: true }),
                event(
                    id,
                    center,
                    1_500,
                    EventKind::Closed {
                        disposition: Disposition::ResolvedByPhone,
                        remark: text("plan"),
                    },
                ),
                schedule(id, center, 1, due_ms),
            ])
            .await
            .unwrap();
        ids.push(id);
    }
    let _not_mine = open_with(&*store, other, 500, "caller", "785-555-0101").await;
    let queue = |agency| {
        let store = Arc::clone(&store);
        async move { store.follow_up_queue(agency, at(61_000), 10).await.unwrap() }
    };
    let ids_of = |q: &crate::FollowUpQueue| q.incidents.iter().map(|i| i.id).collect::<Vec<_>>();
    let mine = queue(center).await;
    assert_eq!(ids_of(&mine), [ids[1], ids[2], ids[0]], "soonest due first");
    assert_eq!((mine.total, mine.overdue), (3, 2));
    assert_eq!(queue(other).await.total, 0, "another agency's follow-ups are not in its queue");
    let first = store.follow_up_queue(center, at(61_000), 1).await.unwrap();
    assert_eq!((ids_of(&first), first.total), (vec![ids[1]], 3));

    // A missed attempt moves it to the back; a finished one leaves the queue.
    let attempt = EventKind::FollowUpAttempted {
        number: 1,
        result: AttemptResult::NoAnswer,
        note: text("rang out"),
        next_due: Some(at(120_000)),
    };
    store.append(vec![event(ids[1], center, 3_000, attempt)]).await.unwrap();
    let finish = EventKind::FollowUpFinished {
        number: 1,
        outcome: FollowUpOutcome::ReachedAndWell,
        detail: text("doing better"),
        reopened_as: None,
    };
    store.append(vec![event(ids[2], center, 3_000, finish)]).await.unwrap();
    let after = queue(center).await;
    assert_eq!(ids_of(&after), [ids[0], ids[1]]);
    assert_eq!((after.total, after.overdue), (2, 0));

    store.rebuild_projections().await.unwrap();
    assert_eq!(queue(center).await, after, "a rebuild keeps every due time");
}

pub async fn facilities_are_put_by_code_and_keep_their_availability<S: Store>(store: Arc<S>) {
    use domain::facility::{Accepts, Availability, Facility, FacilityKind, FacilityStatus};
    let operator = agency(&*store, "trc", AgencyKind::CrisisFacility).await;
    let facility = |code: &str, name: &str, beds| Facility {
        id: uuid::Uuid::now_v7(),
        agency: operator,
        code: code.into(),
        name: name.into(),
        kind: FacilityKind::CrisisStabilization,
        address: "1000 W 2nd St, Lawrence, KS".into(),
        location: domain::GeoPoint::parse(38.9687, -95.2447).unwrap(),
        hours: "24/7".into(),
        always_open: true,
        accepts: Accepts {
            ages: vec![domain::AgeBand::Adult],
            involuntary: true,
            ..Accepts::default()
        },
        availability: Availability {
            status: FacilityStatus::Accepting,
            beds_free: Some(beds),
            chairs_free: None,
            updated_at: at(0),
            updated_by: None,
        },
    };
    let first = facility("trc", "Treatment and Recovery Center", 4);
    store.put_facilities(&[first.clone(), facility("ed", "Emergency", 9)], true).await.unwrap();
    let listed = store.facilities().await.unwrap();
    assert_eq!(
        listed.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
        ["ed", "trc"],
        "by name"
    );
    assert_eq!(store.facility(first.id).await.unwrap(), Some(first.clone()));

    let report = Availability {
        status: FacilityStatus::Diversion,
        beds_free: Some(0),
        chairs_free: Some(1),
        updated_at: at(5_000),
        updated_by: Some(UserId::new(at(0))),
    };
    let updated = store.set_availability(first.id, &report).await.unwrap().unwrap();
    assert_eq!(updated.availability, report);
    assert_eq!(store.set_availability(uuid::Uuid::now_v7(), &report).await.unwrap(), None);

    // An import again: same code, new details, same id; the reported availability stays.
    let renamed = Facility { name: "TRC of Douglas County".into(), ..facility("trc", "", 8) };
    store.put_facilities(&[renamed], false).await.unwrap();
    let again = store.facility(first.id).await.unwrap().unwrap();
    assert_eq!((again.name.as_str(), &again.availability), ("TRC of Douglas County", &report));
    assert_eq!(store.facilities().await.unwrap().len(), 2);
}

pub async fn shift_notes_are_listed_newest_first_and_acknowledged_once<S: Store>(store: Arc<S>) {
    use crate::{Acknowledged, ShiftNote, ShiftNoteRead};
    let a = agency(&*store, "a", AgencyKind::Psap).await;
    let b = agency(&*store, "b", AgencyKind::CrisisCenter).await;
    let author = UserId::new(at(0));
    let note = |agency, offset, text: &str| ShiftNote {
        id: uuid::Uuid::now_v7(),
        agency,
        author,
        author_name: "Night supervisor".into(),
        at: at(offset),
        text: Text::parse(text, crate::SHIFT_NOTE_MAX).unwrap(),
        read_by: Vec::new(),
    };
    let first = note(a, 1_000, "K-10 bridge closed eastbound");
    let second = note(a, 2_000, "backup center short two counselors");
    let other = note(b, 3_000, "not a's");
    for n in [&first, &second, &other] {
        store.add_shift_note(n).await.unwrap();
    }
    let listed = store.shift_notes(a, None, 10).await.unwrap();
    assert_eq!(listed.iter().map(|n| n.id).collect::<Vec<_>>(), [second.id, first.id]);
    assert_eq!(listed[1], first, "stored as written");
    let older = store.shift_notes(a, Some(at(2_000)), 10).await.unwrap();
    assert_eq!(older.iter().map(|n| n.id).collect::<Vec<_>>(), [first.id], "paged by time");

    let reader =
        ShiftNoteRead { user: UserId::new(at(0)), name: "Day call-taker".into(), at: at(5_000) };
    assert_eq!(
        store.acknowledge_shift_note(a, first.id, &reader).await.unwrap(),
        Acknowledged::Now
    );
    let again = ShiftNoteRead { at: at(6_000), ..reader.clone() };
    assert_eq!(
        store.acknowledge_shift_note(a, first.id, &again).await.unwrap(),
        Acknowledged::Already
    );
    assert_eq!(
        store.acknowledge_shift_note(b, first.id, &reader).await.unwrap(),
        Acknowledged::NoSuchNote,
        "another agency's note is not there for it"
    );
    let listed = store.shift_notes(a, None, 10).await.unwrap();
    assert_eq!(listed[1].read_by, [reader], "read once, at the first acknowledgement");
    assert!(listed[0].read_by.is_empty());
    assert_eq!(store.all_shift_notes().await.unwrap().len(), 3);
}

pub async fn events_after_shows_an_agency_only_its_incidents<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "a", AgencyKind::Psap).await;
    let b = agency(&*store, "b", AgencyKind::CrisisCenter).await;
    let x = open_incident(&*store, a, Channel::Nine11).await;
    let y = open_incident(&*store, b, Channel::Nine88).await;
    let seen_by = |agency| {
        let store = store.clone();
        async move {
            store
                .events_after(0, Some(agency), 100)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.event.incident)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(seen_by(a).await, [x]);
    assert_eq!(seen_by(b).await, [y]);
    // Once b is offered x, b sees x's whole history, not only what follows.
    let offer = event(
        x,
        a,
        5,
        EventKind::TransferOffered {
            to: b,
            reason: text("divert"),
            deadline: at(60_000),
            service: None,
            then: Vec::new(),
            destination: domain::Destination::Crisis988,
            until_taken: false,
        },
    );
    let recorded = store.append(vec![offer]).await.unwrap().events;
    assert_eq!(
        recorded[0].involved,
        [a, b]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    assert_eq!(seen_by(b).await, [x, y, x]);
}

pub async fn subscribers_receive_committed_events_in_order<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let mut rx = store.subscribe();
    let id = open_incident(&*store, psap, Channel::Nine11).await;
    store.append(vec![note(id, psap, 1, "a"), note(id, psap, 2, "b")]).await.unwrap();
    let _ = store.append(vec![note(IncidentId::new(at(0)), psap, 3, "refused")]).await;
    let mut got: Vec<RecordedEvent> = Vec::new();
    for _ in 0..3 {
        got.push(rx.recv().await.unwrap());
    }
    assert_eq!(got.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(rx.try_recv().is_err(), "a refused append must publish nothing");
}

pub async fn rebuild_restores_every_projection<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = open_incident(&*store, psap, Channel::Nine11).await;
        store.append(vec![note(id, psap, n + 1, "note")]).await.unwrap();
        ids.push(id);
    }
    let mut before = Vec::new();
    for id in &ids {
        before.push(store.incident(*id).await.unwrap());
    }
    assert_eq!(store.head().await.unwrap(), 10);
    let report = store.rebuild_projections().await.unwrap();
    assert_eq!((report.events, report.incidents), (10, 5));
    for (id, want) in ids.iter().zip(before) {
        assert_eq!(store.incident(*id).await.unwrap(), want);
    }
    let all = IncidentFilter { involving: Some(psap), limit: 100, ..Default::default() };
    assert_eq!(store.incidents(&all).await.unwrap().len(), 5);
}

pub async fn concurrent_appends_to_one_incident_are_serialized<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let id = open_incident(&*store, psap, Channel::Nine11).await;
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(
                async move { store.append(vec![note(id, psap, n + 1, "concurrent")]).await },
            )
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let incident = store.incident(id).await.unwrap().unwrap();
    assert_eq!(incident.version, 41);
    assert_eq!(incident.notes.len(), 40);
    let seqs: Vec<_> = store.incident_events(id).await.unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=41).collect::<Vec<_>>());
}

fn new_user(agency: AgencyId, username: &str) -> NewUser {
    NewUser {
        id: UserId::new(at(0)),
        username: username.into(),
        display_name: "Dana Reyes".into(),
        agency,
        role: Role::CallTaker,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
    }
}

pub async fn agencies_and_users_have_unique_names<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "psap-20045", AgencyKind::Psap).await;
    let again = Agency {
        id: AgencyId::new(at(0)),
        code: "psap-20045".into(),
        name: "x".into(),
        kind: AgencyKind::Ems,
        time_zone: "UTC".into(),
        uri: None,
    };
    assert!(matches!(store.put_agency(&again).await, Err(StoreError::Duplicate { .. })));
    let stored = store.agency(a).await.unwrap().unwrap();
    assert_eq!(stored.kind, AgencyKind::Psap);
    assert_eq!(store.agency_by_code("psap-20045").await.unwrap(), Some(stored));
    assert_eq!(store.agencies().await.unwrap().len(), 1);

    let user = store.put_user(&new_user(a, "dana")).await.unwrap();
    assert_eq!(user.login, Default::default());
    assert!(matches!(
        store.put_user(&new_user(a, "dana")).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert_eq!(store.user_by_username("dana").await.unwrap(), Some(user.clone()));
    assert_eq!(store.user(user.id).await.unwrap(), Some(user));
    assert_eq!(store.user_by_username("nobody").await.unwrap(), None);
}

pub async fn five_failed_logins_lock_the_user<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "psap", AgencyKind::Psap).await;
    let user = store.put_user(&new_user(a, "dana")).await.unwrap();
    for n in 1..5 {
        assert!(store.reserve_login_attempt(user.id, at(n), 5, 600_000).await.unwrap());
        let state = store.record_login_failure(user.id, at(n), 5, 600_000).await.unwrap();
        assert_eq!((state.failed_attempts, state.locked_until), (n as u32, None));
    }
    assert!(store.reserve_login_attempt(user.id, at(5), 5, 600_000).await.unwrap());
    let state = store.record_login_failure(user.id, at(5), 5, 600_000).await.unwrap();
    assert_eq!(state.locked_until, Some(at(600_005)));
    assert_eq!(store.user(user.id).await.unwrap().unwrap().login.locked_until, Some(at(600_005)));
    assert!(
        !store.reserve_login_attempt(user.id, at(6), 5, 600_000).await.unwrap(),
        "locked: no attempt"
    );
    assert!(!store.record_login_success(user.id, at(6)).await.unwrap(), "locked: no success");
    assert!(
        store.reserve_login_attempt(user.id, at(600_005), 5, 600_000).await.unwrap(),
        "the lock ends"
    );
    assert!(store.record_login_success(user.id, at(600_005)).await.unwrap());
    assert_eq!(store.user(user.id).await.unwrap().unwrap().login, Default::default());

    // Parallel attempts cannot outrun the count: at most five are ever checked.
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store.reserve_login_attempt(user.id, at(700_000), 5, 600_000).await.unwrap()
            })
        })
        .collect();
    let mut reserved = 0;
    for attempt in attempts {
        reserved += u32::from(attempt.await.unwrap());
    }
    assert_eq!(reserved, 5);

    // Those five never reported back (as when their clients hang up): the first attempt after
    // them found a full count with no lock and locked the account for the lock's time — not
    // for ever.
    assert!(!store.reserve_login_attempt(user.id, at(700_001), 5, 600_000).await.unwrap());
    let login = store.user(user.id).await.unwrap().unwrap().login;
    assert_eq!((login.failed_attempts, login.locked_until), (0, Some(at(1_300_000))));
    assert!(!store.reserve_login_attempt(user.id, at(1_299_999), 5, 600_000).await.unwrap());
    let ends = store.reserve_login_attempt(user.id, at(1_300_000), 5, 600_000).await.unwrap();
    assert!(ends, "the lock ends");
    assert!(store.record_login_success(user.id, at(1_300_000)).await.unwrap());
}

pub async fn sessions_are_stored_touched_and_deleted<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "psap", AgencyKind::Psap).await;
    let user = store.put_user(&new_user(a, "dana")).await.unwrap();
    let session =
        Session { token_hash: "ab12".into(), user: user.id, created_at: at(0), last_seen: at(0) };
    store.put_session(&session).await.unwrap();
    assert_eq!(store.session("ab12").await.unwrap(), Some(session.clone()));
    let context = store.session_context("ab12").await.unwrap().unwrap();
    assert_eq!(context.session, session);
    assert_eq!(context.user, user);
    assert_eq!(context.agency, store.agency(a).await.unwrap().unwrap());
    assert_eq!(store.session_context("ffff").await.unwrap(), None);
    store.touch_session("ab12", at(90_000)).await.unwrap();
    assert_eq!(store.session("ab12").await.unwrap().unwrap().last_seen, at(90_000));
    store.delete_session("ab12").await.unwrap();
    assert_eq!(store.session("ab12").await.unwrap(), None);
}

pub async fn teams_and_areas_round_trip<S: Store>(store: Arc<S>) {
    let p = agency(&*store, "mct", AgencyKind::MobileCrisisProvider).await;
    let team = Team {
        id: TeamId::new(at(0)),
        provider: p,
        name: "Team 1".into(),
        capabilities: vec!["youth".into(), "spanish".into()],
        home_base: Some(GeoPoint::parse(38.97, -95.24).unwrap()),
        members: vec!["J. Ortiz, LCSW".into(), "Sam Lee (peer)".into()],
    };
    store.put_team(&team).await.unwrap();
    assert!(matches!(store.put_team(&team).await, Err(StoreError::Duplicate { .. })));
    assert_eq!(store.team(team.id).await.unwrap(), Some(team.clone()));
    let team = Team {
        name: "Team Lawrence 1".into(),
        capabilities: vec!["emt".into()],
        home_base: Some(GeoPoint::parse(38.95, -95.26).unwrap()),
        members: vec!["A. Moreno, EMT".into()],
        ..team
    };
    store.update_team(&team).await.unwrap();
    assert_eq!(store.team(team.id).await.unwrap(), Some(team.clone()), "updated in place");
    assert_eq!(
        store.team_state(team.id).await.unwrap().unwrap().profile.members,
        team.members,
        "the live state reads the new profile"
    );
    let missing = Team { id: TeamId::new(at(1)), ..team.clone() };
    assert!(matches!(store.update_team(&missing).await, Err(StoreError::TeamNotFound(_))));
    assert_eq!(store.teams(Some(p)).await.unwrap(), std::slice::from_ref(&team));
    assert_eq!(store.teams(Some(AgencyId::new(at(0)))).await.unwrap(), []);

    let area = Area {
        code: "20045".into(),
        name: "Douglas".into(),
        geometry_geojson: r#"{"type":"Polygon","coordinates":[]}"#.into(),
    };
    let other = Area { code: "20087".into(), ..area.clone() };
    let version = store.routing_version().await.unwrap().version;
    store.put_areas(&[area.clone(), other.clone()]).await.unwrap();
    store.put_areas(std::slice::from_ref(&area)).await.unwrap();
    assert_eq!(store.areas().await.unwrap(), [area, other]);
    assert!(
        store.routing_version().await.unwrap().version > version,
        "areas change the routing version"
    );
}

fn tier(service: &str, area: &str, tier: u8, agency: AgencyId) -> ServiceArea {
    ServiceArea { service: service.into(), area: area.into(), tier, agency, answer_within_s: 45 }
}

pub async fn received_eidos_are_kept_verbatim_in_order<S: Store>(store: Arc<S>) {
    use crate::ReceivedEido;
    let cad = agency(&*store, "cad", AgencyKind::Psap).await;
    let (one, two) = (IncidentId::new(at(1)), IncidentId::new(at(2)));
    assert!(store.received_eidos(one).await.unwrap().is_empty());
    // Verbatim: whitespace, key order and non-ASCII text as sent.
    let first = ReceivedEido {
        incident: one,
        sender: cad,
        received_at: at(10),
        body:
            "{\n\t\"$id\": \"urn:emergency:uid:incidentid:a1:cad.example\", \"note\": \"Señora\" }"
                .into(),
    };
    let second =
        ReceivedEido { received_at: at(20), body: "{\"$id\":\"b\"}".into(), ..first.clone() };
    let other = ReceivedEido { incident: two, received_at: at(15), ..first.clone() };
    for r in [&second, &other, &first] {
        store.keep_received_eido(r).await.unwrap();
    }
    assert_eq!(store.received_eidos(one).await.unwrap(), [first.clone(), second.clone()]);
    assert_eq!(store.received_eidos(two).await.unwrap(), std::slice::from_ref(&other));
    assert_eq!(store.latest_received_eido(one, None).await.unwrap(), Some(second.clone()));
    assert_eq!(store.latest_received_eido(one, Some(at(19))).await.unwrap(), Some(first.clone()));
    assert_eq!(store.latest_received_eido(one, Some(at(9))).await.unwrap(), None);
    assert_eq!(store.all_received_eidos().await.unwrap(), [first, other, second]);
}

pub async fn place_tables_are_replaced_whole_and_move_the_routing_version<S: Store>(store: Arc<S>) {
    use crate::{Place, PlaceKind, PlaceTable};
    assert!(store.place_tables().await.unwrap().is_empty());
    let place = |county: &str, name: &str| Place { county: county.into(), name: name.into() };
    let places = PlaceTable {
        kind: PlaceKind::Place,
        source: "national_place_by_county2020.txt".into(),
        imported_at: at(5),
        places: vec![place("20045", "Lawrence city"), place("29095", "Kansas City city")],
    };
    let subdivisions = PlaceTable {
        kind: PlaceKind::CountySubdivision,
        source: "national_cousub2020.txt".into(),
        imported_at: at(6),
        places: vec![place("36061", "Manhattan borough")],
    };
    let version = store.routing_version().await.unwrap().version;
    store.put_place_table(&places).await.unwrap();
    store.put_place_table(&subdivisions).await.unwrap();
    assert!(store.routing_version().await.unwrap().version > version);
    assert_eq!(store.place_tables().await.unwrap(), [subdivisions.clone(), places.clone()]);
    // A new import of one kind replaces that kind whole and leaves the other.
    let fewer = PlaceTable {
        source: "places-2024.txt".into(),
        places: vec![place("20045", "Lawrence city")],
        ..places
    };
    store.put_place_table(&fewer).await.unwrap();
    assert_eq!(store.place_tables().await.unwrap(), [subdivisions.clone(), fewer.clone()]);
    // A bad row is refused and nothing changes.
    let version = store.routing_version().await.unwrap().version;
    let bad = PlaceTable { places: vec![place("2004", "Lawrence city")], ..fewer.clone() };
    assert!(matches!(store.put_place_table(&bad).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.place_tables().await.unwrap(), [subdivisions, fewer]);
    assert_eq!(store.routing_version().await.unwrap().version, version);
}

pub async fn service_areas_keep_tiers_and_are_replaced_per_area<S: Store>(store: Arc<S>) {
    let center = agency(&*store, "center", AgencyKind::CrisisCenter).await;
    let backup = agency(&*store, "backup", AgencyKind::CrisisCenter).await;
    let national = agency(&*store, "national", AgencyKind::CrisisCenter).await;
    let s = "urn:service:counseling.suicide";
    let first = [
        tier(s, "20045", 0, center),
        tier(s, "20045", 1, backup),
        tier(s, "20087", 0, center),
        tier(s, "*", 0, national),
        tier(s, "npa:785", 0, center),
    ];
    let version = store.routing_version().await.unwrap().version;
    store.set_service_areas(&first).await.unwrap();
    let after_first = store.routing_version().await.unwrap().version;
    assert!(after_first > version);
    let mut expected = first.to_vec();
    expected.sort();
    assert_eq!(store.service_areas().await.unwrap(), expected);

    // Replacing 20045's tiers leaves every other pair as it was.
    let second = [tier(s, "20045", 0, backup), tier(s, "20045", 1, national)];
    store.set_service_areas(&second).await.unwrap();
    let mut expected: Vec<ServiceArea> =
        first.iter().filter(|x| x.area != "20045").cloned().chain(second.clone()).collect();
    expected.sort();
    assert_eq!(store.service_areas().await.unwrap(), expected);
    assert!(store.routing_version().await.unwrap().version > after_first);

    // Broken tier lists and unknown agencies are refused, and nothing changes.
    let before = store.service_areas().await.unwrap();
    let version = store.routing_version().await.unwrap().version;
    for (bad, says) in [
        (vec![tier(s, "20045", 1, center)], "tier 1 where tier 0 belongs"),
        (vec![tier(s, "20045", 0, center), tier(s, "20045", 0, backup)], "without gaps or repeats"),
        (vec![tier(s, "20045", 0, center), tier(s, "20045", 1, center)], "named at two tiers"),
        (vec![ServiceArea { answer_within_s: 0, ..tier(s, "20045", 0, center) }], "out of range"),
        (vec![tier("sos", "20045", 0, center)], "not a service URN"),
        (vec![tier(s, "npa:78", 0, center)], "three digits"),
        (
            vec![tier(s, "20091", 0, center), tier(s, "20045", 0, AgencyId::new(at(9)))],
            "does not exist",
        ),
    ] {
        match store.set_service_areas(&bad).await {
            Err(StoreError::Invalid(message)) => {
                assert!(message.contains(says), "{message:?} should say {says:?}")
            }
            other => panic!("{bad:?} should be refused, got {other:?}"),
        }
    }
    assert_eq!(store.service_areas().await.unwrap(), before);
    assert_eq!(store.routing_version().await.unwrap().version, version);
}

pub async fn agencies_can_be_updated<S: Store>(store: Arc<S>) {
    let id = agency(&*store, "psap-20045", AgencyKind::Psap).await;
    let mut changed = store.agency(id).await.unwrap().unwrap();
    changed.name = "Douglas County Emergency Communications".into();
    changed.uri = Some("sip:psap@douglas.example".into());
    store.update_agency(&changed).await.unwrap();
    assert_eq!(store.agency(id).await.unwrap(), Some(changed.clone()));
    assert_eq!(store.agency_by_code("psap-20045").await.unwrap(), Some(changed.clone()));
    let missing = Agency { id: AgencyId::new(at(5)), code: "nobody".into(), ..changed };
    assert!(matches!(store.update_agency(&missing).await, Err(StoreError::Invalid(_))));
}

pub async fn settings_round_trip<S: Store>(store: Arc<S>) {
    assert_eq!(store.setting("seed").await.unwrap(), None);
    store.put_setting("seed", "kansas-v1").await.unwrap();
    store.put_setting("seed", "kansas-v2").await.unwrap();
    assert_eq!(store.setting("seed").await.unwrap().as_deref(), Some("kansas-v2"));
}

pub async fn protocol_versions_are_numbered_and_one_per_channel_is_active<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let other = agency(&*store, "other", AgencyKind::Psap).await;
    let user = UserId::from_uuid(uuid::Uuid::from_u128(7));
    let upload = |agency, id: &str, channel, passed| NewProtocolVersion {
        agency,
        protocol_id: id.into(),
        channel,
        source: format!("# {id}"),
        uploaded_at: at(1),
        uploaded_by: user,
        check_passed: passed,
        check_report: "report".into(),
    };
    let v1 = store
        .put_protocol_version(&upload(psap, "diversion", Channel::Nine11, true))
        .await
        .unwrap();
    let v2 = store
        .put_protocol_version(&upload(psap, "diversion", Channel::Nine11, false))
        .await
        .unwrap();
    let o1 = store
        .put_protocol_version(&upload(other, "diversion", Channel::Nine11, true))
        .await
        .unwrap();
    assert_eq!(
        (v1.version, v2.version, o1.version),
        (1, 2, 1),
        "versions count per agency and protocol"
    );
    assert!(!v2.check_passed && v2.source == "# diversion");
    assert_eq!(store.active_protocol(psap, Channel::Nine11).await.unwrap(), None);

    store.activate_protocol(psap, "diversion", 1, at(2), user).await.unwrap();
    let active = store.active_protocol(psap, Channel::Nine11).await.unwrap().unwrap();
    assert_eq!((active.version, active.active), (1, true));
    assert_eq!(store.active_protocol(other, Channel::Nine11).await.unwrap(), None);
    assert_eq!(store.active_protocol(psap, Channel::Nine88).await.unwrap(), None);

    let v3 = store
        .put_protocol_version(&upload(psap, "diversion-v2", Channel::Nine11, true))
        .await
        .unwrap();
    store.activate_protocol(psap, &v3.protocol_id, v3.version, at(3), user).await.unwrap();
    let all = store.protocol_versions(psap).await.unwrap();
    let active: Vec<_> =
        all.iter().filter(|v| v.active).map(|v| (v.protocol_id.as_str(), v.version)).collect();
    assert_eq!(
        active,
        [("diversion-v2", 1)],
        "activating one replaces the other on the same channel"
    );
    assert_eq!(all.len(), 3);
    assert!(store.activate_protocol(psap, "nope", 1, at(4), user).await.is_err());
}

pub async fn import_keeps_sequence_numbers_and_is_all_or_nothing<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap", AgencyKind::Psap).await;
    let id = IncidentId::new(at(0));
    let copied = |seq, event| RecordedEvent { seq, event, involved: vec![psap] };
    let events =
        vec![copied(1, opened(id, psap, Channel::Nine11)), copied(2, note(id, psap, 1, "copied"))];

    let gap = vec![copied(2, opened(id, psap, Channel::Nine11))];
    assert!(store.import(gap).await.is_err(), "the first imported event must follow the head");
    let invalid = vec![copied(1, note(id, psap, 1, "no opened first"))];
    assert!(matches!(store.import(invalid).await, Err(StoreError::Rejected(_))));
    let half_bad = vec![
        copied(1, opened(id, psap, Channel::Nine11)),
        copied(2, opened(id, psap, Channel::Nine11)),
    ];
    assert!(store.import(half_bad).await.is_err());
    assert_eq!(store.head().await.unwrap(), 0, "a refused import writes nothing");

    store.import(events).await.unwrap();
    assert_eq!(store.head().await.unwrap(), 2);
    assert_eq!(store.incident(id).await.unwrap().unwrap().notes.len(), 1);
    let next = store.append(vec![note(id, psap, 2, "after")]).await.unwrap();
    assert_eq!(next.events[0].seq, 3, "appends continue after imported events");
}

pub async fn users_and_settings_can_be_listed<S: Store>(store: Arc<S>) {
    let a = agency(&*store, "psap", AgencyKind::Psap).await;
    let zed = store.put_user(&new_user(a, "zed")).await.unwrap();
    let amy = store.put_user(&new_user(a, "amy")).await.unwrap();
    assert_eq!(store.users().await.unwrap(), [amy, zed], "by username");
    store.put_setting("b", "2").await.unwrap();
    store.put_setting("a", "1").await.unwrap();
    assert_eq!(
        store.settings().await.unwrap(),
        [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "2".to_owned())]
    );
}

async fn team_of<S: Store>(store: &S) -> TeamId {
    let p = agency(store, "mct-team", AgencyKind::MobileCrisisProvider).await;
    let team = Team {
        id: TeamId::new(at(0)),
        provider: p,
        name: "Team Lawrence 1".into(),
        capabilities: vec!["youth".into()],
        home_base: Some(GeoPoint::parse(38.97, -95.24).unwrap()),
        members: Vec::new(),
    };
    store.put_team(&team).await.unwrap();
    team.id
}

fn change(team: TeamId, offset_ms: i64, command: crate::TeamCommand) -> crate::TeamChange {
    crate::TeamChange { team, at: at(offset_ms), actor: Actor::System, command }
}

pub async fn team_changes_are_checked_logged_and_published<S: Store>(store: Arc<S>) {
    use crate::TeamCommand as C;
    use dispatch::TeamStatus;
    let team = team_of(&*store).await;
    let mut live = store.subscribe_teams();
    let fresh = store.team_state(team).await.unwrap().unwrap();
    assert_eq!(fresh.status(), TeamStatus::OutOfService, "a new team is off shift");
    let incident = IncidentId::new(at(0));
    // Off shift, a dispatch is refused and nothing is written.
    match store.change_team(change(team, 1, C::Dispatch { incident })).await {
        Err(StoreError::TeamRefused(dispatch::DispatchError::OffShift)) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(store.team_log(team, 0, 10).await.unwrap().is_empty());
    store.change_team(change(team, 2, C::StartShift)).await.unwrap();
    let dispatched = store.change_team(change(team, 3, C::Dispatch { incident })).await.unwrap();
    assert_eq!(
        (dispatched.status(), dispatched.incident()),
        (TeamStatus::Dispatched, Some(incident))
    );
    store.change_team(change(team, 4, C::SetStatus { status: TeamStatus::EnRoute })).await.unwrap();
    let state = store.team_state(team).await.unwrap().unwrap();
    assert_eq!((state.status(), state.status_since()), (TeamStatus::EnRoute, at(4)));
    let log = store.team_log(team, 0, 10).await.unwrap();
    let statuses: Vec<TeamStatus> = log.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [TeamStatus::Available, TeamStatus::Dispatched, TeamStatus::EnRoute]);
    assert!(log.windows(2).all(|w| w[1].seq == w[0].seq + 1), "gap-free");
    assert_eq!(log[1].change.command, C::Dispatch { incident });
    assert_eq!(store.team_log(team, log[1].seq, 10).await.unwrap().len(), 1);
    // Every committed state reaches subscribers, in order.
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let state = tokio::time::timeout(std::time::Duration::from_secs(5), live.recv())
            .await
            .unwrap()
            .unwrap();
        seen.push(state.status());
    }
    assert_eq!(seen, statuses);
    assert!(matches!(
        store.change_team(change(TeamId::new(at(9)), 5, C::StartShift)).await,
        Err(StoreError::TeamNotFound(_))
    ));
    assert_eq!(store.team_states(None).await.unwrap().len(), 1);
}

pub async fn a_team_is_sent_with_its_incident_event_or_not_at_all<S: Store>(store: Arc<S>) {
    use crate::TeamCommand as C;
    use dispatch::TeamStatus;
    let team = team_of(&*store).await;
    let provider = store.team_state(team).await.unwrap().unwrap().profile.provider;
    let psap = agency(&*store, "psap-a", AgencyKind::Psap).await;
    let incident = open_incident(&*store, psap, Channel::Nine11).await;
    let sent = |offset_ms| {
        event(incident, provider, offset_ms, EventKind::TeamDispatched { team, provider })
    };
    let dispatch = |offset_ms| change(team, offset_ms, C::Dispatch { incident });
    let head = store.head().await.unwrap();

    // The team refuses (off shift): the incident's event is not written either.
    match store.append_with_team(vec![sent(1)], dispatch(1)).await {
        Err(StoreError::TeamRefused(dispatch::DispatchError::OffShift)) => {}
        other => panic!("expected the team's refusal, got {other:?}"),
    }
    assert_eq!(store.head().await.unwrap(), head);
    assert!(store.incident(incident).await.unwrap().unwrap().teams.is_empty());

    // The incident refuses (closed): the team stays available and its log unwritten.
    store.change_team(change(team, 2, C::StartShift)).await.unwrap();
    let closed = store.append(vec![event(
        incident,
        psap,
        3,
        EventKind::Closed { disposition: Disposition::NoContact, remark: text("gone") },
    )]);
    closed.await.unwrap();
    let head = store.head().await.unwrap();
    let logged = store.team_log(team, 0, 10).await.unwrap().len();
    assert!(matches!(
        store.append_with_team(vec![sent(4)], dispatch(4)).await,
        Err(StoreError::Rejected(TransitionError::IncidentClosed))
    ));
    assert_eq!(store.head().await.unwrap(), head);
    assert_eq!(store.team_log(team, 0, 10).await.unwrap().len(), logged);
    assert_eq!(store.team_state(team).await.unwrap().unwrap().status(), TeamStatus::Available);

    // Both accept: both are committed, and both published.
    let incident = open_incident(&*store, psap, Channel::Nine11).await;
    let mut events = store.subscribe();
    let mut teams = store.subscribe_teams();
    let sent = event(incident, provider, 5, EventKind::TeamDispatched { team, provider });
    let (appended, state) = store
        .append_with_team(vec![sent], change(team, 5, C::Dispatch { incident }))
        .await
        .unwrap();
    assert_eq!(appended.incident.unwrap().teams, vec![team]);
    assert_eq!((state.status(), state.incident()), (TeamStatus::Dispatched, Some(incident)));
    assert_eq!(store.team_state(team).await.unwrap().unwrap().incident(), Some(incident));
    let wait = std::time::Duration::from_secs(5);
    // Earlier commits may still be on their way to subscribers (through a listener).
    loop {
        let published = tokio::time::timeout(wait, events.recv()).await.unwrap().unwrap();
        if published.seq >= appended.events[0].seq {
            assert_eq!(published.event.kind.name(), "team_dispatched");
            break;
        }
    }
    loop {
        let published = tokio::time::timeout(wait, teams.recv()).await.unwrap().unwrap();
        if published.status() == TeamStatus::Dispatched {
            assert_eq!(published.incident(), Some(incident));
            break;
        }
    }
    // The team log stays gap-free across both writers.
    store.change_team(change(team, 6, C::SetStatus { status: TeamStatus::EnRoute })).await.unwrap();
    let log = store.team_log(team, 0, 10).await.unwrap();
    assert!(log.windows(2).all(|w| w[1].seq == w[0].seq + 1), "{log:?}");
}

pub async fn gps_fixes_move_the_team_forward_only_and_are_kept<S: Store>(store: Arc<S>) {
    use dispatch::{Fix, FixVerdict};
    let team = team_of(&*store).await;
    let fix = |offset_s: i64, north_m: f64| {
        let point = GeoPoint::parse(38.97 + north_m / 111_195.0, -95.24).unwrap();
        Fix::parse(at(offset_s * 1000), point, Some(10.0), Some(12.0), Some(90.0)).unwrap()
    };
    let received = at(60_000);
    let recorded = store
        .record_fixes(
            team,
            vec![fix(10, 0.0), fix(20, 100.0), fix(15, 50.0), fix(30, 90_000.0)],
            received,
        )
        .await
        .unwrap();
    assert_eq!(recorded.verdicts[0], FixVerdict::Current);
    assert_eq!(recorded.verdicts[1], FixVerdict::Current);
    assert_eq!(recorded.verdicts[2], FixVerdict::OutOfOrder { behind_ms: 5000 });
    assert!(matches!(recorded.verdicts[3], FixVerdict::ImpossibleJump { .. }), "90 km in 10 s");
    assert_eq!(recorded.state.position().current().map(|f| f.at()), Some(at(20_000)));
    // The state is durable, and every fix a breadcrumb with its verdict, by fix time.
    let state = store.team_state(team).await.unwrap().unwrap();
    assert_eq!(state.position().current(), Some(&fix(20, 100.0)));
    assert_eq!(state.position().last_received(), Some(received));
    let crumbs = store.breadcrumbs(team, at(0), 100).await.unwrap();
    let times: Vec<i64> =
        crumbs.iter().map(|b| b.fix.at().as_millis() - at(0).as_millis()).collect();
    assert_eq!(times, [10_000, 15_000, 20_000, 30_000]);
    assert_eq!(crumbs[1].verdict, FixVerdict::OutOfOrder { behind_ms: 5000 });
    assert_eq!(crumbs[0].fix, fix(10, 0.0), "every field survives");
    assert_eq!(store.breadcrumbs(team, at(16_000), 100).await.unwrap().len(), 2);
    // Retention: breadcrumbs received before the cut are deleted; the state stays.
    assert_eq!(store.prune_breadcrumbs(at(60_001)).await.unwrap(), 4);
    assert!(store.breadcrumbs(team, at(0), 100).await.unwrap().is_empty());
    assert!(store.team_state(team).await.unwrap().unwrap().position().current().is_some());
}

pub async fn concurrent_team_changes_serialize<S: Store>(store: Arc<S>) {
    use crate::TeamCommand as C;
    let team = team_of(&*store).await;
    store.change_team(change(team, 1, C::StartShift)).await.unwrap();
    // Two dispatchers send the same team to two incidents at once: exactly one wins.
    let attempts: Vec<_> = (0..2)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .change_team(change(team, 2, C::Dispatch { incident: IncidentId::new(at(n)) }))
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::TeamRefused(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.team_log(team, 0, 10).await.unwrap().len(), 2, "shift start and one dispatch");
}

pub async fn external_incidents_are_linked_once_and_listed<S: Store>(store: Arc<S>) {
    let psap = agency(&*store, "psap-1", AgencyKind::Psap).await;
    let other = agency(&*store, "psap-2", AgencyKind::Psap).await;
    assert!(store.external_links().await.unwrap().is_empty());
    let (first, second) = (IncidentId::new(at(1)), IncidentId::new(at(2)));
    assert_eq!(store.link_external_incident(psap, "cad-7", first).await.unwrap(), first);
    // The same sender's id again names the incident linked first.
    assert_eq!(store.link_external_incident(psap, "cad-7", second).await.unwrap(), first);
    // Another agency's id of the same spelling is its own.
    assert_eq!(store.link_external_incident(other, "cad-7", second).await.unwrap(), second);
    let mut expected = vec![
        crate::ExternalLink { agency: psap, external_id: "cad-7".into(), incident: first },
        crate::ExternalLink { agency: other, external_id: "cad-7".into(), incident: second },
    ];
    expected.sort_by_key(|l| (l.agency.to_string(), l.external_id.clone()));
    assert_eq!(store.external_links().await.unwrap(), expected);
}

pub async fn audit_records_are_chained_gap_free_and_verifiable<S: Store>(store: Arc<S>) {
    use crate::audit::{self, AuditEntry};
    let empty = audit::verify(&*store).await.unwrap();
    assert_eq!((empty.records, empty.head.as_str(), empty.broken), (0, audit::GENESIS, None));
    let incident = IncidentId::new(at(5));
    let entry = move |n: i64| AuditEntry {
        at: at(n),
        user: Some(UserId::new(at(0))),
        agency: Some(AgencyId::new(at(0))),
        client: format!("10.0.0.{n}"),
        action: "GET /api/v1/incidents/{id}".into(),
        incident: (n % 2 == 0).then_some(incident),
        outcome: 200,
    };
    // Many at once, as concurrent requests would: one chain, gap-free.
    let mut writes = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        writes.push(tokio::spawn(async move { store.audit(entry(n)).await }));
    }
    for w in writes {
        w.await.unwrap().unwrap();
    }
    let all = store.audit_records(0, 100, None).await.unwrap();
    assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=40).collect::<Vec<u64>>());
    let mut previous = audit::GENESIS.to_owned();
    for record in &all {
        assert_eq!(record.hash, audit::chain(&previous, record.seq, &record.entry));
        previous.clone_from(&record.hash);
    }
    let mut clients: Vec<String> = all.iter().map(|r| r.entry.client.clone()).collect();
    clients.sort();
    let mut expected: Vec<String> = (0..40).map(|n| format!("10.0.0.{n}")).collect();
    expected.sort();
    assert_eq!(clients, expected, "every entry kept as given");
    let of_incident = store.audit_records(0, 100, Some(incident)).await.unwrap();
    assert_eq!(of_incident.len(), 20);
    assert!(of_incident.iter().all(|r| r.entry.incident == Some(incident)));
    assert_eq!(store.audit_records(all[9].seq, 5, None).await.unwrap()[0].seq, 11, "paged");
    let check = audit::verify(&*store).await.unwrap();
    assert_eq!((check.records, check.head, check.broken), (40, previous, None));
}

pub async fn the_event_log_is_chained_and_sealed_once_a_key_is_set<S: Store>(store: Arc<S>) {
    use crate::seal::{AuditKey, KeyRing};
    let agency = AgencyId::new(at(0));
    let id = open_incident(&*store, agency, Channel::Nine11).await;
    // Concurrent appends: one chain whatever the batching.
    let mut writes = Vec::new();
    for n in 0..20 {
        let store = store.clone();
        writes.push(tokio::spawn(
            async move { store.append(vec![note(id, agency, n + 1, "n")]).await },
        ));
    }
    for w in writes {
        w.await.unwrap().unwrap();
    }
    let key = AuditKey::new("k1", vec![9; 32]).unwrap();
    store.seal_with(Some(key.clone()));
    store.append(vec![note(id, agency, 30, "sealed")]).await.unwrap();
    let mut ring = KeyRing::default();
    ring.push(key).unwrap();
    let check = crate::log_chain::verify(&*store, &ring).await.unwrap();
    assert_eq!((check.events, check.unchained, check.sealed, check.broken), (22, 0, 1, None));
    assert!(check.head.starts_with("hmac-sha256:k1:"), "{}", check.head);
    let chained = store.chained_events(0, 100).await.unwrap();
    let mut previous = crate::audit::GENESIS.to_owned();
    for (r, hash) in &chained[..21] {
        let hash = hash.as_deref().unwrap();
        assert_eq!(
            hash,
            crate::log_chain::chain(
                &crate::seal::Sealer::default(),
                &previous,
                std::slice::from_ref(r)
            )[0]
        );
        previous = hash.to_owned();
    }
    // Without the key the sealed event cannot be vouched for.
    let unkeyed = crate::log_chain::verify(&*store, &KeyRing::default()).await.unwrap();
    assert_eq!(unkeyed.broken.map(|(seq, _)| seq), Some(22));
    store.seal_with(None);
}

pub async fn a_requests_audit_record_commits_with_its_appends_only<S: Store>(store: Arc<S>) {
    use crate::audit::{REQUEST, RequestAudit};
    let agency = AgencyId::new(at(0));
    let request = Arc::new(RequestAudit::new("10.1.1.1".into(), "POST /api/v1/incidents".into()));
    request.set_who(UserId::new(at(0)), agency);
    let id = IncidentId::new(at(1));
    let opened_event = opened(id, agency, Channel::Nine11);
    let refused = note(IncidentId::new(at(2)), agency, 5, "an incident that does not exist");
    let (store2, request2) = (store.clone(), request.clone());
    REQUEST
        .scope(request2, async move {
            store2.append(vec![opened_event]).await.unwrap();
            assert!(store2.append(vec![refused]).await.is_err());
        })
        .await;
    assert!(request.recorded());
    let records = store.audit_records(0, 100, None).await.unwrap();
    assert_eq!(records.len(), 1, "the refused append wrote no record: {records:?}");
    let entry = &records[0].entry;
    assert_eq!(
        (entry.incident, entry.outcome, entry.client.as_str(), entry.action.as_str()),
        (Some(id), 201, "10.1.1.1", "POST /api/v1/incidents")
    );
    assert_eq!(entry.agency, Some(agency));
    assert_eq!(crate::audit::verify(&*store).await.unwrap().broken, None);
    // Outside a request, appends write no record.
    store.append(vec![note(id, agency, 9, "system note")]).await.unwrap();
    assert_eq!(store.audit_records(0, 100, None).await.unwrap().len(), 1);
}

fn call_step(agency: AgencyId, call: &str, offset_ms: i64, step: domain::CallStep) -> RecordedCall {
    RecordedCall {
        event: domain::CallEvent {
            agency,
            call: domain::CallId::parse(call).unwrap(),
            at: at(offset_ms),
            step,
        },
        recorded_at: at(offset_ms + 50),
        recorded_by: Some(UserId::from_uuid(uuid::Uuid::from_u128(9))),
    }
}

fn arrival(channel: Channel) -> domain::CallStep {
    domain::CallStep::Arrived {
        channel,
        callback: Some(CallbackNumber::parse("785-555-0100").unwrap()),
    }
}

pub async fn call_steps_are_recorded_once_and_listed_in_time_order<S: Store>(store: Arc<S>) {
    use domain::{CallError, CallRecorded, CallStep};
    let center = agency(&*store, "KS988", AgencyKind::CrisisCenter).await;
    let psap = agency(&*store, "PSAP", AgencyKind::Psap).await;
    let arrived = call_step(center, "c-1", 1_000, arrival(Channel::Nine88));
    assert_eq!(store.record_call(&arrived).await.unwrap(), Ok(CallRecorded::New));
    // A retry of the same step changes nothing; a different arrival is refused.
    assert_eq!(store.record_call(&arrived).await.unwrap(), Ok(CallRecorded::Repeat));
    let other = call_step(center, "c-1", 1_001, arrival(Channel::Nine88));
    assert!(matches!(store.record_call(&other).await.unwrap(), Err(CallError::Differs { .. })));
    // An end needs its arrival, at or before it.
    let orphan = call_step(center, "c-2", 5_000, CallStep::Abandoned);
    assert!(matches!(store.record_call(&orphan).await.unwrap(), Err(CallError::NotArrived { .. })));
    let early = call_step(center, "c-1", 999, CallStep::Abandoned);
    assert!(matches!(
        store.record_call(&early).await.unwrap(),
        Err(CallError::BeforeArrival { .. })
    ));
    let answered = call_step(center, "c-1", 13_000, CallStep::Answered { by: text("agent 12") });
    assert_eq!(store.record_call(&answered).await.unwrap(), Ok(CallRecorded::New));
    assert_eq!(store.record_call(&answered).await.unwrap(), Ok(CallRecorded::Repeat));
    let abandoned = call_step(center, "c-1", 14_000, CallStep::Abandoned);
    assert!(matches!(
        store.record_call(&abandoned).await.unwrap(),
        Err(CallError::AlreadyEnded { recorded: "answered", .. })
    ));
    // The same call id at another agency is another call.
    let at_psap = call_step(psap, "c-1", 2_000, arrival(Channel::Nine11));
    assert_eq!(store.record_call(&at_psap).await.unwrap(), Ok(CallRecorded::New));
    let rolled = call_step(
        psap,
        "c-1",
        32_000,
        CallStep::RolledOver { to: text("backup center"), in_state: false },
    );
    assert_eq!(store.record_call(&rolled).await.unwrap(), Ok(CallRecorded::New));

    let all = store.calls_between(at(0), at(60_000), None).await.unwrap();
    assert_eq!(all, vec![arrived.clone(), at_psap.clone(), answered.clone(), rolled.clone()]);
    let center_only = store.calls_between(at(0), at(60_000), Some(center)).await.unwrap();
    assert_eq!(center_only, vec![arrived, answered.clone()]);
    // The window is half-open, by the phone system's time.
    let window = store.calls_between(at(2_000), at(32_000), None).await.unwrap();
    assert_eq!(window, vec![at_psap, answered]);
}

pub async fn concurrent_ends_of_one_call_record_one<S: Store>(store: Arc<S>) {
    use domain::{CallRecorded, CallStep};
    let center = agency(&*store, "KS988", AgencyKind::CrisisCenter).await;
    store
        .record_call(&call_step(center, "race", 0, arrival(Channel::Nine88)))
        .await
        .unwrap()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8_i64 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let step = if i % 2 == 0 {
                CallStep::Answered { by: text(&format!("agent {i}")) }
            } else {
                CallStep::Abandoned
            };
            store.record_call(&call_step(center, "race", 1_000 + i, step)).await.unwrap()
        }));
    }
    let mut new = 0;
    for task in tasks {
        if task.await.unwrap() == Ok(CallRecorded::New) {
            new += 1;
        }
    }
    assert_eq!(new, 1, "exactly one end of the call is recorded");
    let steps = store.calls_between(at(0), at(10_000), None).await.unwrap();
    assert_eq!(steps.len(), 2);
    // An arrival and its end posted at once (a phone system's parallel deliveries): the end is
    // recorded after the arrival or refused for want of it, never an error.
    let mut races = Vec::new();
    for n in 0..20 {
        let call = format!("pair-{n}");
        let (a, b) = (Arc::clone(&store), Arc::clone(&store));
        let arrival = call_step(center, &call, 20_000, arrival(Channel::Nine88));
        let end = call_step(center, &call, 21_000, CallStep::Abandoned);
        races.push(tokio::spawn(async move { a.record_call(&arrival).await }));
        races.push(tokio::spawn(async move { b.record_call(&end).await }));
    }
    for race in races {
        let outcome = race.await.unwrap().expect("never a store error");
        assert!(matches!(
            outcome,
            Ok(CallRecorded::New) | Err(domain::CallError::NotArrived { .. })
        ));
    }
}
