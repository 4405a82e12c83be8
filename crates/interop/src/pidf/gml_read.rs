//! Reading the GML shapes of RFC 5491 from an element tree, with the leniency policy
//! documented on the [`pidf`](super) module.

use domain::LocationError;

use super::error::{EPSG_4326, EPSG_4979, ShapeError, UOM_DEGREE, UOM_METRE};
use super::shape::{BoundaryPolygon, Shape};
use super::units::{self, Quantity};
use crate::ns;
use crate::xml::Element;

/// Whether an element is one of the shapes this module knows (2-D or 3-D), so a caller can
/// tell a shape it should parse from an extension it should skip. Circle, Ellipse, ArcBand
/// and the 3-D shapes are PIDF-LO's (`gs:`), but peers also send them in the GML namespace
/// (`gml:Circle`); both are read alike.
pub fn is_shape_element(e: &Element) -> bool {
    let pidflo_shape = matches!(
        e.local.as_str(),
        "Circle" | "Ellipse" | "ArcBand" | "Sphere" | "Ellipsoid" | "Prism"
    );
    (e.in_ns(ns::GML) && (matches!(e.local.as_str(), "Point" | "Polygon") || pidflo_shape))
        || (e.in_ns(ns::PIDFLO) && pidflo_shape)
}

/// Reads one 2-D location shape.
pub fn read_shape(e: &Element) -> Result<Shape, ShapeError> {
    if !is_shape_element(e) {
        return Err(ShapeError::UnknownShape(e.name.clone()));
    }
    if matches!(e.local.as_str(), "Sphere" | "Ellipsoid" | "Prism") {
        return Err(ShapeError::ThreeDimensional(e.name.clone()));
    }
    let dims = dimensions(e)?;
    // `is_shape_element` has checked the namespace goes with the name: GML for Point and
    // Polygon, PIDF-LO's or GML's for the rest.
    match e.local.as_str() {
        "Point" => {
            let children = Children::new(e, &["pos"], &[], &[])?;
            let (lat, lon) = position(children.one("pos")?, dims)?;
            Ok(Shape::Point { lat, lon })
        }
        "Polygon" => {
            let polygon = read_polygon(e, dims)?;
            if !polygon.holes.is_empty() {
                return Err(ShapeError::Holes);
            }
            Ok(Shape::Polygon { exterior: polygon.exterior })
        }
        "Circle" => {
            let children = Children::new(e, &["pos"], &["radius"], &[])?;
            let (lat, lon) = position(children.one("pos")?, dims)?;
            let radius_m = length(children.one("radius")?)?;
            Ok(Shape::Circle { lat, lon, radius_m })
        }
        "Ellipse" => {
            let children = Children::new(
                e,
                &["pos"],
                &["semiMajorAxis", "semiMinorAxis", "orientation"],
                &[],
            )?;
            let (lat, lon) = position(children.one("pos")?, dims)?;
            let major_element = children.one("semiMajorAxis")?;
            let semi_major_m = length(major_element)?;
            let minor_element = children.one("semiMinorAxis")?;
            let semi_minor_m = length(minor_element)?;
            if semi_major_m < semi_minor_m {
                return Err(ShapeError::AxesOutOfOrder {
                    major: major_element.name.clone(),
                    major_m: semi_major_m,
                    minor: minor_element.name.clone(),
                    minor_m: semi_minor_m,
                });
            }
            Ok(Shape::Ellipse {
                lat,
                lon,
                semi_major_m,
                semi_minor_m,
                orientation_deg: angle(children.one("orientation")?, false)?,
            })
        }
        "ArcBand" => {
            let children = Children::new(
                e,
                &["pos"],
                &["innerRadius", "outerRadius", "startAngle", "openingAngle"],
                &[],
            )?;
            let (lat, lon) = position(children.one("pos")?, dims)?;
            let inner_element = children.one("innerRadius")?;
            let inner_radius_m = length(inner_element)?;
            let outer_element = children.one("outerRadius")?;
            let outer_radius_m = length(outer_element)?;
            if outer_radius_m <= inner_radius_m {
                return Err(ShapeError::RadiiOutOfOrder {
                    element: outer_element.name.clone(),
                    value: outer_radius_m,
                    inner: inner_element.name.clone(),
                    inner_value: inner_radius_m,
                });
            }
            Ok(Shape::ArcBand {
                lat,
                lon,
                inner_radius_m,
                outer_radius_m,
                start_angle_deg: angle(children.one("startAngle")?, false)?,
                opening_angle_deg: angle(children.one("openingAngle")?, true)?,
            })
        }
        _ => Err(ShapeError::UnknownShape(e.name.clone())),
    }
}

