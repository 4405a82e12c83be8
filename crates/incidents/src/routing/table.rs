//! The routing table of one deployment: who serves where, for each service, and in which
//! order their backups are tried.
//!
//! Built from the store's areas (boundaries), service areas (tiers per service and area, the
//! `*` default, `npa:` area-code keys) and agencies. A route for one service is found so:
//!
//! 1. The location's shape is sampled (`sample.rs`) and each sample looked up in the
//!    jurisdiction index, giving each area's share of the shape.
//! 2. Each area served for the service contributes its share to its primary (tier 0) agency.
//!    The agency with the largest share is chosen (ties: the one whose area code sorts
//!    first); its tiers are those of its area with the largest share. When the shape falls in
//!    areas of several agencies the route lists them all with their shares and says it is
//!    ambiguous — the choice is never silent.
//! 3. No area serves the shape: an unknown location goes by the caller's area code where an
//!    `npa:` key is configured; otherwise the service's `*` default; otherwise the route says
//!    plainly that nobody covers the location (`no_coverage`).
//!
//! Independently of the above, the route records which agency the caller's area code would
//! have reached (legacy 988 routing), so reports can count what georouting changed.

use std::collections::{BTreeMap, HashMap};

use domain::{
    Agency, AgencyId, CallbackNumber, Location, Route, RouteBasis, RouteShare, RouteTier, Text,
};
use jurisdiction::{Area, AreaIndex};

use super::places::{PlaceIndex, PlaceMatch};
use super::sample::samples;

/// Whether a service is one of NG911's names (NENA's `urn:emergency:service:` registry:
/// `sos.psap`, `responder.police`, …). A services file maps them to agencies like any other
/// service, and LoST answers for them; incidents are not routed for them, since the
/// services Crisisbridge acts on (`urn:service:sos`, `urn:service:counseling.*`, mobile
/// crisis) already are.
pub fn is_ng911_name(service: &str) -> bool {
    service.get(..14).is_some_and(|p| p.eq_ignore_ascii_case("urn:emergency:"))
}

/// One service's tiers by area, its default and its area-code table.
#[derive(Debug, Default)]
struct ServiceTable {
    /// Area index → tiers, primary first.
    by_area: HashMap<usize, Vec<RouteTier>>,
    /// For locations no area serves.
    default: Vec<RouteTier>,
    /// Area code (`785`) → tiers.
    by_area_code: HashMap<String, Vec<RouteTier>>,
}

/// The routing table. Immutable once built; a change in the store builds a new one.
#[derive(Debug)]
pub struct ServiceRouter {
    index: AreaIndex,
    /// Every area, by index position.
    areas: Vec<Area>,
    by_code: HashMap<String, usize>,
    services: BTreeMap<String, ServiceTable>,
    agencies: HashMap<AgencyId, Agency>,
    /// Places and county subdivisions with their counties, for civic addresses.
    places: PlaceIndex,
    /// The store's routing version this table was built from.
    version: store::RoutingVersion,
}

/// What the table is built from, as read from the store.
#[derive(Debug)]
pub struct RoutingData {
    pub areas: Vec<store::Area>,
    pub service_areas: Vec<store::ServiceArea>,
    pub agencies: Vec<Agency>,
    pub places: Vec<store::PlaceTable>,
    pub version: store::RoutingVersion,
}

