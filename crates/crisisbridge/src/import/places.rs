//! `import places FILE`: a Census place table — the places (incorporated places and CDPs) or
//! the county subdivisions of the nation or a state, each with the county it lies in — into
//! the database, so LoST can resolve a civic address that names its city but not its county.
//!
//! The file is the Census Bureau's pipe-delimited relationship file as published (optionally
//! gzipped), its header naming the columns:
//!
//! - places by county, `national_place_by_county2020.txt`:
//!   `STATE|STATEFP|COUNTYFP|COUNTYNAME|PLACEFP|PLACENS|PLACENAME|TYPE|CLASSFP|FUNCSTAT`;
//! - county subdivisions, `national_cousub2020.txt`:
//!   `STATE|STATEFP|COUNTYFP|COUNTYNAME|COUSUBFP|COUSUBNS|COUSUBNAME|CLASSFP|FUNCSTAT`.
//!
//! Only `STATEFP`, `COUNTYFP` and `PLACENAME` or `COUSUBNAME` are read (which of the two says
//! the kind); other columns may be in any order or absent. Every row is checked and a file with
//! a bad row is refused whole, naming up to 20 rows; nothing is written. An import replaces the
//! stored table of its kind, with its source (`--source`, else the file's name) kept beside it.
//! Files that are not UTF-8 (older Census vintages, spreadsheets) are read as Windows-1252.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use domain::Clock;
use store::{Place, PlaceKind, PlaceTable};

use crate::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct PlacesArgs {
    /// The Census place-by-county or county-subdivision file (pipe-delimited, maybe gzipped).
    file: PathBuf,
    /// Where the table came from, kept with it (default: the file's name).
    #[arg(long)]
    source: Option<String>,
    /// Check the file and print what would change, writing nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

/// The most bad rows a refusal names.
const MAX_ERRORS: usize = 20;

pub(crate) async fn run(args: PlacesArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let origin = args.file.display().to_string();
    let (kind, places) = read(&origin, &bytes)?;
    let source = match args.source {
        Some(source) => source,
        None => file_name(&args.file),
    };
    let store =
        crate::config::database(args.db.config.as_deref(), args.db.database)?.open().await?;
    // The file's states replace theirs; other states' stored rows stay.
    let states: std::collections::BTreeSet<String> =
        places.iter().filter_map(|p| p.county.get(..2).map(str::to_owned)).collect();
    let stored = store.place_tables().await?.into_iter().find(|t| t.kind == kind);
    let (mut places, source) = match stored {
        Some(stored) => {
            let kept: Vec<Place> = stored
                .places
                .into_iter()
                .filter(|p| p.county.get(..2).is_some_and(|s| !states.contains(s)))
                .collect();
            let source = if kept.is_empty() {
                source
            } else {
                let both = format!("{source}; other states from {}", stored.source);
                both.chars().take(500).collect()
            };
            let mut all = places;
            all.extend(kept);
            (all, source)
        }
        None => (places, source),
    };
    places.sort();
    places.dedup();
    let areas: std::collections::HashSet<String> =
        store.areas().await?.into_iter().map(|a| a.code).collect();
    let mut counties: Vec<&str> = places.iter().map(|p| p.county.as_str()).collect();
    counties.sort_unstable();
    counties.dedup();
    let stored = counties.iter().filter(|c| areas.contains(**c)).count();
    let what = match kind {
        PlaceKind::Place => "places",
        PlaceKind::CountySubdivision => "county subdivisions",
    };
    let summary = format!(
        "{what}: {} rows in {} counties, {stored} of them stored areas (source: {source})",
        places.len(),
        counties.len()
    );
    if stored == 0 && !places.is_empty() {
        eprintln!(
            "note: none of the file's counties is a stored area; its {what} route nowhere until their counties are imported with `crisisbridge import areas`"
        );
    }
    if args.dry_run {
        println!("{summary} (dry run: nothing written)");
        return Ok(());
    }
    let table = PlaceTable { kind, source, imported_at: server::SystemClock.now(), places };
    store.put_place_table(&table).await.context("storing the place table")?;
    println!("{summary}: written, replacing the stored {what} of the file's states");
    Ok(())
}

/// A byte of a file that is not UTF-8, read as Windows-1252 (the superset of Latin-1 that
/// older Census files and spreadsheets write): Latin-1 but for 0x80–0x9F, which hold
/// punctuation there rather than control characters.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH.get(usize::from(b - 0x80)).copied().unwrap_or('\u{fffd}'),
        _ => char::from(b),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into())
}

