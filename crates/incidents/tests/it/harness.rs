//! `World`: an incident service over a fresh SQLite file, with a PSAP, a 988 center, a backup
//! 988 center and a mobile crisis provider, two square areas they serve, a team, and a caller
//! for each role the tests need; the clock moves only when a test moves it.

use std::sync::{Arc, Mutex};

use domain::{
    Agency, AgencyId, AgencyKind, CallbackNumber, Channel, Clock, GeoPoint, IncidentId, Location,
    Role, TeamId, Text, Timestamp, UserId,
};
use incidents::routing::Routing;
use incidents::{Caller, DispatchSettings, IncidentService, NewIncident};
use store::{Directory, NewUser, Store, Team};
use store_sql::SqliteStore;

/// A clock the test moves by hand.
#[derive(Debug, Default)]
pub struct TestClock(Mutex<i64>);

impl TestClock {
    pub fn advance_ms(&self, ms: i64) {
        *self.0.lock().unwrap() += ms;
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(1_764_000_000_000 + *self.0.lock().unwrap())
    }
}

pub struct World {
    pub service: IncidentService,
    pub store: Arc<SqliteStore>,
    pub clock: Arc<TestClock>,
    pub psap: Agency,
    pub center: Agency,
    pub backup: Agency,
    pub provider: Agency,
    /// The configured default PSAP for locations no area serves.
    pub default_psap: Agency,
    pub team: TeamId,
    _dir: tempfile::TempDir,
}

fn agency(code: &str, kind: AgencyKind) -> Agency {
    Agency {
        id: AgencyId::new(Timestamp::from_millis(1)),
        code: code.into(),
        name: format!("{code} agency"),
        kind,
        time_zone: "America/Chicago".into(),
        uri: None,
    }
}

/// A one-degree square in Kansas, lon `west..west+1`, lat 38..39.
fn square(code: &str, west: f64) -> store::Area {
    let e = west + 1.0;
    store::Area {
        code: code.into(),
        name: format!("{code} county"),
        geometry_geojson: format!(
            r#"{{"type":"Polygon","coordinates":[[[{west},38.0],[{e},38.0],[{e},39.0],[{west},39.0],[{west},38.0]]]}}"#
        ),
    }
}

impl World {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("w.db")).await.unwrap());
        let psap = agency("psap-20045", AgencyKind::Psap);
        let center = agency("ksphq", AgencyKind::CrisisCenter);
        let backup = agency("988-backup", AgencyKind::CrisisCenter);
        let provider = agency("mct-douglas", AgencyKind::MobileCrisisProvider);
        let default_psap = agency("psap-state", AgencyKind::Psap);
        for a in [&psap, &center, &backup, &provider, &default_psap] {
            store.put_agency(a).await.unwrap();
        }
        let tier = |service: &str, tier: u8, agency: &Agency| store::ServiceArea {
            service: service.into(),
            area: "west".into(),
            tier,
            agency: agency.id,
            answer_within_s: 30,
        };
        store.put_areas(&[square("west", -96.0)]).await.unwrap();
        store
            .set_service_areas(&[
                tier("urn:service:sos", 0, &psap),
                tier("urn:service:counseling.suicide", 0, &center),
                tier("urn:service:counseling.suicide", 1, &backup),
                tier(store::MOBILE_CRISIS_SERVICE, 0, &provider),
                store::ServiceArea {
                    service: "urn:service:sos".into(),
                    area: store::DEFAULT_AREA.into(),
                    tier: 0,
                    agency: default_psap.id,
                    answer_within_s: 20,
                },
            ])
            .await
            .unwrap();
        let team = TeamId::new(Timestamp::from_millis(1));
        store
            .put_team(&Team {
                id: team,
                provider: provider.id,
                name: "Team 1".into(),
                capabilities: Vec::new(),
                home_base: Some(GeoPoint::parse(38.5, -95.5).unwrap()),
                members: Vec::new(),
            })
            .await
            .unwrap();
        let clock = Arc::new(TestClock::default());
        let routing = Routing::load(store.clone() as Arc<dyn Store>).await.unwrap();
        let service = IncidentService::new(
            store.clone() as Arc<dyn Store>,
            clock.clone() as Arc<dyn Clock>,
            routing,
            DispatchSettings::default(),
        );
        Self {
            service,
            store,
            clock,
            psap,
            center,
            backup,
            provider,
            default_psap,
            team,
            _dir: dir,
        }
    }

    /// The database file, to open it again as a restarted node would.
    pub fn database(&self) -> std::path::PathBuf {
        self._dir.path().join("w.db")
    }

    /// A caller of `agency` in `role` (users need not exist for most commands).
    pub fn caller(&self, agency: &Agency, role: Role) -> Caller {
        Caller { user: UserId::new(Timestamp::from_millis(2)), role, agency: agency.clone() }
    }

    /// A caller who exists in the directory, for commands that look users up.
    pub async fn user(&self, agency: &Agency, role: Role, username: &str) -> Caller {
        let id = UserId::new(Timestamp::from_millis(3));
        self.store
            .put_user(&NewUser {
                id,
                username: username.into(),
                display_name: username.into(),
                agency: agency.id,
                role,
                password_hash: "x".into(),
            })
            .await
            .unwrap();
        Caller { user: id, role, agency: agency.clone() }
    }

    pub fn call_taker(&self) -> Caller {
        self.caller(&self.psap, Role::CallTaker)
    }

    /// Opens a 911 call inside "west" as the PSAP's call-taker.
    pub async fn open_911(&self) -> IncidentId {
        self.open(Channel::Nine11, &self.call_taker()).await
    }

    pub async fn open(&self, channel: Channel, caller: &Caller) -> IncidentId {
        let new = NewIncident {
            channel,
            location: Location::circle(GeoPoint::parse(38.5, -95.5).unwrap(), 30.0).unwrap(),
            callback: CallbackNumber::parse("785-555-0100").ok(),
            summary: Text::parse("a person in crisis", Text::SUMMARY_MAX).unwrap(),
            contact: domain::ContactDetails::default(),
            address: None,
        };
        self.service.open(caller, new).await.unwrap().incident.id
    }
}

