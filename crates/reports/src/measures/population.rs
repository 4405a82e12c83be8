//! Rates per 100,000 residents by area, and the spread between areas (docs/measures.md,
//! "Equity"): each area's counts against its population from a file `area,name,population`.

use std::collections::HashMap;

use serde::Serialize;

use super::{Report, Value};

/// The counts given per 100,000 residents.
pub const PER_CAPITA: [&str; 6] = [
    "contacts.total",
    "contacts.911",
    "contacts.988",
    "diversion.diverted",
    "mobile.dispatches",
    "handoff.started",
];

/// Each area's population, by area code.
#[derive(Debug, Clone, Default)]
pub struct Populations(HashMap<String, u64>);

impl Populations {
    /// Reads `area,name,population` (a header line first) as CSV — quoted fields, a UTF-8
    /// byte-order mark and CRLF as spreadsheets write them; a name with an unquoted comma is
    /// read too (the area is the first field, the population the last). Every bad line is
    /// refused with its number and what to fix.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        // The `csv` crate's own line numbers skip blank lines and miscount CRLF.
        let line_of = |byte: u64| {
            // A record's offset may point into the line ends before it: it starts after them.
            let bytes = text.as_bytes();
            let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
            while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                start += 1;
            }
            bytes.get(..start).map_or(0, |s| s.iter().filter(|b| **b == b'\n').count()) + 1
        };
        let mut records = reader.records();
        let header = records.next().transpose().map_err(|e| format!("line 1: {e}"))?;
        let names: Vec<String> = header
            .iter()
            .flatten()
            .map(|f| f.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        if names != ["area", "name", "population"] {
            return Err("line 1: the header must be area,name,population".into());
        }
        let mut out = HashMap::new();
        for record in records {
            let record = record.map_err(|e| {
                format!("line {}: {e}", e.position().map_or(0, |p| line_of(p.byte())))
            })?;
            let line = record.position().map_or(0, |p| line_of(p.byte()));
            if record.iter().all(str::is_empty) {
                continue;
            }
            let (Some(area), Some(population)) = (record.get(0), record.iter().next_back()) else {
                continue;
            };
            let population: u64 = population.parse().map_err(|_| {
                format!("line {line}: population {population:?} is not a whole number")
            })?;
            if population == 0 || record.len() < 3 {
                return Err(format!(
                    "line {line}: give area,name,population with a population above 0"
                ));
            }
            if out.insert(area.to_owned(), population).is_some() {
                return Err(format!("line {line}: area {area} is listed twice"));
            }
        }
        Ok(Self(out))
    }

    /// The population of the area a group key names (`CODE` or `CODE name`).
    pub fn of(&self, key: &str) -> Option<u64> {
        self.0.get(key.split_whitespace().next()?).copied()
    }
}

