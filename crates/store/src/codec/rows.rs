//! Locations and routes as stored, shared by events and incident projections.

use domain::{AgencyId, GeoPoint, Location, Polygon, Route, RouteBasis, RouteShare, RouteTier};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{corrupt, text};
use crate::{Result, StoreError};

/// A location as stored: points are `[lat, lon]` pairs. The same shape as the API's, so an
/// event's data reads the same in the log, the API and the live stream.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LocationRow {
    Unknown,
    #[serde(rename = "point")]
    Circle {
        lat: f64,
        lon: f64,
        radius_m: f64,
    },
    Polygon {
        points: Vec<[f64; 2]>,
    },
}

impl From<&Location> for LocationRow {
    fn from(location: &Location) -> Self {
        match location {
            Location::Unknown => Self::Unknown,
            Location::Circle { center, radius_m } => Self::Circle {
                lat: center.lat.degrees(),
                lon: center.lon.degrees(),
                radius_m: *radius_m,
            },
            Location::Polygon(polygon) => Self::Polygon {
                points: polygon
                    .vertices()
                    .iter()
                    .map(|p| [p.lat.degrees(), p.lon.degrees()])
                    .collect(),
            },
        }
    }
}

impl TryFrom<LocationRow> for Location {
    type Error = StoreError;

    fn try_from(row: LocationRow) -> Result<Self> {
        Ok(match row {
            LocationRow::Unknown => Self::Unknown,
            LocationRow::Circle { lat, lon, radius_m } => {
                Self::circle(GeoPoint::parse(lat, lon).map_err(corrupt)?, radius_m)
                    .map_err(corrupt)?
            }
            LocationRow::Polygon { points } => {
                let vertices = points
                    .into_iter()
                    .map(|[lat, lon]| GeoPoint::parse(lat, lon))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(corrupt)?;
                Self::Polygon(Polygon::parse(vertices).map_err(corrupt)?)
            }
        })
    }
}

/// A route as stored, in events and projections alike.
///
/// Rows written before routes had tiers hold only `service`, `agency` and `rule`: they read
/// back as a route by location to that one agency with the default answer time.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRow {
    service: String,
    /// The routed agency (the first tier); `null` when nobody covers the location.
    agency: Option<Uuid>,
    #[serde(default)]
    tiers: Vec<TierRow>,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    candidates: Vec<ShareRow>,
    #[serde(default)]
    outside_permille: u16,
    #[serde(default)]
    by_area_code: Option<Uuid>,
    rule: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TierRow {
    agency: Uuid,
    answer_within_s: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareRow {
    agency: Uuid,
    share_permille: u16,
}

impl From<&RouteTier> for TierRow {
    fn from(t: &RouteTier) -> Self {
        Self { agency: t.agency.as_uuid(), answer_within_s: t.answer_within_s }
    }
}

impl From<TierRow> for RouteTier {
    fn from(t: TierRow) -> Self {
        Self { agency: AgencyId::from_uuid(t.agency), answer_within_s: t.answer_within_s }
    }
}

impl From<&Route> for RouteRow {
    fn from(r: &Route) -> Self {
        Self {
            service: r.service.clone(),
            agency: r.agency().map(|a| a.as_uuid()),
            tiers: r.tiers.iter().map(TierRow::from).collect(),
            basis: Some(r.basis.as_str().to_owned()),
            candidates: r
                .candidates
                .iter()
                .map(|c| ShareRow { agency: c.agency.as_uuid(), share_permille: c.share_permille })
                .collect(),
            outside_permille: r.outside_permille,
            by_area_code: r.by_area_code.map(|a| a.as_uuid()),
            rule: r.rule.as_str().to_owned(),
        }
    }
}

impl TryFrom<RouteRow> for Route {
    type Error = StoreError;

    fn try_from(row: RouteRow) -> Result<Self> {
        let rule = text(&row.rule)?;
        let Some(basis) = row.basis else {
            // A row from before tiers: one agency, found by location.
            let agency =
                row.agency.ok_or_else(|| corrupt("a route without basis names no agency"))?;
            return Ok(Self::single(row.service, AgencyId::from_uuid(agency), rule));
        };
        let basis = RouteBasis::parse(&basis)
            .ok_or_else(|| corrupt(format!("unknown route basis {basis:?}")))?;
        let tiers: Vec<RouteTier> = row.tiers.into_iter().map(RouteTier::from).collect();
        if tiers.is_empty() != (basis == RouteBasis::NoCoverage)
            || tiers.first().map(|t| t.agency.as_uuid()) != row.agency
        {
            return Err(corrupt("a route's agency, tiers and basis disagree"));
        }
        if row.outside_permille > 1000 || row.candidates.iter().any(|c| c.share_permille > 1000) {
            return Err(corrupt("a route's share is over 1000 permille"));
        }
        Ok(Self {
            service: row.service,
            tiers,
            basis,
            candidates: row
                .candidates
                .into_iter()
                .map(|c| RouteShare {
                    agency: AgencyId::from_uuid(c.agency),
                    share_permille: c.share_permille,
                })
                .collect(),
            outside_permille: row.outside_permille,
            by_area_code: row.by_area_code.map(AgencyId::from_uuid),
            rule,
        })
    }
}

/// A projection's route: written as a [`RouteRow`]; projections from before tiers hold
/// `[service, agency, rule]` triples.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum StoredRoute {
    Route(RouteRow),
    Triple(String, Uuid, String),
}

impl TryFrom<StoredRoute> for Route {
    type Error = StoreError;

    fn try_from(stored: StoredRoute) -> Result<Self> {
        match stored {
            StoredRoute::Route(row) => row.try_into(),
            StoredRoute::Triple(service, agency, rule) => {
                Ok(Self::single(service, AgencyId::from_uuid(agency), text(&rule)?))
            }
        }
    }
}
