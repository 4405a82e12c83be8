//! Every EIDO received from another system, kept verbatim with who sent it and when: the
//! incident's own record holds what Crisisbridge can act on, and this what the sender said,
//! all of it — persons, additional data, its own identifiers — so an export can give the
//! document back updated rather than rebuilt.

use async_trait::async_trait;
use domain::{AgencyId, IncidentId, Timestamp};

use crate::Result;

/// One EIDO as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedEido {
    pub incident: IncidentId,
    /// The agency whose user (or system account) sent it.
    pub sender: AgencyId,
    pub received_at: Timestamp,
    /// The document, byte for byte as received (JSON, at most 1 MiB).
    pub body: String,
}

#[async_trait]
pub trait EidoArchive: Send + Sync + 'static {
    /// Keeps one received EIDO. Append-only.
    async fn keep_received_eido(&self, received: &ReceivedEido) -> Result<()>;
    /// The EIDOs received for an incident, oldest first.
    async fn received_eidos(&self, incident: IncidentId) -> Result<Vec<ReceivedEido>>;
    /// The latest EIDO received for an incident, or the latest received at or before `at`.
    async fn latest_received_eido(
        &self,
        incident: IncidentId,
        at: Option<Timestamp>,
    ) -> Result<Option<ReceivedEido>>;
    /// Every EIDO received, oldest first (for copying a database).
    async fn all_received_eidos(&self) -> Result<Vec<ReceivedEido>>;
}
