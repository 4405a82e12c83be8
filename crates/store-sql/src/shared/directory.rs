//! The directory: agencies, users, sessions, teams, areas and settings — written once, compiled
//! for each database with its `dialect` (see the crate's documentation).

use super::db_err;
use super::dialect::{self as d, Row, Store};
use super::rows::{corrupt, get};
use async_trait::async_trait;
use domain::{Agency, AgencyId, AgencyKind, Role, TeamId, Timestamp, UserId};
use sqlx::Row as _;
use store::{
    Area, Directory, LoginState, NewUser, Result, RoutingVersion, ServiceArea, Session,
    SessionContext, StoreError, Team, User, UserChange,
};

/// Maps a UNIQUE violation to [`StoreError::Duplicate`], anything else to a database error.
fn unique<'a>(what: &'static str, value: &'a str) -> impl FnOnce(sqlx::Error) -> StoreError + 'a {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Duplicate { what, value: value.to_owned() }
        }
        _ => db_err(e),
    }
}

fn agency(row: &Row) -> Result<Agency> {
    Ok(Agency {
        id: AgencyId::from_uuid(d::uuid(row, "id")?),
        code: get(row, "code")?,
        name: get(row, "name")?,
        kind: get::<String>(row, "kind")?.parse::<AgencyKind>().map_err(corrupt)?,
        time_zone: get(row, "time_zone")?,
        uri: get(row, "uri")?,
    })
}

fn login_state(row: &Row) -> Result<LoginState> {
    let attempts = d::integer(row, "failed_attempts")?;
    Ok(LoginState {
        failed_attempts: u32::try_from(attempts).map_err(corrupt)?,
        locked_until: get::<Option<i64>>(row, "locked_until")?.map(Timestamp::from_millis),
    })
}

fn user(row: &Row) -> Result<User> {
    Ok(User {
        id: UserId::from_uuid(d::uuid(row, "id")?),
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        agency: AgencyId::from_uuid(d::uuid(row, "agency_id")?),
        role: get::<String>(row, "role")?.parse::<Role>().map_err(corrupt)?,
        password_hash: get(row, "password_hash")?,
        login: login_state(row)?,
        disabled_at: get::<Option<i64>>(row, "disabled_at")?.map(Timestamp::from_millis),
        totp_secret: get(row, "totp_secret")?,
    })
}

pub(crate) fn team(row: &Row) -> Result<Team> {
    Ok(Team {
        id: TeamId::from_uuid(d::uuid(row, "id")?),
        provider: AgencyId::from_uuid(d::uuid(row, "provider_id")?),
        name: get(row, "name")?,
        capabilities: serde_json::from_str(&get::<String>(row, "capabilities")?)
            .map_err(corrupt)?,
        home_base: home_base(get(row, "home_lat")?, get(row, "home_lon")?)?,
        members: serde_json::from_str(&get::<String>(row, "members")?).map_err(corrupt)?,
    })
}

/// A team's home base from its two columns: both set, or neither.
pub(crate) fn home_base(lat: Option<f64>, lon: Option<f64>) -> Result<Option<domain::GeoPoint>> {
    match (lat, lon) {
        (Some(lat), Some(lon)) => domain::GeoPoint::parse(lat, lon).map(Some).map_err(corrupt),
        (None, None) => Ok(None),
        _ => Err(corrupt("a team's home base has only one coordinate")),
    }
}

fn session(row: &Row) -> Result<Session> {
    Ok(Session {
        token_hash: get(row, "token_hash")?,
        user: UserId::from_uuid(d::uuid(row, "user_id")?),
        created_at: Timestamp::from_millis(get(row, "created_at")?),
        last_seen: Timestamp::from_millis(get(row, "last_seen")?),
    })
}

const USER_COLUMNS: &str = "SELECT id, username, display_name, agency_id, role, password_hash, failed_attempts, locked_until, disabled_at, totp_secret FROM users";

// Text is listed in byte order ([`d::BYTE_ORDER`]), so that both databases list things in the
// same order whatever the database's locale.

