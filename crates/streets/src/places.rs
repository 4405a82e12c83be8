//! Places in words: a point described by its street, cross street or address, and what a
//! person types found on the map.
//!
//! **Describing a point.** The nearest named road within [`STREET_M`] is the street — but a
//! motorway or trunk road (an expressway, a bridge's roadway) only when no other named road is
//! within [`GROUND_M`] more: a person in crisis is rarely on one. Among the
//! places where it meets a road of another name (roads that share a node: an intersection), the
//! nearest is the cross street: within [`AT_M`] the point is "at Street & Cross", else "on Street
//! near Cross". Where address points are loaded, the nearest within [`ADDRESS_M`] is given too,
//! and its words come first ("1000 W 23rd St"). Nothing within reach: no description.
//!
//! **Finding.** "A & B" (also "A and B", "A / B", "A at B", "A @ B") finds where streets
//! matching A meet streets matching B; text starting with a house number finds address points;
//! anything else finds streets, each at the point of the street nearest its middle. Names match
//! in their [`normalize`]d form: whole name first, then names starting with the text, then
//! names holding it; at most `limit` answers.

use std::collections::{HashMap, HashSet};

use roads::E7;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::addresses::AddressPoints;
use crate::geo::{METRES_PER_DEGREE, e7_xy, metres, project};
use crate::map::{NO_NAME, StreetMap};
use crate::names::normalize;

/// The farthest a point may be from a road for the road to describe it.
pub const STREET_M: f64 = 150.0;
/// Within this of an intersection, a point is "at" it.
pub const AT_M: f64 = 30.0;
/// The farthest an address point may be to describe a point.
pub const ADDRESS_M: f64 = 60.0;
/// How much nearer a motorway or trunk road must be than a street to describe a point.
pub const GROUND_M: f64 = 25.0;
/// The farthest a cross street may be for "near".
const NEAR_M: f64 = 1_000.0;
/// Intersections of the same two names closer than this are one answer.
const SAME_PLACE_M: f64 = 80.0;

/// A point in words; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    /// "at W 23rd St & Iowa St", "on W 23rd St near Iowa St", "1000 W 23rd St".
    pub text: String,
    pub street: Option<String>,
    pub cross_street: Option<String>,
    /// Within [`AT_M`] of where the two meet.
    pub at_intersection: bool,
    pub address: Option<String>,
    /// From the point to the street (or to the address point, when there is one), metres.
    pub distance_m: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundKind {
    Intersection,
    Street,
    Address,
}

impl FoundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intersection => "intersection",
            Self::Street => "street",
            Self::Address => "address",
        }
    }
}

/// One answer to a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: FoundKind,
    pub label: String,
    pub lat: f64,
    pub lon: f64,
}

type Segment = GeomWithData<Line<[f64; 2]>, u32>;
type Point = GeomWithData<[f64; 2], u32>;

/// The street map with what describing and finding need; see the module docs.
pub struct Places {
    map: StreetMap,
    cos_lat0: f64,
    /// Every segment of a named line, projected, with its line's index.
    segments: RTree<Segment>,
    /// Per name: where it meets another name (point, other name), one entry per pair and node.
    crossings: Vec<Vec<(E7, u32)>>,
    /// Per name: its lines.
    name_lines: Vec<Vec<u32>>,
    /// Normalized name → names, sorted by normalized name.
    normalized: Vec<(String, u32)>,
    addresses: AddressPoints,
    address_tree: RTree<Point>,
    /// Normalized address → point index, sorted.
    address_names: Vec<(String, u32)>,
}

impl std::fmt::Debug for Places {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Places")
            .field("map", &self.map)
            .field("addresses", &self.addresses.points.len())
            .finish_non_exhaustive()
    }
}

