//! `crisisbridge copy --from URL --to URL`: move a deployment to another database — a county's
//! SQLite file to the state's PostgreSQL, say — and prove the copy complete. What is copied, in
//! which order, and what is compared: `store::copy`. Here: opening both sides (the source must
//! exist and hold data, the target must be empty), the progress bar, and the comparison
//! printed; the target's audit trail must verify with the target's keys.

use anyhow::{bail, ensure};
use indicatif::{ProgressBar, ProgressStyle};

use crate::database::Database;

pub async fn run(from: &Database, to: &Database) -> anyhow::Result<()> {
    // A mistyped source would otherwise copy an empty new database, "verified".
    let source = from.open_existing().await?;
    if source.agencies().await?.is_empty() && source.head().await? == 0 {
        bail!("the source {} holds no data; check the URL", from.display());
    }
    let target = to.open().await?;
    if !target.agencies().await?.is_empty() || target.head().await? != 0 {
        bail!("the target {} already holds data; copy into an empty database", to.display());
    }
    let bar = ProgressBar::new(source.head().await?).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} events, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("copying the event log");
    let copied = store::copy::copy(&*source, &*target, &keys(from)?, &mut |done, _| {
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    copied?;
    let mut differ = Vec::new();
    for figure in store::copy::compare(&*source, &*target).await? {
        let same = figure.source == figure.copy;
        println!(
            "  {:<18} {:>12}  {}",
            figure.name,
            figure.source,
            if same { "ok" } else { "DIFFERS" }
        );
        if !same {
            differ.push(format!("{}: source {}, copy {}", figure.name, figure.source, figure.copy));
        }
    }
    ensure!(differ.is_empty(), "the copy differs from the source: {}", differ.join("; "));
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

/// A database's audit keys, or none.
fn keys(database: &Database) -> anyhow::Result<store::seal::KeyRing> {
    crate::keys::ring(database.audit_keys.as_deref())
}
