//! A 988 line over the week: contacts arriving by hour of the week ([`Arrivals`]), counselors
//! staffed by hour of the week, each talk and each caller's patience drawn from their
//! distributions, first come first served. When an hour's staffing falls, counselors on a
//! contact finish it first; when it rises, the new ones take waiting callers at once. The
//! queue of `queue.rs` with time-varying demand and staffing, for `simulate --scenario` and
//! `plan staffing`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::arrivals::{Arrivals, HOURS_PER_WEEK};
use crate::dist::Duration;
use crate::rng::Rng;

/// A 988 line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Line {
    pub arrivals: Arrivals,
    /// Counselors on duty in each hour of the week, Monday 00:00 first.
    pub counselors: Vec<u32>,
    pub talk: Duration,
    pub patience: Duration,
    /// Answered within this many seconds counts as on time.
    pub answer_within_s: f64,
}

/// What one run measured over the contacts arriving after the warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct LineRun {
    pub contacts: u64,
    pub answered_within_target: u64,
    pub abandoned: u64,
    pub waited: u64,
    pub total_wait_s: f64,
    /// Counselor-seconds talking and on duty within the window.
    pub talking_s: f64,
    pub on_duty_s: f64,
}

impl LineRun {
    pub fn service_level(&self) -> f64 {
        ratio(self.answered_within_target, self.contacts)
    }
    pub fn abandon_share(&self) -> f64 {
        ratio(self.abandoned, self.contacts)
    }
    pub fn mean_wait_s(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let n = self.contacts as f64;
        if self.contacts == 0 { f64::NAN } else { self.total_wait_s / n }
    }
    pub fn occupancy(&self) -> f64 {
        if self.on_duty_s > 0.0 { self.talking_s / self.on_duty_s } else { 0.0 }
    }
}

/// `a / b`; NaN when there is nothing to divide by (no contact: no figure, not 0 %).
fn ratio(a: u64, b: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let r = if b == 0 { f64::NAN } else { a as f64 / b as f64 };
    r
}

impl Line {
    /// Why the line cannot be simulated, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.counselors.len() != HOURS_PER_WEEK {
            return Err(format!(
                "{} hourly counselor counts: give 168, one per hour of the week from Monday 00:00",
                self.counselors.len()
            ));
        }
        if self.counselors.iter().all(|c| *c == 0) {
            return Err("no counselor in any hour: staff at least one hour".into());
        }
        if self.counselors.iter().any(|c| *c > 10_000) {
            return Err("more than 10,000 counselors in an hour".into());
        }
        self.talk.check().map_err(|m| format!("talk: {m}"))?;
        self.patience.check().map_err(|m| format!("patience: {m}"))?;
        if self.talk.mean_s() <= 0.0 {
            return Err("talk: give a mean talk time above 0".into());
        }
        if !(self.answer_within_s.is_finite() && (0.0..=3600.0).contains(&self.answer_within_s)) {
            return Err(format!("answer_within_s = {}: give 0 to 3600", self.answer_within_s));
        }
        Ok(())
    }

    fn staffed(&self, hour: u64) -> u32 {
        #[allow(clippy::cast_possible_truncation)]
        let h = (hour % HOURS_PER_WEEK as u64) as usize;
        self.counselors.get(h).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// A new hour: staffing changes.
    Hour,
    Arrival,
    Done,
}

/// Times in seconds, ordered by their bits (non-negative floats order as their bits do).
fn key(t: f64) -> u64 {
    t.max(0.0).to_bits()
}

struct Run<'l> {
    line: &'l Line,
    window: (f64, f64),
    heap: BinaryHeap<Reverse<(u64, u64, Event)>>,
    sequence: u64,
    talking: u32,
    staffed: u32,
    /// Waiting callers: (arrival, when they hang up), in arrival order.
    waiting: VecDeque<(f64, f64)>,
    talk_rng: Rng,
    run: LineRun,
}

