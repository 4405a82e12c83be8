//! Independent replications of a simulation, run side by side, each measure reported as its
//! mean over the replications with a 95 % confidence interval (Student's t): the honest way to
//! say how sure a simulated figure is.

/// A measure over replications.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub mean: f64,
    /// Half the width of the 95 % confidence interval: the truth is within
    /// `mean ± half_width` for 95 of 100 such runs.
    pub half_width: f64,
}

impl Estimate {
    /// From one value per replication.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        #[allow(clippy::cast_precision_loss)]
        let count = n as f64;
        let mean = values.iter().sum::<f64>() / count.max(1.0);
        if n < 2 {
            return Self { mean, half_width: f64::INFINITY };
        }
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1.0);
        Self { mean, half_width: t_975(n - 1) * (variance / count).sqrt() }
    }

    /// Whether `value` lies within `mean ± k · half_width`.
    pub fn holds(&self, value: f64, k: f64) -> bool {
        (value - self.mean).abs() <= k * self.half_width
    }
}

/// Student's t quantile at 0.975 for `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE.get(df - 1).copied().unwrap_or(1.96),
        31..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

/// Runs `run(i)` for `i` in `0..replications` on up to `threads` threads; the results in
/// replication order (so a run is reproduced whatever the thread count).
pub fn replications<T: Send>(
    replications: usize,
    threads: usize,
    run: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let threads = threads.clamp(1, replications.max(1));
    let mut results: Vec<Option<T>> = (0..replications).map(|_| None).collect();
    let chunks: Vec<&mut [Option<T>]> =
        results.chunks_mut(replications.div_ceil(threads).max(1)).collect();
    let chunk_len = replications.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (c, chunk) in chunks.into_iter().enumerate() {
            let run = &run;
            scope.spawn(move || {
                for (j, slot) in chunk.iter_mut().enumerate() {
                    *slot = Some(run(c * chunk_len + j));
                }
            });
        }
    });
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_order() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert!((e.mean - 2.5).abs() < 1e-12);
        // s = 1.291, s/√4 = 0.6455, t(3) = 3.182.
        assert!((e.half_width - 3.182 * 0.645_497).abs() < 1e-4, "{e:?}");
        assert!(e.holds(4.5, 1.0) && !e.holds(5.0, 1.0));
        assert_eq!(replications(7, 3, |i| i * 10), [0, 10, 20, 30, 40, 50, 60]);
        assert_eq!(replications(2, 8, |i| i), [0, 1]);
    }
}
