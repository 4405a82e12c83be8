//! For each service, how incidents were routed (by location, by the
//! caller's area code, to the default, or not at all), and — where an area-code table is
//! configured — how many contacts georouting sent to a different agency than the caller's area
//! code would have, with the flows between them. An incident counts once per service, with its
//! latest route (a better location re-routes it).

use std::collections::{BTreeMap, HashSet};

use domain::{AgencyId, EventKind, IncidentId, Route, RouteBasis, Timestamp};
use serde::Serialize;

use crate::Window;

/// The figures for one service.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceFigures {
    pub service: String,
    pub incidents: u64,
    pub by_location: u64,
    pub by_area_code: u64,
    pub by_default: u64,
    pub no_coverage: u64,
    /// Routes by location whose shape straddled areas of several agencies.
    pub ambiguous: u64,
    /// Routes that also say where the caller's area code would have gone.
    pub compared: u64,
    /// Of those, the ones routed to a different agency: what georouting changed.
    pub elsewhere: u64,
    /// `(area-code agency, routed agency, count)` for the changed ones, most first.
    pub flows: Vec<(String, String, u64)>,
}

/// Counts routes as events go by.
#[derive(Debug)]
pub struct Tally {
    window: Window,
    /// Incidents that count (opened in the window, of the channel).
    counted: HashSet<IncidentId>,
    /// The latest route per incident and service.
    latest: BTreeMap<(String, IncidentId), Route>,
}

impl Tally {
    pub fn new(window: Window) -> Self {
        Self { window, counted: HashSet::new(), latest: BTreeMap::new() }
    }

    pub fn add(&mut self, incident: IncidentId, at: Timestamp, kind: &EventKind) {
        match kind {
            EventKind::Opened { channel, .. } if self.window.counts(at, *channel) => {
                self.counted.insert(incident);
            }
            EventKind::Routed(route) if self.counted.contains(&incident) => {
                self.latest.insert((route.service.clone(), incident), route.clone());
            }
            _ => {}
        }
    }

    pub fn figures(&self, name: &dyn Fn(AgencyId) -> String) -> Vec<ServiceFigures> {
        // Per service: its figures, and (area-code agency, routed agency) → count.
        type Flows = BTreeMap<(String, String), u64>;
        let mut by_service: BTreeMap<&str, (ServiceFigures, Flows)> = BTreeMap::new();
        for ((service, _), route) in &self.latest {
            let (f, flows) = by_service.entry(service).or_insert_with(|| {
                (ServiceFigures { service: service.clone(), ..Default::default() }, BTreeMap::new())
            });
            f.incidents += 1;
            match route.basis {
                RouteBasis::Location => f.by_location += 1,
                RouteBasis::AreaCode => f.by_area_code += 1,
                RouteBasis::Default => f.by_default += 1,
                RouteBasis::NoCoverage => f.no_coverage += 1,
            }
            f.ambiguous += u64::from(route.is_ambiguous());
            if let Some(legacy) = route.by_area_code {
                f.compared += 1;
                if route.agency() != Some(legacy) {
                    f.elsewhere += 1;
                    let routed = route.agency().map_or_else(|| "(nobody)".to_owned(), name);
                    *flows.entry((name(legacy), routed)).or_default() += 1;
                }
            }
        }
        by_service
            .into_values()
            .map(|(mut f, flows)| {
                let mut flows: Vec<(String, String, u64)> =
                    flows.into_iter().map(|((from, to), n)| (from, to, n)).collect();
                flows.sort_by(|a, b| {
                    b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.cmp(&b.1))
                });
                f.flows = flows;
                f
            })
            .collect()
    }
}

/// The figures as the command line prints them.
pub fn table(figures: &[ServiceFigures]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if figures.is_empty() {
        out.push_str("no routed incidents\n");
    }
    for f in figures {
        let pct = |n: u64| if f.compared == 0 { 0.0 } else { n as f64 * 100.0 / f.compared as f64 };
        let _ = writeln!(out, "{}", f.service);
        let _ = writeln!(
            out,
            "  incidents {}: by location {} ({} ambiguous), by area code {}, default {}, no coverage {}",
            f.incidents, f.by_location, f.ambiguous, f.by_area_code, f.by_default, f.no_coverage
        );
        if f.compared > 0 {
            let _ = writeln!(
                out,
                "  compared with area-code routing: {}; routed elsewhere {} ({:.1}%)",
                f.compared,
                f.elsewhere,
                pct(f.elsewhere)
            );
            for (from, to, n) in &f.flows {
                let _ = writeln!(out, "    {from} -> {to}: {n}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use domain::{CallbackNumber, Location, RouteShare, RouteTier, Text};

    use domain::Channel;

    use super::*;

    fn route(agency: AgencyId, basis: RouteBasis, legacy: Option<AgencyId>) -> Route {
        Route {
            service: "urn:service:counseling.suicide".into(),
            tiers: vec![RouteTier { agency, answer_within_s: 60 }],
            basis,
            candidates: vec![RouteShare { agency, share_permille: 1000 }],
            outside_permille: 0,
            by_area_code: legacy,
            rule: Text::default(),
        }
    }

    #[test]
    fn the_latest_route_of_each_incident_in_the_window_counts_once() {
        let t = |ms: i64| Timestamp::from_millis(1_764_000_000_000 + ms);
        let (ksphq, jcmhc) = (AgencyId::new(t(0)), AgencyId::new(t(1)));
        let opened = |channel| EventKind::Opened {
            channel,
            location: Location::Unknown,
            callback: CallbackNumber::parse("913-555-0100").ok(),
            summary: Text::default(),
        };
        let window = Window { from: Some(t(0)), to: Some(t(100)), channel: Some(Channel::Nine88) };
        let mut tally = Tally::new(window);
        let (a, b, c, d) = (
            IncidentId::new(t(0)),
            IncidentId::new(t(0)),
            IncidentId::new(t(0)),
            IncidentId::new(t(0)),
        );
        // a: first by area code to JCMHC, then a better location routes it to KSPHQ.
        tally.add(a, t(1), &opened(Channel::Nine88));
        tally.add(a, t(1), &EventKind::Routed(route(jcmhc, RouteBasis::AreaCode, Some(jcmhc))));
        tally.add(a, t(5), &EventKind::Routed(route(ksphq, RouteBasis::Location, Some(jcmhc))));
        // b: georouting agrees with the area code.
        tally.add(b, t(2), &opened(Channel::Nine88));
        tally.add(b, t(2), &EventKind::Routed(route(jcmhc, RouteBasis::Location, Some(jcmhc))));
        // c: a 911 call, d: opened after the window — neither counts.
        tally.add(c, t(3), &opened(Channel::Nine11));
        tally.add(c, t(3), &EventKind::Routed(route(ksphq, RouteBasis::Location, Some(jcmhc))));
        tally.add(d, t(100), &opened(Channel::Nine88));
        tally.add(d, t(100), &EventKind::Routed(route(ksphq, RouteBasis::Location, Some(jcmhc))));

        let name = |id: AgencyId| if id == ksphq { "ksphq".to_owned() } else { "jcmhc".to_owned() };
        let figures = tally.figures(&name);
        assert_eq!(figures.len(), 1);
        let f = &figures[0];
        assert_eq!(
            (f.incidents, f.by_location, f.by_area_code, f.compared, f.elsewhere),
            (2, 2, 0, 2, 1)
        );
        assert_eq!(f.flows, [("jcmhc".to_owned(), "ksphq".to_owned(), 1)]);
    }
}
