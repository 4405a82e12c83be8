//! Answering LoST (RFC 5222) requests from the routing table: `findService`,
//! `listServices`, `listServicesByLocation` and `getServiceBoundary`.
//!
//! Crisisbridge is authoritative for its own areas. For a location outside them that a
//! configured peer's region holds (`peers.rs`), a `findService` or `listServicesByLocation`
//! asking for recursion is passed on to the peer ([`Reply::Ask`]) and one that does not is
//! answered with a `<redirect>` to it; without such a peer, the rules below apply. Decisions,
//! beyond the RFC:
//!
//! - A `findService` without `<service>` is for `urn:service:sos`. A service we do not offer
//!   is answered for the nearest more general one we do (`sos.police` → `sos`) with a
//!   `serviceSubstitution` warning, else `serviceNotImplemented`. Service URNs compare
//!   ignoring ASCII case.
//! - NENA's NG911 service URNs (`urn:emergency:service:sos.psap`, `…:responder.police`, …)
//!   are services like any other: the services file maps them to agencies, `listServices`
//!   and `listServicesByLocation` name them, `findService` answers them (`responder.police.
//!   sheriff` falls back to `responder.police` with a `serviceSubstitution`). `sos.psap` and
//!   `sos.*` carry the service number 911.
//! - A location in served areas gets the chosen agency's mapping first; when the shape
//!   straddles areas of other agencies, their mappings follow, each with its share of the
//!   shape in its `message` — the choice is the client's to see, never hidden.
//! - A location no area serves gets the service's configured default with a
//!   `defaultMappingReturned` warning and `NO-CACHE` (a default must not be reused for another
//!   location), or `notFound` when no default is configured.
//! - Mappings by location expire after [`MAPPING_TTL_MS`] (routing data can change at any
//!   time); `lastUpdated` is when the routing data last changed; `sourceId` and the boundary
//!   key are `SERVICE|AGENCY-CODE`, stable across changes.
//! - Boundaries: the union of the areas where the agency is the primary for the service, by
//!   value (one `gml:Polygon` each) or by reference, as the request prefers. Default mappings
//!   have no boundary (theirs is "everywhere else").
//! - Civic addresses are resolved to a county (`civic.rs`): by A1 and A2, or without A2 by
//!   the city (A3, else A4) in the imported place tables; a city in several counties gets
//!   each serving agency's mapping, saying so. `validateLocation` reports country, A1 and the
//!   element resolved by (A2, A3 or A4) as checked, every other element as unchecked.
//! - A request whose path already holds our source is a `loop`.

mod civic;
pub mod peers;

use domain::{AgencyId, Location, Route, RouteBasis, Timestamp};
use interop::lost::{
    self, Boundary, BoundaryMode, BoundaryPolygon, ChosenLocation, ErrorKind, Expires,
    LocationValidation, LocationValue, LostError, Mapping, Request,
};

use incidents::routing::ServiceRouter;

/// How long a client may reuse a mapping found by location.
pub const MAPPING_TTL_MS: i64 = 60 * 60 * 1000;

/// The service a `findService` without `<service>` asks for.
const DEFAULT_SERVICE: &str = "urn:service:sos";

/// What to do with a request: answer it, or pass it to a peer and relay the peer's answer.
#[derive(Debug)]
pub enum Reply {
    Answer(Answer),
    Ask {
        peer: peers::Peer,
        /// `findService` or `listServicesByLocation`.
        request: &'static str,
        /// The request's path with this server's source last.
        path: Vec<String>,
    },
}

/// A response document, and how the request ended (a bounded metric label).
#[derive(Debug)]
pub struct Answer {
    pub body: String,
    /// `findService`, `listServices`, … or `invalid` when the request did not parse.
    pub request: &'static str,
    /// `mapping`, `default`, `list`, `boundary`, or the LoST error's element name.
    pub outcome: &'static str,
}

