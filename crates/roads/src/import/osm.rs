//! What the PBF and XML readers share: collecting the drivable ways (through the travel-time
//! model) and turning them into arcs once node positions are known.
//!
//! Every node a drivable way passes through becomes a graph node (ways are not simplified),
//! as in the comparison scripts, so node and arc counts can be compared one to one. A way
//! node whose position the file lacks (an extract cut the way) splits the way there: the
//! two sides are not joined across the gap.

use std::collections::HashMap;

use crate::error::{Result, RoadsError};
use crate::geo::{E7, e7_distance_m};
use crate::line::RoadClass;
use crate::model::{ModelNotes, way_travel};
use crate::network::{Arc, Network};

/// Counts from reading an OpenStreetMap file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsmReport {
    pub nodes_read: usize,
    pub ways_read: usize,
    /// Ways with a `highway` tag.
    pub highway_ways: usize,
    /// Ways the travel-time model lets a car use.
    pub drivable_ways: usize,
    /// References from drivable ways to nodes the file does not hold.
    pub missing_nodes: usize,
    pub model: ModelNotes,
}

#[derive(Debug)]
struct DrivableWay {
    id: i64,
    refs: std::ops::Range<usize>,
    kmh: f64,
    forward: bool,
    backward: bool,
    /// The way's `name` (else `ref`), for the street map.
    name: Option<String>,
    class: RoadClass,
}

/// Drivable ways collected while reading.
#[derive(Debug, Default)]
pub(crate) struct OsmWays {
    refs: Vec<i64>,
    ways: Vec<DrivableWay>,
    pub report: OsmReport,
}

impl OsmWays {
    pub(crate) fn add_way(
        &mut self,
        id: i64,
        tags: &[(&str, &str)],
        refs: impl Iterator<Item = i64>,
    ) {
        self.report.ways_read += 1;
        if !tags.iter().any(|(k, _)| *k == "highway") {
            return;
        }
        self.report.highway_ways += 1;
        let Some(travel) = way_travel(tags, &mut self.report.model) else { return };
        if !(travel.forward || travel.backward) {
            return;
        }
        self.report.drivable_ways += 1;
        let tag = |key: &str| {
            tags.iter().find(|(k, _)| *k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
        };
        let name = tag("name").or_else(|| tag("ref")).map(str::to_owned);
        let class = RoadClass::from_highway(tag("highway").unwrap_or_default());
        let start = self.refs.len();
        self.refs.extend(refs);
        self.ways.push(DrivableWay {
            id,
            refs: start..self.refs.len(),
            kmh: travel.kmh,
            forward: travel.forward,
            backward: travel.backward,
            name,
            class,
        });
    }

    /// Every node id a drivable way refers to.
    pub(crate) fn referenced(&self) -> impl Iterator<Item = i64> + '_ {
        self.refs.iter().copied()
    }

    /// Arcs between consecutive way nodes whose positions `position` knows.
    pub(crate) fn into_network(
        mut self,
        position: impl Fn(i64) -> Option<E7>,
    ) -> Result<(Network, OsmReport)> {
        let mut network = Network::new();
        let mut index: HashMap<i64, u32> = HashMap::new();
        for way in &mut self.ways {
            let refs = self.refs.get(way.refs.clone()).unwrap_or(&[]);
            let mut previous: Option<(u32, E7)> = None;
            let mut line: Vec<E7> = Vec::new();
            for &id in refs {
                let Some(p) = position(id) else {
                    self.report.missing_nodes += 1;
                    previous = None;
                    network.push_line(way.name.clone(), way.class, std::mem::take(&mut line));
                    continue;
                };
                line.push(p);
                let v = match index.get(&id) {
                    Some(v) => *v,
                    None => {
                        let v = network.push_node(p)?;
                        index.insert(id, v);
                        v
                    }
                };
                if let Some((u, pu)) = previous {
                    let metres = e7_distance_m(pu, p);
                    let millis = metres / (way.kmh / 3.6) * 1000.0;
                    let (Some(millis), Some(centimetres)) =
                        (to_u32(millis), to_u32(metres * 100.0))
                    else {
                        return Err(RoadsError::TooLarge(format!(
                            "way {}: a segment of {metres:.0} m at {} km/h is too long for the graph",
                            way.id, way.kmh
                        )));
                    };
                    if way.forward {
                        network.add_arc(Arc { from: u, to: v, millis, centimetres });
                    }
                    if way.backward {
                        network.add_arc(Arc { from: v, to: u, millis, centimetres });
                    }
                }
                previous = Some((v, p));
            }
            network.push_line(way.name.take(), way.class, line);
        }
        Ok((network, self.report))
    }
}

/// Rounds a non-negative value to a u32, if it fits.
pub(crate) fn to_u32(value: f64) -> Option<u32> {
    let rounded = value.round();
    // Checked against the range first, so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (rounded.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&rounded))
        .then_some(rounded as u32)
}
