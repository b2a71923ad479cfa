//! Bootstrap machinery: the [`Estimate`] every headline metric is reported as, fast
//! resampling of leads, and percentile confidence intervals.
//!
//! Resampling n leads with replacement only matters through how many copies of each
//! *distinct* observation land in the resample, and those counts are multinomial over the
//! distinct cells (e.g. (gold label, predicted label, score) has at most 912 cells). So a
//! [`CellSampler`] draws the cell counts directly — by conditional binomials when there are
//! few cells, by drawing lead indices when there are many — and metrics are computed from
//! the weighted table. Both ways give exactly the sampling distribution of index
//! resampling, which is what `scipy.stats.bootstrap` does.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;
use serde::Serialize;

/// A metric's value with its bootstrap confidence interval; `None` where undefined.
///
/// Serialises as `{"value": number|null, "ci_low": number|null, "ci_high": number|null}`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Estimate {
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

impl Estimate {
    /// A value without an interval (no resampling asked for, or the interval is undefined).
    pub fn point(value: Option<f64>) -> Estimate {
        Estimate {
            value: finite(value),
            ci_low: None,
            ci_high: None,
        }
    }

    /// A value with the percentile interval of its bootstrap replicates.
    ///
    /// The interval is reported only when the value and every replicate are defined:
    /// dropping undefined replicates (e.g. resamples without a single gold-high lead) would
    /// bias the interval, so it is left undefined instead.
    pub(crate) fn with_replicates(
        value: Option<f64>,
        replicates: &[Option<f64>],
        confidence: f64,
    ) -> Estimate {
        let value = finite(value);
        let defined: Option<Vec<f64>> = replicates.iter().map(|r| finite(*r)).collect();
        match (value, defined) {
            (Some(_), Some(mut xs)) if !xs.is_empty() => {
                let (low, high) = percentile_interval(&mut xs, confidence);
                Estimate {
                    value,
                    ci_low: Some(low),
                    ci_high: Some(high),
                }
            }
            _ => Estimate::point(value),
        }
    }
}

/// `Some(x)` only for finite x: no NaN or infinity ever leaves this module.
fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// The two-sided percentile interval of `xs` (sorted in place), with numpy's default
/// linear interpolation between order statistics, as `scipy.stats.bootstrap` uses.
pub(crate) fn percentile_interval(xs: &mut [f64], confidence: f64) -> (f64, f64) {
    xs.sort_by(f64::total_cmp);
    let alpha = (1.0 - confidence) / 2.0;
    (quantile(xs, alpha), quantile(xs, 1.0 - alpha))
}

/// The q-quantile of sorted, non-empty values with numpy's default linear interpolation
/// between order statistics: the one quantile of the crate (bootstrap intervals, latency
/// percentiles), checked against numpy by the reference tests.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Resamples per RNG stream: streams make results independent of the thread count.
const CHUNK: usize = 25;

/// Runs `f` once per resample, in parallel, each with a reproducible RNG derived from
/// `(seed, tag, chunk)`; the output is in resample order and identical on any machine.
pub(crate) fn replicate<T, F>(resamples: usize, seed: u64, tag: u32, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(&mut ChaCha8Rng) -> T + Sync,
{
    let chunks = resamples.div_ceil(CHUNK);
    (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream((u64::from(tag) << 32) | c as u64);
            let len = CHUNK.min(resamples - c * CHUNK);
            (0..len).map(|_| f(&mut rng)).collect::<Vec<T>>()
        })
        .flatten()
        .collect()
}

/// Draws bootstrap counts of distinct cells for a fixed assignment of n units to cells.
#[derive(Debug, Clone)]
pub(crate) struct CellSampler {
    /// Cell of each unit (lead), for drawing by index.
    cell_of: Vec<u32>,
    /// Cells that hold at least one unit, with their unit count.
    occupied: Vec<(u32, u64)>,
    n_cells: usize,
    by_index: bool,
}