impl ServiceRouter {
    /// Builds the table; `None` when there is nothing to route by (no areas and no service
    /// defaults). Areas whose stored boundary no longer parses, and service areas naming an
    /// unknown area, are left out with an error in the log.
    pub fn build(data: RoutingData) -> Option<Self> {
        let mut areas = Vec::with_capacity(data.areas.len());
        for area in data.areas {
            match jurisdiction::import::import_json(area.geometry_geojson.as_bytes(), "id") {
                Ok((_, parsed)) => areas.push(Area {
                    id: area.code,
                    name: area.name,
                    polygons: parsed.into_iter().flat_map(|a| a.polygons).collect(),
                }),
                Err(e) => {
                    tracing::error!(area = %area.code, error = %e, "a stored area boundary does not parse; it is left out of routing")
                }
            }
        }
        let by_code: HashMap<String, usize> =
            areas.iter().enumerate().map(|(i, a)| (a.id.clone(), i)).collect();
        let mut services: BTreeMap<String, ServiceTable> = BTreeMap::new();
        // Service areas arrive ordered by service, area and tier, so tiers are pushed in order.
        for s in data.service_areas {
            let table = services.entry(s.service.clone()).or_default();
            let tier = RouteTier { agency: s.agency, answer_within_s: s.answer_within_s };
            if s.area == store::DEFAULT_AREA {
                table.default.push(tier);
            } else if let Some(npa) = s.area.strip_prefix(store::AREA_CODE_PREFIX) {
                table.by_area_code.entry(npa.to_owned()).or_default().push(tier);
            } else if let Some(index) = by_code.get(&s.area) {
                table.by_area.entry(*index).or_default().push(tier);
            } else {
                tracing::error!(area = %s.area, service = %s.service, "a service area names an area that is not loaded; it is left out of routing");
            }
        }
        if areas.is_empty() && services.values().all(|t| t.default.is_empty()) {
            return None;
        }
        Some(Self {
            index: AreaIndex::build(&areas),
            areas,
            by_code,
            services,
            agencies: data.agencies.into_iter().map(|a| (a.id, a)).collect(),
            places: PlaceIndex::build(data.places),
            version: data.version,
        })
    }

    /// The store's routing version this table was built from.
    pub fn version(&self) -> u64 {
        self.version.version
    }

    /// When the routing data this table was built from last changed.
    pub fn changed_at(&self) -> domain::Timestamp {
        self.version.changed_at
    }

    /// A route for every configured service an incident is routed for: NG911's own names
    /// ([`is_ng911_name`]) are answered in LoST only.
    pub fn route(&self, location: &Location, callback: Option<&CallbackNumber>) -> Vec<Route> {
        let shares = self.shares(location);
        self.services
            .iter()
            .filter(|(service, _)| !is_ng911_name(service))
            .map(|(service, table)| self.route_in(service, table, location, &shares, callback))
            .collect()
    }

    /// The route for one service, or `None` when the service is not configured at all.
    pub fn route_service(
        &self,
        service: &str,
        location: &Location,
        callback: Option<&CallbackNumber>,
    ) -> Option<Route> {
        let table = self.services.get(service)?;
        Some(self.route_in(service, table, location, &self.shares(location), callback))
    }

    /// The route for one service in one area as a whole (a civic address that names only a
    /// county, say); `None` when the service or the area is not configured.
    pub fn route_service_in_area(&self, service: &str, area_code: &str) -> Option<Route> {
        self.route_service_in_areas(service, &[area_code], None)
    }

    /// The route for one service over several areas, each counting the same (a city that
    /// lies in several counties): when different agencies serve them the route lists each with
    /// its share, as for a shape across a boundary. `what` names what lies in them for the
    /// route's rule ("Kansas City (A3)"); `None` when the service or none of the areas is
    /// configured.
    pub fn route_service_in_areas(
        &self,
        service: &str,
        area_codes: &[&str],
        what: Option<&str>,
    ) -> Option<Route> {
        let table = self.services.get(service)?;
        let indexes: Vec<usize> =
            area_codes.iter().filter_map(|code| self.by_code.get(*code).copied()).collect();
        if indexes.is_empty() {
            return None;
        }
        // Every area named counts toward the whole, loaded or not, so a share says how much
        // of what was named an agency serves.
        let shares = Shares {
            hits: indexes.iter().map(|i| (*i, 1)).collect(),
            total: u32::try_from(area_codes.len()).unwrap_or(u32::MAX),
        };
        let location = Location::Unknown;
        let mut route = self.route_in(service, table, &location, &shares, None);
        let place = indexes
            .iter()
            .filter_map(|i| self.areas.get(*i))
            .map(|a| format!("{} ({})", a.name, a.id))
            .collect::<Vec<_>>()
            .join(", ");
        let subject = what.unwrap_or("the address");
        let rule = match route.basis {
            RouteBasis::Location => format!("{subject} lies in {place}"),
            _ => format!("no agency serves {place} for {service}: {}", route.rule.as_str()),
        };
        route.rule = Text::parse(&rule, Text::SHORT_MAX).unwrap_or_default();
        Some(route)
    }

