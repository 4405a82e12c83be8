//! `report overrides`: every override of a triage decision, counted by agency and
//! destination, and the alarms raised and acted on. The figures and their definitions are
//! `reports::overrides`'s; this reads the log into its tally and prints.

use std::collections::HashMap;

use domain::{AgencyId, UserId};
use reports::overrides::{Tally, table};

use super::WindowArgs;
use crate::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct OverridesArgs {
    #[command(flatten)]
    window: WindowArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) async fn run(args: OverridesArgs) -> anyhow::Result<()> {
    let window = args.window.parse()?;
    let store = crate::config::database(args.db.config.as_deref(), args.db.database)?
        .open_existing()
        .await?;
    let agencies: HashMap<AgencyId, String> =
        store.agencies().await?.into_iter().map(|a| (a.id, a.code)).collect();
    let users: HashMap<UserId, String> =
        store.users().await?.into_iter().map(|u| (u.id, u.username)).collect();
    let mut tally = Tally::new(window);
    super::each_event(&*store, |r| {
        tally.add(r.event.incident, r.event.at, r.event.actor, r.event.agency, &r.event.kind)
    })
    .await?;
    let figures = tally
        .figures(&|a| agencies.get(&a).cloned().unwrap_or_else(|| a.to_string()), &|u| {
            users.get(&u).cloned().unwrap_or_else(|| u.to_string())
        });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        print!("{}", table(&figures));
    }
    Ok(())
}
