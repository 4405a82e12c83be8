//! The domain model of Crisisbridge.
//!
//! This crate owns the vocabulary every other crate speaks:
//!
//! - [`ids`]: UUID v7 newtypes ([`IncidentId`], [`AgencyId`], [`UserId`], [`TeamId`]).
//! - [`time`]: [`Timestamp`] (UTC epoch milliseconds) and the [`Clock`] trait.
//! - [`location`]: [`Location`] — a WGS84 point with an uncertainty radius, a polygon, or
//!   unknown — built only through range-checked parsing.
//! - [`contact`]: [`CallbackNumber`] and bounded free text ([`Text`]).
//! - [`call`]: a contact's timing from the phone system ([`CallEvent`]): arrived, answered,
//!   abandoned, rolled over — before and apart from any incident.
//! - [`agency`]: [`AgencyKind`] and [`Agency`].
//! - [`facility`]: crisis facilities — who each takes and how much room it has now.
//! - [`role`]: the closed [`Role`] → [`Permission`] table.
//! - [`team`]: [`TeamStatus`], the names of a mobile crisis team's statuses.
//! - [`route`]: [`Route`] — who serves a location for one service, its rollover tiers, and why.
//! - [`event`]: [`Event`] (who, when, which agency, what) and [`EventKind`].
//! - [`incident`]: [`Incident`], its [`IncidentStatus`], and [`Incident::apply`], the one
//!   state machine every command and every replay goes through.
//!
//! Invariants:
//! - No IO, no async, no wall clock: time arrives as a [`Timestamp`] argument.
//! - No serde: wire and row formats live in the crates at the edges.
//! - A value of a domain type is valid by construction; parsing is the only way in.

pub mod agency;
pub mod call;
pub mod contact;
pub mod event;
pub mod facility;
pub mod ids;
pub mod incident;
pub mod location;
pub mod role;
pub mod route;
pub mod team;
pub mod time;

pub use agency::{Agency, AgencyKind};
pub use call::{CallError, CallEvent, CallId, CallIdError, CallRecorded, CallStep};
pub use contact::{AgeBand, CallbackNumber, ContactDetails, Text, TextError};
pub use event::{Disposition, Event, EventKind, NoteAudience, TriageOutcome};
pub use ids::{AgencyId, IdError, IncidentId, TeamId, UserId};
pub use incident::{
    Alarm, AlarmKind, Channel, ChosenDestination, Destination, EmergencyHandoff, HandoffOutcome,
    HandoffPayload, Incident, IncidentStatus, Override, PendingTransfer, TransitionError,
    Unanswered,
};
pub use location::{GeoPoint, Latitude, Location, LocationError, Longitude, Polygon};
pub use role::{Permission, Role};
pub use route::{Route, RouteBasis, RouteShare, RouteTier};
pub use team::TeamStatus;
pub use time::{Clock, Timestamp};
