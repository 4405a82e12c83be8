//! How long things take: the service-time distributions a scenario names (on scene, handover,
//! dispatch delay), each checked before a run and sampled in seconds.

use crate::rng::Rng;

/// The longest any duration parameter may be, seconds (a day).
pub const MAX_S: f64 = 86_400.0;

/// A duration's distribution, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Duration {
    /// Always this long.
    Fixed { s: f64 },
    /// Exponential with this mean (memoryless: the usual model of an on-scene time).
    Exponential { mean_s: f64 },
    /// Uniform between the two.
    Uniform { min_s: f64, max_s: f64 },
    /// Log-normal with this mean and standard deviation (right-skewed, never negative: the
    /// usual fit of measured service times).
    LogNormal { mean_s: f64, sd_s: f64 },
}

impl Duration {
    /// Why the distribution cannot be used, if it cannot. Every parameter is at most
    /// [`MAX_S`] (a day).
    pub fn check(&self) -> Result<(), String> {
        let finite = |v: f64| v.is_finite() && (0.0..=MAX_S).contains(&v);
        match *self {
            Self::Fixed { s } if !finite(s) => {
                Err(format!("a fixed time of {s} s: give 0 or more, at most a day"))
            }
            Self::Exponential { mean_s } if !(finite(mean_s) && mean_s > 0.0) => Err(format!(
                "an exponential mean of {mean_s} s: give a mean above 0, at most a day"
            )),
            Self::Uniform { min_s, max_s }
                if !(finite(min_s) && finite(max_s) && min_s <= max_s) =>
            {
                Err(format!(
                    "a uniform time from {min_s} s to {max_s} s: give 0 ≤ min ≤ max, at most a day"
                ))
            }
            Self::LogNormal { mean_s, sd_s }
                if !(finite(mean_s) && mean_s > 0.0 && finite(sd_s)) =>
            {
                Err(format!(
                    "a log-normal time with mean {mean_s} s and sd {sd_s} s: give a mean above 0 \
                     and an sd of 0 or more, each at most a day"
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn mean_s(&self) -> f64 {
        match *self {
            Self::Fixed { s } => s,
            Self::Exponential { mean_s } | Self::LogNormal { mean_s, .. } => mean_s,
            Self::Uniform { min_s, max_s } => (min_s + max_s) / 2.0,
        }
    }

    /// One draw, in seconds.
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match *self {
            Self::Fixed { s } => s,
            Self::Exponential { mean_s } => rng.exponential(mean_s),
            Self::Uniform { min_s, max_s } => min_s + (max_s - min_s) * (1.0 - rng.uniform()),
            Self::LogNormal { mean_s, sd_s } => {
                let sigma2 = (1.0 + (sd_s / mean_s).powi(2)).ln();
                let mu = mean_s.ln() - sigma2 / 2.0;
                (mu + sigma2.sqrt() * standard_normal(rng)).exp()
            }
        }
    }
}

/// A standard normal draw (Box–Muller).
fn standard_normal(rng: &mut Rng) -> f64 {
    let (u, v) = (rng.uniform(), rng.uniform());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_have_the_stated_mean_and_bad_parameters_are_refused() {
        let mut rng = Rng::seeded(3);
        for d in [
            Duration::Fixed { s: 150.0 },
            Duration::Exponential { mean_s: 456.0 },
            Duration::Uniform { min_s: 60.0, max_s: 180.0 },
            Duration::LogNormal { mean_s: 900.0, sd_s: 600.0 },
        ] {
            d.check().unwrap();
            let n = 200_000;
            let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / f64::from(n);
            assert!((mean / d.mean_s() - 1.0).abs() < 0.01, "{d:?}: {mean}");
        }
        assert!(Duration::Exponential { mean_s: 0.0 }.check().is_err());
        assert!(Duration::Fixed { s: -1.0 }.check().is_err());
        assert!(Duration::Uniform { min_s: 5.0, max_s: 1.0 }.check().is_err());
        assert!(Duration::LogNormal { mean_s: f64::NAN, sd_s: 1.0 }.check().is_err());
        assert!(Duration::Fixed { s: 1e15 }.check().is_err());
        assert!(Duration::LogNormal { mean_s: 60.0, sd_s: 1e160 }.check().is_err());
    }
}
