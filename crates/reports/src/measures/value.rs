//! What a measure's value is: a count, a share, a time distribution, or not measured (and why).

use serde::Serialize;

/// One measure's value for one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Value {
    /// How many.
    Count { count: u64 },
    /// `part` of `of` (the rate is `part / of`; none when `of` is 0).
    Share { part: u64, of: u64 },
    /// How long, over `count` intervals.
    Time(Distribution),
    /// The events this measure needs are not recorded; the reason says which.
    NotMeasured { reason: &'static str },
}

impl Value {
    /// The share as a fraction, when there is a denominator.
    pub fn rate(&self) -> Option<f64> {
        match self {
            Value::Share { part, of } if *of > 0 => Some(*part as f64 / *of as f64),
            _ => None,
        }
    }
}

/// A time distribution, in milliseconds: nearest-rank percentiles of the intervals measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Distribution {
    pub count: u64,
    pub p50_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    pub p95_ms: Option<i64>,
    pub mean_ms: Option<i64>,
}

impl Distribution {
    /// The distribution of `intervals` (sorted here).
    pub fn of(mut intervals: Vec<i64>) -> Self {
        intervals.sort_unstable();
        let count = intervals.len() as u64;
        let mean_ms = if intervals.is_empty() {
            None
        } else {
            let sum: i128 = intervals.iter().map(|&v| i128::from(v)).sum();
            i64::try_from(sum / i128::from(count)).ok()
        };
        Self {
            count,
            p50_ms: nearest_rank(&intervals, 50),
            p90_ms: nearest_rank(&intervals, 90),
            p95_ms: nearest_rank(&intervals, 95),
            mean_ms,
        }
    }
}

/// The smallest value at or above `percent` of `sorted` (nearest-rank method): rank
/// ⌈percent/100 × n⌉, counted from 1.
fn nearest_rank(sorted: &[i64], percent: u64) -> Option<i64> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (percent * n).div_ceil(100).max(1);
    usize::try_from(rank - 1).ok().and_then(|i| sorted.get(i)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let d = Distribution::of((1..=20).rev().collect());
        assert_eq!((d.count, d.p50_ms, d.p90_ms, d.p95_ms), (20, Some(10), Some(18), Some(19)));
        assert_eq!(d.mean_ms, Some(10));
        let one = Distribution::of(vec![7]);
        assert_eq!((one.p50_ms, one.p95_ms, one.mean_ms), (Some(7), Some(7), Some(7)));
        let none = Distribution::of(Vec::new());
        assert_eq!((none.count, none.p50_ms, none.mean_ms), (0, None, None));
    }

    #[test]
    fn a_share_without_a_denominator_has_no_rate() {
        assert_eq!(Value::Share { part: 1, of: 4 }.rate(), Some(0.25));
        assert_eq!(Value::Share { part: 0, of: 0 }.rate(), None);
    }
}
