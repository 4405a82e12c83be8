//! Writing LoST responses (RFC 5222 §8–§11). Each writer returns a whole document in the
//! LoST namespace that validates against the RFC 5222 grammar.
//!
//! Writers do not fail. Values the grammar cannot carry are handled as each item says:
//! a service number that is not `[0-9*#]+` is left out, a display name whose language tag
//! is malformed gets `und`, civic names that are not XML names are left out of a
//! validation list, messages have their whitespace collapsed. Sources, source ids, keys and
//! URIs are written as given: they come from our configuration, which checks them
//! ([`is_app_unique_string`](super::is_app_unique_string)).

use super::error::{LostError, write_container};
use super::lexical::{collapse_whitespace, is_language, is_ncname, is_service_number};
use crate::datetime::format_datetime;
use crate::ns;
use crate::pidf::{BoundaryPolygon, write_polygon_into};
use crate::xml::XmlWriter;

/// One location-to-service mapping: who serves the location for the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Human-readable names, each with its language tag: (lang, name).
    pub display_names: Vec<(String, String)>,
    /// The service this mapping is for (which may differ from the one requested; say so
    /// with a `serviceSubstitution` warning).
    pub service: String,
    /// Where the mapping holds; `None` to send no boundary.
    pub boundary: Option<Boundary>,
    /// The URIs to contact, e.g. `sip:psap@example.org`.
    pub uris: Vec<String>,
    /// The number to dial, `[0-9*#]+`.
    pub service_number: Option<String>,
    /// Until when the client may reuse this mapping.
    pub expires: Expires,
    /// When the mapping last changed, UTC epoch milliseconds.
    pub last_updated_ms: i64,
    /// The authoritative server of the mapping (an `appUniqueString`).
    pub source: String,
    /// The mapping's identity at `source`; with `last_updated_ms` it names one version.
    pub source_id: String,
    /// A note for people, sent with `xml:lang="en"`.
    pub message: Option<String>,
}

/// A mapping's service boundary.
#[derive(Debug, Clone, PartialEq)]
pub enum Boundary {
    /// By value: the polygons whose union is the area, written as one `geodetic-2d`
    /// `<serviceBoundary>` holding one `gml:Polygon` each. An empty list writes nothing.
    Value(Vec<BoundaryPolygon>),
    /// By reference, for the client to fetch with `getServiceBoundary`.
    Reference { source: String, key: String },
}

/// The `expires` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expires {
    /// Valid until this instant (UTC epoch milliseconds).
    At(i64),
    /// `NO-CACHE`: the client must not reuse the mapping for another request.
    NoCache,
    /// `NO-EXPIRATION`: the mapping may be reused indefinitely.
    NoExpiration,
}

/// `<locationValidation>`: which civic elements of the request were checked and found
/// valid, found invalid, or not checked. Names are RFC 5139 local names (`"A3"`, `"HNO"`);
/// they are written qualified with the civicAddr namespace (RFC 6848 §3.4 reads them as
/// QNames, and unqualified names would mean LoST elements).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationValidation {
    pub valid: Vec<String>,
    pub invalid: Vec<String>,
    pub unchecked: Vec<String>,
}

/// A `findServiceResponse`.
///
/// `path` is the request's path with this server's source appended (the grammar needs at
/// least one `<via>`; an empty `path` writes `source` alone). `source` is this server's
/// `appUniqueString`, used for the `<warnings>` element. `location_used` is the id of the
/// location the mappings answer (`ChosenLocation::id`).
///
/// The grammar needs at least one mapping: with none, this writes the answer that fits,
/// an `<errors>` document with `notFound`.
pub fn write_find_service_response(
    mappings: &[Mapping],
    validation: Option<&LocationValidation>,
    warnings: &[LostError],
    source: &str,
    path: &[String],
    location_used: Option<&str>,
) -> String {
    if mappings.is_empty() {
        let not_found = LostError::new(
            super::ErrorKind::NotFound,
            "no mapping serves this location for this service",
        );
        return super::write_errors(source, &[not_found]);
    }
    let mut w = XmlWriter::document();
    w.start("findServiceResponse", &[("xmlns", ns::LOST), ("xmlns:gml", ns::GML)]);
    for mapping in mappings {
        write_mapping(&mut w, mapping);
    }
    if let Some(validation) = validation {
        write_validation(&mut w, validation);
    }
    write_common(&mut w, warnings, source, path);
    write_location_used(&mut w, location_used);
    w.finish()
}

/// A `listServicesResponse`: the service URNs offered. See
/// [`write_find_service_response`] for `warnings`, `source` and `path`.
pub fn write_list_services_response(
    services: &[String],
    warnings: &[LostError],
    source: &str,
    path: &[String],
) -> String {
    let mut w = XmlWriter::document();
    w.start("listServicesResponse", &[("xmlns", ns::LOST)]);
    w.text_element("serviceList", &[], &services.join(" "));
    write_common(&mut w, warnings, source, path);
    w.finish()
}

