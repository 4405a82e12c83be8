//! The JEMSS Manhattan ambulance scenario (`scenarios/manhattan/scenario.toml`) on its own
//! road graph, checked from outside the simulator:
//! - every team sent when a call's dispatch delay ended is the closest free one, recomputed
//!   here with plain Dijkstra on the road arcs from where each free team was (at its post,
//!   or on its drive back — whose route is checked to be a shortest drive too), and the
//!   response is the delay plus that drive × the priority's factor;
//! - utilisation equals the offered load (arrival rate × mean busy time per call / fleet),
//!   with the rate the scenario's 18.8 calls/h and the busy times taken from the trace;
//! - the response-time measures are consistent with the calls they came from.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::HashMap;
use std::path::PathBuf;

use roads::{Dijkstra, Graph, NodeId, Snap, TravelTime};
use simulate::fleet::{Place, Trace, simulate, summarise};
use simulate::on_roads::{Back, RoadModel, Site};
use simulate::replicate::replications;
use simulate::scenario::{DemandSource, Scenario};

fn scenario_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/manhattan"))
}

fn load() -> (Scenario, Graph, simulate::on_roads::Demand) {
    let dir = scenario_dir();
    let text = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let scenario = Scenario::parse("scenario.toml", &text).unwrap();
    let (graph, _) =
        roads::import::import(&std::fs::read(dir.join(&scenario.roads)).unwrap()).unwrap();
    let DemandSource::Areas { file, id, weight, .. } = &scenario.demand else { panic!("areas") };
    let demand =
        simulate::demand::areas(&std::fs::read(dir.join(file)).unwrap(), id, weight).unwrap();
    (scenario, graph, demand.demand)
}

/// Plain Dijkstra from `seeds` to the snapped point `to` (through its arrival nodes).
fn dijkstra_to(
    graph: &Graph,
    dijkstra: &mut Dijkstra,
    seeds: &[(NodeId, TravelTime)],
    to: &Snap,
) -> u64 {
    let arrivals: Vec<(NodeId, TravelTime)> = to.arrivals().collect();
    let targets: Vec<NodeId> = arrivals.iter().map(|(n, _)| *n).collect();
    let mut out = Vec::new();
    dijkstra.travel_times(graph, seeds, &targets, &mut out);
    arrivals
        .iter()
        .zip(&out)
        .filter_map(|((_, last), t)| t.map(|t| u64::from(t.millis() + last.millis())))
        .min()
        .unwrap()
}

fn from_snap(graph: &Graph, dijkstra: &mut Dijkstra, from: &Snap, to: &Snap) -> u64 {
    let seeds: Vec<(NodeId, TravelTime)> = from.departures().collect();
    let via = dijkstra_to(graph, dijkstra, &seeds, to);
    from.along_segment_to(to).map_or(via, |t| via.min(u64::from(t.millis())))
}

