//! The services file: which agencies exist and who serves which areas for which service, with
//! backup tiers, defaults, the legacy area-code table, and the mobile crisis providers' teams
//! (`teams`). Format: `docs/services-file.md`.
//!
//! Reading a file is two steps. [`plan`] checks everything against the areas and agencies
//! already stored and works out exactly what to write, writing nothing: every mistake is
//! reported, with what to fix, before anything changes. [`apply`] then writes the agencies,
//! the teams and, in one transaction, the service areas.

mod follow_ups;
mod teams;

/// A services file that cannot be applied, or a store that refused what it asked: the message
/// says where (the file, the entry) and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicesError(pub String);

impl std::fmt::Display for ServicesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServicesError {}

type Result<T> = std::result::Result<T, ServicesError>;

/// Refuses with a message.
macro_rules! bail {
    ($($message:tt)*) => {
        return Err(ServicesError(format!($($message)*)))
    };
}
use bail;

/// Says where a problem is: `at: problem`.
trait At<T> {
    fn at(self, at: &str) -> Result<T>;
}

impl<T, E: std::fmt::Display> At<T> for std::result::Result<T, E> {
    fn at(self, at: &str) -> Result<T> {
        self.map_err(|e| ServicesError(format!("{at}: {e}")))
    }
}

use std::collections::{BTreeMap, HashMap};

