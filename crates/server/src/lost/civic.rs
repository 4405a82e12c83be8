//! Civic addresses (RFC 5139) to areas: Crisisbridge's areas are counties, so an address is
//! resolved by the state (`A1`, a USPS code or name) and county (`A2`) it names. The rest of
//! the address (city, street, number) is not checked — there is no address database here —
//! and `validateLocation` says so by listing those elements as unchecked.

use interop::lost::{CivicAddress, LocationValidation, LostError};

use incidents::routing::ServiceRouter;

/// The county an address names (`None`: it names one we do not have), and what was checked.
#[derive(Debug)]
pub(super) struct Resolved {
    pub area: Option<String>,
    pub validation: LocationValidation,
}

/// Resolves `address`. An address without A1 or A2 cannot name a county: `locationInvalid`.
pub(super) fn resolve(
    table: &ServiceRouter,
    address: &CivicAddress,
) -> Result<Resolved, LostError> {
    let (Some(state), Some(county)) = (address.get("A1"), address.get("A2")) else {
        return Err(LostError::location_invalid(
            "a civic address must name its state (A1, e.g. KS) and county (A2, e.g. Douglas County): areas here are counties",
        ));
    };
    let mut validation = LocationValidation::default();
    let mut mark = |name: &str, ok: bool| {
        if ok {
            validation.valid.push(name.to_owned())
        } else {
            validation.invalid.push(name.to_owned())
        }
    };
    let country_ok = address
        .get("country")
        .is_none_or(|c| ["US", "USA", "United States"].iter().any(|us| c.eq_ignore_ascii_case(us)));
    if address.get("country").is_some() {
        mark("country", country_ok);
    }
    let state = jurisdiction::us_states::find(state).filter(|_| country_ok);
    mark("A1", state.is_some());
    let area = state.and_then(|s| table.county(s.fips, county)).map(|a| a.id.clone());
    mark("A2", area.is_some());
    for (name, _) in &address.elements {
        let checked = matches!(name.as_str(), "country" | "A1" | "A2");
        if !checked && !validation.unchecked.contains(name) {
            validation.unchecked.push(name.clone());
        }
    }
    Ok(Resolved { area, validation })
}
