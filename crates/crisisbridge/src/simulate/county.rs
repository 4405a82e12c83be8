//! A scenario's county (`[county]`): its boundaries and its services file, read as `import
//! areas` and `import services` read them, make the product's own routing table
//! ([`ServiceRouter`]). Each team belongs to a mobile crisis provider of that file; each call
//! is offered to the providers its place's route names, tier after tier with each tier's time
//! to answer, and only the provider holding the offer sends a team (`simulate::fleet`).
//!
//! 988 contacts (`[[center]]`s with a `[line988]`) come from the same demand and ring at the
//! crisis center their route for `urn:service:counseling.suicide` names, rolling over tier by
//! tier (`simulate::centers`); each step is the phone system's call step the product records
//! (arrived, rolled over, answered, abandoned), and each answered contact an incident the
//! center opens and closes.
//!
//! After a replication every call becomes the incident it would be in the product: opened by
//! the PSAP its route for `urn:service:sos` names, routed for every service, offered to the
//! first provider, timed out and offered on as `Incident::follow_up` says (or returned to the
//! PSAP after the last tier, with its alarm), accepted and a team dispatched as auto-assignment
//! does, the team's statuses, closed. Each event is accepted by the incident state machine
//! (`domain::Incident::apply`), so a rule the product enforces cannot be broken in a
//! simulation, and the outcome report's own code (`reports::measures::Tally`) computes the
//! measures from those events — the same code and definitions as a real period's report.

use std::path::Path;
use std::sync::Arc;

use domain::event::Actor;
use domain::{
    Agency, AgencyId, AgencyKind, CallEvent, CallId, CallStep, Channel, Destination, Disposition,
    Event, EventKind, GeoPoint, Incident, IncidentId, Location, Route, TeamId, TeamStatus, Text,
    Timestamp,
};
use incidents::SERVICE_988;
use incidents::routing::{RoutingData, ServiceRouter};
use incidents::services::KnownArea;
use reports::measures::{Grouping, Names, Options, Tally, Value};
use simulate::centers::{Center, Contact, End, Outcome};
use simulate::fleet::{Assignment, CallRecord, Tiers, Trace, Travel};
use simulate::line::Line;
use simulate::on_roads::{Back, RoadModel, Site, TiersOf};
use simulate::replicate::Estimate;
use simulate::rng::Rng;
use simulate::scenario::{Scenario, ScenarioError};
use store::MOBILE_CRISIS_SERVICE;

/// Simulation time 0 in the log: Monday 5 January 2026, 00:00 UTC (a model's week starts on a
/// Monday at midnight).
const EPOCH_MS: i64 = 1_767_571_200_000;
/// The service whose route names the PSAP that takes a 911 call.
const SOS: &str = "urn:service:sos";
/// The provider index of a place no provider serves: offered to nobody, back to 911 at once.
const NOBODY: u16 = u16::MAX;

/// A county's routing, ready for replications.
pub(crate) struct County {
    router: ServiceRouter,
    /// The mobile crisis providers, by provider index.
    providers: Vec<Agency>,
    /// Each team's id in the simulated log.
    team_ids: Vec<TeamId>,
    /// The 988 centers (`[[center]]`), in the scenario's order, with their counselors and
    /// whether each is in the state.
    centers: Vec<(Agency, Center, bool)>,
    /// What was read, for the report.
    pub(crate) note: String,
}

