//! Agencies: the organisations that take part in an incident.

use std::fmt;
use std::str::FromStr;

use crate::ids::AgencyId;

/// What kind of organisation an agency is; it decides which roles its users may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgencyKind {
    /// A public safety answering point: where 911 calls are answered.
    Psap,
    /// A 988 Suicide & Crisis Lifeline center.
    CrisisCenter,
    /// A provider of unarmed mobile crisis teams.
    MobileCrisisProvider,
    LawEnforcement,
    Ems,
    /// Runs crisis facilities a team can take a person to (a crisis stabilization unit, a
    /// detox, an emergency department).
    CrisisFacility,
}

impl AgencyKind {
    pub const ALL: [Self; 6] = [
        Self::Psap,
        Self::CrisisCenter,
        Self::MobileCrisisProvider,
        Self::LawEnforcement,
        Self::Ems,
        Self::CrisisFacility,
    ];

    /// The stable name used in the API, the CLI and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Psap => "psap",
            Self::CrisisCenter => "crisis_center",
            Self::MobileCrisisProvider => "mobile_crisis_provider",
            Self::LawEnforcement => "law_enforcement",
            Self::Ems => "ems",
            Self::CrisisFacility => "crisis_facility",
        }
    }
}

impl fmt::Display for AgencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown agency kind; the message lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown agency kind {0:?}; expected one of psap, crisis_center, mobile_crisis_provider, law_enforcement, ems, crisis_facility"
)]
pub struct UnknownAgencyKind(pub String);

impl FromStr for AgencyKind {
    type Err = UnknownAgencyKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownAgencyKind(s.to_owned()))
    }
}

/// An organisation, as Crisisbridge knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: AgencyId,
    /// Stable short name used in URLs, config and the CLI (e.g. `psap-20045`).
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    /// IANA time zone the console shows this agency's times in (e.g. `America/Chicago`).
    pub time_zone: String,
    /// Where other systems reach the agency — a `sip:`, `sips:`, `tel:` or `https:` URI —
    /// given in LoST answers; `None` when not configured.
    pub uri: Option<String>,
}