impl Places {
    pub fn new(map: StreetMap, addresses: AddressPoints) -> Self {
        // The projection's centre: the streets', else the address points'.
        let middle = map.bounds().map(|((s, _), (n, _))| (s + n) / 2.0).or_else(|| {
            let n = addresses.points.len() as f64;
            (n > 0.0).then(|| addresses.points.iter().map(|a| a.position.lat()).sum::<f64>() / n)
        });
        let cos_lat0 = middle.map_or(1.0, |lat| lat.to_radians().cos().max(0.01));
        let mut segments = Vec::new();
        let mut name_lines = vec![Vec::new(); map.names.len()];
        let mut at_node: HashMap<E7, Vec<u32>> = HashMap::new();
        for (i, line) in map.lines.iter().enumerate() {
            if line.name == NO_NAME {
                continue;
            }
            if let Some(lines) = name_lines.get_mut(line.name as usize) {
                lines.push(i as u32);
            }
            let points = map.points_of(line);
            for pair in points.windows(2) {
                if let [a, b] = pair {
                    let seg = Line::new(e7_xy(*a, cos_lat0), e7_xy(*b, cos_lat0));
                    segments.push(GeomWithData::new(seg, i as u32));
                }
            }
            for p in points {
                let names = at_node.entry(*p).or_default();
                if !names.contains(&line.name) {
                    names.push(line.name);
                }
            }
        }
        let mut crossings = vec![Vec::new(); map.names.len()];
        for (p, names) in at_node.into_iter().filter(|(_, n)| n.len() > 1) {
            for a in &names {
                for b in names.iter().filter(|b| *b != a) {
                    if let Some(list) = crossings.get_mut(*a as usize) {
                        list.push((p, *b));
                    }
                }
            }
        }
        for list in &mut crossings {
            list.sort_unstable();
        }
        let mut normalized: Vec<(String, u32)> =
            map.names.iter().enumerate().map(|(i, n)| (normalize(n), i as u32)).collect();
        normalized.sort_unstable();
        let address_tree = RTree::bulk_load(
            addresses
                .points
                .iter()
                .enumerate()
                .map(|(i, a)| GeomWithData::new(e7_xy(a.position, cos_lat0), i as u32))
                .collect(),
        );
        let mut address_names: Vec<(String, u32)> = addresses
            .points
            .iter()
            .enumerate()
            .map(|(i, a)| (normalize(&a.address), i as u32))
            .collect();
        address_names.sort_unstable();
        Self {
            map,
            cos_lat0,
            segments: RTree::bulk_load(segments),
            crossings,
            name_lines,
            normalized,
            addresses,
            address_tree,
            address_names,
        }
    }

    pub fn map(&self) -> &StreetMap {
        &self.map
    }

    pub fn address_count(&self) -> usize {
        self.addresses.points.len()
    }

    /// The point in words, or `None` when no named road or address point is near it.
    pub fn describe(&self, lat: f64, lon: f64) -> Option<Description> {
        if !(lat.is_finite() && lon.is_finite()) {
            return None;
        }
        let p = project(lat, lon, self.cos_lat0);
        let address = self
            .address_tree
            .nearest_neighbor(&p)
            .filter(|a| metres(*a.geom(), p) <= ADDRESS_M)
            .and_then(|a| {
                self.addresses.points.get(a.data as usize).map(|pt| (pt, metres(*a.geom(), p)))
            });
        let street = self.street_near(p);
        let (street_name, street_m) = match street {
            Some((name, d)) => (self.map.name(name).map(str::to_owned), d),
            None => (None, f64::INFINITY),
        };
        let cross = street.and_then(|(name, _)| {
            self.crossings
                .get(name as usize)?
                .iter()
                .map(|(q, other)| (metres(e7_xy(*q, self.cos_lat0), p), *other))
                .filter(|(d, _)| *d <= NEAR_M)
                .min_by(|a, b| a.0.total_cmp(&b.0))
        });
        let cross_street = cross.and_then(|(_, other)| self.map.name(other).map(str::to_owned));
        let at_intersection = cross.is_some_and(|(d, _)| d <= AT_M);
        let street_text = street_name.as_ref().map(|s| match (&cross_street, at_intersection) {
            (Some(c), true) => format!("at {s} & {c}"),
            (Some(c), false) => format!("on {s} near {c}"),
            (None, _) => format!("on {s}"),
        });
        let (text, distance_m) = match (address, street_text) {
            (Some((a, d)), _) => (a.address.clone(), d),
            (None, Some(text)) => (text, street_m),
            (None, None) => return None,
        };
        Some(Description {
            text,
            street: street_name,
            cross_street,
            at_intersection,
            address: address.map(|(a, _)| a.address.clone()),
            distance_m,
        })
    }

    /// The street a point is on: the nearest named road within [`STREET_M`] — but a street
    /// people walk on before a motorway or trunk road (an expressway, a bridge's roadway) that
    /// is at most [`GROUND_M`] nearer, since a person in crisis is rarely on one.
    fn street_near(&self, p: [f64; 2]) -> Option<(u32, f64)> {
        use rstar::PointDistance;
        let mut nearest: Option<(u32, f64)> = None;
        for s in self.segments.nearest_neighbor_iter(&p) {
            let d = s.geom().distance_2(&p).sqrt() * METRES_PER_DEGREE;
            let Some(line) = self.map.lines.get(s.data as usize) else { continue };
            let limit = nearest.map_or(STREET_M, |(_, first)| (first + GROUND_M).min(STREET_M));
            if d > limit {
                break;
            }
            let fast = matches!(line.class, roads::RoadClass::Motorway | roads::RoadClass::Trunk);
            if !fast {
                return Some((line.name, d));
            }
            nearest.get_or_insert((line.name, d));
        }
        nearest
    }

    /// What `query` names (see the module docs), best first, at most `limit`.
    pub fn find(&self, query: &str, limit: usize) -> Vec<Found> {
        let query = query.trim();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        if let Some((a, b)) = split_intersection(query) {
            return self.intersections(&a, &b, limit);
        }
        let q = normalize(query);
        if q.starts_with(|c: char| c.is_ascii_digit()) && !self.addresses.points.is_empty() {
            let found = self.addresses_matching(&q, limit);
            if !found.is_empty() {
                return found;
            }
        }
        self.names_matching(&q)
            .into_iter()
            .filter_map(|name| self.street_point(name))
            .take(limit)
            .collect()
    }

