//! Every override of a triage decision — when, by whom, for which agency,
//! against which decision and rule, to which destination, and why — counted by agency and
//! destination; and the alarms raised (transfers returned, imminent-risk handoffs no PSAP took)
//! and how many were acted on. Overrides are the protocol gate's exceptions: a board or a state
//! reads them to see whether the written criteria hold up in practice.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::{AgencyId, AlarmKind, EventKind, IncidentId, Timestamp, UserId, event::Actor};
use serde::Serialize;

use crate::Window;

/// One override, as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideLine {
    pub incident: String,
    pub at: i64,
    pub agency: String,
    pub by: String,
    /// The decision overridden (`outcome (rule)`), or `none` when the call had no decision.
    pub decision: String,
    pub destination: String,
    pub reason: String,
}

/// What the report shows.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub incidents: u64,
    pub decisions: u64,
    pub overrides: Vec<OverrideLine>,
    /// `(agency, destination, count)`, most first.
    pub by_agency: Vec<(String, String, u64)>,
    pub transfers_returned: u64,
    pub handoffs_unanswered: u64,
    pub alarms_resolved: u64,
}

/// An override as seen going by, before names are known.
#[derive(Debug, Clone)]
struct Seen {
    incident: IncidentId,
    at: Timestamp,
    actor: Actor,
    agency: AgencyId,
    decision: Option<(String, String)>,
    destination: String,
    reason: String,
}

/// Counts as events go by.
#[derive(Debug)]
pub struct Tally {
    window: Window,
    counted: HashSet<IncidentId>,
    /// Each counted incident's current decision: `(outcome, rule)`.
    decision: HashMap<IncidentId, (String, String)>,
    decisions: u64,
    overrides: Vec<Seen>,
    returned: u64,
    unanswered: u64,
    resolved: u64,
}

impl Tally {
    pub fn new(window: Window) -> Self {
        Self {
            window,
            counted: HashSet::new(),
            decision: HashMap::new(),
            decisions: 0,
            overrides: Vec::new(),
            returned: 0,
            unanswered: 0,
            resolved: 0,
        }
    }

    pub fn add(
        &mut self,
        incident: IncidentId,
        at: Timestamp,
        actor: Actor,
        agency: AgencyId,
        kind: &EventKind,
    ) {
        if let EventKind::Opened { channel, .. } = kind
            && self.window.counts(at, *channel)
        {
            self.counted.insert(incident);
        }
        if !self.counted.contains(&incident) {
            return;
        }
        match kind {
            EventKind::TriageRecorded { outcome, rule, .. }
            | EventKind::Retriaged { outcome, rule, .. } => {
                self.decisions += 1;
                self.decision.insert(incident, (outcome.as_str().to_owned(), rule.clone()));
            }
            EventKind::DecisionOverridden { destination, reason } => self.overrides.push(Seen {
                incident,
                at,
                actor,
                agency,
                decision: self.decision.get(&incident).cloned(),
                destination: destination.as_str().to_owned(),
                reason: reason.as_str().to_owned(),
            }),
            EventKind::TransferReturned { .. } => self.returned += 1,
            EventKind::AlarmRaised { kind: AlarmKind::HandoffUnanswered, .. } => {
                self.unanswered += 1;
            }
            EventKind::AlarmRaised { kind: AlarmKind::TransferReturned, .. } => self.returned += 1,
            EventKind::AlarmResolved { .. } => self.resolved += 1,
            _ => {}
        }
    }