/// Reads the scenario's `[county]`, if it has one, and gives each team its provider's index.
pub(crate) fn load(
    scenario: &mut Scenario,
    file: &str,
    dir: &Path,
) -> Result<Option<Arc<County>>, ScenarioError> {
    let Some(c) = scenario.county.clone() else { return Ok(None) };
    let line = scenario.lines.get("county").copied().unwrap_or(0);
    let at = |m: String| ScenarioError {
        file: file.to_owned(),
        line,
        message: format!("[county]: {m}"),
    };
    let bytes = std::fs::read(dir.join(&c.areas))
        .map_err(|e| at(format!("areas = \"{}\": {e}", c.areas)))?;
    let (_, areas) = jurisdiction::import::import_json(&bytes, &c.id)
        .map_err(|e| at(format!("areas = \"{}\": {e}", c.areas)))?;
    let stored = crate::import::to_store_areas(&areas, "{name}", None)
        .map_err(|e| at(format!("areas = \"{}\": {e:#}", c.areas)))?;
    let known: Vec<KnownArea> =
        stored.iter().map(|a| KnownArea { code: a.code.clone(), name: a.name.clone() }).collect();
    let services_path = dir.join(&c.services);
    let text = std::fs::read_to_string(&services_path)
        .map_err(|e| at(format!("services = \"{}\": {e}", c.services)))?;
    let epoch = Timestamp::from_millis(EPOCH_MS);
    let plan = incidents::services::plan(&c.services, &text, &known, &[], &[], epoch)
        .map_err(|e| at(format!("services: {e}")))?;
    let agencies = plan.create.clone();
    let kind_of = |id: AgencyId| agencies.iter().find(|a| a.id == id).map(|a| a.kind);
    for service in [SOS, MOBILE_CRISIS_SERVICE] {
        if !plan.service_areas.iter().any(|s| s.service == service) {
            return Err(at(format!(
                "the services file routes no {service}: add a [[serve]] or [[default]] for it \
                 (911 calls are taken by the PSAP {SOS} names, and offered to the providers \
                 {MOBILE_CRISIS_SERVICE} names)"
            )));
        }
    }
    if let Some(s) = plan.service_areas.iter().find(|s| {
        s.service == MOBILE_CRISIS_SERVICE
            && kind_of(s.agency) != Some(AgencyKind::MobileCrisisProvider)
    }) {
        let code = agencies.iter().find(|a| a.id == s.agency).map_or("?", |a| a.code.as_str());
        return Err(at(format!(
            "services: {code} is a tier of {MOBILE_CRISIS_SERVICE} in area {} but is not a \
             mobile_crisis_provider: only providers send teams",
            s.area
        )));
    }
    let version = store::RoutingVersion { version: 1, changed_at: epoch };
    let area_count = stored.len();
    let router = ServiceRouter::build(RoutingData {
        areas: stored,
        service_areas: plan.service_areas,
        agencies: agencies.clone(),
        places: Vec::new(),
        version,
    })
    .ok_or_else(|| at("the areas and services route nothing".into()))?;
    let mut providers: Vec<Agency> =
        agencies.into_iter().filter(|a| a.kind == AgencyKind::MobileCrisisProvider).collect();
    providers.sort_by(|a, b| a.code.cmp(&b.code));
    let codes = providers.iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join(", ");
    for (k, code) in scenario.team_providers.clone().iter().enumerate() {
        let Some(code) = code else { continue };
        let name = scenario.model.teams.get(k).map(|t| t.name.clone()).unwrap_or_default();
        let index = providers.iter().position(|p| p.code == *code).ok_or_else(|| {
            scenario.error_at(
                file,
                &format!("team {name} provider"),
                format!(
                    "team {name}: provider = \"{code}\" is not a mobile crisis provider of {}; \
                     the providers are: {codes}",
                    c.services
                ),
            )
        })?;
        if let Some(team) = scenario.model.teams.get_mut(k) {
            team.provider = u16::try_from(index).ok();
        }
    }
    let mut centers = Vec::new();
    for spec in &scenario.centers {
        let what = format!("center {}", spec.agency);
        let agency = router
            .agency_by_code(&spec.agency)
            .and_then(|id| router.agency(id))
            .filter(|a| a.kind == AgencyKind::CrisisCenter)
            .ok_or_else(|| {
                scenario.error_at(
                    file,
                    &what,
                    format!(
                        "center {}: not a crisis_center of {}: name one of its crisis centers",
                        spec.agency, c.services
                    ),
                )
            })?;
        centers.push((
            agency.clone(),
            Center { counselors: spec.counselors.clone() },
            spec.in_state,
        ));
    }
    if !centers.is_empty() {
        for tier in router
            .services()
            .filter(|s| *s == SERVICE_988)
            .flat_map(|_| {
                router
                    .areas()
                    .iter()
                    .filter_map(|a| router.route_service_in_area(SERVICE_988, &a.id))
            })
            .flat_map(|r| r.tiers)
            .chain(router.default_tiers(SERVICE_988).iter().cloned())
        {
            if !centers.iter().any(|(a, _, _)| a.id == tier.agency) {
                let code = router.agency(tier.agency).map_or("?", |a| a.code.as_str());
                return Err(at(format!(
                    "988 contacts are routed to {code} ({SERVICE_988}), which has no \
                     [[center]]: add one with its counselors"
                )));
            }
        }
        if !router.services().any(|s| s == SERVICE_988) {
            return Err(at(format!(
                "there are [[center]]s but the services file routes no {SERVICE_988}: add a \
                 [[serve]] or [[default]] for it"
            )));
        }
    }
    let team_ids = (0..scenario.model.teams.len())
        .map(|k| {
            TeamId::from_uuid(uuid::Uuid::from_u128(
                0x7ea0_0000_0000_7000_8000_0000_0000_0000 + k as u128,
            ))
        })
        .collect();
    let note = format!(
        "{area_count} areas from {}, {} providers ({codes}) from {}",
        c.areas,
        providers.len(),
        c.services
    );
    Ok(Some(Arc::new(County { router, providers, team_ids, centers, note })))
}

