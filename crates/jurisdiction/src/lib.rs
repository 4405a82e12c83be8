//! Jurisdictions: which areas contain a location.
//!
//! - [`import`]: boundary files — GeoJSON, TopoJSON (quantized arcs, us-atlas style) and ESRI
//!   Shapefile (`.shp` with its `.dbf` attributes), each optionally gzip-compressed — into
//!   validated [`Area`]s. Errors name the feature and what is wrong.
//! - [`AreaIndex`]: exact point-in-area lookup through a uniform grid whose boundary cells keep
//!   the edges that cross them (see `index.rs`).
//! - [`reference`](mod@reference): the straightforward point-in-polygon test the index is checked against.
//!
//! Invariant: pure. Callers read files; this crate gets bytes.

mod geometry;
pub mod import;
mod index;
pub mod reference;

pub use geometry::{Area, Polygon, Ring};
pub use import::{Format, ImportError};
pub use index::AreaIndex;