/// A `listServicesByLocationResponse`. See [`write_find_service_response`] for the other
/// arguments.
pub fn write_list_services_by_location_response(
    services: &[String],
    warnings: &[LostError],
    source: &str,
    path: &[String],
    location_used: Option<&str>,
) -> String {
    let mut w = XmlWriter::document();
    w.start("listServicesByLocationResponse", &[("xmlns", ns::LOST)]);
    w.text_element("serviceList", &[], &services.join(" "));
    write_common(&mut w, warnings, source, path);
    write_location_used(&mut w, location_used);
    w.finish()
}

/// A `getServiceBoundaryResponse`: the polygons of the boundary the key named. The grammar
/// needs a boundary: with no polygons, this writes an `<errors>` document with `notFound`.
pub fn write_get_service_boundary_response(
    boundary: &[BoundaryPolygon],
    warnings: &[LostError],
    source: &str,
    path: &[String],
) -> String {
    if boundary.is_empty() {
        let not_found = LostError::new(super::ErrorKind::NotFound, "no such service boundary");
        return super::write_errors(source, &[not_found]);
    }
    let mut w = XmlWriter::document();
    w.start("getServiceBoundaryResponse", &[("xmlns", ns::LOST), ("xmlns:gml", ns::GML)]);
    write_boundary_value(&mut w, boundary);
    write_common(&mut w, warnings, source, path);
    w.finish()
}

fn write_mapping(w: &mut XmlWriter, m: &Mapping) {
    let expires = match m.expires {
        Expires::At(ms) => format_datetime(ms),
        Expires::NoCache => "NO-CACHE".to_owned(),
        Expires::NoExpiration => "NO-EXPIRATION".to_owned(),
    };
    let last_updated = format_datetime(m.last_updated_ms);
    let message = m.message.as_deref().map(collapse_whitespace);
    let mut attributes = vec![
        ("expires", expires.as_str()),
        ("lastUpdated", last_updated.as_str()),
        ("source", m.source.as_str()),
        ("sourceId", m.source_id.as_str()),
    ];
    if let Some(message) = &message {
        attributes.push(("message", message));
        attributes.push(("xml:lang", "en"));
    }
    w.start("mapping", &attributes);
    for (lang, name) in &m.display_names {
        let lang = if is_language(lang) { lang.as_str() } else { "und" };
        w.text_element("displayName", &[("xml:lang", lang)], name);
    }
    w.text_element("service", &[], &m.service);
    match &m.boundary {
        Some(Boundary::Value(polygons)) if !polygons.is_empty() => {
            write_boundary_value(w, polygons);
        }
        Some(Boundary::Reference { source, key }) => {
            w.empty("serviceBoundaryReference", &[("source", source), ("key", key)]);
        }
        Some(Boundary::Value(_)) | None => {}
    }
    for uri in &m.uris {
        w.text_element("uri", &[], uri);
    }
    if let Some(number) = m.service_number.as_deref().filter(|n| is_service_number(n)) {
        w.text_element("serviceNumber", &[], number);
    }
    w.end();
}

/// One `<serviceBoundary>` with every polygon: RFC 5222 §12.2 gives a geodetic boundary as
/// polygons, the area being their union.
fn write_boundary_value(w: &mut XmlWriter, polygons: &[BoundaryPolygon]) {
    w.start("serviceBoundary", &[("profile", super::GEODETIC_2D)]);
    for polygon in polygons {
        write_polygon_into(w, polygon, false);
    }
    w.end();
}

fn write_validation(w: &mut XmlWriter, v: &LocationValidation) {
    w.start("locationValidation", &[("xmlns:ca", ns::CIVIC)]);
    for (element, names) in
        [("valid", &v.valid), ("invalid", &v.invalid), ("unchecked", &v.unchecked)]
    {
        let names: Vec<String> =
            names.iter().filter(|n| is_ncname(n)).map(|n| format!("ca:{n}")).collect();
        if !names.is_empty() {
            w.text_element(element, &[], &names.join(" "));
        }
    }
    w.end();
}

/// The grammar's `commonResponsePattern`: warnings, then the path.
fn write_common(w: &mut XmlWriter, warnings: &[LostError], source: &str, path: &[String]) {
    if !warnings.is_empty() {
        write_container(w, "warnings", source, warnings, false);
    }
    w.start("path", &[]);
    if path.is_empty() {
        w.empty("via", &[("source", source)]);
    }
    for via in path {
        w.empty("via", &[("source", via)]);
    }
    w.end();
}

fn write_location_used(w: &mut XmlWriter, location_used: Option<&str>) {
    if let Some(id) = location_used {
        w.empty("locationUsed", &[("id", id)]);
    }
}
