//! Crisisbridge's wire formats for other emergency-services systems.
//!
//! - [`lost`]: LoST (RFC 5222). [`lost::parse_request`] reads `findService`,
//!   `listServices`, `listServicesByLocation` and `getServiceBoundary`; the `write_*`
//!   functions produce responses and `<errors>` that validate against the RFC's grammar.
//! - [`pidf`]: PIDF-LO locations — the RFC 5491 GML shapes (Point, Circle, Ellipse, ArcBand,
//!   Polygon) and RFC 5139 civic addresses — read into [`pidf::Shape`] and
//!   [`pidf::CivicAddress`], converted to a [`domain::Location`] by
//!   [`pidf::Shape::to_location`]; GML polygons written for service boundaries, presence
//!   documents written for EIDO.
//! - [`eido`]: NENA EIDO (NENA-STA-021) JSON. [`eido::export`] writes an incident as an EIDO
//!   that validates against NENA's schemas; [`eido::import`] reads a CAD's EIDO into what
//!   Crisisbridge takes from it, or names the JSON path that is wrong.
//!
//! - `grammar` (feature `grammar-check`, for tests): validating LoST documents against the
//!   RFC 5222 grammar with `xmllint`, and EIDOs against NENA's JSON schemas.
//!
//! How lenient reading is, and why, is written on each module.
//!
//! Invariants:
//! - Pure: bytes in, `String`s out; no IO (but in the test-only `grammar`), no clock (times arrive as UTC epoch milliseconds).
//! - Reading never panics and never recurses on input: XML documents are parsed into a bounded
//!   tree (size, depth, element and attribute counts), DOCTYPEs are refused, so no entity is
//!   expanded; EIDO JSON is bounded in size and read into types of fixed depth, with what is
//!   not read skipped by serde_json without recursion.
//! - Every XML document a writer returns is well-formed XML in UTF-8; every EIDO validates
//!   against NENA's schemas (tested).

#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)
)]

pub mod datetime;
pub mod eido;
#[cfg(feature = "grammar-check")]
pub mod grammar;
pub mod lost;
mod ns;
pub mod pidf;
mod xml;
