//! LoST, the Location-to-Service Translation protocol (RFC 5222): requests in, responses
//! and errors out.
//!
//! Entry points: [`parse_request`] → [`Request`]; the writers
//! [`write_find_service_response`], [`write_list_services_response`],
//! [`write_list_services_by_location_response`], [`write_get_service_boundary_response`]
//! and [`write_errors`]. A refused request is a [`LostError`] whose kind is the LoST
//! exception to answer with. For working with other servers (`relay.rs`):
//! [`forwarded_request`], [`write_redirect`] and [`read_peer_answer`].
//!
//! # How strict reading is
//!
//! Structure follows the RFC 5222 grammar, with these decisions:
//! - **badRequest**: input that is not well-formed UTF-8 XML, a DOCTYPE (refused outright,
//!   so no entity is ever expanded), a root that is not a LoST request, an unknown attribute
//!   without a namespace, text where elements belong, a repeated `<service>` or `<path>`,
//!   a request with no `<location>`, a `<via>` whose source is not a server name, a
//!   `<service>` that is not a URN, and **any unknown element in the LoST namespace** —
//!   RFC 5222 puts extensions in namespaces of their own, so `<asOf>` in the LoST namespace
//!   is refused rather than guessed at. Elements in no namespace are refused too (the
//!   grammar's extension point excludes them).
//! - Documents are bounded (1 MiB, depth 64, 20 000 elements, 64 attributes per element)
//!   and read without recursion; callers should bound the body size well below that.
//! - Extensions (elements and attributes in other namespaces) are skipped. The order of
//!   the known children is not checked.
//! - **Locations** (RFC 5222 §12): the first `<location>` whose profile is `geodetic-2d` or
//!   `civic` is used, and reported back in `<locationUsed>`; later ones are not read. If none
//!   is understood: `locationProfileUnrecognized` listing their profiles. If the chosen one
//!   cannot be used: `locationInvalid` saying what is wrong (the shape policy is on the
//!   [`pidf`](crate::pidf) module). A location without a `profile` attribute is taken for
//!   what its content plainly is (a GML shape, or a `civicAddress`).
//! - A geodetic location must convert to a domain location (radius at most 100 km, polygon
//!   at most 1 000 vertices, ...), so the server never meets a location it cannot use.
//! - `urn:service:` URNs are lower-cased (they compare case-insensitively); URNs of other
//!   namespaces are passed on for the server to answer `serviceNotImplemented`.

mod error;
mod lexical;
mod parse;
mod relay;
mod request;
mod response;

pub use crate::datetime::format_datetime;
pub use error::{ErrorKind, LostError, Result, write_errors};
pub use lexical::{is_app_unique_string, is_service_number};
pub use parse::{CIVIC, GEODETIC_2D, parse_request};
pub use relay::{
    MAX_PEER_ANSWER_BYTES, PeerAnswer, forwarded_request, read_peer_answer, write_redirect,
};
pub use request::{
    BoundaryMode, ChosenLocation, FindService, GetServiceBoundary, ListServices,
    ListServicesByLocation, Request,
};
pub use response::{
    Boundary, Expires, LocationValidation, Mapping, write_find_service_response,
    write_get_service_boundary_response, write_list_services_by_location_response,
    write_list_services_response,
};

pub use crate::pidf::{BoundaryPolygon, CivicAddress, LocationValue};
