//! PIDF-LO locations: the 2-D geodetic shapes of RFC 5491 in GML, civic addresses of
//! RFC 5139, GML polygons for LoST service boundaries, and presence documents for EIDO.
//!
//! Entry points: [`parse_shape`] (a document whose root is one shape), [`parse_presence`]
//! (every location in a PIDF-LO presence document), [`parse_boundary_polygon`] (a
//! `gml:Polygon` with holes), [`write_polygon`], [`write_presence`] (a domain location as a
//! presence document), and [`Shape::to_location`] into the domain.
//!
//! # How strict reading is
//!
//! Real senders make a handful of mistakes. The rule: repair what has only one possible
//! meaning, refuse what could be misread, and say in the refusal what to send instead.
//!
//! Accepted and repaired:
//! - **Commas in `gml:pos`** ("37.775, -122.422", "37.775,-122.422"): a comma counts as a
//!   separator. A position needs exactly two numbers (three in EPSG::4979), so a decimal
//!   comma ("37,775 -122,422") still fails on the count and cannot be misread.
//! - **Unclosed polygon rings** are closed by repeating the first vertex.
//! - **`urn:ogc:def:crs:EPSG::4979`** (3-D) on any 2-D shape: each position needs three
//!   numbers and the altitude is dropped; the horizontal datum is the same WGS 84.
//! - **Circle, Ellipse, ArcBand in the GML namespace** (`gml:Circle`, `gml:radius`) as well
//!   as PIDF-LO's `gs:`: NG911 peers send both; they are read alike (a shape still has one
//!   radius, whichever namespace each copy is in).
//! - **Other spellings of the units and the CRS** (`units.rs`): metres, feet (international
//!   and US survey) and kilometres as OGC URNs with or without a version, OGC HTTP URIs, or
//!   symbols (`m`, `ft`, `[ft_i]`, `[ft_us]`, `km`); degrees and radians likewise. Lengths
//!   become metres and angles degrees. WGS 84 as `urn:ogc:def:crs:EPSG:6.6:4326` or
//!   `http://www.opengis.net/def/crs/EPSG/0/4326` (both "latitude longitude").
//! - srsName and uom values are compared ignoring ASCII case and surrounding whitespace.
//! - Elements of other namespaces inside a shape (extensions) are skipped.
//!
//! Refused ([`ShapeError`], reported by LoST as `locationInvalid`):
//! - **Commas in `gml:posList`**: there a comma cannot be told from a decimal comma and
//!   both readings can give plausible coordinates.
//! - **Swapped axes**, when detectable: a latitude outside [-90, 90] whose longitude would be
//!   a valid latitude. EPSG::4326 is "latitude longitude"; swaps that stay within ±90 look
//!   like valid positions and cannot be detected.
//! - **Any other srsName**, misspellings (`urn:ogc:def::crs:EPSG::4326`) and the legacy
//!   `EPSG:4326` / `epsg:4326` forms included: those legacy forms are read as "longitude
//!   latitude" by much GIS software, so their axis order is genuinely in doubt.
//! - A missing srsName; a length or angle whose `uom` is not a unit of its kind (a radius in
//!   degrees, a unit not listed above), or one with no `uom` at all.
//! - Non-finite numbers, negative lengths, an outer radius not above the inner one, angles
//!   outside [0, 360] (an opening angle must be in (0, 360]).
//! - **An ellipse whose semi-major axis is shorter than its semi-minor**: the orientation
//!   belongs to the longer axis, so swapping them silently would turn the ellipse by 90°.
//! - **A polygon whose edges cross or touch** (a bow tie, a figure eight, a spike doubling
//!   back): what it encloses is in doubt, so it is refused naming the two edges
//!   ([`domain::Polygon::parse_simple`]); the API refuses such a polygon too.
//! - Rings with fewer than 3 distinct vertices; holes (`gml:interior`) in a location polygon,
//!   which RFC 5491 does not allow (service boundaries may have them, RFC 5964).
//! - 3-D shapes (Sphere, Ellipsoid, Prism): LoST's `geodetic-2d` profile has no place for
//!   them, and dropping their height silently would change what the sender said.
//! - Unknown GML or PIDF-LO child elements, repeated ones, and text where elements belong.

mod approximate;
mod civic;
mod error;
mod gml_read;
mod gml_write;
mod presence;
mod presence_write;
mod shape;
mod units;

pub use civic::CivicAddress;
pub use error::{EPSG_4326, EPSG_4979, ShapeError, UOM_DEGREE, UOM_METRE};
pub use gml_write::write_polygon;
pub use presence::LocationValue;
pub use presence_write::{Presentity, write_presence};
pub use shape::{BoundaryPolygon, Shape};

pub(crate) use civic::read_civic;
pub(crate) use gml_read::{is_shape_element, read_shape};
pub(crate) use gml_write::write_polygon_into;

use crate::xml::{self, Limits};

/// Reads a document whose root element is one 2-D shape (`gml:Point`, `gml:Polygon`,
/// `gs:Circle`, `gs:Ellipse`, `gs:ArcBand`).
pub fn parse_shape(xml: &[u8]) -> Result<Shape, ShapeError> {
    read_shape(&xml::parse(xml, Limits::DEFAULT)?)
}

/// Reads a document whose root element is a `gml:Polygon`, holes included.
pub fn parse_boundary_polygon(xml: &[u8]) -> Result<BoundaryPolygon, ShapeError> {
    gml_read::read_boundary_polygon(&xml::parse(xml, Limits::DEFAULT)?)
}

/// Every location in a PIDF-LO presence document's `gp:location-info` elements, in document
/// order. A location that cannot be read makes the whole document an error.
pub fn parse_presence(xml: &[u8]) -> Result<Vec<LocationValue>, ShapeError> {
    presence::locations_in(&xml::parse(xml, Limits::DEFAULT)?)
}
