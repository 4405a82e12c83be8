//! `crisisbridge copy --from URL --to URL`: move a deployment to another database — a county's
//! SQLite file to the state's PostgreSQL, say — and prove the copy complete.
//!
//! The directory is copied first (agencies, users with their password hashes, teams, areas,
//! service areas, settings, every protocol version and which is active), then the event log in
//! pages through [`store::EventLog::import`], which keeps every sequence number and checks every
//! event against its incident's state again, building the target's projections on the way.
//! Then the teams' histories are replayed in the order they were committed: every team log
//! entry in sequence order (so the copy's team log has the same numbers), then each team's
//! breadcrumbs in the order they were received — the same checks decide them again, so each
//! team ends in the same state. Last, the links between other systems' incident ids and ours
//! (EIDO imports), so a CAD sending an update after the move updates the same incident.
//! Then the audit trail, record by record in order — a source whose chain is broken (checked
//! with the source's audit key file, when it has one) is refused rather than given a fresh,
//! valid-looking one. The target chains the records again, sealed with the target's current
//! key when it has a key file, so without keys the chain's head is the same on both sides.
//! Login sessions are not copied: users log in again. At the end, every count, a SHA-256 of
//! the whole event log, every team's state and of the audit records' contents are compared on
//! both sides, and the target's trail must verify.

use std::sync::Arc;

use anyhow::{bail, ensure};
use domain::{TeamId, Timestamp};
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use store::{NewProtocolVersion, NewUser, Store, codec, team_codec};

use crate::database::Database;

const PAGE: u32 = 2000;

pub async fn run(from: &Database, to: &Database) -> anyhow::Result<()> {
    // Opening a SQLite URL creates the file: a mistyped source would copy nothing, "verified".
    if let crate::database::Backend::Sqlite { url } = &from.backend {
        let path = url.trim_start_matches("sqlite://");
        if !std::path::Path::new(path).exists() {
            bail!("the source {} does not exist; check the path", from.display());
        }
    }
    let source = from.open().await?;
    if source.agencies().await?.is_empty() && source.head().await? == 0 {
        bail!("the source {} holds no data; check the URL", from.display());
    }
    let target = to.open().await?;
    if !target.agencies().await?.is_empty() || target.head().await? != 0 {
        bail!("the target {} already holds data; copy into an empty database", to.display());
    }
    copy_directory(&*source, &*target).await?;
    copy_events(&source, &target).await?;
    copy_team_history(&*source, &*target).await?;
    copy_external_links(&*source, &*target).await?;
    let source_keys = keys(from)?;
    copy_audit(&*source, &*target, &source_keys).await?;
    verify(&*source, &*target).await?;
    let check = store::audit::verify_with(&*target, &keys(to)?, None).await?;
    if let Some((seq, why)) = check.broken {
        bail!("the copied audit trail does not verify at record {seq}: {why}");
    }
    println!(
        "copied {} to {}: counts and the event log's SHA-256 match",
        from.display(),
        to.display()
    );
    Ok(())
}

