//! Civic addresses (RFC 5139) to areas: Crisisbridge's areas are counties, so an address is
//! resolved by the state (`A1`, a USPS code or name) and county (`A2`) it names — or, without
//! a county, by its city (`A3`, else the community `A4`) in the imported place tables
//! (`crisisbridge import places`: Census places and county subdivisions with their counties).
//! A city in several counties resolves to all of them, and the answer says so. The rest of the
//! address (street, number) is not checked — there is no address database here — and
//! `validateLocation` says so by listing those elements as unchecked.

use interop::lost::{CivicAddress, LocationValidation, LostError};

use incidents::routing::ServiceRouter;

/// The counties an address names (none: it names none we have), and what was checked.
#[derive(Debug)]
pub(super) struct Resolved {
    pub areas: Vec<String>,
    pub validation: LocationValidation,
    /// The city the counties were found from; `None` when the address named its county.
    pub by_place: Option<PlaceNamed>,
}

/// A city an address named instead of its county.
#[derive(Debug, Clone)]
pub(super) struct PlaceNamed {
    /// How answers name it: "Kansas City (A3)".
    pub name: String,
    /// How many counties it lies in (served here or not).
    pub counties: usize,
}

/// Whether a civic address's `country` names the United States.
pub(super) fn is_us(country: &str) -> bool {
    ["US", "USA", "United States"].iter().any(|us| country.trim().eq_ignore_ascii_case(us))
}

/// Resolves `address`. An address without A1, or without A2 and A3/A4, cannot name a county:
/// `locationInvalid`, saying what to add.
pub(super) fn resolve(
    table: &ServiceRouter,
    address: &CivicAddress,
) -> Result<Resolved, LostError> {
    // An element sent empty (`<A2/>`) says nothing.
    let get = |name: &str| address.get(name).filter(|v| !v.trim().is_empty());
    let Some(state) = get("A1") else {
        return Err(LostError::location_invalid(
            "a civic address must name its state (A1, e.g. KS) and its county (A2, e.g. Douglas County) or city (A3, e.g. Lawrence): areas here are counties",
        ));
    };
    let county = get("A2");
    let place = ["A3", "A4"].into_iter().find_map(|name| Some((name, get(name)?)));
    if county.is_none() && place.is_none() {
        return Err(LostError::location_invalid(
            "a civic address must name its county (A2, e.g. Douglas County) or its city (A3, e.g. Lawrence) beside its state (A1): areas here are counties",
        ));
    }
    if county.is_none() && !table.has_places() {
        return Err(LostError::location_invalid(
            "this server has no place table to find a city's county, so a civic address must name its county (A2, e.g. Douglas County)",
        ));
    }
    let mut validation = LocationValidation::default();
    let mut mark = |name: &str, ok: bool| {
        if ok {
            validation.valid.push(name.to_owned())
        } else {
            validation.invalid.push(name.to_owned())
        }
    };
    let country_ok = address.get("country").is_none_or(is_us);
    if address.get("country").is_some() {
        mark("country", country_ok);
    }
    let state = jurisdiction::us_states::find(state).filter(|_| country_ok);
    mark("A1", state.is_some());
    let mut checked: Vec<&str> = vec!["country", "A1"];
    let (areas, by_place) = match (county, place) {
        (Some(county), _) => {
            let area = state.and_then(|s| table.county(s.fips, county)).map(|a| a.id.clone());
            mark("A2", area.is_some());
            checked.push("A2");
            (area.into_iter().collect(), None)
        }
        (None, Some((element, name))) => {
            let found = state.and_then(|s| table.find_place(s.fips, name));
            mark(element, found.is_some());
            checked.push(element);
            let counties = found.map(|f| f.counties).unwrap_or_default();
            let what = PlaceNamed {
                name: format!("{} ({element})", name.trim()),
                counties: counties.len(),
            };
            (counties, Some(what))
        }
        (None, None) => (Vec::new(), None),
    };
    for (name, _) in &address.elements {
        if !checked.contains(&name.as_str()) && !validation.unchecked.contains(name) {
            validation.unchecked.push(name.clone());
        }
    }
    Ok(Resolved { areas, validation, by_place })
}