/// Reads a `gml:Polygon`, holes included (service boundaries may have them, RFC 5964).
pub fn read_boundary_polygon(e: &Element) -> Result<BoundaryPolygon, ShapeError> {
    if !e.is(ns::GML, "Polygon") {
        return Err(ShapeError::UnknownShape(e.name.clone()));
    }
    read_polygon(e, dimensions(e)?)
}

fn read_polygon(e: &Element, dims: usize) -> Result<BoundaryPolygon, ShapeError> {
    let children = Children::new(e, &["exterior", "interior"], &[], &["interior"])?;
    let exterior = ring(children.one("exterior")?, dims)?;
    let holes = children.all("interior").iter().map(|i| ring(i, dims)).collect::<Result<_, _>>()?;
    Ok(BoundaryPolygon { exterior, holes })
}

/// A `gml:exterior` or `gml:interior`: one `gml:LinearRing` holding either one
/// `gml:posList` or a sequence of `gml:pos`. Returned closed.
fn ring(boundary: &Element, dims: usize) -> Result<Vec<(f64, f64)>, ShapeError> {
    let children = Children::new(boundary, &["LinearRing"], &[], &[])?;
    let linear_ring = children.one("LinearRing")?;
    let parts = Children::new(linear_ring, &["posList", "pos"], &[], &["pos"])?;
    let pos = parts.all("pos");
    let mut vertices = match (parts.optional("posList"), pos.is_empty()) {
        (Some(list), true) => {
            no_children(list)?;
            let text = list.text();
            if text.contains(',') {
                return Err(ShapeError::CommaInPosList { element: list.name.clone() });
            }
            let numbers = numbers(list, &text)?;
            if numbers.is_empty() || numbers.len() % dims != 0 {
                return Err(count_error(list, numbers.len(), dims));
            }
            numbers.chunks(dims).map(lat_lon).collect::<Result<Vec<_>, _>>()?
        }
        (None, false) => pos.iter().map(|p| position(p, dims)).collect::<Result<Vec<_>, _>>()?,
        (Some(_), false) => {
            // One ring, one way of listing it: a mix would leave the vertex order unclear.
            let child = pos.first().map_or_else(|| "gml:pos".to_owned(), |p| p.name.clone());
            return Err(ShapeError::Unexpected { parent: linear_ring.name.clone(), child });
        }
        (None, true) => {
            return Err(ShapeError::Missing {
                parent: linear_ring.name.clone(),
                child: "gml:posList",
            });
        }
    };
    let mut distinct = vertices.clone();
    distinct.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(LocationError::TooFewVertices(distinct.len()).into());
    }
    // Leniency: an unclosed ring is closed rather than refused; its meaning is not in doubt.
    if let Some(&first) = vertices.first()
        && vertices.last() != Some(&first)
    {
        vertices.push(first);
    }
    Ok(vertices)
}

/// The number of coordinates per position the shape's `srsName` implies.
fn dimensions(e: &Element) -> Result<usize, ShapeError> {
    let Some(srs) = e.attr("srsName") else {
        return Err(ShapeError::MissingSrsName { shape: e.name.clone() });
    };
    // Leniency: EPSG::4979 (3-D) positions for a 2-D shape keep their horizontal part.
    units::crs_dimensions(srs)
        .ok_or_else(|| ShapeError::UnknownSrsName { shape: e.name.clone(), found: srs.to_owned() })
}