/// The point of a call's place, as the product records it.
fn location(lat: f64, lon: f64) -> Option<Location> {
    Some(Location::Circle { center: GeoPoint::parse(lat, lon).ok()?, radius_m: 0.0 })
}

fn at(ms: u64) -> Timestamp {
    Timestamp::from_millis(EPOCH_MS + i64::try_from(ms).unwrap_or(i64::MAX - EPOCH_MS))
}

impl County {
    /// Who is offered a call from a place: the providers of its mobile crisis route, each with
    /// its tier's time to answer.
    pub(crate) fn tiers_of(county: &Arc<Self>) -> TiersOf {
        let county = Arc::clone(county);
        Box::new(move |lat, lon| county.tiers_at(lat, lon))
    }

    fn tiers_at(&self, lat: f64, lon: f64) -> Tiers {
        let route = location(lat, lon)
            .and_then(|l| self.router.route_service(MOBILE_CRISIS_SERVICE, &l, None));
        let tiers: Tiers = route
            .iter()
            .flat_map(|r| &r.tiers)
            .filter_map(|t| {
                let index = self.providers.iter().position(|p| p.id == t.agency)?;
                Some((u16::try_from(index).ok()?, u64::from(t.answer_within_s) * 1000))
            })
            .collect();
        if tiers.is_empty() { vec![(NOBODY, 0)] } else { tiers }
    }

