//! Civic addresses (RFC 5139 `civicAddress`).

use super::error::ShapeError;
use crate::ns;
use crate::xml::Element;

/// The elements RFC 5139 defines in the civicAddr namespace.
const ELEMENTS: &[&str] = &[
    "country", "A1", "A2", "A3", "A4", "A5", "A6", "PRM", "PRD", "RD", "STS", "POD", "POM",
    "RDSEC", "RDBR", "RDSUBBR", "HNO", "HNS", "LMK", "LOC", "FLR", "NAM", "PC", "BLD", "UNIT",
    "ROOM", "SEAT", "PLC", "PCN", "POBOX", "ADDCODE",
];

/// A civic address as its elements in document order: (local name, trimmed text), e.g.
/// `("country", "US")`, `("A1", "KS")`, `("HNO", "123")`. Values are kept as sent — checking
/// them against an address database is the LoST server's location validation, not parsing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CivicAddress {
    pub elements: Vec<(String, String)>,
}

impl CivicAddress {
    /// The first value of the element `name` (an RFC 5139 local name such as `"A3"`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.elements.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads a `civicAddress` element. Elements of other namespaces are extensions (RFC 6848)
/// and are skipped; an element of the civicAddr namespace that RFC 5139 does not define is
/// refused, because it can only be a misspelling whose value would be silently lost.
pub fn read_civic(e: &Element) -> Result<CivicAddress, ShapeError> {
    if !e.is(ns::CIVIC, "civicAddress") {
        return Err(ShapeError::UnknownShape(e.name.clone()));
    }
    if e.has_text() {
        return Err(ShapeError::UnexpectedText { element: e.name.clone() });
    }
    let mut elements = Vec::new();
    for child in e.elements() {
        if !child.in_ns(ns::CIVIC) {
            continue;
        }
        if !ELEMENTS.contains(&child.local.as_str()) {
            return Err(ShapeError::UnknownCivicElement { element: child.name.clone() });
        }
        if let Some(nested) = child.elements().next() {
            return Err(ShapeError::Unexpected {
                parent: child.name.clone(),
                child: nested.name.clone(),
            });
        }
        elements.push((child.local.clone(), child.text().trim().to_owned()));
    }
    if elements.is_empty() {
        return Err(ShapeError::EmptyCivicAddress);
    }
    Ok(CivicAddress { elements })
}
