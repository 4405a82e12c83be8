//! The fleet model's queueing, alone: with no driving and no transport, teams are servers
//! and calls customers, and the model is the M/M/c queue, whose probability of waiting is
//! Erlang C and whose mean wait is C / (cμ − λ). The simulated calls that found no team free,
//! their mean response and the teams' utilisation must each hold the exact value within the
//! replications' 99.9 % interval.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use simulate::arrivals::Arrivals;
use simulate::dist::Duration;
use simulate::fleet::{FleetModel, From, Policy, Priority, TeamSpec, Travel, simulate, summarise};
use simulate::replicate::replications;
use simulate::rng::Rng;

const REPLICATIONS: usize = 16;
const WIDEN_TO_99_9: f64 = 4.073 / 2.131;

/// Every drive takes no time: a team is on scene the moment it is sent.
struct NoDriving;

impl Travel for NoDriving {
    type Site = ();
    type Route = ();
    fn site(&mut self, _: &mut Rng) {}
    fn post_to_site(&mut self, _: usize, (): &()) -> Option<u64> {
        Some(0)
    }
    fn facility_to_site(&mut self, _: usize, (): &()) -> Option<u64> {
        Some(0)
    }
    fn site_to_site(&mut self, (): &(), (): &()) -> Option<u64> {
        Some(0)
    }
    fn route_to_post(&mut self, _: From<'_, ()>, _: usize) -> Option<(u64, ())> {
        Some((0, ()))
    }
    fn driving_back_to_site(&mut self, teams: &[(&(), u64)], (): &(), out: &mut Vec<Option<u64>>) {
        out.clear();
        out.extend(teams.iter().map(|_| Some(0)));
    }
    fn nearest_facility(&mut self, (): &()) -> Option<(usize, u64)> {
        Some((0, 0))
    }
}

fn erlang_c(servers: u32, offered: f64) -> f64 {
    // Erlang B by its recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=servers {
        b = offered * b / (f64::from(k) + offered * b);
    }
    let rho = offered / f64::from(servers);
    b / (1.0 - rho + rho * b)
}

#[test]
fn with_no_driving_the_fleet_is_the_m_m_c_queue() {
    for (per_hour, teams, on_scene_min) in [(6.0, 3, 20.0), (10.0, 4, 20.0), (5.0, 2, 18.0)] {
        let model = FleetModel {
            priorities: vec![Priority {
                name: "all".into(),
                share: 1.0,
                target_s: 600.0,
                rural_target_s: None,
                travel_factor: 1.0,
                requires: Vec::new(),
            }],
            arrivals: Arrivals::constant(per_hour).unwrap(),
            dispatch_delay: Duration::Fixed { s: 0.0 },
            on_scene: Duration::Exponential { mean_s: on_scene_min * 60.0 },
            transport_share: 0.0,
            handover: Duration::Fixed { s: 0.0 },
            teams: (0..teams).map(|k| TeamSpec::new(format!("T{k}"), 0)).collect(),
            warm_up_h: 24.0,
            hours: 2000.0,
            policy: simulate::fleet::Policy::Closest,
        };
        model.check(1).unwrap();
        let runs =
            replications(REPLICATIONS, 2, |r| simulate(&model, &mut NoDriving, r as u64, None));
        let summary = summarise(&model, &runs);
        let offered = per_hour * on_scene_min / 60.0;
        let c = erlang_c(teams, offered);
        let mu = 1.0 / (on_scene_min * 60.0);
        let wait_s = c / (f64::from(teams) * mu - per_hour / 3600.0);
        let what = format!("{per_hour}/h, {teams} teams, {on_scene_min} min");
        let q = summary.queued_share;
        assert!(q.holds(c, WIDEN_TO_99_9), "{what}: waited {q:?}, Erlang C {c}");
        let w = summary.priorities[0].mean_response_s;
        assert!(w.holds(wait_s, WIDEN_TO_99_9), "{what}: mean wait {w:?}, exact {wait_s}");
        let u = summary.utilisation;
        let rho = offered / f64::from(teams);
        assert!(u.holds(rho, WIDEN_TO_99_9), "{what}: utilisation {u:?}, exact {rho}");
        let load = summary.offered_load;
        assert!(load.holds(rho, WIDEN_TO_99_9), "{what}: offered load {load:?}, exact {rho}");
        // Intervals narrow enough to mean something.
        assert!(q.half_width < 0.02 && u.half_width < 0.01, "{what}: {q:?} {u:?}");
    }
}

