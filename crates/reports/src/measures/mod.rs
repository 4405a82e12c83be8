//! Outcome measures: how contacts were answered, triaged, diverted, served and followed up, for
//! a period, in groups — computed from the events alone. Every measure is defined in
//! docs/measures.md (numerator, denominator, the events it reads, the edge cases); `figures.rs`
//! computes them in the same order.
//!
//! A [`Tally`] is fed every event of the log in order (events before the period too: a repeat
//! contact looks back at earlier ones) and the phone system's call steps
//! ([`Tally::add_call`]), then [`Tally::report`] groups the incidents opened and the calls
//! arrived in the period and computes each group's measures.

mod calls;
pub mod charts;
pub mod facts;
mod figures;
mod html;
pub mod population;
mod render;
mod value;

use std::collections::BTreeMap;

use domain::{AgencyId, CallEvent, Event, IncidentId, Location, TeamId, Timestamp};
use serde::Serialize;

pub use calls::CallTally;
pub use facts::REPEAT_WINDOWS_DAYS;
pub use figures::Measure;
pub use html::html;
pub use render::{csv, table};
pub use value::{Distribution, Value};

use crate::{Window, Zone};

/// How incidents are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// One group: everything.
    #[default]
    All,
    /// By the agency that opened the incident.
    Agency,
    /// 911, 988, other.
    Channel,
    /// By the hour of day the incident was opened, in the report's time zone.
    Hour,
    /// By the day of the week the incident was opened, in the report's time zone.
    Weekday,
    /// By the mobile crisis team first sent (incidents without one: "(no team)").
    Team,
    /// By the area of the incident's best location (none: "(unknown)").
    Area,
}

impl Grouping {
    pub const NAMES: &'static str = "all, agency, channel, hour, weekday, team or area";

    pub const fn name(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Agency => "agency",
            Self::Channel => "channel",
            Self::Hour => "hour",
            Self::Weekday => "weekday",
            Self::Team => "team",
            Self::Area => "area",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "all" => Self::All,
            "agency" => Self::Agency,
            "channel" => Self::Channel,
            "hour" => Self::Hour,
            "weekday" => Self::Weekday,
            "team" => Self::Team,
            "area" => Self::Area,
            _ => return None,
        })
    }
}

/// What a report counts and how it groups.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub window: Window,
    /// Only incidents this agency is involved in.
    pub agency: Option<AgencyId>,
    pub by: Grouping,
    /// Where hours of day, days of the week and the volume's days are read (the agency's time
    /// zone); UTC by default.
    pub zone: Zone,
}

/// How groups are named: agencies and teams by their codes and names, areas by a lookup of a
/// location in the deployment's boundaries.
#[allow(missing_debug_implementations)]
pub struct Names<'a> {
    pub agency: &'a dyn Fn(AgencyId) -> String,
    pub team: &'a dyn Fn(TeamId) -> String,
    pub area: &'a dyn Fn(&Location) -> Option<String>,
}

impl Names<'static> {
    /// Every agency, team and area by its id alone (areas unnamed): for reports whose reader
    /// has no directory at hand, such as benchmarks and tests.
    pub fn by_id() -> Self {
        fn agency(id: AgencyId) -> String {
            id.to_string()
        }
        fn team(id: TeamId) -> String {
            id.to_string()
        }
        fn area(_: &Location) -> Option<String> {
            None
        }
        Names { agency: &agency, team: &team, area: &area }
    }
}

/// The measures of every group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Incidents counted, over all groups.
    pub incidents: u64,
    /// Calls the phone system reported as arrived in the period, over all groups.
    pub calls: u64,
    pub groups: Vec<Group>,
    /// Incidents opened and calls arrived each day of the period (in the report's time zone).
    pub volume: Vec<DayVolume>,
    /// Rates per 100,000 residents by area, when a population file was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_100k: Option<population::PerCapita>,
}

/// One day's volume: incidents opened by channel, and calls the phone system reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayVolume {
    /// `YYYY-MM-DD`, in the report's time zone.
    pub day: String,
    pub incidents_911: u64,
    pub incidents_988: u64,
    pub incidents_other: u64,
    pub calls: u64,
}

