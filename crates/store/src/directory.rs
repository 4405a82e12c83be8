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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub provider: AgencyId,
    pub name: String,
    /// Skills such as `youth`, `spanish`, `peer`, `emt`.
    pub capabilities: Vec<String>,
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

/// "This agency serves this area for this service."
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServiceArea {
    pub agency: AgencyId,
    /// A LoST service URN, e.g. `urn:service:sos` or `urn:service:counseling.suicide`.
    pub service: String,
    pub area: String,
}

/// Agencies, users, teams, areas and sessions.
#[async_trait]
pub trait Directory: Send + Sync + 'static {
    /// Adds an agency; its code must be new.
    async fn put_agency(&self, agency: &Agency) -> Result<()>;
    async fn agency(&self, id: AgencyId) -> Result<Option<Agency>>;
    async fn agency_by_code(&self, code: &str) -> Result<Option<Agency>>;
    /// Every agency, by code.
    async fn agencies(&self) -> Result<Vec<Agency>>;

    /// Adds a user; the username must be new.
    async fn put_user(&self, user: &NewUser) -> Result<User>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    /// Every user, by username.
    async fn users(&self) -> Result<Vec<User>>;
    /// Claims one login attempt before the password is checked: atomically counts it, unless
    /// the user is locked at `at` or `max_attempts` are already counted. `false` means refuse
    /// without checking — so parallel guesses cannot outrun the lock.
    async fn reserve_login_attempt(
        &self,
        user: UserId,
        at: Timestamp,
        max_attempts: u32,
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
    async fn team(&self, id: TeamId) -> Result<Option<Team>>;
    /// Teams of one provider, or of all, by name.
    async fn teams(&self, provider: Option<AgencyId>) -> Result<Vec<Team>>;

    /// Adds or replaces an area.
    async fn put_area(&self, area: &Area) -> Result<()>;
    /// Every area, by code.
    async fn areas(&self) -> Result<Vec<Area>>;
    /// Adds a service area (idempotent).
    async fn put_service_area(&self, service_area: &ServiceArea) -> Result<()>;
    /// Every service area, ordered.
    async fn service_areas(&self) -> Result<Vec<ServiceArea>>;

    /// A small key/value note about the deployment, e.g. which seed was loaded.
    async fn setting(&self, key: &str) -> Result<Option<String>>;
    async fn put_setting(&self, key: &str, value: &str) -> Result<()>;
    /// Every setting, by key.
    async fn settings(&self) -> Result<Vec<(String, String)>>;
}
