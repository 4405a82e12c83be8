//! The forms of a unit of measure (`uom`) and a coordinate reference system (`srsName`) that
//! shapes arrive with. RFC 5491 prescribes one URN for each (`urn:ogc:def:uom:EPSG::9001`
//! metres, `…::9102` degrees, `urn:ogc:def:crs:EPSG::4326`); GML lets `uom` be any URI or
//! symbol, and peers send the other spellings OGC defines for the same EPSG codes:
//!
//! - the URN with a version between the colons: `urn:ogc:def:uom:EPSG:6.6:9001`;
//! - the OGC HTTP URI: `http://www.opengis.net/def/uom/EPSG/0/9001` (also `https`);
//! - the symbols UCUM and common GML use: `m`, `km`, `ft`, `[ft_i]`, `[ft_us]`, `deg`, `rad`.
//!
//! Lengths in feet or kilometres are converted to metres, angles in radians to degrees. All
//! forms compare ignoring ASCII case and surrounding whitespace. A unit of the wrong kind (an
//! angle's uom on a radius) is refused with what to send.

/// What a measure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quantity {
    Length,
    Angle,
}

/// A unit: what it measures and the factor to metres or degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Unit {
    pub quantity: Quantity,
    pub factor: f64,
    /// How messages name it: "feet", "metres".
    pub name: &'static str,
}

const METRE: Unit = Unit { quantity: Quantity::Length, factor: 1.0, name: "metres" };
const KILOMETRE: Unit = Unit { quantity: Quantity::Length, factor: 1000.0, name: "kilometres" };
const FOOT: Unit = Unit { quantity: Quantity::Length, factor: 0.3048, name: "feet" };
const US_SURVEY_FOOT: Unit =
    Unit { quantity: Quantity::Length, factor: 1200.0 / 3937.0, name: "US survey feet" };
const DEGREE: Unit = Unit { quantity: Quantity::Angle, factor: 1.0, name: "degrees" };
const RADIAN: Unit =
    Unit { quantity: Quantity::Angle, factor: 180.0 / std::f64::consts::PI, name: "radians" };

/// The unit a `uom` names, or `None` when it is not one this reader knows.
pub(super) fn unit(uom: &str) -> Option<Unit> {
    let uom = uom.trim().to_ascii_lowercase();
    if let Some(code) = epsg_code(&uom, "uom") {
        return match code {
            "9001" => Some(METRE),
            "9036" => Some(KILOMETRE),
            "9002" => Some(FOOT),
            "9003" => Some(US_SURVEY_FOOT),
            "9102" => Some(DEGREE),
            "9101" => Some(RADIAN),
            _ => None,
        };
    }
    let symbol = uom.strip_prefix("urn:ogc:def:uom:ucum::").unwrap_or(&uom);
    match symbol {
        "m" | "metre" | "metres" | "meter" | "meters" => Some(METRE),
        "km" | "kilometre" | "kilometres" | "kilometer" | "kilometers" => Some(KILOMETRE),
        "ft" | "[ft_i]" | "foot" | "feet" => Some(FOOT),
        "[ft_us]" => Some(US_SURVEY_FOOT),
        "deg" | "degree" | "degrees" => Some(DEGREE),
        "rad" | "radian" | "radians" => Some(RADIAN),
        _ => None,
    }
}

/// The coordinate dimensions an `srsName` implies: 2 for WGS 84 (EPSG 4326, "latitude
/// longitude"), 3 for WGS 84 3-D (EPSG 4979); `None` for any other (the legacy `EPSG:4326`
/// included: much GIS software reads it "longitude latitude").
pub(super) fn crs_dimensions(srs: &str) -> Option<usize> {
    match epsg_code(&srs.trim().to_ascii_lowercase(), "crs")? {
        "4326" => Some(2),
        "4979" => Some(3),
        _ => None,
    }
}

/// The EPSG code in an OGC URN (`urn:ogc:def:{kind}:epsg:{version}:{code}`, the version
/// possibly empty) or HTTP URI (`http://www.opengis.net/def/{kind}/epsg/{version}/{code}`);
/// `s` is already lower-cased.
fn epsg_code<'a>(s: &'a str, kind: &str) -> Option<&'a str> {
    let digits = |c: &str| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit());
    let version = |v: &str| v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if let Some(rest) = s.strip_prefix("urn:ogc:def:").and_then(|r| r.strip_prefix(kind)) {
        let (v, code) = rest.strip_prefix(":epsg:")?.split_once(':')?;
        return (version(v) && digits(code)).then_some(code);
    }
    let rest = s.strip_prefix("http://").or_else(|| s.strip_prefix("https://"))?;
    let rest = rest.strip_prefix("www.opengis.net/def/")?.strip_prefix(kind)?;
    let (v, code) = rest.strip_prefix("/epsg/")?.split_once('/')?;
    (!v.is_empty() && version(v) && digits(code)).then_some(code)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_spelling_of_metres_feet_and_degrees() {
        for metres in [
            "urn:ogc:def:uom:EPSG::9001",
            " URN:OGC:DEF:UOM:EPSG::9001 ",
            "urn:ogc:def:uom:EPSG:6.6:9001",
            "http://www.opengis.net/def/uom/EPSG/0/9001",
            "https://www.opengis.net/def/uom/EPSG/0/9001",
            "m",
            "metre",
            "urn:ogc:def:uom:UCUM::m",
        ] {
            assert_eq!(unit(metres), Some(METRE), "{metres}");
        }
        assert_eq!(unit("urn:ogc:def:uom:EPSG::9002").unwrap().factor, 0.3048);
        assert_eq!(unit("[ft_i]"), Some(FOOT));
        assert_eq!(unit("[ft_us]").unwrap().factor, 1200.0 / 3937.0);
        assert_eq!(unit("urn:ogc:def:uom:EPSG::9036").unwrap().factor, 1000.0);
        assert_eq!(unit("http://www.opengis.net/def/uom/EPSG/0/9102"), Some(DEGREE));
        assert_eq!(unit("urn:ogc:def:uom:EPSG::9101").unwrap().quantity, Quantity::Angle);
        for unknown in [
            "urn:ogc:def:uom:EPSG::9999",
            "urn:ogc:def:uom:EPSG:9001",
            "urn:ogc:def:uom:EPSG::",
            "http://www.opengis.net/def/uom/EPSG//9001",
            "yards",
            "",
        ] {
            assert_eq!(unit(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn crs_names() {
        assert_eq!(crs_dimensions("urn:ogc:def:crs:EPSG::4326"), Some(2));
        assert_eq!(crs_dimensions("urn:ogc:def:crs:EPSG:6.6:4326"), Some(2));
        assert_eq!(crs_dimensions("http://www.opengis.net/def/crs/EPSG/0/4326"), Some(2));
        assert_eq!(crs_dimensions("urn:ogc:def:crs:EPSG::4979"), Some(3));
        for refused in ["EPSG:4326", "urn:ogc:def::crs:EPSG::4326", "urn:ogc:def:crs:EPSG::3857"] {
            assert_eq!(crs_dimensions(refused), None, "{refused}");
        }
    }
}
