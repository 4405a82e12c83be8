//! Place tables: the Census places (incorporated places and CDPs) and county subdivisions of
//! each state with the counties they lie in — what resolves a civic address that names its
//! state and city (A1, A3) but not its county (A2). A table is imported whole, kept as one
//! document per kind with where it came from, and replaced whole by the next import.

use domain::Timestamp;

use crate::{Result, StoreError};

/// Which Census table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceKind {
    /// Incorporated places and census-designated places (`PLACENAME`: "Lawrence city").
    Place,
    /// County subdivisions (`COUSUBNAME`: "Manhattan borough", "Wakarusa township").
    CountySubdivision,
}

impl PlaceKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Place => "place",
            Self::CountySubdivision => "county_subdivision",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "place" => Some(Self::Place),
            "county_subdivision" => Some(Self::CountySubdivision),
            _ => None,
        }
    }
}

/// One place in one county: a place in several counties is one row per county.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The county's five-digit FIPS code (state and county), the code of its area.
    pub county: String,
    /// As the Census names it, type word included ("Lawrence city").
    pub name: String,
}

/// A whole table of one kind, as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceTable {
    pub kind: PlaceKind,
    /// Where it came from, as the importer said (a file name, a URL, a vintage).
    pub source: String,
    pub imported_at: Timestamp,
    pub places: Vec<Place>,
}

impl PlaceTable {
    /// Checks what [`crate::Directory::put_place_table`] keeps: counties of five digits, names
    /// of 1 to 200 characters without tabs or line ends, a source of 1 to 500 characters.
    pub fn check(&self) -> Result<()> {
        let invalid = |m: String| Err(StoreError::Invalid(m));
        if self.source.trim().is_empty() || self.source.chars().count() > 500 {
            return invalid("a place table's source must be 1 to 500 characters".into());
        }
        for p in &self.places {
            if p.county.len() != 5 || !p.county.bytes().all(|b| b.is_ascii_digit()) {
                return invalid(format!(
                    "place {:?}: county {:?} is not a five-digit county FIPS code",
                    p.name, p.county
                ));
            }
            let len = p.name.chars().count();
            if p.name.trim().is_empty() || len > 200 || p.name.chars().any(char::is_control) {
                return invalid(format!(
                    "place {:?}: a name must be 1 to 200 characters without tabs or line ends",
                    p.name
                ));
            }
        }
        Ok(())
    }

    /// The stored form of the places: one `county<TAB>name` line each.
    pub fn encode_places(places: &[Place]) -> String {
        let mut body = String::with_capacity(places.len() * 24);
        for p in places {
            body.push_str(&p.county);
            body.push('\t');
            body.push_str(&p.name);
            body.push('\n');
        }
        body
    }

    /// The places of a stored body; a malformed line is corruption.
    pub fn decode_places(body: &str) -> Result<Vec<Place>> {
        body.lines()
            .map(|line| {
                let (county, name) = line.split_once('\t').ok_or_else(|| {
                    StoreError::Corrupt(format!("place table line {line:?} has no tab"))
                })?;
                Ok(Place { county: county.to_owned(), name: name.to_owned() })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn table(places: Vec<Place>) -> PlaceTable {
        PlaceTable {
            kind: PlaceKind::Place,
            source: "national_place_by_county2020.txt".into(),
            imported_at: Timestamp::from_millis(1),
            places,
        }
    }

    #[test]
    fn places_round_trip_and_bad_rows_are_refused() {
        let places = vec![
            Place { county: "20045".into(), name: "Lawrence city".into() },
            Place { county: "36061".into(), name: "New York city".into() },
        ];
        let body = PlaceTable::encode_places(&places);
        assert_eq!(PlaceTable::decode_places(&body).unwrap(), places);
        assert!(table(places).check().is_ok());
        let bad = table(vec![Place { county: "2045".into(), name: "Lawrence city".into() }]);
        assert!(bad.check().unwrap_err().to_string().contains("five-digit"));
        let bad = table(vec![Place { county: "20045".into(), name: "Law\trence".into() }]);
        assert!(bad.check().is_err());
        assert!(PlaceTable::decode_places("20045 Lawrence").is_err());
    }
}
