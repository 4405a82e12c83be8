//! A 988 line as a queue with abandonment, simulated event by event: contacts arrive at
//! random (Poisson), counselors answer them first come first served, each talk lasts an
//! exponential time, and a caller still waiting when their patience (exponential) runs out
//! hangs up. One run is a function of its model, horizon and seed.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::rng::Rng;

/// The queue to simulate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct QueueModel {
    /// Contacts offered per hour.
    pub arrivals_per_hour: f64,
    /// Counselors answering.
    pub servers: u32,
    /// Mean talk time, seconds.
    pub mean_service_s: f64,
    /// Mean time a caller waits before hanging up, seconds.
    pub mean_patience_s: f64,
}

impl QueueModel {
    /// Checks what the model needs, saying what to fix.
    pub fn check(&self) -> Result<(), String> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(self.arrivals_per_hour) {
            return Err(format!(
                "contacts per hour is {}; give a positive number, e.g. 120",
                self.arrivals_per_hour
            ));
        }
        if self.servers == 0 || self.servers > 10_000 {
            return Err(format!("counselors is {}; give 1 to 10,000", self.servers));
        }
        if !positive(self.mean_service_s) {
            return Err(format!(
                "talk time is {} s; give a positive number of seconds",
                self.mean_service_s
            ));
        }
        if !positive(self.mean_patience_s) {
            return Err(format!(
                "patience is {} s; give a positive number of seconds (callers who never hang up cannot be simulated past overload)",
                self.mean_patience_s
            ));
        }
        Ok(())
    }
}

/// What one run measured, over the contacts that arrived after the warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct QueueRun {
    pub arrivals: u64,
    /// Found every counselor busy.
    pub waited: u64,
    pub abandoned: u64,
    /// Answered within the target.
    pub answered_within_target: u64,
    /// Seconds in queue, summed over every arrival (an abandoning caller's is their patience).
    pub total_wait_s: f64,
    /// Counselor-seconds spent talking within the measured period.
    pub busy_s: f64,
    /// The measured period's length, seconds.
    pub measured_s: f64,
}

