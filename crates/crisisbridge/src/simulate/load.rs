//! Reading a scenario and the files it names: the road network (a graph file or any road
//! file `import roads` takes) and the demand (GeoJSON areas with an id and a weight, or a CSV
//! of points). Every problem is reported with the scenario file's line.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use roads::Graph;
use simulate::on_roads::{Demand, RoadModel};
use simulate::scenario::{DemandSource, Scenario};

/// A scenario with its files read.
pub(crate) struct Loaded {
    pub scenario: Scenario,
    pub graph: Graph,
    pub demand: Demand,
    /// What the demand file held, for the report.
    pub demand_note: String,
    /// The 911 calls' outcomes under the scenario's protocol, when it has `[triage911]`.
    pub triage: Option<simulate::triage_mix::OutcomeShares>,
    /// The county's routing, when the scenario has `[county]`; each team's provider is set.
    pub county: Option<std::sync::Arc<super::county::County>>,
    /// Which demand areas are rural, in the demand's order (empty: none).
    pub rural: Vec<bool>,
    /// Each demand area's weight multipliers by hour of the week (empty: no profile).
    pub hourly: Vec<Vec<f64>>,
}

pub(crate) fn load(path: &Path) -> anyhow::Result<Loaded> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {file}"))?;
    let mut scenario = Scenario::parse(&file, &text)?;
    let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    // The line's own contacts, before the diverted 911 calls are added to them.
    let line_own = scenario.line988.as_ref().map(|l| l.arrivals.clone());
    let triage = match scenario.triage911.clone() {
        None => None,
        Some(t) => {
            let line = scenario.lines.get("triage911").copied().unwrap_or(0);
            let at = |message: String| simulate::scenario::ScenarioError {
                file: file.clone(),
                line,
                message: format!("[triage911]: {message}"),
            };
            let protocol_path = dir.join(&t.protocol);
            let text = std::fs::read_to_string(&protocol_path)
                .map_err(|e| at(format!("protocol = \"{}\": {e}", t.protocol)))?;
            let protocol = triage::Protocol::parse(&protocol_path.display().to_string(), &text)
                .map_err(|e| at(format!("protocol = \"{}\": {e}", t.protocol)))?;
            // Only a protocol that passes the product's checker with the platform floor, and
            // the state's floors the scenario names, decides, as for live calls.
            let floor_files: Vec<PathBuf> = t.floors.iter().map(|f| dir.join(f)).collect();
            let floors = crate::protocol::read_floors(&floor_files)
                .map_err(|e| at(format!("floors: {e:#}")))?;
            if let Err(errors) = triage::check(&protocol, &floors) {
                let first = errors.first().map(ToString::to_string).unwrap_or_default();
                let floor_args: String = t.floors.iter().map(|f| format!(" --floor {f}")).collect();
                return Err(at(format!(
                    "protocol {} does not pass the checker ({} problems; the first: {first}): \
                     see them all with `crisisbridge protocol check {}{floor_args}`",
                    protocol.id,
                    errors.len(),
                    t.protocol
                ))
                .into());
            }
            simulate::triage_mix::check(&protocol, &t.mix)
                .map_err(|m| at(format!("answers: {m}")))?;
            let shares = simulate::triage_mix::shares(&protocol, &t.mix, 200_000, scenario.seed);
            scenario.apply_triage(&shares).map_err(at)?;
            Some((shares, protocol, t))
        }
    };
    let county = super::county::load(&mut scenario, &file, &dir)?.map(|county| {
        let Some((shares, protocol, t)) = &triage else { return Arc::new(county) };
        Arc::new(county.with_triage(super::county::CountyTriage {
            protocol: protocol.clone(),
            mix: t.mix.clone(),
            calls: t.calls.clone(),
            team_share: shares.team_share(),
            base: scenario.base_arrivals.clone(),
            line_own,
        }))
    });
    if let (Some(_), Some((shares, _, _))) = (&county, &triage)
        && shares.share(domain::TriageOutcome::Divert988) > 0.0
        && scenario.centers.is_empty()
    {
        return Err(scenario
            .error_at(
                &file,
                "triage911",
                "[triage911]: with a [county], the 911 calls the protocol diverts are offered to \
                 the 988 centers along their route: give a [line988] and a [[center]] for each \
                 center the services file routes urn:service:counseling.suicide to"
                    .into(),
            )
            .into());
    }
    let triage = triage.map(|(shares, _, _)| shares);
    let roads_path = dir.join(&scenario.roads);
    let graph = crate::roads::load_graph(&roads_path).map_err(|e| {
        scenario.error_at(&file, "roads", format!("roads = \"{}\": {e:#}", scenario.roads))
    })?;
    let (demand, demand_note) = match &scenario.demand {
        DemandSource::Areas { file: areas, id, weight, .. } => {
            read_areas(&dir.join(areas), id, weight).map_err(|e| {
                scenario.error_at(&file, "demand", format!("areas = \"{areas}\": {e:#}"))
            })?
        }
        DemandSource::Points { file: points } => read_points(&dir.join(points)).map_err(|e| {
            scenario.error_at(&file, "demand", format!("points = \"{points}\": {e:#}"))
        })?,
    };
    let (rural, hourly) = match (&scenario.demand, &demand) {
        (DemandSource::Areas { rural, profiles, .. }, Demand::Areas(areas)) => {
            let at = |m: String| scenario.error_at(&file, "demand", m);
            // A profile's error at the profile's own line.
            let at_profile = |(n, m): (usize, String)| {
                scenario.error_at(&file, &format!("demand profile {n}"), m)
            };
            (
                rural_flags(rural, areas).map_err(at)?,
                hourly_factors(profiles, areas).map_err(at_profile)?,
            )
        }
        _ => (Vec::new(), Vec::new()),
    };
    Ok(Loaded { scenario, graph, demand, demand_note, triage, county, rural, hourly })
}