impl CellSampler {
    /// `cell_of[i]` is the cell of unit i; every value must be below `n_cells`.
    pub(crate) fn new(cell_of: Vec<u32>, n_cells: usize) -> CellSampler {
        let mut counts = vec![0u64; n_cells];
        for &c in &cell_of {
            counts[c as usize] += 1;
        }
        // Largest cells first: the remaining total shrinks fastest, binomials stay cheap.
        let mut occupied: Vec<(u32, u64)> = counts
            .iter()
            .enumerate()
            .filter(|(_, k)| **k > 0)
            .map(|(c, k)| (c as u32, *k))
            .collect();
        occupied.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        // A binomial draw costs roughly as much as 50 (cache-friendly) index draws; choose
        // the cheaper way.
        let by_index = occupied.len() * 50 > cell_of.len();
        CellSampler {
            cell_of,
            occupied,
            n_cells,
            by_index,
        }
    }

    pub(crate) fn n_cells(&self) -> usize {
        self.n_cells
    }

    /// The original (not resampled) count of every cell.
    pub(crate) fn original(&self) -> Vec<u64> {
        let mut out = vec![0u64; self.n_cells];
        for &(c, k) in &self.occupied {
            out[c as usize] = k;
        }
        out
    }

    /// Fills `out` (length `n_cells`) with the cell counts of one bootstrap resample.
    pub(crate) fn draw<R: Rng>(&self, rng: &mut R, out: &mut [u64]) {
        if self.by_index {
            self.draw_by_index(rng, out, |_, _| {});
            return;
        }
        out.fill(0);
        // Multinomial by conditional binomials: cell j gets Binomial(left, k_j / rest).
        let mut left = self.cell_of.len() as u64;
        let mut rest = left;
        for &(c, k) in &self.occupied {
            if left == 0 {
                break;
            }
            let got = binomial(rng, left, k, rest);
            out[c as usize] = got;
            left -= got;
            rest -= k;
        }
    }

    /// Like [`CellSampler::draw`], always lead by lead, also handing each block's copy
    /// counts to `visit(start, counts)` so per-lead data can share the same resample.
    pub(crate) fn draw_by_index<R: Rng>(
        &self,
        rng: &mut R,
        out: &mut [u64],
        mut visit: impl FnMut(usize, &[u32]),
    ) {
        out.fill(0);
        for_each_block(rng, self.cell_of.len(), |start, counts| {
            let cells = &self.cell_of[start..start + counts.len()];
            for (&c, &k) in cells.iter().zip(counts) {
                out[c as usize] += u64::from(k);
            }
            visit(start, counts);
        });
    }
}

/// Units per block in [`for_each_block`]: a block's data stays in the CPU cache, and a
/// power of two lets one 64-bit random number give five exactly uniform 12-bit indices.
const BLOCK_BITS: u32 = 12;
const BLOCK: usize = 1 << BLOCK_BITS;

/// Draws one bootstrap resample of the indices 0..n as copy counts per index, handing
/// them to `visit(start, counts)` one block of consecutive indices at a time.
///
/// Drawing n uniform indices straight away touches memory at random, which made cache
/// misses the bottleneck at 100,000 leads. Instead the number of draws landing in each
/// block of [`BLOCK`] indices is drawn first (multinomial, by conditional binomials), then
/// that many uniform indices inside the block are counted in a small buffer: the same
/// distribution, and the caller reads its data sequentially.
pub(crate) fn for_each_block<R: Rng>(rng: &mut R, n: usize, mut visit: impl FnMut(usize, &[u32])) {
    let mut counts = vec![0u32; BLOCK.min(n)];
    let (mut left, mut rest) = (n as u64, n as u64);
    let mut start = 0;
    while start < n {
        let len = BLOCK.min(n - start);
        let k = binomial(rng, left, len as u64, rest);
        left -= k;
        rest -= len as u64;
        let block = &mut counts[..len];
        block.fill(0);
        if len == BLOCK {
            let mask = (BLOCK - 1) as u64;
            let mut todo = k;
            while todo > 0 {
                let mut bits = rng.next_u64();
                for _ in 0..todo.min(5) {
                    block[(bits & mask) as usize] += 1;
                    bits >>= BLOCK_BITS;
                }
                todo -= todo.min(5);
            }
        } else {
            for _ in 0..k {
                block[rng.random_range(0..len as u32) as usize] += 1;
            }
        }
        visit(start, block);
        start += len;
    }
}

