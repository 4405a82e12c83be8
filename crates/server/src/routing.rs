//! Routing incidents by location: which agency serves where the person is, for each service.
//!
//! Built from the store's areas (boundaries) and service areas ("this agency serves this area
//! for this service"). A location's shape is sampled — the centre of a point, 49 points over a
//! circle's disc (rings at a third, two thirds and all of the radius), a 12 × 12 grid over a
//! polygon — and each sample is looked up in the jurisdiction index, giving each area's share of
//! the shape. For every service, the agency with the largest share is chosen (ties: the lowest
//! area code); when the shape straddles areas of different agencies, the rule recorded with the
//! route says so, with the shares, so the choice is never silent.

use std::collections::{BTreeMap, HashMap};

use domain::{AgencyId, EventKind, GeoPoint, Location, Text};
use jurisdiction::{Area, AreaIndex};
use store::Store;

/// The routing table of one deployment.
#[derive(Debug)]
pub struct ServiceRouter {
    index: AreaIndex,
    /// Area code and name, by index position.
    areas: Vec<(String, String)>,
    /// Area code → (service, agency) pairs.
    served: HashMap<String, Vec<(String, AgencyId)>>,
}

/// Metres in one degree of latitude.
const METRES_PER_DEGREE: f64 = 111_320.0;

impl ServiceRouter {
    /// Builds the table from the store; `None` when the store holds no areas.
    pub async fn load(store: &dyn Store) -> store::Result<Option<Self>> {
        let stored = store.areas().await?;
        let mut areas = Vec::with_capacity(stored.len());
        let mut names = Vec::with_capacity(stored.len());
        for area in stored {
            match jurisdiction::import::import_json(area.geometry_geojson.as_bytes(), "id") {
                Ok((_, parsed)) => {
                    let polygons = parsed.into_iter().flat_map(|a| a.polygons).collect();
                    areas.push(Area { id: area.code.clone(), name: area.name.clone(), polygons });
                    names.push((area.code, area.name));
                }
                Err(e) => {
                    tracing::error!(area = %area.code, error = %e, "a stored area boundary does not parse; it is left out of routing")
                }
            }
        }
        if areas.is_empty() {
            return Ok(None);
        }
        let mut served: HashMap<String, Vec<(String, AgencyId)>> = HashMap::new();
        for s in store.service_areas().await? {
            served.entry(s.area).or_default().push((s.service, s.agency));
        }
        Ok(Some(Self { index: AreaIndex::build(&areas), areas: names, served }))
    }

