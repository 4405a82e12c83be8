//! `[[follow_up]]` entries of a services file: each agency's rules for following people up
//! after an incident closes ([`crate::follow_up::Rule`]). A file that has any replaces every
//! stored rule; `clear_follow_ups = true` removes them all; a file with neither leaves them.

use std::collections::{HashMap, HashSet};

use domain::incident::MAX_ATTEMPTS;
use domain::{AgencyId, AgencyKind, Channel, Disposition, TriageOutcome};
use serde::Deserialize;

use super::{At, Result, ServicesError, bail};
use crate::follow_up::{MAX_DUE_HOURS, Rule};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpEntry {
    agency: String,
    name: String,
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default)]
    decision_rules: Vec<String>,
    #[serde(default)]
    outcomes: Vec<String>,
    #[serde(default)]
    dispositions: Vec<String>,
    #[serde(default)]
    team_sent: bool,
    within_hours: u32,
    #[serde(default = "three")]
    attempts: u8,
    #[serde(default = "four")]
    retry_hours: u32,
    #[serde(default)]
    imminent_risk_without_consent: bool,
}

const fn three() -> u8 {
    3
}

const fn four() -> u32 {
    4
}

/// The rules the entries give, checked; `agencies` maps every code the file may name (stored
/// or created by the file) to its id and kind.
pub fn plan(
    origin: &str,
    entries: &[FollowUpEntry],
    agencies: &HashMap<String, (AgencyId, AgencyKind)>,
) -> Result<Vec<Rule>> {
    let mut seen: HashSet<(AgencyId, &str)> = HashSet::new();
    let mut rules = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let at = format!("{origin}: follow_up #{} ({})", n + 1, entry.name);
        let rule = check(entry, agencies).at(&at)?;
        if !seen.insert((rule.agency, entry.name.as_str())) {
            bail!("{at}: the agency already has a rule of that name; names are unique per agency");
        }
        rules.push(rule);
    }
    Ok(rules)
}

fn check(
    entry: &FollowUpEntry,
    agencies: &HashMap<String, (AgencyId, AgencyKind)>,
) -> Result<Rule> {
    let Some(&(agency, kind)) = agencies.get(&entry.agency) else {
        bail!("agency {:?} is neither stored nor declared in this file", entry.agency);
    };
    if !matches!(kind, AgencyKind::CrisisCenter | AgencyKind::MobileCrisisProvider) {
        bail!(
            "{} is a {}: only crisis centers and mobile crisis providers have care navigators to follow people up",
            entry.agency,
            kind.as_str()
        );
    }
    let name_ok = (1..=64).contains(&entry.name.len())
        && entry
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !name_ok {
        bail!("name: 1 to 64 of a-z, 0-9, '-' and '_'");
    }
    if entry.team_sent && kind != AgencyKind::MobileCrisisProvider {
        bail!("team_sent: only a mobile crisis provider sends teams");
    }
    if !(1..=MAX_DUE_HOURS).contains(&entry.within_hours) {
        bail!("within_hours: {} given; use 1 to {MAX_DUE_HOURS}", entry.within_hours);
    }
    if !(1..=MAX_DUE_HOURS).contains(&entry.retry_hours) {
        bail!("retry_hours: {} given; use 1 to {MAX_DUE_HOURS}", entry.retry_hours);
    }
    if !(1..=MAX_ATTEMPTS).contains(&entry.attempts) {
        bail!("attempts: {} given; use 1 to {MAX_ATTEMPTS}", entry.attempts);
    }
    let parse_all = |field: &str, names: &[String], expected: &str| -> Result<Vec<String>> {
        for name in names {
            if name.trim().is_empty() {
                bail!("{field}: an empty name; expected {expected}");
            }
        }
        Ok(names.to_vec())
    };
    let channels = names_of(&entry.channels, Channel::parse, "channels", "911, 988 or other")?;
    let outcomes = names_of(
        &entry.outcomes,
        TriageOutcome::parse,
        "outcomes",
        &TriageOutcome::ALL.map(TriageOutcome::as_str).join(", "),
    )?;
    let dispositions = names_of(
        &entry.dispositions,
        Disposition::parse,
        "dispositions",
        &Disposition::ALL.map(Disposition::as_str).join(", "),
    )?;
    Ok(Rule {
        agency,
        name: entry.name.clone(),
        channels,
        decision_rules: parse_all("decision_rules", &entry.decision_rules, "a protocol's rule id")?,
        outcomes,
        dispositions,
        team_sent: entry.team_sent,
        within_hours: entry.within_hours,
        attempts: entry.attempts,
        retry_hours: entry.retry_hours,
        imminent_risk_without_consent: entry.imminent_risk_without_consent,
    })
}

fn names_of<T>(
    names: &[String],
    parse: impl Fn(&str) -> Option<T>,
    field: &str,
    expected: &str,
) -> Result<Vec<T>> {
    names
        .iter()
        .map(|name| match parse(name) {
            Some(value) => Ok(value),
            None => bail!("{field}: unknown {name:?}; use {expected}"),
        })
        .collect()
}
