//! JSON row formats: how events and incident projections are written to a database.
//!
//! Decoding goes through the domain's parsers, so a tampered or foreign row comes back as
//! [`StoreError::Corrupt`], never as an invalid domain value.
//!
//! - `rows`: locations and routes, which events and incidents share;
//! - `event`: the body of each event kind;
//! - `incident`: the incident projection;
//! - `follow_up`: follow-ups, in their events and the projection.

mod event;
mod follow_up;
mod incident;
mod rows;

use domain::{Channel, HandoffOutcome, Text};
use serde::Serialize;

use crate::{Result, StoreError};

pub use event::{decode_event, encode_event};
pub use incident::{decode_incident, encode_incident};
pub use rows::{LocationRow, RouteRow};

pub(crate) fn handoff_outcome(s: &str) -> Result<HandoffOutcome> {
    HandoffOutcome::parse(s).ok_or_else(|| corrupt(format!("unknown handoff outcome {s:?}")))
}

pub(crate) fn channel_from(s: &str) -> Result<Channel> {
    Channel::parse(s).ok_or_else(|| corrupt(format!("unknown channel {s:?}")))
}

/// Stored text was checked on the way in; a generous bound here only catches tampering.
pub(crate) fn text(s: &str) -> Result<Text> {
    Text::parse(s, Text::SUMMARY_MAX).map_err(corrupt)
}

/// A person's described details as stored, checked again.
pub(crate) fn contact_details(
    language: &str,
    interpreter: bool,
    age_band: Option<String>,
) -> Result<domain::ContactDetails> {
    Ok(domain::ContactDetails {
        language: Text::parse(language, domain::ContactDetails::LANGUAGE_MAX).map_err(corrupt)?,
        interpreter,
        age_band: age_band
            .map(|b| {
                domain::AgeBand::parse(&b).ok_or_else(|| corrupt(format!("unknown age band {b:?}")))
            })
            .transpose()?,
    })
}

/// Who acted, as rows store it: the user's id, or nothing for Crisisbridge itself.
pub(crate) fn actor_row(actor: domain::event::Actor) -> Option<uuid::Uuid> {
    match actor {
        domain::event::Actor::User(user) => Some(user.as_uuid()),
        domain::event::Actor::System => None,
    }
}

/// Reads back what [`actor_row`] wrote.
pub(crate) fn actor_of(row: Option<uuid::Uuid>) -> domain::event::Actor {
    row.map_or(domain::event::Actor::System, |u| {
        domain::event::Actor::User(domain::UserId::from_uuid(u))
    })
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising these rows cannot fail: every field is a string, number, uuid or list.
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
