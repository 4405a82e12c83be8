//! The JSON messages of NENA-STA-024 as Crisisbridge reads and writes them: reading one
//! message (refused with what to fix), and building the answers.

use serde_json::{Value, json};

use super::subscriptions::Rates;
use crate::error::{ApiError, ErrorCode};

/// The longest id (request, subscription, transaction, incident) we keep and echo.
const MAX_ID: usize = 256;
/// Messages of STA-024 that Crisisbridge does not implement, answered 501.
const NOT_IMPLEMENTED: [&str; 6] = [
    "terminateResponse",
    "resourceMessage",
    "requestAwareness",
    // The schema's own spelling of `requestAwareness`.
    "requestAwarenes",
    "resourceDiscovery",
    "resourceDiscoveryResponse",
];

/// A message as received.
#[derive(Debug)]
pub(super) enum Inbound {
    RequestForService {
        request_id: String,
        eido: Value,
    },
    Cancel {
        request_id: String,
    },
    Subscribe(SubscribeRequest),
    Unsubscribe {
        request_id: String,
        subscription_id: String,
    },
    /// A subscriber's acknowledgement of a notification.
    EventResponse {
        transaction_id: String,
        status: u64,
    },
    NotImplemented {
        request_id: String,
    },
}

/// A `subscribe` message's fields.
#[derive(Debug)]
pub(super) struct SubscribeRequest {
    pub request_id: String,
    pub request_type: Option<String>,
    pub sub_type: Option<String>,
    pub incident_id: Option<String>,
    pub subscription_id: Option<String>,
    pub has_qual_filter: bool,
    pub expires: Option<i64>,
    /// Seconds; `None` when not asked for.
    pub min_rate: Option<u32>,
    pub max_rate: Option<u32>,
}

/// A message that could not be read: answered 400 with what to fix.
#[derive(Debug)]
pub(super) struct Refused {
    pub request_id: String,
    pub why: String,
}

impl Inbound {
    pub(super) fn parse(text: &str) -> Result<Self, Refused> {
        let refused =
            |request_id: &str, why: String| Refused { request_id: request_id.into(), why };
        let value: Value = serde_json::from_str(text)
            .map_err(|e| refused("", format!("the message is not JSON: {e}")))?;
        let Some(object) = value.as_object().filter(|o| o.len() == 1) else {
            return Err(refused(
                "",
                "send one JSON object with one member naming the message, such as {\"requestForService\": {…}}".into(),
            ));
        };
        let Some((kind, body)) = object.iter().next() else {
            return Err(refused("", "the message is empty".into()));
        };
        let request_id = id_of(body, "requestId").unwrap_or_default();
        match kind.as_str() {
            "requestForService" => {
                let request_id = required(kind, body, "requestId")?;
                let eido =
                    body.get("eido").filter(|e| e.is_object()).cloned().ok_or_else(|| {
                        refused(
                            &request_id,
                            "requestForService.eido: give the EIDO as a JSON object".into(),
                        )
                    })?;
                Ok(Self::RequestForService { request_id, eido })
            }
            // The schema spells it `cancelREequest`; both are accepted.
            "cancelRequest" | "cancelREequest" => {
                Ok(Self::Cancel { request_id: required(kind, body, "requestId")? })
            }
            "subscribe" => Ok(Self::Subscribe(SubscribeRequest {
                min_rate: seconds(kind, body, "minRate")?,
                max_rate: seconds(kind, body, "maxRate")?,
                request_id: required(kind, body, "requestId")?,
                request_type: body.get("requestType").and_then(Value::as_str).map(str::to_owned),
                sub_type: body.get("requestSubType").and_then(Value::as_str).map(str::to_owned),
                incident_id: id_of(body, "incidentId"),
                subscription_id: id_of(body, "subscriptionId"),
                has_qual_filter: body.get("qualFilter").is_some_and(|f| !f.is_null()),
                expires: body.get("expires").and_then(Value::as_i64),
            })),
            "unsubscribe" => Ok(Self::Unsubscribe {
                request_id: required(kind, body, "requestId")?,
                subscription_id: required(kind, body, "subscriptionId")?,
            }),
            "eventResponse" => Ok(Self::EventResponse {
                transaction_id: required(kind, body, "transactionId")?,
                status: body.get("statusCode").and_then(Value::as_u64).unwrap_or_default(),
            }),
            k if NOT_IMPLEMENTED.contains(&k) => Ok(Self::NotImplemented { request_id }),
            other => Err(refused(
                &request_id,
                format!(
                    "{other:?} is not a NENA-STA-024 message; send requestForService, cancelRequest, subscribe or unsubscribe"
                ),
            )),
        }
    }
}

