//! Which location an EIDO's location components give, and what else they say about it.

use domain::{Location, Timestamp};

use super::wire::{LocationInformation, Object};
use super::{LocationReference, MAX_CODE, MAX_URL, timestamp, token};
use crate::eido::error::{EidoError, Result, join};
use crate::eido::registry::LOCATION_PREFERENCE;
use crate::pidf::{CivicAddress, LocationValue, parse_presence};

/// What the location components add up to.
#[derive(Debug)]
pub(super) struct Locations {
    pub location: Location,
    pub location_type: Option<String>,
    pub civic: Vec<CivicAddress>,
    pub references: Vec<LocationReference>,
}

/// The location chosen so far: how wanted its kind is (lower is better) and how recent.
struct Candidate {
    rank: usize,
    at: Timestamp,
    location: Location,
    kind: String,
}

/// Reads every location component. Locations of kinds that are not where the person is
/// (staging areas, units, cell towers) are still checked, as part of the EIDO, but not taken.
pub(super) fn read(components: &[Object<LocationInformation>]) -> Result<Locations> {
    let mut found = Locations {
        location: Location::Unknown,
        location_type: None,
        civic: Vec::new(),
        references: Vec::new(),
    };
    let mut best: Option<Candidate> = None;
    for (i, Object(component)) in components.iter().enumerate() {
        let path = format!("locationComponent[{i}]");
        let kind = token(
            component.location_type_description_registry_text.as_deref(),
            &join(&path, "locationTypeDescriptionRegistryText"),
            MAX_CODE,
        )?;
        let at = timestamp(
            component.last_update_time_stamp.as_deref(),
            &join(&path, "lastUpdateTimeStamp"),
        )?;
        let rank = LOCATION_PREFERENCE.iter().position(|t| *t == kind);
        if let Some(xml) = &component.location_by_value {
            let value_path = join(&path, "locationByValue");
            let (geodetic, civic) = by_value(xml, &value_path)?;
            if let Some(rank) = rank {
                found.civic.extend(civic);
                let better =
                    best.as_ref().is_none_or(|b| rank < b.rank || (rank == b.rank && at > b.at));
                if let Some(location) = geodetic.filter(|_| better) {
                    best = Some(Candidate { rank, at, location, kind: kind.clone() });
                }
            }
        }
        if let Some(url) = &component.location_by_reference_url {
            let url_path = join(&path, "locationByReferenceUrl");
            found.references.push(LocationReference {
                url: absolute_uri(url, &url_path)?,
                location_type: kind,
            });
        }
    }
    if let Some(best) = best {
        found.location = best.location;
        found.location_type = Some(best.kind);
    }
    Ok(found)
}

/// The first geodetic shape of a PIDF-LO document, as a domain location, and its civic
/// addresses. A document that cannot be read, or that holds no location at all, is refused:
/// a location the sender meant to give must not vanish.
fn by_value(xml: &str, path: &str) -> Result<(Option<Location>, Vec<CivicAddress>)> {
    let values = parse_presence(xml.as_bytes())
        .map_err(|e| EidoError::at(path, format!("is not a PIDF-LO location we can use: {e}")))?;
    if values.is_empty() {
        return Err(EidoError::at(
            path,
            "holds no location: send a PIDF-LO presence document with a gp:location-info that has a GML shape or a civicAddress",
        ));
    }
    let mut geodetic = None;
    let mut civic = Vec::new();
    for value in values {
        match value {
            LocationValue::Geodetic(shape) => {
                let location = shape.to_location().map_err(|e| {
                    EidoError::at(path, format!("is not a PIDF-LO location we can use: {e}"))
                })?;
                geodetic.get_or_insert(location);
            }
            LocationValue::Civic(address) => civic.push(address),
        }
    }
    Ok((geodetic, civic))
}

/// `scheme:rest`, RFC 3986's absolute form, with no spaces and a bounded length.
fn absolute_uri(text: &str, path: &str) -> Result<String> {
    let text = text.trim();
    let scheme_ok = text.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if !scheme_ok
        || text.len() > MAX_URL
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(EidoError::at(
            path,
            format!("{text:?} is not an absolute URI such as https://lis.example/location/123"),
        ));
    }
    Ok(text.to_owned())
}
