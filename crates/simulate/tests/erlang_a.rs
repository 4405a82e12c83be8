//! The simulated 988 queue against Erlang-A's exact answer, across loads and staffing from
//! light to overloaded: probability of waiting, of abandoning, mean time in queue and
//! occupancy each within the replications' confidence interval of the model's value.

#![allow(clippy::unwrap_used)]

use simulate::erlang_a;
use simulate::queue::{QueueModel, simulate};
use simulate::replicate::{Estimate, replications};

/// 16 replications give 15 degrees of freedom: the 99.9 % interval is t(0.9995, 15) = 4.073
/// over t(0.975, 15) = 2.131 times the 95 % half-width. A true model fails one check in a
/// thousand; a simulation off by a few percent fails them.
const REPLICATIONS: usize = 16;
const WIDEN_TO_99_9: f64 = 4.073 / 2.131;

#[test]
fn the_simulated_queue_matches_erlang_a_from_light_load_to_overload() {
    let minutes = |m: f64| m * 60.0;
    let grid = [
        ("light", 30.0, 4, 5.0, 3.0),
        ("moderate", 120.0, 10, 4.0, 2.0),
        ("heavy", 120.0, 8, 4.0, 1.0),
        ("overloaded", 90.0, 4, 4.0, 2.0),
    ];
    for (name, per_hour, servers, talk, patience) in grid {
        let model = QueueModel {
            arrivals_per_hour: per_hour,
            servers,
            mean_service_s: minutes(talk),
            mean_patience_s: minutes(patience),
        };
        let exact = erlang_a::solve(&model);
        let runs = replications(REPLICATIONS, 2, |i| {
            simulate(&model, 5.0, 500.0, 20.0, 1000 + u64::try_from(i).unwrap())
        });
        let estimate = |f: &dyn Fn(&simulate::queue::QueueRun) -> f64| {
            Estimate::of(&runs.iter().map(f).collect::<Vec<_>>())
        };
        let checks = [
            ("P(wait)", estimate(&|r| r.p_wait()), exact.p_wait),
            ("P(abandon)", estimate(&|r| r.p_abandon()), exact.p_abandon),
            ("mean wait (s)", estimate(&|r| r.mean_wait_s()), exact.mean_wait_s),
            (
                "occupancy",
                estimate(&|r| r.busy_s / r.measured_s / f64::from(servers)),
                exact.occupancy,
            ),
        ];
        for (measure, simulated, model_value) in checks {
            assert!(
                simulated.holds(model_value, WIDEN_TO_99_9),
                "{name}: {measure} simulated {:.5} ± {:.5}, Erlang-A {model_value:.5}",
                simulated.mean,
                simulated.half_width
            );
            // And the interval is tight enough to mean something.
            assert!(
                simulated.half_width < 0.05 * model_value.max(0.01),
                "{name}: {measure} {simulated:?}"
            );
        }
    }
}
