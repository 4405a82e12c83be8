//! `report public`: the public dashboard table — counts by group with small-cell suppression
//! (`reports::public`: counts from 1 to 10 shown as "<11", complementary cells hidden so that
//! none can be worked out from the totals) — as CSV, JSON or one self-contained HTML page. Only
//! counts: no row names or describes a person.

use anyhow::bail;
use domain::{AgencyId, Location, TeamId};
use reports::measures::{Grouping, Names, Options, Tally};

use super::WindowArgs;
use crate::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct PublicArgs {
    #[command(flatten)]
    window: WindowArgs,
    /// Rows by channel, hour, weekday or area.
    #[arg(long, default_value = "channel")]
    by: String,
    /// csv, json or html.
    #[arg(long, default_value = "csv")]
    format: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) async fn run(args: PublicArgs) -> anyhow::Result<()> {
    let zone = args.window.zone(None)?;
    let window = args.window.parse_in(&zone)?;
    let by = match Grouping::parse(&args.by) {
        Some(by @ (Grouping::Channel | Grouping::Hour | Grouping::Weekday | Grouping::Area)) => by,
        // Agencies and teams are few and named: a public table by them would single out
        // small providers, so it is not offered.
        _ => bail!("--by {:?}: use channel, hour, weekday or area", args.by),
    };
    if !["csv", "json", "html"].contains(&args.format.as_str()) {
        bail!("--format {:?}: use csv, json or html", args.format);
    }
    let store = crate::config::database(args.db.config.as_deref(), args.db.database)?
        .open_existing()
        .await?;
    let mut tally = Tally::new(Options { window, agency: None, by, zone });
    super::each_event(&*store, |recorded| tally.add(&recorded.event, &recorded.involved)).await?;
    let router = if by == Grouping::Area { super::measures::router(&*store).await? } else { None };
    let agency = |id: AgencyId| id.to_string();
    let team = |id: TeamId| id.to_string();
    let area = |location: &Location| router.as_ref()?.area_label(location);
    let names = Names { agency: &agency, team: &team, area: &area };
    let table = reports::public::table(
        &tally.report_by(&names, by),
        &tally.report_by(&names, Grouping::All),
    );
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&table)?),
        "html" => {
            print!("{}", reports::public::html(&table, "Crisis response: contacts and responses"))
        }
        _ => print!("{}", reports::public::csv(&table)),
    }
    Ok(())
}