fn srs_label(dims: usize) -> &'static str {
    if dims == 3 { EPSG_4979 } else { EPSG_4326 }
}

fn count_error(e: &Element, count: usize, dims: usize) -> ShapeError {
    ShapeError::CoordinateCount {
        element: e.name.clone(),
        count,
        srs: srs_label(dims),
        per_position: dims,
    }
}

/// A `gml:pos`: numbers separated by whitespace or — leniently — a comma.
fn position(pos: &Element, dims: usize) -> Result<(f64, f64), ShapeError> {
    no_children(pos)?;
    let text = pos.text();
    // A decimal comma ("37,775 -122,422") yields the wrong count, so it cannot slip through.
    let numbers = numbers(pos, &text.replace(',', " "))?;
    if numbers.len() != dims {
        return Err(count_error(pos, numbers.len(), dims));
    }
    lat_lon(&numbers)
}

fn numbers(e: &Element, text: &str) -> Result<Vec<f64>, ShapeError> {
    text.split_ascii_whitespace().map(|token| number(e, token)).collect()
}

fn number(e: &Element, token: &str) -> Result<f64, ShapeError> {
    // Rust also reads "inf" and "NaN"; neither is a coordinate or a length.
    match token.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(ShapeError::NotANumber { element: e.name.clone(), text: token.to_owned() }),
    }
}

/// The first two numbers of a position as a checked (lat, lon).
fn lat_lon(numbers: &[f64]) -> Result<(f64, f64), ShapeError> {
    let [lat, lon, ..] = *numbers else {
        // Callers pass whole positions of two or three numbers; this only keeps the
        // function total.
        return Err(LocationError::TooFewVertices(0).into());
    };
    if !(-90.0..=90.0).contains(&lat) {
        // Refused, not repaired: guessing the axis order of a location is how a caller ends
        // up routed to the wrong continent. The message tells the sender what to fix.
        if (-180.0..=180.0).contains(&lat) && (-90.0..=90.0).contains(&lon) {
            return Err(ShapeError::SwappedAxes { lat, lon });
        }
        return Err(LocationError::LatitudeOutOfRange(lat).into());
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(LocationError::LongitudeOutOfRange(lon).into());
    }
    Ok((lat, lon))
}

/// A length in metres (converted from feet or kilometres where its `uom` says so), finite and
/// not negative.
fn length(e: &Element) -> Result<f64, ShapeError> {
    let value = measure(e, Quantity::Length)?;
    if value < 0.0 {
        return Err(ShapeError::OutOfRange { element: e.name.clone(), value, range: "[0, ∞)" });
    }
    Ok(value)
}

/// An angle in degrees (converted from radians where its `uom` says so). Orientations and
/// start angles are directions (any value in [0, 360]); an opening angle must open:
/// (0, 360].
fn angle(e: &Element, opening: bool) -> Result<f64, ShapeError> {
    let value = measure(e, Quantity::Angle)?;
    let (ok, range) = if opening {
        (value > 0.0 && value <= 360.0, "(0, 360]")
    } else {
        ((0.0..=360.0).contains(&value), "[0, 360]")
    };
    if !ok {
        return Err(ShapeError::OutOfRange { element: e.name.clone(), value, range });
    }
    Ok(value)
}

