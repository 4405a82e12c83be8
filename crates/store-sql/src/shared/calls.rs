//! Contacts' timing from the phone system, written once for both databases (see the crate's
//! documentation): one statement inserts a step, guarded by the table's key and, for an end,
//! by its arrival; what it did not insert is explained from the rows that stopped it.

use async_trait::async_trait;
use domain::{
    AgencyId, CallError, CallEvent, CallId, CallRecorded, CallStep, CallbackNumber, Channel, Text,
    Timestamp, UserId,
};
use store::{CallLog, RecordedCall, Result, StoreError};

use super::db_err;
use super::dialect::{self as d, Row, Store};
use super::rows::{corrupt, get};

/// How many times a step is tried when what stopped it was committed meanwhile.
const ATTEMPTS: u32 = 3;

const COLUMNS: &str = "SELECT agency_id, call_id, step, at_ms, channel, callback, answered_by, \
     rolled_to, in_state, recorded_at, recorded_by FROM call_events";

/// The columns a step fills, besides its key and time.
struct StepColumns<'a> {
    channel: Option<&'static str>,
    callback: Option<&'a str>,
    answered_by: Option<&'a str>,
    rolled_to: Option<&'a str>,
    in_state: Option<bool>,
}

fn columns(step: &CallStep) -> StepColumns<'_> {
    let none = StepColumns {
        channel: None,
        callback: None,
        answered_by: None,
        rolled_to: None,
        in_state: None,
    };
    match step {
        CallStep::Arrived { channel, callback } => StepColumns {
            channel: Some(channel.as_str()),
            callback: callback.as_ref().map(CallbackNumber::as_str),
            ..none
        },
        CallStep::Answered { by } => StepColumns { answered_by: Some(by.as_str()), ..none },
        CallStep::Abandoned => none,
        CallStep::RolledOver { to, in_state } => {
            StepColumns { rolled_to: Some(to.as_str()), in_state: Some(*in_state), ..none }
        }
    }
}

fn text(row: &Row, column: &str) -> Result<Text> {
    let value: Option<String> = get(row, column)?;
    let value = value.ok_or_else(|| corrupt(format!("call step without {column}")))?;
    Text::parse(&value, Text::SHORT_MAX).map_err(corrupt)
}

fn recorded(row: &Row) -> Result<RecordedCall> {
    let step: String = get(row, "step")?;
    let step = match step.as_str() {
        "arrived" => {
            let channel: Option<String> = get(row, "channel")?;
            let channel = channel
                .as_deref()
                .and_then(Channel::parse)
                .ok_or_else(|| corrupt(format!("arrival with channel {channel:?}")))?;
            let callback: Option<String> = get(row, "callback")?;
            let callback =
                callback.as_deref().map(CallbackNumber::parse).transpose().map_err(corrupt)?;
            CallStep::Arrived { channel, callback }
        }
        "answered" => CallStep::Answered { by: text(row, "answered_by")? },
        "abandoned" => CallStep::Abandoned,
        "rolled_over" => {
            let in_state: Option<bool> = get(row, "in_state")?;
            CallStep::RolledOver {
                to: text(row, "rolled_to")?,
                in_state: in_state.ok_or_else(|| corrupt("rollover without in_state"))?,
            }
        }
        other => return Err(corrupt(format!("unknown call step {other:?}"))),
    };
    let call: String = get(row, "call_id")?;
    Ok(RecordedCall {
        event: CallEvent {
            agency: AgencyId::from_uuid(d::uuid(row, "agency_id")?),
            call: CallId::parse(&call).map_err(corrupt)?,
            at: Timestamp::from_millis(get(row, "at_ms")?),
            step,
        },
        recorded_at: Timestamp::from_millis(get(row, "recorded_at")?),
        recorded_by: d::opt_uuid(row, "recorded_by")?.map(UserId::from_uuid),
    })
}

#[async_trait]
impl CallLog for Store {
    async fn record_call(&self, call: &RecordedCall) -> Result<Result<CallRecorded, CallError>> {
        let event = &call.event;
        let c = columns(&event.step);
        let (phase, guard) = if event.step.is_end() {
            // An end only after its arrival, at or before the end's time.
            (
                "ended",
                " WHERE EXISTS (SELECT 1 FROM call_events WHERE agency_id = $1 AND call_id = $2 \
                   AND phase = 'arrived' AND at_ms <= $5)",
            )
        } else {
            ("arrived", "")
        };
        // Built from constants only; every value is bound.
        let insert = format!(
            "INSERT INTO call_events (agency_id, call_id, phase, step, at_ms, channel, callback, \
               answered_by, rolled_to, in_state, recorded_at, recorded_by) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12{guard} \
             ON CONFLICT (agency_id, call_id, phase) DO NOTHING"
        );
        // An end whose arrival is being committed at this very moment finds no arrival and
        // inserts nothing, then sees the arrival when it looks why: it tries again.
        for _ in 0..ATTEMPTS {
            let inserted = sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .bind(d::id(event.agency.as_uuid()))
                .bind(event.call.as_str())
                .bind(phase)
                .bind(event.step.as_str())
                .bind(event.at.as_millis())
                .bind(c.channel)
                .bind(c.callback)
                .bind(c.answered_by)
                .bind(c.rolled_to)
                .bind(c.in_state)
                .bind(call.recorded_at.as_millis())
                .bind(call.recorded_by.map(|u| d::id(u.as_uuid())))
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
            if inserted.rows_affected() == 1 {
                return Ok(Ok(CallRecorded::New));
            }
            // Not inserted: the rows already there say why.
            let sql = format!("{COLUMNS} WHERE agency_id = $1 AND call_id = $2");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(d::id(event.agency.as_uuid()))
                .bind(event.call.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
            let steps: Vec<CallEvent> =
                rows.iter().map(|r| recorded(r).map(|r| r.event)).collect::<Result<_>>()?;
            match domain::call::check(&steps, event) {
                Ok(CallRecorded::New) => {}
                decided => return Ok(decided),
            }
        }
        Err(StoreError::Database(format!(
            "call {} of agency {}: the step was neither inserted nor explained by what is \
             recorded after {ATTEMPTS} attempts",
            event.call, event.agency
        )))
    }

    async fn calls_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        agency: Option<AgencyId>,
    ) -> Result<Vec<RecordedCall>> {
        let by = d::BYTE_ORDER;
        let sql = format!(
            "{COLUMNS} WHERE at_ms >= $1 AND at_ms < $2 AND ($3 IS NULL OR agency_id = $3) \
             ORDER BY at_ms, agency_id, call_id {by}, phase {by}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from.as_millis())
            .bind(to.as_millis())
            .bind(agency.map(|a| d::id(a.as_uuid())))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(recorded).collect()
    }
}
