//! The scenario file (TOML): the period, the roads, where and when calls come, their
//! priorities and service times, the facilities, posts and teams. Parsed and checked whole
//! before any run; every error names the file, the line and what to change. The format is
//! documented in `docs/scenarios.md`.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use domain::GeoPoint;
use serde::Deserialize;
use toml::Spanned;

use crate::arrivals::Arrivals;
use crate::dist::Duration;
use crate::fleet::{FleetModel, Priority, TeamSpec};
use crate::line::Line;
use crate::on_roads::Named;

/// A scenario that cannot be run, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; 0 when the problem has no one line.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// A `[[demand.profile]]`: area patterns, and their weights' multipliers by hour of the week.
pub type Profile = (Vec<String>, Vec<f64>);

/// Where calls come from, as the file names it (the caller reads the file).
#[derive(Debug, Clone, PartialEq)]
pub enum DemandSource {
    /// GeoJSON areas (gzipped or not): `id` names each feature, `weight` its weight; the
    /// areas whose ids match `rural` (a code, or a prefix ending in `*`) are rural; each
    /// profile multiplies the weights of the areas it matches, hour by hour of the week.
    Areas { file: String, id: String, weight: String, rural: Vec<String>, profiles: Vec<Profile> },
    /// CSV of `lat,lon,weight` with a header.
    Points { file: String },
}

/// A checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// The road network file, as written (relative to the scenario's directory).
    pub roads: String,
    pub demand: DemandSource,
    pub model: FleetModel,
    pub posts: Vec<Named>,
    pub facilities: Vec<Named>,
    pub replications: usize,
    pub seed: u64,
    /// The 988 line, when the scenario has one.
    pub line988: Option<Line>,
    /// 911 calls triaged by a protocol, when the scenario has them; until
    /// [`Scenario::apply_triage`], `model.arrivals` holds only the scenario's own `[arrivals]`
    /// (or, without one, the 911 calls themselves).
    pub triage911: Option<Triage911>,
    /// The teams' own calls (`[arrivals]`), before any share of 911 calls is added.
    pub base_arrivals: Option<Arrivals>,
    /// The county's boundaries and services file, when calls are routed by where they are.
    pub county: Option<County>,
    /// Each team's provider (an agency code of the county's services file), in team order.
    pub team_providers: Vec<Option<String>>,
    /// The county's 988 centers, when contacts are routed to several (`[[center]]`).
    pub centers: Vec<CenterSpec>,
    /// The line of each post and facility (`"post NAME"`, `"facility NAME"`) and of the
    /// `roads` and `[demand]` entries, for errors found once the files are read.
    pub lines: HashMap<String, usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    roads: Spanned<String>,
    #[serde(default)]
    days: Option<Spanned<f64>>,
    #[serde(default)]
    hours: Option<Spanned<f64>>,
    #[serde(default)]
    warm_up_hours: Option<Spanned<f64>>,
    #[serde(default)]
    replications: Option<Spanned<i64>>,
    #[serde(default)]
    seed: Option<Spanned<i64>>,
    #[serde(default)]
    arrivals: Option<Spanned<RawArrivals>>,
    #[serde(default)]
    triage911: Option<Spanned<RawTriage>>,
    demand: Spanned<RawDemand>,
    #[serde(rename = "priority", default)]
    priorities: Vec<Spanned<RawPriority>>,
    service: Spanned<RawService>,
    #[serde(rename = "facility", default)]
    facilities: Vec<Spanned<RawPoint>>,
    #[serde(rename = "post", default)]
    posts: Vec<Spanned<RawPoint>>,
    #[serde(rename = "team", default)]
    teams: Vec<Spanned<RawTeam>>,
    #[serde(rename = "shift", default)]
    shifts: Vec<Spanned<RawShift>>,
    #[serde(default)]
    line988: Option<Spanned<RawLine>>,
    #[serde(default)]
    dispatch: Option<RawDispatch>,
    #[serde(default)]
    county: Option<Spanned<RawCounty>>,
    #[serde(rename = "center", default)]
    centers: Vec<Spanned<RawCenter>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCenter {
    agency: String,
    #[serde(default)]
    counselors: Option<u32>,
    #[serde(default)]
    counselors_by_hour_of_week: Option<Vec<u32>>,
    #[serde(default)]
    in_state: Option<bool>,
}

/// A 988 crisis center of the county's services file and its counselors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CenterSpec {
    /// The agency's code in the services file.
    pub agency: String,
    /// On duty in each hour of the week (168, Monday 00:00 first).
    pub counselors: Vec<u32>,
    /// Whether it is in the state of the centers that roll contacts over to it (the 988
    /// network's in-state answer rate); a national backup is not.
    pub in_state: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCounty {
    areas: String,
    id: String,
    services: String,
}

