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
    Agency, AgencyId, AgencyKind, CallEvent, CallId, CallStep, Channel, Disposition, Event,
    EventKind, GeoPoint, Incident, IncidentId, Location, Route, TeamId, TeamStatus, Text,
    Timestamp, TriageOutcome,
};
use incidents::SERVICE_988;
use incidents::routing::{RoutingData, ServiceRouter};
use incidents::services::KnownArea;
use reports::measures::{Grouping, Names, Options, Tally, Value};
use simulate::centers::{Center, Contact, End, Outcome};
use simulate::fleet::{Assignment, CallRecord, Tiers, Trace};
use simulate::line::Line;
use simulate::on_roads::{Back, RoadModel, Site, TiersOf};
use simulate::replicate::Estimate;
use simulate::rng::Rng;
use simulate::scenario::{Scenario, ScenarioError};
use simulate::triage_mix::{Drawn, Mix};
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
    /// Each team's id in the simulated log, and its provider's index.
    team_ids: Vec<TeamId>,
    team_providers: Vec<Option<u16>>,
    /// The 988 centers (`[[center]]`), in the scenario's order, with their counselors and
    /// whether each is in the state.
    centers: Vec<(Agency, Center, bool)>,
    /// What was read, for the report.
    pub(crate) note: String,
    /// The 911 calls' triage, when the scenario has `[triage911]`.
    triage: Option<CountyTriage>,
}

/// Reads the scenario's `[county]`, if it has one, and gives each team its provider's index.
pub(crate) fn load(
    scenario: &mut Scenario,
    file: &str,
    dir: &Path,
) -> Result<Option<County>, ScenarioError> {
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
    let team_providers = scenario.model.teams.iter().map(|t| t.provider).collect();
    Ok(Some(County { router, providers, team_ids, team_providers, centers, note, triage: None }))
}

/// The point of a call's place, as the product records it.
fn location(lat: f64, lon: f64) -> Option<Location> {
    Some(Location::Circle { center: GeoPoint::parse(lat, lon).ok()?, radius_m: 0.0 })
}

fn at(ms: u64) -> Timestamp {
    Timestamp::from_millis(EPOCH_MS + i64::try_from(ms).unwrap_or(i64::MAX - EPOCH_MS))
}

