//! The four LoST requests, as [`parse_request`](super::parse_request) returns them.

use crate::pidf::LocationValue;

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    FindService(FindService),
    ListServices(ListServices),
    ListServicesByLocation(ListServicesByLocation),
    GetServiceBoundary(GetServiceBoundary),
}

impl Request {
    /// The `<via>` sources the request passed through, in order; empty for
    /// `getServiceBoundary`, whose grammar has no path. A server checks it for its own
    /// source (a loop) and answers with it plus its own source appended.
    pub fn path(&self) -> &[String] {
        match self {
            Self::FindService(r) => &r.path,
            Self::ListServices(r) => &r.path,
            Self::ListServicesByLocation(r) => &r.path,
            Self::GetServiceBoundary(_) => &[],
        }
    }
}

/// `findService`: which URIs serve this location for this service.
#[derive(Debug, Clone, PartialEq)]
pub struct FindService {
    pub location: ChosenLocation,
    /// A service URN, checked (and lower-cased when `urn:service:`); `None` when absent,
    /// which RFC 5222 leaves to the server's default service.
    pub service: Option<String>,
    /// The `<via source>` values, in order.
    pub path: Vec<String>,
    /// `validateLocation`: the client asks for a `<locationValidation>` of a civic address.
    pub validate_location: bool,
    /// `serviceBoundary`: how the client would like boundaries returned.
    pub boundary: BoundaryMode,
    /// `recursive`: the client asks the server to resolve the query itself rather than
    /// answer with a `<redirect>`; an authoritative server answers either way.
    pub recursive: bool,
}

/// `listServices`: which services exist (below `service`, when given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListServices {
    pub service: Option<String>,
    pub path: Vec<String>,
}

/// `listServicesByLocation`: which services are offered at this location.
#[derive(Debug, Clone, PartialEq)]
pub struct ListServicesByLocation {
    pub location: ChosenLocation,
    pub service: Option<String>,
    pub path: Vec<String>,
    /// Defaults to **true** here (the grammar's default differs from `findService`'s).
    pub recursive: bool,
}

/// `getServiceBoundary`: the boundary a `serviceBoundaryReference` named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetServiceBoundary {
    pub key: String,
}

/// The `serviceBoundary` attribute of `findService`; the grammar's default is `Reference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BoundaryMode {
    Value,
    #[default]
    Reference,
}

/// The location the server uses: the first of the request's `<location>` elements whose
/// profile it understands (RFC 5222 §12), to be reported back in `<locationUsed id>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenLocation {
    pub id: String,
    /// `geodetic-2d` or `civic`.
    pub profile: String,
    /// A `Geodetic` shape here always converts with [`Shape::to_location`]: the parser has
    /// already refused those that do not.
    ///
    /// [`Shape::to_location`]: crate::pidf::Shape::to_location
    pub value: LocationValue,
}