    /// The counties a place or county subdivision of this name lies in, in the state with
    /// the two-digit FIPS code `state_fips`, from the imported place tables.
    pub fn find_place(&self, state_fips: &str, name: &str) -> Option<PlaceMatch> {
        self.places.find(state_fips, name)
    }

    /// Whether place tables are loaded at all.
    pub fn has_places(&self) -> bool {
        !self.places.is_empty()
    }

    /// The configured service a request for `requested` is answered with: itself, or the
    /// nearest more general service (`urn:service:sos.police` → `urn:service:sos`,
    /// `urn:emergency:service:responder.police.sheriff` → `…:responder.police`). Service URNs
    /// compare ignoring ASCII case.
    pub fn resolve_service(&self, requested: &str) -> Option<&str> {
        let mut candidate = requested;
        loop {
            if let Some((key, _)) = self.services.get_key_value(candidate) {
                return Some(key.as_str());
            }
            if let Some(key) = self.services.keys().find(|k| k.eq_ignore_ascii_case(candidate)) {
                return Some(key.as_str());
            }
            // Sub-services are dot-separated in the URN's last part (RFC 5031).
            let (parent, _) = candidate.rsplit_once('.')?;
            candidate = parent;
        }
    }

    /// Every configured service, in order.
    /// The configured default tiers of `service` (for locations no area serves), in order.
    pub fn default_tiers(&self, service: &str) -> &[RouteTier] {
        self.services.get(service).map_or(&[], |t| t.default.as_slice())
    }

    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.services.keys().map(String::as_str)
    }

    pub fn agency(&self, id: AgencyId) -> Option<&Agency> {
        self.agencies.get(&id)
    }

    pub fn agency_by_code(&self, code: &str) -> Option<AgencyId> {
        self.agencies.values().find(|a| a.code == code).map(|a| a.id)
    }

    /// The county (an area whose code is a five-digit county FIPS code) a civic address names
    /// by its state's two-digit FIPS code and its name: `Douglas`, `Douglas County` and
    /// `douglas county` are one name (case, dots and the words County, Parish, Borough,
    /// Census Area and Municipality do not count).
    pub fn county(&self, state_fips: &str, name: &str) -> Option<&Area> {
        let wanted = county_key(name);
        self.areas.iter().find(|a| {
            a.id.len() == 5
                && a.id.starts_with(state_fips)
                && a.id.bytes().all(|b| b.is_ascii_digit())
                && county_key(&a.name) == wanted
        })
    }

    /// The areas `agency` serves as primary for `service`.
    pub fn areas_served(&self, service: &str, agency: AgencyId) -> Vec<&Area> {
        let Some(table) = self.services.get(service) else { return Vec::new() };
        let mut served: Vec<&Area> = table
            .by_area
            .iter()
            .filter(|(_, tiers)| tiers.first().is_some_and(|t| t.agency == agency))
            .filter_map(|(index, _)| self.areas.get(*index))
            .collect();
        served.sort_by(|a, b| a.id.cmp(&b.id));
        served
    }

    /// The area with this code.
    pub fn area(&self, code: &str) -> Option<&Area> {
        self.by_code.get(code).and_then(|i| self.areas.get(*i))
    }

    /// The area holding the largest share of `location` (on a tie, the first loaded), or none
    /// when no area holds any of it (an unknown location, or one outside every area).
    pub fn area_of(&self, location: &Location) -> Option<&Area> {
        let shares = self.shares(location);
        let (best, _) =
            shares.hits.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
        self.areas.get(*best)
    }

    /// How reports name the area of `location`: its code and name (`20045 Douglas County`).
    pub fn area_label(&self, location: &Location) -> Option<String> {
        Some(Self::label_of(self.area_of(location)?))
    }

    /// How reports name an area: its code and name (`20045 Douglas County`).
    pub fn label_of(area: &Area) -> String {
        if area.name.is_empty() { area.id.clone() } else { format!("{} {}", area.id, area.name) }
    }

    /// Every area, by code.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// The share of the location's shape in each area, and the number of samples taken.
    fn shares(&self, location: &Location) -> Shares {
        let points = samples(location);
        let mut hits: BTreeMap<usize, u32> = BTreeMap::new();
        let mut found = Vec::new();
        for p in &points {
            found.clear();
            self.index.lookup_into([p.lon.degrees(), p.lat.degrees()], &mut found);
            for area in &found {
                *hits.entry(*area).or_default() += 1;
            }
        }
        Shares { hits, total: u32::try_from(points.len()).unwrap_or(u32::MAX) }
    }

    fn route_in(
        &self,
        service: &str,
        table: &ServiceTable,
        location: &Location,
        shares: &Shares,
        callback: Option<&CallbackNumber>,
    ) -> Route {
        let area_code = callback.and_then(CallbackNumber::area_code);
        let by_area_code = area_code
            .and_then(|npa| table.by_area_code.get(npa))
            .and_then(|tiers| tiers.first())
            .map(|t| t.agency);
        let route =
            |tiers: Vec<RouteTier>, basis, candidates, outside_permille, rule: String| Route {
                service: service.to_owned(),
                tiers,
                basis,
                candidates,
                outside_permille,
                by_area_code,
                rule: Text::parse(&rule, Text::SHORT_MAX).unwrap_or_default(),
            };

        let ranked = self.rank(table, shares);
        let permille = |n: u32| shares.permille(n);
        let covered: u32 = ranked.iter().map(|c| c.samples).sum();
        let outside = 1000u16.saturating_sub(permille(covered.min(shares.total)));
        if let Some(chosen) = ranked.first() {
            let candidates: Vec<RouteShare> = ranked
                .iter()
                .map(|c| RouteShare { agency: c.agency, share_permille: permille(c.samples) })
                .collect();
            // The chosen agency's tiers are those of its area with the largest share.
            let tiers = chosen
                .areas
                .first()
                .and_then(|(_, area)| table.by_area.get(area))
                .cloned()
                .unwrap_or_default();
            let place = self.describe(shares);
            let mut rule = if candidates.len() > 1 {
                format!(
                    "{} straddles {place}: ambiguous between {} agencies; chose {}, serving the largest share ({})",
                    shape(location),
                    candidates.len(),
                    self.agency_name(chosen.agency),
                    percent(permille(chosen.samples)),
                )
            } else {
                format!("{} lies in {place}", shape(location))
            };
            if outside > 0 {
                rule.push_str(&format!("; {} of it is outside every area", percent(outside)));
            }
            return route(tiers, RouteBasis::Location, candidates, outside, rule);
        }
        let none_serves = if location.is_known() {
            format!("no area serves {} for {service}", shape(location))
        } else {
            "the location is unknown".to_owned()
        };
        let by_npa = area_code.and_then(|npa| Some((npa, table.by_area_code.get(npa)?)));
        if let Some((npa, tiers)) = by_npa.filter(|_| !location.is_known()) {
            let agency = tiers.first().map_or_else(String::new, |t| self.agency_name(t.agency));
            let rule = format!("{none_serves}; the caller's area code {npa} goes to {agency}");
            return route(tiers.clone(), RouteBasis::AreaCode, Vec::new(), 1000, rule);
        }
        if let Some(default) = table.default.first() {
            let rule = format!(
                "{none_serves}; the configured default for {service} is {}",
                self.agency_name(default.agency)
            );
            return route(table.default.clone(), RouteBasis::Default, Vec::new(), 1000, rule);
        }
        let rule =
            format!("{none_serves}, and no default is configured for {service}: nobody is routed");
        route(Vec::new(), RouteBasis::NoCoverage, Vec::new(), 1000, rule)
    }

    /// The primary agencies of the areas the shape falls in, largest share first (ties: the
    /// agency whose area code sorts first).
    fn rank(&self, table: &ServiceTable, shares: &Shares) -> Vec<Candidate> {
        let mut by_agency: BTreeMap<AgencyId, Candidate> = BTreeMap::new();
        for (area, n) in &shares.hits {
            let Some(primary) = table.by_area.get(area).and_then(|t| t.first()) else { continue };
            let candidate = by_agency.entry(primary.agency).or_insert_with(|| Candidate {
                agency: primary.agency,
                samples: 0,
                areas: Vec::new(),
            });
            candidate.samples += n;
            candidate.areas.push((*n, *area));
        }
        let code = |area: usize| self.areas.get(area).map_or("", |a| a.id.as_str());
        let mut ranked: Vec<Candidate> = by_agency.into_values().collect();
        for c in &mut ranked {
            c.areas.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| code(a.1).cmp(code(b.1))));
        }
        let first_code = |c: &Candidate| c.areas.iter().map(|(_, a)| code(*a)).min().unwrap_or("");
        ranked.sort_by(|a, b| {
            b.samples.cmp(&a.samples).then_with(|| first_code(a).cmp(first_code(b)))
        });
        ranked
    }

    fn agency_name(&self, id: AgencyId) -> String {
        self.agencies.get(&id).map_or_else(|| format!("agency {id}"), |a| a.name.clone())
    }

    /// "Douglas County (20045)" or "Douglas County (20045) 62%, Jefferson County (20087) 38%".
    fn describe(&self, shares: &Shares) -> String {
        let name = |area: usize| {
            self.areas.get(area).map_or_else(String::new, |a| format!("{} ({})", a.name, a.id))
        };
        if shares.hits.len() == 1 {
            return shares.hits.keys().next().map(|a| name(*a)).unwrap_or_default();
        }
        let mut parts: Vec<(u32, String)> =
            shares.hits.iter().map(|(area, n)| (*n, name(*area))).collect();
        parts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        parts
            .iter()
            .map(|(n, label)| format!("{label} {}", percent(shares.permille(*n))))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A county's name without case, dots, apostrophes or its kind of county.
fn county_key(name: &str) -> String {
    let key = super::places::place_key(name);
    for suffix in [" county", " parish", " borough", " census area", " municipality"] {
        if let Some(stripped) = key.strip_suffix(suffix) {
            return stripped.to_owned();
        }
    }
    key
}

/// A primary agency some of the shape falls in.
#[derive(Debug)]
struct Candidate {
    agency: AgencyId,
    /// Samples in its areas.
    samples: u32,
    /// `(samples, area index)` of its areas, most samples first.
    areas: Vec<(u32, usize)>,
}

/// Sample counts per area index.
#[derive(Debug)]
struct Shares {
    hits: BTreeMap<usize, u32>,
    total: u32,
}

impl Shares {
    fn permille(&self, n: u32) -> u16 {
        if self.total == 0 {
            return 0;
        }
        let p = (u64::from(n) * 1000 + u64::from(self.total) / 2) / u64::from(self.total);
        u16::try_from(p.min(1000)).unwrap_or(1000)
    }
}

fn percent(permille: u16) -> String {
    format!("{}%", (u32::from(permille) + 5) / 10)
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