/// Where calls are routed by: the county's boundaries and its services file (the files as
/// `import areas` and `import services` read them; the caller reads them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    /// GeoJSON boundaries (gzipped or not), relative to the scenario's directory.
    pub areas: String,
    /// The property that gives each area's code.
    pub id: String,
    /// The services file: agencies, who serves which areas with backup tiers.
    pub services: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    #[serde(default)]
    contacts_per_hour: Option<f64>,
    #[serde(default)]
    contacts_by_hour_of_week: Option<Vec<f64>>,
    #[serde(default)]
    counselors: Option<u32>,
    #[serde(default)]
    counselors_by_hour_of_week: Option<Vec<u32>>,
    talk: Spanned<RawDuration>,
    patience: Spanned<RawDuration>,
    #[serde(default)]
    answer_within_seconds: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArrivals {
    #[serde(default)]
    per_hour: Option<f64>,
    #[serde(default)]
    by_hour_of_week: Option<Vec<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTriage {
    #[serde(default)]
    calls_per_hour: Option<f64>,
    #[serde(default)]
    calls_by_hour_of_week: Option<Vec<f64>>,
    protocol: String,
    #[serde(default)]
    floors: Vec<String>,
    answers: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>,
}

/// 911 calls through the agency's triage protocol (the caller reads the protocol file).
#[derive(Debug, Clone, PartialEq)]
pub struct Triage911 {
    pub calls: Arrivals,
    /// The protocol file, as written (relative to the scenario's directory).
    pub protocol: String,
    /// A state's safety floor files the protocol must pass too, as written.
    pub floors: Vec<String>,
    pub mix: Vec<crate::triage_mix::AnswerMix>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemand {
    #[serde(default)]
    areas: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    weight: Option<String>,
    #[serde(default)]
    points: Option<String>,
    #[serde(default)]
    rural_areas: Vec<String>,
    #[serde(default)]
    profile: Vec<Spanned<RawProfile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    areas: Vec<String>,
    by_hour_of_week: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriority {
    name: String,
    share: f64,
    target_minutes: f64,
    #[serde(default)]
    travel_time_factor: Option<f64>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    rural_target_minutes: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDispatch {
    policy: Spanned<String>,
}

/// Capability names as the product normalises them; the first bad one is refused.
fn capabilities(names: &[String]) -> Result<Vec<String>, String> {
    names
        .iter()
        .map(|n| {
            dispatch::Capability::parse(n).map(|c| c.as_str().to_owned()).map_err(|_| {
                format!(
                    "capability \"{n}\": use letters, digits, - _ and :, as teams' capabilities are named"
                )
            })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    dispatch_delay: Spanned<RawDuration>,
    on_scene: Spanned<RawDuration>,
    transport_share: Spanned<f64>,
    handover: Spanned<RawDuration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDuration {
    kind: String,
    #[serde(default)]
    minutes: Option<f64>,
    #[serde(default)]
    mean_minutes: Option<f64>,
    #[serde(default)]
    sd_minutes: Option<f64>,
    #[serde(default)]
    min_minutes: Option<f64>,
    #[serde(default)]
    max_minutes: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoint {
    name: String,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    name: String,
    post: Spanned<String>,
    #[serde(default)]
    shift: Option<Spanned<String>>,
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    provider: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShift {
    name: String,
    /// "HH:00", local time.
    start: String,
    hours: i64,
    #[serde(default)]
    days: Option<Vec<String>>,
}

/// A shift: its name and the hours of the week it covers.
struct Shift {
    name: String,
    hours: Vec<bool>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn shifts(ctx: &Ctx<'_>, raw: &[Spanned<RawShift>]) -> Result<Vec<Shift>, ScenarioError> {
    let mut out: Vec<Shift> = Vec::new();
    for spanned in raw {
        let r = spanned.get_ref();
        let err = |m: String| ctx.err(spanned.span(), format!("shift {}: {m}", r.name));
        if r.name.trim().is_empty() {
            return Err(ctx.err(spanned.span(), "a shift without a name: give it one"));
        }
        if out.iter().any(|o| o.name == r.name) {
            return Err(err("named twice: give each shift its own name".into()));
        }
        let start = r
            .start
            .strip_suffix(":00")
            .and_then(|h| h.parse::<usize>().ok())
            .filter(|h| *h < 24)
            .ok_or_else(|| {
                err(format!("start = \"{}\": give an hour such as \"07:00\"", r.start))
            })?;
        let hours = usize::try_from(r.hours)
            .ok()
            .filter(|h| (1..=24).contains(h))
            .ok_or_else(|| err(format!("hours = {}: give 1 to 24", r.hours)))?;
        let days: Vec<usize> = match &r.days {
            None => (0..7).collect(),
            Some(list) => {
                let mut days = Vec::new();
                for d in list {
                    let Some(k) = DAYS.iter().position(|n| n.eq_ignore_ascii_case(d.trim())) else {
                        return Err(err(format!("day \"{d}\": use {}", DAYS.join(", "))));
                    };
                    if days.contains(&k) {
                        return Err(err(format!("day \"{d}\" is named twice")));
                    }
                    days.push(k);
                }
                if days.is_empty() {
                    return Err(err(
                        "days = []: name at least one day, or leave days out for every day".into(),
                    ));
                }
                days
            }
        };
        let mut covered = vec![false; crate::arrivals::HOURS_PER_WEEK];
        for d in days {
            for k in 0..hours {
                if let Some(slot) =
                    covered.get_mut((d * 24 + start + k) % crate::arrivals::HOURS_PER_WEEK)
                {
                    *slot = true;
                }
            }
        }
        out.push(Shift { name: r.name.clone(), hours: covered });
    }
    Ok(out)
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        self.text.get(..span.start).map_or(0, |before| before.matches('\n').count() + 1)
    }

    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError { file: self.file.to_owned(), line: self.line(span), message: message.into() }
    }
}

/// The most replications a scenario may ask for.
pub const MAX_REPLICATIONS: usize = 1000;

impl Scenario {
    /// Parses and checks the scenario in `text`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, ScenarioError> {
        let ctx = Ctx { file, text };
        let raw: Raw = toml::from_str(text).map_err(|e| ScenarioError {
            file: file.to_owned(),
            line: e.span().map_or(0, |s| ctx.line(s)),
            message: e.message().trim().to_owned(),
        })?;
        let mut lines = HashMap::new();
        lines.insert("roads".to_owned(), ctx.line(raw.roads.span()));
        lines.insert("demand".to_owned(), ctx.line(raw.demand.span()));
        let hours = match (&raw.days, &raw.hours) {
            (Some(_), Some(h)) => {
                return Err(ctx.err(h.span(), "give the period as `days` or `hours`, not both"));
            }
            (Some(d), None) => positive(&ctx, d, "days", 24.0)? * 24.0,
            (None, Some(h)) => positive(&ctx, h, "hours", 1.0)?,
            (None, None) => 365.0 * 24.0,
        };
        let warm_up_h = match &raw.warm_up_hours {
            Some(w) if !(0.0..=MAX_WARM_UP_HOURS).contains(w.get_ref()) => {
                return Err(
                    ctx.err(w.span(), "warm_up_hours: give 0 or more, at most a year (8760)")
                );
            }
            Some(w) => *w.get_ref(),
            None => 24.0,
        };
        let replications = match &raw.replications {
            Some(r) => usize::try_from(*r.get_ref())
                .ok()
                .filter(|n| (2..=MAX_REPLICATIONS).contains(n))
                .ok_or_else(|| {
                    ctx.err(r.span(), format!("replications: give 2 to {MAX_REPLICATIONS}"))
                })?,
            None => 30,
        };
        let seed = match &raw.seed {
            Some(s) => u64::try_from(*s.get_ref())
                .map_err(|_| ctx.err(s.span(), "seed: give a whole number of 0 or more"))?,
            None => 1,
        };
        let triage911 = raw.triage911.as_ref().map(|t| triage911(&ctx, t)).transpose()?;
        let base_arrivals = raw.arrivals.as_ref().map(|a| arrivals(&ctx, a)).transpose()?;
        if let Some(t) = &raw.triage911 {
            lines.insert("triage911".to_owned(), ctx.line(t.span()));
        }
        let arrivals = match (&base_arrivals, &triage911) {
            (Some(a), _) => a.clone(),
            (None, Some(t)) => t.calls.clone(),
            (None, None) => {
                return Err(ScenarioError {
                    file: file.to_owned(),
                    line: 0,
                    message: "no [arrivals] and no [triage911]: give the teams' calls, or 911 \
                              calls through a triage protocol, or both"
                        .into(),
                });
            }
        };
        let arrivals_span = raw
            .arrivals
            .as_ref()
            .map_or_else(|| raw.triage911.as_ref().map_or(0..0, Spanned::span), Spanned::span);
        let expected = arrivals.mean_per_hour() * (hours + warm_up_h);
        if expected > MAX_CALLS {
            return Err(ctx.err(
                arrivals_span.clone(),
                format!(
                    "about {expected:.0} calls per replication: at most 20 million; shorten the \
                     period or lower the rate"
                ),
            ));
        }
        let demand = demand(&ctx, &raw.demand)?;
        for (n, p) in raw.demand.get_ref().profile.iter().enumerate() {
            lines.insert(format!("demand profile {}", n + 1), ctx.line(p.span()));
        }
        let rural_areas = !raw.demand.get_ref().rural_areas.is_empty();
        let priorities = priorities(&ctx, &raw.priorities, rural_areas)?;
        let service = raw.service.get_ref();
        let transport_share = *service.transport_share.get_ref();
        if !(0.0..=1.0).contains(&transport_share) {
            return Err(ctx.err(
                service.transport_share.span(),
                format!("transport_share = {transport_share}: give a share from 0 to 1"),
            ));
        }
        let facilities = points(&ctx, &raw.facilities, "facility", &mut lines)?;
        if transport_share > 0.0 && facilities.is_empty() {
            return Err(ctx.err(
                service.transport_share.span(),
                "calls are transported but there is no [[facility]]: add one, or set \
                 transport_share = 0",
            ));
        }
        let posts = points(&ctx, &raw.posts, "post", &mut lines)?;
        if raw.posts.is_empty() {
            return Err(ScenarioError {
                file: file.to_owned(),
                line: 0,
                message: "no [[post]]: every team starts from and returns to a post".into(),
            });
        }
        let shifts = shifts(&ctx, &raw.shifts)?;
        let teams = teams(&ctx, &raw.teams, &posts, &shifts)?;
        let county = raw.county.as_ref().map(|c| {
            lines.insert("county".to_owned(), ctx.line(c.span()));
            let c = c.get_ref();
            County { areas: c.areas.clone(), id: c.id.clone(), services: c.services.clone() }
        });
        let mut team_providers = Vec::with_capacity(raw.teams.len());
        for t in &raw.teams {
            let r = t.get_ref();
            match (&r.provider, &county) {
                (Some(p), None) => {
                    return Err(ctx.err(
                        p.span(),
                        format!(
                            "team {}: a provider needs a [county] whose services file names it",
                            r.name
                        ),
                    ));
                }
                (None, Some(_)) => {
                    return Err(ctx.err(
                        t.span(),
                        format!(
                            "team {}: with a [county], give each team its provider = \"CODE\" \
                             (a mobile crisis provider of the services file)",
                            r.name
                        ),
                    ));
                }
                (Some(p), Some(_)) => {
                    lines.insert(format!("team {} provider", r.name), ctx.line(p.span()));
                    team_providers.push(Some(p.get_ref().clone()));
                }
                (None, None) => team_providers.push(None),
            }
        }
        let policy = match &raw.dispatch {
            None => crate::fleet::Policy::Closest,
            Some(d) => match d.policy.get_ref().as_str() {
                "closest" => crate::fleet::Policy::Closest,
                "recommend" => crate::fleet::Policy::Recommend,
                other => {
                    return Err(ctx.err(
                        d.policy.span(),
                        format!("[dispatch] policy = \"{other}\": use closest or recommend"),
                    ));
                }
            },
        };
        let model = FleetModel {
            policy,
            priorities,
            arrivals,
            dispatch_delay: duration(&ctx, &service.dispatch_delay, "dispatch_delay")?,
            on_scene: duration(&ctx, &service.on_scene, "on_scene")?,
            transport_share,
            handover: duration(&ctx, &service.handover, "handover")?,
            teams,
            warm_up_h,
            hours,
        };
        model.check(posts.len()).map_err(|message| ScenarioError {
            file: file.to_owned(),
            line: 0,
            message,
        })?;
        let centers = centers(&ctx, &raw, &mut lines)?;
        let pooled = (!centers.is_empty()).then(|| {
            (0..crate::arrivals::HOURS_PER_WEEK)
                .map(|h| centers.iter().map(|c| c.counselors.get(h).copied().unwrap_or(0)).sum())
                .collect()
        });
        let line988 = raw.line988.as_ref().map(|l| line(&ctx, l, pooled)).transpose()?;
        if let (Some(l), Some(raw_line)) = (&line988, &raw.line988) {
            let expected = l.arrivals.mean_per_hour() * (hours + warm_up_h);
            if expected > MAX_CALLS {
                return Err(ctx.err(
                    raw_line.span(),
                    format!(
                        "[line988]: about {expected:.0} contacts per replication: at most 20 \
                         million; shorten the period or lower the rate"
                    ),
                ));
            }
        }
        Ok(Self {
            triage911,
            base_arrivals,
            county,
            team_providers,
            centers,
            line988,
            name: raw.name,
            roads: raw.roads.into_inner(),
            demand,
            model,
            posts,
            facilities,
            replications,
            seed,
            lines,
        })
    }

    /// Adds the 911 calls' shares to the teams' calls (mobile crisis and co-response) and to
    /// the 988 line's contacts (diversions), from the protocol's outcome shares.
    pub fn apply_triage(
        &mut self,
        shares: &crate::triage_mix::OutcomeShares,
    ) -> Result<(), String> {
        let Some(t) = &self.triage911 else { return Ok(()) };
        self.model.arrivals = match &self.base_arrivals {
            Some(base) => base.plus_share_of(&t.calls, shares.team_share())?,
            None => t.calls.share_of(shares.team_share()).map_err(|_| {
                "the protocol sends no 911 call of this mix to a mobile crisis team, and there is \
                 no [arrivals]: the teams would have no calls"
                    .to_owned()
            })?,
        };
        if let Some(line) = &mut self.line988 {
            line.arrivals = line
                .arrivals
                .plus_share_of(&t.calls, shares.share(domain::TriageOutcome::Divert988))?;
        }
        // The calls added count against the same bounds as the scenario's own.
        self.check_period(self.model.hours)
    }

    /// Why a period of `hours` per replication is too long for this scenario's calls and
    /// contacts (more than [`MAX_CALLS`] expected), if it is.
    pub fn check_period(&self, hours: f64) -> Result<(), String> {
        if !(hours.is_finite() && (1.0..=MAX_HOURS).contains(&hours)) {
            return Err("give a period from an hour to ten years".into());
        }
        let total = hours + self.model.warm_up_h;
        let calls = self.model.arrivals.mean_per_hour() * total;
        let contacts = self.line988.as_ref().map_or(0.0, |l| l.arrivals.mean_per_hour() * total);
        if calls.max(contacts) > MAX_CALLS {
            return Err(format!(
                "about {:.0} calls or contacts per replication: at most 20 million",
                calls.max(contacts)
            ));
        }
        Ok(())
    }

    /// `what` ("post NAME", "facility NAME", "roads", "demand") as a [`ScenarioError`] at its
    /// line.
    pub fn error_at(&self, file: &str, what: &str, message: String) -> ScenarioError {
        ScenarioError {
            file: file.to_owned(),
            line: self.lines.get(what).copied().unwrap_or(0),
            message,
        }
    }
}

/// The longest period a replication may have, hours (ten years), and its warm-up (a year).
pub const MAX_HOURS: f64 = 10.0 * 365.0 * 24.0;
pub const MAX_WARM_UP_HOURS: f64 = 365.0 * 24.0;
/// The most calls a replication may expect (rate × (warm-up + period)).
pub const MAX_CALLS: f64 = 20_000_000.0;

fn positive(
    ctx: &Ctx<'_>,
    value: &Spanned<f64>,
    name: &str,
    hours: f64,
) -> Result<f64, ScenarioError> {
    let v = *value.get_ref();
    if v.is_finite() && v * hours >= 1.0 && v * hours <= MAX_HOURS {
        Ok(v)
    } else {
        Err(ctx.err(value.span(), format!("{name} = {v}: give a period from an hour to ten years")))
    }
}

fn arrivals(ctx: &Ctx<'_>, raw: &Spanned<RawArrivals>) -> Result<Arrivals, ScenarioError> {
    let made = match (raw.get_ref().per_hour, &raw.get_ref().by_hour_of_week) {
        (Some(rate), None) => Arrivals::constant(rate),
        (None, Some(rates)) => Arrivals::by_hour_of_week(rates.clone()),
        _ => Err("[arrivals]: give either per_hour or by_hour_of_week (168 rates from Monday \
                  00:00)"
            .into()),
    };
    made.map_err(|m| ctx.err(raw.span(), format!("[arrivals]: {m}")))
}

fn triage911(ctx: &Ctx<'_>, raw: &Spanned<RawTriage>) -> Result<Triage911, ScenarioError> {
    let r = raw.get_ref();
    let err = |m: String| ctx.err(raw.span(), format!("[triage911]: {m}"));
    let calls = match (r.calls_per_hour, &r.calls_by_hour_of_week) {
        (Some(rate), None) => Arrivals::constant(rate),
        (None, Some(rates)) => Arrivals::by_hour_of_week(rates.clone()),
        _ => Err("give either calls_per_hour or calls_by_hour_of_week (168 rates)".into()),
    }
    .map_err(&err)?;
    let mix = r
        .answers
        .iter()
        .map(|(question, answers)| crate::triage_mix::AnswerMix {
            question: question.clone(),
            answers: answers.iter().map(|(a, s)| (a.clone(), *s)).collect(),
        })
        .collect();
    Ok(Triage911 { calls, protocol: r.protocol.clone(), floors: r.floors.clone(), mix })
}

/// The `[[center]]`s: each a 988 center of the county with its counselors.
fn centers(
    ctx: &Ctx<'_>,
    raw: &Raw,
    lines: &mut HashMap<String, usize>,
) -> Result<Vec<CenterSpec>, ScenarioError> {
    let mut out: Vec<CenterSpec> = Vec::new();
    for c in &raw.centers {
        let r = c.get_ref();
        let err = |m: String| ctx.err(c.span(), format!("center {}: {m}", r.agency));
        if raw.county.is_none() || raw.line988.is_none() {
            return Err(err(
                "a [[center]] needs a [county] (whose services file routes 988 contacts to it) \
                 and a [line988] (the contacts, talk and patience)"
                    .into(),
            ));
        }
        if out.iter().any(|o| o.agency == r.agency) {
            return Err(err("named twice: give each center once".into()));
        }
        let counselors = match (r.counselors, &r.counselors_by_hour_of_week) {
            (Some(n), None) => vec![n; crate::arrivals::HOURS_PER_WEEK],
            (None, Some(list)) if list.len() == crate::arrivals::HOURS_PER_WEEK => list.clone(),
            (None, Some(list)) => {
                return Err(err(format!(
                    "{} hourly counselor counts: give 168, one per hour of the week from \
                     Monday 00:00",
                    list.len()
                )));
            }
            _ => {
                return Err(err(
                    "give either counselors or counselors_by_hour_of_week (168 counts)".into(),
                ));
            }
        };
        if counselors.iter().any(|n| *n > 10_000) {
            return Err(err("more than 10,000 counselors in an hour".into()));
        }
        lines.insert(format!("center {}", r.agency), ctx.line(c.span()));
        out.push(CenterSpec {
            agency: r.agency.clone(),
            counselors,
            in_state: r.in_state.unwrap_or(true),
        });
    }
    Ok(out)
}

/// The `[line988]`; with `[[center]]`s, `pooled` is their counselors together (the line then
/// gives none of its own).
fn line(
    ctx: &Ctx<'_>,
    raw: &Spanned<RawLine>,
    pooled: Option<Vec<u32>>,
) -> Result<Line, ScenarioError> {
    let r = raw.get_ref();
    let err = |m: String| ctx.err(raw.span(), format!("[line988]: {m}"));
    let arrivals = match (r.contacts_per_hour, &r.contacts_by_hour_of_week) {
        (Some(rate), None) => Arrivals::constant(rate),
        (None, Some(rates)) => Arrivals::by_hour_of_week(rates.clone()),
        _ => Err("give either contacts_per_hour or contacts_by_hour_of_week (168 rates)".into()),
    }
    .map_err(&err)?;
    let counselors = match (r.counselors, &r.counselors_by_hour_of_week, pooled) {
        (None, None, Some(pooled)) => pooled,
        (_, _, Some(_)) => {
            return Err(err(
                "with [[center]]s each center gives its own counselors: leave them out here".into(),
            ));
        }
        (Some(n), None, None) => vec![n; crate::arrivals::HOURS_PER_WEEK],
        (None, Some(list), None) => list.clone(),
        _ => {
            return Err(err(
                "give either counselors or counselors_by_hour_of_week (168 counts)".into()
            ));
        }
    };
    let line = Line {
        arrivals,
        counselors,
        talk: duration(ctx, &r.talk, "[line988] talk")?,
        patience: duration(ctx, &r.patience, "[line988] patience")?,
        answer_within_s: r.answer_within_seconds.unwrap_or(20.0),
    };
    line.check().map_err(err)?;
    Ok(line)
}

fn demand(ctx: &Ctx<'_>, raw: &Spanned<RawDemand>) -> Result<DemandSource, ScenarioError> {
    let d = raw.get_ref();
    match (&d.areas, &d.points) {
        (Some(file), None) => match (&d.id, &d.weight) {
            (Some(id), Some(weight)) => Ok(DemandSource::Areas {
                file: file.clone(),
                id: id.clone(),
                weight: weight.clone(),
                rural: d.rural_areas.clone(),
                profiles: profiles(ctx, raw)?,
            }),
            _ => Err(ctx.err(
                raw.span(),
                "[demand] areas: name the property that identifies each area (id = …) and the \
                 one that weights it (weight = …, e.g. its population)",
            )),
        },
        (None, Some(_)) if !d.rural_areas.is_empty() || !d.profile.is_empty() => Err(ctx.err(
            raw.span(),
            "[demand] rural_areas and [[demand.profile]] name demand areas: give areas \
             (GeoJSON), not points",
        )),
        (None, Some(file)) if d.id.is_none() && d.weight.is_none() => {
            Ok(DemandSource::Points { file: file.clone() })
        }
        (None, Some(_)) => Err(ctx.err(
            raw.span(),
            "[demand] points: the file's columns are lat,lon,weight; leave out id and weight",
        )),
        _ => Err(ctx.err(
            raw.span(),
            "[demand]: give either areas (a GeoJSON file with id and weight) or points (a CSV \
             of lat,lon,weight)",
        )),
    }
}

/// The `[[demand.profile]]`s: area patterns, each with 168 multipliers of 0 or more.
fn profiles(ctx: &Ctx<'_>, raw: &Spanned<RawDemand>) -> Result<Vec<Profile>, ScenarioError> {
    let mut out = Vec::new();
    for (n, spanned) in raw.get_ref().profile.iter().enumerate() {
        let p = spanned.get_ref();
        let err =
            |m: String| ctx.err(spanned.span(), format!("[[demand.profile]] #{}: {m}", n + 1));
        if p.areas.is_empty() {
            return Err(err(
                "areas = []: name the areas it applies to (ids, or prefixes ending in *)".into(),
            ));
        }
        if p.by_hour_of_week.len() != crate::arrivals::HOURS_PER_WEEK {
            return Err(err(format!(
                "{} multipliers: give 168, one per hour of the week from Monday 00:00",
                p.by_hour_of_week.len()
            )));
        }
        if let Some(bad) = p.by_hour_of_week.iter().find(|m| !(m.is_finite() && **m >= 0.0)) {
            return Err(err(format!("a multiplier of {bad}: give 0 or more")));
        }
        out.push((p.areas.clone(), p.by_hour_of_week.clone()));
    }
    Ok(out)
}

fn priorities(
    ctx: &Ctx<'_>,
    raw: &[Spanned<RawPriority>],
    rural_areas: bool,
) -> Result<Vec<Priority>, ScenarioError> {
    let mut out: Vec<Priority> = Vec::new();
    for p in raw {
        let r = p.get_ref();
        let err = |m: String| ctx.err(p.span(), format!("priority {}: {m}", r.name));
        if r.name.trim().is_empty() {
            return Err(ctx.err(p.span(), "a priority without a name: give it one"));
        }
        if out.iter().any(|o| o.name == r.name) {
            return Err(err("named twice: give each priority its own name".into()));
        }
        if !(r.share.is_finite() && (0.0..=1.0).contains(&r.share)) {
            return Err(err(format!("share = {}: give a share from 0 to 1", r.share)));
        }
        if !(r.target_minutes.is_finite() && r.target_minutes > 0.0) {
            return Err(err(format!(
                "target_minutes = {}: give a target above 0",
                r.target_minutes
            )));
        }
        let factor = r.travel_time_factor.unwrap_or(1.0);
        if !(factor.is_finite() && factor > 0.0 && factor <= 2.0) {
            return Err(err(format!(
                "travel_time_factor = {factor}: give a factor above 0 and at most 2 (0.75: a \
                 third faster, with lights and sirens)"
            )));
        }
        out.push(Priority {
            name: r.name.clone(),
            share: r.share,
            target_s: r.target_minutes * 60.0,
            rural_target_s: match r.rural_target_minutes {
                Some(m) if !(m > 0.0 && m.is_finite()) => {
                    return Err(err(format!("rural_target_minutes = {m}: give minutes above 0")));
                }
                Some(m) if !rural_areas => {
                    return Err(err(format!(
                        "rural_target_minutes = {m}: say which demand areas are rural, with \
                         [demand] rural_areas = [\"…\"] (codes, or prefixes ending in *)"
                    )));
                }
                m => m.map(|m| m * 60.0),
            },
            travel_factor: factor,
            requires: capabilities(&r.requires).map_err(|m| err(format!("requires: {m}")))?,
        });
    }
    let total: f64 = out.iter().map(|p| p.share).sum();
    match raw.first() {
        None => Err(ScenarioError {
            file: ctx.file.to_owned(),
            line: 0,
            message: "no [[priority]]: give at least one, most urgent first".into(),
        }),
        Some(first) if (total - 1.0).abs() > 1e-6 => Err(ctx.err(
            first.span(),
            format!("the priorities' shares sum to {total}: make them sum to 1"),
        )),
        Some(_) => Ok(out),
    }
}

fn duration(
    ctx: &Ctx<'_>,
    raw: &Spanned<RawDuration>,
    name: &str,
) -> Result<Duration, ScenarioError> {
    let r = raw.get_ref();
    let err = |m: &str| ctx.err(raw.span(), format!("{name}: {m}"));
    let given = [
        ("minutes", r.minutes),
        ("mean_minutes", r.mean_minutes),
        ("sd_minutes", r.sd_minutes),
        ("min_minutes", r.min_minutes),
        ("max_minutes", r.max_minutes),
    ];
    let wanted: &[&str] = match r.kind.as_str() {
        "fixed" => &["minutes"],
        "exponential" => &["mean_minutes"],
        "uniform" => &["min_minutes", "max_minutes"],
        "lognormal" => &["mean_minutes", "sd_minutes"],
        other => {
            return Err(err(&format!(
                "kind = \"{other}\" is not a distribution here: use fixed, exponential, uniform \
                 or lognormal"
            )));
        }
    };
    for (key, value) in given {
        match (wanted.contains(&key), value) {
            (true, None) => {
                return Err(err(&format!("a {} time needs {}", r.kind, wanted.join(" and "))));
            }
            (false, Some(_)) => {
                return Err(err(&format!(
                    "{key} does not belong to a {} time (it takes {})",
                    r.kind,
                    wanted.join(" and ")
                )));
            }
            _ => {}
        }
    }
    let s = |v: Option<f64>| v.unwrap_or(0.0) * 60.0;
    let d = match r.kind.as_str() {
        "fixed" => Duration::Fixed { s: s(r.minutes) },
        "exponential" => Duration::Exponential { mean_s: s(r.mean_minutes) },
        "uniform" => Duration::Uniform { min_s: s(r.min_minutes), max_s: s(r.max_minutes) },
        _ => Duration::LogNormal { mean_s: s(r.mean_minutes), sd_s: s(r.sd_minutes) },
    };
    d.check().map_err(|m| err(&m))?;
    Ok(d)
}

fn points(
    ctx: &Ctx<'_>,
    raw: &[Spanned<RawPoint>],
    kind: &str,
    lines: &mut HashMap<String, usize>,
) -> Result<Vec<Named>, ScenarioError> {
    let mut out: Vec<Named> = Vec::new();
    for p in raw {
        let r = p.get_ref();
        if r.name.trim().is_empty() {
            return Err(ctx.err(p.span(), format!("a {kind} without a name: give it one")));
        }
        if out.iter().any(|o| o.name == r.name) {
            return Err(ctx.err(
                p.span(),
                format!("{kind} {} is named twice: give each {kind} its own name", r.name),
            ));
        }
        let point = GeoPoint::parse(r.lat, r.lon).map_err(|e| {
            ctx.err(
                p.span(),
                format!("{kind} {}: {e} (lat is the latitude, lon the longitude)", r.name),
            )
        })?;
        lines.insert(format!("{kind} {}", r.name), ctx.line(p.span()));
        out.push(Named { name: r.name.clone(), point });
    }
    Ok(out)
}

fn teams(
    ctx: &Ctx<'_>,
    raw: &[Spanned<RawTeam>],
    posts: &[Named],
    shifts: &[Shift],
) -> Result<Vec<TeamSpec>, ScenarioError> {
    let mut out: Vec<TeamSpec> = Vec::new();
    for t in raw {
        let r = t.get_ref();
        if r.name.trim().is_empty() {
            return Err(ctx.err(t.span(), "a team without a name: give it one"));
        }
        if out.iter().any(|o| o.name == r.name) {
            return Err(ctx.err(
                t.span(),
                format!("team {} is named twice: give each team its own name", r.name),
            ));
        }
        let post = posts.iter().position(|p| p.name == *r.post.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = posts.iter().map(|p| p.name.as_str()).collect();
            ctx.err(
                r.post.span(),
                format!(
                    "team {}: there is no post \"{}\"; the posts are: {}",
                    r.name,
                    r.post.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        let on_duty = match &r.shift {
            None => None,
            Some(name) => Some(
                shifts
                    .iter()
                    .find(|s| s.name == *name.get_ref())
                    .map(|s| s.hours.clone())
                    .ok_or_else(|| {
                        let known: Vec<&str> = shifts.iter().map(|s| s.name.as_str()).collect();
                        ctx.err(
                            name.span(),
                            format!(
                                "team {}: there is no shift \"{}\"; the shifts are: {}",
                                r.name,
                                name.get_ref(),
                                if known.is_empty() {
                                    "none (add a [[shift]])".to_owned()
                                } else {
                                    known.join(", ")
                                }
                            ),
                        )
                    })?,
            ),
        };
        let capabilities = capabilities(&r.capabilities)
            .map_err(|m| ctx.err(t.span(), format!("team {}: {m}", r.name)))?;
        let shift = r.shift.as_ref().map(|s| s.get_ref().clone());
        out.push(TeamSpec {
            name: r.name.clone(),
            post,
            on_duty,
            capabilities,
            shift,
            provider: None,
        });
    }
    if out.is_empty() {
        return Err(ScenarioError {
            file: ctx.file.to_owned(),
            line: 0,
            message: "no [[team]]: give at least one, each with its post".into(),
        });
    }
    Ok(out)
}
