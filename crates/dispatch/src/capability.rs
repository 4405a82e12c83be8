//! [`Capability`]: a skill or resource a team has and an incident may need.

use std::fmt;

use crate::error::{DispatchError, Result};

/// A capability name such as `youth`, `peer`, `emt`, `co_response` or `lang:es`: trimmed,
/// lower-cased, 1 to 40 of `a-z 0-9 - _ :`. Providers choose their own names; matching is
/// exact after this normalisation, so `Youth` and `youth` are one capability.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Capability(String);

impl Capability {
    pub const MAX_LEN: usize = 40;

    pub fn parse(name: &str) -> Result<Self> {
        let normalised = name.trim().to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_:".contains(c);
        if normalised.is_empty()
            || normalised.len() > Self::MAX_LEN
            || !normalised.chars().all(allowed)
        {
            return Err(DispatchError::Capability(name.to_owned()));
        }
        Ok(Self(normalised))
    }

    /// Parses every name; the first bad one is the error.
    pub fn parse_all<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<Self>> {
        names.into_iter().map(Self::parse).collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Capability({})", self.0)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_checked() {
        assert_eq!(Capability::parse(" Youth ").unwrap().as_str(), "youth");
        assert_eq!(Capability::parse("lang:es").unwrap().to_string(), "lang:es");
        assert_eq!(Capability::parse("co_response").unwrap().as_str(), "co_response");
        for bad in ["", "  ", "two words", "émt", &"x".repeat(41)] {
            assert!(Capability::parse(bad).is_err(), "{bad:?}");
        }
        let err = Capability::parse_all(["peer", "bad name"]).unwrap_err();
        assert!(err.to_string().starts_with("capability \"bad name\" is not a name"), "{err}");
    }
}
