//! Reading LoST requests, with the policy documented on the [`lost`](super) module.

use super::error::{ErrorKind, LostError, Result};
use super::lexical::{is_app_unique_string, is_nmtoken, parse_boolean, parse_service_urn};
use super::request::{
    BoundaryMode, ChosenLocation, FindService, GetServiceBoundary, ListServices,
    ListServicesByLocation, Request,
};
use crate::ns;
use crate::pidf::{LocationValue, is_shape_element, read_civic, read_shape};
use crate::xml::{self, Element, Limits};

/// The location profiles this server understands (RFC 5222 §12.2 and §12.3).
pub const GEODETIC_2D: &str = "geodetic-2d";
pub const CIVIC: &str = "civic";

/// Parses a LoST request. Refusals are LoST exceptions ready for `write_errors`:
/// `badRequest` for anything that is not a well-formed request of the grammar,
/// `locationProfileUnrecognized` when no location has a profile this server understands,
/// and `locationInvalid` when the chosen location cannot be used.
pub fn parse_request(xml: &[u8]) -> Result<Request> {
    let root =
        xml::parse(xml, Limits::DEFAULT).map_err(|e| LostError::bad_request(e.to_string()))?;
    if !root.in_ns(ns::LOST) {
        return Err(LostError::bad_request(format!(
            "the root element <{}> is not in the LoST namespace {}",
            root.name,
            ns::LOST
        )));
    }
    match root.local.as_str() {
        "findService" => {
            let body =
                Body::read(&root, &["validateLocation", "serviceBoundary", "recursive"], true)?;
            Ok(Request::FindService(FindService {
                location: choose_location(&body.locations)?,
                service: body.service,
                path: body.path,
                validate_location: boolean(&root, "validateLocation", false)?,
                boundary: match root.attr("serviceBoundary").map(str::trim) {
                    None | Some("reference") => BoundaryMode::Reference,
                    Some("value") => BoundaryMode::Value,
                    Some(other) => {
                        return Err(LostError::bad_request(format!(
                            "serviceBoundary is {other:?}; it must be \"value\" or \"reference\""
                        )));
                    }
                },
                recursive: boolean(&root, "recursive", false)?,
            }))
        }
        "listServices" => {
            let body = Body::read(&root, &[], false)?;
            Ok(Request::ListServices(ListServices { service: body.service, path: body.path }))
        }
        "listServicesByLocation" => {
            let body = Body::read(&root, &["recursive"], true)?;
            Ok(Request::ListServicesByLocation(ListServicesByLocation {
                location: choose_location(&body.locations)?,
                service: body.service,
                path: body.path,
                recursive: boolean(&root, "recursive", true)?,
            }))
        }
        "getServiceBoundary" => {
            check_attributes(&root, &["key"])?;
            no_lost_children(&root)?;
            let key = root.attr("key").map(str::trim).unwrap_or_default();
            if key.is_empty() {
                return Err(LostError::bad_request("<getServiceBoundary> needs a key attribute"));
            }
            Ok(Request::GetServiceBoundary(GetServiceBoundary { key: key.to_owned() }))
        }
        "findServiceResponse"
        | "listServicesResponse"
        | "listServicesByLocationResponse"
        | "getServiceBoundaryResponse"
        | "errors"
        | "redirect" => Err(LostError::bad_request(format!(
            "<{}> is a LoST response; send a request (findService, listServices, listServicesByLocation or getServiceBoundary)",
            root.name
        ))),
        _ => Err(LostError::bad_request(format!(
            "<{}> is not a LoST request; expected findService, listServices, listServicesByLocation or getServiceBoundary",
            root.name
        ))),
    }
}

/// What the three request kinds with a common pattern share.
struct Body<'a> {
    locations: Vec<&'a Element>,
    service: Option<String>,
    path: Vec<String>,
}

