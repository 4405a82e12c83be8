//! Versioned triage protocols per agency: every upload is a new version, kept for good;
//! one version per agency and channel is active.

use async_trait::async_trait;
use domain::{AgencyId, Channel, Timestamp, UserId};

use crate::Result;

/// A protocol version to store; the store assigns its version number.
#[derive(Debug, Clone)]
pub struct NewProtocolVersion {
    pub agency: AgencyId,
    pub protocol_id: String,
    pub channel: Channel,
    /// The protocol file exactly as uploaded.
    pub source: String,
    pub uploaded_at: Timestamp,
    pub uploaded_by: UserId,
    /// Whether the checker proved it; only such versions can be activated.
    pub check_passed: bool,
    /// The checker's verdict, in words.
    pub check_report: String,
}

/// A stored protocol version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolVersion {
    pub agency: AgencyId,
    pub protocol_id: String,
    /// 1 for the first upload of this protocol id by this agency, then 2, 3, …
    pub version: u32,
    pub channel: Channel,
    pub source: String,
    pub uploaded_at: Timestamp,
    pub uploaded_by: UserId,
    pub check_passed: bool,
    pub check_report: String,
    /// Whether this is the agency's active protocol for its channel.
    pub active: bool,
}

#[async_trait]
pub trait ProtocolStore: Send + Sync + 'static {
    /// Stores a new version, numbered one past the agency's latest of that protocol id.
    async fn put_protocol_version(&self, new: &NewProtocolVersion) -> Result<ProtocolVersion>;
    async fn protocol_version(
        &self,
        agency: AgencyId,
        protocol_id: &str,
        version: u32,
    ) -> Result<Option<ProtocolVersion>>;
    /// Every version of every protocol of the agency, by id then version.
    async fn protocol_versions(&self, agency: AgencyId) -> Result<Vec<ProtocolVersion>>;
    /// Makes the version the agency's active protocol for its channel, replacing any other.
    /// The caller checks that the version passed the checker.
    async fn activate_protocol(
        &self,
        agency: AgencyId,
        protocol_id: &str,
        version: u32,
        at: Timestamp,
        by: UserId,
    ) -> Result<()>;
    /// The agency's active protocol for `channel`.
    async fn active_protocol(
        &self,
        agency: AgencyId,
        channel: Channel,
    ) -> Result<Option<ProtocolVersion>>;
}