pub fn text(s: &str) -> Text {
    Text::parse(s, Text::SHORT_MAX).unwrap()
}

/// Records a triage decision as a protocol would have: a fixture for what follows a decision
/// (deciding itself is tested in `triage.rs`).
pub async fn record_triage(w: &World, id: IncidentId, outcome: domain::TriageOutcome) {
    let event = domain::Event {
        incident: id,
        at: w.clock.now(),
        actor: domain::event::Actor::System,
        agency: w.psap.id,
        kind: domain::EventKind::TriageRecorded {
            outcome,
            protocol: "test-protocol".into(),
            protocol_version: 1,
            rule: "test-rule".into(),
            answers: Vec::new(),
        },
    };
    store::EventLog::append(&*w.store, vec![event]).await.unwrap();
}

/// The shipped 911 diversion protocol, active for the PSAP.
pub async fn activate_shipped_911(w: &World) {
    let admin = w.user(&w.psap, Role::Admin, "admin").await;
    let source = include_str!("../../../../protocols/ks-911-behavioral-health-diversion.toml");
    let stored = store::ProtocolStore::put_protocol_version(
        &*w.store,
        &store::NewProtocolVersion {
            agency: w.psap.id,
            protocol_id: "ks-911-behavioral-health-diversion".into(),
            channel: Channel::Nine11,
            source: source.into(),
            uploaded_at: w.clock.now(),
            uploaded_by: admin.user,
            check_passed: true,
            check_report: String::new(),
        },
    )
    .await
    .unwrap();
    store::ProtocolStore::activate_protocol(
        &*w.store,
        w.psap.id,
        &stored.protocol_id,
        stored.version,
        w.clock.now(),
        admin.user,
    )
    .await
    .unwrap();
}

/// Answers to the shipped 911 protocol: nothing unsafe, the caller consents; `changes`
/// replace answers.
pub fn answers_911(changes: &[(&str, triage::AnswerInput)]) -> Vec<(String, triage::AnswerInput)> {
    use triage::AnswerInput::{Bool, Text};
    let mut answers: Vec<(String, triage::AnswerInput)> = [
        ("attempt_in_progress", Bool(false)),
        ("medical", Bool(false)),
        ("violence", Bool(false)),
        ("crime", Bool(false)),
        ("weapon", Bool(false)),
        ("risk", Text("low".into())),
        ("welfare_entry", Bool(false)),
        ("age_band", Text("adult".into())),
        ("requests_police", Bool(false)),
        ("in_person", Bool(false)),
        ("consent", Bool(true)),
    ]
    .into_iter()
    .map(|(q, a)| (q.to_owned(), a))
    .collect();
    for (q, a) in changes {
        if let Some(slot) = answers.iter_mut().find(|(id, _)| id == q) {
            slot.1 = a.clone();
        }
    }
    answers
}
