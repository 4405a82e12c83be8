//! The Erlang-A model's exact answer: a queue with `n` servers, Poisson arrivals, exponential
//! service and exponential patience (M/M/n+M). Its number in system is a birth–death chain —
//! births at the arrival rate λ, deaths at `min(k, n)·μ + max(k − n, 0)·θ` — whose stationary
//! distribution is summed here term by term (rescaled as it goes, so large loads do not
//! overflow) until the terms are negligible. Arrivals see that distribution (PASTA), so:
//!
//! - P(wait) = P(N ≥ n);
//! - mean time in queue of all arrivals, answered or not = E[(N − n)⁺] / λ (Little's law);
//! - P(abandon) = θ · E[(N − n)⁺] / λ (abandonments per unit time over arrivals);
//! - occupancy = E[min(N, n)] / n.

use crate::queue::QueueModel;

/// What the model says a queue does in the long run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    pub p_wait: f64,
    pub p_abandon: f64,
    /// Seconds in queue, averaged over every arrival (0 for those answered at once).
    pub mean_wait_s: f64,
    /// The share of counselor time spent with callers.
    pub occupancy: f64,
}

/// The stationary measures of `model`. The model is valid ([`QueueModel::check`]).
pub fn solve(model: &QueueModel) -> ErlangA {
    let lambda = model.arrivals_per_hour / 3600.0;
    let mu = 1.0 / model.mean_service_s;
    let theta = 1.0 / model.mean_patience_s;
    let n = model.servers;
    let (mut term, mut total, mut waiting, mut queued, mut busy) = (1.0_f64, 1.0, 0.0, 0.0, 0.0);
    if n == 0 {
        waiting = 1.0;
    }
    let mut k: u32 = 0;
    loop {
        k += 1;
        let in_service = k.min(n);
        let in_queue = k.saturating_sub(n);
        let death = f64::from(in_service) * mu + f64::from(in_queue) * theta;
        term *= lambda / death;
        total += term;
        busy += f64::from(in_service) * term;
        if k >= n {
            waiting += term;
            queued += f64::from(in_queue) * term;
        }
        if term > 1e200 {
            for x in [&mut term, &mut total, &mut waiting, &mut queued, &mut busy] {
                *x *= 1e-200;
            }
        }
        // Past the servers, the terms fall geometrically at the latest once the abandonment
        // rate passes the arrival rate.
        if k > n && term < total * 1e-17 && death > lambda {
            break;
        }
    }
    let mean_queue = queued / total;
    ErlangA {
        p_wait: waiting / total,
        p_abandon: theta * mean_queue / lambda,
        mean_wait_s: mean_queue / lambda,
        occupancy: if n == 0 { 0.0 } else { busy / total / f64::from(n) },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn model(per_hour: f64, servers: u32, service_min: f64, patience_min: f64) -> QueueModel {
        QueueModel {
            arrivals_per_hour: per_hour,
            servers,
            mean_service_s: service_min * 60.0,
            mean_patience_s: patience_min * 60.0,
        }
    }

    #[test]
    fn it_agrees_with_erlang_b_and_c_at_its_limits() {
        // Very impatient callers: nobody waits long, and those who find all busy leave — the
        // loss system, whose blocking is Erlang B. 2 servers, offered 1 Erlang: B = 0.2.
        let b = solve(&model(60.0, 2, 1.0, 1e-6));
        assert!((b.p_wait - 0.2).abs() < 1e-6, "{b:?}");
        assert!((b.p_abandon - 0.2).abs() < 1e-6, "{b:?}");
        // Very patient callers: Erlang C. 2 servers, 1 Erlang: C = 1/3, mean wait C/(nμ−λ).
        let c = solve(&model(60.0, 2, 1.0, 1e9));
        assert!((c.p_wait - 1.0 / 3.0).abs() < 1e-6, "{c:?}");
        assert!((c.mean_wait_s - (1.0 / 3.0) / (2.0 / 60.0 - 1.0 / 60.0)).abs() < 1e-3, "{c:?}");
        assert!(c.p_abandon < 1e-6);
        // Occupancy is the carried load over the servers: (1 − P(ab))·a / n.
        assert!((c.occupancy - 0.5).abs() < 1e-6, "{c:?}");
    }

    #[test]
    fn overload_is_held_by_abandonment_and_big_loads_do_not_overflow() {
        // 150 % offered load (6 Erlangs on 4 counselors): at least a third must abandon, and
        // what is carried is what the counselors do: occupancy · n = (1 − P(ab)) · a.
        let over = solve(&model(90.0, 4, 4.0, 2.0));
        assert!(over.p_abandon > 1.0 / 3.0 && over.p_wait > 0.7, "{over:?}");
        assert!((over.occupancy * 4.0 - (1.0 - over.p_abandon) * 6.0).abs() < 1e-9, "{over:?}");
        // A national center: 3000 contacts an hour, 420 counselors.
        let big = solve(&model(3000.0, 420, 8.0, 3.0));
        assert!(big.p_wait.is_finite() && (0.0..=1.0).contains(&big.p_wait), "{big:?}");
        assert!(big.occupancy > 0.9 && big.occupancy <= 1.0, "{big:?}");
    }
}
