//! Reading rows back into domain and store types.

use domain::event::Actor;
use domain::{AgencyId, Event, IncidentId, Timestamp, UserId};
use sqlx::Row as _;
use store::{RecordedEvent, Result, StoreError, codec};
use uuid::Uuid;

use super::dialect::{self as d, Row};

/// The columns [`event`] reads, in a SELECT list.
pub(crate) const EVENT_COLUMNS: &str = "seq, incident_id, at_ms, actor, agency_id, body, involved";

pub(crate) fn event(row: &Row) -> Result<RecordedEvent> {
    let seq: i64 = get(row, "seq")?;
    let involved: String = get(row, "involved")?;
    let involved: Vec<Uuid> = serde_json::from_str(&involved).map_err(corrupt)?;
    Ok(RecordedEvent {
        seq: u64::try_from(seq).map_err(corrupt)?,
        event: Event {
            incident: IncidentId::from_uuid(d::uuid(row, "incident_id")?),
            at: Timestamp::from_millis(get(row, "at_ms")?),
            actor: d::opt_uuid(row, "actor")?
                .map_or(Actor::System, |id| Actor::User(UserId::from_uuid(id))),
            agency: AgencyId::from_uuid(d::uuid(row, "agency_id")?),
            kind: codec::decode_event(&get::<String>(row, "body")?)?,
        },
        involved: involved.into_iter().map(AgencyId::from_uuid).collect(),
    })
}

/// The value in `column`; a value of the wrong type means the data is corrupt.
pub(crate) fn get<'r, T>(row: &'r Row, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, d::Db> + sqlx::Type<d::Db>,
{
    row.try_get(column).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
