//! Roads: the road network, snapping, and travel times for dispatching mobile crisis teams.
//!
//! Entry points:
//! - [`import::import`]: an OpenStreetMap PBF or XML file or a CSV edge list (each optionally
//!   gzip or bzip2 compressed), as bytes, into a [`Graph`] — the largest strongly connected
//!   part of the drivable network, with millisecond travel times from the car model in
//!   [`model`], contracted into a hierarchy. [`Network`] builds a graph from arcs directly.
//! - [`import::import_with_lines`]: the same, keeping the roads as drawn and named
//!   ([`RoadLine`]) for the street map.
//! - [`Graph::to_bytes`] / [`Graph::from_bytes`]: the versioned, checksummed graph file.
//! - [`Graph::snap`]: a point to the nearest point on the nearest road, as a [`Snap`] that
//!   says how far off the road the point was.
//! - [`Query`]: exact travel times between snapped points, one incident to many teams
//!   ([`Query::snapped_times_from`]) and many teams to one incident
//!   ([`Query::snapped_times_to`]); the same between nodes, and one node to all.
//! - [`Query::target_set`] / [`Query::times_with_set`]: the same targets against many sources,
//!   selected once; [`Query::matrix`]: a whole travel-time matrix between snapped points.
//! - [`Query::times_from`] / [`Query::times_to`]: one snapped point against every node, kept
//!   ([`TimesFrom`], [`TimesTo`]) to answer for any other point with a few lookups.
//! - [`Dijkstra`]: the plain reference the queries are checked against.
//! - [`fallback_seconds`]: straight-line distance × [`DETOUR_FACTOR`] at [`FALLBACK_KMH`], for
//!   when there is no road network.
//!
//! How queries are fast: a contraction hierarchy (`ch/`), queried with RPHAST for one to many
//! and PHAST for one to all (`query.rs` explains both). On the 250 k-node grid one incident
//! to 50 teams takes about 2 ms, against about 50 ms for Dijkstra (BENCHMARKS.md).
//!
//! Invariants:
//! - Pure: no files, no clock. The binary reads files and times things.
//! - Every weight is whole milliseconds and every sum an integer, so the hierarchy's answers
//!   equal a plain Dijkstra's exactly (property-tested), not merely to within rounding.
//! - Every node of a graph can reach every other, and every travel time in it fits 32 bits
//!   of milliseconds (checked when the graph is built).
//! - Bad input is an error naming the line, element or byte problem; never a panic.

mod ch;
mod dijkstra;
mod error;
mod eta;
mod fallback;
mod field;
mod format;
mod geo;
mod graph;
pub mod import;
mod line;
mod matrix;
pub mod model;
mod network;
mod query;
mod scc;
mod snap;
#[cfg(feature = "testing")]
pub mod testing;

pub use dijkstra::Dijkstra;
pub use error::{Result, RoadsError};
pub use fallback::{DETOUR_FACTOR, FALLBACK_KMH, fallback_seconds};
pub use field::{Route, TimesFrom, TimesTo};
pub use format::{VERSION as GRAPH_FILE_VERSION, is_graph_file};
pub use geo::{E7, haversine_m};
pub use graph::{ArcInfo, Graph, NodeId, TravelTime};
pub use line::{RoadClass, RoadLine};
pub use matrix::{SnappedSources, TargetSet};
pub use network::{Arc, BuildReport, Network, Stage};
pub use query::Query;
pub use snap::{MAX_SEGMENTS, SAME_PLACE_M, Snap};