#[async_trait]
impl Directory for Store {
    async fn put_agency(&self, a: &Agency) -> Result<()> {
        sqlx::query(
            "INSERT INTO agencies (id, code, name, kind, time_zone, uri) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d::id(a.id.as_uuid()))
        .bind(&a.code)
        .bind(&a.name)
        .bind(a.kind.as_str())
        .bind(&a.time_zone)
        .bind(&a.uri)
        .execute(&self.pool)
        .await
        .map_err(unique("agency", &a.code))?;
        self.agencies_changed().await
    }

    async fn update_agency(&self, a: &Agency) -> Result<()> {
        let updated = sqlx::query(
            "UPDATE agencies SET name = $1, kind = $2, time_zone = $3, uri = $4 WHERE id = $5",
        )
        .bind(&a.name)
        .bind(a.kind.as_str())
        .bind(&a.time_zone)
        .bind(&a.uri)
        .bind(d::id(a.id.as_uuid()))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!("agency {} does not exist", a.code)));
        }
        self.agencies_changed().await
    }

    async fn agency(&self, id: AgencyId) -> Result<Option<Agency>> {
        sqlx::query("SELECT * FROM agencies WHERE id = $1")
            .bind(d::id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(agency)
            .transpose()
    }

    async fn agency_by_code(&self, code: &str) -> Result<Option<Agency>> {
        sqlx::query("SELECT * FROM agencies WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(agency)
            .transpose()
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let sql = format!("SELECT * FROM agencies ORDER BY code {}", d::BYTE_ORDER);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(agency)
            .collect()
    }

    async fn put_user(&self, u: &NewUser) -> Result<User> {
        sqlx::query(
            "INSERT INTO users (id, username, display_name, agency_id, role, password_hash) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d::id(u.id.as_uuid()))
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(d::id(u.agency.as_uuid()))
        .bind(u.role.as_str())
        .bind(&u.password_hash)
        .execute(&self.pool)
        .await
        .map_err(unique("user", &u.username))?;
        self.user(u.id)
            .await?
            .ok_or_else(|| StoreError::Database("user vanished after insert".into()))
    }

    async fn user(&self, id: UserId) -> Result<Option<User>> {
        let sql = format!("{USER_COLUMNS} WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d::id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(user)
            .transpose()
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let sql =
            format!("{USER_COLUMNS} WHERE lower(username) = lower($1) ORDER BY username LIMIT 1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(user)
            .transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("{USER_COLUMNS} ORDER BY username {}", d::BYTE_ORDER);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(user)
            .collect()
    }

    async fn reserve_login_attempt(
        &self,
        id: UserId,
        at: Timestamp,
        max_attempts: u32,
        lock_for_ms: i64,
    ) -> Result<bool> {
        // One statement: two attempts at once cannot both take the last free count, and a
        // full count with no lock (outcomes never recorded) becomes a lock that ends.
        let row = sqlx::query(
            "UPDATE users SET \
               locked_until = CASE WHEN failed_attempts >= $3 THEN $4 ELSE locked_until END, \
               failed_attempts = CASE WHEN failed_attempts >= $3 THEN 0 ELSE failed_attempts + 1 END \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) \
             RETURNING locked_until",
        )
        .bind(d::id(id.as_uuid()))
        .bind(at.as_millis())
        .bind(i64::from(max_attempts))
        .bind(at.plus_millis(lock_for_ms).as_millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(row) = row else { return Ok(false) };
        let locked_until: Option<i64> = row.try_get("locked_until").map_err(db_err)?;
        Ok(locked_until.is_none_or(|until| until <= at.as_millis()))
    }

    async fn record_login_failure(
        &self,
        id: UserId,
        at: Timestamp,
        lock_after: u32,
        lock_for_ms: i64,
    ) -> Result<LoginState> {
        // The attempt was counted when it was reserved; lock once enough have failed.
        let row = sqlx::query(
            "UPDATE users SET \
               locked_until = CASE WHEN failed_attempts >= $1 THEN $2 ELSE locked_until END, \
               failed_attempts = CASE WHEN failed_attempts >= $1 THEN 0 ELSE failed_attempts END \
             WHERE id = $3 RETURNING failed_attempts, locked_until",
        )
        .bind(i64::from(lock_after))
        .bind(at.plus_millis(lock_for_ms).as_millis())
        .bind(d::id(id.as_uuid()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| StoreError::Database(format!("user {id} does not exist")))?;
        login_state(&row)
    }

    async fn record_login_success(&self, id: UserId, at: Timestamp) -> Result<bool> {
        let cleared = sqlx::query(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
        )
        .bind(d::id(id.as_uuid()))
        .bind(at.as_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?
        .rows_affected();
        Ok(cleared == 1)
    }

    async fn change_user(&self, id: UserId, change: &UserChange) -> Result<Option<User>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let (sql, value, end_sessions) = match change {
            UserChange::Disable { at } => (
                "UPDATE users SET disabled_at = $1 WHERE id = $2",
                Some(Value::Int(at.as_millis())),
                true,
            ),
            UserChange::Enable => {
                ("UPDATE users SET disabled_at = NULL WHERE id = $1", None, false)
            }
            UserChange::Unlock => (
                "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = $1",
                None,
                false,
            ),
            UserChange::Totp { secret } => (
                "UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE id = $2",
                Some(Value::OptText(secret.clone())),
                secret.is_none(),
            ),
            UserChange::Password { hash } => (
                "UPDATE users SET password_hash = $1, failed_attempts = 0, locked_until = NULL WHERE id = $2",
                Some(Value::Text(hash.clone())),
                true,
            ),
        };
        let query = sqlx::query(sql);
        let query = match value {
            Some(Value::Int(v)) => query.bind(v),
            Some(Value::Text(v)) => query.bind(v),
            Some(Value::OptText(v)) => query.bind(v),
            None => query,
        };
        let changed = query
            .bind(d::id(id.as_uuid()))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        if end_sessions {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(d::id(id.as_uuid()))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        self.user(id).await
    }

    async fn use_totp_step(&self, id: UserId, step: i64) -> Result<bool> {
        let claimed = sqlx::query(
            "UPDATE users SET totp_last_step = $1 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(d::id(id.as_uuid()))
        .execute(&self.pool)
        .await
        .map_err(db_err)?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn put_session(&self, s: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen) VALUES ($1, $2, $3, $4)",
        )
        .bind(&s.token_hash)
        .bind(d::id(s.user.as_uuid()))
        .bind(s.created_at.as_millis())
        .bind(s.last_seen.as_millis())
        .execute(&self.pool)
        .await
        .map_err(unique("session", "(token)"))?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        sqlx::query("SELECT * FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(session)
            .transpose()
    }

    async fn session_context(&self, token_hash: &str) -> Result<Option<SessionContext>> {
        let row = sqlx::query(
            "SELECT s.token_hash, s.user_id, s.created_at, s.last_seen, \
                    u.id, u.username, u.display_name, u.agency_id, u.role, u.password_hash, \
                    u.failed_attempts, u.locked_until, u.disabled_at, u.totp_secret, \
                    a.code, a.name, a.kind, a.time_zone, a.uri \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN agencies a ON a.id = u.agency_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let user = user(&row)?;
        let agency = Agency {
            id: user.agency,
            code: get(&row, "code")?,
            name: get(&row, "name")?,
            kind: get::<String>(&row, "kind")?.parse::<AgencyKind>().map_err(corrupt)?,
            time_zone: get(&row, "time_zone")?,
            uri: get(&row, "uri")?,
        };
        Ok(Some(SessionContext { session: session(&row)?, user, agency }))
    }

    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> Result<()> {
        // Never backwards: a request that started earlier may finish later.
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2 AND last_seen < $1")
            .bind(at.as_millis())
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn put_team(&self, t: &Team) -> Result<()> {
        let id = t.id.to_string();
        sqlx::query(
            "INSERT INTO teams (id, provider_id, name, capabilities, home_lat, home_lon, members) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(d::id(t.id.as_uuid()))
        .bind(d::id(t.provider.as_uuid()))
        .bind(&t.name)
        .bind(serde_json::to_string(&t.capabilities).map_err(corrupt)?)
        .bind(t.home_base.map(|p| p.lat.degrees()))
        .bind(t.home_base.map(|p| p.lon.degrees()))
        .bind(serde_json::to_string(&t.members).map_err(corrupt)?)
        .execute(&self.pool)
        .await
        .map_err(unique("team", &id))?;
        Ok(())
    }

    async fn update_team(&self, t: &Team) -> Result<()> {
        let done = sqlx::query(
            "UPDATE teams SET name = $2, capabilities = $3, home_lat = $4, home_lon = $5, members = $6 WHERE id = $1",
        )
        .bind(d::id(t.id.as_uuid()))
        .bind(&t.name)
        .bind(serde_json::to_string(&t.capabilities).map_err(corrupt)?)
        .bind(t.home_base.map(|p| p.lat.degrees()))
        .bind(t.home_base.map(|p| p.lon.degrees()))
        .bind(serde_json::to_string(&t.members).map_err(corrupt)?)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::TeamNotFound(t.id));
        }
        Ok(())
    }

    async fn team(&self, id: TeamId) -> Result<Option<Team>> {
        sqlx::query("SELECT * FROM teams WHERE id = $1")
            .bind(d::id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(team)
            .transpose()
    }

    async fn teams(&self, provider: Option<AgencyId>) -> Result<Vec<Team>> {
        let sql = format!(
            "SELECT * FROM teams WHERE $1 IS NULL OR provider_id = $1 ORDER BY name {}, id",
            d::BYTE_ORDER
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(provider.map(|p| d::id(p.as_uuid())))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(team)
            .collect()
    }

    async fn put_areas(&self, areas: &[Area]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        d::put_areas(&mut tx, areas).await?;
        bump_routing_version(&mut tx).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn areas(&self) -> Result<Vec<Area>> {
        let sql = format!("SELECT code, name, geometry FROM areas ORDER BY code {}", d::BYTE_ORDER);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                Ok(Area {
                    code: get(r, "code")?,
                    name: get(r, "name")?,
                    geometry_geojson: get(r, "geometry")?,
                })
            })
            .collect()
    }

    async fn set_service_areas(&self, service_areas: &[ServiceArea]) -> Result<()> {
        store::check_service_areas(service_areas)?;
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        d::replace_service_areas(&mut tx, service_areas).await?;
        bump_routing_version(&mut tx).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn service_areas(&self) -> Result<Vec<ServiceArea>> {
        let sql = format!(
            "SELECT service, area, tier, agency_id, answer_within_s FROM service_areas \
             ORDER BY service {order}, area {order}, tier",
            order = d::BYTE_ORDER
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                Ok(ServiceArea {
                    service: get(r, "service")?,
                    area: get(r, "area")?,
                    tier: u8::try_from(d::integer(r, "tier")?).map_err(corrupt)?,
                    agency: AgencyId::from_uuid(d::uuid(r, "agency_id")?),
                    answer_within_s: u32::try_from(d::integer(r, "answer_within_s")?)
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }

    async fn put_place_table(&self, table: &store::PlaceTable) -> Result<()> {
        table.check()?;
        let body = store::PlaceTable::encode_places(&table.places);
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO place_tables (kind, source, imported_at, body) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind) DO UPDATE SET source = excluded.source, \
             imported_at = excluded.imported_at, body = excluded.body",
        )
        .bind(table.kind.as_str())
        .bind(&table.source)
        .bind(table.imported_at.as_millis())
        .bind(body)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        bump_routing_version(&mut tx).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn place_tables(&self) -> Result<Vec<store::PlaceTable>> {
        let sql = format!(
            "SELECT kind, source, imported_at, body FROM place_tables ORDER BY kind {}",
            d::BYTE_ORDER
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                let kind: String = get(r, "kind")?;
                Ok(store::PlaceTable {
                    kind: store::PlaceKind::parse(&kind)
                        .ok_or_else(|| corrupt(format!("place table kind {kind:?}")))?,
                    source: get(r, "source")?,
                    imported_at: Timestamp::from_millis(get(r, "imported_at")?),
                    places: store::PlaceTable::decode_places(&get::<String>(r, "body")?)?,
                })
            })
            .collect()
    }

    async fn routing_version(&self) -> Result<RoutingVersion> {
        let row = sqlx::query("SELECT version, changed_at FROM routing_version WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(RoutingVersion {
            version: u64::try_from(get::<i64>(&row, "version")?).map_err(corrupt)?,
            changed_at: Timestamp::from_millis(get(&row, "changed_at")?),
        })
    }

    async fn link_external_incident(
        &self,
        agency: AgencyId,
        external_id: &str,
        candidate: domain::IncidentId,
    ) -> Result<domain::IncidentId> {
        sqlx::query(
            "INSERT INTO external_incidents (agency_id, external_id, incident_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(d::id(agency.as_uuid()))
        .bind(external_id)
        .bind(d::id(candidate.as_uuid()))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        let linked = sqlx::query(
            "SELECT incident_id FROM external_incidents WHERE agency_id = $1 AND external_id = $2",
        )
        .bind(d::id(agency.as_uuid()))
        .bind(external_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(domain::IncidentId::from_uuid(d::uuid(&linked, "incident_id")?))
    }

    async fn external_links(&self) -> Result<Vec<store::ExternalLink>> {
        let rows = sqlx::query(
            "SELECT agency_id, external_id, incident_id FROM external_incidents ORDER BY agency_id, external_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(store::ExternalLink {
                    agency: AgencyId::from_uuid(d::uuid(r, "agency_id")?),
                    external_id: get(r, "external_id")?,
                    incident: domain::IncidentId::from_uuid(d::uuid(r, "incident_id")?),
                })
            })
            .collect()
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn settings(&self) -> Result<Vec<(String, String)>> {
        let sql = format!("SELECT key, value FROM settings ORDER BY key {}", d::BYTE_ORDER);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((get(r, "key")?, get(r, "value")?)))
            .collect()
    }
}

/// Moves the routing table's version, stamped with the database's clock.
fn bump_routing_version_sql() -> String {
    format!(
        "UPDATE routing_version SET version = version + 1, changed_at = {} WHERE id = 1",
        d::NOW_MS
    )
}

/// Marks a change to areas or service areas, inside the transaction that makes it.
async fn bump_routing_version(tx: &mut sqlx::Transaction<'_, d::Db>) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(bump_routing_version_sql()))
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

impl Store {
    /// Agencies are part of the routing table (names, URIs): a change moves its version. Not
    /// in the agency's own transaction: a reader that sees the agency before the bump only
    /// rebuilds a moment later.
    async fn agencies_changed(&self) -> Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(bump_routing_version_sql()))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

/// A value bound into an administrator's change to a user.
enum Value {
    Int(i64),
    Text(String),
    OptText(Option<String>),
}