/// One area's rates: `(area, population, [(measure, rate per 100,000)])`.
pub type AreaRates = (String, u64, Vec<(&'static str, f64)>);

/// Rates per 100,000 residents of every area with a population, and their spread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerCapita {
    /// `(area, population, [(measure, rate)])`, in the report's order.
    pub areas: Vec<AreaRates>,
    /// Per measure: the highest rate, the lowest and their ratio (none when the lowest is 0).
    pub spread: Vec<Spread>,
    /// Groups without a population in the file (left out of the rates).
    pub without_population: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub measure: &'static str,
    pub highest: (String, f64),
    pub lowest: (String, f64),
    pub ratio: Option<f64>,
}

fn count(report_group: &super::Group, id: &str) -> u64 {
    match report_group.measures.iter().find(|m| m.id == id).map(|m| &m.value) {
        Some(Value::Count { count }) => *count,
        Some(Value::Share { part, .. }) => *part,
        _ => 0,
    }
}

/// The rates of `report` (grouped by area) against `populations`.
pub fn per_capita(report: &Report, populations: &Populations) -> PerCapita {
    let mut areas = Vec::new();
    let mut without_population = Vec::new();
    for group in &report.groups {
        let Some(population) = populations.of(&group.key) else {
            without_population.push(group.key.clone());
            continue;
        };
        let rates = PER_CAPITA
            .iter()
            .map(|&id| (id, count(group, id) as f64 * 100_000.0 / population as f64))
            .collect();
        areas.push((group.key.clone(), population, rates));
    }
    let spread = PER_CAPITA
        .iter()
        .enumerate()
        .filter_map(|(i, &measure)| {
            let rate = |a: &AreaRates| a.2.get(i).map_or(0.0, |r| r.1);
            let highest = areas.iter().max_by(|a, b| rate(a).total_cmp(&rate(b)))?;
            let lowest = areas.iter().min_by(|a, b| rate(a).total_cmp(&rate(b)))?;
            let ratio = (rate(lowest) > 0.0).then(|| rate(highest) / rate(lowest));
            Some(Spread {
                measure,
                highest: (highest.0.clone(), rate(highest)),
                lowest: (lowest.0.clone(), rate(lowest)),
                ratio,
            })
        })
        .collect();
    PerCapita { areas, spread, without_population }
}

/// The rates as the command line prints them after the measures.
pub fn table(p: &PerCapita) -> String {
    use std::fmt::Write;
    let mut out = String::from("\nper 100,000 residents\n");
    for (area, population, rates) in &p.areas {
        let rates: Vec<String> = rates.iter().map(|(id, r)| format!("{id} {r:.1}")).collect();
        let _ = writeln!(out, "  {area} (population {population}): {}", rates.join(", "));
    }
    for s in &p.spread {
        let ratio =
            s.ratio.map_or_else(|| "no ratio (the lowest is 0)".to_owned(), |r| format!("{r:.1}×"));
        let _ = writeln!(
            out,
            "  spread of {}: highest {} ({:.1}), lowest {} ({:.1}): {ratio}",
            s.measure, s.highest.0, s.highest.1, s.lowest.0, s.lowest.1
        );
    }
    if !p.without_population.is_empty() {
        let _ = writeln!(out, "  no population for: {}", p.without_population.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::super::{Group, Measure};
    use super::*;

    fn group(key: &str, contacts: u64) -> Group {
        Group {
            key: key.into(),
            measures: vec![Measure {
                id: "contacts.total",
                label: "contacts",
                value: Value::Count { count: contacts },
            }],
        }
    }

    #[test]
    fn rates_per_100000_and_the_spread_between_areas() {
        let populations = Populations::parse(
            "area,name,population\n20045,Douglas County,122259\n20091,Johnson County,602401\n",
        )
        .unwrap();
        let report = Report {
            incidents: 0,
            calls: 0,
            volume: Vec::new(),
            groups: vec![
                group("20045 Douglas County", 61),
                group("20091 Johnson County", 150),
                group("(unknown)", 9),
            ],
            per_100k: None,
        };
        let p = per_capita(&report, &populations);
        assert_eq!(p.areas.len(), 2);
        let douglas = p.areas[0].2[0].1;
        assert!((douglas - 61.0 * 100_000.0 / 122_259.0).abs() < 1e-9, "{douglas}");
        let spread = &p.spread[0];
        assert_eq!(spread.highest.0, "20045 Douglas County");
        assert_eq!(spread.lowest.0, "20091 Johnson County");
        let expected = (61.0 / 122_259.0) / (150.0 / 602_401.0);
        assert!((spread.ratio.unwrap() - expected).abs() < 1e-9);
        assert_eq!(p.without_population, ["(unknown)"]);
        assert!(
            table(&p).contains("spread of contacts.total: highest 20045 Douglas County (49.9)"),
            "{}",
            table(&p)
        );
    }

    #[test]
    fn bad_population_files_say_which_line() {
        assert_eq!(
            Populations::parse("code,pop\n").unwrap_err(),
            "line 1: the header must be area,name,population"
        );
        assert_eq!(
            Populations::parse("area,name,population\n20045,Douglas,many\n").unwrap_err(),
            "line 2: population \"many\" is not a whole number"
        );
        assert_eq!(
            Populations::parse("area,name,population\n20045,D,1\n20045,D,2\n").unwrap_err(),
            "line 3: area 20045 is listed twice"
        );
        assert!(
            Populations::parse("area,name,population\n20045,D,0\n")
                .unwrap_err()
                .contains("above 0")
        );
    }

    #[test]
    fn spreadsheet_exports_are_read() {
        let text = "\u{feff}\"area\",\"name\",\"population\"\r\n\"20045\",\"Douglas County, KS\",\"122259\"\r\n20091,Johnson County, KS,602401\r\n";
        let p = Populations::parse(text).unwrap();
        assert_eq!((p.of("20045"), p.of("20091")), (Some(122_259), Some(602_401)));
    }

    #[test]
    fn the_shipped_kansas_file_reads_whole() {
        let text = include_str!("../../../crisisbridge/demo/kansas-population.csv");
        let p = Populations::parse(text).unwrap();
        assert_eq!(p.0.len(), 105);
        assert_eq!(p.0.values().sum::<u64>(), 2_913_314);
        assert_eq!(p.of("20045 Douglas County"), Some(122_259));
    }
}
