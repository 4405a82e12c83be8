//! `[[team]]` entries of a services file: a provider's mobile crisis teams, matched to the
//! stored ones by provider and name, so importing the file again updates them in place.

use std::collections::HashMap;

use domain::{AgencyId, AgencyKind, GeoPoint, TeamId, Timestamp};
use serde::Deserialize;
use store::Team;

use super::{At, Result, ServicesError, bail};

/// The most members a team lists.
pub const MAX_MEMBERS: usize = 12;
/// The longest team or member name, in characters.
const MAX_NAME: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamEntry {
    provider: String,
    name: String,
    #[serde(default)]
    capabilities: Vec<String>,
    /// `[lat, lon]`.
    home_base: [f64; 2],
    #[serde(default)]
    members: Vec<String>,
}

/// What the file's teams will write.
#[derive(Debug, Default)]
pub struct TeamPlan {
    pub create: Vec<Team>,
    pub update: Vec<Team>,
    pub unchanged: usize,
}

/// Checks every entry and works out what to write. `providers` maps every agency code the
/// file may name (stored or created by the file) to its id and kind; `stored` are the teams
/// already in the database.
pub fn plan(
    origin: &str,
    entries: &[TeamEntry],
    providers: &HashMap<String, (AgencyId, AgencyKind)>,
    stored: &[Team],
    now: Timestamp,
) -> Result<TeamPlan> {
    let mut plan = TeamPlan::default();
    let mut seen: HashMap<(AgencyId, &str), usize> = HashMap::new();
    for (n, entry) in entries.iter().enumerate() {
        let at = format!("{origin}: team #{} ({})", n + 1, entry.name.trim());
        let team = check(entry, providers, now).at(&at)?;
        if let Some(first) = seen.insert((team.provider, entry.name.trim()), n) {
            bail!(
                "{at}: team #{} has the same provider and name; a provider's team names are unique",
                first + 1
            );
        }
        match stored.iter().find(|s| s.provider == team.provider && s.name == team.name) {
            None => plan.create.push(team),
            Some(existing) => {
                let team = Team { id: existing.id, ..team };
                if *existing == team {
                    plan.unchanged += 1;
                } else {
                    plan.update.push(team);
                }
            }
        }
    }
    Ok(plan)
}

fn check(
    entry: &TeamEntry,
    providers: &HashMap<String, (AgencyId, AgencyKind)>,
    now: Timestamp,
) -> Result<Team> {
    let (provider, kind) = providers.get(&entry.provider).copied().ok_or_else(|| {
        ServicesError(format!(
            "provider {:?}: no such agency; add it as an [[agency]] or create it first",
            entry.provider
        ))
    })?;
    if kind != AgencyKind::MobileCrisisProvider {
        bail!(
            "provider {:?} is a {kind}; teams belong to a mobile_crisis_provider",
            entry.provider
        );
    }
    let name = checked_name("name", &entry.name)?;
    let capabilities = entry
        .capabilities
        .iter()
        .map(|c| {
            dispatch::Capability::parse(c).map(|c| c.as_str().to_owned()).map_err(|_| {
                ServicesError(format!(
                    "capability {c:?}: use 1 to {} of a-z, 0-9, '-', '_', ':' such as youth, emt or lang:es",
                    dispatch::Capability::MAX_LEN
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let [lat, lon] = entry.home_base;
    let home = GeoPoint::parse(lat, lon).map_err(|e| {
        ServicesError(format!("home_base = [{lat}, {lon}]: {e}; write [latitude, longitude]"))
    })?;
    if entry.members.len() > MAX_MEMBERS {
        bail!("members: {} listed; at most {MAX_MEMBERS}", entry.members.len());
    }
    let members = entry
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| checked_name(&format!("members[{i}]"), m))
        .collect::<Result<Vec<_>>>()?;
    Ok(Team { id: TeamId::new(now), provider, name, capabilities, home_base: Some(home), members })
}

/// A name: trimmed, 1 to `MAX_NAME` characters, no control characters.
fn checked_name(field: &str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        bail!("{field} {raw:?}: give 1 to {MAX_NAME} characters without control characters");
    }
    Ok(name.to_owned())
}