#[test]
fn a_seed_reproduces_a_run_and_another_seed_does_not() {
    let model = FleetModel {
        priorities: vec![
            Priority {
                name: "high".into(),
                share: 0.4,
                target_s: 480.0,
                rural_target_s: None,
                travel_factor: 0.75,
                requires: Vec::new(),
            },
            Priority {
                name: "low".into(),
                share: 0.6,
                target_s: 630.0,
                rural_target_s: None,
                travel_factor: 1.0,
                requires: Vec::new(),
            },
        ],
        arrivals: Arrivals::constant(8.0).unwrap(),
        dispatch_delay: Duration::Fixed { s: 150.0 },
        on_scene: Duration::LogNormal { mean_s: 900.0, sd_s: 300.0 },
        transport_share: 0.5,
        handover: Duration::Exponential { mean_s: 240.0 },
        teams: (0..3).map(|k| TeamSpec::new(format!("T{k}"), 0)).collect(),
        warm_up_h: 1.0,
        hours: 200.0,
        policy: simulate::fleet::Policy::Closest,
    };
    let a = simulate(&model, &mut NoDriving, 7, None);
    assert_eq!(a, simulate(&model, &mut NoDriving, 7, None));
    assert_ne!(a, simulate(&model, &mut NoDriving, 8, None));
    // Responses are the dispatch delay plus the wait: never below the delay.
    assert!(a.priorities.iter().all(|p| p.median_response_s >= 150.0));
}

/// Teams on a day shift (07:00–19:00): none is ever sent off duty; calls that came at night
/// wait, and are taken when the shift starts; utilisation is of the hours on duty.
#[test]
fn teams_work_only_their_shifts_and_night_calls_wait_for_the_morning() {
    let day: Vec<bool> = (0..168).map(|h| (7..19).contains(&(h % 24))).collect();
    let model = FleetModel {
        priorities: vec![Priority {
            name: "all".into(),
            share: 1.0,
            target_s: 600.0,
            rural_target_s: None,
            travel_factor: 1.0,
            requires: Vec::new(),
        }],
        arrivals: Arrivals::constant(2.0).unwrap(),
        dispatch_delay: Duration::Fixed { s: 60.0 },
        on_scene: Duration::Exponential { mean_s: 1200.0 },
        transport_share: 0.0,
        handover: Duration::Fixed { s: 0.0 },
        teams: (0..2)
            .map(|k| TeamSpec { on_duty: Some(day.clone()), ..TeamSpec::new(format!("T{k}"), 0) })
            .collect(),
        warm_up_h: 24.0,
        hours: 24.0 * 28.0,
        policy: simulate::fleet::Policy::Closest,
    };
    model.check(1).unwrap();
    let mut trace = simulate::fleet::Trace::default();
    let run = simulate(&model, &mut NoDriving, 4, Some(&mut trace));
    let hour_of_day = |ms: u64| (ms / 3_600_000) % 24;
    assert!(
        trace.assignments.iter().all(|a| (7..19).contains(&hour_of_day(a.sent_ms))),
        "a team was sent off duty"
    );
    // A call whose dispatch came at night is taken at 07:00 sharp (the first team on duty).
    let mut taken_at_seven = 0;
    for a in &trace.assignments {
        let dispatched = trace.calls[a.call].dispatch_ms;
        if !(7..19).contains(&hour_of_day(dispatched)) {
            assert!(a.sent_ms > dispatched);
            if a.sent_ms % 86_400_000 == 7 * 3_600_000 {
                taken_at_seven += 1;
            }
        }
    }
    assert!(taken_at_seven >= 20, "{taken_at_seven} night calls taken at 07:00");
    // Utilisation over the 12 hours on duty a day: every call (48 a day) is served in those
    // hours, so the teams are busy 48 × 20 min / (2 × 12 h) = 2/3 of them.
    assert!((run.utilisation - 2.0 / 3.0).abs() < 0.05, "{}", run.utilisation);
    assert!((run.utilisation - run.offered_load).abs() < 0.02, "{run:?}");
    // Without the shift, the same calls, twice the hours: half the utilisation.
    let always =
        FleetModel { teams: (0..2).map(|k| TeamSpec::new(format!("T{k}"), 0)).collect(), ..model };
    let all_day = simulate(&always, &mut NoDriving, 4, None);
    assert!(
        (all_day.utilisation - run.utilisation / 2.0).abs() < 0.03,
        "{} {}",
        all_day.utilisation,
        run.utilisation
    );
}

