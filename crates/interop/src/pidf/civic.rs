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

    /// The address on one line, as people write it in the United States: house number and
    /// suffix, street with its directions and type, then building, floor, unit, room, the
    /// landmark or location text, community (A3), state (A1) and postal code —
    /// "1000 W 23rd St, Unit 4B, Lawrence, KS 66046". Empty when the address holds none of
    /// these (a county and country only).
    pub fn one_line(&self) -> String {
        // A state or county alone does not say where a person is.
        let says_where = ["HNO", "RD", "LMK", "LOC", "NAM", "A3", "A4", "A5", "A6", "BLD"]
            .iter()
            .any(|n| self.get(n).is_some_and(|v| !v.trim().is_empty()));
        if !says_where {
            return String::new();
        }
        let words = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| self.get(n))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        // "12A", but "123 1/2": a fractional suffix is written apart.
        let house = match (self.get("HNO").map(str::trim), self.get("HNS").map(str::trim)) {
            (Some(n), Some(s))
                if s.contains('/') || s.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                format!("{n} {s}")
            }
            (n, s) => [n, s].into_iter().flatten().collect(),
        };
        let street = words(&["PRM", "PRD", "RD", "STS", "POD", "POM"]);
        let mut parts: Vec<String> = Vec::new();
        let first =
            [house, street].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
        if !first.is_empty() {
            parts.push(first);
        }
        for (name, label) in
            [("BLD", "Bldg "), ("FLR", "Floor "), ("UNIT", "Unit "), ("ROOM", "Room ")]
        {
            if let Some(v) = self.get(name).map(str::trim).filter(|v| !v.is_empty()) {
                parts.push(format!("{label}{v}"));
            }
        }
        for name in ["LMK", "LOC", "NAM", "A3"] {
            if let Some(v) = self.get(name).map(str::trim).filter(|v| !v.is_empty()) {
                parts.push(v.to_owned());
            }
        }
        let state = words(&["A1", "PC"]);
        if !state.is_empty() {
            parts.push(state);
        }
        parts.join(", ")
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

#[cfg(test)]
mod tests {
    use super::CivicAddress;

    fn address(elements: &[(&str, &str)]) -> CivicAddress {
        CivicAddress {
            elements: elements.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn one_line_reads_as_people_write_addresses() {
        let a = address(&[
            ("country", "US"),
            ("A1", "KS"),
            ("A2", "Douglas"),
            ("A3", "Lawrence"),
            ("PRD", "W"),
            ("RD", "23rd"),
            ("STS", "St"),
            ("HNO", "1000"),
            ("UNIT", "4B"),
            ("PC", "66046"),
        ]);
        assert_eq!(a.one_line(), "1000 W 23rd St, Unit 4B, Lawrence, KS 66046");
        assert_eq!(address(&[("HNO", "12"), ("HNS", "A"), ("RD", "Main")]).one_line(), "12A Main");
        assert_eq!(address(&[("country", "US"), ("A1", "KS"), ("A2", "Douglas")]).one_line(), "");
        assert_eq!(
            address(&[("HNO", "123"), ("HNS", "1/2"), ("RD", "Main")]).one_line(),
            "123 1/2 Main"
        );
        assert_eq!(address(&[("country", "US")]).one_line(), "");
    }
}