impl Run<'_> {
    fn push(&mut self, t: f64, event: Event) {
        self.sequence += 1;
        self.heap.push(Reverse((key(t), self.sequence, event)));
    }

    fn measured(&self, t: f64) -> bool {
        (self.window.0..self.window.1).contains(&t)
    }

    /// A counselor answers the caller who arrived at `arrived`, now.
    fn answer(&mut self, arrived: f64, now: f64) {
        let talk = self.line.talk.sample(&mut self.talk_rng);
        self.run.talking_s += ((now + talk).min(self.window.1) - now.max(self.window.0)).max(0.0);
        self.talking += 1;
        if self.measured(arrived) {
            self.run.total_wait_s += now - arrived;
            if now - arrived <= self.line.answer_within_s {
                self.run.answered_within_target += 1;
            }
        }
        self.push(now + talk, Event::Done);
    }

    /// Free counselors take waiting callers in order; callers who hung up first are counted.
    fn serve(&mut self, now: f64) {
        while let Some(&(arrived, gives_up)) = self.waiting.front() {
            if gives_up <= now {
                self.waiting.pop_front();
                if self.measured(arrived) {
                    self.run.abandoned += 1;
                    self.run.total_wait_s += gives_up - arrived;
                }
                continue;
            }
            if self.talking >= self.staffed {
                break;
            }
            self.waiting.pop_front();
            self.answer(arrived, now);
        }
    }
}

/// Simulates `hours` after `warm_up_h` with `seed` (arrivals, talks and patience each on their
/// own stream). The line must have passed [`Line::check`].
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
pub fn simulate(line: &Line, warm_up_h: f64, hours: f64, seed: u64) -> LineRun {
    let mut arrivals_rng = Rng::seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5_0001);
    let mut patience_rng = Rng::seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5_0003);
    let window = (warm_up_h * 3600.0, (warm_up_h + hours) * 3600.0);
    let mut run = Run {
        line,
        window,
        heap: BinaryHeap::new(),
        sequence: 0,
        talking: 0,
        staffed: line.staffed(0),
        waiting: VecDeque::new(),
        talk_rng: Rng::seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5_0002),
        run: LineRun::default(),
    };
    // Counselor-seconds on duty within the window, hour by hour.
    let mut h = (window.0 / 3600.0).floor() as u64;
    while (h as f64) * 3600.0 < window.1 {
        let (a, b) = ((h as f64) * 3600.0, ((h + 1) as f64) * 3600.0);
        run.run.on_duty_s +=
            f64::from(line.staffed(h)) * (b.min(window.1) - a.max(window.0)).max(0.0);
        h += 1;
    }
    let mut next_arrival = line.arrivals.next_after(0.0, &mut arrivals_rng);
    if next_arrival < window.1 {
        run.push(next_arrival, Event::Arrival);
    }
    // Staffing that never changes needs no hourly event.
    let flat = line.counselors.windows(2).all(|w| w.first() == w.get(1));
    if !flat {
        run.push(3600.0, Event::Hour);
    }
    while let Some(Reverse((at, _, event))) = run.heap.pop() {
        let now = f64::from_bits(at);
        match event {
            Event::Hour => {
                let hour = (now / 3600.0).round() as u64;
                run.staffed = line.staffed(hour);
                run.serve(now);
                // Past the window, hours go on only while callers still wait.
                if now < window.1 || !run.waiting.is_empty() {
                    run.push(now + 3600.0, Event::Hour);
                }
            }
            Event::Arrival => {
                if run.measured(now) {
                    run.run.contacts += 1;
                }
                if run.talking < run.staffed {
                    run.answer(now, now);
                } else {
                    if run.measured(now) {
                        run.run.waited += 1;
                    }
                    let patience = line.patience.sample(&mut patience_rng);
                    run.waiting.push_back((now, now + patience));
                }
                next_arrival = line.arrivals.next_after(next_arrival, &mut arrivals_rng);
                if next_arrival < window.1 {
                    run.push(next_arrival, Event::Arrival);
                }
            }
            Event::Done => {
                run.talking = run.talking.saturating_sub(1);
                run.serve(now);
            }
        }
    }
    run.run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erlang_a;
    use crate::queue::QueueModel;

    fn flat(per_hour: f64, counselors: u32) -> Line {
        Line {
            arrivals: Arrivals::constant(per_hour).unwrap(),
            counselors: vec![counselors; HOURS_PER_WEEK],
            talk: Duration::Exponential { mean_s: 240.0 },
            patience: Duration::Exponential { mean_s: 120.0 },
            answer_within_s: 20.0,
        }
    }

    /// With the same staffing every hour the line is Erlang-A's queue: its abandonment and
    /// occupancy agree with the model's exact values.
    #[test]
    fn a_flat_week_is_the_erlang_a_queue() {
        let line = flat(120.0, 10);
        line.check().unwrap();
        let run = simulate(&line, 24.0, 20_000.0, 3);
        let exact = erlang_a::solve(&QueueModel {
            arrivals_per_hour: 120.0,
            servers: 10,
            mean_service_s: 240.0,
            mean_patience_s: 120.0,
        });
        assert!((run.abandon_share() - exact.p_abandon).abs() < 0.004, "{run:?} {exact:?}");
        assert!((run.occupancy() - exact.occupancy).abs() < 0.005, "{run:?} {exact:?}");
        assert!((run.mean_wait_s() - exact.mean_wait_s).abs() < 0.6, "{run:?} {exact:?}");
    }

    /// Staffing that follows demand by hour does better than the same counselor-hours spread
    /// flat, and no counselor at night means every night caller waits.
    #[test]
    fn staffing_by_hour_follows_demand() {
        let mut rates = vec![10.0; HOURS_PER_WEEK];
        let mut staffed = vec![2u32; HOURS_PER_WEEK];
        for h in 0..HOURS_PER_WEEK {
            if (8..20).contains(&(h % 24)) {
                rates[h] = 60.0;
                staffed[h] = 8;
            }
        }
        let line = Line {
            arrivals: Arrivals::by_hour_of_week(rates.clone()).unwrap(),
            counselors: staffed,
            ..flat(1.0, 1)
        };
        let total: u32 = line.counselors.iter().sum();
        let even = Line { counselors: vec![total / 168; HOURS_PER_WEEK], ..line.clone() };
        let (fit, flat_run) = (simulate(&line, 24.0, 5000.0, 1), simulate(&even, 24.0, 5000.0, 1));
        assert!(fit.service_level() > flat_run.service_level() + 0.1, "{fit:?} {flat_run:?}");
        assert!((fit.on_duty_s - flat_run.on_duty_s).abs() / fit.on_duty_s < 0.03);
        let mut nights = line.clone();
        for h in 0..HOURS_PER_WEEK {
            if !(8..20).contains(&(h % 24)) {
                nights.counselors[h] = 0;
            }
        }
        let run = simulate(&nights, 24.0, 2000.0, 2);
        // Nights carry 120 of the day's 840 contacts (14 %): with 2-minute patience and no one
        // answering, nearly all of them wait and hang up.
        assert!(run.waited as f64 > 0.13 * run.contacts as f64, "{run:?}");
        assert!(run.abandoned as f64 > 0.13 * run.contacts as f64, "{run:?}");
    }
}