/// The recommendation policy ranks as the product's recommendation does, recomputed here from
/// the trace: 15 minutes for each required capability a team lacks plus 2 minutes for each call
/// it was sent to in the last 12 hours (no driving here, so the ETA term is 0); the closest
/// policy sends the first team listed.
#[test]
fn the_recommendation_policy_weighs_capability_and_workload_as_the_product_does() {
    let model = |policy, requires: Vec<String>| FleetModel {
        priorities: vec![Priority {
            name: "all".into(),
            share: 1.0,
            target_s: 600.0,
            rural_target_s: None,
            travel_factor: 1.0,
            requires,
        }],
        arrivals: Arrivals::constant(1.0).unwrap(),
        dispatch_delay: Duration::Fixed { s: 0.0 },
        on_scene: Duration::Exponential { mean_s: 900.0 },
        transport_share: 0.0,
        handover: Duration::Fixed { s: 0.0 },
        teams: vec![
            TeamSpec::new("T0", 0),
            TeamSpec { capabilities: vec!["clinician".into()], ..TeamSpec::new("T1", 0) },
        ],
        warm_up_h: 0.0,
        hours: 24.0 * 60.0,
        policy,
    };
    // For each call sent while both teams were free: the team sent, and the one the formula
    // ranks first.
    let check = |m: &FleetModel, needs: bool| -> (usize, usize, usize) {
        let mut trace = simulate::fleet::Trace::default();
        simulate(m, &mut NoDriving, 3, Some(&mut trace));
        let busy = |team: usize, t: u64| {
            trace.assignments.iter().any(|a| a.team == team && a.sent_ms < t && t < a.cleared_ms)
        };
        let recent = |team: usize, t: u64| {
            trace
                .assignments
                .iter()
                .filter(|a| a.team == team && a.sent_ms < t && t - a.sent_ms <= 12 * 3_600_000)
                .count()
        };
        let (mut agree, mut to_clinician, mut both_free) = (0, 0, 0);
        for a in trace.assignments.iter().filter(|a| !busy(0, a.sent_ms) && !busy(1, a.sent_ms)) {
            both_free += 1;
            let score = |team: usize| {
                let missing = usize::from(needs && team == 0);
                900 * missing + 120 * recent(team, a.sent_ms)
            };
            let want = if score(1) < score(0) { 1 } else { 0 };
            if m.policy == Policy::Closest || want == a.team {
                agree += usize::from(m.policy != Policy::Closest || a.team == 0);
            }
            to_clinician += usize::from(a.team == 1);
        }
        (agree, to_clinician, both_free)
    };
    let needs = vec!["clinician".to_owned()];
    let (agree, to_clinician, both) = check(&model(Policy::Recommend, needs.clone()), true);
    assert!(both > 300, "{both}");
    assert_eq!(agree, both, "every choice is the formula's");
    // The capability wins most of the time; a clinician team with 8 more recent calls than the
    // other loses to the workload term, as in the product.
    assert!(
        to_clinician as f64 > 0.7 * both as f64 && to_clinician < both,
        "{to_clinician} of {both}"
    );
    let (agree, to_clinician, both) = check(&model(Policy::Closest, needs), true);
    assert_eq!((agree, to_clinician), (both, 0), "the first listed goes");
    // No capability needed: the workload term shares the calls out.
    let (agree, to_clinician, both) = check(&model(Policy::Recommend, Vec::new()), false);
    assert_eq!(agree, both);
    assert!((0.3..0.7).contains(&(to_clinician as f64 / both as f64)), "{to_clinician} of {both}");
}