/// A string member of at most [`MAX_ID`] bytes, when the message has a usable one.
fn id_of(body: &Value, member: &str) -> Option<String> {
    body.get(member)
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= MAX_ID)
        .map(str::to_owned)
}

/// A whole number of seconds, 0 or more, when the message has the member.
fn seconds(kind: &str, body: &Value, member: &str) -> Result<Option<u32>, Refused> {
    match body.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            v.as_u64().and_then(|s| u32::try_from(s).ok()).map(Some).ok_or_else(|| Refused {
                request_id: id_of(body, "requestId").unwrap_or_default(),
                why: format!("{kind}.{member}: give a whole number of seconds, 0 or more"),
            })
        }
    }
}

fn required(kind: &str, body: &Value, member: &str) -> Result<String, Refused> {
    id_of(body, member).ok_or_else(|| Refused {
        request_id: id_of(body, "requestId").unwrap_or_default(),
        why: format!("{kind}.{member}: give a string of 1 to {MAX_ID} bytes"),
    })
}

/// A `response` to a push message (STA-024's responseToRequest).
pub(super) fn push_response(request_id: &str, code: u16, text: &str) -> Value {
    json!({ "response": { "requestId": request_id, "responseCode": code, "responseText": text } })
}

/// The answer to a message Crisisbridge does not implement (STA-024's responseObject).
pub(super) fn not_implemented(request_id: &str) -> Value {
    json!({ "response": { "requestId": request_id, "statusCode": 501, "statusText": "Not implemented" } })
}

/// The answer to a `subscribe`: the granted lifetime and rates (a rate not granted is left
/// out), or the refusal.
pub(super) fn subscribe_response(
    request_id: &str,
    granted: Result<(&str, i64, Rates), (u16, &str)>,
) -> Value {
    match granted {
        Ok((subscription_id, expires, rates)) => {
            let mut answer = json!({
                "requestId": request_id, "subscriptionId": subscription_id, "expires": expires,
                "statusCode": 200, "statusText": "OK",
            });
            for (member, rate) in [("minRate", rates.min_rate), ("maxRate", rates.max_rate)] {
                if let (Some(rate), Some(object)) = (rate, answer.as_object_mut()) {
                    object.insert(member.into(), rate.into());
                }
            }
            json!({ "subscribeResponse": answer })
        }
        Err((code, text)) => json!({ "subscribeResponse": {
            "requestId": request_id, "statusCode": code, "statusText": text,
        }}),
    }
}

pub(super) fn unsubscribe_response(request_id: &str, subscription_id: &str, code: u16) -> Value {
    let text = if code == 200 { "OK" } else { "no such subscription on this connection" };
    json!({ "unsubscribeResponse": {
        "requestId": request_id, "subscriptionId": subscription_id, "statusCode": code, "statusText": text,
    }})
}

/// A notification: the incident's EIDO as it is now.
pub(super) fn event(subscription_id: &str, transaction_id: &str, eido: &Value) -> Value {
    json!({ "event": {
        "subscriptionId": subscription_id, "transactionId": transaction_id, "notification": [eido],
    }})
}

/// The notifier ends a subscription (it expired).
pub(super) fn terminate(request_id: &str, subscription_id: &str) -> Value {
    json!({ "terminate": { "requestId": request_id, "subscriptionId": subscription_id } })
}

/// The STA-024 response code for an error of the import.
pub(super) fn code_of(e: &ApiError) -> u16 {
    match e.code {
        ErrorCode::PayloadTooLarge => 513,
        ErrorCode::NotFound => 404,
        ErrorCode::Forbidden | ErrorCode::AccountLocked => 403,
        ErrorCode::Unavailable => 503,
        ErrorCode::Internal => 500,
        ErrorCode::InvalidTransition | ErrorCode::Duplicate => 488,
        _ => 400,
    }
}