impl County {
    /// The same county, deciding each 911 call by the scenario's protocol.
    pub(crate) fn with_triage(mut self, triage: CountyTriage) -> Self {
        self.triage = Some(triage);
        self
    }

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
        roads: &RoadModel<'_>,
        line: Option<&Line>,
        seed: u64,
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
        // Room for the year's incidents and calls at once, about as many as will come.
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        {
            let hours = window.1 as f64 / 3_600_000.0;
            let others = self
                .triage
                .as_ref()
                .map_or(0.0, |t| t.calls.mean_per_hour() * (1.0 - t.team_share) * hours);
            let contacts = match (line, self.centers.is_empty()) {
                (Some(l), false) => {
                    let own = self.triage.as_ref().and_then(|t| t.line_own.as_ref());
                    own.unwrap_or(&l.arrivals).mean_per_hour() * hours
                }
                _ => 0.0,
            };
            let incidents = trace.calls.len() as f64 + others + contacts;
            tally.reserve((incidents * 1.05) as usize, (contacts * 1.4) as usize);
        }
        let mut assignment: Vec<Option<&Assignment>> = vec![None; trace.calls.len()];
        for a in &trace.assignments {
            if let Some(slot) = assignment.get_mut(a.call) {
                *slot = Some(a);
            }
        }
        let mix = self.triage.as_ref().map(|t| Mix::new(&t.protocol, &t.mix));
        let mut which = stream(seed, 1);
        for (k, (call, sent)) in trace.calls.iter().zip(assignment).enumerate() {
            let triaged = match &mix {
                Some(mix) => self.team_call_triage(mix, call.arrival_ms, &mut which)?,
                None => None,
            };
            let mut log = Log { id: incident_id(0, k), incident: None, tally: &mut tally };
            self.play(&mut log, call, sent, triaged.as_ref())
                .map_err(|e| format!("call {}: {e}", k + 1))?;
        }
        let diverted = match &mix {
            Some(mix) => self.other_911_calls(&mut tally, mix, roads, window, seed)?,
            None => Vec::new(),
        };
        let mut per_center = Vec::new();
        match line.filter(|_| !self.centers.is_empty()) {
            Some(line) => {
                per_center =
                    self.through_centers(&mut tally, line, roads, window, seed, &diverted)?;
            }
            // Checked when the scenario is read: a protocol that diverts needs the centers.
            None if !diverted.is_empty() => {
                return Err("diverted 911 calls with no 988 centers to offer them to".into());
            }
            None => {}
        }
        let report = tally.report(&Names::by_id());
        let mut out = report.groups.first().map(|g| figures(&g.measures)).unwrap_or_default();
        out.extend(per_center);
        Ok(out)
    }

    /// Whether the fleet's call at `ms` is one of the 911 calls the protocol sent a team, and
    /// if so the answers and decision: by the share of the hour's rate the 911 calls make
    /// (Poisson streams merged: each call is of one with its share of the rate), then a caller
    /// drawn from the mix among those the protocol sends a team.
    fn team_call_triage(
        &self,
        mix: &Mix<'_>,
        ms: u64,
        rng: &mut Rng,
    ) -> Result<Option<Drawn>, String> {
        let Some(t) = &self.triage else { return Ok(None) };
        #[allow(clippy::cast_precision_loss)]
        let s = ms as f64 / 1000.0;
        let from_911 = t.team_share * t.calls.rate_at(s);
        let own = t.base.as_ref().map_or(0.0, |b| b.rate_at(s));
        if from_911 <= 0.0 || rng.uniform() * (from_911 + own) >= from_911 {
            return Ok(None);
        }
        mix.draw_where(rng, MAX_TRIES, sends_team).map(Some).ok_or_else(|| {
            format!(
                "no caller of {MAX_TRIES} drawn was sent a team, yet the protocol's share is {}",
                t.team_share
            )
        })
    }

    /// The 911 calls the protocol did not send a team: those handled by police or EMS written
    /// to the log at once, those diverted to a 988 center returned (their offers wait for the
    /// centers).
    fn other_911_calls(
        &self,
        tally: &mut Tally,
        mix: &Mix<'_>,
        roads: &RoadModel<'_>,
        window: (u64, u64),
        seed: u64,
    ) -> Result<Vec<Other>, String> {
        let Some(t) = &self.triage else { return Ok(Vec::new()) };
        let share = 1.0 - t.team_share;
        if share <= 1e-12 {
            return Ok(Vec::new());
        }
        let arrivals = t.calls.share_of(share)?;
        let (mut times, mut place, mut decide) =
            (stream(seed, 2), stream(seed, 3), stream(seed, 4));
        #[allow(clippy::cast_precision_loss)]
        let end_s = window.1 as f64 / 1000.0;
        let (mut out, mut k) = (Vec::new(), 0);
        let mut t_s = arrivals.next_after(0.0, &mut times);
        while t_s < end_s {
            let (lat, lon) = roads.place_at(&mut place, ms(t_s));
            let site = Place { lat, lon };
            let drawn = mix.draw_where(&mut decide, MAX_TRIES, |o| !sends_team(o)).ok_or_else(|| {
                format!("no caller of {MAX_TRIES} drawn was kept from a team, yet the share is {share}")
            })?;
            let other = Other { index: k, arrival_s: t_s, site, drawn };
            k += 1;
            let to_center = other.drawn.outcome == Some(TriageOutcome::Divert988)
                && !self.center_tiers(other.site.lat, other.site.lon).is_empty();
            if to_center {
                out.push(other);
            } else {
                let mut log =
                    Log { id: incident_id(1, other.index), incident: None, tally: &mut *tally };
                self.play_other(&mut log, &other, None)?;
            }
            t_s = arrivals.next_after(t_s, &mut times);
        }
        Ok(out)
    }

    /// A 911 call not sent a team, event by event: opened, routed, triaged; diverted to 988
    /// along its route (offered tier by tier as `transfer` says the centers answered), or
    /// handled by police or EMS.
    fn play_other(
        &self,
        log: &mut Log<'_>,
        other: &Other,
        transfer: Option<(&Contact, &Outcome)>,
    ) -> Result<(), String> {
        let arrived = ms(other.arrival_s);
        let (routes, psap) = self.open_911(log, arrived, &other.site, Some(&other.drawn))?;
        let tiers = routes.into_iter().find(|r| r.service == SERVICE_988).map(|r| r.tiers);
        let diverted = other.drawn.outcome == Some(TriageOutcome::Divert988);
        let (Some(tiers), true) = (tiers.filter(|t| !t.is_empty()), diverted) else {
            return log.push(arrived, psap, closed(Disposition::HandledByEmergencyServices));
        };
        self.offer(log, arrived, psap, SERVICE_988, &tiers, "divert to 988")?;
        // A county whose protocol diverts has its 988 centers (checked when it is read).
        let Some((contact, outcome)) = transfer else {
            return Err("a diverted call with no 988 center to offer it to".into());
        };
        let later: Vec<u64> = outcome.rang_s.iter().skip(1).map(|r| ms(*r)).collect();
        log.offered_on(&later, &tiers)?;
        match outcome.end {
            Some(End::Answered { center, at_s }) => {
                let agency = self.centers.get(center).map(|(a, _, _)| a.id).ok_or("no center")?;
                log.push(ms(at_s), agency, EventKind::TransferAccepted)?;
                log.push(ms(at_s + contact.talk_s), agency, closed(Disposition::ResolvedByPhone))
            }
            Some(End::Returned { at_s }) => log.back_to_911(ms(at_s), psap),
            Some(End::Abandoned { .. }) | None => Ok(()),
        }
    }

    /// The 988 contacts of a replication, and the 911 calls diverted to 988, through the
    /// centers: the contacts' call steps and the incidents into the tally; each center's own
    /// figures returned.
    fn through_centers(
        &self,
        tally: &mut Tally,
        line: &Line,
        roads: &RoadModel<'_>,
        window: (u64, u64),
        seed: u64,
        diverted: &[Other],
    ) -> Result<Vec<Figure>, String> {
        let (mut arrivals, mut place, mut patience, mut talk) =
            (stream(seed, 11), stream(seed, 12), stream(seed, 13), stream(seed, 14));
        #[allow(clippy::cast_precision_loss)]
        let end_s = window.1 as f64 / 1000.0;
        let (mut contacts, mut places) = (Vec::new(), Vec::new());
        // The line's own contacts: without the 911 calls diverted to it, which come below.
        let own = self.triage.as_ref().and_then(|t| t.line_own.as_ref()).unwrap_or(&line.arrivals);
        let mut t = own.next_after(0.0, &mut arrivals);
        while t < end_s {
            let (lat, lon) = roads.place_at(&mut place, ms(t));
            let site = Place { lat, lon };
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
                returns: false,
            });
            places.push(site);
            t = own.next_after(t, &mut arrivals);
        }
        let callers = contacts.len();
        // Each diverted 911 call, offered along its route: the PSAP holds it, so it never hangs
        // up, and after the last tier's time it comes back.
        for other in diverted {
            contacts.push(Contact {
                arrival_s: other.arrival_s,
                tiers: self.center_tiers(other.site.lat, other.site.lon),
                patience_s: f64::INFINITY,
                talk_s: line.talk.sample(&mut talk),
                returns: true,
            });
        }
        let centers: Vec<Center> = self.centers.iter().map(|(_, c, _)| c.clone()).collect();
        #[allow(clippy::cast_precision_loss)]
        let window_s = (window.0 as f64 / 1000.0, end_s);
        let mut talking = vec![0.0; centers.len()];
        let outcomes = simulate::centers::simulate(&centers, &contacts, window_s, &mut talking);
        let mut counts = vec![[0u64; 8]; centers.len()];
        let transfers = contacts.iter().zip(&outcomes).skip(callers);
        for (other, (contact, outcome)) in diverted.iter().zip(transfers) {
            if contact.arrival_s >= window_s.0 {
                tally_center(&mut counts, contact, outcome);
            }
            let mut log =
                Log { id: incident_id(1, other.index), incident: None, tally: &mut *tally };
            self.play_other(&mut log, other, Some((contact, outcome)))?;
        }
        for (k, ((contact, outcome), site)) in
            contacts.iter().zip(&outcomes).zip(&places).enumerate().take(callers)
        {
            let measured = contact.arrival_s >= window_s.0;
            if measured {
                tally_center(&mut counts, contact, outcome);
            }
            self.phone_steps(tally, k, contact, outcome)?;
            if let Some(End::Answered { center, at_s }) = outcome.end {
                let agency = self.centers.get(center).map(|(a, _, _)| a.id).ok_or("no center")?;
                let mut log = Log { id: incident_id(2, k), incident: None, tally: &mut *tally };
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
        for (
            (
                (agency, center, _),
                [rung, answered, rolled, abandoned, offered, accepted, timed_out, returned],
            ),
            talked,
        ) in self.centers.iter().zip(counts).zip(talking)
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
                    "diverted_offered_first",
                    "diverted 911 calls offered here first",
                    "",
                    offered as f64,
                ),
                ("diverted_accepted", "diverted 911 calls accepted here", "", accepted as f64),
                (
                    "diverted_timed_out",
                    "diverted 911 calls whose offer here timed out",
                    "",
                    timed_out as f64,
                ),
                (
                    "diverted_returned",
                    "diverted 911 calls back to 911 from here, the last tier",
                    "",
                    returned as f64,
                ),
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
            // A caller does not come back to a PSAP: only diverted calls do, and they are
            // transfers, not phone calls of the center.
            Some(End::Returned { .. }) | None => {}
        }
        Ok(())
    }

    /// A 911 call's incident opened at `ms` where it is, by the PSAP its route names, routed
    /// for every service and triaged when `triaged` says how; its routes and PSAP returned.
    fn open_911(
        &self,
        log: &mut Log<'_>,
        ms: u64,
        site: &Place,
        triaged: Option<&Drawn>,
    ) -> Result<(Vec<Route>, AgencyId), String> {
        let place = location(site.lat, site.lon)
            .ok_or_else(|| format!("a place off the globe: {}, {}", site.lat, site.lon))?;
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
                    site.lat, site.lon
                )
            })?;
        let summary = Text::parse("simulated 911 call", Text::SHORT_MAX).unwrap_or_default();
        let opened = EventKind::Opened {
            channel: Channel::Nine11,
            location: place,
            callback: None,
            summary,
        };
        log.push(ms, psap, opened)?;
        for route in &routes {
            log.push(ms, psap, EventKind::Routed(route.clone()))?;
        }
        if let (Some(d), Some(t)) = (triaged, &self.triage)
            && let Some(outcome) = d.outcome
        {
            let recorded = EventKind::TriageRecorded {
                outcome,
                protocol: t.protocol.id.clone(),
                protocol_version: 1,
                rule: d.rule.clone(),
                answers: d.answers.clone(),
            };
            log.push(ms, psap, recorded)?;
        }
        Ok((routes, psap))
    }

    /// The PSAP offers the incident along `service`'s route at `ms`: the offer the incident
    /// service makes (`incidents::route_offer`).
    fn offer(
        &self,
        log: &mut Log<'_>,
        ms: u64,
        psap: AgencyId,
        service: &str,
        tiers: &[domain::RouteTier],
        reason: &str,
    ) -> Result<(), String> {
        let reason = Text::parse(reason, Text::SHORT_MAX).unwrap_or_default();
        let kind_of = |id| self.router.agency(id).map(|a| a.kind);
        let offer = incidents::route_offer(service, tiers.to_vec(), reason, at(ms), kind_of)
            .map_err(|e| e.to_string())?;
        log.push(ms, psap, offer)
    }

    /// One call the teams were offered, event by event.
    fn play(
        &self,
        log: &mut Log<'_>,
        call: &CallRecord<Site>,
        sent: Option<&Assignment>,
        triaged: Option<&Drawn>,
    ) -> Result<(), String> {
        let site = Place { lat: call.site.lat, lon: call.site.lon };
        let (routes, psap) = self.open_911(log, call.arrival_ms, &site, triaged)?;
        let mobile = routes.into_iter().find(|r| r.service == MOBILE_CRISIS_SERVICE);
        let tiers = mobile.map(|r| r.tiers).unwrap_or_default();
        let (Some(first_at), false) = (call.offers.first(), tiers.is_empty()) else {
            // Nobody serves the place for mobile crisis: the PSAP handles it.
            let done = call.returned_ms.unwrap_or(call.dispatch_ms);
            return log.push(done, psap, closed(Disposition::HandledByEmergencyServices));
        };
        self.offer(log, *first_at, psap, MOBILE_CRISIS_SERVICE, &tiers, "mobile crisis team")?;
        log.offered_on(call.offers.get(1..).unwrap_or_default(), &tiers)?;
        if let Some(returned) = call.returned_ms {
            return log.back_to_911(returned, psap);
        }
        let Some(a) = sent else { return Ok(()) };
        let provider = tiers
            .get(call.offers.len().saturating_sub(1))
            .map(|t| t.agency)
            .ok_or("a team went to a call offered to nobody")?;
        let team = *self.team_ids.get(a.team).ok_or("a team the scenario does not have")?;
        let own = self.team_providers.get(a.team).copied().flatten();
        if own.and_then(|k| self.providers.get(usize::from(k))).map(|p| p.id) != Some(provider) {
            return Err(format!(
                "team {} of another provider went to a call offered to {provider}",
                a.team + 1
            ));
        }
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

/// Counts a measured contact at its centers. A caller counts in the first four slots (rang
/// here first, answered here, rolled over from here, hung up here); a diverted 911 call in the
/// last four (offered here first, accepted here, timed out here, sent back from here).
fn tally_center(counts: &mut [[u64; 8]], contact: &Contact, outcome: &Outcome) {
    let base = if contact.returns { 4 } else { 0 };
    let mut add = |center: Option<usize>, slot: usize| {
        if let Some(n) = center.and_then(|c| counts.get_mut(c)).and_then(|c| c.get_mut(base + slot))
        {
            *n += 1;
        }
    };
    let center = |tier: usize| contact.tiers.get(tier).map(|(c, _)| *c);
    add(center(0), 0);
    for tier in 0..outcome.rang_s.len().saturating_sub(1) {
        add(center(tier), 2);
    }
    let last = center(outcome.rang_s.len().saturating_sub(1));
    match outcome.end {
        Some(End::Answered { center, .. }) => add(Some(center), 1),
        Some(End::Abandoned { .. } | End::Returned { .. }) => add(last, 3),
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

fn closed(disposition: Disposition) -> EventKind {
    EventKind::Closed { disposition, remark: Text::default() }
}

/// The incident id of the k-th call of a kind (0: offered the teams, 1: other 911 calls, 2:
/// 988 contacts), the same in every replication: ids only name.
fn incident_id(kind: u8, k: usize) -> IncidentId {
    IncidentId::from_uuid(uuid::Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0000 + (u128::from(kind) << 64) + k as u128,
    ))
}

/// How many callers are drawn at most to find one the protocol decides a given way.
const MAX_TRIES: usize = 100_000;

/// A seeded stream of a replication, one per kind of draw.
fn stream(seed: u64, which: u64) -> Rng {
    Rng::stream(seed, 0xC0_0000 + which)
}

/// Whether a decision sends a mobile crisis team (alone or with police).
fn sends_team(outcome: Option<TriageOutcome>) -> bool {
    matches!(outcome, Some(TriageOutcome::MobileCrisis | TriageOutcome::CoResponse))
}

/// Where a call or contact comes from.
#[derive(Debug, Clone, Copy)]
struct Place {
    lat: f64,
    lon: f64,
}

/// A 911 call the protocol did not send a team.
struct Other {
    /// Its place among the 911 calls not sent a team (its incident's id).
    index: usize,
    arrival_s: f64,
    site: Place,
    drawn: Drawn,
}

/// The scenario's `[triage911]`, for deciding each call.
pub(crate) struct CountyTriage {
    pub protocol: triage::Protocol,
    pub mix: Vec<simulate::triage_mix::AnswerMix>,
    /// The 911 calls, and the share the protocol sends a team.
    pub calls: simulate::arrivals::Arrivals,
    pub team_share: f64,
    /// The teams' own calls besides (`[arrivals]`).
    pub base: Option<simulate::arrivals::Arrivals>,
    /// The 988 line's own contacts, before the diverted calls were added.
    pub line_own: Option<simulate::arrivals::Arrivals>,
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

    /// The offer timed out at each of `times` in turn and went on, as the product's follow-up
    /// rule says, to the next of `tiers` — which must be the tier the simulation offered.
    fn offered_on(&mut self, times: &[u64], tiers: &[domain::RouteTier]) -> Result<(), String> {
        for (tier, when) in times.iter().enumerate().map(|(k, t)| (k + 1, t)) {
            self.time_out(*when)?;
            let to = self.incident.as_ref().and_then(|i| i.transfer.as_ref()).map(|t| t.to);
            let expected = tiers.get(tier).map(|t| t.agency);
            if to != expected {
                return Err(format!(
                    "the simulation offered tier {tier} to {expected:?}, the state machine to {to:?}"
                ));
            }
        }
        Ok(())
    }

    /// The last tier's time ran out at `ms`: the transfer comes back to the PSAP, which acts
    /// on the alarm (police or EMS) and closes.
    fn back_to_911(&mut self, ms: u64, psap: AgencyId) -> Result<(), String> {
        self.time_out(ms)?;
        if self.incident.as_ref().is_some_and(|i| i.alarm.is_some()) {
            let action = Text::parse("sent police or EMS", Text::SHORT_MAX).unwrap_or_default();
            self.push(ms, psap, EventKind::AlarmResolved { action })?;
        }
        self.push(ms, psap, closed(Disposition::HandledByEmergencyServices))
    }

    /// The holder's offer ran out of time: the timeout, with what the product records with it
    /// (the next tier's offer, or the return and its alarm).
    ///
    /// The product times an offer out at its deadline, which is whole milliseconds; the
    /// simulation's time for it (`simulated`, rounded from seconds for the 988 centers) may
    /// differ from it by the rounding, never more.
    fn time_out(&mut self, simulated: u64) -> Result<(), String> {
        let deadline = self
            .incident
            .as_ref()
            .and_then(|i| i.transfer.as_ref())
            .map(|t| t.deadline.as_millis() - EPOCH_MS)
            .ok_or("a timeout without an offer")?;
        let ms = u64::try_from(deadline).map_err(|_| "an offer's deadline before the run")?;
        if ms.abs_diff(simulated) > 1 {
            return Err(format!(
                "the simulation timed an offer out at {simulated} ms, its deadline is {ms} ms"
            ));
        }
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
