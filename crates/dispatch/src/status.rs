//! Checking a team's status changes against the domain's table ([`TeamStatus::next`], where
//! the table and its reasons are written), with errors that say what is allowed.
//!
//! Shifts are not statuses: an off-shift team is `out_of_service` and stays so until its
//! shift starts (see `TeamState::start_shift`).

use crate::error::{DispatchError, Result};

pub use domain::TeamStatus;

/// Reads a status's stable name ([`TeamStatus::as_str`]); surrounding spaces are ignored.
pub fn parse_status(s: &str) -> Result<TeamStatus> {
    TeamStatus::from_name(s).ok_or_else(|| DispatchError::UnknownStatus(s.to_owned()))
}

/// `Ok` when the table allows `from → to`; otherwise an error that says what is allowed from
/// `from`.
pub fn check_transition(from: TeamStatus, to: TeamStatus) -> Result<()> {
    if from == to {
        Err(DispatchError::AlreadyInStatus(from))
    } else if from.can_become(to) {
        Ok(())
    } else {
        Err(DispatchError::Transition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::TeamStatus::*;
    use super::*;

    /// Every allowed pair, written out independently of `next()`; every other pair of the
    /// 49 must be refused.
    const ALLOWED: [(TeamStatus, TeamStatus); 18] = [
        (Available, Dispatched),
        (Available, OutOfService),
        (Dispatched, EnRoute),
        (Dispatched, OnScene),
        (Dispatched, Available),
        (Dispatched, OutOfService),
        (EnRoute, OnScene),
        (EnRoute, Available),
        (EnRoute, OutOfService),
        (OnScene, Transporting),
        (OnScene, Available),
        (OnScene, OutOfService),
        (Transporting, AtFacility),
        (Transporting, OutOfService),
        (AtFacility, Available),
        (AtFacility, Transporting),
        (AtFacility, OutOfService),
        (OutOfService, Available),
    ];

    #[test]
    fn every_pair_is_allowed_or_refused_as_the_table_says() {
        let allowed: std::collections::BTreeSet<_> = ALLOWED.into_iter().collect();
        assert_eq!(allowed.len(), ALLOWED.len(), "no pair is listed twice");
        let mut checked = 0;
        for from in TeamStatus::ALL {
            for to in TeamStatus::ALL {
                checked += 1;
                let want = allowed.contains(&(from, to));
                assert_eq!(from.can_become(to), want, "{from:?} → {to:?}");
                match check_transition(from, to) {
                    Ok(()) => assert!(want, "{from:?} → {to:?} accepted"),
                    Err(DispatchError::AlreadyInStatus(s)) => assert_eq!((s, from), (to, to)),
                    Err(DispatchError::Transition { from: f, to: t }) => {
                        assert!(!want && from != to, "{from:?} → {to:?} refused");
                        assert_eq!((f, t), (from, to));
                    }
                    Err(other) => panic!("{from:?} → {to:?}: unexpected {other}"),
                }
            }
        }
        assert_eq!(checked, 49);
    }

    #[test]
    fn every_status_may_go_out_of_service_and_only_available_may_be_dispatched() {
        for s in TeamStatus::ALL {
            assert_eq!(s.can_become(OutOfService), s != OutOfService, "{s:?}");
            assert_eq!(s.can_become(Dispatched), s == Available, "{s:?}");
        }
    }

    #[test]
    fn refusals_say_what_is_allowed_from_here() {
        let err = check_transition(Transporting, Available).unwrap_err();
        assert_eq!(
            err.to_string(),
            "team status cannot go from transporting to available; from transporting it may go to at_facility or out_of_service"
        );
        let err = check_transition(OnScene, Dispatched).unwrap_err();
        assert_eq!(
            err.to_string(),
            "team status cannot go from on_scene to dispatched; from on_scene it may go to transporting, available or out_of_service"
        );
        let err = check_transition(OutOfService, EnRoute).unwrap_err();
        assert!(err.to_string().ends_with("from out_of_service it may go to available"), "{err}");
        assert_eq!(
            check_transition(OnScene, OnScene).unwrap_err().to_string(),
            "team is already on_scene"
        );
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in TeamStatus::ALL {
            assert_eq!(parse_status(s.as_str()), Ok(s));
        }
        assert_eq!(parse_status(" en_route "), Ok(EnRoute));
        let err = parse_status("enroute").unwrap_err();
        assert!(err.to_string().starts_with("team status \"enroute\" is not one of available,"));
        assert!(parse_status("Available").is_err(), "names are exact");
    }

    #[test]
    fn a_team_on_a_call_is_any_status_between_dispatch_and_clear() {
        let on_call: Vec<_> = TeamStatus::ALL.into_iter().filter(|s| s.is_on_a_call()).collect();
        assert_eq!(on_call, [Dispatched, EnRoute, OnScene, Transporting, AtFacility]);
    }
}
