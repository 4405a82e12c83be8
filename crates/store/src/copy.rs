//! Copying a deployment to another store — a county's SQLite file to the state's PostgreSQL,
//! say — and the figures that prove the copy complete. The command line (`crisisbridge copy`)
//! opens the two databases, shows progress and prints the comparison.
//!
//! The directory is copied first (agencies, users with their password hashes, teams, areas,
//! service areas, settings, every protocol version and which is active), then the event log in
//! pages through [`EventLog::import`](crate::EventLog::import), which keeps every sequence
//! number and checks every event against its incident's state again, building the target's
//! projections on the way. Then the teams' histories are replayed in the order they were
//! committed: every team log entry in sequence order (so the copy's team log has the same
//! numbers), then each team's breadcrumbs in the order they were received — the same checks
//! decide them again, so each team ends in the same state. Last, the links between other
//! systems' incident ids and ours (EIDO imports), so a CAD sending an update after the move
//! updates the same incident. Then contacts' timing from the phone system, step by step in time
//! order (each arrival before its end). Then the audit trail, record by record in order — a source whose
//! chain is broken (checked with the source's keys) is refused rather than given a fresh,
//! valid-looking one. The target chains the records again, sealed with its own current key, so
//! without keys the chain's head is the same on both sides. Login sessions are not copied:
//! users log in again. [`compare`] then gives every count, a SHA-256 of the whole event log,
//! of every team's state and of the audit records' contents, on both sides.

use domain::{TeamId, Timestamp};
use sha2::{Digest, Sha256};

use crate::{NewProtocolVersion, NewUser, Store, StoreError, codec, team_codec};

const PAGE: u32 = 2000;

/// Why a copy stopped.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source's audit trail does not verify.
    #[error("{0}")]
    BrokenSource(String),
    /// What the target made of a record differs from the source's.
    #[error("{0}")]
    Differs(String),
}

type Result<T> = std::result::Result<T, CopyError>;

/// One figure on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub name: &'static str,
    pub source: String,
    pub copy: String,
}

/// Copies everything `source` holds into `target`, which must be empty; `source_keys` verify
/// the source's audit trail first. `progress` hears (events copied, events in all) after each
/// page of the event log.
pub async fn copy(
    source: &dyn Store,
    target: &dyn Store,
    source_keys: &crate::seal::KeyRing,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    copy_directory(source, target).await?;
    copy_events(source, target, progress).await?;
    copy_team_history(source, target).await?;
    copy_external_links(source, target).await?;
    copy_calls(source, target).await?;
    for note in source.all_shift_notes().await? {
        target.add_shift_note(&note).await?;
    }
    target.put_facilities(&source.facilities().await?, true).await?;
    copy_audit(source, target, source_keys).await
}