/// The kind and rows of a Census place table; `origin` names the file in messages.
pub(crate) fn read(origin: &str, bytes: &[u8]) -> anyhow::Result<(PlaceKind, Vec<Place>)> {
    let bytes = jurisdiction::import::gunzip_if_needed(bytes)
        .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        bail!(
            "{origin}: the file is empty; give a Census place-by-county or county-subdivision file"
        );
    };
    let columns: Vec<String> = header.split('|').map(|c| c.trim().to_ascii_uppercase()).collect();
    let column = |name: &str| columns.iter().position(|c| c == name);
    let (kind, name_at) = match (column("PLACENAME"), column("COUSUBNAME")) {
        (Some(at), None) => (PlaceKind::Place, at),
        (None, Some(at)) => (PlaceKind::CountySubdivision, at),
        _ => bail!(
            "{origin} line 1: the header must name PLACENAME (places by county) or COUSUBNAME (county subdivisions), one of them; it is {header:?}"
        ),
    };
    let (Some(state_at), Some(county_at)) = (column("STATEFP"), column("COUNTYFP")) else {
        bail!("{origin} line 1: the header must name STATEFP and COUNTYFP; it is {header:?}");
    };
    let mut places = Vec::new();
    let mut errors = Vec::new();
    let mut bad_rows = 0_usize;
    for (index, line) in lines {
        let fields: Vec<&str> = line.split('|').collect();
        let field = |at: usize| fields.get(at).map_or("", |f| f.trim());
        let (state, county, name) = (field(state_at), field(county_at), field(name_at));
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let problem = if fields.len() != columns.len() {
            Some(format!("has {} fields; the header has {}", fields.len(), columns.len()))
        } else if !digits(state, 2) {
            Some(format!("STATEFP {state:?} is not two digits"))
        } else if !digits(county, 3) {
            Some(format!("COUNTYFP {county:?} is not three digits"))
        } else if name.is_empty()
            || name.chars().count() > 200
            || name.chars().any(char::is_control)
        {
            Some(format!("the name {name:?} must be 1 to 200 characters"))
        } else {
            None
        };
        match problem {
            Some(problem) => {
                bad_rows += 1;
                if errors.len() < MAX_ERRORS {
                    errors.push(format!("line {}: {problem}", index + 1));
                }
            }
            None => {
                places.push(Place { county: format!("{state}{county}"), name: name.to_owned() })
            }
        }
    }
    if bad_rows > 0 {
        let more = match bad_rows - errors.len() {
            0 => String::new(),
            n => format!("\n… and {n} more"),
        };
        bail!(
            "{origin}: {bad_rows} bad rows; nothing was written. Fix them and import again:\n{}{more}",
            errors.join("\n")
        );
    }
    if places.is_empty() {
        bail!("{origin}: the file has a header but no rows");
    }
    places.sort();
    places.dedup();
    Ok((kind, places))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const PLACES: &str = "STATE|STATEFP|COUNTYFP|COUNTYNAME|PLACEFP|PLACENS|PLACENAME|TYPE|CLASSFP|FUNCSTAT\n\
        KS|20|045|Douglas County|38900|02395653|Lawrence city|INCORPORATED PLACE|C1|A\n\
        MO|29|095|Jackson County|38000|02395492|Kansas City city|INCORPORATED PLACE|C1|A\n\
        MO|29|047|Clay County|38000|02395492|Kansas City city|INCORPORATED PLACE|C1|A\n";

    #[test]
    fn census_files_are_read_with_their_kind() {
        let (kind, places) = read("places.txt", PLACES.as_bytes()).unwrap();
        assert_eq!(kind, PlaceKind::Place);
        assert_eq!(places.len(), 3);
        assert!(
            places.contains(&Place { county: "29047".into(), name: "Kansas City city".into() })
        );
        let cousub = "STATE|STATEFP|COUNTYFP|COUNTYNAME|COUSUBFP|COUSUBNS|COUSUBNAME|CLASSFP|FUNCSTAT\n\
                      NY|36|061|New York County|44919|00979190|Manhattan borough|C5|F\n";
        let (kind, places) = read("cousub.txt", cousub.as_bytes()).unwrap();
        assert_eq!(kind, PlaceKind::CountySubdivision);
        assert_eq!(places, [Place { county: "36061".into(), name: "Manhattan borough".into() }]);
        // Latin-1, as older vintages are: "Española" with an ñ of one byte.
        let mut latin1 = b"STATEFP|COUNTYFP|PLACENAME\n35|039|Espa".to_vec();
        latin1.extend([0xf1]);
        latin1.extend(b"ola city\n");
        let (_, places) = read("nm.txt", &latin1).unwrap();
        assert_eq!(places[0].name, "Española city");
        // Windows-1252's right single quote (0x92), as a spreadsheet writes it.
        let mut cp1252 = b"STATEFP|COUNTYFP|PLACENAME\n17|163|O".to_vec();
        cp1252.extend([0x92, 0xf1]);
        cp1252.extend(b"Fallon city\n");
        let (_, places) = read("il.txt", &cp1252).unwrap();
        assert_eq!(places[0].name, "O’ñFallon city");
    }

    #[test]
    fn a_bad_row_refuses_the_whole_file_naming_the_rows() {
        let bad = format!(
            "{PLACES}KS|2|045|Douglas County|1|1|Eudora city|X|C1|A\nKS|20|45|x|1|1|Baldwin City city|X|C1|A\nKS|20|045|x|1\n"
        );
        let e = read("places.txt", bad.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("3 bad rows; nothing was written"), "{e}");
        assert!(e.contains("line 5: STATEFP \"2\" is not two digits"), "{e}");
        assert!(e.contains("line 6: COUNTYFP \"45\" is not three digits"), "{e}");
        assert!(e.contains("line 7: has 5 fields; the header has 10"), "{e}");
        let e = read("x.txt", b"STATEFP|COUNTYFP|NAME\n20|045|Lawrence\n").unwrap_err();
        assert!(e.to_string().contains("PLACENAME"), "{e}");
        assert!(read("x.txt", b"").unwrap_err().to_string().contains("empty"));
    }
}
