//! Incidents built through the domain's state machine, the way the server builds them, for
//! the EIDO tests: one per case the mapping distinguishes.

use domain::event::Actor;
use domain::{
    Agency, AgencyId, AgencyKind, CallbackNumber, Channel, Disposition, Event, EventKind, GeoPoint,
    HandoffPayload, Incident, IncidentId, Location, Polygon, Text, Timestamp, TriageOutcome,
    UserId,
};
use interop::eido::ExportContext;

/// 2025-11-24T16:00:00Z.
pub const T0: i64 = 1_764_000_000_000;
pub const ISSUER: &str = "crisisbridge.douglas-county.example";

/// The agencies of a small county, with fixed ids so that snapshots are stable.
pub struct County {
    pub psap: Agency,
    pub center: Agency,
    pub backup_center: Agency,
    pub provider: Agency,
}

fn agency(id: &str, code: &str, name: &str, kind: AgencyKind, uri: Option<&str>) -> Agency {
    Agency {
        id: id.parse().unwrap(),
        code: code.into(),
        name: name.into(),
        kind,
        time_zone: "America/Chicago".into(),
        uri: uri.map(str::to_owned),
    }
}

pub fn county() -> County {
    County {
        psap: agency(
            "019ab6f0-0000-7000-8000-000000000001",
            "psap-douglas",
            "Douglas County Emergency Communications",
            AgencyKind::Psap,
            Some("sip:psap@douglas-county.example"),
        ),
        center: agency(
            "019ab6f0-0000-7000-8000-000000000002",
            "ksphq",
            "Kansas Suicide Prevention HQ",
            AgencyKind::CrisisCenter,
            Some("tel:+17858413990"),
        ),
        backup_center: agency(
            "019ab6f0-0000-7000-8000-000000000003",
            "backup-988",
            "Backup 988 Center",
            AgencyKind::CrisisCenter,
            None,
        ),
        provider: agency(
            "019ab6f0-0000-7000-8000-000000000004",
            "mct-bert",
            "Bert Nash Mobile Crisis",
            AgencyKind::MobileCrisisProvider,
            Some("https://bertnash.example/dispatch"),
        ),
    }
}

impl County {
    pub fn context(&self) -> ExportContext {
        let all = [&self.psap, &self.center, &self.backup_center, &self.provider];
        ExportContext::new(ISSUER, all.into_iter().cloned().collect()).unwrap()
    }
}

/// An incident and the time of its next event.
pub struct Story {
    pub incident: Incident,
    user: UserId,
    at: i64,
}

pub fn text(s: &str) -> Text {
    Text::parse(s, Text::SUMMARY_MAX).unwrap()
}

pub fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint::parse(lat, lon).unwrap()
}

pub fn circle() -> Location {
    Location::circle(point(38.971_7, -95.235_3), 30.0).unwrap()
}

/// A cell sector west of Lawrence, counter-clockwise.
pub fn sector() -> Location {
    Location::Polygon(
        Polygon::parse(vec![
            point(38.95, -95.40),
            point(38.93, -95.30),
            point(38.99, -95.28),
            point(39.01, -95.36),
        ])
        .unwrap(),
    )
}

impl Story {
    pub fn open(
        id: &str,
        by: &Agency,
        channel: Channel,
        location: Location,
        summary: &str,
    ) -> Self {
        let incident: IncidentId = id.parse().unwrap();
        let user: UserId = "019ab6f0-0000-7000-8000-0000000000aa".parse().unwrap();
        let opened = Event {
            incident,
            at: Timestamp::from_millis(T0),
            actor: Actor::User(user),
            agency: by.id,
            kind: EventKind::Opened {
                channel,
                location,
                callback: Some(CallbackNumber::parse("785-555-0100").unwrap()),
                summary: text(summary),
            },
        };
        Self { incident: Incident::open(&opened).unwrap(), user, at: T0 }
    }

    pub fn without_callback(mut self) -> Self {
        self.incident.callback = None;
        self
    }

    /// Applies `kind` for `agency`, one minute after the previous event.
    pub fn then(mut self, agency: AgencyId, kind: EventKind) -> Self {
        self.at += 60_000;
        let event = Event {
            incident: self.incident.id,
            at: Timestamp::from_millis(self.at),
            actor: Actor::User(self.user),
            agency,
            kind,
        };
        self.incident.apply(&event).unwrap_or_else(|e| panic!("{e}: {event:?}"));
        self
    }

    pub fn triaged(self, agency: AgencyId, outcome: TriageOutcome, yes: &[&str]) -> Self {
        let answers = ["attempt_in_progress", "violence", "weapon", "desire", "intent"]
            .into_iter()
            .map(|q| (q.to_owned(), if yes.contains(&q) { "yes" } else { "no" }.to_owned()))
            .collect();
        self.then(
            agency,
            EventKind::TriageRecorded {
                outcome,
                protocol: "ks-911-behavioral-health-diversion".into(),
                protocol_version: 3,
                rule: "some-rule".into(),
                answers,
            },
        )
    }

    pub fn offered(self, from: AgencyId, to: AgencyId) -> Self {
        let deadline = Timestamp::from_millis(self.at + 60_000 + 120_000);
        self.then(
            from,
            EventKind::TransferOffered {
                to,
                reason: text("caller consents to talk with 988"),
                deadline,
                service: Some("urn:service:counseling.suicide".into()),
                then: Vec::new(),
                destination: domain::Destination::Crisis988,
                until_taken: false,
            },
        )
    }