async fn copy_directory(source: &dyn Store, target: &dyn Store) -> Result<()> {
    let agencies = source.agencies().await?;
    for agency in &agencies {
        target.put_agency(agency).await?;
    }
    for user in source.users().await? {
        target
            .put_user(&NewUser {
                id: user.id,
                username: user.username,
                display_name: user.display_name,
                agency: user.agency,
                role: user.role,
                password_hash: user.password_hash,
            })
            .await?;
    }
    for team in source.teams(None).await? {
        target.put_team(&team).await?;
    }
    target.put_areas(&source.areas().await?).await?;
    target.set_service_areas(&source.service_areas().await?).await?;
    for table in source.place_tables().await? {
        target.put_place_table(&table).await?;
    }
    for received in source.all_received_eidos().await? {
        target.keep_received_eido(&received).await?;
    }
    for (key, value) in source.settings().await? {
        target.put_setting(&key, &value).await?;
    }
    for agency in &agencies {
        for version in source.protocol_versions(agency.id).await? {
            let copied = target
                .put_protocol_version(&NewProtocolVersion {
                    agency: version.agency,
                    protocol_id: version.protocol_id.clone(),
                    channel: version.channel,
                    source: version.source.clone(),
                    uploaded_at: version.uploaded_at,
                    uploaded_by: version.uploaded_by,
                    check_passed: version.check_passed,
                    check_report: version.check_report.clone(),
                })
                .await?;
            if copied.version != version.version {
                return Err(CopyError::Differs(format!(
                    "protocol {} of {} was numbered {} in the copy, not {}",
                    version.protocol_id, agency.code, copied.version, version.version
                )));
            }
            if version.active {
                target
                    .activate_protocol(
                        agency.id,
                        &version.protocol_id,
                        version.version,
                        version.uploaded_at,
                        version.uploaded_by,
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

async fn copy_events(
    source: &dyn Store,
    target: &dyn Store,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    let total = source.head().await?;
    let mut copied = 0;
    let mut last = 0;
    loop {
        let page = source.events_after(last, None, PAGE).await?;
        let Some(end) = page.last().map(|r| r.seq) else { break };
        let count = page.len() as u64;
        target.import(page).await?;
        last = end;
        copied += count;
        progress(copied, total);
    }
    Ok(())
}

/// Every team log entry of the source, replayed on the target in sequence order, then every
/// team's breadcrumbs in the order they were received.
async fn copy_team_history(source: &dyn Store, target: &dyn Store) -> Result<()> {
    let teams = source.teams(None).await?;
    let mut log = Vec::new();
    for team in &teams {
        log.extend(team_log(source, team.id).await?);
    }
    log.sort_by_key(|entry| entry.seq);
    for entry in log {
        let state = target.change_team(entry.change).await?;
        if state.status() != entry.status {
            return Err(CopyError::Differs(format!(
                "team {} entry {} ended {} in the copy, not {}",
                entry.change.team,
                entry.seq,
                state.status().as_str(),
                entry.status.as_str()
            )));
        }
    }
    for team in &teams {
        let mut crumbs = all_breadcrumbs(source, team.id).await?;
        // Stable: fixes received together keep their order.
        crumbs.sort_by_key(|b| b.received_at);
        for batch in crumbs.chunk_by(|a, b| a.received_at == b.received_at) {
            let fixes = batch.iter().map(|b| b.fix).collect();
            let received_at = batch.first().map_or(Timestamp::from_millis(0), |b| b.received_at);
            target.record_fixes(team.id, fixes, received_at).await?;
        }
    }
    Ok(())
}

async fn team_log(store: &dyn Store, team: TeamId) -> Result<Vec<crate::TeamLogEntry>> {
    let mut entries = Vec::new();
    loop {
        let after = entries.last().map_or(0, |e: &crate::TeamLogEntry| e.seq);
        let page = store.team_log(team, after, PAGE).await?;
        if page.is_empty() {
            return Ok(entries);
        }
        entries.extend(page);
    }
}

async fn all_breadcrumbs(store: &dyn Store, team: TeamId) -> Result<Vec<crate::Breadcrumb>> {
    Ok(store.breadcrumbs(team, Timestamp::from_millis(i64::MIN), u32::MAX).await?)
}

async fn copy_external_links(source: &dyn Store, target: &dyn Store) -> Result<()> {
    for link in source.external_links().await? {
        let linked =
            target.link_external_incident(link.agency, &link.external_id, link.incident).await?;
        if linked != link.incident {
            return Err(CopyError::Differs(format!(
                "the copy links {} of agency {} to {linked}, not {}",
                link.external_id, link.agency, link.incident
            )));
        }
    }
    Ok(())
}

/// Every call step as recorded (its arrival before its end, as the target requires).
async fn copy_calls(source: &dyn Store, target: &dyn Store) -> Result<()> {
    for call in all_calls(source).await? {
        if let Err(refused) = target.record_call(&call).await? {
            return Err(CopyError::Differs(format!("the copy refused a call step: {refused}")));
        }
    }
    Ok(())
}

async fn all_calls(store: &dyn Store) -> Result<Vec<crate::RecordedCall>> {
    Ok(store
        .calls_between(Timestamp::from_millis(i64::MIN), Timestamp::from_millis(i64::MAX), None)
        .await?)
}

async fn copy_audit(
    source: &dyn Store,
    target: &dyn Store,
    keys: &crate::seal::KeyRing,
) -> Result<()> {
    let check = crate::audit::verify_with(source, keys, None).await?;
    if let Some((seq, why)) = check.broken {
        return Err(CopyError::BrokenSource(format!(
            "the source's audit log is broken at record {seq}: {why}; it is not copied into a chain that would look intact"
        )));
    }
    let mut last = 0;
    loop {
        let page = source.audit_records(last, PAGE, None).await?;
        let Some(end) = page.last().map(|r| r.seq) else { return Ok(()) };
        target.audit_all(page.into_iter().map(|r| r.entry).collect()).await?;
        last = end;
    }
}

/// Counts of every kind of record, and the log's hash.
async fn summary(store: &dyn Store) -> Result<Vec<(&'static str, String)>> {
    let agencies = store.agencies().await?;
    let mut protocol_versions = 0;
    for agency in &agencies {
        protocol_versions += store.protocol_versions(agency.id).await?.len();
    }
    let (mut team_entries, mut breadcrumbs) = (0, 0);
    let mut states = Sha256::new();
    let mut team_states = store.team_states(None).await?;
    team_states.sort_by_key(dispatch::TeamState::id);
    for state in team_states {
        team_entries += team_log(store, state.id()).await?.len();
        breadcrumbs += all_breadcrumbs(store, state.id()).await?.len();
        states.update(format!("{}\t{}\n", state.id(), team_codec::encode_team_state(&state)));
    }
    let team_hash: String = states.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let (audit_records, audit_contents) = audit_contents(store).await?;
    let calls = all_calls(store).await?;
    let mut call_hash = Sha256::new();
    for c in &calls {
        call_hash.update(format!(
            "{:?}\t{}\t{:?}\n",
            c.event,
            c.recorded_at.as_millis(),
            c.recorded_by
        ));
    }
    let call_hash: String = call_hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let notes = store.all_shift_notes().await?;
    let mut note_hash = Sha256::new();
    for n in &notes {
        note_hash.update(format!("{n:?}\n"));
    }
    let note_hash: String = note_hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let facilities = store.facilities().await?;
    let mut facility_hash = Sha256::new();
    for f in &facilities {
        facility_hash.update(format!("{}\n", crate::encode_facility(f)));
    }
    let facility_hash: String =
        facility_hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(vec![
        ("agencies", agencies.len().to_string()),
        ("users", store.users().await?.len().to_string()),
        ("teams", store.teams(None).await?.len().to_string()),
        ("areas", store.areas().await?.len().to_string()),
        ("service areas", store.service_areas().await?.len().to_string()),
        ("settings", store.settings().await?.len().to_string()),
        ("received EIDOs", store.all_received_eidos().await?.len().to_string()),
        ("places", {
            let tables = store.place_tables().await?;
            tables.iter().map(|t| t.places.len()).sum::<usize>().to_string()
        }),
        ("protocol versions", protocol_versions.to_string()),
        ("events", store.head().await?.to_string()),
        ("event log SHA-256", log_hash(store).await?),
        ("external ids", store.external_links().await?.len().to_string()),
        ("team log entries", team_entries.to_string()),
        ("breadcrumbs", breadcrumbs.to_string()),
        ("team states SHA-256", team_hash),
        ("call steps", calls.len().to_string()),
        ("call steps SHA-256", call_hash),
        ("shift notes", notes.len().to_string()),
        ("shift notes SHA-256", note_hash),
        ("facilities", facilities.len().to_string()),
        ("facilities SHA-256", facility_hash),
        ("audit records", audit_records.to_string()),
        ("audit contents SHA-256", audit_contents),
    ])
}

/// The number of audit records, and a SHA-256 over their contents (not their hashes, which a
/// target sealed with another key computes anew).
async fn audit_contents(store: &dyn Store) -> Result<(u64, String)> {
    let mut hash = Sha256::new();
    let (mut last, mut count) = (0, 0);
    loop {
        let page = store.audit_records(last, PAGE, None).await?;
        let Some(end) = page.last().map(|r| r.seq) else { break };
        for record in &page {
            let e = &record.entry;
            hash.update(format!(
                "{}\t{}\t{:?}\t{:?}\t{}\t{}\t{:?}\t{}\n",
                record.seq,
                e.at.as_millis(),
                e.user,
                e.agency,
                e.client,
                e.action,
                e.incident,
                e.outcome
            ));
            count += 1;
        }
        last = end;
    }
    Ok((count, hash.finalize().iter().map(|b| format!("{b:02x}")).collect()))
}

/// SHA-256 over every event in a canonical text form, in sequence order.
async fn log_hash(store: &dyn Store) -> Result<String> {
    let mut hash = Sha256::new();
    let mut last = 0;
    loop {
        let page = store.events_after(last, None, PAGE).await?;
        let Some(end) = page.last().map(|r| r.seq) else { break };
        for r in &page {
            let actor = match r.event.actor {
                domain::event::Actor::User(u) => u.to_string(),
                domain::event::Actor::System => "system".into(),
            };
            let line = format!(
                "{}\t{}\t{}\t{actor}\t{}\t{}\n",
                r.seq,
                r.event.incident,
                r.event.at.as_millis(),
                r.event.agency,
                codec::encode_event(&r.event.kind)
            );
            hash.update(line.as_bytes());
        }
        last = end;
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Every figure [`copy`] preserves, on both sides: counts of every kind of record, and
/// SHA-256s of the event log, the teams' states and the audit records' contents.
pub async fn compare(source: &dyn Store, target: &dyn Store) -> Result<Vec<Figure>> {
    let (from, to) = (summary(source).await?, summary(target).await?);
    Ok(from
        .into_iter()
        .zip(to)
        .map(|((name, source), (_, copy))| Figure { name, source, copy })
        .collect())
}
