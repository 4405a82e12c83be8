//! Python's `random.Random(seed)` (MT19937, seeded by `init_by_array`), far enough to
//! replay `uniform(a, b)`: the comparison script `bench_routing_scale.py` draws its grid's
//! travel times that way, and replaying them gives us the very same graph.

// Every index is `< N` by the loops that produce it.
#![allow(clippy::indexing_slicing)]

const N: usize = 624;

#[derive(Debug)]
pub struct PythonRandom {
    mt: [u32; N],
    index: usize,
}

impl PythonRandom {
    /// `random.Random(seed)` for a seed below 2^32.
    pub fn new(seed: u32) -> Self {
        let mut mt = [0u32; N];
        mt[0] = 19_650_218;
        for i in 1..N {
            mt[i] =
                1_812_433_253u32.wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_add(i as u32);
        }
        // init_by_array with the one-word key [seed].
        let (mut i, mut j) = (1usize, 0u32);
        for _ in 0..N {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(seed)
                .wrapping_add(j);
            i += 1;
            j = 0;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        for _ in 0..N - 1 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        Self { mt, index: N }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % N] & 0x7fff_ffff);
                let mut v = self.mt[(k + 397) % N] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.mt[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random.random()`: 53 random bits in [0, 1).
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `random.uniform(a, b)`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_python() {
        // python3 -c "import random; r = random.Random(11); print([r.uniform(5, 60) for _ in range(3)])"
        let mut r = PythonRandom::new(11);
        let got: Vec<f64> = (0..3).map(|_| r.uniform(5.0, 60.0)).collect();
        assert_eq!(got, [29.880875443040026, 35.787481234427275, 55.83158212130512]);
    }
}
