//! Routes: which agency serves an incident's location for one service, who to try after it,
//! and why it was chosen.
//!
//! A route is a recommendation recorded on the incident (the `Routed` event); it does not make
//! the incident visible to the routed agency. Its tiers are the order in which a transfer is
//! offered when an agency does not answer in time.

use crate::contact::Text;
use crate::ids::AgencyId;

/// How long an agency has to answer an offer when nothing else is configured.
pub const DEFAULT_ANSWER_WITHIN_S: u32 = 60;

/// One step of a service's rollover order: an agency, and how long it has to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteTier {
    pub agency: AgencyId,
    /// After this many seconds without an answer the next tier is tried.
    pub answer_within_s: u32,
}

/// One agency whose areas some of the location's shape falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteShare {
    pub agency: AgencyId,
    /// The part of the shape in that agency's areas, in thousandths.
    pub share_permille: u16,
}

/// How the route's agency was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteBasis {
    /// The location lies in (or straddles) areas served for the service.
    Location,
    /// The location is unknown; the caller's area code chose, as 988 routed before
    /// georouting.
    AreaCode,
    /// No area serves the location for this service; the deployment's configured default.
    Default,
    /// No area serves the location and no default is configured: nobody is routed.
    NoCoverage,
}

impl RouteBasis {
    pub const ALL: [Self; 4] = [Self::Location, Self::AreaCode, Self::Default, Self::NoCoverage];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Location => "location",
            Self::AreaCode => "area_code",
            Self::Default => "default",
            Self::NoCoverage => "no_coverage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// The answer for one service at one location.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// A LoST service URN, e.g. `urn:service:counseling.suicide`.
    pub service: String,
    /// The rollover order: the chosen agency first, then its backups. Empty exactly when the
    /// basis is [`RouteBasis::NoCoverage`].
    pub tiers: Vec<RouteTier>,
    pub basis: RouteBasis,
    /// With [`RouteBasis::Location`]: every agency whose areas hold part of the shape, largest
    /// share first. More than one means the location is ambiguous between them.
    pub candidates: Vec<RouteShare>,
    /// The part of the shape outside every area served for the service, in thousandths.
    pub outside_permille: u16,
    /// The agency the caller's area code would have reached (legacy 988 routing), where an
    /// area-code table is configured for the service: reports compare it with the route.
    pub by_area_code: Option<AgencyId>,
    /// The rule that chose, in words, for the record.
    pub rule: Text,
}

impl Route {
    /// A route by location to one agency, with no backups: the shape lies wholly in its areas.
    pub fn single(service: impl Into<String>, agency: AgencyId, rule: Text) -> Self {
        Self {
            service: service.into(),
            tiers: vec![RouteTier { agency, answer_within_s: DEFAULT_ANSWER_WITHIN_S }],
            basis: RouteBasis::Location,
            candidates: vec![RouteShare { agency, share_permille: 1000 }],
            outside_permille: 0,
            by_area_code: None,
            rule,
        }
    }

    /// The agency the service is routed to, if any.
    pub fn agency(&self) -> Option<AgencyId> {
        self.tiers.first().map(|t| t.agency)
    }

    /// Whether the location straddles areas of different agencies.
    pub fn is_ambiguous(&self) -> bool {
        self.candidates.len() > 1
    }

    /// The tier after `agency` in the rollover order.
    pub fn next_after(&self, agency: AgencyId) -> Option<RouteTier> {
        let position = self.tiers.iter().position(|t| t.agency == agency)?;
        self.tiers.get(position + 1).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn agency(n: i64) -> AgencyId {
        AgencyId::new(Timestamp::from_millis(1_764_000_000_000 + n))
    }

    #[test]
    fn the_next_tier_follows_the_given_agency_and_none_follows_the_last() {
        let (a, b, c) = (agency(1), agency(2), agency(3));
        let route = Route {
            service: "urn:service:counseling.suicide".into(),
            tiers: [a, b, c]
                .map(|agency| RouteTier { agency, answer_within_s: DEFAULT_ANSWER_WITHIN_S })
                .to_vec(),
            basis: RouteBasis::Location,
            candidates: vec![RouteShare { agency: a, share_permille: 1000 }],
            outside_permille: 0,
            by_area_code: None,
            rule: Text::default(),
        };
        assert_eq!(route.agency(), Some(a));
        assert_eq!(route.next_after(a).map(|t| t.agency), Some(b));
        assert_eq!(route.next_after(b).map(|t| t.agency), Some(c));
        assert_eq!(route.next_after(c), None);
        assert_eq!(route.next_after(agency(4)), None);
        assert!(!route.is_ambiguous());
    }

    #[test]
    fn basis_names_round_trip() {
        for basis in RouteBasis::ALL {
            assert_eq!(RouteBasis::parse(basis.as_str()), Some(basis));
        }
        assert_eq!(RouteBasis::parse("guess"), None);
    }
}