/// The most days a report's volume holds.
const MAX_VOLUME_DAYS: i64 = 3660;

/// The volume of each day from the first to the last with anything in it (days between with
/// nothing are there, with zeros).
fn volume(zone: &Zone, incidents: &[&facts::Facts], calls: &[&calls::CallFacts]) -> Vec<DayVolume> {
    let day = |at: Timestamp| zone.day_number(at);
    let days =
        incidents.iter().map(|f| day(f.opened_at)).chain(calls.iter().map(|c| day(c.arrived_at)));
    let (Some(first), Some(last)) = (days.clone().min(), days.max()) else { return Vec::new() };
    // At most the last ten years: a period "from the start" of a long-lived deployment, or a
    // stray old time, must not become millions of rows.
    let first = first.max(last - MAX_VOLUME_DAYS + 1);
    let mut out: Vec<DayVolume> = (first..=last)
        .map(|d| DayVolume {
            day: crate::window::format_day(Timestamp::from_millis(d * 86_400_000)),
            incidents_911: 0,
            incidents_988: 0,
            incidents_other: 0,
            calls: 0,
        })
        .collect();
    let slot = |at: Timestamp| usize::try_from(day(at) - first).ok();
    for f in incidents {
        if let Some(v) = slot(f.opened_at).and_then(|i| out.get_mut(i)) {
            match f.channel {
                domain::Channel::Nine11 => v.incidents_911 += 1,
                domain::Channel::Nine88 => v.incidents_988 += 1,
                domain::Channel::Other => v.incidents_other += 1,
            }
        }
    }
    for c in calls {
        if let Some(v) = slot(c.arrived_at).and_then(|i| out.get_mut(i)) {
            v.calls += 1;
        }
    }
    out
}

/// One group's measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: String,
    pub measures: Vec<Measure>,
}

/// Gathers what the measures need as the log's events go by.
#[derive(Debug)]
pub struct Tally {
    options: Options,
    gathered: facts::Gathered,
    calls: CallTally,
}

impl Tally {
    pub fn new(options: Options) -> Self {
        Self { options, gathered: facts::Gathered::default(), calls: CallTally::default() }
    }

    /// Room for about `incidents` incidents and `calls` phone calls more, made at once (a
    /// caller that knows how many are coming spares the map's growth, which for a moment holds
    /// the old table and the new).
    pub fn reserve(&mut self, incidents: usize, calls: usize) {
        self.gathered.incidents.reserve(incidents);
        self.calls.calls.reserve(calls);
    }

    /// Takes the next step of a call the phone system reported, in time order (a call's
    /// arrival before its end; steps from before the period are harmless).
    pub fn add_call(&mut self, event: &CallEvent) {
        self.calls.add(event);
    }

    /// Takes the next event of the log; `involved` is the incident's involvement after it.
    pub fn add(&mut self, event: &Event, involved: &[AgencyId]) {
        self.gathered.add(event.incident, event.at, event.agency, &event.kind, involved);
    }

    /// The measures of the incidents opened in the window, grouped.
    pub fn report(&self, names: &Names<'_>) -> Report {
        self.report_by(names, self.options.by)
    }

    /// The same incidents grouped another way (the public export needs them grouped and whole).
    pub fn report_by(&self, names: &Names<'_>, by: Grouping) -> Report {
        self.report_for(&Options { by, ..self.options.clone() }, names)
    }

    /// A report for other options than the tally was made with: one tally fed the whole log
    /// (a server's, kept current from the live stream) answers any period, agency and
    /// grouping without reading the log again.
    pub fn report_for(&self, options: &Options, names: &Names<'_>) -> Report {
        self.report_with_calls(options, names, &self.calls)
    }

