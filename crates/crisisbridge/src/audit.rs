//! `crisisbridge audit verify`: walk the whole audit trail and recompute its hash chain, so an
//! edited or deleted record is found.

use anyhow::bail;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every audit record against the hash chain; exits 1 at the first broken record.
    Verify {
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { db } = command;
    let database = crate::run::database(db.config.as_deref(), db.database)?;
    let store = database.open().await?;
    let check = store::audit::verify(&*store).await?;
    if let Some((seq, why)) = check.broken {
        bail!(
            "the audit log is broken at record {seq}: {why} ({} records before it verified)",
            check.records
        );
    }
    println!(
        "audit log intact: {} records, chain head {} (keep this value elsewhere to detect a truncated log)",
        check.records, check.head
    );
    Ok(())
}
