//! What every handler shares.

use std::sync::Arc;
use std::time::SystemTime;

use domain::{Clock, Timestamp};
use store::Store;

/// The wall clock, read only here at the edge.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp::from_millis(ms)
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<crate::Settings>,
    /// Who serves where, kept current with the store.
    pub routing: incidents::routing::Routing,
    /// Every command on an incident goes through it.
    pub incidents: incidents::IncidentService,
    /// Ended sessions, told to the streams they hold open.
    pub session_ends: crate::auth::SessionEnds,
    /// The outcome measures' tally, kept current from the live stream.
    pub measures: crate::live_measures::LiveMeasures,
    /// Street tiles already cut.
    pub tiles: crate::routes::places::TileCache,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("settings", &self.settings).finish_non_exhaustive()
    }
}
