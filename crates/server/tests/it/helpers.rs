//! `TestApp`: a server on port 0 over a fresh SQLite store, with a PSAP, a 988 center and a
//! mobile crisis provider, and a user for each role test needs.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use domain::{Agency, AgencyId, AgencyKind, Clock, Role, TeamId, Timestamp, UserId};
use futures_util::StreamExt;
use reqwest::{Client, Response};
use serde_json::{Value, json};
use server::{Application, Settings};
use store::{Directory, NewUser, Store, Team};
use store_sql::SqliteStore;

pub const PASSWORD: &str = "correct horse battery staple";

/// Builds the server over `store` and runs it in a task.
async fn serve(
    store: Arc<SqliteStore>,
    clock: Arc<TestClock>,
    listen: &str,
    auto_assign: &[String],
    configure: &Configure,
) -> (SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
    let mut settings = Settings {
        listen: listen.parse().unwrap(),
        auto_assign: auto_assign.to_vec(),
        auto_assign_check: std::time::Duration::from_millis(50),
        stream_session_check: std::time::Duration::from_millis(100),
        routing_refresh: std::time::Duration::from_millis(50),
        transfer_check: std::time::Duration::from_millis(20),
        ..Settings::default()
    };
    configure(&mut settings);
    let app = Application::build(settings, store as Arc<dyn Store>, clock).await.unwrap();
    let addr = app.local_addr().unwrap();
    (addr, tokio::spawn(app.run_until_stopped(std::future::pending())))
}

/// Changes a test's server settings from the defaults.
pub type Configure = Arc<dyn Fn(&mut Settings) + Send + Sync>;

/// One argon2 hash for every test user: hashing is slow on purpose.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| server::auth::hash_password(PASSWORD).unwrap()).clone()
}

/// A clock the test moves by hand, to expire sessions and unlock accounts without waiting.
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

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: Client,
    pub store: Arc<SqliteStore>,
    pub clock: Arc<TestClock>,
    pub psap: Agency,
    pub center: Agency,
    pub provider: Agency,
    /// A second 988 center: the backup tier behind `center`, and the 988 default.
    pub backup: Agency,
    /// Runs one crisis facility, `facility_id` (a crisis stabilization unit in Lawrence).
    pub facility: Agency,
    pub facility_id: uuid::Uuid,
    pub team: Team,
    /// The providers the server auto-assigns for.
    auto_assign: Vec<String>,
    /// What the test changed in the settings, for [`TestApp::restart`].
    configure: Configure,
    /// The running server, for [`TestApp::restart`].
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