#[test]
fn every_team_sent_is_the_closest_free_one_and_utilisation_is_the_offered_load() {
    let (mut scenario, graph, demand) = load();
    assert_eq!(
        (scenario.posts.len(), scenario.model.teams.len(), scenario.facilities.len()),
        (8, 12, 10)
    );
    scenario.model.hours = 10.0 * 24.0;
    let model = RoadModel::new(&graph, &scenario.posts, &scenario.facilities, demand).unwrap();
    let mut trace: Trace<Site, Back> = Trace::default();
    let run = simulate(&scenario.model, &mut model.travel(), 11, Some(&mut trace));

    let posts: Vec<Snap> =
        scenario.posts.iter().map(|p| graph.snap(p.point, 500.0).unwrap()).collect();
    let facilities: Vec<Snap> =
        scenario.facilities.iter().map(|f| graph.snap(f.point, 500.0).unwrap()).collect();
    let mut dijkstra = Dijkstra::new();

    // Each team's busy stretches and drives back, from the trace.
    let mut busy: HashMap<usize, Vec<(u64, u64)>> = HashMap::new();
    for a in &trace.assignments {
        busy.entry(a.team).or_default().push((a.sent_ms, a.cleared_ms));
    }
    // A team is never on two calls at once.
    for (team, stretches) in &mut busy {
        stretches.sort_unstable();
        for pair in stretches.windows(2) {
            assert!(
                pair[1].0 >= pair[0].1,
                "team {team} sent at {} while on a call until {}",
                pair[1].0,
                pair[0].1
            );
        }
    }
    let free_at = |team: usize, t: u64| busy[&team].iter().all(|(s, c)| t < *s || t >= *c);
    let (mut checked, mut from_back) = (0, 0);
    // Every 8th team sent when a call's dispatch delay ended, across the whole run.
    let at_dispatch: Vec<_> =
        trace.assignments.iter().filter(|a| trace.calls[a.call].dispatch_ms == a.sent_ms).collect();
    for a in at_dispatch.iter().step_by(8) {
        let call = &trace.calls[a.call];
        let factor = scenario.model.priorities[call.priority].travel_factor;
        let t = a.sent_ms;
        // Every team free at t, and its drive from where it was, recomputed.
        let mut best = u64::MAX;
        for team in 0..scenario.model.teams.len() {
            // A team that starts a stretch exactly now is the one sent (or sent at the same
            // moment to another call): judge it as it was just before.
            let others_free = team == a.team || free_at(team, t);
            if !others_free || (team != a.team && busy[&team].iter().any(|(s, _)| *s == t)) {
                continue;
            }
            // Its latest drive back, if it is still on it: not back yet, not sent since.
            let back =
                trace.drives_back.iter().rev().find(|d| d.team == team && d.start_ms <= t).filter(
                    |d| {
                        d.back_ms.is_none_or(|b| b > t)
                            && !busy[&team].iter().any(|(s, _)| *s >= d.start_ms && *s < t)
                    },
                );
            let drive = match back {
                Some(d) => {
                    let elapsed = TravelTime::from_millis((t - d.start_ms) as u32);
                    match d.route.route.next_node(elapsed) {
                        Some((node, wait)) => {
                            u64::from(wait.millis())
                                + dijkstra_to(
                                    &graph,
                                    &mut dijkstra,
                                    &[(node, TravelTime::from_millis(0))],
                                    &call.site.snap,
                                )
                        }
                        None => {
                            let left = d.route.route.total.millis() - elapsed.millis();
                            u64::from(left)
                                + from_snap(&graph, &mut dijkstra, &posts[d.post], &call.site.snap)
                        }
                    }
                }
                None => from_snap(
                    &graph,
                    &mut dijkstra,
                    &posts[scenario.model.teams[team].post],
                    &call.site.snap,
                ),
            };
            best = best.min(drive);
        }
        let chosen = (best as f64 * factor).round() as u64;
        assert_eq!(
            a.drive_ms, chosen,
            "call {}: team {} drove {} ms, the closest free {} ms",
            a.call, a.team, a.drive_ms, chosen
        );
        assert_eq!(call.on_scene_ms, Some(t + a.drive_ms));
        if matches!(a.from, Place::DrivingBack(_)) {
            from_back += 1;
        }
        checked += 1;
    }
    assert!(checked > 400, "only {checked} dispatches checked");
    assert!(from_back > 20, "only {from_back} teams were sent while driving back");

    // A team that clears takes the most urgent call then waiting (earliest first within a
    // priority), and drives to it from the scene or the facility.
    let mut chained = 0;
    for a in trace
        .assignments
        .iter()
        .filter(|a| !matches!(a.from, Place::Post(_) | Place::DrivingBack(_)))
    {
        let t = a.sent_ms;
        let call = &trace.calls[a.call];
        let waiting = trace
            .assignments
            .iter()
            .filter(|b| trace.calls[b.call].dispatch_ms <= t && b.sent_ms >= t)
            .map(|b| (trace.calls[b.call].priority, trace.calls[b.call].arrival_ms))
            .min()
            .unwrap();
        assert_eq!((call.priority, call.arrival_ms), waiting, "call {} taken out of turn", a.call);
        let start = match a.from {
            Place::Facility(f) => facilities[f],
            Place::Scene(c) => trace.calls[c].site.snap,
            _ => unreachable!(),
        };
        let factor = scenario.model.priorities[call.priority].travel_factor;
        let drive = from_snap(&graph, &mut dijkstra, &start, &call.site.snap);
        assert_eq!(a.drive_ms, (drive as f64 * factor).round() as u64, "chained call {}", a.call);
        chained += 1;
    }
    assert!(chained > 10, "only {chained} calls were taken by a team clearing");

    // A team clearing at a facility took the person to the nearest one by road.
    let mut legs = 0;
    for a in trace.assignments.iter().take(3000) {
        let next = trace
            .drives_back
            .iter()
            .find(|d| d.team == a.team && d.start_ms == a.cleared_ms)
            .map(|d| d.from)
            .or_else(|| {
                trace
                    .assignments
                    .iter()
                    .find(|b| b.team == a.team && b.sent_ms == a.cleared_ms)
                    .map(|b| b.from)
            });
        if let Some(Place::Facility(f)) = next {
            let site = trace.calls[a.call].site.snap;
            let times: Vec<u64> =
                facilities.iter().map(|h| from_snap(&graph, &mut dijkstra, &site, h)).collect();
            assert_eq!(
                times[f],
                *times.iter().min().unwrap(),
                "call {}: facility {f} is not the nearest",
                a.call
            );
            legs += 1;
            if legs == 150 {
                break;
            }
        }
    }
    assert_eq!(legs, 150);

    // Every drive back is a shortest drive along real roads: each step a road arc of the
    // graph with its time, from the start's segment to the post's, as long as plain Dijkstra's.
    let arcs: HashMap<(usize, usize), u32> =
        graph.arcs().map(|a| ((a.from.index(), a.to.index()), a.time.millis())).collect();
    for d in trace.drives_back.iter().take(150) {
        for pair in d.route.route.steps.windows(2) {
            let ((u, tu), (v, tv)) = (pair[0], pair[1]);
            assert_eq!(Some(tv.millis() - tu.millis()), arcs.get(&(u.index(), v.index())).copied());
        }
        if let Some((last, at)) = d.route.route.steps.last() {
            let total = d.route.route.total.millis();
            assert!(
                posts[d.post]
                    .arrivals()
                    .any(|(n, rest)| n == *last && at.millis() + rest.millis() == total)
            );
        }
        let start = match d.from {
            Place::Facility(f) => facilities[f],
            Place::Scene(c) => trace.calls[c].site.snap,
            other => panic!("a drive back from {other:?}"),
        };
        let want = from_snap(&graph, &mut dijkstra, &start, &posts[d.post]);
        assert_eq!(u64::from(d.route.route.total.millis()), want);
    }

    // Utilisation against the offered load: the scenario's rate × the trace's busy times.
    let window_ms = (scenario.model.hours * 3_600_000.0) as u64;
    let measured: Vec<usize> =
        trace.calls.iter().enumerate().filter(|(_, c)| c.measured).map(|(k, _)| k).collect();
    let busy_per_call_s: f64 = trace
        .assignments
        .iter()
        .filter(|a| trace.calls[a.call].measured)
        .map(|a| (a.cleared_ms - a.sent_ms) as f64 / 1000.0)
        .sum::<f64>()
        / measured.len() as f64;
    let offered = 18.8 * busy_per_call_s / 3600.0 / 12.0;
    assert!(
        (run.utilisation - offered).abs() < 0.03,
        "utilisation {} against offered {offered}",
        run.utilisation
    );
    assert!((run.offered_load - run.utilisation).abs() < 0.005, "{run:?}");
    // Utilisation recomputed from the trace: each team's time between being sent and clearing,
    // within the measured window.
    let window = ((scenario.model.warm_up_h * 3_600_000.0) as u64, 0);
    let window = (window.0, window.0 + window_ms);
    let busy_ms: u64 = busy
        .values()
        .flatten()
        .map(|(s, c)| (*c).min(window.1).saturating_sub((*s).max(window.0)))
        .sum();
    let utilisation = busy_ms as f64 / window_ms as f64 / 12.0;
    assert!(
        (run.utilisation - utilisation).abs() < 1e-9,
        "{} against {utilisation}",
        run.utilisation
    );

    // The measures come from the calls: the share within target, recounted.
    for (k, p) in scenario.model.priorities.iter().enumerate() {
        let responses: Vec<u64> = measured
            .iter()
            .map(|c| &trace.calls[*c])
            .filter(|c| c.priority == k)
            .map(|c| c.on_scene_ms.unwrap() - c.arrival_ms)
            .collect();
        assert_eq!(run.priorities[k].calls, responses.len());
        if responses.is_empty() {
            continue;
        }
        let within = responses.iter().filter(|r| **r as f64 <= p.target_s * 1000.0).count();
        assert!(
            (run.priorities[k].within_target - within as f64 / responses.len() as f64).abs()
                < 1e-12
        );
        assert!(
            responses.iter().all(|r| *r >= 150_000),
            "a response shorter than the dispatch delay"
        );
    }
}

#[test]
fn replications_give_intervals_that_hold_the_offered_load_and_the_rate() {
    let (mut scenario, graph, demand) = load();
    scenario.model.hours = 15.0 * 24.0;
    let model = RoadModel::new(&graph, &scenario.posts, &scenario.facilities, demand).unwrap();
    let runs =
        replications(8, 2, |r| simulate(&scenario.model, &mut model.travel(), r as u64, None));
    let summary = summarise(&scenario.model, &runs);
    assert!(summary.calls_per_hour.holds(18.8, 2.0), "{:?}", summary.calls_per_hour);
    assert!((summary.utilisation.mean - summary.offered_load.mean).abs() < 0.01);
    let high = &summary.priorities[0];
    assert!(high.median_response_s.mean < high.p90_response_s.mean);
    assert!(high.within_target.mean > 0.2 && high.within_target.mean < 0.95, "{high:?}");
    // The medium priority has no calls in this model.
    assert_eq!(summary.priorities[1].calls.mean, 0.0);
}
