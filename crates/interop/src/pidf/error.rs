//! Why a PIDF-LO location (a shape or a civic address) was refused. Every message says what was wrong and what to send
//! instead; LoST reports them as `locationInvalid`.

use domain::LocationError;

use crate::xml::XmlError;

/// The canonical 2-D coordinate reference system of PIDF-LO: WGS 84, "latitude longitude".
pub const EPSG_4326: &str = "urn:ogc:def:crs:EPSG::4326";
/// WGS 84 3-D: "latitude longitude altitude".
pub const EPSG_4979: &str = "urn:ogc:def:crs:EPSG::4979";
/// Metres.
pub const UOM_METRE: &str = "urn:ogc:def:uom:EPSG::9001";
/// Degrees.
pub const UOM_DEGREE: &str = "urn:ogc:def:uom:EPSG::9102";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShapeError {
    /// The bytes given to a `parse_*` function were not an acceptable XML document.
    #[error("{0}")]
    Document(String),
    #[error(
        "<{0}> is not a location shape; expected gml:Point, gml:Polygon, gs:Circle, gs:Ellipse or gs:ArcBand"
    )]
    UnknownShape(String),
    #[error(
        "<{0}> is a 3-D shape; send a 2-D one: gml:Point, gml:Polygon, gs:Circle, gs:Ellipse or gs:ArcBand"
    )]
    ThreeDimensional(String),
    #[error("<{shape}> has no srsName; use srsName=\"{crs}\"", crs = EPSG_4326)]
    MissingSrsName { shape: String },
    #[error("<{shape}> has srsName {found:?}; use \"{crs}\" (latitude longitude)", crs = EPSG_4326)]
    UnknownSrsName { shape: String, found: String },
    #[error("<{parent}> has no <{child}>")]
    Missing { parent: String, child: &'static str },
    #[error("<{parent}> has more than one <{child}>")]
    Repeated { parent: String, child: String },
    #[error("<{parent}> may not contain <{child}>")]
    Unexpected { parent: String, child: String },
    #[error("<{element}> may not contain text")]
    UnexpectedText { element: String },
    #[error("<{element}> has {count} numbers; {srs} needs {per_position} per position")]
    CoordinateCount { element: String, count: usize, srs: &'static str, per_position: usize },
    #[error("<{element}>: {text:?} is not a number")]
    NotANumber { element: String, text: String },
    #[error(
        "<{element}> separates numbers with a comma; gml:posList takes numbers separated by spaces only (a comma there could be a decimal comma)"
    )]
    CommaInPosList { element: String },
    #[error(
        "latitude {lat} is out of range [-90, 90] and longitude {lon} would be a valid latitude: {crs} is \"latitude longitude\", so the coordinates look swapped", crs = EPSG_4326)]
    SwappedAxes { lat: f64, lon: f64 },
    #[error("<{element}> has no uom; use uom=\"{expected}\"")]
    MissingUom { element: String, expected: &'static str },
    #[error("<{element}> has uom {found}; use \"{expected}\" ({unit})")]
    WrongUom { element: String, found: String, expected: &'static str, unit: &'static str },
    #[error(
        "<{major}> ({major_m} m) is shorter than <{minor}> ({minor_m} m): the semi-major axis is the longer one and the orientation its direction; swap the axes and turn the orientation by 90°"
    )]
    AxesOutOfOrder { major: String, major_m: f64, minor: String, minor_m: f64 },
    #[error("<{element}> is {value}; it must be a finite number in {range}")]
    OutOfRange { element: String, value: f64, range: &'static str },
    #[error("<{element}> is {value} m; it must be more than <{inner}> ({inner_value} m)")]
    RadiiOutOfOrder { element: String, value: f64, inner: String, inner_value: f64 },
    #[error(
        "<{element}> is not an RFC 5139 civic address element; use one of country, A1-A6, PRM, PRD, RD, STS, POD, POM, RDSEC, RDBR, RDSUBBR, HNO, HNS, LMK, LOC, FLR, NAM, PC, BLD, UNIT, ROOM, SEAT, PLC, PCN, POBOX, ADDCODE"
    )]
    UnknownCivicElement { element: String },
    #[error("the civic address has no elements; send at least the country")]
    EmptyCivicAddress,
    #[error(
        "a location polygon may not have holes (gml:interior): RFC 5491 allows only an exterior ring"
    )]
    Holes,
    #[error("the shape reaches across the antimeridian or a pole, which is not supported")]
    CrossesPoleOrAntimeridian,
    #[error(transparent)]
    Location(#[from] LocationError),
}

impl From<XmlError> for ShapeError {
    fn from(e: XmlError) -> Self {
        Self::Document(e.to_string())
    }
}