/// A 988 line over the replications, each measure with its 95 % interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineSummary {
    pub answer_within_s: f64,
    pub contacts: crate::replicate::Estimate,
    pub answered_within_target: crate::replicate::Estimate,
    pub waited: crate::replicate::Estimate,
    pub abandoned: crate::replicate::Estimate,
    pub mean_wait_s: crate::replicate::Estimate,
    pub occupancy: crate::replicate::Estimate,
}

/// The replications' measures.
#[allow(clippy::cast_precision_loss)]
pub fn summarise(line: &Line, runs: &[LineRun]) -> LineSummary {
    // Over the replications where the figure exists (one with no contact has none).
    let of = |f: &dyn Fn(&LineRun) -> f64| {
        let known: Vec<f64> = runs.iter().map(f).filter(|v| !v.is_nan()).collect();
        crate::replicate::Estimate::of(&known)
    };
    LineSummary {
        answer_within_s: line.answer_within_s,
        contacts: of(&|r| r.contacts as f64),
        answered_within_target: of(&|r| r.service_level()),
        waited: of(&|r| ratio(r.waited, r.contacts)),
        abandoned: of(&|r| r.abandon_share()),
        mean_wait_s: of(&|r| r.mean_wait_s()),
        occupancy: of(&|r| r.occupancy()),
    }
}

/// The fewest counselors that answer `level` of contacts within the line's target when
/// `per_hour` contacts arrive around the clock (a long stationary run of this line's talk and
/// patience, seeded, so the answer is reproducible); `None` above 10,000.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn fewest_counselors(line: &Line, per_hour: f64, level: f64, seed: u64) -> Option<u32> {
    if per_hour <= 0.0 {
        return Some(0);
    }
    let Ok(arrivals) = Arrivals::constant(per_hour) else { return None };
    let offered = per_hour * line.talk.mean_s() / 3600.0;
    // About 60,000 contacts: at least 300 hours, at most a million (a rare hour's rate).
    let hours = (60_000.0 / per_hour).clamp(300.0, 1_000_000.0);
    // n counselors answer at most n / offered of the contacts: fewer cannot reach `level`.
    let mut n = ((level * offered).floor() as u32).max(1);
    while n <= 10_000 {
        let flat = Line {
            arrivals: arrivals.clone(),
            counselors: vec![n; HOURS_PER_WEEK],
            ..line.clone()
        };
        if simulate(&flat, 2.0, hours, seed).service_level() >= level {
            return Some(n);
        }
        n += 1;
    }
    None
}
