//! Streets: the road network as people see it — drawn on the console's maps and named in
//! words — beside the graph the travel times use.
//!
//! Entry points:
//! - [`StreetMap::new`]: the named roads of an import ([`roads::RoadLine`]) indexed for drawing;
//!   [`StreetMap::tile`] cuts the compact vector tile the console draws for one zoom and area.
//! - [`file`]: the streets file `crisisbridge import roads` writes beside the graph file
//!   (versioned, checksummed, every value re-checked on load).
//! - [`Places`]: describes a point in words ("at W 23rd St & Iowa St", "on W 23rd St near
//!   Iowa St", "1234 Main St" where address points are loaded) and finds what a person types
//!   (an intersection, a street, an address).
//! - [`addresses`]: a county's address points (CSV or GeoJSON, plain `address,lat,lon` or the
//!   NENA NG9-1-1 GIS site/structure address point fields), read and checked, and their file.
//!
//! Invariants:
//! - Pure: bytes in, values out; no files, no clock.
//! - Bad input is an error naming the row, field or byte problem; never a panic.

pub mod addresses;
pub mod file;
mod geo;
mod map;
mod names;
mod places;
mod tile;

pub use addresses::{AddressPoint, AddressPoints};
pub use map::StreetMap;
pub use names::normalize;
pub use places::{Description, Found, FoundKind, Places};
pub use tile::{EXTENT, MAX_ZOOM, MIN_ZOOM, Tile, TileError, TileLine};

/// What reading a streets or address file found wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StreetsError {
    /// The bytes are not a file of this kind, or it is damaged.
    #[error("{0}")]
    Format(String),
    /// A row or feature of an address file is wrong: which one, and what to fix.
    #[error("{at}: {problem}")]
    Row { at: String, problem: String },
}
