//! Fitting a scenario's inputs to what happened: arrival rates by hour of the week from counts
//! and the hours each slot was observed, service times as log-normal from their mean and
//! spread, and callers' patience from waits cut short by an answer. `crisisbridge simulate
//! fit` reads the event log and the phone system's calls into these.

use crate::arrivals::HOURS_PER_WEEK;
use crate::dist::{Duration, MAX_S};

/// The hour-of-week slot (Monday 00:00–01:00 is 0) of a local day and hour, the day given as
/// its weekday counted from Thursday (1970-01-01 was one) as `reports::Zone` gives it.
pub fn slot(weekday_from_thursday: i64, hour: i64) -> usize {
    let monday_first = (weekday_from_thursday + 3).rem_euclid(7);
    usize::try_from(monday_first * 24 + hour.rem_euclid(24)).unwrap_or(0) % HOURS_PER_WEEK
}

/// Arrivals per hour for each slot: its count over the hours that slot was observed (0 where
/// it never was).
pub fn rates(counts: &[u64], observed_hours: &[u64]) -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|h| {
            let (n, hours) =
                (counts.get(h).copied().unwrap_or(0), observed_hours.get(h).copied().unwrap_or(0));
            #[allow(clippy::cast_precision_loss)]
            let rate = if hours == 0 { 0.0 } else { n as f64 / hours as f64 };
            rate
        })
        .collect()
}

/// A duration fitted to samples (seconds): log-normal with their mean and standard deviation,
/// fixed when they do not vary. `None` with fewer than five samples, or none above 0.
pub fn duration(samples_s: &[f64]) -> Option<Duration> {
    let kept: Vec<f64> = samples_s.iter().copied().filter(|s| s.is_finite() && *s >= 0.0).collect();
    if kept.len() < 5 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = kept.len() as f64;
    let mean = kept.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return None;
    }
    let sd = (kept.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let (mean, sd) = (mean.min(MAX_S), sd.min(MAX_S));
    Some(if sd == 0.0 {
        Duration::Fixed { s: mean }
    } else {
        Duration::LogNormal { mean_s: mean, sd_s: sd }
    })
}

/// Callers' patience, exponential, from how long each caller who waited waited: until an
/// answer (their patience was longer: censored) or until they hung up. The maximum-likelihood
/// mean is the total time waited over the number who hung up. `None` with fewer than three
/// hang-ups.
pub fn patience(answered_waits_s: &[f64], abandoned_waits_s: &[f64]) -> Option<Duration> {
    if abandoned_waits_s.len() < 3 {
        return None;
    }
    let total: f64 = answered_waits_s
        .iter()
        .chain(abandoned_waits_s)
        .filter(|w| w.is_finite() && **w >= 0.0)
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let mean = total / abandoned_waits_s.len() as f64;
    (mean > 0.0).then_some(Duration::Exponential { mean_s: mean.min(MAX_S) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn slots_start_on_monday_and_rates_divide_by_the_hours_seen() {
        assert_eq!(slot(4, 0), 0); // Monday 00:00
        assert_eq!(slot(0, 13), 3 * 24 + 13); // Thursday 13:00
        assert_eq!(slot(3, 23), 167); // Sunday 23:00
        let mut counts = vec![0u64; HOURS_PER_WEEK];
        let mut hours = vec![13u64; HOURS_PER_WEEK];
        counts[5] = 26;
        hours[7] = 0;
        let r = rates(&counts, &hours);
        assert_eq!((r[5], r[6], r[7]), (2.0, 0.0, 0.0));
    }

    #[test]
    fn fitted_durations_and_patience_recover_what_made_the_samples() {
        let mut rng = Rng::seeded(9);
        let made = Duration::LogNormal { mean_s: 1800.0, sd_s: 900.0 };
        let samples: Vec<f64> = (0..50_000).map(|_| made.sample(&mut rng)).collect();
        let Some(Duration::LogNormal { mean_s, sd_s }) = duration(&samples) else {
            panic!("log-normal")
        };
        assert!(
            (mean_s / 1800.0 - 1.0).abs() < 0.02 && (sd_s / 900.0 - 1.0).abs() < 0.05,
            "{mean_s} {sd_s}"
        );
        assert_eq!(duration(&[60.0; 8]), Some(Duration::Fixed { s: 60.0 }));
        assert_eq!(duration(&[60.0; 4]), None);
        // Patience of mean 120 s, cut short by answers after a mean 90 s.
        let (mut answered, mut abandoned) = (Vec::new(), Vec::new());
        for _ in 0..50_000 {
            let (p, a) = (rng.exponential(120.0), rng.exponential(90.0));
            if p < a { abandoned.push(p) } else { answered.push(a) }
        }
        let Some(Duration::Exponential { mean_s }) = patience(&answered, &abandoned) else {
            panic!("exp")
        };
        assert!((mean_s / 120.0 - 1.0).abs() < 0.03, "{mean_s}");
        // Counting only those who hung up would say about 51 s: far off.
        let naive = abandoned.iter().sum::<f64>() / abandoned.len() as f64;
        assert!(naive < 60.0);
        assert_eq!(patience(&[10.0], &[5.0, 6.0]), None);
    }
}
