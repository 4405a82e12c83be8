//! Somewhere to go: crisis facilities a team can take a person to — crisis receiving and
//! stabilization units, walk-in clinics, detox, shelters, emergency departments — who each
//! accepts, and how much room each has now, as the facility last said.

use crate::contact::AgeBand;
use crate::ids::{AgencyId, UserId};
use crate::location::GeoPoint;
use crate::time::Timestamp;

/// What kind of place a facility is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacilityKind {
    /// Takes people in crisis around the clock, walk-in or dropped off (a "living room" or
    /// crisis receiving center).
    CrisisReceiving,
    /// Short-term beds for stabilization.
    CrisisStabilization,
    /// An outpatient clinic that sees people without an appointment.
    WalkInClinic,
    /// Withdrawal management.
    Detox,
    Shelter,
    EmergencyDepartment,
}

impl FacilityKind {
    pub const ALL: [Self; 6] = [
        Self::CrisisReceiving,
        Self::CrisisStabilization,
        Self::WalkInClinic,
        Self::Detox,
        Self::Shelter,
        Self::EmergencyDepartment,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CrisisReceiving => "crisis_receiving",
            Self::CrisisStabilization => "crisis_stabilization",
            Self::WalkInClinic => "walk_in_clinic",
            Self::Detox => "detox",
            Self::Shelter => "shelter",
            Self::EmergencyDepartment => "emergency_department",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether a facility takes people now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FacilityStatus {
    Accepting,
    /// Full or short-staffed: it asks teams to go elsewhere.
    Diversion,
    Closed,
}

impl FacilityStatus {
    pub const ALL: [Self; 3] = [Self::Accepting, Self::Diversion, Self::Closed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Accepting => "accepting",
            Self::Diversion => "diversion",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who a facility takes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Accepts {
    /// The age bands it takes; empty for every age.
    pub ages: Vec<AgeBand>,
    /// It takes a person held involuntarily (an emergency detention).
    pub involuntary: bool,
    /// It takes a person who is intoxicated.
    pub intoxicated: bool,
    /// Insurance it takes, as it names them (`Medicaid`, `uninsured`); empty when it does not
    /// say.
    pub insurance: Vec<String>,
}

/// How much room a facility has, as it last said, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub status: FacilityStatus,
    /// Beds free; `None` when it has no beds or does not say.
    pub beds_free: Option<u32>,
    /// Chairs (23-hour observation) free; `None` when it has none or does not say.
    pub chairs_free: Option<u32>,
    pub updated_at: Timestamp,
    /// Who said it; `None` for an import.
    pub updated_by: Option<UserId>,
}

impl Availability {
    /// Whether it has room for one more: accepting, and a bed or chair free where it counts
    /// them.
    pub fn has_room(&self) -> bool {
        self.status == FacilityStatus::Accepting
            && (self.beds_free.is_none() && self.chairs_free.is_none()
                || self.beds_free.unwrap_or(0).saturating_add(self.chairs_free.unwrap_or(0)) > 0)
    }
}

/// A crisis facility.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub id: uuid::Uuid,
    /// The agency that runs it: its users update its availability and take hand-overs.
    pub agency: AgencyId,
    /// Stable, from the import: `trc-douglas`.
    pub code: String,
    pub name: String,
    pub kind: FacilityKind,
    pub address: String,
    pub location: GeoPoint,
    /// Opening hours as the facility states them (`24/7`, `Mon–Fri 8:00–17:00`).
    pub hours: String,
    /// Open around the clock: a team can bring someone at any hour.
    pub always_open: bool,
    pub accepts: Accepts,
    pub availability: Availability,
}

impl Facility {
    /// Why it may not take `person` (the age band as described, and whether the person is held
    /// involuntarily or intoxicated); `None` when it may.
    pub fn refuses(&self, person: &Person) -> Option<String> {
        if let Some(band) = person.age_band
            && !self.accepts.ages.is_empty()
            && !self.accepts.ages.contains(&band)
        {
            return Some(format!("does not take {} patients", band.as_str().replace('_', " ")));
        }
        if person.involuntary && !self.accepts.involuntary {
            return Some("does not take involuntary holds".to_owned());
        }
        if person.intoxicated && !self.accepts.intoxicated {
            return Some("does not take intoxicated patients".to_owned());
        }
        None
    }
}

/// What a destination's eligibility turns on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Person {
    pub age_band: Option<AgeBand>,
    pub involuntary: bool,
    pub intoxicated: bool,
}

/// A facility's new availability, as its staff report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityReport {
    pub status: FacilityStatus,
    pub beds_free: Option<u32>,
    pub chairs_free: Option<u32>,
}
