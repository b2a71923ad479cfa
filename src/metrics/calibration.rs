//! Calibration: does a score of 80 mean "high" 80 % of the time?
//!
//! "High vs rest" reads the 0–100 score plainly as p = score / 100 (a fitted map would be a
//! separate, named column). Bins follow `sklearn.calibration.calibration_curve(strategy=
//! "uniform")`: edges `linspace(0, 1, B + 1)`, a value on an edge goes to the lower bin.
//! The 3-class Brier score and log loss use class probabilities, for scorers that give them.

use serde::Serialize;

use super::correlation::SCORES;
use super::ranking::ScoreLabelCounts;
use crate::lead::Label;

/// One reliability bin of "high vs rest" with p = score / 100.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// Bin edges; the bin holds lower < p ≤ upper (the first bin also holds p = 0).
    pub lower: f64,
    pub upper: f64,
    /// Leads in the bin (verbalised scores cluster on round values: read with the count).
    pub count: u64,
    /// Mean p in the bin; `None` for an empty bin.
    pub mean_predicted: Option<f64>,
    /// Share of gold-high leads in the bin; `None` for an empty bin.
    pub observed: Option<f64>,
}

/// Reliability bins over 0–100 scores.
#[derive(Debug, Clone)]
pub struct Binning {
    bins: usize,
    /// Bin of each score 0..=100.
    bin_of: [usize; SCORES],
}

impl Binning {
    /// `bins` equal-width bins over [0, 1] (at least one).
    pub fn new(bins: usize) -> Binning {
        let bins = bins.max(1);
        // numpy's linspace: edge i = i * (1 / B); searchsorted(inner edges, p, "left").
        let step = 1.0 / bins as f64;
        let inner: Vec<f64> = (1..bins).map(|i| i as f64 * step).collect();
        let bin_of = std::array::from_fn(|s| {
            let p = s as f64 / 100.0;
            inner.iter().filter(|e| **e < p).count()
        });
        Binning { bins, bin_of }
    }

    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Per bin: (count, Σ p, gold-high count).
    fn sums(&self, c: &ScoreLabelCounts) -> Vec<(u64, f64, u64)> {
        let mut out = vec![(0u64, 0.0f64, 0u64); self.bins];
        for s in 0..SCORES {
            let (pos, neg) = c.pos_neg(s);
            let k = pos + neg;
            if k == 0 {
                continue;
            }
            let b = &mut out[self.bin_of[s]];
            b.0 += k;
            b.1 += k as f64 * (s as f64 / 100.0);
            b.2 += pos;
        }
        out
    }

    /// Expected calibration error Σ_b (n_b / n)·|observed_b − mean predicted_b|.
    pub fn ece(&self, c: &ScoreLabelCounts) -> Option<f64> {
        let n = c.total();
        if n == 0 {
            return None;
        }
        let ece = self
            .sums(c)
            .iter()
            .filter(|b| b.0 > 0)
            .map(|&(k, sum_p, pos)| {
                let k = k as f64;
                k / n as f64 * (pos as f64 / k - sum_p / k).abs()
            })
            .sum();
        Some(ece)
    }

    /// The reliability table, every bin listed (empty ones with count 0).
    pub fn reliability(&self, c: &ScoreLabelCounts) -> Vec<ReliabilityBin> {
        let step = 1.0 / self.bins as f64;
        self.sums(c)
            .iter()
            .enumerate()
            .map(|(i, &(k, sum_p, pos))| ReliabilityBin {
                lower: i as f64 * step,
                upper: if i + 1 == self.bins {
                    1.0
                } else {
                    (i + 1) as f64 * step
                },
                count: k,
                mean_predicted: (k > 0).then(|| sum_p / k as f64),
                observed: (k > 0).then(|| pos as f64 / k as f64),
            })
            .collect()
    }
}

/// Brier score of "high vs rest": mean (score/100 − 1[gold high])².
pub fn brier_high(c: &ScoreLabelCounts) -> Option<f64> {
    let n = c.total();
    if n == 0 {
        return None;
    }
    let sum: f64 = (0..SCORES)
        .map(|s| {
            let (pos, neg) = c.pos_neg(s);
            let p = s as f64 / 100.0;
            pos as f64 * (p - 1.0).powi(2) + neg as f64 * p * p
        })
        .sum();
    Some(sum / n as f64)
}

/// One lead's 3-class Brier term Σ_k (p_k − 1[gold = k])², in 0..=2.
pub fn brier_3class_term(gold: Label, p: &[f64; 3]) -> f64 {
    p.iter()
        .enumerate()
        .map(|(k, pk)| (pk - f64::from(u8::from(k == gold.index()))).powi(2))
        .sum()
}

/// One lead's log loss −ln p(gold), with p clipped to [ε, 1 − ε] as scikit-learn does.
pub fn log_loss_term(gold: Label, p: &[f64; 3]) -> f64 {
    -p[gold.index()].clamp(f64::EPSILON, 1.0 - f64::EPSILON).ln()
}

/// Whether a probability vector can be scored: three finite values in [0, 1].
pub fn valid_probabilities(p: &[f64; 3]) -> bool {
    p.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::{High, Low};

    #[test]
    fn edge_values_go_to_the_lower_bin() {
        let b = Binning::new(10);
        assert_eq!(b.bin_of[0], 0);
        assert_eq!(b.bin_of[10], 0);
        assert_eq!(b.bin_of[11], 1);
        assert_eq!(b.bin_of[30], 2);
        assert_eq!(b.bin_of[100], 9);
    }

    #[test]
    fn perfectly_sure_and_right_is_calibrated() {
        let c = ScoreLabelCounts::from_leads(&[High, Low], &[100, 0]);
        let b = Binning::new(10);
        assert_eq!(b.ece(&c), Some(0.0));
        assert_eq!(brier_high(&c), Some(0.0));
        assert_eq!(b.ece(&ScoreLabelCounts::default()), None);
        assert_eq!(brier_3class_term(High, &[0.0, 0.0, 1.0]), 0.0);
        assert_eq!(brier_3class_term(Low, &[0.0, 0.0, 1.0]), 2.0);
        assert!(log_loss_term(Low, &[0.0, 0.0, 1.0]).is_finite());
    }
}
