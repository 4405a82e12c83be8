//! Calls routed to providers: a call is offered to the providers of its place in turn, only the
//! provider holding the offer may send one of its teams, an offer left unanswered for its
//! tier's time rolls over to the next, and after the last the call goes back to 911. Every
//! call of a busy run is checked against those rules from the trace.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use simulate::arrivals::Arrivals;
use simulate::dist::Duration;
use simulate::fleet::{
    FleetModel, From, Policy, Priority, TeamSpec, Tiers, Trace, Travel, simulate,
};
use simulate::rng::Rng;

/// Three places, drawn evenly; no drive takes any time. Place 0 is offered to provider 0 then
/// 1, place 1 to provider 1 then 0, place 2 to provider 2 alone.
struct ThreePlaces {
    tiers: [Tiers; 3],
    /// Whether calls are routed to providers at all.
    routed: bool,
}

impl ThreePlaces {
    fn new() -> Self {
        Self {
            tiers: [
                vec![(0, 600_000), (1, 900_000)],
                vec![(1, 600_000), (0, 900_000)],
                vec![(2, 30_000)],
            ],
            routed: true,
        }
    }
}

impl Travel for ThreePlaces {
    type Site = usize;
    type Route = ();
    fn site(&mut self, rng: &mut Rng) -> usize {
        (rng.uniform() * 3.0).floor().min(2.0) as usize
    }
    fn post_to_site(&mut self, _: usize, _: &usize) -> Option<u64> {
        Some(0)
    }
    fn facility_to_site(&mut self, _: usize, _: &usize) -> Option<u64> {
        Some(0)
    }
    fn site_to_site(&mut self, _: &usize, _: &usize) -> Option<u64> {
        Some(0)
    }
    fn route_to_post(&mut self, _: From<'_, usize>, _: usize) -> Option<(u64, ())> {
        Some((0, ()))
    }
    fn driving_back_to_site(
        &mut self,
        teams: &[(&(), u64)],
        _: &usize,
        out: &mut Vec<Option<u64>>,
    ) {
        out.clear();
        out.extend(teams.iter().map(|_| Some(0)));
    }
    fn nearest_facility(&mut self, _: &usize) -> Option<(usize, u64)> {
        Some((0, 0))
    }
    fn tiers(&mut self, site: &usize) -> Tiers {
        if self.routed { self.tiers[*site].clone() } else { Tiers::new() }
    }
}

fn model(teams: Vec<TeamSpec>, per_hour: f64) -> FleetModel {
    FleetModel {
        priorities: vec![Priority {
            name: "all".into(),
            share: 1.0,
            target_s: 3600.0,
            rural_target_s: None,
            travel_factor: 1.0,
            requires: Vec::new(),
        }],
        arrivals: Arrivals::constant(per_hour).unwrap(),
        dispatch_delay: Duration::Exponential { mean_s: 60.0 },
        on_scene: Duration::Exponential { mean_s: 1800.0 },
        transport_share: 0.0,
        handover: Duration::Fixed { s: 0.0 },
        teams,
        warm_up_h: 0.0,
        hours: 2000.0,
        policy: Policy::Closest,
    }
}

fn team(name: &str, provider: u16) -> TeamSpec {
    TeamSpec { provider: Some(provider), ..TeamSpec::new(name, 0) }
}

