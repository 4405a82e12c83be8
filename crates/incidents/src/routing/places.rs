//! The place tables as the routing table uses them: a state's places and county subdivisions
//! by name, each with the counties it lies in, so a civic address with a city (A3) but no
//! county (A2) can be resolved.

use std::collections::HashMap;

use store::{PlaceKind, PlaceTable};

/// Names to counties, per kind.
#[derive(Debug, Default)]
pub(super) struct PlaceIndex {
    /// (kind, state FIPS, name key) → county FIPS codes, sorted, without repeats.
    by_name: HashMap<(PlaceKind, String, String), Vec<String>>,
    /// Whether any table is loaded (one may be empty of rows).
    loaded: bool,
}

/// The counties a name was found in, and in which table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceMatch {
    pub kind: PlaceKind,
    /// County FIPS codes (the codes of their areas), sorted.
    pub counties: Vec<String>,
}

impl PlaceIndex {
    pub(super) fn build(tables: Vec<PlaceTable>) -> Self {
        let mut index = Self::default();
        for table in tables {
            index.loaded = true;
            for place in table.places {
                let Some(state) = place.county.get(..2) else { continue };
                // Found by its whole name ("Carson City") and without its type word
                // ("Lawrence city" as "Lawrence").
                let full = place_key(&place.name);
                let short = without_type_word(&full);
                for key in [Some(full.clone()), short.filter(|s| *s != full)].into_iter().flatten()
                {
                    let counties =
                        index.by_name.entry((table.kind, state.to_owned(), key)).or_default();
                    if !counties.contains(&place.county) {
                        counties.push(place.county.clone());
                    }
                }
            }
        }
        for counties in index.by_name.values_mut() {
            counties.sort();
        }
        index
    }

    pub(super) fn is_empty(&self) -> bool {
        !self.loaded
    }

    /// The counties of the place named `name` in the state with FIPS code `state_fips`:
    /// incorporated places and CDPs first (what a civic address's A3 usually names), county
    /// subdivisions when no place has the name.
    pub(super) fn find(&self, state_fips: &str, name: &str) -> Option<PlaceMatch> {
        let key = place_key(name);
        [PlaceKind::Place, PlaceKind::CountySubdivision].into_iter().find_map(|kind| {
            let counties = self.by_name.get(&(kind, state_fips.to_owned(), key.clone()))?;
            Some(PlaceMatch { kind, counties: counties.clone() })
        })
    }
}

/// The type words the Census ends place and county subdivision names with ("Lawrence city",
/// "Wakarusa township"), longest first, which an address leaves out.
const TYPE_WORDS: &[&str] = &[
    "census county division",
    "consolidated government",
    "metropolitan government",
    "unorganized territory",
    "unified government",
    "metro government",
    "city and borough",
    "charter township",
    "urban county",
    "zona urbana",
    "municipality",
    "reservation",
    "corporation",
    "plantation",
    "comunidad",
    "township",
    "precinct",
    "purchase",
    "location",
    "district",
    "village",
    "borough",
    "barrio",
    "city",
    "town",
    "gore",
    "grant",
    "cdp",
    "ccd",
];

/// The key two spellings of one name share: lower case, without dots and apostrophes, accents
/// folded (addresses are often written without them), hyphens as spaces, words single-spaced,
/// "saint", "mount" and "fort" as "st", "mt" and "ft". `St. Louis`, `Saint Louis` and
/// `ST LOUIS` are one key; `Española` and `ESPANOLA` another; `Winston-Salem` and
/// `Winston Salem` a third.
pub fn place_key(name: &str) -> String {
    let cleaned: String = name
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '.' | '\'' | '\u{2019}'))
        .map(fold)
        .collect();
    cleaned
        .split_whitespace()
        .map(|w| match w {
            "saint" => "st",
            "mount" => "mt",
            "fort" => "ft",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A letter without its accent (the Latin letters of US place names); `-` as a space.
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        '-' | '\u{2010}' | '\u{2013}' => ' ',
        other => other,
    }
}

/// A Census name's key without the type word (or "(balance)") it ends with: "lawrence city"
/// → "lawrence", "kansas city city" → "kansas city"; `None` when it ends with none.
fn without_type_word(key: &str) -> Option<String> {
    let key = key.strip_suffix(" (balance)").unwrap_or(key);
    TYPE_WORDS.iter().find_map(|suffix| {
        let rest = key.strip_suffix(suffix)?.strip_suffix(' ')?;
        (!rest.is_empty()).then(|| rest.to_owned())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::Timestamp;
    use store::Place;

    #[test]
    fn keys_match_the_census_name_and_the_address_spelling() {
        for (census, address) in [
            ("Lawrence city", "LAWRENCE"),
            ("Kansas City city", "Kansas City"),
            ("St. Louis city", "Saint Louis"),
            ("Fort Scott city", "Ft. Scott"),
            ("Nashville-Davidson metropolitan government (balance)", "Nashville-Davidson"),
            ("Juneau city and borough", "Juneau"),
            ("Manhattan borough", "Manhattan"),
            ("Wakarusa township", "wakarusa"),
            ("O'Fallon city", "OFallon"),
            ("Española city", "ESPANOLA"),
            ("Bayamón zona urbana", "Bayamon"),
            ("Winston-Salem city", "Winston Salem"),
        ] {
            let short = without_type_word(&place_key(census)).unwrap();
            assert_eq!(short, place_key(address), "{census} / {address}");
        }
        // A name that is only a type word stays a name, and the address side is not cut.
        assert_eq!(without_type_word("town"), None);
        assert_eq!(place_key("Kansas City"), "kansas city");
    }

    #[test]
    fn places_come_before_county_subdivisions_and_keep_every_county() {
        let place = |county: &str, name: &str| Place { county: county.into(), name: name.into() };
        let table = |kind, places| PlaceTable {
            kind,
            source: "test".into(),
            imported_at: Timestamp::from_millis(1),
            places,
        };
        let index = PlaceIndex::build(vec![
            table(
                PlaceKind::Place,
                vec![
                    place("20045", "Lawrence city"),
                    place("29095", "Kansas City city"),
                    place("29047", "Kansas City city"),
                    place("29165", "Kansas City city"),
                    place("32510", "Carson City"),
                ],
            ),
            table(
                PlaceKind::CountySubdivision,
                vec![place("20029", "Lawrence township"), place("36061", "Manhattan borough")],
            ),
        ]);
        assert_eq!(
            index.find("20", "Lawrence"),
            Some(PlaceMatch { kind: PlaceKind::Place, counties: vec!["20045".into()] })
        );
        assert_eq!(index.find("29", "kansas city").unwrap().counties, ["29047", "29095", "29165"]);
        assert_eq!(
            index.find("36", "Manhattan"),
            Some(PlaceMatch { kind: PlaceKind::CountySubdivision, counties: vec!["36061".into()] })
        );
        // A name ending in a type word that is part of the name is found whole.
        assert_eq!(index.find("32", "Carson City").unwrap().counties, ["32510"]);
        assert_eq!(index.find("29", "Kansas"), None);
        // The state matters: no Lawrence in New York here.
        assert_eq!(index.find("36", "Lawrence"), None);
    }
}