/// Answers one LoST request. `source` is this server's name in LoST (an `appUniqueString`);
/// `peers`, the servers asked for locations outside our areas.
pub fn answer(
    table: Option<&ServiceRouter>,
    source: &str,
    now: Timestamp,
    body: &[u8],
    peers: Option<&peers::Peers>,
) -> Reply {
    let request = match lost::parse_request(body) {
        Ok(request) => request,
        Err(e) => return Reply::Answer(refused("invalid", source, e)),
    };
    let kind = request_kind(&request);
    if request.path().iter().any(|via| via.eq_ignore_ascii_case(source)) {
        let e =
            LostError::new(ErrorKind::Loop, format!("{source} is already in the request's path"));
        return Reply::Answer(refused(kind, source, e));
    }
    let mut path = request.path().to_vec();
    path.push(source.to_owned());
    let (location, recursive) = match &request {
        Request::FindService(r) => (Some(&r.location), r.recursive),
        Request::ListServicesByLocation(r) => (Some(&r.location), r.recursive),
        _ => (None, false),
    };
    if let (Some(location), Some(peers)) = (location, peers)
        && let Some(at) = outside(table, location)
    {
        let peer = match peers.for_location(&at, &path) {
            Ok(Some(peer)) => peer,
            Ok(None) => {
                return Reply::Answer(answer_here(table, source, now, &request, kind, &path, None));
            }
            Err(been) => {
                let e = LostError::new(
                    ErrorKind::Loop,
                    format!(
                        "the location is {}'s, which is already in the request's path",
                        been.name
                    ),
                );
                return Reply::Answer(refused(kind, source, e));
            }
        };
        if recursive {
            return Reply::Ask { peer: peer.clone(), request: kind, path };
        }
        let message = format!("the location is outside {source}'s areas; ask {}", peer.name);
        let body = lost::write_redirect(&peer.name, source, &message);
        return Reply::Answer(Answer { body, request: kind, outcome: "redirect" });
    }
    Reply::Answer(answer_here(table, source, now, &request, kind, &path, None))
}

/// Answers a request from this server's own data after the peer it was passed to failed
/// (`failure`): a location outside our areas still gets what we would answer without peers —
/// the default mapping, with the peer's failure said in its warning — and an error list
/// holds the failure beside our own error. Never no answer because a peer is down.
pub fn answer_after_peer_failure(
    table: Option<&ServiceRouter>,
    source: &str,
    now: Timestamp,
    body: &[u8],
    failure: LostError,
) -> Answer {
    let request = match lost::parse_request(body) {
        Ok(request) => request,
        Err(e) => return refused("invalid", source, e),
    };
    let kind = request_kind(&request);
    let mut path = request.path().to_vec();
    path.push(source.to_owned());
    answer_here(table, source, now, &request, kind, &path, Some(failure))
}

fn request_kind(request: &Request) -> &'static str {
    match request {
        Request::FindService(_) => "findService",
        Request::ListServices(_) => "listServices",
        Request::ListServicesByLocation(_) => "listServicesByLocation",
        Request::GetServiceBoundary(_) => "getServiceBoundary",
    }
}

/// Answers a request from this server's own data; `peer_failure`, when a peer was asked
/// first and could not answer.
fn answer_here(
    table: Option<&ServiceRouter>,
    source: &str,
    now: Timestamp,
    request: &Request,
    kind: &'static str,
    path: &[String],
    peer_failure: Option<LostError>,
) -> Answer {
    let refuse = |e: LostError| match &peer_failure {
        Some(failure) => Answer {
            outcome: e.kind.element_name(),
            body: lost::write_errors(source, &[failure.clone(), e]),
            request: kind,
        },
        None => refused(kind, source, e),
    };
    let Some(table) = table else {
        return refuse(LostError::new(
            ErrorKind::ServiceNotImplemented,
            "this server has no service areas configured yet",
        ));
    };
    // Said as a warning on what we answer instead (the grammar's warnings cannot hold a
    // serverTimeout or serverError).
    let fallback: Vec<LostError> = peer_failure
        .iter()
        .map(|f| {
            LostError::new(
                ErrorKind::DefaultMappingReturned,
                format!("{}; answered from {source}'s own data instead", f.message),
            )
        })
        .collect();
    let result = match request {
        Request::FindService(r) => find_service(table, source, now, r, path, &fallback),
        Request::ListServices(r) => {
            let services = services_under(table.services(), r.service.as_deref());
            Ok(("list", lost::write_list_services_response(&services, &[], source, path)))
        }
        Request::ListServicesByLocation(r) => {
            list_by_location(table, source, &r.location, r.service.as_deref(), path, &fallback)
        }
        Request::GetServiceBoundary(r) => key_boundary(table, &r.key)
            .map(|polygons| {
                let body = lost::write_get_service_boundary_response(&polygons, &[], source, path);
                ("boundary", body)
            })
            .ok_or_else(|| {
                LostError::new(
                    ErrorKind::NotFound,
                    format!("no service boundary has the key {:?}", r.key),
                )
            }),
    };
    match result {
        Ok((outcome, body)) => Answer { body, request: kind, outcome },
        Err(e) => refuse(e),
    }
}

