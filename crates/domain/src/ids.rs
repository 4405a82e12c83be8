//! Identifiers. Each is a UUID v7 (time-ordered) wrapped in its own type so that an agency id
//! can never be passed where an incident id is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::time::Timestamp;

/// Why a string is not an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} id {input:?} is not a UUID (expected e.g. 0193c5e4-7b1a-7cc2-9d7e-2f1d6a0b4c3e)")]
pub struct IdError {
    what: &'static str,
    input: String,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id for something created at `at`.
            pub fn new(at: Timestamp) -> Self {
                Self(at.uuid_v7())
            }

            /// Wraps an id read back from storage or the wire.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| IdError { what: $what, input: s.to_owned() })
            }
        }
    };
}

uuid_id!(
    /// One incident: a 911 call, a 988 contact, or another request for help.
    IncidentId,
    "incident"
);
uuid_id!(
    /// A PSAP, 988 center, mobile crisis provider, law-enforcement or EMS agency.
    AgencyId,
    "agency"
);
uuid_id!(
    /// A person (or a team's device) who can log in.
    UserId,
    "user"
);
uuid_id!(
    /// A mobile crisis team.
    TeamId,
    "team"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_ordered_by_time() {
        let a = IncidentId::new(Timestamp::from_millis(1_700_000_000_000));
        let b = IncidentId::new(Timestamp::from_millis(1_700_000_000_001));
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn parse_round_trips_and_rejects_garbage() {
        let id = AgencyId::new(Timestamp::from_millis(1));
        assert_eq!(id.to_string().parse::<AgencyId>(), Ok(id));
        let err = "not-an-id".parse::<AgencyId>().unwrap_err();
        assert!(err.to_string().contains("agency id \"not-an-id\" is not a UUID"));
    }
}
