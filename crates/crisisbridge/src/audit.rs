//! `crisisbridge audit`: verify the audit trail's chain (with its keys and against a
//! checkpoint), write a signed checkpoint of its head, and make a new sealing key.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use domain::Clock;
use store::seal::{AuditKey, Checkpoint, KeyRing};

/// What `audit verify` and `verify` check against.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The key file the server seals records and events with (audit_key_file); without it,
    /// sealed ones cannot be checked.
    #[arg(long)]
    keys: Option<PathBuf>,
    /// A checkpoint written by `audit checkpoint`: finds what was deleted from the end and a
    /// chain rebuilt since.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    #[command(flatten)]
    db: crate::DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every audit record against the chain; exits 1 at the first broken record.
    Verify(VerifyArgs),
    /// Verify the trail and the event log, then write both heads, signed with the current
    /// key, to --out or standard output: keep it somewhere the database's administrators
    /// cannot write.
    Checkpoint {
        #[arg(long)]
        keys: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
    /// Append a new random key to a key file (created 0600 if missing); it seals every record
    /// from the server's next start. Older keys stay, to verify what they sealed.
    NewKey {
        #[arg(long)]
        keys: PathBuf,
        /// A name for the key, e.g. 2026-12.
        #[arg(long)]
        id: String,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify(VerifyArgs { keys, checkpoint, db }) => {
            let ring = crate::keys::ring(keys.as_deref())?;
            let checkpoint = checkpoint.as_deref().map(read_checkpoint).transpose()?;
            let store =
                crate::config::database(db.config.as_deref(), db.database)?.open_existing().await?;
            let check = store::audit::verify_with(&*store, &ring, checkpoint.as_ref()).await?;
            if let Some((seq, why)) = check.broken {
                bail!(
                    "the audit log is broken at record {seq}: {why} ({} records before it verified)",
                    check.records
                );
            }
            let against = checkpoint
                .map(|c| format!(", consistent with the checkpoint at record {}", c.seq))
                .unwrap_or_else(|| {
                    "; give --checkpoint to also find records deleted from the end".to_owned()
                });
            println!(
                "audit log intact: {} records ({} sealed with a key), chain head {}{against}",
                check.records, check.sealed, check.head
            );
            Ok(())
        }
        AuditCommand::Checkpoint { keys, out, db } => {
            let ring = crate::keys::read_keys(&keys)?;
            let key = ring.current().context("the key file holds no key")?;
            let store =
                crate::config::database(db.config.as_deref(), db.database)?.open_existing().await?;
            let check = store::audit::verify_with(&*store, &ring, None).await?;
            if let Some((seq, why)) = check.broken {
                bail!("no checkpoint of a broken trail: record {seq}: {why}");
            }
            let log = store::log_chain::verify(&*store, &ring).await?;
            if let Some((seq, why)) = log.broken {
                bail!("no checkpoint of a broken event log: event {seq}: {why}");
            }
            let at = server::SystemClock.now().as_millis();
            let events = (log.events > 0).then(|| (log.events, log.head.clone()));
            let checkpoint =
                Checkpoint::sign_with_events(key, check.records, &check.head, at, events);
            let line = serde_json::to_string(&checkpoint)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{line}\n"))
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "checkpoint of {} records written to {}",
                        check.records,
                        path.display()
                    );
                }
                None => println!("{line}"),
            }
            Ok(())
        }
        AuditCommand::NewKey { keys, id } => new_key(&keys, &id),
    }
}

/// `crisisbridge verify`: the event log's chain, then the audit trail's.
pub async fn verify_all(args: VerifyArgs) -> anyhow::Result<()> {
    let VerifyArgs { keys, checkpoint, db } = args;
    let ring = crate::keys::ring(keys.as_deref())?;
    let store =
        crate::config::database(db.config.as_deref(), db.database.clone())?.open_existing().await?;
    let seen = checkpoint.as_deref().map(read_checkpoint).transpose()?.and_then(|c| c.events);
    let log = store::log_chain::verify_against(&*store, &ring, seen.as_ref()).await?;
    if let Some((seq, why)) = log.broken {
        bail!(
            "the event log is broken at event {seq}: {why} ({} events before it verified)",
            log.events
        );
    }
    println!(
        "event log intact: {} events ({} from before the chain, {} sealed with a key), chain head {}",
        log.events, log.unchained, log.sealed, log.head
    );
    run(AuditCommand::Verify(VerifyArgs { keys, checkpoint, db })).await
}

fn read_checkpoint(path: &Path) -> anyhow::Result<Checkpoint> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the checkpoint {}", path.display()))?;
    serde_json::from_str(text.trim()).with_context(|| {
        format!("{} is not a checkpoint written by `crisisbridge audit checkpoint`", path.display())
    })
}

fn new_key(path: &Path, id: &str) -> anyhow::Result<()> {
    let mut ring = if path.exists() { crate::keys::read_keys(path)? } else { KeyRing::default() };
    let mut secret = vec![0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    let key = AuditKey::new(id, secret).map_err(anyhow::Error::msg)?;
    let line = key.to_line();
    ring.push(key).map_err(anyhow::Error::msg)?;
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file =
        options.open(path).with_context(|| format!("opening {} to add a key", path.display()))?;
    writeln!(file, "{line}").with_context(|| format!("writing {}", path.display()))?;
    println!(
        "key {id} added to {}; it seals new audit records once the server starts with audit_key_file = {:?}",
        path.display(),
        path.display().to_string()
    );
    Ok(())
}
