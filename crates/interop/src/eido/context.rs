//! What an export needs that the incident does not hold, and the identifiers built from it.

use domain::{Agency, AgencyId, IncidentId};

/// The deployment-wide facts an EIDO is written with.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportContext {
    /// The DNS name of this Crisisbridge deployment (`crisisbridge.county.example`): the
    /// EIDO's `issuingElementIdentification`, the element part of every identifier in it,
    /// and the domain the deployment's agencies are named under.
    issuer: String,
    /// The agencies the incident involves, as the directory knows them: their names, kinds
    /// and URIs go into the agency components. Others are ignored.
    agencies: Vec<Agency>,
}

/// An issuer that is not a DNS name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "EIDO issuer {0:?} is not a DNS name: give two or more labels of letters, digits and \
     inner hyphens, such as crisisbridge.county.example"
)]
pub struct IssuerError(String);

impl ExportContext {
    /// `issuer` is lower-cased; it must be a DNS name of two or more labels (1 to 63 letters,
    /// digits and inner hyphens each, 253 characters at most), as NENA's identifiers end in
    /// one.
    pub fn new(issuer: &str, agencies: Vec<Agency>) -> Result<Self, IssuerError> {
        let issuer = issuer.trim().to_ascii_lowercase();
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        let ok = issuer.len() <= 253
            && issuer.split('.').count() >= 2
            && issuer.split('.').all(label_ok);
        if ok { Ok(Self { issuer, agencies }) } else { Err(IssuerError(issuer)) }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn agency(&self, id: AgencyId) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id == id)
    }

    /// The EIDO identifier of an agency: see [`agency_identifier`]. An agency the context
    /// does not hold is named by its id.
    pub(crate) fn agency_identifier_of(&self, id: AgencyId) -> String {
        match self.agency(id) {
            Some(agency) => agency_identifier(&agency.code, &self.issuer),
            None => format!("agency-{}.{}", id.as_uuid().simple(), self.issuer),
        }
    }
}

/// The incident tracking identifier NENA-STA-010 defines,
/// `urn:emergency:uid:incidentid:<string>:<element>`, where the string is 10 to 32
/// alphanumeric characters: the incident's UUID as 32 hex digits, without hyphens.
pub fn incident_tracking_id(id: IncidentId, issuer: &str) -> String {
    format!("urn:emergency:uid:incidentid:{}:{issuer}", id.as_uuid().simple())
}

/// The call identifier, `urn:emergency:uid:callid:<string>:<element>`. Crisisbridge has one
/// call per incident, so it shares the incident's string.
pub fn call_identifier(id: IncidentId, issuer: &str) -> String {
    format!("urn:emergency:uid:callid:{}:{issuer}", id.as_uuid().simple())
}

/// An agency's EIDO identifier. NENA names agencies by domain names (`state.pa.us`); ours
/// are named under the deployment's: `<code>.<issuer>`, lower-cased (`psap-20045.crisisbridge.county.example`).
pub fn agency_identifier(code: &str, issuer: &str) -> String {
    format!("{}.{issuer}", code.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Timestamp;

    #[test]
    fn issuers_are_dns_names() {
        let ok = ExportContext::new(" CrisisBridge.County.example ", Vec::new()).unwrap();
        assert_eq!(ok.issuer(), "crisisbridge.county.example");
        for bad in ["localhost", "-a.example", "a..example", "a_b.example", "", "a.example-"] {
            let e = ExportContext::new(bad, Vec::new()).unwrap_err();
            assert!(e.to_string().contains("is not a DNS name"), "{bad}");
        }
    }

    #[test]
    fn identifiers_follow_the_nena_forms() {
        let id = IncidentId::new(Timestamp::from_millis(1_764_000_000_000));
        let urn = incident_tracking_id(id, "cb.example");
        let unique = urn.strip_prefix("urn:emergency:uid:incidentid:").unwrap();
        let (string, element) = unique.split_once(':').unwrap();
        assert_eq!((string.len(), element), (32, "cb.example"));
        assert!(string.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(call_identifier(id, "cb.example").starts_with("urn:emergency:uid:callid:"));
        assert_eq!(agency_identifier("PSAP-20045", "cb.example"), "psap-20045.cb.example");
    }
}