    /// [`Self::report_for`] with the phone systems' calls of `calls` instead of the tally's own.
    pub fn report_with_calls(
        &self,
        options: &Options,
        names: &Names<'_>,
        calls: &CallTally,
    ) -> Report {
        let by = options.by;
        let mut groups: BTreeMap<String, Vec<&facts::Facts>> = BTreeMap::new();
        let mut ids: Vec<(&IncidentId, &facts::Facts)> = self
            .gathered
            .incidents
            .iter()
            .filter(|(_, f)| options.window.counts(f.opened_at, f.channel))
            .filter(|(_, f)| options.agency.is_none_or(|a| f.involved.contains(&a)))
            .collect();
        // The same order on every run, whatever the map's.
        ids.sort_by_key(|(id, _)| **id);
        for (_, f) in &ids {
            groups.entry(self.key(f, names, options)).or_default().push(f);
        }
        // Calls have no location and no team: grouped that way, they are not placed.
        let placeable = !matches!(by, Grouping::Area | Grouping::Team);
        let mut placed: BTreeMap<String, Vec<&calls::CallFacts>> = BTreeMap::new();
        let mut counted: Vec<&calls::CallFacts> = calls
            .calls
            .values()
            .filter(|c| options.window.counts(c.arrived_at, c.channel))
            .filter(|c| options.agency.is_none_or(|a| c.agency == a))
            .collect();
        counted.sort_by_key(|c| (c.arrived_at, c.agency));
        if placeable {
            for c in &counted {
                let key = self.call_key(c, names, options);
                groups.entry(key.clone()).or_default();
                placed.entry(key).or_default().push(c);
            }
        }
        if groups.is_empty() {
            groups.insert(self.empty_key(), Vec::new());
        }
        let all: Vec<&facts::Facts> = ids.iter().map(|(_, f)| *f).collect();
        Report {
            incidents: ids.len() as u64,
            calls: counted.len() as u64,
            volume: volume(&options.zone, &all, &counted),
            groups: groups
                .into_iter()
                .map(|(key, incidents)| {
                    let group_calls = if placeable {
                        figures::GroupCalls::Placed(placed.get(&key).map_or(&[][..], Vec::as_slice))
                    } else {
                        figures::GroupCalls::Unplaceable
                    };
                    let repeat = |f: &facts::Facts| self.gathered.repeat_of(f, options.agency);
                    let follow_ups = figures::FollowUpScope {
                        agency: options.agency,
                        as_of: self.gathered.latest,
                    };
                    Group {
                        key,
                        measures: figures::measures(&incidents, group_calls, &repeat, follow_ups),
                    }
                })
                .collect(),
            per_100k: None,
        }
    }

    fn call_key(&self, c: &calls::CallFacts, names: &Names<'_>, options: &Options) -> String {
        match options.by {
            Grouping::Agency => (names.agency)(c.agency),
            Grouping::Channel => c.channel.as_str().to_owned(),
            Grouping::Hour => format!("{:02}:00", options.zone.hour(c.arrived_at)),
            Grouping::Weekday => weekday_of(&options.zone, c.arrived_at).to_owned(),
            Grouping::All | Grouping::Team | Grouping::Area => self.empty_key(),
        }
    }

    fn key(&self, f: &facts::Facts, names: &Names<'_>, options: &Options) -> String {
        match options.by {
            Grouping::All => self.empty_key(),
            Grouping::Agency => (names.agency)(f.agency),
            Grouping::Channel => f.channel.as_str().to_owned(),
            Grouping::Hour => format!("{:02}:00", options.zone.hour(f.opened_at)),
            Grouping::Weekday => weekday_of(&options.zone, f.opened_at).to_owned(),
            Grouping::Team => f
                .dispatches
                .first()
                .map_or_else(|| "(no team)".to_owned(), |d| (names.team)(d.team)),
            Grouping::Area => (names.area)(&f.location).unwrap_or_else(|| "(unknown)".to_owned()),
        }
    }

    fn empty_key(&self) -> String {
        "all".to_owned()
    }
}

/// The day of the week in `zone`; 1970-01-01 was a Thursday. Named so they sort Monday first.
fn weekday_of(zone: &Zone, at: Timestamp) -> &'static str {
    const DAYS: [&str; 7] = [
        "4 Thursday",
        "5 Friday",
        "6 Saturday",
        "7 Sunday",
        "1 Monday",
        "2 Tuesday",
        "3 Wednesday",
    ];
    let day = zone.weekday_from_thursday(at);
    usize::try_from(day).ok().and_then(|d| DAYS.get(d)).copied().unwrap_or("?")
}

#[cfg(test)]
mod tests;