/// Half the places are rural: with every response 10 minutes (the dispatch delay; no drive, a
/// team always free), a call meets a 5-minute urban target never and a 15-minute rural target
/// always, so the share within target is exactly the share of rural calls.
#[test]
fn a_rural_call_is_judged_by_the_rural_target() {
    struct HalfRural;
    impl Travel for HalfRural {
        type Site = bool;
        type Route = ();
        fn site(&mut self, rng: &mut Rng) -> bool {
            rng.uniform() < 0.5
        }
        fn post_to_site(&mut self, _: usize, _: &bool) -> Option<u64> {
            Some(0)
        }
        fn facility_to_site(&mut self, _: usize, _: &bool) -> Option<u64> {
            Some(0)
        }
        fn site_to_site(&mut self, _: &bool, _: &bool) -> Option<u64> {
            Some(0)
        }
        fn route_to_post(&mut self, _: From<'_, bool>, _: usize) -> Option<(u64, ())> {
            Some((0, ()))
        }
        fn driving_back_to_site(&mut self, t: &[(&(), u64)], _: &bool, out: &mut Vec<Option<u64>>) {
            out.clear();
            out.extend(t.iter().map(|_| Some(0)));
        }
        fn nearest_facility(&mut self, _: &bool) -> Option<(usize, u64)> {
            Some((0, 0))
        }
        fn rural(&mut self, site: &bool) -> bool {
            *site
        }
    }
    let model = FleetModel {
        priorities: vec![Priority {
            name: "all".into(),
            share: 1.0,
            target_s: 300.0,
            rural_target_s: Some(900.0),
            travel_factor: 1.0,
            requires: Vec::new(),
        }],
        arrivals: Arrivals::constant(2.0).unwrap(),
        dispatch_delay: Duration::Fixed { s: 600.0 },
        on_scene: Duration::Fixed { s: 60.0 },
        transport_share: 0.0,
        handover: Duration::Fixed { s: 0.0 },
        teams: (0..4).map(|k| TeamSpec::new(format!("T{k}"), 0)).collect(),
        warm_up_h: 0.0,
        hours: 2000.0,
        policy: Policy::Closest,
    };
    model.check(1).unwrap();
    let mut trace = simulate::fleet::Trace::default();
    let run = simulate(&model, &mut HalfRural, 5, Some(&mut trace));
    let measured: Vec<_> = trace.calls.iter().filter(|c| c.measured).collect();
    let rural = measured.iter().filter(|c| c.rural).count() as f64 / measured.len() as f64;
    assert!((rural - 0.5).abs() < 0.05, "{rural}");
    assert!((run.priorities[0].within_target - rural).abs() < 1e-12, "{run:?}");
    // Without a rural target every call misses.
    let urban = FleetModel {
        priorities: vec![Priority { rural_target_s: None, ..model.priorities[0].clone() }],
        ..model.clone()
    };
    assert_eq!(simulate(&urban, &mut HalfRural, 5, None).priorities[0].within_target, 0.0);
}
