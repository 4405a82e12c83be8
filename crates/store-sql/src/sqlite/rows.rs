//! Reading rows back into domain and store types.

use std::str::FromStr;

use domain::event::Actor;
use domain::{AgencyId, Event, IncidentId, Timestamp, UserId};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use store::{RecordedEvent, Result, StoreError, codec};
use uuid::Uuid;

/// The columns [`event`] reads, in a SELECT list.
pub(crate) const EVENT_COLUMNS: &str = "seq, incident_id, at_ms, actor, agency_id, body, involved";

pub(crate) fn event(row: &SqliteRow) -> Result<RecordedEvent> {
    let seq: i64 = get(row, "seq")?;
    let actor: Option<String> = get(row, "actor")?;
    let involved: String = get(row, "involved")?;
    let involved: Vec<Uuid> = serde_json::from_str(&involved).map_err(corrupt)?;
    Ok(RecordedEvent {
        seq: u64::try_from(seq).map_err(corrupt)?,
        event: Event {
            incident: IncidentId::from_uuid(uuid(row, "incident_id")?),
            at: Timestamp::from_millis(get(row, "at_ms")?),
            actor: match actor {
                Some(id) => Actor::User(UserId::from_uuid(parse_uuid(&id)?)),
                None => Actor::System,
            },
            agency: AgencyId::from_uuid(uuid(row, "agency_id")?),
            kind: codec::decode_event(&get::<String>(row, "body")?)?,
        },
        involved: involved.into_iter().map(AgencyId::from_uuid).collect(),
    })
}

pub(crate) fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

pub(crate) fn uuid(row: &SqliteRow, column: &str) -> Result<Uuid> {
    parse_uuid(&get::<String>(row, column)?)
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad id {s:?}: {e}")))
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
