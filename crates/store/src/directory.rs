//! The directory: agencies, their users and teams, the areas they serve, and login sessions.
//! This is configuration, changed by administrators, not a history of incidents.

use async_trait::async_trait;
use domain::{Agency, AgencyId, Role, TeamId, Timestamp, UserId};

use crate::Result;

/// A person (or device) who can log in, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub agency: AgencyId,
    pub role: Role,
    /// PHC string of an argon2id hash; the password itself is never stored.
    pub password_hash: String,
    pub login: LoginState,
    /// When an administrator disabled the user: no login, no session.
    pub disabled_at: Option<Timestamp>,
    /// The user's authenticator secret (RFC 6238, base32), once enrolled.
    pub totp_secret: Option<String>,
}

/// An administrator's change to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    /// Refuse the user's logins from `at`, and end their sessions.
    Disable { at: Timestamp },
    /// Allow logins again.
    Enable,
    /// Clear failed attempts and any lock.
    Unlock,
    /// A new password (its argon2id hash): ends every session, clears failures and lock.
    Password { hash: String },
    /// An authenticator enrolled (its base32 secret), or removed (`None`, which ends every
    /// session: the user enrols again at the next login when their role needs one).
    Totp { secret: Option<String> },
}

/// Failed logins since the last success, and the lock they caused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    pub failed_attempts: u32,
    pub locked_until: Option<Timestamp>,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub agency: AgencyId,
    pub role: Role,
    pub password_hash: String,
}

/// A login session. The token is known only to its holder; we keep its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user: UserId,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
}

/// A session with the user it belongs to and the user's agency: everything a request needs to
/// know about who is asking, read in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionContext {
    pub session: Session,
    pub user: User,
    pub agency: Agency,
}

/// A mobile crisis team of a provider agency.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: TeamId,
    pub provider: AgencyId,
    pub name: String,
    /// Skills such as `youth`, `spanish`, `peer`, `emt`.
    pub capabilities: Vec<String>,
    /// Where the team waits between calls: dispatch's assumed position when its GPS is
    /// unknown or too old.
    pub home_base: Option<domain::GeoPoint>,
    /// Who is on the team, as the dispatcher knows them ("J. Ortiz, LCSW").
    pub members: Vec<String>,
}

/// A named area with its boundary, e.g. a county by FIPS code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// Stable code, e.g. the 5-digit county FIPS `20045`.
    pub code: String,
    pub name: String,
    /// The boundary as a GeoJSON geometry (Polygon or MultiPolygon), lon/lat.
    pub geometry_geojson: String,
}

/// "This agency serves this area for this service, at this tier."
///
/// Tier 0 is the primary; tier 1 takes what tier 0 does not answer within its
/// `answer_within_s`, and so on (a 988 center → the state's backup → the national backup).
/// Each (service, area, tier) has one agency.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServiceArea {
    /// A LoST service URN, e.g. `urn:service:sos` or `urn:service:counseling.suicide`.
    pub service: String,
    /// What is served — one of:
    /// - an [`Area`] code, e.g. the county FIPS `20045`;
    /// - [`DEFAULT_AREA`]: the default for locations no area serves;
    /// - `npa:` and a North American area code, e.g. `npa:785`: where a caller with that area
    ///   code was routed before georouting (the legacy 988 comparison), and where a contact
    ///   with no location at all goes.
    pub area: String,
    pub tier: u8,
    pub agency: AgencyId,
    /// Seconds this tier has to answer an offer before the next tier is tried.
    pub answer_within_s: u32,
}

/// Which state of the routing data (areas, service areas, agencies) a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutingVersion {
    /// Grows by at least one with every change.
    pub version: u64,
    /// When the latest change was made, by the database's clock.
    pub changed_at: Timestamp,
}

/// The [`ServiceArea::area`] of a service's default, for locations no area serves.
pub const DEFAULT_AREA: &str = "*";
/// The prefix of an area-code key in [`ServiceArea::area`].
pub const AREA_CODE_PREFIX: &str = "npa:";

/// The service of mobile crisis teams. No registry has one (IANA's `urn:service` labels need a
/// Standards Action, NENA's list has none), so Crisisbridge uses this local URN, outside both.
pub const MOBILE_CRISIS_SERVICE: &str = "urn:crisisbridge:service:mobile-crisis";