    /// A `Routed` event for every service that serves some of `location`.
    pub fn route(&self, location: &Location) -> Vec<EventKind> {
        let samples = samples(location);
        if samples.is_empty() {
            return Vec::new();
        }
        let mut hits: BTreeMap<usize, usize> = BTreeMap::new();
        let mut found = Vec::new();
        for p in &samples {
            found.clear();
            self.index.lookup_into([p.lon.degrees(), p.lat.degrees()], &mut found);
            for area in &found {
                *hits.entry(*area).or_default() += 1;
            }
        }
        let total = samples.len() as f64;
        let share = |n: usize| n as f64 / total;
        // Service → agency → (share, area indices).
        let mut by_service: BTreeMap<&str, BTreeMap<AgencyId, (f64, Vec<usize>)>> = BTreeMap::new();
        for (area, n) in &hits {
            let Some((code, _)) = self.areas.get(*area) else { continue };
            for (service, agency) in self.served.get(code).map(Vec::as_slice).unwrap_or_default() {
                let entry =
                    by_service.entry(service.as_str()).or_default().entry(*agency).or_default();
                entry.0 += share(*n);
                entry.1.push(*area);
            }
        }
        let covered: f64 = hits.values().map(|n| share(*n)).sum::<f64>().min(1.0);
        let place = self.describe(&hits, total);
        by_service
            .into_iter()
            .filter_map(|(service, agencies)| {
                let candidates = agencies.len();
                let (agency, (best, _)) = agencies
                    .into_iter()
                    .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then_with(|| b.1.1.cmp(&a.1.1)))?;
                let mut rule = if candidates > 1 {
                    format!(
                        "{} straddles {place}: ambiguous between {candidates} agencies; chose the one serving the largest share ({:.0}%)",
                        shape(location),
                        best * 100.0
                    )
                } else {
                    format!("{} lies in {place}", shape(location))
                };
                if covered < 0.999 {
                    rule.push_str(&format!("; {:.0}% of it is outside every area", (1.0 - covered) * 100.0));
                }
                let rule = Text::parse(&rule, Text::SHORT_MAX).unwrap_or_default();
                Some(EventKind::Routed { service: service.to_owned(), agency, rule })
            })
            .collect()
    }

    /// "Douglas County (20045)" or "Douglas County (20045) 62%, Jefferson County (20087) 38%".
    fn describe(&self, hits: &BTreeMap<usize, usize>, total: f64) -> String {
        let name = |area: &usize| {
            self.areas
                .get(*area)
                .map_or_else(String::new, |(code, name)| format!("{name} ({code})"))
        };
        if hits.len() == 1 {
            return hits.keys().next().map(name).unwrap_or_default();
        }
        let mut parts: Vec<(usize, String)> =
            hits.iter().map(|(area, n)| (*n, name(area))).collect();
        parts.sort_by_key(|part| std::cmp::Reverse(part.0));
        parts
            .iter()
            .map(|(n, label)| format!("{label} {:.0}%", *n as f64 * 100.0 / total))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn shape(location: &Location) -> String {
    match location {
        Location::Circle { center, radius_m } if *radius_m > 0.0 => format!(
            "the circle of {radius_m:.0} m around {:.5}, {:.5}",
            center.lat.degrees(),
            center.lon.degrees()
        ),
        Location::Circle { center, .. } => {
            format!("the point {:.5}, {:.5}", center.lat.degrees(), center.lon.degrees())
        }
        Location::Polygon(p) => format!("the polygon of {} vertices", p.vertices().len()),
        Location::Unknown => "an unknown location".into(),
    }
}

/// Points spread over the location's shape.
fn samples(location: &Location) -> Vec<GeoPoint> {
    match location {
        Location::Unknown => Vec::new(),
        Location::Circle { center, radius_m } => {
            let mut points = vec![*center];
            if *radius_m > 0.0 {
                let lat = center.lat.degrees();
                let dlat = radius_m / METRES_PER_DEGREE;
                let dlon = radius_m / (METRES_PER_DEGREE * lat.to_radians().cos().max(0.01));
                for (ring, count) in [(1.0 / 3.0, 8), (2.0 / 3.0, 16), (1.0, 24)] {
                    for k in 0..count {
                        let angle = std::f64::consts::TAU * f64::from(k) / f64::from(count);
                        let p = GeoPoint::parse(
                            lat + ring * dlat * angle.sin(),
                            center.lon.degrees() + ring * dlon * angle.cos(),
                        );
                        points.extend(p.ok());
                    }
                }
            }
            points
        }
        Location::Polygon(polygon) => {
            let ring: Vec<[f64; 2]> =
                polygon.vertices().iter().map(|v| [v.lon.degrees(), v.lat.degrees()]).collect();
            let mut closed = ring.clone();
            closed.extend(ring.first().copied());
            let area = Area {
                id: String::new(),
                name: String::new(),
                polygons: vec![jurisdiction::Polygon { exterior: closed, holes: Vec::new() }],
            };
            let [x0, y0, x1, y1] = area.bounds();
            let mut points = Vec::new();
            for i in 0..12 {
                for j in 0..12 {
                    let p = [
                        x0 + (f64::from(i) + 0.5) / 12.0 * (x1 - x0),
                        y0 + (f64::from(j) + 0.5) / 12.0 * (y1 - y0),
                    ];
                    if jurisdiction::reference::contains(&area, p) {
                        points.extend(GeoPoint::parse(p[1], p[0]).ok());
                    }
                }
            }
            if points.is_empty() {
                // A sliver no grid point falls in: its vertices stand for it.
                points.extend(polygon.vertices().iter().copied());
            }
            points
        }
    }
}