/// Where a location lies, when it lies outside every area of ours: a geodetic shape no area
/// holds any of, or a US civic address that resolves to no county of ours. `None` when it is
/// ours, or cannot be told (an address of another country, or naming no state we know).
fn outside(table: Option<&ServiceRouter>, location: &ChosenLocation) -> Option<peers::Whereabouts> {
    match &location.value {
        LocationValue::Geodetic(shape) => {
            let location = shape.to_location().ok()?;
            let ours = table.is_some_and(|t| t.area_of(&location).is_some());
            (!ours).then(|| peers::Whereabouts::of(&location))
        }
        LocationValue::Civic(address) => {
            // Peers are chosen by US state; an address of another country is not theirs.
            if address.get("country").is_some_and(|c| !civic::is_us(c)) {
                return None;
            }
            let state = jurisdiction::us_states::find(address.get("A1")?)?.fips;
            // Ours when it resolves to a county we have (by A2, or by its city).
            let ours = table.is_some_and(|t| {
                civic::resolve(t, address)
                    .is_ok_and(|r| r.areas.iter().any(|code| t.area(code).is_some()))
            });
            (!ours).then(|| peers::Whereabouts { state: Some(state.to_owned()), point: None })
        }
    }
}

fn refused(request: &'static str, source: &str, e: LostError) -> Answer {
    Answer { outcome: e.kind.element_name(), body: lost::write_errors(source, &[e]), request }
}

