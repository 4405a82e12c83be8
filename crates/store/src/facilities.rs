//! Crisis facilities ([`domain::facility::Facility`]): added or updated by code from an import,
//! each with its availability as its staff last reported it. Kept as one JSON row per facility
//! (`FacilityRow`), decoded back through the domain's parsers.

use async_trait::async_trait;
use domain::facility::{Accepts, Availability, Facility, FacilityKind, FacilityStatus};
use domain::{AgeBand, AgencyId, GeoPoint, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Result, StoreError};

#[async_trait]
pub trait Facilities: Send + Sync + 'static {
    /// Adds each facility, or updates the stored one of the same code in place (its id and
    /// its availability kept unless `with_availability`).
    async fn put_facilities(&self, facilities: &[Facility], with_availability: bool) -> Result<()>;

    /// Every facility, by name.
    async fn facilities(&self) -> Result<Vec<Facility>>;

    async fn facility(&self, id: Uuid) -> Result<Option<Facility>>;

    /// Replaces the facility's availability; `None` when there is no such facility.
    async fn set_availability(
        &self,
        id: Uuid,
        availability: &Availability,
    ) -> Result<Option<Facility>>;
}

/// A facility as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FacilityRow {
    id: Uuid,
    agency: Uuid,
    code: String,
    name: String,
    kind: String,
    address: String,
    lat: f64,
    lon: f64,
    hours: String,
    always_open: bool,
    ages: Vec<String>,
    involuntary: bool,
    intoxicated: bool,
    insurance: Vec<String>,
    status: String,
    beds_free: Option<u32>,
    chairs_free: Option<u32>,
    updated_at: i64,
    updated_by: Option<Uuid>,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The JSON of a facility.
pub fn encode_facility(f: &Facility) -> String {
    let row = FacilityRow {
        id: f.id,
        agency: f.agency.as_uuid(),
        code: f.code.clone(),
        name: f.name.clone(),
        kind: f.kind.as_str().to_owned(),
        address: f.address.clone(),
        lat: f.location.lat.degrees(),
        lon: f.location.lon.degrees(),
        hours: f.hours.clone(),
        always_open: f.always_open,
        ages: f.accepts.ages.iter().map(|a| a.as_str().to_owned()).collect(),
        involuntary: f.accepts.involuntary,
        intoxicated: f.accepts.intoxicated,
        insurance: f.accepts.insurance.clone(),
        status: f.availability.status.as_str().to_owned(),
        beds_free: f.availability.beds_free,
        chairs_free: f.availability.chairs_free,
        updated_at: f.availability.updated_at.as_millis(),
        updated_by: f.availability.updated_by.map(|u| u.as_uuid()),
    };
    crate::codec::to_json(&row)
}

/// Reads back what [`encode_facility`] wrote.
pub fn decode_facility(json: &str) -> Result<Facility> {
    let row: FacilityRow = serde_json::from_str(json).map_err(corrupt)?;
    Ok(Facility {
        id: row.id,
        agency: AgencyId::from_uuid(row.agency),
        code: row.code,
        name: row.name,
        kind: FacilityKind::parse(&row.kind)
            .ok_or_else(|| corrupt(format!("unknown facility kind {:?}", row.kind)))?,
        address: row.address,
        location: GeoPoint::parse(row.lat, row.lon).map_err(corrupt)?,
        hours: row.hours,
        always_open: row.always_open,
        accepts: Accepts {
            ages: row
                .ages
                .iter()
                .map(|a| {
                    AgeBand::parse(a).ok_or_else(|| corrupt(format!("unknown age band {a:?}")))
                })
                .collect::<Result<_>>()?,
            involuntary: row.involuntary,
            intoxicated: row.intoxicated,
            insurance: row.insurance,
        },
        availability: Availability {
            status: FacilityStatus::parse(&row.status)
                .ok_or_else(|| corrupt(format!("unknown facility status {:?}", row.status)))?,
            beds_free: row.beds_free,
            chairs_free: row.chairs_free,
            updated_at: domain::Timestamp::from_millis(row.updated_at),
            updated_by: row.updated_by.map(UserId::from_uuid),
        },
    })
}