    /// The replication's calls as the incident log, through the state machine, measured by
    /// the outcome report's code over the calls that arrived in `window` (ms of the run).
    pub(crate) fn measure(
        &self,
        trace: &Trace<Site, Back>,
        window: (u64, u64),
        line: Option<(&Line, &RoadModel<'_>, u64)>,
    ) -> Result<Vec<Figure>, String> {
        let options = Options {
            window: reports::Window {
                from: Some(at(window.0)),
                to: Some(at(window.1)),
                channel: None,
            },
            agency: None,
            by: Grouping::All,
            zone: reports::Zone::utc(),
        };
        let mut tally = Tally::new(options);
        let mut assignment: Vec<Option<&Assignment>> = vec![None; trace.calls.len()];
        for a in &trace.assignments {
            if let Some(slot) = assignment.get_mut(a.call) {
                *slot = Some(a);
            }
        }
        for (k, (call, sent)) in trace.calls.iter().zip(assignment).enumerate() {
            let mut log = Log { id: incident_id(k), incident: None, tally: &mut tally };
            self.play(&mut log, call, sent).map_err(|e| format!("call {}: {e}", k + 1))?;
        }
        let mut per_center = Vec::new();
        if let Some((line, roads, seed)) = line.filter(|_| !self.centers.is_empty()) {
            per_center = self.contacts(&mut tally, line, roads, window, seed)?;
        }
        let report = tally.report(&Names::by_id());
        let mut out = report.groups.first().map(|g| figures(&g.measures)).unwrap_or_default();
        out.extend(per_center);
        Ok(out)
    }

    /// The 988 contacts of a replication through the centers: their call steps and the
    /// incidents of those answered into the tally; each center's own figures returned.
    fn contacts(
        &self,
        tally: &mut Tally,
        line: &Line,
        roads: &RoadModel<'_>,
        window: (u64, u64),
        seed: u64,
    ) -> Result<Vec<Figure>, String> {
        let stream =
            |k: u64| Rng::seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (0x988_0000 + k));
        let (mut arrivals, mut place, mut patience, mut talk) =
            (stream(1), stream(2), stream(3), stream(4));
        #[allow(clippy::cast_precision_loss)]
        let end_s = window.1 as f64 / 1000.0;
        let mut travel = roads.travel();
        let (mut contacts, mut places) = (Vec::new(), Vec::new());
        let mut t = line.arrivals.next_after(0.0, &mut arrivals);
        while t < end_s {
            let site = travel.site(&mut place);
            let tiers = self.center_tiers(site.lat, site.lon);
            if tiers.is_empty() {
                return Err(format!(
                    "no 988 center serves {:.6}, {:.6}: route {SERVICE_988} there (a [[default]])",
                    site.lat, site.lon
                ));
            }
            contacts.push(Contact {
                arrival_s: t,
                tiers,
                patience_s: line.patience.sample(&mut patience),
                talk_s: line.talk.sample(&mut talk),
            });
            places.push(site);
            t = line.arrivals.next_after(t, &mut arrivals);
        }
        let centers: Vec<Center> = self.centers.iter().map(|(_, c, _)| c.clone()).collect();
        #[allow(clippy::cast_precision_loss)]
        let window_s = (window.0 as f64 / 1000.0, end_s);
        let mut talking = vec![0.0; centers.len()];
        let outcomes = simulate::centers::simulate(&centers, &contacts, window_s, &mut talking);
        let mut counts = vec![[0u64; 4]; centers.len()];
        for (k, ((contact, outcome), site)) in
            contacts.iter().zip(&outcomes).zip(&places).enumerate()
        {
            let measured = contact.arrival_s >= window_s.0;
            if measured {
                tally_center(&mut counts, contact, outcome);
            }
            self.phone_steps(tally, k, contact, outcome)?;
            if let Some(End::Answered { center, at_s }) = outcome.end {
                let agency = self.centers.get(center).map(|(a, _, _)| a.id).ok_or("no center")?;
                let mut log = Log { id: contact_id(k), incident: None, tally: &mut *tally };
                let place = location(site.lat, site.lon).ok_or("a place off the globe")?;
                let summary =
                    Text::parse("simulated 988 contact", Text::SHORT_MAX).unwrap_or_default();
                let opened = EventKind::Opened {
                    channel: Channel::Nine88,
                    location: place.clone(),
                    callback: None,
                    summary,
                };
                let answered = ms(at_s);
                log.push(answered, agency, opened)?;
                for route in self.router.route(&place, None) {
                    log.push(answered, agency, EventKind::Routed(route))?;
                }
                log.push(ms(at_s + contact.talk_s), agency, closed(Disposition::ResolvedByPhone))?;
            }
        }
        let mut out = Vec::new();
        for (((agency, center, _), [rung, answered, rolled, abandoned]), talked) in
            self.centers.iter().zip(counts).zip(talking)
        {
            let on_duty = on_duty_s(center, window_s);
            let code = &agency.code;
            #[allow(clippy::cast_precision_loss)]
            let figures = [
                ("rung_first", "contacts that rang here first", "", rung as f64),
                ("answered", "contacts answered here", "", answered as f64),
                ("rolled_over", "contacts rolled over from here", "", rolled as f64),
                ("abandoned", "contacts that hung up waiting here", "", abandoned as f64),
                (
                    "occupancy",
                    "counselors' time on duty spent talking",
                    "%",
                    100.0 * talked / on_duty.max(f64::MIN_POSITIVE),
                ),
            ];
            for (id, label, unit, value) in figures {
                out.push(Figure {
                    id: format!("center.{code}.{id}"),
                    label: format!("{code}: {label}"),
                    unit,
                    value,
                });
            }
        }
        Ok(out)
    }

    /// The centers a contact from a place rings at in turn, each with its time to answer.
    fn center_tiers(&self, lat: f64, lon: f64) -> Vec<(usize, f64)> {
        let route =
            location(lat, lon).and_then(|l| self.router.route_service(SERVICE_988, &l, None));
        route
            .iter()
            .flat_map(|r| &r.tiers)
            .filter_map(|t| {
                let k = self.centers.iter().position(|(a, _, _)| a.id == t.agency)?;
                Some((k, f64::from(t.answer_within_s)))
            })
            .collect()
    }