async fn copy_directory(source: &dyn Store, target: &dyn Store) -> anyhow::Result<()> {
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
            ensure!(
                copied.version == version.version,
                "protocol {} of {} was numbered {} in the copy, not {}",
                version.protocol_id,
                agency.code,
                copied.version,
                version.version
            );
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

async fn copy_events(source: &Arc<dyn Store>, target: &Arc<dyn Store>) -> anyhow::Result<()> {
    let total = source.head().await?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} events, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("copying the event log");
    let mut last = 0;
    loop {
        let page = source.events_after(last, None, PAGE).await?;
        let Some(end) = page.last().map(|r| r.seq) else { break };
        let count = page.len() as u64;
        target.import(page).await?;
        last = end;
        bar.inc(count);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Every team log entry of the source, replayed on the target in sequence order, then every
/// team's breadcrumbs in the order they were received.
async fn copy_team_history(source: &dyn Store, target: &dyn Store) -> anyhow::Result<()> {
    let teams = source.teams(None).await?;
    let mut log = Vec::new();
    for team in &teams {
        log.extend(team_log(source, team.id).await?);
    }
    log.sort_by_key(|entry| entry.seq);
    for entry in log {
        let state = target.change_team(entry.change).await?;
        ensure!(
            state.status() == entry.status,
            "team {} entry {} ended {} in the copy, not {}",
            entry.change.team,
            entry.seq,
            state.status().as_str(),
            entry.status.as_str()
        );
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

async fn team_log(store: &dyn Store, team: TeamId) -> anyhow::Result<Vec<store::TeamLogEntry>> {
    let mut entries = Vec::new();
    loop {
        let after = entries.last().map_or(0, |e: &store::TeamLogEntry| e.seq);
        let page = store.team_log(team, after, PAGE).await?;
        if page.is_empty() {
            return Ok(entries);
        }
        entries.extend(page);
    }
}

async fn all_breadcrumbs(
    store: &dyn Store,
    team: TeamId,
) -> anyhow::Result<Vec<store::Breadcrumb>> {
    Ok(store.breadcrumbs(team, Timestamp::from_millis(i64::MIN), u32::MAX).await?)
}

async fn copy_external_links(source: &dyn Store, target: &dyn Store) -> anyhow::Result<()> {
    for link in source.external_links().await? {
        let linked =
            target.link_external_incident(link.agency, &link.external_id, link.incident).await?;
        ensure!(
            linked == link.incident,
            "the copy links {} of agency {} to {linked}, not {}",
            link.external_id,
            link.agency,
            link.incident
        );
    }
    Ok(())
}

/// A database's audit keys, or none.
fn keys(database: &Database) -> anyhow::Result<store::seal::KeyRing> {
    crate::keys::ring(database.audit_keys.as_deref())
}

async fn copy_audit(
    source: &dyn Store,
    target: &dyn Store,
    keys: &store::seal::KeyRing,
) -> anyhow::Result<()> {
    let check = store::audit::verify_with(source, keys, None).await?;
    if let Some((seq, why)) = check.broken {
        bail!(
            "the source's audit log is broken at record {seq}: {why}; it is not copied into a chain that would look intact"
        );
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
async fn summary(store: &dyn Store) -> anyhow::Result<Vec<(&'static str, String)>> {
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
    Ok(vec![
        ("agencies", agencies.len().to_string()),
        ("users", store.users().await?.len().to_string()),
        ("teams", store.teams(None).await?.len().to_string()),
        ("areas", store.areas().await?.len().to_string()),
        ("service areas", store.service_areas().await?.len().to_string()),
        ("settings", store.settings().await?.len().to_string()),
        ("protocol versions", protocol_versions.to_string()),
        ("events", store.head().await?.to_string()),
        ("event log SHA-256", log_hash(store).await?),
        ("external ids", store.external_links().await?.len().to_string()),
        ("team log entries", team_entries.to_string()),
        ("breadcrumbs", breadcrumbs.to_string()),
        ("team states SHA-256", team_hash),
        ("audit records", audit_records.to_string()),
        ("audit contents SHA-256", audit_contents),
    ])
}

/// The number of audit records, and a SHA-256 over their contents (not their hashes, which a
/// target sealed with another key computes anew).
async fn audit_contents(store: &dyn Store) -> anyhow::Result<(u64, String)> {
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
async fn log_hash(store: &dyn Store) -> anyhow::Result<String> {
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

async fn verify(source: &dyn Store, target: &dyn Store) -> anyhow::Result<()> {
    let (from, to) = (summary(source).await?, summary(target).await?);
    let mut differ = Vec::new();
    for ((name, a), (_, b)) in from.iter().zip(&to) {
        println!("  {name:<18} {a:>12}  {}", if a == b { "ok" } else { "DIFFERS" });
        if a != b {
            differ.push(format!("{name}: source {a}, copy {b}"));
        }
    }
    ensure!(differ.is_empty(), "the copy differs from the source: {}", differ.join("; "));
    Ok(())
}