use domain::{Agency, AgencyId, AgencyKind, Timestamp};
use serde::Deserialize;
use store::{AREA_CODE_PREFIX, DEFAULT_AREA, ServiceArea, Store, Team};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicesFile {
    #[serde(default, rename = "agency")]
    agencies: Vec<AgencyEntry>,
    #[serde(default)]
    serve: Vec<ServeEntry>,
    #[serde(default, rename = "default")]
    defaults: Vec<DefaultEntry>,
    #[serde(default)]
    area_code: Vec<AreaCodeEntry>,
    #[serde(default, rename = "team")]
    teams: Vec<teams::TeamEntry>,
    #[serde(default, rename = "follow_up")]
    follow_ups: Vec<follow_ups::FollowUpEntry>,
    /// Removes every stored follow-up rule (a file with `[[follow_up]]` entries replaces them).
    #[serde(default)]
    clear_follow_ups: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyEntry {
    code: String,
    name: String,
    kind: String,
    time_zone: String,
    uri: Option<String>,
    /// One agency per matching area, `{area}` and `{name}` filled in from it.
    for_each_area: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeEntry {
    services: Vec<String>,
    areas: Vec<String>,
    tiers: Vec<TierEntry>,
    answer_within_s: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultEntry {
    services: Vec<String>,
    tiers: Vec<TierEntry>,
    answer_within_s: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaCodeEntry {
    services: Vec<String>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    npa: Vec<String>,
    tiers: Vec<TierEntry>,
    answer_within_s: Option<u32>,
}

/// A tier: an agency code, or `{ agency = "code", answer_within_s = 45 }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TierEntry {
    Code(String),
    Full { agency: String, answer_within_s: Option<u32> },
}

/// What reading a services file will write.
#[derive(Debug, Default)]
pub struct Plan {
    pub create: Vec<Agency>,
    pub update: Vec<Agency>,
    pub unchanged_agencies: usize,
    pub service_areas: Vec<ServiceArea>,
    pub teams: teams::TeamPlan,
    /// The follow-up rules to store in place of the stored ones; `None` leaves them.
    pub follow_up_rules: Option<Vec<crate::follow_up::Rule>>,
}

/// An area as the file's patterns see it.
#[derive(Debug, Clone)]
pub struct KnownArea {
    pub code: String,
    pub name: String,
}

/// Works out what `source` (the file's text; `origin` names it in messages) asks for, against
/// the stored `areas`, `agencies` and `stored_teams`. Writes nothing.
pub fn plan(
    origin: &str,
    source: &str,
    areas: &[KnownArea],
    agencies: &[Agency],
    stored_teams: &[Team],
    now: Timestamp,
) -> Result<Plan> {
    let file: ServicesFile = toml::from_str(source).map_err(|e| {
        let hint = if e.message().contains("untagged enum TierEntry") {
            "\neach tier is an agency code, or { agency = \"code\", answer_within_s = 45 }"
        } else {
            ""
        };
        ServicesError(format!("{origin}: {e}{hint}"))
    })?;
    let mut plan = Plan::default();

    // Agencies: later entries override earlier ones with the same code.
    let mut wanted: BTreeMap<String, (usize, Agency)> = BTreeMap::new();
    for (n, entry) in file.agencies.iter().enumerate() {
        let at = format!("{origin}: agency #{} ({})", n + 1, entry.code);
        let kind: AgencyKind = entry.kind.parse().at(&at)?;
        check_time_zone(&entry.time_zone).at(&at)?;
        let each: Vec<Option<&KnownArea>> = match &entry.for_each_area {
            None => vec![None],
            Some(patterns) => matching(patterns, areas).at(&at)?.into_iter().map(Some).collect(),
        };
        for area in each {
            let fill = |s: &str| fill(s, area);
            let code = fill(&entry.code);
            check_code(&code).at(&at)?;
            let uri = entry.uri.as_deref().map(fill);
            if let Some(uri) = &uri {
                check_uri(uri).at(&at)?;
            }
            let agency = Agency {
                id: AgencyId::new(now),
                code: code.clone(),
                name: fill(&entry.name),
                kind,
                time_zone: entry.time_zone.clone(),
                uri,
            };
            wanted.insert(code, (n, agency));
        }
    }
    let stored: HashMap<&str, &Agency> = agencies.iter().map(|a| (a.code.as_str(), a)).collect();
    // Every code a tier may name: stored agencies, and those this file creates.
    let mut ids: HashMap<String, AgencyId> =
        agencies.iter().map(|a| (a.code.clone(), a.id)).collect();
    for (code, (n, agency)) in &wanted {
        match stored.get(code.as_str()) {
            None => {
                ids.insert(code.clone(), agency.id);
                plan.create.push(agency.clone());
            }
            Some(existing) if existing.kind != agency.kind => bail!(
                "{origin}: agency #{} ({code}): {code} is stored as a {}; a services file cannot change an agency's kind (its users' roles depend on it)",
                n + 1,
                existing.kind
            ),
            Some(existing) => {
                let changed = Agency { id: existing.id, ..agency.clone() };
                if **existing == changed {
                    plan.unchanged_agencies += 1;
                } else {
                    plan.update.push(changed);
                }
            }
        }
    }
    let resolve = |code: &str| ids.get(code).copied();
    let kinds: HashMap<String, (AgencyId, AgencyKind)> =
        agencies.iter().chain(&plan.create).map(|a| (a.code.clone(), (a.id, a.kind))).collect();
    plan.teams = teams::plan(origin, &file.teams, &kinds, stored_teams, now)?;
    if file.clear_follow_ups && !file.follow_ups.is_empty() {
        bail!(
            "{origin}: clear_follow_ups removes every follow-up rule, yet the file gives [[follow_up]] entries; give one or the other"
        );
    }
    if file.clear_follow_ups || !file.follow_ups.is_empty() {
        plan.follow_up_rules = Some(follow_ups::plan(origin, &file.follow_ups, &kinds)?);
    }

    // Service areas: later entries replace earlier ones for the same service and area.
    let mut tiers: BTreeMap<(String, String), Vec<(AgencyId, u32)>> = BTreeMap::new();
    let mut set = |services: &[String], key: String, list: Vec<(AgencyId, u32)>| {
        for service in services {
            tiers.insert((service.clone(), key.clone()), list.clone());
        }
    };
    for (n, entry) in file.serve.iter().enumerate() {
        let at = format!("{origin}: serve #{} ({})", n + 1, entry.services.join(", "));
        check_services(&entry.services).at(&at)?;
        for area in matching(&entry.areas, areas).at(&at)? {
            let list =
                tier_list(&entry.tiers, entry.answer_within_s, Some(area), &resolve).at(&at)?;
            set(&entry.services, area.code.clone(), list);
        }
    }
    for (n, entry) in file.defaults.iter().enumerate() {
        let at = format!("{origin}: default #{} ({})", n + 1, entry.services.join(", "));
        check_services(&entry.services).at(&at)?;
        let list = tier_list(&entry.tiers, entry.answer_within_s, None, &resolve).at(&at)?;
        set(&entry.services, DEFAULT_AREA.to_owned(), list);
    }
    for (n, entry) in file.area_code.iter().enumerate() {
        let at = format!("{origin}: area_code #{} ({})", n + 1, entry.services.join(", "));
        check_services(&entry.services).at(&at)?;
        let list = tier_list(&entry.tiers, entry.answer_within_s, None, &resolve).at(&at)?;
        let mut codes: Vec<String> = entry.npa.clone();
        for region in &entry.regions {
            let found = jurisdiction::npa::area_codes_of(region);
            if found.is_empty() {
                bail!(
                    "{at}: region {region:?} has no area codes; use a two-letter state, territory or province code such as KS"
                );
            }
            codes.extend(found.into_iter().map(str::to_owned));
        }
        if codes.is_empty() {
            bail!("{at}: give the area codes as npa = [\"785\", …] or regions = [\"KS\"]");
        }
        for npa in codes {
            set(&entry.services, format!("{AREA_CODE_PREFIX}{npa}"), list.clone());
        }
    }
    for ((service, area), list) in tiers {
        for (tier, (agency, answer_within_s)) in list.into_iter().enumerate() {
            let tier = u8::try_from(tier).at("more than 255 tiers")?;
            plan.service_areas.push(ServiceArea {
                service: service.clone(),
                area: area.clone(),
                tier,
                agency,
                answer_within_s,
            });
        }
    }
    store::check_service_areas(&plan.service_areas).at(origin)?;
    Ok(plan)
}

/// [`plan`] against what `store` holds now: its areas, agencies and teams.
pub async fn plan_stored(
    store: &dyn Store,
    origin: &str,
    source: &str,
    now: Timestamp,
) -> Result<Plan> {
    let stored = |e: store::StoreError| ServicesError(format!("reading the database: {e}"));
    let areas: Vec<KnownArea> = store
        .areas()
        .await
        .map_err(stored)?
        .into_iter()
        .map(|a| KnownArea { code: a.code, name: a.name })
        .collect();
    let agencies = store.agencies().await.map_err(stored)?;
    let teams = store.teams(None).await.map_err(stored)?;
    plan(origin, source, &areas, &agencies, &teams, now)
}

/// Writes a plan: agencies first, then every service area in one transaction.
pub async fn apply(store: &dyn Store, plan: &Plan) -> Result<()> {
    for agency in &plan.create {
        store.put_agency(agency).await.at(&format!("adding agency {}", agency.code))?;
    }
    for agency in &plan.update {
        store.update_agency(agency).await.at(&format!("updating agency {}", agency.code))?;
    }
    for team in &plan.teams.create {
        store.put_team(team).await.at(&format!("adding team {}", team.name))?;
    }
    for team in &plan.teams.update {
        store.update_team(team).await.at(&format!("updating team {}", team.name))?;
    }
    store.set_service_areas(&plan.service_areas).await.at("writing the service areas")?;
    if let Some(rules) = &plan.follow_up_rules {
        let json = crate::follow_up::encode_rules(rules);
        store
            .put_setting(crate::follow_up::RULES_SETTING, &json)
            .await
            .at("writing the follow-up rules")?;
    }
    Ok(())
}

/// The tiers of one entry, agency codes resolved.
fn tier_list(
    entries: &[TierEntry],
    default_answer: Option<u32>,
    area: Option<&KnownArea>,
    resolve: &dyn Fn(&str) -> Option<AgencyId>,
) -> Result<Vec<(AgencyId, u32)>> {
    if entries.is_empty() {
        bail!("tiers is empty: name at least the primary agency");
    }
    entries
        .iter()
        .map(|entry| {
            let (code, answer) = match entry {
                TierEntry::Code(code) => (code.as_str(), None),
                TierEntry::Full { agency, answer_within_s } => (agency.as_str(), *answer_within_s),
            };
            if area.is_none() && (code.contains("{area}") || code.contains("{name}")) {
                bail!(
                    "tier {code:?}: {{area}} and {{name}} only mean something in [[serve]] entries"
                );
            }
            let code = fill(code, area);
            let agency = resolve(&code).ok_or_else(|| {
                ServicesError(format!(
                    "tier {code:?}: no such agency; add it as an [[agency]] or create it first"
                ))
            })?;
            Ok((
                agency,
                answer.or(default_answer).unwrap_or(domain::route::DEFAULT_ANSWER_WITHIN_S),
            ))
        })
        .collect()
}

/// The areas that `patterns` name: a code, a prefix ending in `*` (`20*`), or `*` for all.
/// Every pattern must match something.
fn matching<'a>(patterns: &[String], areas: &'a [KnownArea]) -> Result<Vec<&'a KnownArea>> {
    if patterns.is_empty() {
        bail!("areas is empty: name area codes, prefixes such as \"20*\", or \"*\" for every area");
    }
    let mut found: Vec<&KnownArea> = Vec::new();
    for pattern in patterns {
        let hits: Vec<&KnownArea> = match pattern.strip_suffix('*') {
            Some(prefix) => areas.iter().filter(|a| a.code.starts_with(prefix)).collect(),
            None => areas.iter().filter(|a| a.code == *pattern).collect(),
        };
        if hits.is_empty() {
            bail!(
                "area {pattern:?} matches no stored area ({} are stored); import the boundaries first with `crisisbridge import areas`",
                areas.len()
            );
        }
        for hit in hits {
            if !found.iter().any(|f| f.code == hit.code) {
                found.push(hit);
            }
        }
    }
    Ok(found)
}

fn fill(template: &str, area: Option<&KnownArea>) -> String {
    match area {
        Some(a) => template.replace("{area}", &a.code).replace("{name}", &a.name),
        None => template.to_owned(),
    }
}

fn check_services(services: &[String]) -> Result<()> {
    if services.is_empty() {
        bail!("services is empty: name at least one service URN, e.g. urn:service:sos");
    }
    Ok(())
}

fn check_code(code: &str) -> Result<()> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        bail!("code {code:?}: use 1 to 64 letters, digits, '-', '_' or '.'");
    }
    Ok(())
}

/// IANA zone names look like `America/Chicago`; `UTC` too. The list itself is not shipped, so
/// only the form is checked.
fn check_time_zone(zone: &str) -> Result<()> {
    let part = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b))
    };
    if zone == "UTC" || (zone.contains('/') && zone.split('/').all(part)) {
        return Ok(());
    }
    bail!("time_zone {zone:?} is not an IANA time zone name such as America/Chicago")
}

fn check_uri(uri: &str) -> Result<()> {
    let scheme_ok = ["sip:", "sips:", "tel:", "https:", "http:"].iter().any(|s| {
        uri.len() > s.len() && uri.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s))
    });
    if !scheme_ok || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "uri {uri:?}: give a sip:, sips:, tel: or https: URI without spaces, e.g. sip:psap@county.example"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;