#[test]
fn offers_roll_over_provider_by_provider_and_only_the_holder_sends_a_team() {
    // Providers 0 and 1 have one team each for a busy place, provider 2 none.
    let teams = vec![team("A1", 0), team("B1", 1)];
    let model = model(teams.clone(), 4.0);
    model.check(1).unwrap();
    let mut trace = Trace::default();
    let run = simulate(&model, &mut ThreePlaces::new(), 7, Some(&mut trace));

    let (mut rolled, mut returned_here) = ([0usize; 3], [0usize; 3]);
    for (k, call) in trace.calls.iter().enumerate() {
        let place = ThreePlaces::new().tiers.iter().position(|t| *t == call.tiers).unwrap();
        assert!(!call.offers.is_empty(), "call {k} was never offered");
        assert_eq!(call.offers[0], call.dispatch_ms, "call {k}: first offer at dispatch");
        for w in 1..call.offers.len() {
            assert_eq!(
                call.offers[w],
                call.offers[w - 1] + call.tiers[w - 1].1,
                "call {k}: tier {w} offered when tier {} ran out of time",
                w - 1
            );
        }
        if call.offers.len() > 1 {
            rolled[place] += 1;
        }
        let holder = call.offers.len() - 1;
        let deadline = call.offers[holder] + call.tiers[holder].1;
        match trace.assignments.iter().find(|a| a.call == k) {
            Some(a) => {
                assert_eq!(
                    teams[a.team].provider,
                    Some(call.tiers[holder].0),
                    "call {k}: sent a team of a provider not holding the offer"
                );
                assert!(a.sent_ms >= call.offers[holder] && a.sent_ms <= deadline, "call {k}");
                assert_eq!(call.returned_ms, None, "call {k}");
            }
            None => {
                assert_eq!(call.offers.len(), call.tiers.len(), "call {k}: not every tier offered");
                assert_eq!(
                    call.returned_ms,
                    Some(deadline),
                    "call {k}: returned at the last deadline"
                );
                returned_here[place] += 1;
            }
        }
    }
    // No call waits at a provider while one of its teams is free (no drive takes time and no
    // team has a shift, so a team is free exactly outside its assignments): each of the
    // provider's teams is busy throughout the wait.
    let free_during = |team: usize, from: u64, to: u64| {
        let mut busy: Vec<(u64, u64)> = trace
            .assignments
            .iter()
            .filter(|a| a.team == team && a.sent_ms < to && a.cleared_ms > from)
            .map(|a| (a.sent_ms, a.cleared_ms))
            .collect();
        busy.sort_unstable();
        let mut covered = from;
        for (sent, cleared) in busy {
            if sent > covered {
                return true;
            }
            covered = covered.max(cleared);
        }
        covered < to
    };
    let mut waits = 0;
    for (k, call) in trace.calls.iter().enumerate() {
        let sent = trace.assignments.iter().find(|a| a.call == k).map(|a| a.sent_ms);
        for (tier, offered) in call.offers.iter().enumerate() {
            let left = call.offers.get(tier + 1).copied().or(sent).or(call.returned_ms).unwrap();
            if left <= *offered + 2 {
                continue;
            }
            waits += 1;
            for (t, spec) in teams.iter().enumerate() {
                if spec.provider == Some(call.tiers[tier].0) {
                    assert!(
                        !free_during(t, offered + 1, left - 1),
                        "call {k} waits at tier {tier} from {offered} to {left} ms while team {t} is free"
                    );
                }
            }
        }
    }
    assert!(waits > 500, "{waits}");
    // Place 2's provider has no team: every such call goes back to 911 after 30 s.
    let place2 = trace.calls.iter().filter(|c| c.tiers.len() == 1).count();
    assert!(place2 > 2000, "{place2}");
    assert_eq!(returned_here[2], place2);
    // The busy single team makes place 0's offers roll over to provider 1, often.
    assert!(rolled[0] > 200, "{rolled:?}");
    assert_eq!(rolled[2], 0);
    let returned: usize = returned_here.iter().sum();
    let share = returned as f64 / trace.calls.len() as f64;
    assert!((run.returned_share - share).abs() < 1e-12, "{} vs {share}", run.returned_share);
}

/// One provider offered every call with an answer time longer than any wait is the model
/// without providers: the same teams go to the same calls at the same times.
#[test]
fn one_provider_that_never_times_out_is_the_model_without_providers() {
    struct One(ThreePlaces);
    impl Travel for One {
        type Site = usize;
        type Route = ();
        fn site(&mut self, rng: &mut Rng) -> usize {
            self.0.site(rng)
        }
        fn post_to_site(&mut self, p: usize, s: &usize) -> Option<u64> {
            self.0.post_to_site(p, s)
        }
        fn facility_to_site(&mut self, f: usize, s: &usize) -> Option<u64> {
            self.0.facility_to_site(f, s)
        }
        fn site_to_site(&mut self, a: &usize, b: &usize) -> Option<u64> {
            self.0.site_to_site(a, b)
        }
        fn route_to_post(&mut self, f: From<'_, usize>, p: usize) -> Option<(u64, ())> {
            self.0.route_to_post(f, p)
        }
        fn driving_back_to_site(
            &mut self,
            t: &[(&(), u64)],
            s: &usize,
            out: &mut Vec<Option<u64>>,
        ) {
            self.0.driving_back_to_site(t, s, out);
        }
        fn nearest_facility(&mut self, s: &usize) -> Option<(usize, u64)> {
            self.0.nearest_facility(s)
        }
        fn tiers(&mut self, _: &usize) -> Tiers {
            vec![(5, 10_000 * 3_600_000)]
        }
    }
    let plain = model((0..3).map(|k| TeamSpec::new(format!("T{k}"), 0)).collect(), 5.0);
    let routed = model((0..3).map(|k| team(&format!("T{k}"), 5)).collect(), 5.0);
    let (mut a, mut b) = (Trace::default(), Trace::default());
    let unrouted = &mut ThreePlaces { routed: false, ..ThreePlaces::new() };
    let ra = simulate(&plain, unrouted, 3, Some(&mut a));
    let rb = simulate(&routed, &mut One(ThreePlaces::new()), 3, Some(&mut b));
    assert!(a.assignments.len() > 1000, "{}", a.assignments.len());
    assert!(a.assignments == b.assignments, "the runs differ");
    assert_eq!(ra.priorities, rb.priorities);
    assert!(b.calls.iter().all(|c| c.offers.len() == 1 && c.returned_ms.is_none()));
    assert!(ra.queued_share > 0.05, "the run should queue: {}", ra.queued_share);
}
