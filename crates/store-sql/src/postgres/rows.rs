//! Reading rows back into domain and store types.

use domain::event::Actor;
use domain::{AgencyId, Event, IncidentId, Timestamp, UserId};
use sqlx::Row;
use sqlx::postgres::PgRow;
use store::{RecordedEvent, Result, StoreError, codec};
use uuid::Uuid;

/// The columns [`event`] reads, in a SELECT list.
pub(crate) const EVENT_COLUMNS: &str = "seq, incident_id, at_ms, actor, agency_id, body, involved";

pub(crate) fn event(row: &PgRow) -> Result<RecordedEvent> {
    let seq: i64 = get(row, "seq")?;
    let actor: Option<Uuid> = get(row, "actor")?;
    let involved: String = get(row, "involved")?;
    let involved: Vec<Uuid> = serde_json::from_str(&involved).map_err(corrupt)?;
    Ok(RecordedEvent {
        seq: u64::try_from(seq).map_err(corrupt)?,
        event: Event {
            incident: IncidentId::from_uuid(get(row, "incident_id")?),
            at: Timestamp::from_millis(get(row, "at_ms")?),
            actor: actor.map_or(Actor::System, |id| Actor::User(UserId::from_uuid(id))),
            agency: AgencyId::from_uuid(get(row, "agency_id")?),
            kind: codec::decode_event(&get::<String>(row, "body")?)?,
        },
        involved: involved.into_iter().map(AgencyId::from_uuid).collect(),
    })
}

pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