    pub fn closed(self, agency: AgencyId, disposition: Disposition, remark: &str) -> Self {
        self.then(agency, EventKind::Closed { disposition, remark: text(remark) })
    }

    pub fn note(self, agency: AgencyId, note: &str) -> Self {
        self.then(
            agency,
            EventKind::NoteAdded { text: text(note), audience: domain::NoteAudience::Involved },
        )
    }
}

/// Every case the mapping tells apart, by name.
pub fn all(c: &County) -> Vec<(&'static str, Incident)> {
    vec![
        ("911 circle, team dispatched", nine11_with_team(c)),
        ("988 polygon, emergency handoff", nine88_handoff(c)),
        ("911 closed", closed(c)),
        ("911 transferred to 988", transferred(c)),
        ("911 offered to 988", offered(c)),
        ("911 unknown location", unknown_location(c)),
        ("911 opened by a 988 handoff", opened_by_handoff(c)),
        ("911 violence", violence(c)),
    ]
}

pub fn nine11_with_team(c: &County) -> Incident {
    Story::open(
        "019ab6f0-1111-7000-8000-000000000001",
        &c.psap,
        Channel::Nine11,
        circle(),
        "Caller's brother is <upset> & talking about \"ending it\".\nNo weapons seen.",
    )
    .triaged(c.psap.id, TriageOutcome::MobileCrisis, &[])
    .then(
        c.psap.id,
        EventKind::TeamDispatched {
            team: "019ab6f0-0000-7000-8000-0000000000b1".parse().unwrap(),
            provider: c.provider.id,
        },
    )
    .note(c.provider.id, "Team en route, ETA 12 min.")
    .incident
}

pub fn nine88_handoff(c: &County) -> Incident {
    Story::open(
        "019ab6f0-1111-7000-8000-000000000002",
        &c.center,
        Channel::Nine88,
        sector(),
        "CLINICAL: history of attempts, lives alone",
    )
    .triaged(c.center.id, TriageOutcome::EmergencyHandoff, &["desire", "intent"])
    .note(c.center.id, "CLINICAL: safety plan refused")
    .then(
        c.center.id,
        EventKind::EmergencyHandoffStarted {
            handoff: "019ab6f0-1111-7000-8000-000000000007".parse().unwrap(),
        },
    )
    .incident
}

pub fn closed(c: &County) -> Incident {
    Story::open(
        "019ab6f0-1111-7000-8000-000000000003",
        &c.psap,
        Channel::Nine11,
        circle(),
        "Neighbour reports a man shouting in the street.",
    )
    .triaged(c.psap.id, TriageOutcome::EmbeddedClinician, &[])
    .closed(c.psap.id, Disposition::Referred, "Referred to Bert Nash outpatient clinic.")
    .incident
}

pub fn transferred(c: &County) -> Incident {
    Story::open(
        "019ab6f0-1111-7000-8000-000000000004",
        &c.psap,
        Channel::Nine11,
        circle(),
        "Caller feels overwhelmed, wants to talk to someone.",
    )
    .triaged(c.psap.id, TriageOutcome::Divert988, &[])
    .offered(c.psap.id, c.center.id)
    .then(c.center.id, EventKind::TransferAccepted)
    .incident
}

pub fn offered(c: &County) -> Incident {
    Story::open(
        "019ab6f0-1111-7000-8000-000000000005",
        &c.psap,
        Channel::Nine11,
        sector(),
        "Caller wants to talk to a counselor.",
    )
    .triaged(c.psap.id, TriageOutcome::Divert988, &[])
    .offered(c.psap.id, c.backup_center.id)
    .then(c.backup_center.id, EventKind::TransferDeclined { reason: text("no counselor free") })
    .then(c.psap.id, EventKind::TransferReturned { reason: text("nobody took the incident") })
    .offered(c.psap.id, c.center.id)
    .incident
}

pub fn unknown_location(c: &County) -> Incident {
    Story::open(
        "019ab6f0-1111-7000-8000-000000000006",
        &c.psap,
        Channel::Nine11,
        Location::Unknown,
        "",
    )
    .without_callback()
    .incident
}

pub fn opened_by_handoff(c: &County) -> Incident {
    let payload = HandoffPayload {
        location: sector(),
        callback: CallbackNumber::parse("+1 785 555 0111").ok(),
        hazards: vec![text("firearm in the home")],
        reason: text("caller has taken pills"),
    };
    let incident: IncidentId = "019ab6f0-1111-7000-8000-000000000007".parse().unwrap();
    let opened = Event {
        incident,
        at: Timestamp::from_millis(T0 + 300_000),
        actor: Actor::System,
        agency: c.psap.id,
        kind: payload.opened(),
    };
    let mut story = Story {
        incident: Incident::open(&opened).unwrap(),
        user: "019ab6f0-0000-7000-8000-0000000000aa".parse().unwrap(),
        at: T0 + 300_000,
    };
    story = story.then(
        c.psap.id,
        EventKind::HandedOffFrom {
            incident: "019ab6f0-1111-7000-8000-000000000002".parse().unwrap(),
        },
    );
    story.incident
}

pub fn violence(c: &County) -> Incident {
    Story::open(
        "019ab6f0-1111-7000-8000-000000000008",
        &c.psap,
        Channel::Nine11,
        circle(),
        "Son is breaking things and threatening his father.",
    )
    .triaged(c.psap.id, TriageOutcome::LawEnforcement, &["violence"])
    .incident
}