pub fn agency(code: &str, kind: AgencyKind) -> Agency {
    Agency {
        id: AgencyId::new(Timestamp::from_millis(1)),
        code: code.into(),
        name: format!("{code} agency"),
        kind,
        time_zone: "America/Chicago".into(),
        uri: None,
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_inner(false, Vec::new(), Arc::new(|_| {})).await
    }

    /// Like [`TestApp::spawn`], with settings the test changes.
    pub async fn spawn_with(configure: impl Fn(&mut Settings) + Send + Sync + 'static) -> Self {
        Self::spawn_inner(false, Vec::new(), Arc::new(configure)).await
    }

    /// Like [`TestApp::spawn`], with auto-assignment on for the mobile crisis provider.
    pub async fn spawn_auto_assigning() -> Self {
        Self::spawn_inner(false, vec!["mct-douglas".to_owned()], Arc::new(|_| {})).await
    }

    /// Also loads two adjacent one-degree squares in Kansas: "west" (lon -96..-95) served by
    /// the PSAP, "east" (lon -95..-94) by the other PSAP, both by the 988 center with the
    /// backup center as its second tier (45 s each). The backup is the 988 default; area
    /// code 785 goes to the center and 913 to the backup.
    pub async fn spawn_with_areas() -> Self {
        Self::spawn_inner(true, Vec::new(), Arc::new(|_| {})).await
    }

    /// [`TestApp::spawn_with_areas`] with settings the test changes.
    pub async fn spawn_with_areas_and(
        configure: impl Fn(&mut Settings) + Send + Sync + 'static,
    ) -> Self {
        Self::spawn_inner(true, Vec::new(), Arc::new(configure)).await
    }

    async fn spawn_inner(with_areas: bool, auto_assign: Vec<String>, configure: Configure) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("test.db")).await.unwrap());
        let psap = agency("psap-20045", AgencyKind::Psap);
        let center = agency("ksphq", AgencyKind::CrisisCenter);
        let provider = agency("mct-douglas", AgencyKind::MobileCrisisProvider);
        let other_psap = agency("psap-20091", AgencyKind::Psap);
        let backup = agency("988-backup", AgencyKind::CrisisCenter);
        let facility = agency("trc", AgencyKind::CrisisFacility);
        for a in [&psap, &center, &provider, &other_psap, &backup, &facility] {
            store.put_agency(a).await.unwrap();
        }
        let facility_id = uuid::Uuid::now_v7();
        let trc = domain::facility::Facility {
            id: facility_id,
            agency: facility.id,
            code: "trc".into(),
            name: "Treatment and Recovery Center".into(),
            kind: domain::facility::FacilityKind::CrisisStabilization,
            address: "1000 W 2nd St, Lawrence, KS".into(),
            location: domain::GeoPoint::parse(38.9706, -95.2468).unwrap(),
            hours: "24/7".into(),
            always_open: true,
            accepts: domain::facility::Accepts::default(),
            availability: domain::facility::Availability {
                status: domain::facility::FacilityStatus::Accepting,
                beds_free: Some(3),
                chairs_free: None,
                updated_at: Timestamp::from_millis(1_764_000_000_000),
                updated_by: None,
            },
        };
        store::Facilities::put_facilities(&*store, &[trc], true).await.unwrap();
        let team = Team {
            id: TeamId::new(Timestamp::from_millis(1)),
            provider: provider.id,
            name: "Team Lawrence 1".into(),
            capabilities: vec!["youth".into()],
            home_base: Some(domain::GeoPoint::parse(38.9717, -95.2353).unwrap()),
            members: Vec::new(),
        };
        store.put_team(&team).await.unwrap();
        for (username, role, agency) in [
            ("calltaker", Role::CallTaker, &psap),
            ("clinician", Role::Clinician, &psap),
            ("clinician2", Role::Clinician, &psap),
            ("supervisor", Role::Supervisor, &psap),
            ("admin", Role::Admin, &psap),
            ("counselor", Role::Counselor, &center),
            ("backup-counselor", Role::Counselor, &backup),
            ("navigator", Role::CareNavigator, &center),
            ("dispatcher", Role::Dispatcher, &provider),
            ("responder", Role::Responder, &provider),
            ("other", Role::CallTaker, &other_psap),
            ("facility", Role::FacilityStaff, &facility),
        ] {
            store
                .put_user(&NewUser {
                    id: UserId::new(Timestamp::from_millis(1)),
                    username: username.into(),
                    display_name: username.into(),
                    agency: agency.id,
                    role,
                    password_hash: password_hash(),
                })
                .await
                .unwrap();
        }
        if with_areas {
            let mut areas = Vec::new();
            let mut served = Vec::new();
            let tier = |service: &str, area: &str, tier: u8, agency: &Agency| store::ServiceArea {
                service: service.into(),
                area: area.into(),
                tier,
                agency: agency.id,
                answer_within_s: 45,
            };
            let suicide = "urn:service:counseling.suicide";
            for (code, name, west, psap) in
                [("west", "West County", -96.0, &psap), ("east", "East County", -95.0, &other_psap)]
            {
                let ring = format!(
                    "[[{west},38.0],[{e},38.0],[{e},39.0],[{west},39.0],[{west},38.0]]",
                    e = west + 1.0
                );
                areas.push(store::Area {
                    code: code.into(),
                    name: name.into(),
                    geometry_geojson: format!(r#"{{"type":"Polygon","coordinates":[{ring}]}}"#),
                });
                served.push(tier("urn:service:sos", code, 0, psap));
                served.push(tier(suicide, code, 0, &center));
                served.push(tier(suicide, code, 1, &backup));
            }
            served.push(tier(suicide, store::DEFAULT_AREA, 0, &backup));
            served.push(tier(suicide, "npa:785", 0, &center));
            served.push(tier(suicide, "npa:913", 0, &backup));
            store.put_areas(&areas).await.unwrap();
            store.set_service_areas(&served).await.unwrap();
        }
        let clock = Arc::new(TestClock::default());
        let (addr, server) =
            serve(store.clone(), clock.clone(), "127.0.0.1:0", &auto_assign, &configure).await;
        Self {
            configure,
            server,
            auto_assign,
            addr,
            client: Client::new(),
            store,
            clock,
            psap,
            center,
            provider,
            backup,
            facility,
            facility_id,
            team,
            _dir: dir,
        }
    }

    /// Stops the server as a crash would — nothing in memory survives — and starts a new one,
    /// on the same port, over the same database file.
    pub async fn restart(&mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
        let store = Arc::new(SqliteStore::open(&self._dir.path().join("test.db")).await.unwrap());
        let (addr, server) = serve(
            store.clone(),
            self.clock.clone(),
            &self.addr.to_string(),
            &self.auto_assign,
            &self.configure,
        )
        .await;
        (self.store, self.addr, self.server) = (store, addr, server);
        // Connections to the old server are gone.
        self.client = Client::new();
    }

    /// Records a triage decision on an incident, as the protocol would have: a fixture for
    /// what follows a decision (the protocols themselves are tested in `triage.rs`).
    pub async fn record_triage(&self, incident: &str, outcome: domain::TriageOutcome) {
        use store::EventLog;
        let event = domain::Event {
            incident: incident.parse().unwrap(),
            at: self.clock.now(),
            actor: domain::event::Actor::System,
            agency: self.psap.id,
            kind: domain::EventKind::TriageRecorded {
                outcome,
                protocol: "test-protocol".into(),
                protocol_version: 1,
                rule: "test-rule".into(),
                answers: vec![("consent".into(), "yes".into())],
            },
        };
        self.store.append(vec![event]).await.unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn login(&self, username: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/sessions",
                None,
                &json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 201, "login as {username}");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    /// Opens a 911 incident in Lawrence, KS as `token`'s user; returns its id.
    pub async fn open_incident(&self, token: &str) -> String {
        let response = self.post_json("/api/v1/incidents", Some(token), &new_incident()).await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    pub async fn act(&self, token: &str, incident: &str, action: Value) -> Response {
        self.post_json(&format!("/api/v1/incidents/{incident}/actions"), Some(token), &action).await
    }
}

pub fn new_incident() -> Value {
    json!({
        "channel": "911",
        "location": {"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 30},
        "callback_number": "785-555-0100",
        "summary": "caller says her brother is on the roof and talking about ending his life"
    })
}

/// Asserts an error response: status, stable code, and a message containing `says`.
pub async fn assert_error(response: Response, status: u16, code: &str, says: &str) -> Value {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(says), "message {message:?} should contain {says:?}");
    body
}

/// A minimal Server-Sent Events reader over a streaming response.
pub struct SseReader {
    pub body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: String,
}

#[derive(Debug)]
pub struct Message {
    pub id: u64,
    pub event: String,
    pub data: Value,
}

impl SseReader {
    pub async fn open(app: &TestApp, token: &str, query: &str, last_event_id: Option<u64>) -> Self {
        let mut request =
            app.client.get(app.url(&format!("/api/v1/stream{query}"))).bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream")
        );
        Self {
            body: Box::pin(response.bytes_stream().map(|chunk| chunk.map(|b| b.to_vec()))),
            buffer: String::new(),
        }
    }

    /// The next event, or a failed test if none arrives within five seconds.
    pub async fn next(&mut self) -> Message {
        tokio::time::timeout(std::time::Duration::from_secs(5), self.next_inner())
            .await
            .expect("no event within 5 s")
    }

    async fn next_inner(&mut self) -> Message {
        loop {
            let (id, event, data) = self.next_block().await;
            if let Some(id) = id {
                return Message { id, event, data };
            }
        }
    }

    /// The next message of any kind, logged events and team messages (which carry no id)
    /// alike, or a failed test if none arrives within five seconds.
    pub async fn next_message(&mut self) -> (Option<u64>, String, Value) {
        tokio::time::timeout(std::time::Duration::from_secs(5), self.next_block())
            .await
            .expect("no message within 5 s")
    }

    async fn next_block(&mut self) -> (Option<u64>, String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse().unwrap());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return (id, event, serde_json::from_str(&data).unwrap());
            }
            let chunk = self.body.next().await.expect("stream ended").unwrap();
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Asserts that nothing arrives for a moment.
    pub async fn assert_quiet(&mut self) {
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(300), self.next_inner()).await;
        assert!(waited.is_err(), "unexpected event: {:?}", waited.unwrap());
    }
}