    /// A contact's steps as the phone system reports them, at each center it rang at.
    fn phone_steps(
        &self,
        tally: &mut Tally,
        k: usize,
        contact: &Contact,
        outcome: &Outcome,
    ) -> Result<(), String> {
        let call = CallId::parse(&format!("sim-988-{k}")).map_err(|e| e.to_string())?;
        let agency = |tier: usize| -> Result<&(Agency, Center, bool), String> {
            contact
                .tiers
                .get(tier)
                .and_then(|(c, _)| self.centers.get(*c))
                .ok_or_else(|| "a tier without a center".to_owned())
        };
        let mut step = |agency: AgencyId, at_s: f64, step: CallStep| {
            tally.add_call(&CallEvent { agency, call: call.clone(), at: at(ms(at_s)), step });
        };
        for (tier, rang) in outcome.rang_s.iter().enumerate() {
            let (here, _, _) = agency(tier)?;
            step(here.id, *rang, CallStep::Arrived { channel: Channel::Nine88, callback: None });
            if let Some(next) = outcome.rang_s.get(tier + 1) {
                let (to, _, in_state) = agency(tier + 1)?;
                let to_code = Text::parse(&to.code, Text::SHORT_MAX).unwrap_or_default();
                step(here.id, *next, CallStep::RolledOver { to: to_code, in_state: *in_state });
            }
        }
        let last = agency(outcome.rang_s.len().saturating_sub(1))?.0.id;
        match outcome.end {
            Some(End::Answered { at_s, .. }) => {
                let by = Text::parse("counselor", Text::SHORT_MAX).unwrap_or_default();
                step(last, at_s, CallStep::Answered { by });
            }
            Some(End::Abandoned { at_s }) => step(last, at_s, CallStep::Abandoned),
            None => {}
        }
        Ok(())
    }

    /// One call's incident, event by event.
    fn play(
        &self,
        log: &mut Log<'_>,
        call: &CallRecord<Site>,
        sent: Option<&Assignment>,
    ) -> Result<(), String> {
        let place = location(call.site.lat, call.site.lon).ok_or_else(|| {
            format!("a place off the globe: {}, {}", call.site.lat, call.site.lon)
        })?;
        let routes: Vec<Route> = self.router.route(&place, None);
        let psap = routes
            .iter()
            .find(|r| r.service == SOS)
            .and_then(|r| r.tiers.first())
            .map(|t| t.agency)
            .ok_or_else(|| {
                format!(
                    "no PSAP takes a 911 call at {:.6}, {:.6}: the services file routes {SOS} \
                     nowhere there (add a [[default]])",
                    call.site.lat, call.site.lon
                )
            })?;
        let summary = Text::parse("simulated 911 call", Text::SHORT_MAX).unwrap_or_default();
        let opened = EventKind::Opened {
            channel: Channel::Nine11,
            location: place,
            callback: None,
            summary,
        };
        log.push(call.arrival_ms, psap, opened)?;
        let mobile = routes.iter().find(|r| r.service == MOBILE_CRISIS_SERVICE).cloned();
        for route in routes {
            log.push(call.arrival_ms, psap, EventKind::Routed(route))?;
        }
        let tiers = mobile.map(|r| r.tiers).unwrap_or_default();
        let (Some(first), Some(first_at)) = (tiers.first(), call.offers.first()) else {
            // Nobody serves the place for mobile crisis: the PSAP handles it.
            let done = call.returned_ms.unwrap_or(call.dispatch_ms);
            return log.push(done, psap, closed(Disposition::HandledByEmergencyServices));
        };
        let offer = EventKind::TransferOffered {
            to: first.agency,
            reason: Text::parse("mobile crisis team", Text::SHORT_MAX).unwrap_or_default(),
            deadline: at(first_at + u64::from(first.answer_within_s) * 1000),
            service: Some(MOBILE_CRISIS_SERVICE.to_owned()),
            then: tiers.get(1..).unwrap_or_default().to_vec(),
            destination: Destination::MobileCrisis,
            until_taken: false,
        };
        log.push(*first_at, psap, offer)?;
        for (tier, offered) in call.offers.iter().enumerate().skip(1) {
            log.time_out(*offered)?;
            let to = log.incident.as_ref().and_then(|i| i.transfer.as_ref()).map(|t| t.to);
            let expected = tiers.get(tier).map(|t| t.agency);
            if to != expected {
                return Err(format!(
                    "the simulation offered tier {tier} to {expected:?}, the state machine to {to:?}"
                ));
            }
        }
        if let Some(returned) = call.returned_ms {
            log.time_out(returned)?;
            if log.incident.as_ref().is_some_and(|i| i.alarm.is_some()) {
                let action = Text::parse("sent police or EMS", Text::SHORT_MAX).unwrap_or_default();
                log.push(returned, psap, EventKind::AlarmResolved { action })?;
            }
            return log.push(returned, psap, closed(Disposition::HandledByEmergencyServices));
        }
        let Some(a) = sent else { return Ok(()) };
        let provider = tiers
            .get(call.offers.len().saturating_sub(1))
            .map(|t| t.agency)
            .ok_or("a team went to a call offered to nobody")?;
        let team = *self.team_ids.get(a.team).ok_or("a team the scenario does not have")?;
        log.push(a.sent_ms, provider, EventKind::TransferAccepted)?;
        log.push(a.sent_ms, provider, EventKind::TeamDispatched { team, provider })?;
        let status = |status| EventKind::TeamStatusChanged { team, status, to: None };
        log.push(a.sent_ms, provider, status(TeamStatus::EnRoute))?;
        if let Some(on_scene) = call.on_scene_ms {
            log.push(on_scene, provider, status(TeamStatus::OnScene))?;
        }
        if let Some((_, arrived)) = a.facility {
            log.push(arrived, provider, status(TeamStatus::AtFacility))?;
        }
        log.push(a.cleared_ms, provider, status(TeamStatus::Available))?;
        let end = if a.facility.is_some() {
            Disposition::Transported
        } else {
            Disposition::ResolvedOnScene
        };
        log.push(a.cleared_ms, provider, closed(end))
    }
}

