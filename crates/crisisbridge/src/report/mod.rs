//! `crisisbridge report`: figures computed from the event log, and nothing else. The figures
//! are the `reports` crate's; this module reads the log and prints them.
//!
//! - `report georouting` (`georouting.rs`): how incidents were routed, and what georouting
//!   changed compared with area-code routing.
//! - `report measures` (`measures.rs`): the outcome measures of docs/measures.md, grouped.
//! - `report public` (`public.rs`): the public dashboard table, small counts suppressed.
//! - `report overrides` (`overrides.rs`): every override of a triage decision — who, when,
//!   against which decision, to where, and why — and the alarms raised and acted on.

mod georouting;
mod measures;
mod overrides;
mod public;

use anyhow::Context;
use domain::Channel;
use reports::{Window, Zone, parse_day_in};
use store::{RecordedEvent, Store};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// How incidents were routed, and how often georouting chose another agency than the
    /// caller's area code would have.
    Georouting(georouting::GeoroutingArgs),
    /// Every override of a triage decision (who, against what, to where, why), and the alarms
    /// raised and acted on.
    Overrides(overrides::OverridesArgs),
    /// The outcome measures (docs/measures.md) for a period: contacts, diversion, embedded
    /// clinicians, mobile crisis response, imminent-risk handoffs, repeat contacts, the unserved.
    Measures(measures::MeasuresArgs),
    /// The public dashboard table: counts by channel, hour, weekday or area, with small counts
    /// suppressed so that no cell can identify anyone.
    Public(public::PublicArgs),
}

pub(crate) async fn run(command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::Georouting(args) => georouting::run(args).await,
        ReportCommand::Overrides(args) => overrides::run(args).await,
        ReportCommand::Measures(args) => measures::run(args).await,
        ReportCommand::Public(args) => public::run(args).await,
    }
}

/// Which incidents a report counts, as given on the command line.
#[derive(Debug, clap::Args)]
pub(crate) struct WindowArgs {
    /// Only incidents opened on or after this day, YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Only incidents opened before this day, YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
    /// Only incidents of this channel: 911, 988 or other.
    #[arg(long)]
    channel: Option<String>,
    /// The time zone days (and hours of day) are read in, e.g. America/Chicago; default the
    /// agency's with --agency, else UTC.
    #[arg(long)]
    time_zone: Option<String>,
}

impl WindowArgs {
    /// The time zone given, else `default` (an agency's), else UTC.
    fn zone(&self, default: Option<&str>) -> anyhow::Result<Zone> {
        match (self.time_zone.as_deref(), default) {
            (Some(name), _) => Zone::named(name).context("--time-zone"),
            (None, Some(name)) => Zone::named(name).context("the agency's time_zone"),
            (None, None) => Ok(Zone::utc()),
        }
    }

    fn parse(&self) -> anyhow::Result<Window> {
        self.parse_in(&self.zone(None)?)
    }

    /// The window, its days read in `zone`.
    fn parse_in(&self, zone: &Zone) -> anyhow::Result<Window> {
        let day = |d: &str| parse_day_in(d, zone);
        Ok(Window {
            from: self.from.as_deref().map(day).transpose().context("--from")?,
            to: self.to.as_deref().map(day).transpose().context("--to")?,
            channel: self
                .channel
                .as_deref()
                .map(|c| {
                    Channel::parse(c)
                        .with_context(|| format!("--channel {c:?}: use 911, 988 or other"))
                })
                .transpose()?,
        })
    }
}

/// Calls `each` with every event of the log, in order, a page at a time.
pub(crate) async fn each_event(
    store: &dyn Store,
    mut each: impl FnMut(&RecordedEvent),
) -> anyhow::Result<()> {
    let mut after = 0;
    loop {
        let page = store.events_after(after, None, 10_000).await?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.seq;
        page.iter().for_each(&mut each);
    }
}
