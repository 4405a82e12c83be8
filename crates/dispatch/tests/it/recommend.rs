//! Recommendations on synthetic scenarios, with the straight-line estimate so every number
//! can be worked out by hand: 1 km north takes 1,000 m × 1.417 / (40 km/h) = 127.53 s.

use dispatch::{
    Candidate, CoverageArea, CoveragePoint, DispatchError, Eligibility, Fix, Ineligible,
    PositionBasis, RecommendRequest, RecommendSettings, ResponseTarget, StraightLineTravelTimes,
    TeamState, TeamStatus, auto_assign, recommend,
};
use domain::{Location, Timestamp};

use crate::{available_at, caps, incident_id, north, t, team, team_id};

const NOW: i64 = 100_000;

fn run(
    teams: &[TeamState],
    required: &[&str],
    target: ResponseTarget,
    area: Option<&CoverageArea>,
) -> Vec<Candidate> {
    let location = Location::circle(north(0.0), 30.0).unwrap();
    let required = caps(required);
    let request =
        RecommendRequest { location: &location, required: &required, target, coverage: area };
    let mut travel = StraightLineTravelTimes::new();
    recommend(&request, teams, &mut travel, &RecommendSettings::default(), t(NOW)).unwrap()
}

fn names(candidates: &[Candidate]) -> Vec<&str> {
    candidates.iter().map(|c| c.name.as_str()).collect()
}

fn explanation<'a>(candidates: &'a [Candidate], name: &str) -> &'a str {
    &candidates.iter().find(|c| c.name == name).unwrap().explanation
}

/// Live: the fix is 5 s old.
fn live(n: u128, name: &str, capabilities: &[&str], km: f64) -> TeamState {
    available_at(n, name, capabilities, km, NOW - 5)
}

#[test]
fn a_missing_capability_demotes_by_fifteen_minutes_but_does_not_exclude() {
    let teams = [
        live(1, "Lawrence 1", &[], 2.0), // 255 s + 2 × 900 s missing = 2,055
        live(2, "Lawrence 2", &["youth", "peer"], 6.0), // 765 s
        live(3, "Lawrence 3", &["Youth"], 10.0), // 1,275 s + 900 s = 2,175
    ];
    let got = run(&teams, &["youth", "peer"], ResponseTarget::Urban, None);
    assert_eq!(names(&got), ["Lawrence 2", "Lawrence 1", "Lawrence 3"]);
    assert_eq!(
        got[0].explanation,
        "Team Lawrence 2: 13 min by straight-line estimate, not by road, from its position 5 s ago; has youth and peer; no calls in the last 12 h."
    );
    assert!(explanation(&got, "Lawrence 1").contains("; lacks youth and peer;"));
    assert!(explanation(&got, "Lawrence 3").contains("; lacks peer, has youth;"));
    assert_eq!(got[1].missing, caps(&["youth", "peer"]));
    let scores: Vec<f64> = got.iter().map(|c| c.score_s.unwrap().round()).collect();
    assert_eq!(scores, [765.0, 2055.0, 2175.0]);
    assert_eq!(auto_assign(&got), Some(team_id(2)));
}

#[test]
fn recent_calls_add_two_minutes_each_within_twelve_hours() {
    let mut busy = team(1, "Lawrence 1", &[]);
    busy.start_shift(t(0)).unwrap();
    // One call 13 h ago (outside the window), two within it.
    for at in [NOW - 13 * 3600, NOW - 10_000, NOW - 5_000] {
        busy.dispatch(incident_id(at as u128), t(at)).unwrap();
        busy.set_status(TeamStatus::Available, t(at + 600)).unwrap();
    }
    busy.apply_fix(Fix::at_point(t(NOW - 5), north(2.0)), t(NOW - 5));
    let teams = [busy, live(2, "Lawrence 2", &[], 3.0)];
    let got = run(&teams, &[], ResponseTarget::Urban, None);
    // 255 s + 2 × 120 s = 495 s against 383 s.
    assert_eq!(names(&got), ["Lawrence 2", "Lawrence 1"]);
    assert_eq!(got[1].recent_calls, 2);
    assert!(got[1].explanation.ends_with("; 2 calls in the last 12 h."), "{}", got[1].explanation);
    assert!(!got[0].explanation.contains("lacks"), "no capability talk when none is required");
}

