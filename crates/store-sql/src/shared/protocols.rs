//! Protocol versions, written once for both databases (see the crate's documentation).

use async_trait::async_trait;
use domain::{AgencyId, Channel, Timestamp, UserId};
use store::{NewProtocolVersion, ProtocolStore, ProtocolVersion, Result, StoreError};

use super::db_err;
use super::dialect::{self as d, Row, Store};
use super::rows::{corrupt, get};

const COLUMNS: &str = "SELECT v.agency_id, v.protocol_id, v.version, v.channel, v.source, v.uploaded_at, \
     v.uploaded_by, v.check_passed, v.check_report, \
     EXISTS (SELECT 1 FROM active_protocols a WHERE a.agency_id = v.agency_id \
             AND a.protocol_id = v.protocol_id AND a.version = v.version) AS active \
     FROM protocol_versions v";

/// How many times an upload that lost the race for its version number to a concurrent upload
/// of the same protocol is tried again.
const NUMBERING_RETRIES: u32 = 3;

fn version(row: &Row) -> Result<ProtocolVersion> {
    let channel: String = get(row, "channel")?;
    Ok(ProtocolVersion {
        agency: AgencyId::from_uuid(d::uuid(row, "agency_id")?),
        protocol_id: get(row, "protocol_id")?,
        version: u32::try_from(d::integer(row, "version")?).map_err(corrupt)?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| corrupt(format!("unknown channel {channel:?}")))?,
        source: get(row, "source")?,
        uploaded_at: Timestamp::from_millis(get(row, "uploaded_at")?),
        uploaded_by: UserId::from_uuid(d::uuid(row, "uploaded_by")?),
        check_passed: get(row, "check_passed")?,
        check_report: get(row, "check_report")?,
        active: get(row, "active")?,
    })
}

#[async_trait]
impl ProtocolStore for Store {
    async fn put_protocol_version(&self, new: &NewProtocolVersion) -> Result<ProtocolVersion> {
        // One statement numbers and inserts. On PostgreSQL two uploads at once can still both
        // compute the same number (each reads the versions committed before it started); the
        // later one then hits the primary key once the earlier commits, and numbering again
        // sees it. (SQLite's one writer reads and inserts in one write transaction.)
        let mut retries = 0;
        let assigned = loop {
            let inserted = sqlx::query(
                "INSERT INTO protocol_versions (agency_id, protocol_id, version, channel, source, uploaded_at, \
                   uploaded_by, check_passed, check_report) \
                 SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6, $7, $8 \
                 FROM protocol_versions WHERE agency_id = $1 AND protocol_id = $2 \
                 RETURNING version",
            )
            .bind(d::id(new.agency.as_uuid()))
            .bind(&new.protocol_id)
            .bind(new.channel.as_str())
            .bind(&new.source)
            .bind(new.uploaded_at.as_millis())
            .bind(d::id(new.uploaded_by.as_uuid()))
            .bind(new.check_passed)
            .bind(&new.check_report)
            .fetch_one(&self.pool)
            .await;
            match inserted {
                Ok(row) => break d::integer(&row, "version")?,
                Err(sqlx::Error::Database(d))
                    if d.is_unique_violation() && retries < NUMBERING_RETRIES =>
                {
                    retries += 1;
                    tracing::debug!(
                        protocol_id = %new.protocol_id,
                        retries,
                        "protocol version number taken by a concurrent upload; numbering again"
                    );
                }
                Err(e) => return Err(db_err(e)),
            }
        };
        let assigned = u32::try_from(assigned).map_err(corrupt)?;
        self.protocol_version(new.agency, &new.protocol_id, assigned)
            .await?
            .ok_or_else(|| StoreError::Database("protocol version vanished after insert".into()))
    }

    async fn protocol_version(
        &self,
        agency: AgencyId,
        protocol_id: &str,
        v: u32,
    ) -> Result<Option<ProtocolVersion>> {
        let sql =
            format!("{COLUMNS} WHERE v.agency_id = $1 AND v.protocol_id = $2 AND v.version = $3");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d::id(agency.as_uuid()))
            .bind(protocol_id)
            .bind(i64::from(v))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(version)
            .transpose()
    }

    async fn protocol_versions(&self, agency: AgencyId) -> Result<Vec<ProtocolVersion>> {
        let sql = format!(
            "{COLUMNS} WHERE v.agency_id = $1 ORDER BY v.protocol_id {}, v.version",
            d::BYTE_ORDER
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d::id(agency.as_uuid()))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(version)
            .collect()
    }

    async fn activate_protocol(
        &self,
        agency: AgencyId,
        protocol_id: &str,
        v: u32,
        at: Timestamp,
        by: UserId,
    ) -> Result<()> {
        let found = self.protocol_version(agency, protocol_id, v).await?.ok_or_else(|| {
            StoreError::Database(format!("protocol {protocol_id} version {v} does not exist"))
        })?;
        sqlx::query(
            "INSERT INTO active_protocols (agency_id, channel, protocol_id, version, activated_at, activated_by) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (agency_id, channel) DO UPDATE SET protocol_id = excluded.protocol_id, \
             version = excluded.version, activated_at = excluded.activated_at, activated_by = excluded.activated_by",
        )
        .bind(d::id(agency.as_uuid()))
        .bind(found.channel.as_str())
        .bind(protocol_id)
        .bind(i32::try_from(found.version).map_err(corrupt)?)
        .bind(at.as_millis())
        .bind(d::id(by.as_uuid()))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn active_protocol(
        &self,
        agency: AgencyId,
        channel: Channel,
    ) -> Result<Option<ProtocolVersion>> {
        let sql = format!(
            "{COLUMNS} JOIN active_protocols a ON a.agency_id = v.agency_id AND a.protocol_id = v.protocol_id \
             AND a.version = v.version WHERE a.agency_id = $1 AND a.channel = $2"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d::id(agency.as_uuid()))
            .bind(channel.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(version)
            .transpose()
    }
}
