//! One module per API resource.

pub mod agencies;
pub mod health;
pub mod incidents;
pub mod sessions;
pub mod stream;