    /// Names matching the normalized text: whole, then starting with it, then holding it.
    fn names_matching(&self, q: &str) -> Vec<u32> {
        if q.is_empty() {
            return Vec::new();
        }
        let start = self.normalized.partition_point(|(n, _)| n.as_str() < q);
        let prefixed: Vec<&(String, u32)> =
            self.normalized.iter().skip(start).take_while(|(n, _)| n.starts_with(q)).collect();
        let mut out: Vec<u32> = prefixed.iter().filter(|(n, _)| n == q).map(|(_, i)| *i).collect();
        out.extend(prefixed.iter().filter(|(n, _)| n != q).map(|(_, i)| *i));
        let word = format!(" {q}");
        out.extend(self.normalized.iter().filter(|(n, _)| n.contains(&word)).map(|(_, i)| *i));
        let mut seen = HashSet::new();
        out.retain(|i| seen.insert(*i));
        out
    }

    fn intersections(&self, a: &str, b: &str, limit: usize) -> Vec<Found> {
        let bs: HashSet<u32> = self.names_matching(&normalize(b)).into_iter().collect();
        let mut found: Vec<(u32, u32, E7)> = Vec::new();
        for na in self.names_matching(&normalize(a)) {
            for (p, nb) in self.crossings.get(na as usize).into_iter().flatten() {
                if !bs.contains(nb) {
                    continue;
                }
                let xy = e7_xy(*p, self.cos_lat0);
                let same = found.iter().any(|(fa, fb, q)| {
                    *fa == na && fb == nb && metres(e7_xy(*q, self.cos_lat0), xy) < SAME_PLACE_M
                });
                if !same {
                    found.push((na, *nb, *p));
                }
            }
            if found.len() >= limit {
                break;
            }
        }
        found
            .into_iter()
            .take(limit)
            .map(|(na, nb, p)| Found {
                kind: FoundKind::Intersection,
                label: format!(
                    "{} & {}",
                    self.map.name(na).unwrap_or_default(),
                    self.map.name(nb).unwrap_or_default()
                ),
                lat: p.lat(),
                lon: p.lon(),
            })
            .collect()
    }

    fn addresses_matching(&self, q: &str, limit: usize) -> Vec<Found> {
        let start = self.address_names.partition_point(|(n, _)| n.as_str() < q);
        self.address_names
            .iter()
            .skip(start)
            .take_while(|(n, _)| n.starts_with(q))
            .filter_map(|(_, i)| self.addresses.points.get(*i as usize))
            .take(limit)
            .map(|a| Found {
                kind: FoundKind::Address,
                label: match &a.community {
                    Some(c) => format!("{}, {c}", a.address),
                    None => a.address.clone(),
                },
                lat: a.position.lat(),
                lon: a.position.lon(),
            })
            .collect()
    }

    /// A street's point nearest the middle of all its points.
    fn street_point(&self, name: u32) -> Option<Found> {
        let lines = self.name_lines.get(name as usize)?;
        let points: Vec<E7> = lines
            .iter()
            .filter_map(|l| self.map.lines.get(*l as usize))
            .flat_map(|l| self.map.points_of(l).iter().copied())
            .collect();
        let n = points.len() as f64;
        let (lat, lon) =
            points.iter().fold((0.0, 0.0), |(a, b), p| (a + p.lat() / n, b + p.lon() / n));
        let middle = project(lat, lon, self.cos_lat0);
        let best = points.iter().min_by(|a, b| {
            crate::geo::distance2(e7_xy(**a, self.cos_lat0), middle)
                .total_cmp(&crate::geo::distance2(e7_xy(**b, self.cos_lat0), middle))
        })?;
        Some(Found {
            kind: FoundKind::Street,
            label: self.map.name(name)?.to_owned(),
            lat: best.lat(),
            lon: best.lon(),
        })
    }
}

/// "A & B", "A and B", "A / B", "A at B", "A @ B" as (A, B).
fn split_intersection(query: &str) -> Option<(String, String)> {
    // ASCII lower-casing keeps every byte offset, so they index the query as typed.
    let lower = query.to_ascii_lowercase();
    for sep in ["&", "/", "@", " and ", " at "] {
        if let Some(i) = lower.find(sep) {
            let (a, b) = (query.get(..i)?, query.get(i + sep.len()..)?);
            // "123 1/2 Main St": a fraction, not a corner.
            let digit_before = a.chars().next_back().is_some_and(|c| c.is_ascii_digit());
            let digit_after = b.chars().next().is_some_and(|c| c.is_ascii_digit());
            if sep == "/" && digit_before && digit_after {
                continue;
            }
            if !a.trim().is_empty() && !b.trim().is_empty() {
                return Some((a.trim().to_owned(), b.trim().to_owned()));
            }
        }
    }
    None
}
