//! One module per API resource.

pub mod actions;
pub mod agencies;
pub mod clinician;
pub mod health;
pub mod incidents;
pub mod lost;
pub mod protocols;
pub mod routing;
pub mod sessions;
pub mod stream;
pub mod triage;
