//! Agreement of predicted 0–100 scores with gold scores: Spearman ρ, Kendall τ-b and MAE.
//!
//! Scores take 101 values, so everything is computed from the 101×101 table of counts over
//! (predicted score, gold score): ties are whole cells, and a bootstrap resample is just a
//! reweighted table. Rank sums are done in integers, so results are exact up to the final
//! division and agree with `scipy.stats.spearmanr` / `kendalltau` to rounding.

/// Number of distinct scores 0..=100.
pub(crate) const SCORES: usize = 101;

/// Counts over (predicted score, gold score), row-major by predicted score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreGrid {
    counts: Vec<u64>,
}

impl ScoreGrid {
    /// The grid of paired scores; scores above 100 are clamped to 100.
    pub fn from_pairs(pred: &[u8], gold: &[u8]) -> ScoreGrid {
        let mut counts = vec![0u64; SCORES * SCORES];
        for (p, g) in pred.iter().zip(gold) {
            counts[cell(*p, *g)] += 1;
        }
        ScoreGrid { counts }
    }

    /// A grid from dense counts (length 101 × 101, index `pred * 101 + gold`).
    pub(crate) fn from_counts(counts: Vec<u64>) -> ScoreGrid {
        debug_assert_eq!(counts.len(), SCORES * SCORES);
        ScoreGrid { counts }
    }

    fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn margins(&self) -> ([u64; SCORES], [u64; SCORES]) {
        let mut x = [0u64; SCORES];
        let mut y = [0u64; SCORES];
        for (i, row) in self.counts.chunks_exact(SCORES).enumerate() {
            for (j, &w) in row.iter().enumerate() {
                x[i] += w;
                y[j] += w;
            }
        }
        (x, y)
    }

    /// Mean absolute difference between predicted and gold score.
    pub fn mae(&self) -> Option<f64> {
        let mut sum = 0u64;
        for (i, row) in self.counts.chunks_exact(SCORES).enumerate() {
            for (j, &w) in row.iter().enumerate() {
                sum += w * i.abs_diff(j) as u64;
            }
        }
        let n = self.n();
        (n > 0).then(|| sum as f64 / n as f64)
    }

    /// Spearman ρ: Pearson correlation of average ranks (ties share their mean rank).
    pub fn spearman(&self) -> Option<f64> {
        let n = self.n();
        if n < 2 {
            return None;
        }
        let (x, y) = self.margins();
        // Twice the centred average rank, an integer: 2·(below + (c + 1)/2) − (n + 1).
        let centred = |m: &[u64; SCORES]| -> [i128; SCORES] {
            let mut below = 0i128;
            std::array::from_fn(|v| {
                let c = m[v] as i128;
                let r = 2 * below + c + 1 - (n as i128 + 1);
                below += c;
                r
            })
        };
        let (dx, dy) = (centred(&x), centred(&y));
        let var = |m: &[u64; SCORES], d: &[i128; SCORES]| -> i128 {
            m.iter().zip(d).map(|(c, r)| *c as i128 * r * r).sum()
        };
        let (vx, vy) = (var(&x, &dx), var(&y, &dy));
        if vx == 0 || vy == 0 {
            return None;
        }
        let mut cov = 0i128;
        for (i, row) in self.counts.chunks_exact(SCORES).enumerate() {
            if x[i] == 0 {
                continue;
            }
            for (j, &w) in row.iter().enumerate() {
                if w > 0 {
                    cov += w as i128 * dx[i] * dy[j];
                }
            }
        }
        let r = cov as f64 / (vx as f64 * vy as f64).sqrt();
        Some(r.clamp(-1.0, 1.0))
    }

    /// Kendall τ-b: (P − Q) / √((n₀ − n₁)(n₀ − n₂)) with n₁, n₂ the pairs tied in each.
    pub fn kendall_tau_b(&self) -> Option<f64> {
        let n = self.n();
        if n < 2 {
            return None;
        }
        let (x, y) = self.margins();
        let pairs = |c: u64| c as i128 * (c as i128 - 1) / 2;
        let total = pairs(n);
        let x_ties: i128 = x.iter().map(|c| pairs(*c)).sum();
        let y_ties: i128 = y.iter().map(|c| pairs(*c)).sum();
        if x_ties == total || y_ties == total {
            return None;
        }
        // Walk predicted scores upwards; `seen[g]` counts earlier (smaller) predicted
        // scores with gold g, so a cell's concordant partners are those with smaller gold.
        let mut seen = [0u64; SCORES];
        let mut con_minus_dis = 0i128;
        for (i, row) in self.counts.chunks_exact(SCORES).enumerate() {
            if x[i] == 0 {
                continue;
            }
            let mut below = 0i128;
            let seen_total: i128 = seen.iter().map(|c| *c as i128).sum();
            for (j, &w) in row.iter().enumerate() {
                let here = seen[j] as i128;
                if w > 0 {
                    let above = seen_total - below - here;
                    con_minus_dis += w as i128 * (below - above);
                }
                below += here;
            }
            for (s, &w) in seen.iter_mut().zip(row) {
                *s += w;
            }
        }
        let tau = con_minus_dis as f64
            / ((total - x_ties) as f64).sqrt()
            / ((total - y_ties) as f64).sqrt();
        Some(tau.clamp(-1.0, 1.0))
    }
}

/// Index of (predicted, gold) in the dense grid.
pub(crate) fn cell(pred: u8, gold: u8) -> usize {
    usize::from(pred.min(100)) * SCORES + usize::from(gold.min(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotone_and_reversed() {
        let a = [10, 20, 30, 40];
        let g = ScoreGrid::from_pairs(&a, &a);
        assert_eq!(g.spearman(), Some(1.0));
        assert_eq!(g.kendall_tau_b(), Some(1.0));
        assert_eq!(g.mae(), Some(0.0));
        let r = ScoreGrid::from_pairs(&a, &[40, 30, 20, 10]);
        assert_eq!(r.spearman(), Some(-1.0));
        assert_eq!(r.kendall_tau_b(), Some(-1.0));
    }

    #[test]
    fn constant_or_tiny_input_is_undefined() {
        let g = ScoreGrid::from_pairs(&[50, 50, 50], &[10, 20, 30]);
        assert_eq!(g.spearman(), None);
        assert_eq!(g.kendall_tau_b(), None);
        assert_eq!(g.mae(), Some(30.0));
        let empty = ScoreGrid::from_pairs(&[], &[]);
        assert_eq!(empty.mae(), None);
        assert_eq!(empty.spearman(), None);
    }
}
