//! Dispatch: mobile crisis teams' state, and which team to send.
//!
//! Entry points:
//! - [`TeamStatus`] and [`check_transition`]: the status table (available, dispatched,
//!   en route, on scene, transporting, at facility, out of service), documented in
//!   `status.rs`.
//! - [`TeamState`]: one team as a projection — profile, shift, status since when, the
//!   incident it is on, recent dispatches, position. [`TeamState::dispatch`],
//!   [`TeamState::set_status`], [`TeamState::start_shift`] / [`TeamState::end_shift`],
//!   [`TeamState::apply_fix`] (→ [`FixVerdict`]) and [`TeamState::is_stale`].
//! - [`recommend`]: ranks the teams for an incident by ETA, required capabilities, workload
//!   and coverage loss, each [`Candidate`] with a plain-language explanation;
//!   [`auto_assign`] picks the top one for providers that allow it.
//! - [`TravelTimes`]: [`RoadTravelTimes`] over a [`roads::Graph`] or
//!   [`StraightLineTravelTimes`]; every [`Eta`] says which ([`EtaSource`]).
//!
//! Invariants:
//! - Pure: no IO, no clock. Time arrives as a [`domain::Timestamp`]; the caller stores fixes
//!   and events and calls these functions in log order.
//! - Every method checks before it changes anything: a refused status change or shift change
//!   leaves the team as it was. An off-shift team is always out of service, and a team is on
//!   an incident exactly while its status is one of a call.
//! - A team's position never moves back in time and never jumps to a place it could not
//!   have reached (`position.rs`); a dispatcher is told how old every position behind an ETA
//!   is, and whether the ETA is by road or a straight-line estimate.
//! - The recommendation is deterministic: equal inputs give the same order and text.

mod capability;
mod coverage;
mod error;
mod explain;
pub mod position;
mod recommend;
mod status;
mod team;
mod travel;

pub use capability::Capability;
pub use coverage::{CoverageArea, CoveragePoint};
pub use error::{DispatchError, Result};
pub use explain::representative_point;
pub use position::{Fix, FixVerdict, PositionTrack, StalePolicy};
pub use recommend::{
    Candidate, CoverageChange, Eligibility, Ineligible, PositionBasis, RecommendRequest,
    RecommendSettings, ResponseTarget, auto_assign, recommend, score,
};
pub use status::{TeamStatus, check_transition, parse_status};
pub use team::{REMEMBERED_DISPATCHES, Shift, TeamProfile, TeamSnapshot, TeamState};
pub use travel::{Eta, EtaSource, RoadTravelTimes, StraightLineTravelTimes, TravelTimes};
