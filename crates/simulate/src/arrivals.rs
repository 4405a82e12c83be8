//! When contacts arrive: a Poisson process whose rate follows the hour of the week (168
//! rates, Monday 00:00 first), drawn by thinning — candidates at the week's highest rate,
//! each kept with probability (rate now) / (highest rate). Simulated time 0 is a Monday
//! 00:00.

use crate::rng::Rng;

/// Hours in a week.
pub const HOURS_PER_WEEK: usize = 168;

/// The highest rate an hour may have.
pub const MAX_PER_HOUR: f64 = 10_000.0;

/// Arrival rates per hour, by hour of the week.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Arrivals {
    per_hour: Vec<f64>,
    highest: f64,
}

impl Arrivals {
    /// The same rate at every hour.
    pub fn constant(per_hour: f64) -> Result<Self, String> {
        Self::by_hour_of_week(vec![per_hour; HOURS_PER_WEEK])
    }

    /// 168 rates, Monday 00:00–01:00 first.
    pub fn by_hour_of_week(per_hour: Vec<f64>) -> Result<Self, String> {
        if per_hour.len() != HOURS_PER_WEEK {
            return Err(format!(
                "{} hourly rates: give 168, one per hour of the week from Monday 00:00",
                per_hour.len()
            ));
        }
        let bad = |r: &&f64| !(r.is_finite() && (0.0..=MAX_PER_HOUR).contains(*r));
        if let Some((h, r)) = per_hour.iter().enumerate().find(|(_, r)| bad(r)) {
            return Err(format!(
                "the rate for hour {h} of the week is {r}: give 0 or more per hour, at most 10,000"
            ));
        }
        let highest = per_hour.iter().copied().fold(0.0, f64::max);
        if highest <= 0.0 {
            return Err("every hourly rate is 0: no contact would ever arrive".into());
        }
        Ok(Self { per_hour, highest })
    }

    /// The 168 rates, Monday 00:00 first.
    pub fn rates(&self) -> &[f64] {
        &self.per_hour
    }

    /// `self` plus `share` of `other`, hour by hour (a Poisson stream split call by call
    /// gives a Poisson stream of that share; two added give their sum).
    pub fn plus_share_of(&self, other: &Self, share: f64) -> Result<Self, String> {
        let rates = self.per_hour.iter().zip(&other.per_hour).map(|(a, b)| a + share * b).collect();
        Self::by_hour_of_week(rates)
    }

    /// `share` of `self`, hour by hour.
    pub fn share_of(&self, share: f64) -> Result<Self, String> {
        Self::by_hour_of_week(self.per_hour.iter().map(|r| r * share).collect())
    }

    /// The mean rate over the week, per hour.
    pub fn mean_per_hour(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let hours = HOURS_PER_WEEK as f64;
        self.per_hour.iter().sum::<f64>() / hours
    }

    /// The rate at `t_s` seconds into the simulation, per hour.
    pub fn rate_at(&self, t_s: f64) -> f64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let hour = ((t_s / 3600.0).floor().max(0.0) as usize) % HOURS_PER_WEEK;
        self.per_hour.get(hour).copied().unwrap_or(0.0)
    }

    /// The first arrival after `t_s` seconds.
    pub fn next_after(&self, t_s: f64, rng: &mut Rng) -> f64 {
        let mean_gap_s = 3600.0 / self.highest;
        let mut t = t_s;
        loop {
            t += rng.exponential(mean_gap_s);
            if rng.uniform() * self.highest <= self.rate_at(t) {
                return t;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinned_arrivals_follow_the_hour_of_the_week() {
        let mut rates = vec![2.0; HOURS_PER_WEEK];
        rates[10] = 20.0; // Monday 10:00–11:00
        rates[30] = 0.0; // Tuesday 06:00–07:00
        let arrivals = Arrivals::by_hour_of_week(rates).unwrap();
        let mut rng = Rng::seeded(5);
        let (mut counts, mut t) = (vec![0u32; HOURS_PER_WEEK], 0.0);
        let weeks = 400.0;
        loop {
            t = arrivals.next_after(t, &mut rng);
            if t >= weeks * 604_800.0 {
                break;
            }
            counts[((t / 3600.0) as usize) % HOURS_PER_WEEK] += 1;
        }
        let per_hour = |h: usize| f64::from(counts[h]) / weeks;
        assert!((per_hour(10) - 20.0).abs() < 1.0, "{}", per_hour(10));
        assert_eq!(counts[30], 0);
        assert!((per_hour(50) - 2.0).abs() < 0.4, "{}", per_hour(50));
        assert!(Arrivals::by_hour_of_week(vec![1.0; 24]).is_err());
        assert!(Arrivals::constant(-1.0).is_err());
        assert!(Arrivals::constant(1e9).is_err());
        assert!(Arrivals::constant(0.0).is_err());
    }
}
