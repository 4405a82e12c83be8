//! Jurisdictions: which areas contain a location.
//!
//! - [`import`]: boundary files — GeoJSON, TopoJSON (quantized arcs, us-atlas style) and ESRI
//!   Shapefile (`.shp` with its `.dbf` attributes), each optionally gzip-compressed — into
//!   validated [`Area`]s. Errors name the feature and what is wrong.
//! - [`AreaIndex`]: exact point-in-area lookup through a uniform grid whose boundary cells keep
//!   the edges that cross them (see `index.rs`).
//! - The index file (`index_file.rs`): the built index, versioned and checksummed, so a
//!   command-line lookup loads it instead of building it again.
//! - [`reference`](mod@reference): the straightforward point-in-polygon test the index is checked against.
//! - [`npa`]: North American area codes and the region each serves (legacy 988 routing).
//! - [`us_states`]: US states and territories by FIPS, USPS code and name (civic lookups).
//!
//! Invariant: pure. Callers read files; this crate gets bytes.

mod geometry;
pub mod import;
mod index;
mod index_file;
pub mod npa;
pub mod reference;
pub mod us_states;

pub use geometry::{Area, Polygon, Ring};
pub use import::{Format, ImportError};
pub use index::AreaIndex;
pub use index_file::{IndexFileError, is_index_file};