fn find_service(
    table: &ServiceRouter,
    source: &str,
    now: Timestamp,
    r: &lost::FindService,
    path: &[String],
    extra_warnings: &[LostError],
) -> Result<(&'static str, String), LostError> {
    let requested = r.service.as_deref().unwrap_or(DEFAULT_SERVICE);
    let service = table.resolve_service(requested).ok_or_else(|| {
        LostError::new(
            ErrorKind::ServiceNotImplemented,
            format!(
                "{requested} is not offered here; listServices names what is: {}",
                table.services().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let mut warnings = extra_warnings.to_vec();
    if !service.eq_ignore_ascii_case(requested) {
        warnings.push(LostError::new(
            ErrorKind::ServiceSubstitution,
            format!("{requested} is not offered here; answered for {service}"),
        ));
    }
    let (route, validation, by_place) = route_location(table, service, &r.location)?;
    let validation = validation.filter(|_| r.validate_location);
    let mapping = |agency: AgencyId, basis: RouteBasis, message: Option<String>| {
        mapping(table, source, now, service, agency, basis, r.boundary, message)
    };
    let (outcome, mappings) = match route.basis {
        RouteBasis::NoCoverage => {
            return Err(LostError::new(ErrorKind::NotFound, route.rule.as_str()));
        }
        RouteBasis::Location => {
            let mut mappings = Vec::new();
            for candidate in &route.candidates {
                let percent = (u32::from(candidate.share_permille) + 5) / 10;
                let message = match &by_place {
                    // A city in several counties: said even when one agency serves all of
                    // those loaded here, since the rest may be someone else's.
                    Some(place) if place.counties > 1 => Some(format!(
                        "{} lies in {} counties and the address names none (A2); this agency serves {percent}% of them",
                        place.name, place.counties
                    )),
                    _ => route
                        .is_ambiguous()
                        .then(|| format!("{percent}% of the location lies in this agency's area")),
                };
                mappings.extend(mapping(candidate.agency, route.basis, message));
            }
            ("mapping", mappings)
        }
        RouteBasis::Default | RouteBasis::AreaCode => {
            warnings.push(LostError::new(ErrorKind::DefaultMappingReturned, route.rule.as_str()));
            let mappings = route.agency().and_then(|a| mapping(a, route.basis, None));
            ("default", mappings.into_iter().collect())
        }
    };
    if mappings.is_empty() {
        return Err(LostError::new(
            ErrorKind::InternalError,
            "the routed agency is not in the directory",
        ));
    }
    let body = lost::write_find_service_response(
        &mappings,
        validation.as_ref(),
        &warnings,
        source,
        path,
        Some(&r.location.id),
    );
    Ok((outcome, body))
}

/// The route of one service at a request's location, the civic validation, and for an
/// address resolved by its city, that city.
fn route_location(
    table: &ServiceRouter,
    service: &str,
    location: &ChosenLocation,
) -> Result<(Route, Option<LocationValidation>, Option<civic::PlaceNamed>), LostError> {
    let unconfigured =
        || LostError::new(ErrorKind::ServiceNotImplemented, format!("{service} is not configured"));
    match &location.value {
        LocationValue::Geodetic(shape) => {
            let location =
                shape.to_location().map_err(|e| LostError::location_invalid(e.to_string()))?;
            let route = table.route_service(service, &location, None).ok_or_else(unconfigured)?;
            Ok((route, None, None))
        }
        LocationValue::Civic(address) => {
            let found = civic::resolve(table, address)?;
            let codes: Vec<&str> = found.areas.iter().map(String::as_str).collect();
            let route = table
                .route_service_in_areas(
                    service,
                    &codes,
                    found.by_place.as_ref().map(|p| p.name.as_str()),
                )
                .or_else(|| table.route_service(service, &Location::Unknown, None))
                .ok_or_else(unconfigured)?;
            Ok((route, Some(found.validation), found.by_place))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn mapping(
    table: &ServiceRouter,
    source: &str,
    now: Timestamp,
    service: &str,
    agency: AgencyId,
    basis: RouteBasis,
    mode: BoundaryMode,
    message: Option<String>,
) -> Option<Mapping> {
    let agency = table.agency(agency)?;
    let key = format!("{service}|{}", agency.code);
    let by_location = basis == RouteBasis::Location;
    let boundary = by_location.then(|| match mode {
        BoundaryMode::Value => Boundary::Value(boundary_of(table, service, agency.id)),
        BoundaryMode::Reference => {
            Boundary::Reference { source: source.to_owned(), key: key.clone() }
        }
    });
    Some(Mapping {
        display_names: vec![("en".into(), agency.name.clone())],
        service: service.to_owned(),
        boundary,
        uris: agency.uri.iter().cloned().collect(),
        service_number: service_number(service).map(str::to_owned),
        expires: if by_location {
            Expires::At(now.as_millis() + MAPPING_TTL_MS)
        } else {
            Expires::NoCache
        },
        last_updated_ms: table.changed_at().as_millis(),
        source: source.to_owned(),
        source_id: key,
        message,
    })
}

/// The number a person dials in the US for the service: 911 for IETF's `urn:service:sos`
/// and NENA's `urn:emergency:service:sos` (`sos.psap`, …) and their sub-services, 988 for
/// counseling. NENA's `responder.*` services are reached through a PSAP, not dialled.
fn service_number(service: &str) -> Option<&'static str> {
    let service = service.to_ascii_lowercase();
    let is_or_under = |parent: &str| {
        service == parent || service.strip_prefix(parent).is_some_and(|r| r.starts_with('.'))
    };
    if is_or_under("urn:service:sos") || is_or_under("urn:emergency:service:sos") {
        Some("911")
    } else if is_or_under("urn:service:counseling") {
        Some("988")
    } else {
        None
    }
}

/// The areas `agency` serves as primary for `service`, as GML-ready polygons (lat, lon).
fn boundary_of(table: &ServiceRouter, service: &str, agency: AgencyId) -> Vec<BoundaryPolygon> {
    let flip = |ring: &jurisdiction::Ring| ring.iter().map(|[lon, lat]| (*lat, *lon)).collect();
    table
        .areas_served(service, agency)
        .into_iter()
        .flat_map(|area| &area.polygons)
        .map(|p| BoundaryPolygon {
            exterior: flip(&p.exterior),
            holes: p.holes.iter().map(flip).collect(),
        })
        .collect()
}

/// The boundary a `getServiceBoundary` key (`SERVICE|AGENCY-CODE`) names.
fn key_boundary(table: &ServiceRouter, key: &str) -> Option<Vec<BoundaryPolygon>> {
    let (service, code) = key.rsplit_once('|')?;
    let agency = table.agency_by_code(code)?;
    let polygons = boundary_of(table, service, agency);
    (!polygons.is_empty()).then_some(polygons)
}

fn list_by_location(
    table: &ServiceRouter,
    source: &str,
    location: &ChosenLocation,
    under: Option<&str>,
    path: &[String],
    warnings: &[LostError],
) -> Result<(&'static str, String), LostError> {
    let mut offered = Vec::new();
    for service in table.services() {
        // Offered here: some agency answers, by location or as the default.
        let (route, _, _) = route_location(table, service, location)?;
        if route.agency().is_some() {
            offered.push(service);
        }
    }
    let services = services_under(offered.into_iter(), under);
    let body = lost::write_list_services_by_location_response(
        &services,
        warnings,
        source,
        path,
        Some(&location.id),
    );
    Ok(("list", body))
}

/// Services equal to `under` or below it (`urn:service:sos` → `sos`, `sos.police`, …), by
/// ASCII case-insensitive comparison; all when `under` is `None`.
fn services_under<'a>(services: impl Iterator<Item = &'a str>, under: Option<&str>) -> Vec<String> {
    services
        .filter(|s| {
            under.is_none_or(|u| {
                let head = s.get(..u.len()).is_some_and(|h| h.eq_ignore_ascii_case(u));
                head && s
                    .get(u.len()..)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
        })
        .map(str::to_owned)
        .collect()
}