impl Loaded {
    /// The scenario's demand on its roads with `posts` in place of its own (for planning),
    /// its rural areas and hourly profiles applied as in a run.
    pub(crate) fn demand_model(
        &self,
        posts: &[simulate::on_roads::Named],
    ) -> anyhow::Result<RoadModel<'_>> {
        let s = &self.scenario;
        let model = RoadModel::new(&self.graph, posts, &s.facilities, self.demand.clone())
            .map_err(|e| anyhow::anyhow!(e.message))?
            .with_rural(self.rural.clone());
        if self.hourly.is_empty() {
            return Ok(model);
        }
        model.with_hourly(&self.hourly).map_err(|e| anyhow::anyhow!(e.message))
    }

    /// Posts and facilities snapped, their times kept; a point off the network is refused
    /// with its line.
    pub(crate) fn road_model(&self, file: &Path) -> anyhow::Result<RoadModel<'_>> {
        let s = &self.scenario;
        let model = RoadModel::new(&self.graph, &s.posts, &s.facilities, self.demand.clone())
            .map_err(|e| {
                let what = if s.lines.contains_key(&e.what) { e.what.as_str() } else { "demand" };
                anyhow::Error::from(s.error_at(&file.display().to_string(), what, e.message))
            })?;
        let model = model.with_rural(self.rural.clone());
        if self.hourly.is_empty() {
            return Ok(model);
        }
        model.with_hourly(&self.hourly).map_err(|e| {
            anyhow::Error::from(s.error_at(&file.display().to_string(), "demand", e.message))
        })
    }
}

/// Whether area id `id` matches `pattern`: a code, or a prefix ending in `*`.
fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => id == pattern,
    }
}

/// Which of `areas` match `patterns`, per area; each pattern must match one (`what` names the
/// key in the error).
fn matching(
    patterns: &[String],
    areas: &[(jurisdiction::Area, f64)],
    what: &str,
) -> Result<Vec<bool>, String> {
    if let Some(p) = patterns.iter().find(|p| !areas.iter().any(|(a, _)| matches(p, &a.id))) {
        return Err(format!(
            "{what}: \"{p}\" matches no demand area (their ids look like \"{}\"); give area \
             ids, or prefixes ending in *",
            areas.first().map(|(a, _)| a.id.as_str()).unwrap_or_default()
        ));
    }
    Ok(areas.iter().map(|(a, _)| patterns.iter().any(|p| matches(p, &a.id))).collect())
}

/// Which of `areas` are rural (`[demand] rural_areas`).
fn rural_flags(
    patterns: &[String],
    areas: &[(jurisdiction::Area, f64)],
) -> Result<Vec<bool>, String> {
    matching(patterns, areas, "[demand] rural_areas")
}

/// Each area's weight multipliers by hour of the week: the product of every profile matching
/// it (empty when there is no profile).
fn hourly_factors(
    profiles: &[simulate::scenario::Profile],
    areas: &[(jurisdiction::Area, f64)],
) -> Result<Vec<Vec<f64>>, (usize, String)> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let mut factors = vec![vec![1.0; simulate::arrivals::HOURS_PER_WEEK]; areas.len()];
    for (n, (patterns, by_hour)) in profiles.iter().enumerate() {
        let hit = matching(patterns, areas, &format!("[[demand.profile]] #{}", n + 1))
            .map_err(|m| (n + 1, m))?;
        for (area, _) in factors.iter_mut().zip(&hit).filter(|(_, h)| **h) {
            for (f, m) in area.iter_mut().zip(by_hour) {
                *f *= m;
            }
        }
    }
    Ok(factors)
}

fn read_areas(path: &Path, id: &str, weight: &str) -> anyhow::Result<(Demand, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let read = simulate::demand::areas(&bytes, id, weight).map_err(anyhow::Error::msg)?;
    Ok((read.demand, read.note))
}

fn read_points(path: &Path) -> anyhow::Result<(Demand, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let read = simulate::demand::points(&bytes).map_err(anyhow::Error::msg)?;
    Ok((read.demand, read.note))
}