/// A measure's value in metres or degrees, by its `uom` ([`units`] lists the forms read).
fn measure(e: &Element, quantity: Quantity) -> Result<f64, ShapeError> {
    no_children(e)?;
    let (expected, kind) = match quantity {
        Quantity::Length => (UOM_METRE, "metres, or feet as urn:ogc:def:uom:EPSG::9002"),
        Quantity::Angle => (UOM_DEGREE, "degrees"),
    };
    let Some(uom) = e.attr("uom") else {
        return Err(ShapeError::MissingUom { element: e.name.clone(), expected });
    };
    let unit = match units::unit(uom) {
        Some(unit) if unit.quantity == quantity => unit,
        found => {
            return Err(ShapeError::WrongUom {
                element: e.name.clone(),
                found: match found {
                    Some(unit) => format!("{} ({})", uom.trim(), unit.name),
                    None => format!("{:?}", uom.trim()),
                },
                expected,
                unit: kind,
            });
        }
    };
    let text = e.text();
    let mut tokens = text.split_ascii_whitespace();
    match (tokens.next(), tokens.next()) {
        (Some(token), None) => Ok(number(e, token)? * unit.factor),
        _ => Err(ShapeError::NotANumber { element: e.name.clone(), text: text.trim().to_owned() }),
    }
}

fn no_children(e: &Element) -> Result<(), ShapeError> {
    match e.elements().next() {
        Some(child) => {
            Err(ShapeError::Unexpected { parent: e.name.clone(), child: child.name.clone() })
        }
        None => Ok(()),
    }
}

/// The children of a shape element, checked: GML and PIDF-LO shape elements must be ones
/// the shape defines, each at most once unless it repeats by nature (`pos`, `interior`);
/// elements of other namespaces are extensions and skipped; text is refused. A PIDF-LO
/// element may also come in the GML namespace (`gml:radius` in a `gml:Circle`).
struct Children<'a> {
    parent: &'a Element,
    found: Vec<&'a Element>,
}

impl<'a> Children<'a> {
    fn new(
        parent: &'a Element,
        gml: &[&str],
        pidflo: &[&str],
        repeatable: &[&str],
    ) -> Result<Self, ShapeError> {
        if parent.has_text() {
            return Err(ShapeError::UnexpectedText { element: parent.name.clone() });
        }
        let mut found: Vec<&Element> = Vec::new();
        for child in parent.elements() {
            let allowed = if child.in_ns(ns::GML) {
                gml.contains(&child.local.as_str()) || pidflo.contains(&child.local.as_str())
            } else if child.in_ns(ns::PIDFLO) {
                pidflo.contains(&child.local.as_str())
            } else {
                continue;
            };
            if !allowed {
                return Err(ShapeError::Unexpected {
                    parent: parent.name.clone(),
                    child: child.name.clone(),
                });
            }
            if !repeatable.contains(&child.local.as_str())
                && found.iter().any(|f| f.local == child.local)
            {
                return Err(ShapeError::Repeated {
                    parent: parent.name.clone(),
                    child: child.name.clone(),
                });
            }
            found.push(child);
        }
        Ok(Self { parent, found })
    }

    fn optional(&self, local: &str) -> Option<&'a Element> {
        self.found.iter().copied().find(|e| e.local == local)
    }

    fn one(&self, local: &'static str) -> Result<&'a Element, ShapeError> {
        self.optional(local).ok_or_else(|| ShapeError::Missing {
            parent: self.parent.name.clone(),
            child: child_label(local),
        })
    }

    fn all(&self, local: &str) -> Vec<&'a Element> {
        self.found.iter().copied().filter(|e| e.local == local).collect()
    }
}

/// The conventional prefixed name of a child, for messages about a missing one.
fn child_label(local: &'static str) -> &'static str {
    match local {
        "pos" => "gml:pos",
        "exterior" => "gml:exterior",
        "LinearRing" => "gml:LinearRing",
        "radius" => "gs:radius",
        "semiMajorAxis" => "gs:semiMajorAxis",
        "semiMinorAxis" => "gs:semiMinorAxis",
        "orientation" => "gs:orientation",
        "innerRadius" => "gs:innerRadius",
        "outerRadius" => "gs:outerRadius",
        "startAngle" => "gs:startAngle",
        "openingAngle" => "gs:openingAngle",
        other => other,
    }
}
