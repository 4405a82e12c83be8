//! Mobile crisis teams' statuses and their transition table; the incident log records the
//! statuses a team reports while working an incident (`EventKind::TeamStatusChanged`), and
//! `dispatch` keeps each team's state by this table (`dispatch::check_transition`).
//!
//! The table, as a CAD would keep it (`from → allowed next`):
//!
//! | from | may become |
//! |---|---|
//! | available | dispatched, out_of_service |
//! | dispatched | en_route, on_scene, available, out_of_service |
//! | en_route | on_scene, available, out_of_service |
//! | on_scene | transporting, available, out_of_service |
//! | transporting | at_facility, out_of_service |
//! | at_facility | available, transporting, out_of_service |
//! | out_of_service | available |
//!
//! Why these and not others:
//! - Only an available team is dispatched. A team still busy is cleared (`available`) first,
//!   so every call's record ends before the next begins and "calls per team" stays countable.
//! - `dispatched → on_scene` is allowed: a team sent a block away, or a responder who forgot
//!   the en-route button, still arrives, and dispatch-to-scene time is still measured.
//! - `dispatched`/`en_route → available` is a cancellation (the call no longer needs a team,
//!   or the dispatcher sends another); `on_scene → available` is "clear".
//! - `transporting` ends only at a facility: the record must say the person was handed over
//!   somewhere. `at_facility → transporting` is the facility that refused (a crisis
//!   centre that sends the person on to an emergency department).
//! - Any status may become `out_of_service` (a breakdown, an injury, a responder pulled
//!   off); that also ends the team's part in its call. `out_of_service` leaves only for
//!   `available`.
//! - A status never "becomes" itself: a repeated button press is refused as a repeat.

/// Where a mobile crisis team is in its work, as the responder's phone and the dispatcher
/// report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TeamStatus {
    /// Free to take a call.
    Available,
    /// Assigned to an incident, not yet moving.
    Dispatched,
    /// Driving to the incident.
    EnRoute,
    /// With the person.
    OnScene,
    /// Taking the person to a facility (crisis centre, emergency department).
    Transporting,
    /// At the facility, handing the person over.
    AtFacility,
    /// Not taking calls: off shift, on a break, vehicle down.
    OutOfService,
}

impl TeamStatus {
    pub const ALL: [Self; 7] = [
        Self::Available,
        Self::Dispatched,
        Self::EnRoute,
        Self::OnScene,
        Self::Transporting,
        Self::AtFacility,
        Self::OutOfService,
    ];

    /// The stable name in the logs, the API and the live stream.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Dispatched => "dispatched",
            Self::EnRoute => "en_route",
            Self::OnScene => "on_scene",
            Self::Transporting => "transporting",
            Self::AtFacility => "at_facility",
            Self::OutOfService => "out_of_service",
        }
    }

    /// Reads a stable name; surrounding spaces are ignored.
    pub fn from_name(s: &str) -> Option<Self> {
        let wanted = s.trim();
        Self::ALL.into_iter().find(|status| status.as_str() == wanted)
    }

    /// The statuses this one may become, in the order a responder usually meets them.
    pub const fn next(self) -> &'static [Self] {
        use TeamStatus::*;
        match self {
            Available => &[Dispatched, OutOfService],
            Dispatched => &[EnRoute, OnScene, Available, OutOfService],
            EnRoute => &[OnScene, Available, OutOfService],
            OnScene => &[Transporting, Available, OutOfService],
            Transporting => &[AtFacility, OutOfService],
            AtFacility => &[Available, Transporting, OutOfService],
            OutOfService => &[Available],
        }
    }

    /// Whether the table allows `self → next` (never `self → self`).
    pub fn can_become(self, next: Self) -> bool {
        self.next().contains(&next)
    }

    /// Whether a team with this status is working an incident (and so names one).
    pub const fn is_on_a_call(self) -> bool {
        matches!(
            self,
            Self::Dispatched
                | Self::EnRoute
                | Self::OnScene
                | Self::Transporting
                | Self::AtFacility
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in TeamStatus::ALL {
            assert_eq!(TeamStatus::from_name(status.as_str()), Some(status));
        }
        assert_eq!(TeamStatus::from_name(" on_scene "), Some(TeamStatus::OnScene));
        assert_eq!(TeamStatus::from_name("busy"), None);
    }
}