/// A URN of three or more non-empty, space-free parts: `urn:service:sos`, or a local one such
/// as [`MOBILE_CRISIS_SERVICE`].
pub fn is_service_urn(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() >= 3
        && parts.first().is_some_and(|p| p.eq_ignore_ascii_case("urn"))
        && parts.iter().all(|p| !p.is_empty())
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The most seconds a tier may be given to answer: beyond it a caller waits too long.
pub const MAX_ANSWER_WITHIN_S: u32 = 3600;

/// Checks the rules [`Directory::set_service_areas`] keeps, before anything is written: per
/// (service, area) the tiers are numbered 0, 1, 2… without gaps or repeats and name an agency
/// at most once; answer times are 1 to [`MAX_ANSWER_WITHIN_S`] seconds; the service is a URN
/// ([`is_service_urn`]); the area is a code, [`DEFAULT_AREA`] or `npa:` and three digits.
pub fn check_service_areas(service_areas: &[ServiceArea]) -> Result<()> {
    use std::collections::BTreeMap;
    let invalid = |message: String| Err(crate::StoreError::Invalid(message));
    let mut pairs: BTreeMap<(&str, &str), Vec<&ServiceArea>> = BTreeMap::new();
    for s in service_areas {
        if !is_service_urn(&s.service) {
            return invalid(format!(
                "service {:?} is not a service URN; use one like urn:service:sos, urn:service:counseling.suicide or {MOBILE_CRISIS_SERVICE}",
                s.service
            ));
        }
        if let Some(npa) = s.area.strip_prefix(AREA_CODE_PREFIX) {
            if npa.len() != 3 || !npa.bytes().all(|b| b.is_ascii_digit()) {
                return invalid(format!(
                    "area {:?}: an area-code key is npa: and three digits, e.g. npa:785",
                    s.area
                ));
            }
        } else if s.area.trim().is_empty() || s.area.trim() != s.area {
            return invalid(format!("area {:?}: an area code must not be empty or padded", s.area));
        }
        if !(1..=MAX_ANSWER_WITHIN_S).contains(&s.answer_within_s) {
            return invalid(format!(
                "{} in {}, tier {}: answer_within_s {} is out of range [1, {MAX_ANSWER_WITHIN_S}]",
                s.service, s.area, s.tier, s.answer_within_s
            ));
        }
        pairs.entry((&s.service, &s.area)).or_default().push(s);
    }
    for ((service, area), mut tiers) in pairs {
        tiers.sort_by_key(|s| s.tier);
        for (expected, s) in tiers.iter().enumerate() {
            if usize::from(s.tier) != expected {
                return invalid(format!(
                    "{service} in {area}: tiers must be numbered 0, 1, 2… without gaps or repeats; found tier {} where tier {expected} belongs",
                    s.tier
                ));
            }
            if tiers.iter().take(expected).any(|earlier| earlier.agency == s.agency) {
                return invalid(format!(
                    "{service} in {area}: agency {} is named at two tiers; each tier is a different agency",
                    s.agency
                ));
            }
        }
    }
    Ok(())
}

/// Agencies, users, teams, areas and sessions.
/// Another system's incident id, as one agency sent it, and the incident it names here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    pub agency: AgencyId,
    pub external_id: String,
    pub incident: domain::IncidentId,
}