impl<'a> Body<'a> {
    fn read(root: &'a Element, attributes: &[&str], with_location: bool) -> Result<Self> {
        check_attributes(root, attributes)?;
        no_text(root)?;
        let mut body = Body { locations: Vec::new(), service: None, path: Vec::new() };
        let mut seen_path = false;
        for child in lost_children(root)? {
            match child.local.as_str() {
                "location" if with_location => body.locations.push(child),
                "service" => {
                    if body.service.is_some() {
                        return Err(repeated(root, child));
                    }
                    body.service = Some(service(child)?);
                }
                "path" => {
                    if seen_path {
                        return Err(repeated(root, child));
                    }
                    seen_path = true;
                    body.path = path(child)?;
                }
                _ => return Err(unknown_lost_element(root, child)),
            }
        }
        if with_location && body.locations.is_empty() {
            return Err(LostError::bad_request(format!("<{}> needs a <location>", root.name)));
        }
        Ok(body)
    }
}

fn service(e: &Element) -> Result<String> {
    check_attributes(e, &[])?;
    if let Some(child) = e.elements().next() {
        return Err(LostError::bad_request(format!(
            "<{}> holds a URN, not <{}>",
            e.name, child.name
        )));
    }
    parse_service_urn(&e.text()).map_err(LostError::bad_request)
}

fn path(e: &Element) -> Result<Vec<String>> {
    check_attributes(e, &[])?;
    no_text(e)?;
    let mut sources = Vec::new();
    for via in lost_children(e)? {
        if via.local != "via" {
            return Err(unknown_lost_element(e, via));
        }
        check_attributes(via, &["source"])?;
        no_text(via)?;
        no_lost_children(via)?;
        let source = via.attr("source").map(str::trim).unwrap_or_default();
        if !is_app_unique_string(source) {
            return Err(LostError::bad_request(format!(
                "<via> source {source:?} is not a server name such as lost.example.org"
            )));
        }
        sources.push(source.to_owned());
    }
    if sources.is_empty() {
        return Err(LostError::bad_request("<path> needs at least one <via>"));
    }
    Ok(sources)
}

/// Picks the first location whose profile is understood and reads it (RFC 5222 §12: the
/// server uses the first location it can, and says which in `<locationUsed>`). Every
/// location is checked for structure first, so a malformed request is a `badRequest`
/// whichever location would have been chosen.
fn choose_location(locations: &[&Element]) -> Result<ChosenLocation> {
    let mut candidates = Vec::with_capacity(locations.len());
    for &location in locations {
        check_attributes(location, &["id", "profile"])?;
        no_text(location)?;
        no_lost_children(location)?;
        let id = location.attr("id").map(str::trim).unwrap_or_default();
        if id.is_empty() {
            return Err(LostError::bad_request("<location> needs an id attribute"));
        }
        let profile = location.attr("profile").map(str::trim);
        if let Some(p) = profile
            && !is_nmtoken(p)
        {
            return Err(LostError::bad_request(format!(
                "location {id:?} has profile {p:?}, which is not a profile name"
            )));
        }
        candidates.push((location, id, profile));
    }
    for &(location, id, profile) in &candidates {
        // Leniency: a location without a profile is taken for what its content plainly is.
        let profile = match profile {
            Some(p) => p,
            None if location.elements().any(is_shape_element) => GEODETIC_2D,
            None if location.elements().any(|e| e.is(ns::CIVIC, "civicAddress")) => CIVIC,
            None => continue,
        };
        let value = match profile {
            GEODETIC_2D => geodetic(location, id)?,
            CIVIC => civic(location, id)?,
            _ => continue,
        };
        return Ok(ChosenLocation { id: id.to_owned(), profile: profile.to_owned(), value });
    }
    let mut unsupported_profiles: Vec<String> = Vec::new();
    for &(_, _, profile) in &candidates {
        if let Some(p) = profile
            && !unsupported_profiles.iter().any(|u| u == p)
        {
            unsupported_profiles.push(p.to_owned());
        }
    }
    Err(LostError::new(
        ErrorKind::LocationProfileUnrecognized { unsupported_profiles },
        format!("no location has a profile this server understands ({GEODETIC_2D}, {CIVIC})"),
    ))
}

