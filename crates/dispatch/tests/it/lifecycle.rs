//! A team's shift and status through `TeamState`: every transition of the domain's table
//! (`TeamStatus::can_become`), driven on a real team, and the shift rules.

use dispatch::{DispatchError, Shift, TeamSnapshot, TeamState, TeamStatus};

use crate::{incident_id, t, team};

use TeamStatus::*;

/// An on-shift team brought to `status` by allowed steps, the last at `t(100)`.
fn team_in(status: TeamStatus) -> TeamState {
    let mut team = team(1, "Lawrence 1", &[]);
    team.start_shift(t(10)).unwrap();
    let path: &[TeamStatus] = match status {
        Available => &[],
        Dispatched => &[Dispatched],
        EnRoute => &[Dispatched, EnRoute],
        OnScene => &[Dispatched, EnRoute, OnScene],
        Transporting => &[Dispatched, EnRoute, OnScene, Transporting],
        AtFacility => &[Dispatched, EnRoute, OnScene, Transporting, AtFacility],
        OutOfService => &[OutOfService],
    };
    for (i, step) in path.iter().enumerate() {
        let at = t(100 - (path.len() - 1 - i) as i64);
        change(&mut team, *step, at).unwrap();
    }
    assert_eq!(team.status(), status);
    team
}

fn change(team: &mut TeamState, to: TeamStatus, at: domain::Timestamp) -> dispatch::Result<()> {
    match to {
        Dispatched => team.dispatch(incident_id(1), at),
        other => team.set_status(other, at),
    }
}

#[test]
fn every_transition_is_accepted_or_refused_on_a_team_as_the_table_says() {
    for from in TeamStatus::ALL {
        for to in TeamStatus::ALL {
            let mut team = team_in(from);
            let before = team.clone();
            let result = change(&mut team, to, t(200));
            // The table itself is checked against an independent copy in `status.rs`'s unit
            // test; here, a real team must follow it.
            if from.can_become(to) {
                result.unwrap_or_else(|e| panic!("{from:?} → {to:?} refused: {e}"));
                assert_eq!(team.status(), to);
                assert_eq!(team.status_since(), t(200));
                let want_incident = to.is_on_a_call().then_some(incident_id(1));
                assert_eq!(team.incident(), want_incident, "{from:?} → {to:?}");
            } else {
                let err = result.unwrap_err();
                // A team on a call is told which call it is on before anything else.
                let expected = if to == Dispatched && from.is_on_a_call() {
                    DispatchError::OnACall { status: from, incident: incident_id(1) }
                } else if from == to {
                    DispatchError::AlreadyInStatus(from)
                } else {
                    DispatchError::Transition { from, to }
                };
                assert_eq!(err, expected, "{from:?} → {to:?}");
                assert_eq!(team, before, "a refused change leaves the team as it was");
            }
        }
    }
}

#[test]
fn a_full_call_keeps_its_incident_until_clear_and_counts_once() {
    let mut team = team_in(AtFacility);
    assert_eq!(team.incident(), Some(incident_id(1)));
    assert_eq!(team.calls_within(t(100), 3600), 1);
    team.set_status(Available, t(300)).unwrap();
    assert_eq!((team.status(), team.incident(), team.status_since()), (Available, None, t(300)));
}

#[test]
fn set_status_cannot_dispatch_without_an_incident() {
    let mut team = team_in(Available);
    assert_eq!(team.set_status(Dispatched, t(200)), Err(DispatchError::DispatchNeedsIncident));
    assert_eq!(team.status(), Available);
}

#[test]
fn a_new_team_is_off_shift_and_off_shift_means_out_of_service() {
    let mut team = team(1, "Lawrence 1", &[]);
    assert_eq!((team.shift(), team.status()), (Shift::Off, OutOfService));
    for to in TeamStatus::ALL {
        let err = change(&mut team, to, t(5)).unwrap_err();
        assert!(
            matches!(err, DispatchError::OffShift | DispatchError::DispatchNeedsIncident),
            "{to:?}: {err}"
        );
    }
    assert_eq!(team.end_shift(t(5)), Err(DispatchError::AlreadyOffShift));
    team.start_shift(t(10)).unwrap();
    assert_eq!((team.shift(), team.status(), team.status_since()), (Shift::On, Available, t(10)));
    assert_eq!(team.start_shift(t(11)), Err(DispatchError::AlreadyOnShift));
}

#[test]
fn a_shift_ends_only_between_calls() {
    for status in TeamStatus::ALL {
        let mut team = team_in(status);
        let before = team.clone();
        let result = team.end_shift(t(500));
        if status.is_on_a_call() {
            assert_eq!(result, Err(DispatchError::ShiftEndsOnACall(status)));
            assert_eq!(team, before);
            let message = result.unwrap_err().to_string();
            assert!(message.contains("clear it (available) before ending its shift"), "{message}");
        } else {
            result.unwrap();
            assert_eq!((team.shift(), team.status()), (Shift::Off, OutOfService));
            // Already out of service keeps its since-time: nothing changed but the shift.
            let since = if status == OutOfService { t(100) } else { t(500) };
            assert_eq!(team.status_since(), since);
        }
    }
}

#[test]
fn snapshots_round_trip_and_contradictions_are_refused() {
    let team = team_in(OnScene);
    let restored = TeamState::restore(team.profile.clone(), team.snapshot()).unwrap();
    assert_eq!(restored, team);

    let bad = |edit: fn(&mut TeamSnapshot)| {
        let mut snapshot = team.snapshot();
        edit(&mut snapshot);
        TeamState::restore(team.profile.clone(), snapshot).unwrap_err().to_string()
    };
    assert_eq!(
        bad(|s| s.incident = None),
        "team snapshot is inconsistent: a team that is on_scene must name an incident"
    );
    assert_eq!(
        bad(|s| s.shift = Shift::Off),
        "team snapshot is inconsistent: an off-shift team must be out_of_service, not on_scene"
    );
    assert_eq!(
        bad(|s| s.status = Available),
        "team snapshot is inconsistent: a team that is available must not name an incident"
    );
}
