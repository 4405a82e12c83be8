//! Namespace names of the vocabularies this crate reads and writes.

/// LoST (RFC 5222).
pub const LOST: &str = "urn:ietf:params:xml:ns:lost1";
/// GML 3.1.1 as profiled by RFC 5491 (Point, Polygon, pos, posList, ...).
pub const GML: &str = "http://www.opengis.net/gml";
/// The PIDF-LO shapes GML application schema (Circle, Ellipse, ArcBand, ...).
pub const PIDFLO: &str = "http://www.opengis.net/pidflo/1.0";
/// Civic addresses (RFC 5139).
pub const CIVIC: &str = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr";
/// GEOPRIV (RFC 4119): `location-info` inside a presence document.
pub const GEOPRIV: &str = "urn:ietf:params:xml:ns:pidf:geopriv10";
/// The `xml:` prefix's namespace, bound without a declaration.
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
