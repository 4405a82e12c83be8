//! A small seeded generator (xoshiro256++ seeded through SplitMix64): fast, with good
//! statistical quality for simulation, and the same stream for the same seed on every machine.

/// xoshiro256++ (Blackman and Vigna).
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The generator for `seed`; each stream of a replication gets its own seed.
    /// A replication's own stream for one kind of draw (`which`), so changing how one kind is
    /// drawn leaves every other as it was.
    pub fn stream(seed: u64, which: u64) -> Self {
        Self::seeded(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ which.wrapping_mul(0xD1B5_4A32_D192_ED03),
        )
    }

    pub fn seeded(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self { s: [next(), next(), next(), next()] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.s;
        let result = s0.wrapping_add(*s3).rotate_left(23).wrapping_add(*s0);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        result
    }

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    pub fn uniform(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)] // 53 bits: exact in an f64
        let u = ((self.next_u64() >> 11) + 1) as f64;
        u / (1u64 << 53) as f64
    }

    /// Exponentially distributed with this mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_one_stream_and_exponentials_have_their_mean() {
        let (mut a, mut b) = (Rng::seeded(7), Rng::seeded(7));
        assert_eq!((a.next_u64(), a.next_u64()), (b.next_u64(), b.next_u64()));
        assert_ne!(Rng::seeded(8).next_u64(), Rng::seeded(7).next_u64());
        let mut r = Rng::seeded(1);
        let n = 200_000;
        let mean = (0..n).map(|_| r.exponential(3.0)).sum::<f64>() / f64::from(n);
        // Standard error 3/sqrt(n) ≈ 0.0067: five of them.
        assert!((mean - 3.0).abs() < 0.034, "{mean}");
        assert!((0..1000).all(|_| (0.0..=1.0).contains(&r.uniform()) && r.uniform() > 0.0));
    }
}