fn geodetic(location: &Element, id: &str) -> Result<LocationValue> {
    let invalid =
        |message: String| LostError::location_invalid(format!("location {id:?}: {message}"));
    let mut shapes = location.elements().filter(|e| e.in_ns(ns::GML) || e.in_ns(ns::PIDFLO));
    let Some(shape) = shapes.next() else {
        return Err(invalid(format!(
            "the {GEODETIC_2D} profile needs a GML shape (gml:Point, gml:Polygon, gs:Circle, gs:Ellipse or gs:ArcBand)"
        )));
    };
    if shapes.next().is_some() {
        return Err(invalid("it has more than one shape; send one per location".into()));
    }
    let shape = read_shape(shape).map_err(|e| invalid(e.to_string()))?;
    // Checked here so that every location a request yields can become a domain location.
    shape.to_location().map_err(|e| invalid(e.to_string()))?;
    Ok(LocationValue::Geodetic(shape))
}

fn civic(location: &Element, id: &str) -> Result<LocationValue> {
    let invalid =
        |message: String| LostError::location_invalid(format!("location {id:?}: {message}"));
    let mut addresses = location.elements().filter(|e| e.in_ns(ns::CIVIC));
    let Some(address) = addresses.next() else {
        return Err(invalid(format!("the {CIVIC} profile needs a civicAddress element")));
    };
    if addresses.next().is_some() {
        return Err(invalid("it has more than one civic address; send one per location".into()));
    }
    let address = read_civic(address).map_err(|e| invalid(e.to_string()))?;
    Ok(LocationValue::Civic(address))
}

fn boolean(e: &Element, attribute: &str, default: bool) -> Result<bool> {
    match e.attr(attribute) {
        None => Ok(default),
        Some(v) => parse_boolean(v).ok_or_else(|| {
            LostError::bad_request(format!("{attribute} is {v:?}; it must be true or false"))
        }),
    }
}

/// Unprefixed attributes must be the grammar's; attributes of other namespaces are ignored
/// as extensions.
fn check_attributes(e: &Element, allowed: &[&str]) -> Result<()> {
    match e.attributes.iter().find(|a| a.ns.is_none() && !allowed.contains(&a.local.as_str())) {
        Some(a) => Err(LostError::bad_request(format!(
            "<{}> has an unknown attribute {:?}",
            e.name, a.local
        ))),
        None => Ok(()),
    }
}

fn no_text(e: &Element) -> Result<()> {
    if e.has_text() {
        return Err(LostError::bad_request(format!("<{}> may not contain text", e.name)));
    }
    Ok(())
}

/// The LoST-namespace children; other namespaces are extensions (skipped), and elements in
/// no namespace are refused: the grammar's extension point excludes both LoST and no
/// namespace.
fn lost_children(e: &Element) -> Result<Vec<&Element>> {
    let mut out = Vec::new();
    for child in e.elements() {
        match child.ns.as_deref() {
            None => {
                return Err(LostError::bad_request(format!(
                    "<{}> in <{}> has no namespace; extensions must be in a namespace of their own",
                    child.name, e.name
                )));
            }
            Some(ns::LOST) => out.push(child),
            Some(_) => {}
        }
    }
    Ok(out)
}

fn no_lost_children(e: &Element) -> Result<()> {
    match lost_children(e)?.first() {
        Some(child) => Err(unknown_lost_element(e, child)),
        None => Ok(()),
    }
}

fn unknown_lost_element(parent: &Element, child: &Element) -> LostError {
    LostError::bad_request(format!(
        "<{}> in <{}> is not a LoST element; RFC 5222 extensions must be in a namespace of their own",
        child.name, parent.name
    ))
}

fn repeated(parent: &Element, child: &Element) -> LostError {
    LostError::bad_request(format!("<{}> has more than one <{}>", parent.name, child.name))
}
