//! A facilities file — TOML (`[[facility]]` entries) or CSV (one row each) — read into the
//! facilities it describes, every entry checked against the stored agencies before anything is
//! written: the operator exists and runs crisis facilities, the kind, ages, location and counts
//! are valid, and codes are unique. Errors name the file, the entry and what to fix.

use std::collections::HashSet;

use domain::facility::{Accepts, Availability, Facility, FacilityKind, FacilityStatus};
use domain::{AgeBand, Agency, AgencyKind, GeoPoint, Timestamp};
use serde::Deserialize;

use crate::services::ServicesError;

type Result<T> = std::result::Result<T, ServicesError>;

/// One facility as a file gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    code: String,
    operator: String,
    name: String,
    kind: String,
    address: String,
    #[serde(default)]
    location: Option<[f64; 2]>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    hours: String,
    #[serde(default)]
    always_open: bool,
    /// TOML: a list; CSV: separated by `;`.
    #[serde(default, deserialize_with = "list")]
    ages: Vec<String>,
    #[serde(default)]
    involuntary: bool,
    #[serde(default)]
    intoxicated: bool,
    #[serde(default, deserialize_with = "list")]
    insurance: Vec<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    beds_free: Option<i64>,
    #[serde(default)]
    chairs_free: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default, rename = "facility")]
    facilities: Vec<Entry>,
}

/// A list from TOML, or a `;`-separated cell from CSV.
fn list<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Cell(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(list) => list,
        Either::Cell(cell) => {
            cell.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        }
    })
}

/// The facilities `source` describes (`csv` for a CSV file, else TOML), checked against the
/// stored `agencies`; `now` dates an availability the file gives.
pub fn read(
    origin: &str,
    source: &str,
    csv: bool,
    agencies: &[Agency],
    now: Timestamp,
) -> Result<Vec<Facility>> {
    let entries: Vec<(String, Entry)> = if csv {
        let mut reader =
            ::csv::ReaderBuilder::new().trim(::csv::Trim::All).from_reader(source.as_bytes());
        let mut entries = Vec::new();
        for (n, row) in reader.deserialize::<Entry>().enumerate() {
            // The header is line 1; a record's own line is reported by the parser when it fails.
            let entry = row.map_err(|e| ServicesError(format!("{origin}: row {}: {e}", n + 2)))?;
            entries.push((format!("{origin}: row {} ({})", n + 2, entry.code), entry));
        }
        entries
    } else {
        let file: TomlFile =
            toml::from_str(source).map_err(|e| ServicesError(format!("{origin}: {e}")))?;
        file.facilities
            .into_iter()
            .enumerate()
            .map(|(n, e)| (format!("{origin}: facility #{} ({})", n + 1, e.code), e))
            .collect()
    };
    if entries.is_empty() {
        return Err(ServicesError(format!("{origin}: no facilities in it")));
    }
    let mut codes = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for (at, entry) in entries {
        let facility =
            check(entry, agencies, now).map_err(|e| ServicesError(format!("{at}: {e}")))?;
        if !codes.insert(facility.code.clone()) {
            return Err(ServicesError(format!("{at}: the code is given twice; codes are unique")));
        }
        out.push(facility);
    }
    Ok(out)
}

fn check(e: Entry, agencies: &[Agency], now: Timestamp) -> std::result::Result<Facility, String> {
    let code_ok = (1..=64).contains(&e.code.len())
        && e.code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !code_ok {
        return Err("code: 1 to 64 letters, digits, '-', '_' or '.'".into());
    }
    let Some(operator) = agencies.iter().find(|a| a.code == e.operator) else {
        return Err(format!(
            "operator {:?} is not a stored agency; declare it (kind = \"crisis_facility\") in the services file first",
            e.operator
        ));
    };
    if operator.kind != AgencyKind::CrisisFacility {
        return Err(format!(
            "operator {} is a {}; a facility is run by a crisis_facility agency",
            operator.code, operator.kind
        ));
    }
    for (field, value, max) in
        [("name", &e.name, 200), ("address", &e.address, 300), ("hours", &e.hours, 200)]
    {
        if value.trim().is_empty() || value.chars().count() > max {
            return Err(format!("{field}: 1 to {max} characters"));
        }
    }
    let kind = FacilityKind::parse(&e.kind).ok_or_else(|| {
        format!(
            "kind: unknown {:?}; use {}",
            e.kind,
            FacilityKind::ALL.map(FacilityKind::as_str).join(", ")
        )
    })?;
    let (lat, lon) = match (e.location, e.lat, e.lon) {
        (Some([lat, lon]), None, None) => (lat, lon),
        (None, Some(lat), Some(lon)) => (lat, lon),
        _ => return Err("give the location as location = [lat, lon], or lat and lon".into()),
    };
    let location = GeoPoint::parse(lat, lon).map_err(|err| format!("location: {err}"))?;
    let ages = e
        .ages
        .iter()
        .map(|a| {
            AgeBand::parse(a).ok_or_else(|| {
                format!("ages: unknown {a:?}; use child, adolescent, adult or older_adult")
            })
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let count = |field: &str, n: Option<i64>| -> std::result::Result<Option<u32>, String> {
        n.map(|n| match u32::try_from(n) {
            Ok(n) if n <= super::MAX_COUNT => Ok(n),
            Ok(_) => Err(format!("{field}: {n} given; at most {}", super::MAX_COUNT)),
            Err(_) => Err(format!("{field}: {n} given; a count is 0 or more")),
        })
        .transpose()
    };
    let status = match &e.status {
        None => FacilityStatus::Accepting,
        Some(s) => FacilityStatus::parse(s)
            .ok_or_else(|| format!("status: unknown {s:?}; use accepting, diversion or closed"))?,
    };
    Ok(Facility {
        id: uuid::Uuid::now_v7(),
        agency: operator.id,
        code: e.code,
        name: e.name.trim().to_owned(),
        kind,
        address: e.address.trim().to_owned(),
        location,
        hours: e.hours.trim().to_owned(),
        always_open: e.always_open,
        accepts: Accepts {
            ages,
            involuntary: e.involuntary,
            intoxicated: e.intoxicated,
            insurance: e.insurance,
        },
        availability: Availability {
            status,
            beds_free: count("beds_free", e.beds_free)?,
            chairs_free: count("chairs_free", e.chairs_free)?,
            updated_at: now,
            updated_by: None,
        },
    })
}
