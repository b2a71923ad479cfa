//! Seeded random draws for the generator: one ChaCha8 stream per purpose, so that the
//! content of a dataset does not change when only its noise rate or split share does.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Independent random streams of one dataset, all derived from its seed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    /// Labels, archetypes, fields and messages.
    Content = 1,
    /// Which rows get a flipped label, and in which direction.
    Noise = 2,
    /// Which rows are in the test split.
    Split = 3,
    /// Whether a lead converts, and its deal value.
    Outcome = 4,
    /// Which leads get an injection twin, and its payload.
    Twins = 5,
    /// Firmographic enrichment (`--enrich`): drawn apart so that enriching changes nothing else.
    Enrichment = 6,
}

/// A deterministic source of draws; equal seeds and streams give equal sequences.
#[derive(Debug, Clone)]
pub(crate) struct Draw(ChaCha8Rng);

/// SplitMix64 finaliser: spreads nearby seeds far apart before they seed ChaCha.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Draw {
    pub(crate) fn new(seed: u64, stream: Stream) -> Draw {
        let s = mix(seed ^ mix(stream as u64));
        Draw(ChaCha8Rng::seed_from_u64(s))
    }

    /// A uniform index below `n` (`n > 0`). Multiply-shift: the bias is below 2^-50 for
    /// the small `n` used here, and unlike rejection it costs exactly one draw.
    #[inline]
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform float in [0, 1).
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    /// A standard normal draw (Box–Muller, from two uniform draws).
    pub(crate) fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    #[inline]
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An index drawn in proportion to `weights` (not all zero).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        // Rounding can leave x just above the last positive weight.
        weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }

    /// A uniform integer in `lo..=hi`.
    #[inline]
    pub(crate) fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo) as usize + 1) as u32
    }

    /// An integer in `lo..=hi` spread roughly evenly on a log scale, as company sizes are:
    /// a doubling band `[lo·2^k, lo·2^(k+1))` is chosen uniformly, then a value inside it.
    /// Integer arithmetic only, so the output does not depend on the platform's `ln`/`exp`.
    pub(crate) fn log_range(&mut self, lo: u32, hi: u32) -> u32 {
        let lo = lo.max(1);
        let hi = hi.max(lo);
        let bands = (u64::from(hi) / u64::from(lo)).ilog2() + 1;
        let k = self.below(bands as usize) as u32;
        let start = u64::from(lo) << k;
        let end = ((start << 1) - 1).min(u64::from(hi));
        let v = start + self.below((end - start + 1) as usize) as u64;
        v as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let mut a = Draw::new(7, Stream::Content);
        let mut b = Draw::new(7, Stream::Content);
        let mut c = Draw::new(7, Stream::Noise);
        let xs: Vec<usize> = (0..32).map(|_| a.below(1000)).collect();
        let ys: Vec<usize> = (0..32).map(|_| b.below(1000)).collect();
        let zs: Vec<usize> = (0..32).map(|_| c.below(1000)).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut d = Draw::new(1, Stream::Content);
        for _ in 0..10_000 {
            assert!(d.below(3) < 3);
            let u = d.unit();
            assert!((0.0..1.0).contains(&u));
            assert!((5..=9).contains(&d.range(5, 9)));
            assert!((10..=5000).contains(&d.log_range(10, 5000)));
            assert_ne!(d.weighted(&[0.0, 1.0, 0.0, 2.0]), 0);
        }
    }
}
