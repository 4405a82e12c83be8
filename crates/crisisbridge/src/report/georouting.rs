//! `report georouting`: for each service, how incidents were routed, and what georouting
//! changed compared with area-code routing. The figures and their definitions are
//! `reports::georouting`'s; this reads the log into its tally and prints.

use std::collections::HashMap;

use domain::AgencyId;
use reports::georouting::{Tally, table};

use super::WindowArgs;
use crate::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct GeoroutingArgs {
    #[command(flatten)]
    window: WindowArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) async fn run(args: GeoroutingArgs) -> anyhow::Result<()> {
    let window = args.window.parse()?;
    let store = crate::config::database(args.db.config.as_deref(), args.db.database)?
        .open_existing()
        .await?;
    let names: HashMap<AgencyId, String> =
        store.agencies().await?.into_iter().map(|a| (a.id, a.code)).collect();
    let mut tally = Tally::new(window);
    super::each_event(&*store, |recorded| {
        tally.add(recorded.event.incident, recorded.event.at, &recorded.event.kind);
    })
    .await?;
    let figures = tally.figures(&|id| names.get(&id).cloned().unwrap_or_else(|| id.to_string()));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        print!("{}", table(&figures));
    }
    Ok(())
}