/// Counts a measured contact at its centers: [rang first, answered, rolled over from, hung up].
fn tally_center(counts: &mut [[u64; 4]], contact: &Contact, outcome: &Outcome) {
    let center = |tier: usize| contact.tiers.get(tier).map(|(c, _)| *c);
    if let Some(slot) = center(0).and_then(|c| counts.get_mut(c)) {
        slot[0] += 1;
    }
    for tier in 0..outcome.rang_s.len().saturating_sub(1) {
        if let Some(slot) = center(tier).and_then(|c| counts.get_mut(c)) {
            slot[2] += 1;
        }
    }
    match outcome.end {
        Some(End::Answered { center, .. }) => {
            if let Some(slot) = counts.get_mut(center) {
                slot[1] += 1;
            }
        }
        Some(End::Abandoned { .. }) => {
            let last = center(outcome.rang_s.len().saturating_sub(1));
            if let Some(slot) = last.and_then(|c| counts.get_mut(c)) {
                slot[3] += 1;
            }
        }
        None => {}
    }
}

/// A center's counselor-seconds on duty within `window` (seconds of the run).
fn on_duty_s(center: &Center, window: (f64, f64)) -> f64 {
    let mut total = 0.0;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    {
        let mut h = (window.0 / 3600.0).floor() as u64;
        while (h as f64) * 3600.0 < window.1 {
            let (a, b) = ((h as f64) * 3600.0, ((h + 1) as f64) * 3600.0);
            let n = center.counselors.get((h % 168) as usize).copied().unwrap_or(0);
            total += f64::from(n) * (b.min(window.1) - a.max(window.0)).max(0.0);
            h += 1;
        }
    }
    total
}

/// Seconds of the run as whole milliseconds.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn ms(s: f64) -> u64 {
    (s * 1000.0).round().max(0.0) as u64
}

/// The k-th 988 contact's incident id.
fn contact_id(k: usize) -> IncidentId {
    IncidentId::from_uuid(uuid::Uuid::from_u128(
        0x0190_0000_0000_7000_9000_0000_0000_0000 + k as u128,
    ))
}

fn closed(disposition: Disposition) -> EventKind {
    EventKind::Closed { disposition, remark: Text::default() }
}

