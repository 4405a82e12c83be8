//! Locations inside a whole PIDF-LO presence document (RFC 4119).

use super::civic::{CivicAddress, read_civic};
use super::error::ShapeError;
use super::gml_read::{is_shape_element, read_shape};
use super::shape::Shape;
use crate::ns;
use crate::xml::Element;

/// A location as PIDF-LO and LoST carry it: a geodetic shape or a civic address.
#[derive(Debug, Clone, PartialEq)]
pub enum LocationValue {
    Geodetic(Shape),
    Civic(CivicAddress),
}

/// Every location in the document's `gp:location-info` elements, in document order
/// (presence documents may carry several tuples, devices and persons). Other content of
/// `location-info`, such as `con:confidence` or `dyn:Dynamic`, is skipped; a location that
/// cannot be read is an error for the whole document, so nothing is silently dropped.
pub fn locations_in(root: &Element) -> Result<Vec<LocationValue>, ShapeError> {
    let mut found = Vec::new();
    // Depth-first with an explicit stack; the tree's depth is bounded when it is built.
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        if e.is(ns::GEOPRIV, "location-info") {
            for child in e.elements() {
                if is_shape_element(child) {
                    found.push(LocationValue::Geodetic(read_shape(child)?));
                } else if child.is(ns::CIVIC, "civicAddress") {
                    found.push(LocationValue::Civic(read_civic(child)?));
                }
            }
            continue;
        }
        let children: Vec<&Element> = e.elements().collect();
        stack.extend(children.into_iter().rev());
    }
    Ok(found)
}
