//! Agreement of predicted labels with gold labels, all from the 3×3 confusion matrix:
//! accuracy, per-class precision/recall/F1, macro-F1, Cohen's κ, quadratic-weighted κ and
//! Krippendorff's α (ordinal). Labels are ordinal, indexed low = 0, medium = 1, high = 2.
//!
//! Each formula is written the way its reference computes it (scikit-learn,
//! `krippendorff`), so values agree to rounding; undefined values are `None`.

use serde::Serialize;

use crate::lead::Label;

/// Counts `c[gold][predicted]` over leads with a parsed prediction, rows and columns in
/// label order low, medium, high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Confusion(pub [[u64; 3]; 3]);

/// Precision, recall and F1 of one class; 0 where a denominator is 0 (scikit-learn's
/// `zero_division=0`, so macro-F1 matches `f1_score(average="macro", labels=[0, 1, 2])`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClassScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Leads whose gold label is this class.
    pub support: u64,
}

impl Confusion {
    /// The confusion matrix of paired labels (extra items of the longer slice are ignored).
    pub fn from_labels(gold: &[Label], pred: &[Label]) -> Confusion {
        let mut c = Confusion::default();
        for (g, p) in gold.iter().zip(pred) {
            c.0[g.index()][p.index()] += 1;
        }
        c
    }

    pub fn total(&self) -> u64 {
        self.0.iter().flatten().sum()
    }

    fn correct(&self) -> u64 {
        (0..3).map(|i| self.0[i][i]).sum()
    }

    fn row(&self, i: usize) -> u64 {
        self.0[i].iter().sum()
    }

    fn col(&self, j: usize) -> u64 {
        (0..3).map(|i| self.0[i][j]).sum()
    }

    /// Share of leads whose predicted label equals the gold label.
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.correct(), self.total())
    }

    /// Precision, recall, F1 and support of each class, in label order.
    pub fn class_scores(&self) -> [ClassScores; 3] {
        std::array::from_fn(|k| {
            let tp = self.0[k][k];
            let predicted = self.col(k);
            let actual = self.row(k);
            let fp = predicted - tp;
            let fne = actual - tp;
            ClassScores {
                precision: ratio(tp, predicted).unwrap_or(0.0),
                recall: ratio(tp, actual).unwrap_or(0.0),
                f1: ratio(2 * tp, 2 * tp + fp + fne).unwrap_or(0.0),
                support: actual,
            }
        })
    }

    /// Unweighted mean of the three per-class F1 scores (empty classes count as 0).
    pub fn macro_f1(&self) -> Option<f64> {
        if self.total() == 0 {
            return None;
        }
        Some(self.class_scores().iter().map(|c| c.f1).sum::<f64>() / 3.0)
    }

    /// Cohen's κ with 0/1 disagreement weights.
    pub fn cohen_kappa(&self) -> Option<f64> {
        self.weighted_kappa(|i, j| if i == j { 0.0 } else { 1.0 })
    }

    /// Cohen's κ with quadratic weights (i − j)² over the ordinal codes.
    pub fn quadratic_kappa(&self) -> Option<f64> {
        self.weighted_kappa(|i, j| ((i as f64) - (j as f64)).powi(2))
    }

    /// 1 − Σ w·O / Σ w·E with E = outer(column sums, row sums) / n, as scikit-learn does.
    fn weighted_kappa(&self, w: impl Fn(usize, usize) -> f64) -> Option<f64> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let n = n as f64;
        let (mut observed, mut expected) = (0.0, 0.0);
        for i in 0..3 {
            for j in 0..3 {
                observed += w(i, j) * self.0[i][j] as f64;
                expected += w(i, j) * (self.col(i) as f64 * self.row(j) as f64 / n);
            }
        }
        if expected == 0.0 {
            return None;
        }
        Some(1.0 - observed / expected)
    }

    /// Krippendorff's α, ordinal metric, treating gold and prediction as two coders of
    /// each lead. The coincidence matrix of two coders is C + Cᵀ.
    pub fn krippendorff_alpha_ordinal(&self) -> Option<f64> {
        let mut o = [[0.0f64; 3]; 3];
        for (i, row) in o.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (self.0[i][j] + self.0[j][i]) as f64;
            }
        }
        let nv: [f64; 3] = std::array::from_fn(|c| o[c].iter().sum());
        let n: f64 = nv.iter().sum();
        if n < 2.0 {
            return None;
        }
        // Ordinal distance: (Σ_{g=c..k} n_g − (n_c + n_k)/2)².
        let delta = |c: usize, k: usize| {
            let (a, b) = (c.min(k), c.max(k));
            let between: f64 = nv[a..=b].iter().sum();
            (between - (nv[a] + nv[b]) / 2.0).powi(2)
        };
        let (mut d_o, mut d_e) = (0.0, 0.0);
        for c in 0..3 {
            for k in 0..3 {
                if c == k {
                    continue;
                }
                let d = delta(c, k);
                d_o += o[c][k] * d;
                d_e += nv[c] * nv[k] / (n - 1.0) * d;
            }
        }
        if d_e == 0.0 {
            return None;
        }
        Some(1.0 - d_o / d_e)
    }
}

/// `num / den`, or `None` when `den` is 0.
pub(crate) fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::{High, Low, Medium};

    #[test]
    fn perfect_and_inverse_agreement() {
        let g = [Low, Medium, High, High, Low];
        let c = Confusion::from_labels(&g, &g);
        assert_eq!(c.accuracy(), Some(1.0));
        assert_eq!(c.cohen_kappa(), Some(1.0));
        assert_eq!(c.quadratic_kappa(), Some(1.0));
        assert_eq!(c.krippendorff_alpha_ordinal(), Some(1.0));
        let inv = [High, Medium, Low, Low, High];
        let c = Confusion::from_labels(&g, &inv);
        assert!(c.quadratic_kappa().is_some_and(|k| k < 0.0));
    }

    #[test]
    fn one_class_only_is_undefined_not_nan() {
        let g = [High, High, High];
        let c = Confusion::from_labels(&g, &g);
        assert_eq!(c.cohen_kappa(), None);
        assert_eq!(c.quadratic_kappa(), None);
        assert_eq!(c.krippendorff_alpha_ordinal(), None);
        assert_eq!(c.macro_f1(), Some(1.0 / 3.0));
        let empty = Confusion::default();
        assert_eq!(empty.accuracy(), None);
        assert_eq!(empty.macro_f1(), None);
        assert_eq!(empty.class_scores()[0].f1, 0.0);
    }
}