/// The k-th call's incident id (the same in every replication: ids only name).
fn incident_id(k: usize) -> IncidentId {
    IncidentId::from_uuid(uuid::Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0000 + k as u128,
    ))
}

/// One incident being written: each event through the state machine, then into the tally.
struct Log<'t> {
    id: IncidentId,
    incident: Option<Incident>,
    tally: &'t mut Tally,
}

impl Log<'_> {
    fn push(&mut self, ms: u64, agency: AgencyId, kind: EventKind) -> Result<(), String> {
        let event = Event { incident: self.id, at: at(ms), actor: Actor::System, agency, kind };
        let next = Incident::next(self.incident.take(), &event)
            .map_err(|e| format!("the state machine refused {:?}: {e}", event.kind))?;
        let involved: Vec<AgencyId> = next.involved.iter().copied().collect();
        self.tally.add(&event, &involved);
        self.incident = Some(next);
        Ok(())
    }

    /// The holder's offer ran out of time: the timeout, with what the product records with it
    /// (the next tier's offer, or the return and its alarm).
    fn time_out(&mut self, ms: u64) -> Result<(), String> {
        let holder = self.incident.as_ref().map(|i| i.holder).ok_or("no incident")?;
        self.push(ms, holder, EventKind::TransferTimedOut)?;
        let follow_up = self.incident.as_ref().map(|i| i.follow_up(at(ms))).unwrap_or_default();
        for kind in follow_up {
            let holder = self.incident.as_ref().map(|i| i.holder).ok_or("no incident")?;
            self.push(ms, holder, kind)?;
        }
        Ok(())
    }
}

/// A measure's figure in one replication.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figure {
    pub id: String,
    pub label: String,
    pub unit: &'static str,
    pub value: f64,
}

/// The report's measures as numbers: a share in %, a count, a time's median and 90th
/// percentile in minutes; measures not measured, and shares of nothing, are left out.
fn figures(measures: &[reports::measures::Measure]) -> Vec<Figure> {
    let mut out = Vec::new();
    for m in measures {
        let mut push = |suffix: &str, label: String, unit, value: f64| {
            out.push(Figure { id: format!("{}{suffix}", m.id), label, unit, value });
        };
        #[allow(clippy::cast_precision_loss)]
        match &m.value {
            Value::Count { count } => push("", m.label.to_owned(), "", *count as f64),
            Value::Share { .. } => {
                if let Some(rate) = m.value.rate() {
                    push("", m.label.to_owned(), "%", rate * 100.0);
                }
            }
            Value::Time(d) => {
                // Answer times are seconds; the rest minutes.
                let (unit, per) =
                    if m.id.starts_with("contacts.") { ("s", 1000.0) } else { ("min", 60_000.0) };
                if let (Some(p50), Some(p90)) = (d.p50_ms, d.p90_ms) {
                    push(".p50", format!("{}, median", m.label), unit, p50 as f64 / per);
                    push(".p90", format!("{}, 90th percentile", m.label), unit, p90 as f64 / per);
                }
            }
            Value::NotMeasured { .. } => {}
        }
    }
    out
}

/// A measure over the replications.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct CountyMeasure {
    pub id: String,
    pub label: String,
    pub unit: &'static str,
    pub estimate: Estimate,
}

/// Each measure in the order the report gives them, over the replications that measured it
/// (at least two).
pub(crate) fn summarise(runs: &[Vec<Figure>]) -> Vec<CountyMeasure> {
    let mut out: Vec<CountyMeasure> = Vec::new();
    for figure in runs.iter().flatten() {
        if out.iter().any(|m| m.id == figure.id) {
            continue;
        }
        let values: Vec<f64> = runs
            .iter()
            .filter_map(|run| run.iter().find(|f| f.id == figure.id).map(|f| f.value))
            .collect();
        // What is 0 in every replication (contacts' ages, follow-ups: what the simulation
        // does not play) is left out.
        if values.len() >= 2 && values.iter().any(|v| *v != 0.0) {
            out.push(CountyMeasure {
                id: figure.id.clone(),
                label: figure.label.clone(),
                unit: figure.unit,
                estimate: Estimate::of(&values),
            });
        }
    }
    out
}