impl QueueRun {
    pub fn p_wait(&self) -> f64 {
        ratio(self.waited, self.arrivals)
    }
    pub fn p_abandon(&self) -> f64 {
        ratio(self.abandoned, self.arrivals)
    }
    pub fn mean_wait_s(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let n = self.arrivals.max(1) as f64;
        self.total_wait_s / n
    }
    pub fn service_level(&self) -> f64 {
        ratio(self.answered_within_target, self.arrivals)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let r = a as f64 / b.max(1) as f64;
    r
}

/// A time ordered for the heap (times are finite and non-negative).
#[derive(Debug, Clone, Copy)]
struct At(f64);
impl PartialEq for At {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for At {}
impl PartialOrd for At {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for At {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Simulates `hours` after `warmup_hours` (contacts arriving in the warm-up are served but not
/// measured), counting answers within `target_s` as the service level.
pub fn simulate(
    model: &QueueModel,
    warmup_hours: f64,
    hours: f64,
    target_s: f64,
    seed: u64,
) -> QueueRun {
    let mut rng = Rng::seeded(seed);
    let mean_gap = 3600.0 / model.arrivals_per_hour;
    let (start, end) = (warmup_hours * 3600.0, (warmup_hours + hours) * 3600.0);
    // When each busy counselor is free again.
    let mut free_at: BinaryHeap<Reverse<At>> = BinaryHeap::new();
    let mut idle = model.servers;
    // Waiting callers: (arrival, time they hang up), in arrival order.
    let mut waiting: VecDeque<(f64, f64)> = VecDeque::new();
    let mut run = QueueRun { measured_s: end - start, ..QueueRun::default() };
    let mut now = rng.exponential(mean_gap);
    let measured = |t: f64| (start..end).contains(&t);
    // Talk within the measured period only, so occupancy is of that period.
    let busy_within = |from: f64, to: f64| (to.min(end) - from.max(start)).max(0.0);
    loop {
        // Counselors that free up before the next arrival take waiting callers in order;
        // callers whose patience ran out first have hung up.
        while let Some(&Reverse(At(t))) = free_at.peek() {
            if t > now {
                break;
            }
            free_at.pop();
            idle += 1;
            while let Some(&(arrived, gives_up)) = waiting.front() {
                if gives_up > t {
                    break;
                }
                waiting.pop_front();
                if measured(arrived) {
                    run.abandoned += 1;
                    run.total_wait_s += gives_up - arrived;
                }
            }
            if let Some((arrived, _)) = waiting.pop_front() {
                idle -= 1;
                let talk = rng.exponential(model.mean_service_s);
                free_at.push(Reverse(At(t + talk)));
                run.busy_s += busy_within(t, t + talk);
                if measured(arrived) {
                    run.total_wait_s += t - arrived;
                    if t - arrived <= target_s {
                        run.answered_within_target += 1;
                    }
                }
            }
        }
        if now >= end {
            break;
        }
        // The arrival at `now`.
        if measured(now) {
            run.arrivals += 1;
        }
        if idle > 0 {
            idle -= 1;
            let talk = rng.exponential(model.mean_service_s);
            free_at.push(Reverse(At(now + talk)));
            run.busy_s += busy_within(now, now + talk);
            if measured(now) {
                run.answered_within_target += 1;
            }
        } else {
            if measured(now) {
                run.waited += 1;
            }
            waiting.push_back((now, now + rng.exponential(model.mean_patience_s)));
        }
        now += rng.exponential(mean_gap);
    }
    // Callers still waiting at the end: those measured wait on past it; each is answered or
    // gives up, which only counselors finishing can tell — drain them.
    while let Some((arrived, gives_up)) = waiting.pop_front() {
        let Some(Reverse(At(t))) = free_at.pop() else { break };
        let count = measured(arrived);
        if gives_up <= t {
            // Hung up before this counselor was free: the counselor takes the next one.
            free_at.push(Reverse(At(t)));
            if count {
                run.abandoned += 1;
                run.total_wait_s += gives_up - arrived;
            }
        } else {
            free_at.push(Reverse(At(t + rng.exponential(model.mean_service_s))));
            if count {
                run.total_wait_s += t - arrived;
                if t - arrived <= target_s {
                    run.answered_within_target += 1;
                }
            }
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_models_say_what_to_fix() {
        let ok = QueueModel {
            arrivals_per_hour: 60.0,
            servers: 4,
            mean_service_s: 300.0,
            mean_patience_s: 120.0,
        };
        assert!(ok.check().is_ok());
        let bad = QueueModel { arrivals_per_hour: -1.0, ..ok };
        assert!(bad.check().unwrap_err().contains("positive"));
        let bad = QueueModel { servers: 0, ..ok };
        assert!(bad.check().unwrap_err().contains("1 to 10,000"));
        let bad = QueueModel { mean_patience_s: f64::INFINITY, ..ok };
        assert!(bad.check().unwrap_err().contains("patience"));
    }

    #[test]
    fn a_run_is_its_seed_and_counts_add_up() {
        let model = QueueModel {
            arrivals_per_hour: 60.0,
            servers: 4,
            mean_service_s: 300.0,
            mean_patience_s: 120.0,
        };
        let a = simulate(&model, 2.0, 50.0, 20.0, 11);
        assert_eq!(a, simulate(&model, 2.0, 50.0, 20.0, 11));
        assert_ne!(a, simulate(&model, 2.0, 50.0, 20.0, 12));
        assert!(a.arrivals > 2500 && a.arrivals < 3500, "{a:?}");
        assert!(a.abandoned <= a.waited && a.waited <= a.arrivals, "{a:?}");
        assert!(a.answered_within_target + a.abandoned <= a.arrivals, "{a:?}");
    }
}