#[async_trait]
pub trait Directory: Send + Sync + 'static {
    /// Adds an agency; its code must be new.
    async fn put_agency(&self, agency: &Agency) -> Result<()>;
    /// Changes an existing agency's name, kind, time zone and URI (found by id; the code stays).
    async fn update_agency(&self, agency: &Agency) -> Result<()>;
    async fn agency(&self, id: AgencyId) -> Result<Option<Agency>>;
    async fn agency_by_code(&self, code: &str) -> Result<Option<Agency>>;
    /// Every agency, by code.
    async fn agencies(&self) -> Result<Vec<Agency>>;

    /// Adds a user; the username must be new.
    async fn put_user(&self, user: &NewUser) -> Result<User>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    /// The user whose username matches, ignoring ASCII case.
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    /// Applies an administrator's change in one transaction (with the user's sessions ended
    /// where the change says so); `None` when no such user exists.
    async fn change_user(&self, user: UserId, change: &UserChange) -> Result<Option<User>>;
    /// Claims authenticator time step `step` for the user: `false` when it or a later one
    /// was used already (a code is good once).
    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool>;
    /// Every user, by username.
    async fn users(&self) -> Result<Vec<User>>;
    /// Claims one login attempt before the password is checked: atomically counts it, unless
    /// the user is locked at `at` or `max_attempts` are already counted. `false` means refuse
    /// without checking — so parallel guesses cannot outrun the lock. When `max_attempts` are
    /// counted but no lock was set (attempts whose outcome was never recorded: a client that
    /// hung up, a server that stopped), the user is locked from `at` for `lock_for_ms` and the
    /// count starts again — a lock always ends.
    async fn reserve_login_attempt(
        &self,
        user: UserId,
        at: Timestamp,
        max_attempts: u32,
        lock_for_ms: i64,
    ) -> Result<bool>;
    /// The reserved attempt failed: once `lock_after` failures are counted, the user is locked
    /// until `at + lock_for_ms` and the count starts again.
    async fn record_login_failure(
        &self,
        user: UserId,
        at: Timestamp,
        lock_after: u32,
        lock_for_ms: i64,
    ) -> Result<LoginState>;
    /// The reserved attempt succeeded: clears the count, unless the user is locked at `at`
    /// (then `false`: refuse the login).
    async fn record_login_success(&self, user: UserId, at: Timestamp) -> Result<bool>;

    async fn put_session(&self, session: &Session) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<Session>>;
    /// The session, its user and the user's agency, in one read.
    async fn session_context(&self, token_hash: &str) -> Result<Option<SessionContext>>;
    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Adds a team; its id must be new.
    async fn put_team(&self, team: &Team) -> Result<()>;
    /// Replaces a team's name, capabilities, home base and members (its provider stays);
    /// `TeamNotFound` when there is no such team.
    async fn update_team(&self, team: &Team) -> Result<()>;
    async fn team(&self, id: TeamId) -> Result<Option<Team>>;
    /// Teams of one provider, or of all, by name.
    async fn teams(&self, provider: Option<AgencyId>) -> Result<Vec<Team>>;

    /// Adds or replaces areas, all in one transaction.
    async fn put_areas(&self, areas: &[Area]) -> Result<()>;
    /// Every area, by code.
    async fn areas(&self) -> Result<Vec<Area>>;
    /// Sets who serves what: for every (service, area) that appears in `service_areas`, its
    /// tiers become exactly the given ones; other pairs are untouched. One transaction.
    async fn set_service_areas(&self, service_areas: &[ServiceArea]) -> Result<()>;
    /// Every service area, ordered by service, area and tier.
    async fn service_areas(&self) -> Result<Vec<ServiceArea>>;
    /// Replaces the place table of its kind, whole ([`crate::PlaceTable::check`] first).
    /// One transaction; moves the routing version.
    async fn put_place_table(&self, table: &crate::PlaceTable) -> Result<()>;
    /// Every place table, by kind.
    async fn place_tables(&self) -> Result<Vec<crate::PlaceTable>>;
    /// Moves whenever areas, service areas, place tables or agencies change, so every node
    /// can tell when to rebuild its routing table.
    async fn routing_version(&self) -> Result<RoutingVersion>;

    /// The incident another system's `external_id` names for `agency`: the one linked before,
    /// or — when there is none — `candidate`, linked now. Atomic: two imports of one external
    /// incident get the same answer.
    async fn link_external_incident(
        &self,
        agency: AgencyId,
        external_id: &str,
        candidate: domain::IncidentId,
    ) -> Result<domain::IncidentId>;

    /// Every link [`Self::link_external_incident`] made, ordered by agency and external id.
    async fn external_links(&self) -> Result<Vec<ExternalLink>>;

    /// A small key/value note about the deployment, e.g. which seed was loaded.
    async fn setting(&self, key: &str) -> Result<Option<String>>;
    async fn put_setting(&self, key: &str, value: &str) -> Result<()>;
    /// Every setting, by key.
    async fn settings(&self) -> Result<Vec<(String, String)>>;
}