/// A draw from Binomial(trials, part / whole), exact at the ends.
pub(crate) fn binomial<R: Rng>(rng: &mut R, trials: u64, part: u64, whole: u64) -> u64 {
    if trials == 0 || part == 0 {
        return 0;
    }
    if part >= whole {
        return trials;
    }
    let p = part as f64 / whole as f64;
    Binomial::new(trials, p)
        .expect("0 < part < whole gives a probability strictly between 0 and 1")
        .sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let mut xs = vec![4.0, 1.0, 3.0, 2.0, 5.0];
        // np.percentile([1,2,3,4,5], [2.5, 97.5]) == [1.1, 4.9]
        let (lo, hi) = percentile_interval(&mut xs, 0.95);
        assert!((lo - 1.1).abs() < 1e-12 && (hi - 4.9).abs() < 1e-12);
    }

    #[test]
    fn both_samplers_keep_the_total_and_are_reproducible() {
        let few = CellSampler::new((0..1000).map(|i| (i % 3) as u32).collect(), 3);
        let many = CellSampler::new((0..100).map(|i| i as u32).collect(), 100);
        assert!(!few.by_index && many.by_index);
        for s in [&few, &many] {
            let a = replicate(7, 9, 0, |rng| {
                let mut out = vec![0; s.n_cells()];
                s.draw(rng, &mut out);
                out
            });
            let b = replicate(7, 9, 0, |rng| {
                let mut out = vec![0; s.n_cells()];
                s.draw(rng, &mut out);
                out
            });
            assert_eq!(a, b);
            assert!(
                a.iter()
                    .all(|o| o.iter().sum::<u64>() == s.cell_of.len() as u64)
            );
        }
    }

    #[test]
    fn multinomial_counts_have_the_index_resampling_mean_and_variance() {
        // One cell holding 10% of 1000 units: counts ~ Binomial(1000, 0.1), var 90.
        let s = CellSampler::new((0..1000).map(|i| u32::from(i % 10 == 0)).collect(), 2);
        let draws = replicate(4000, 1, 0, |rng| {
            let mut out = [0u64; 2];
            s.draw(rng, &mut out);
            out[1] as f64
        });
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!((mean - 100.0).abs() < 1.0, "mean {mean}");
        assert!((var - 90.0).abs() < 10.0, "var {var}");
    }

    #[test]
    fn blocked_draws_are_uniform_over_all_indices() {
        let n = 3 * BLOCK + 17;
        let mut hits = [0u64; 4];
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..50 {
            for_each_block(&mut rng, n, |start, counts| {
                hits[(start / BLOCK).min(3)] += counts.iter().map(|k| u64::from(*k)).sum::<u64>();
            });
        }
        assert_eq!(hits.iter().sum::<u64>(), 50 * n as u64);
        // Expected 50·BLOCK per full block (sd ≈ 440), 50·17 in the last.
        for h in &hits[..3] {
            assert!((*h as f64 - 50.0 * BLOCK as f64).abs() < 2500.0, "{hits:?}");
        }
        assert!(hits[3] > 500 && hits[3] < 1200, "{hits:?}");
    }

    #[test]
    fn undefined_replicates_leave_the_interval_undefined() {
        let e = Estimate::with_replicates(Some(0.5), &[Some(0.4), None], 0.95);
        assert_eq!(e, Estimate::point(Some(0.5)));
        assert_eq!(Estimate::point(Some(f64::NAN)).value, None);
    }
}
