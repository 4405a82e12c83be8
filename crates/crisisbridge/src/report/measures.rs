//! `report measures`: the outcome measures (docs/measures.md) for a period, grouped, as a
//! table, CSV or JSON. The figures are `reports::measures`'s; this reads the log into its
//! tally, names agencies, teams and areas from the database, and prints.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use anyhow::{Context, bail};
use domain::{AgencyId, Location, TeamId};
use incidents::routing::{RoutingData, ServiceRouter};
use indicatif::{ProgressBar, ProgressStyle};
use reports::measures::charts::Chart;
use reports::measures::{self, Grouping, Names, Options, Tally};

use super::WindowArgs;
use crate::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct MeasuresArgs {
    #[command(flatten)]
    window: WindowArgs,
    /// Only incidents this agency (its code) is involved in.
    #[arg(long)]
    agency: Option<String>,
    /// Group by all, agency, channel, hour, weekday, team or area.
    #[arg(long, default_value = "all")]
    by: String,
    /// table, csv, json, html (one self-contained file with the charts: redirect it, e.g.
    /// `> measures.html`), or svg or png (one chart, named by --chart; redirect it too).
    #[arg(long, default_value = "table")]
    format: String,
    /// With --format svg: volume, answer-times, response-times, funnel, or rate-map (contacts
    /// per 100,000 residents by area: with --by area --population).
    #[arg(long)]
    chart: Option<String>,
    /// With --by area: a file `area,name,population` (e.g. demo/kansas-population.csv) for
    /// rates per 100,000 residents and their spread between areas.
    #[arg(long)]
    population: Option<std::path::PathBuf>,
    #[command(flatten)]
    db: DatabaseArgs,
}

/// The routing table of the database's areas, to name the area of a location.
pub(crate) async fn router(store: &dyn store::Store) -> anyhow::Result<Option<ServiceRouter>> {
    let data = RoutingData {
        areas: store.areas().await?,
        service_areas: store.service_areas().await?,
        agencies: store.agencies().await?,
        places: Vec::new(),
        version: store.routing_version().await?,
    };
    Ok(ServiceRouter::build(data))
}

pub(crate) async fn run(args: MeasuresArgs) -> anyhow::Result<()> {
    // Checked now, so a mistyped day is said before anything is opened; read again below in
    // the agency's time zone.
    args.window.parse()?;
    let Some(by) = Grouping::parse(&args.by) else {
        bail!("--by {:?}: use {}", args.by, Grouping::NAMES);
    };
    if !["table", "csv", "json", "html", "svg", "png"].contains(&args.format.as_str()) {
        bail!("--format {:?}: use table, csv, json, html, svg or png", args.format);
    }
    let image = matches!(args.format.as_str(), "svg" | "png");
    if args.format == "png" && std::io::stdout().is_terminal() {
        bail!("--format png writes an image: redirect it to a file, e.g. > chart.png");
    }
    let chart = match (image, args.chart.as_deref()) {
        (true, None) => bail!(
            "--format {} draws one chart: add --chart {}, or rate-map",
            args.format,
            Chart::NAMES
        ),
        (true, Some(RATE_MAP)) if args.population.is_none() => {
            bail!("--chart rate-map needs --by area --population FILE")
        }
        (true, Some(RATE_MAP)) => None,
        (true, Some(name)) => Some(
            Chart::parse(name)
                .with_context(|| format!("--chart {name:?}: use {}, or rate-map", Chart::NAMES))?,
        ),
        (false, Some(_)) => bail!("--chart goes with --format svg or png"),
        (_, None) => None,
    };
    let populations = match &args.population {
        None => None,
        Some(_) if by != Grouping::Area => bail!("--population needs --by area"),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let parsed = measures::population::Populations::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Some(parsed)
        }
    };
    let store = crate::config::database(args.db.config.as_deref(), args.db.database)?
        .open_existing()
        .await?;
    let agencies = store.agencies().await?;
    let agency = match &args.agency {
        None => None,
        Some(code) => Some(agencies.iter().find(|a| &a.code == code).with_context(
            || format!("--agency {code:?}: no such agency; `crisisbridge report measures` without it counts every agency"),
        )?),
    };
    // Days, hours and weekdays in the agency's time zone (or --time-zone).
    let zone = args.window.zone(agency.map(|a| a.time_zone.as_str()))?;
    let window = args.window.parse_in(&zone)?;
    let agency = agency.map(|a| a.id);
    let mut tally = Tally::new(Options { window, agency, by, zone: zone.clone() });
    let bar = ProgressBar::new(store.head().await?).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} events, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("reading the event log");
    super::each_event(&*store, |recorded| {
        tally.add(&recorded.event, &recorded.involved);
        bar.set_position(recorded.seq);
    })
    .await?;
    let (from, to) = window.call_steps();
    for step in store.calls_between(from, to, agency).await? {
        tally.add_call(&step.event);
    }
    bar.finish_and_clear();
    let agency_codes: HashMap<AgencyId, String> =
        agencies.iter().map(|a| (a.id, a.code.clone())).collect();
    let team_names: HashMap<TeamId, String> =
        store.teams(None).await?.into_iter().map(|t| (t.id, t.name)).collect();
    let router = if by == Grouping::Area { router(&*store).await? } else { None };
    let agency_name =
        |id: AgencyId| agency_codes.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let team_name = |id: TeamId| team_names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let area_name = |location: &Location| router.as_ref()?.area_label(location);
    let mut report =
        tally.report(&Names { agency: &agency_name, team: &team_name, area: &area_name });
    if let Some(populations) = &populations {
        report.per_100k = Some(measures::population::per_capita(&report, populations));
    }
    // The rate map, when the report has rates by area.
    let shapes = router.as_ref().map(server::routes::reports::shapes).unwrap_or_default();
    let per_capita = report.per_100k.as_ref().filter(|_| !shapes.is_empty());
    let map = per_capita
        .zip(populations.as_ref())
        .map(|(p, people)| measures::charts::rate_map(p, people, &shapes, "contacts.total"));
    let no_areas = "--chart rate-map: the database has no area boundaries; import them first (crisisbridge import areas)";
    match args.format.as_str() {
        "csv" => print!("{}", measures::csv(&report)),
        "html" => print!(
            "{}",
            measures::html(
                &report,
                &heading(args.agency.as_deref(), window, &zone, by),
                map.as_deref()
            )
        ),
        "svg" => match chart {
            Some(chart) => print!("{}", measures::charts::svg(chart, &report)),
            None => print!("{}", map.context(no_areas)?),
        },
        "png" => {
            let bytes = match chart {
                Some(chart) => measures::charts::png(chart, &report),
                None => measures::charts::rate_map_png(
                    per_capita.context(no_areas)?,
                    populations.as_ref().context("--chart rate-map needs --population")?,
                    &shapes,
                    "contacts.total",
                ),
            }
            .map_err(|e| anyhow::anyhow!("drawing the chart: {e}"))?;
            std::io::stdout().write_all(&bytes)?;
        }
        "json" => println!("{}", serde_json::to_string_pretty(&report)?),
        _ => print!("{}", measures::table(&report)),
    }
    Ok(())
}

/// The chart drawn from the areas' outlines and populations rather than the report alone.
const RATE_MAP: &str = "rate-map";

/// What an HTML report covers, in words.
fn heading(
    agency: Option<&str>,
    window: reports::Window,
    zone: &reports::Zone,
    by: Grouping,
) -> String {
    let agency = agency.map_or_else(|| "every agency".to_owned(), |a| format!("agency {a}"));
    format!("{agency}; {}; grouped by {}", window.describe(zone), by.name())
}