    pub fn figures(
        &self,
        agency: &dyn Fn(AgencyId) -> String,
        user: &dyn Fn(UserId) -> String,
    ) -> Figures {
        let mut by_agency: BTreeMap<(String, String), u64> = BTreeMap::new();
        let overrides: Vec<OverrideLine> = self
            .overrides
            .iter()
            .map(|o| {
                *by_agency.entry((agency(o.agency), o.destination.clone())).or_default() += 1;
                OverrideLine {
                    incident: o.incident.to_string(),
                    at: o.at.as_millis(),
                    agency: agency(o.agency),
                    by: match o.actor {
                        Actor::User(u) => user(u),
                        Actor::System => "crisisbridge".to_owned(),
                    },
                    decision: o
                        .decision
                        .as_ref()
                        .map_or_else(|| "none".to_owned(), |(out, rule)| format!("{out} ({rule})")),
                    destination: o.destination.clone(),
                    reason: o.reason.clone(),
                }
            })
            .collect();
        let mut by_agency: Vec<(String, String, u64)> =
            by_agency.into_iter().map(|((a, d), n)| (a, d, n)).collect();
        by_agency
            .sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.cmp(&b.1)));
        Figures {
            incidents: self.counted.len() as u64,
            decisions: self.decisions,
            overrides,
            by_agency,
            transfers_returned: self.returned,
            handoffs_unanswered: self.unanswered,
            alarms_resolved: self.resolved,
        }
    }
}

/// The figures as the command line prints them.
pub fn table(f: &Figures) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let pct =
        if f.decisions == 0 { 0.0 } else { f.overrides.len() as f64 * 100.0 / f.decisions as f64 };
    let _ = writeln!(
        out,
        "incidents {}, triage decisions {}, overrides {} ({pct:.1}% of decisions)",
        f.incidents,
        f.decisions,
        f.overrides.len()
    );
    for (agency, destination, n) in &f.by_agency {
        let _ = writeln!(out, "  {agency} -> {destination}: {n}");
    }
    for o in &f.overrides {
        let _ = writeln!(
            out,
            "  {} incident {} by {} of {}: {} overridden to {} — {}",
            interop::datetime::format_datetime(o.at),
            o.incident,
            o.by,
            o.agency,
            o.decision,
            o.destination,
            o.reason
        );
    }
    let _ = writeln!(
        out,
        "alarms: transfers returned {}, imminent-risk handoffs no PSAP took {}, acted on {}",
        f.transfers_returned, f.handoffs_unanswered, f.alarms_resolved
    );
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use domain::{Channel, Destination, Location, Text, TriageOutcome};

    use super::*;

    #[test]
    fn overrides_are_listed_against_the_decision_they_overrode() {
        let t = |ms: i64| Timestamp::from_millis(1_764_000_000_000 + ms);
        let (psap, supervisor) = (AgencyId::new(t(0)), UserId::new(t(0)));
        let (a, b) = (IncidentId::new(t(0)), IncidentId::new(t(0)));
        let mut tally = Tally::new(Window { from: Some(t(0)), to: None, channel: None });
        let opened = EventKind::Opened {
            channel: Channel::Nine11,
            location: Location::Unknown,
            callback: None,
            summary: Text::default(),
        };
        let user = Actor::User(supervisor);
        let decided = EventKind::TriageRecorded {
            outcome: TriageOutcome::LawEnforcement,
            protocol: "p".into(),
            protocol_version: 1,
            rule: "caller-requests-police".into(),
            answers: Vec::new(),
        };
        let over = EventKind::DecisionOverridden {
            destination: Destination::Crisis988,
            reason: Text::parse("caller withdrew the request", 100).unwrap(),
        };
        for (id, kind) in [(a, &opened), (a, &decided), (a, &over), (b, &opened), (b, &decided)] {
            tally.add(id, t(1), user, psap, kind);
        }
        let returned = EventKind::TransferReturned { reason: Text::default() };
        tally.add(b, t(2), Actor::System, psap, &returned);
        let f = tally.figures(&|_| "psap-20045".into(), &|_| "supervisor".into());
        assert_eq!((f.incidents, f.decisions, f.overrides.len()), (2, 2, 1));
        assert_eq!(f.overrides[0].decision, "law_enforcement (caller-requests-police)");
        assert_eq!(f.overrides[0].destination, "988");
        assert_eq!(f.overrides[0].by, "supervisor");
        assert_eq!(f.by_agency, [("psap-20045".to_owned(), "988".to_owned(), 1)]);
        assert_eq!((f.transfers_returned, f.alarms_resolved), (1, 0));
        assert!(table(&f).contains("overrides 1 (50.0% of decisions)"));
    }
}
