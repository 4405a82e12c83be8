//! Routing incidents by location: which agency serves where the person is, for each service.
//!
//! - `table`: [`ServiceRouter`], the immutable routing table — areas, their index, tiers per
//!   service — and the rules that turn a location into a [`domain::Route`] per service.
//! - `sample`: the points a location's shape is sampled at to find its share in each area.
//! - `places`: the imported place tables by name, for civic addresses without a county.
//! - [`Routing`]: the table in use. Every node rebuilds its table when the store's routing
//!   version moves (areas, service areas, place tables or agencies changed: an import on any
//!   node), checked every `routing_refresh`.

mod places;
mod sample;
mod table;

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

pub use places::{PlaceMatch, place_key};
use store::Store;
pub use table::{RoutingData, ServiceRouter, is_ng911_name};

/// The routing table in use, shared by every request; cheap to clone.
#[derive(Debug, Clone)]
pub struct Routing {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    /// The table (`None` while the deployment has nothing to route by), and the store's
    /// routing version it was built from.
    current: RwLock<(Option<Arc<ServiceRouter>>, Option<u64>)>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routing").field("current", &self.current).finish_non_exhaustive()
    }
}

impl Routing {
    /// Loads the table from the store.
    pub async fn load(store: Arc<dyn Store>) -> store::Result<Self> {
        let routing = Self { inner: Arc::new(Inner { store, current: RwLock::new((None, None)) }) };
        routing.refresh().await?;
        Ok(routing)
    }

    /// The table now, or `None` when nothing is configured to route by.
    pub fn current(&self) -> Option<Arc<ServiceRouter>> {
        self.loaded().0
    }

    fn loaded(&self) -> (Option<Arc<ServiceRouter>>, Option<u64>) {
        match self.inner.current.read() {
            Ok(guard) => guard.clone(),
            // A writer panicked mid-swap; the value is still whole.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rebuilds the table if the store's routing version moved; returns whether it did.
    pub async fn refresh(&self) -> store::Result<bool> {
        let store = &self.inner.store;
        let version = store.routing_version().await?;
        if self.loaded().1 == Some(version.version) {
            return Ok(false);
        }
        let data = RoutingData {
            areas: store.areas().await?,
            service_areas: store.service_areas().await?,
            agencies: store.agencies().await?,
            places: store.place_tables().await?,
            version,
        };
        // Parsing boundaries and building the index takes up to a second for a whole country:
        // off the async threads.
        let table = tokio::task::spawn_blocking(move || ServiceRouter::build(data))
            .await
            .map_err(|e| store::StoreError::Database(format!("building the routing table: {e}")))?;
        let areas = table.as_ref().map_or(0, |t| t.areas().len());
        let loaded = (table.map(Arc::new), Some(version.version));
        match self.inner.current.write() {
            Ok(mut guard) => *guard = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
        tracing::info!(version = version.version, areas, "routing table loaded");
        Ok(true)
    }

    /// Checks for changes every `every` until the last handle is dropped.
    pub fn spawn_refresher(&self, every: Duration) {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                if let Err(e) = (Routing { inner }).refresh().await {
                    tracing::warn!(error = %e, "could not check the routing table for changes; will retry");
                }
            }
        });
    }
}
