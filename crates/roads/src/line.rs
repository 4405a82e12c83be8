//! The roads as drawn and named: one [`RoadLine`] per stretch of an imported way — its name,
//! its class and its positions — beside the graph the travel times use. The street map and the
//! geocoder (crate `streets`) are made from them; the graph itself keeps no names.

use crate::geo::E7;

/// What kind of road a line is, from the OSM `highway` tag (`*_link` ramps count with their
/// road); [`RoadClass::Unknown`] for edge lists, which say nothing of it. Ordered from the
/// most important, so "this class or more important" is `<=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoadClass {
    Motorway,
    Trunk,
    Primary,
    Secondary,
    Tertiary,
    /// Unclassified, residential, living streets, service roads.
    Minor,
    Unknown,
}

impl RoadClass {
    pub const ALL: [Self; 7] = [
        Self::Motorway,
        Self::Trunk,
        Self::Primary,
        Self::Secondary,
        Self::Tertiary,
        Self::Minor,
        Self::Unknown,
    ];

    /// The class of an OSM `highway` value.
    pub fn from_highway(value: &str) -> Self {
        match value.strip_suffix("_link").unwrap_or(value) {
            "motorway" => Self::Motorway,
            "trunk" => Self::Trunk,
            "primary" => Self::Primary,
            "secondary" => Self::Secondary,
            "tertiary" => Self::Tertiary,
            _ => Self::Minor,
        }
    }

    /// The stable name used in files and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Motorway => "motorway",
            Self::Trunk => "trunk",
            Self::Primary => "primary",
            Self::Secondary => "secondary",
            Self::Tertiary => "tertiary",
            Self::Minor => "minor",
            Self::Unknown => "unknown",
        }
    }

    /// The class with this [`RoadClass::index`].
    pub fn from_index(index: u8) -> Option<Self> {
        Self::ALL.get(usize::from(index)).copied()
    }

    pub fn index(self) -> u8 {
        self as u8
    }
}

/// One stretch of road as drawn: a way's positions in order (at least two), its name (OSM
/// `name`, else `ref`) and class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadLine {
    pub name: Option<String>,
    pub class: RoadClass,
    pub points: Vec<E7>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_from_highway_values() {
        assert_eq!(RoadClass::from_highway("motorway_link"), RoadClass::Motorway);
        assert_eq!(RoadClass::from_highway("secondary"), RoadClass::Secondary);
        assert_eq!(RoadClass::from_highway("residential"), RoadClass::Minor);
        for class in RoadClass::ALL {
            assert_eq!(RoadClass::from_index(class.index()), Some(class));
        }
        assert_eq!(RoadClass::from_index(7), None);
        assert!(RoadClass::Primary < RoadClass::Minor);
    }
}
