//! Crisis facilities ([`store::Facilities`]), written once for both databases: one JSON row per
//! facility (`store::encode_facility`), keyed by id and unique by code.

use async_trait::async_trait;
use domain::facility::{Availability, Facility};
use store::{Facilities, Result, decode_facility, encode_facility};
use uuid::Uuid;

use super::db_err;
use super::dialect::{self as d, Store};
use super::rows::get;

#[async_trait]
impl Facilities for Store {
    async fn put_facilities(&self, facilities: &[Facility], with_availability: bool) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for facility in facilities {
            let stored = sqlx::query("SELECT body FROM facilities WHERE code = $1")
                .bind(&facility.code)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            match stored {
                None => {
                    sqlx::query(
                        "INSERT INTO facilities (id, agency_id, code, name, body) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(d::id(facility.id))
                    .bind(d::id(facility.agency.as_uuid()))
                    .bind(&facility.code)
                    .bind(&facility.name)
                    .bind(encode_facility(facility))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                Some(row) => {
                    let old = decode_facility(&get::<String>(&row, "body")?)?;
                    let mut new = Facility { id: old.id, ..facility.clone() };
                    if !with_availability {
                        new.availability = old.availability;
                    }
                    sqlx::query(
                        "UPDATE facilities SET agency_id = $1, name = $2, body = $3 WHERE id = $4",
                    )
                    .bind(d::id(new.agency.as_uuid()))
                    .bind(&new.name)
                    .bind(encode_facility(&new))
                    .bind(d::id(new.id))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
            }
        }
        tx.commit().await.map_err(db_err)
    }

    async fn facilities(&self) -> Result<Vec<Facility>> {
        sqlx::query("SELECT body FROM facilities ORDER BY name, code")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| decode_facility(&get::<String>(r, "body")?))
            .collect()
    }

    async fn facility(&self, id: Uuid) -> Result<Option<Facility>> {
        sqlx::query("SELECT body FROM facilities WHERE id = $1")
            .bind(d::id(id))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .map(|r| decode_facility(&get::<String>(&r, "body")?))
            .transpose()
    }

    async fn set_availability(
        &self,
        id: Uuid,
        availability: &Availability,
    ) -> Result<Option<Facility>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let Some(row) = sqlx::query("SELECT body FROM facilities WHERE id = $1")
            .bind(d::id(id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let mut facility = decode_facility(&get::<String>(&row, "body")?)?;
        facility.availability = availability.clone();
        sqlx::query("UPDATE facilities SET body = $1 WHERE id = $2")
            .bind(encode_facility(&facility))
            .bind(d::id(id))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(facility))
    }
}
