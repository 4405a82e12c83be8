//! `crisisbridge report`: figures computed from the event log, and nothing else.
//!
//! - `report georouting` (`georouting.rs`): how incidents were routed, and what georouting
//!   changed compared with area-code routing.
//! - `report overrides` (`overrides.rs`): every override of a triage decision — who, when,
//!   against which decision, to where, and why — and the alarms raised and acted on.

mod georouting;
mod overrides;

use anyhow::{Context, bail};
use domain::{Channel, Timestamp};
use store::{RecordedEvent, Store};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// How incidents were routed, and how often georouting chose another agency than the
    /// caller's area code would have.
    Georouting(georouting::GeoroutingArgs),
    /// Every override of a triage decision (who, against what, to where, why), and the alarms
    /// raised and acted on.
    Overrides(overrides::OverridesArgs),
}

pub(crate) async fn run(command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::Georouting(args) => georouting::run(args).await,
        ReportCommand::Overrides(args) => overrides::run(args).await,
    }
}

/// Which incidents a report counts, as given on the command line.
#[derive(Debug, clap::Args)]
pub(crate) struct WindowArgs {
    /// Only incidents opened on or after this day (UTC), YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Only incidents opened before this day (UTC), YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
    /// Only incidents of this channel: 911, 988 or other.
    #[arg(long)]
    channel: Option<String>,
}

impl WindowArgs {
    fn parse(&self) -> anyhow::Result<Window> {
        Ok(Window {
            from: self.from.as_deref().map(parse_day).transpose().context("--from")?,
            to: self.to.as_deref().map(parse_day).transpose().context("--to")?,
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

/// Which incidents count.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Window {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub channel: Option<Channel>,
}

impl Window {
    /// Whether an incident opened at `at` on `channel` counts.
    pub fn counts(&self, at: Timestamp, channel: Channel) -> bool {
        self.from.is_none_or(|f| at >= f)
            && self.to.is_none_or(|t| at < t)
            && self.channel.is_none_or(|c| c == channel)
    }
}

/// Calls `each` with every event of the log, in order, a page at a time.
async fn each_event(store: &dyn Store, mut each: impl FnMut(&RecordedEvent)) -> anyhow::Result<()> {
    let mut after = 0;
    loop {
        let page = store.events_after(after, None, 10_000).await?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.seq;
        page.iter().for_each(&mut each);
    }
}

/// `YYYY-MM-DD` as the UTC midnight it starts at.
fn parse_day(day: &str) -> anyhow::Result<Timestamp> {
    let parts: Vec<&str> = day.split('-').collect();
    let [y, m, d] = parts.as_slice() else { bail!("{day:?} is not a day like 2026-12-01") };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) else {
        bail!("{day:?} is not a day like 2026-12-01")
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let valid_month = (1..=12).contains(&m);
    let max_day =
        usize::try_from(m - 1).ok().and_then(|i| days_in_month.get(i)).copied().unwrap_or(0);
    if !(1970..=9999).contains(&y) || !valid_month || !(1..=max_day).contains(&d) {
        bail!("{day:?} is not a day like 2026-12-01");
    }
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(Timestamp::from_millis(days * 86_400_000))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn days_are_utc_midnights() {
        assert_eq!(parse_day("1970-01-01").unwrap().as_millis(), 0);
        assert_eq!(parse_day("2026-12-01").unwrap().as_millis(), 1_796_083_200_000);
        assert_eq!(parse_day("2024-02-29").unwrap().as_millis(), 1_709_164_800_000);
        for bad in ["2025-02-29", "2026-13-01", "2026-12", "yesterday", "1969-12-31"] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }
}