#[test]
fn stale_positions_rank_as_if_further_away_and_unknown_ones_come_last() {
    let teams = [
        available_at(1, "Lawrence 1", &[], 1.0, NOW - 300), // 128 s + 300 s = 428 s
        live(2, "Lawrence 2", &[], 3.0),                    // 383 s
        available_at(3, "Lawrence 3", &[], 0.5, NOW - 1200), // too old: home base
        {
            let mut never = team(4, "Lawrence 4", &[]);
            never.start_shift(t(0)).unwrap();
            never
        },
    ];
    let got = run(&teams, &[], ResponseTarget::Urban, None);
    assert_eq!(names(&got), ["Lawrence 2", "Lawrence 1", "Lawrence 3", "Lawrence 4"]);
    assert_eq!(got[1].position, Some(PositionBasis::Stale { age_ms: 300_000 }));
    assert_eq!(
        got[1].explanation,
        "Team Lawrence 1: 3 min by straight-line estimate, not by road, from its position 5 min ago (stale: ranked as if 5 min further away); no calls in the last 12 h."
    );
    assert_eq!(got[2].position, Some(PositionBasis::HomeBase { last_fix_age_ms: Some(1_200_000) }));
    assert!(
        got[2].explanation.starts_with(
            "Team Lawrence 3: position unknown (last GPS fix 20 min ago); under 1 min by straight-line estimate, not by road, if at its home base;"
        ),
        "{}",
        got[2].explanation
    );
    assert!(got[3].explanation.contains("position unknown (no GPS fix yet)"));
    assert_eq!(auto_assign(&got), Some(team_id(2)));
    // With only stale and unknown teams, nobody is auto-assigned.
    assert_eq!(auto_assign(&got[1..]), None);
    assert_eq!(auto_assign(&got[2..]), None);
}

#[test]
fn coverage_loss_is_what_only_this_team_reaches_in_time() {
    // Target 30 min ≈ 14.1 km straight line. The east point (+14 km) is reached only by
    // Lawrence 1 (+1 km); the west point (−10 km) by both. The team on scene out east does
    // not count: it is not available.
    let area = CoverageArea::new(
        "Douglas County",
        vec![
            CoveragePoint { point: north(14.0), weight: 1.0 },
            CoveragePoint { point: north(-10.0), weight: 1.0 },
        ],
    )
    .unwrap();
    let mut on_scene = live(3, "Lawrence 3", &[], 14.0);
    on_scene.dispatch(incident_id(9), t(NOW - 840)).unwrap();
    on_scene.set_status(TeamStatus::OnScene, t(NOW - 600)).unwrap();
    let teams = [live(1, "Lawrence 1", &[], 1.0), live(2, "Lawrence 2", &[], -2.0), on_scene];
    let got = run(&teams, &[], ResponseTarget::Within(1800), Some(&area));
    // Lawrence 1: 128 s + 50 % × 1,800 s = 1,028 s; Lawrence 2: 255 s.
    assert_eq!(names(&got), ["Lawrence 2", "Lawrence 1", "Lawrence 3"]);
    assert!(
        got[0]
            .explanation
            .ends_with("; leaving keeps coverage of Douglas County within 30 min at 100%."),
        "{}",
        got[0].explanation
    );
    assert!(
        got[1].explanation.ends_with(
            "; leaving drops coverage of Douglas County within 30 min from 100% to 50%."
        ),
        "{}",
        got[1].explanation
    );
    let change = got[1].coverage.unwrap();
    assert_eq!((change.before, change.after), (1.0, 0.5));
    assert_eq!(
        got[2].explanation,
        "Team Lawrence 3: not eligible: on scene at incident 00000000-0000-0000-0000-000000010009 for 10 min."
    );
    assert_eq!(
        got[2].eligibility,
        Eligibility::NotEligible(Ineligible::OnACall {
            status: TeamStatus::OnScene,
            incident: Some(incident_id(9)),
            since: t(NOW - 600)
        })
    );
}

#[test]
fn the_default_targets_are_sixty_minutes_urban_and_one_twenty_rural() {
    let area =
        CoverageArea::new("Douglas County", vec![CoveragePoint { point: north(5.0), weight: 3.0 }])
            .unwrap();
    let teams = [live(1, "Lawrence 1", &[], 0.0)];
    let urban = run(&teams, &[], ResponseTarget::Urban, Some(&area));
    assert!(
        urban[0].explanation.contains("coverage of Douglas County within 60 min from 100% to 0%")
    );
    let rural = run(&teams, &[], ResponseTarget::Rural, Some(&area));
    assert!(rural[0].explanation.contains("within 120 min from 100% to 0%"));
    // Losing the whole area costs 30 min: 0 s + 1,800 s.
    assert_eq!(rural[0].score_s, Some(1800.0));
}

