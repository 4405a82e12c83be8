//! GPS fixes: ordering, impossible jumps, clocks that run ahead, and the stale boundary.

use dispatch::position::{MAX_CLOCK_AHEAD_MS, MAX_PLAUSIBLE_SPEED_MPS};
use dispatch::{Fix, FixVerdict, StalePolicy, TeamState};
use domain::Timestamp;

use crate::{north, t, team};

fn fix(at_s: i64, km: f64) -> Fix {
    Fix::parse(t(at_s), north(km), Some(10.0), None, None).unwrap()
}

fn current_km(team: &TeamState) -> Option<f64> {
    let point = team.position().current()?.point();
    Some(
        ((point.lat.degrees() - crate::BASE_LAT) * crate::METRES_PER_DEGREE / 1000.0 * 1e6).round()
            / 1e6,
    )
}

#[test]
fn out_of_order_fixes_never_move_the_position_back_in_time() {
    let mut team = team(1, "Lawrence 1", &[]);
    assert_eq!(team.apply_fix(fix(100, 0.0), t(100)), FixVerdict::Current);
    assert_eq!(team.apply_fix(fix(110, 0.2), t(111)), FixVerdict::Current);
    // A fix from 105 arriving late, and a repeat of the current fix's time.
    assert_eq!(team.apply_fix(fix(105, 0.1), t(112)), FixVerdict::OutOfOrder { behind_ms: 5000 });
    assert_eq!(team.apply_fix(fix(110, 0.3), t(113)), FixVerdict::OutOfOrder { behind_ms: 0 });
    assert_eq!(current_km(&team), Some(0.2));
    assert_eq!(team.position().current().unwrap().at(), t(110));
    assert_eq!(team.position().last_received(), Some(t(113)));
}

#[test]
fn a_single_impossible_jump_is_flagged_and_does_not_move_the_team() {
    let mut team = team(1, "Lawrence 1", &[]);
    team.apply_fix(fix(0, 0.0), t(0));
    // 10 km in 10 s: (10,000 − 20) m / 10 s = 998 m/s.
    let FixVerdict::ImpossibleJump { implied_speed_mps } = team.apply_fix(fix(10, 10.0), t(10))
    else {
        panic!("expected an impossible jump")
    };
    assert!((implied_speed_mps - 998.0).abs() < 0.1, "{implied_speed_mps}");
    assert_eq!(current_km(&team), Some(0.0));
    assert!(team.position().suspect().is_some());
    // The next fix is near the old position: the jump was an outlier and is dropped.
    assert_eq!(team.apply_fix(fix(20, 0.1), t(20)), FixVerdict::Current);
    assert_eq!(current_km(&team), Some(0.1));
    assert!(team.position().suspect().is_none());
}

#[test]
fn two_consistent_fixes_win_over_a_wrong_current_position() {
    let mut team = team(1, "Lawrence 1", &[]);
    // The first fix ever is the wrong one (a cached fix from far away).
    team.apply_fix(fix(0, 50.0), t(0));
    assert!(matches!(team.apply_fix(fix(10, 0.0), t(10)), FixVerdict::ImpossibleJump { .. }));
    assert_eq!(current_km(&team), Some(50.0));
    assert_eq!(
        team.apply_fix(fix(20, 0.1), t(20)),
        FixVerdict::Current,
        "plausible from the suspect"
    );
    assert_eq!(current_km(&team), Some(0.1));
}

#[test]
fn the_speed_bound_allows_for_accuracy_and_sits_at_70_m_per_s() {
    assert_eq!(MAX_PLAUSIBLE_SPEED_MPS, 70.0);
    let mut team = team(1, "Lawrence 1", &[]);
    team.apply_fix(fix(0, 0.0), t(0));
    // (720 − 20) m in 10 s = 70 m/s exactly: plausible. 0.72 km north is not exactly 720 m
    // in floating point, so allow a centimetre either side.
    assert_eq!(team.apply_fix(fix(10, 0.719_99), t(10)), FixVerdict::Current);
    // From there, (740 − 20) m in 10 s = 72 m/s: impossible.
    assert!(matches!(team.apply_fix(fix(20, 1.459_99), t(20)), FixVerdict::ImpossibleJump { .. }));
    // A coarse fix (±500 m) covers the same jump.
    let coarse = Fix::parse(t(30), north(1.46), Some(500.0), None, None).unwrap();
    assert_eq!(team.apply_fix(coarse, t(30)), FixVerdict::Current);
}

#[test]
fn a_fix_stamped_far_ahead_of_its_receipt_is_not_used() {
    let mut team = team(1, "Lawrence 1", &[]);
    team.apply_fix(fix(0, 0.0), t(0));
    let ahead = MAX_CLOCK_AHEAD_MS / 1000 + 1;
    assert_eq!(
        team.apply_fix(fix(10 + ahead, 0.1), t(10)),
        FixVerdict::AheadOfClock { ahead_ms: ahead * 1000 }
    );
    assert_eq!(current_km(&team), Some(0.0));
    // Up to the allowance it is fine (clocks differ by a little).
    let slightly = MAX_CLOCK_AHEAD_MS / 1000;
    assert_eq!(team.apply_fix(fix(20 + slightly, 0.2), t(20)), FixVerdict::Current);
}

#[test]
fn stale_means_older_than_three_intervals_and_no_fix_is_stale() {
    let policy = StalePolicy::default();
    assert_eq!(policy.threshold_ms(), 30_000);
    let mut team = team(1, "Lawrence 1", &[]);
    assert!(team.is_stale(t(0), &policy), "no fix at all");
    team.apply_fix(fix(100, 0.0), t(100));
    let at = |ms: i64| Timestamp::from_millis(100_000 + ms);
    assert!(!team.is_stale(at(0), &policy));
    assert!(!team.is_stale(at(30_000), &policy), "exactly three intervals is not yet stale");
    assert!(team.is_stale(at(30_001), &policy));
    // The multiplier and the interval are both configurable.
    let five_by_four = StalePolicy { reporting_interval_s: 5, intervals: 4 };
    assert!(!team.is_stale(at(20_000), &five_by_four));
    assert!(team.is_stale(at(20_001), &five_by_four));
    // A position "from the future" (a clock slightly ahead) is fresh, not negative.
    assert_eq!(team.position().age_ms(at(-500)), Some(0));
}

#[test]
fn refused_fixes_let_the_position_age_into_stale() {
    let policy = StalePolicy::default();
    let mut team = team(1, "Lawrence 1", &[]);
    team.apply_fix(fix(0, 0.0), t(0));
    for i in 1..=4 {
        // Each jumps from the current position and from the previous suspect alike.
        let verdict = team.apply_fix(fix(i * 10, 20.0 * i as f64), t(i * 10));
        assert!(matches!(verdict, FixVerdict::ImpossibleJump { .. }), "{i}: {verdict:?}");
    }
    assert!(team.is_stale(t(40), &policy));
    assert_eq!(team.position().last_received(), Some(t(40)));
}
