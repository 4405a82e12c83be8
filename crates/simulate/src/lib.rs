//! Planning by simulation: how a crisis system would do with other staffing or demand, before
//! the shift or the budget.
//!
//! - [`queue`]: a 988 line as a queue with abandonment (M/M/n+M, "Erlang-A"): contacts arrive
//!   at random, counselors answer in order, a caller who waits longer than their patience
//!   hangs up. A seeded discrete-event simulation, run as independent replications with a
//!   95 % confidence interval per measure ([`replicate`]).
//! - [`erlang_a`]: the same model's exact stationary answer (its birth–death chain), which the
//!   simulation is checked against.
//! - [`centers`]: 988 contacts routed to several centers by where the caller is, rolling over
//!   from one to the next when unanswered in time.
//! - [`rng`]: the seeded generator: a run is reproduced from its seed.
//!
//! Invariants: no IO, no wall clock; every run is a function of its inputs and seed.

pub mod arrivals;
pub mod centers;
pub mod demand;
pub mod dist;
pub mod erlang_a;
pub mod fit;
pub mod fleet;
pub mod line;
pub mod on_roads;
pub mod posts;
pub mod queue;
pub mod replicate;
pub mod rng;
pub mod scenario;
pub mod triage_mix;