#[test]
fn ineligible_teams_follow_the_eligible_ones_by_name_with_the_reason() {
    let mut out_of_service = live(1, "Alpha", &[], 0.0);
    out_of_service.set_status(TeamStatus::OutOfService, t(NOW - 3600)).unwrap();
    let off_shift = team(2, "Bravo", &[]);
    let teams = [out_of_service, off_shift, live(3, "Zulu", &[], 9.0)];
    let got = run(&teams, &[], ResponseTarget::Urban, None);
    assert_eq!(names(&got), ["Zulu", "Alpha", "Bravo"]);
    assert_eq!(got[1].explanation, "Team Alpha: not eligible: out of service for 60 min.");
    assert_eq!(got[2].explanation, "Team Bravo: not eligible: off shift.");
    assert!(got[1..].iter().all(|c| c.eta.is_none() && c.score_s.is_none() && !c.is_eligible()));
}

#[test]
fn ties_break_by_name_then_id() {
    let teams =
        [live(5, "Same", &[], 1.0), live(4, "Same", &[], 1.0), live(9, "Earlier name", &[], 1.0)];
    let got = run(&teams, &[], ResponseTarget::Urban, None);
    let order: Vec<_> = got.iter().map(|c| c.team).collect();
    assert_eq!(order, [team_id(9), team_id(4), team_id(5)]);
}

#[test]
fn a_pending_jump_is_said_and_blocks_auto_assignment() {
    let mut jumpy = live(1, "Lawrence 1", &[], 1.0);
    // (10 km − 2 × 50 m) in 3 s = 3,300 m/s = 11,880 km/h.
    jumpy.apply_fix(Fix::at_point(t(NOW - 2), north(11.0)), t(NOW - 2));
    let got = run(&[jumpy], &[], ResponseTarget::Urban, None);
    assert!(
        got[0].explanation.contains(
            "from its position 5 s ago; its latest fix was held back: it implies 11880 km/h;"
        ),
        "{}",
        got[0].explanation
    );
    assert!(got[0].pending_jump_mps.is_some());
    assert_eq!(auto_assign(&got), None);
}

#[test]
fn a_missing_capability_blocks_auto_assignment() {
    let got = run(&[live(1, "Lawrence 1", &[], 1.0)], &["youth"], ResponseTarget::Urban, None);
    assert_eq!(auto_assign(&got), None);
    assert_eq!(auto_assign(&[]), None);
}

#[test]
fn an_unknown_location_is_refused_and_a_polygon_is_routed_to_its_centroid() {
    let request = RecommendRequest {
        location: &Location::Unknown,
        required: &[],
        target: ResponseTarget::Urban,
        coverage: None,
    };
    let mut travel = StraightLineTravelTimes::new();
    let settings = RecommendSettings::default();
    let teams = [live(1, "Lawrence 1", &[], 0.0)];
    let err = recommend(&request, &teams, &mut travel, &settings, t(NOW)).unwrap_err();
    assert_eq!(err, DispatchError::UnknownLocation);

    // A square 2 km on a side centred 3 km north: the team at the base is 3 km away.
    let (s, n) = (north(2.0), north(4.0));
    let dlon = 1.0 / (crate::METRES_PER_DEGREE / 1000.0 * crate::BASE_LAT.to_radians().cos());
    let corner = |p: domain::GeoPoint, d: f64| {
        domain::GeoPoint::parse(p.lat.degrees(), p.lon.degrees() + d * dlon).unwrap()
    };
    let square = domain::Polygon::parse(vec![
        corner(s, -1.0),
        corner(s, 1.0),
        corner(n, 1.0),
        corner(n, -1.0),
    ])
    .unwrap();
    let location = Location::Polygon(square);
    let request = RecommendRequest { location: &location, ..request };
    let got =
        recommend(&request, &teams, &mut travel, &settings, Timestamp::from_millis(NOW * 1000))
            .unwrap();
    let eta = got[0].eta.unwrap().millis;
    assert!((eta as i64 - 382_590).abs() < 50, "{eta}");
}
