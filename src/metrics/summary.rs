//! All metrics of one scorer against gold, each headline metric with a bootstrap
//! confidence interval: the [`summarize`] entry point and its serialisable result.
//!
//! Headline metrics are over parsed predictions, with `coverage` beside them;
//! `accuracy_strict` counts unparsed answers as wrong. The bootstrap resamples all n leads
//! (parsed or not) with replacement, so coverage varies across resamples as it would with
//! index resampling. A resample is drawn as multinomial counts over the distinct joint
//! cells (gold label, prediction or "unparsed", score, gold score) — see
//! [`super::bootstrap`] — or lead by lead when there are many cells or per-lead class
//! probabilities; every metric of one resample comes from the same draw.

use serde::Serialize;

use super::bootstrap::{CellSampler, Estimate, replicate};
use super::calibration::{
    Binning, ReliabilityBin, brier_3class_term, brier_high, log_loss_term, valid_probabilities,
};
use super::classification::{Confusion, ratio};
use super::correlation::{SCORES, ScoreGrid, cell as grid_cell};
use super::ranking::{Discounts, GainsRow, ScoreLabelCounts, TopOrder, gains_table, top_decile};
use crate::lead::Label;

/// One scorer's predictions on n leads, index-aligned with the gold data.
#[derive(Debug, Clone, Copy)]
pub struct ScorerInput<'a> {
    pub gold: &'a [Label],
    pub gold_score: &'a [Option<u8>],
    /// Predicted (label, score 0–100); `None` = the answer could not be parsed.
    pub pred: &'a [Option<(Label, u8)>],
    /// Class probabilities (low, medium, high) for scorers that give them.
    pub probabilities: Option<&'a [Option<[f64; 3]>]>,
}

/// How metrics are computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsOptions {
    /// Bootstrap resamples; 0 gives values without intervals.
    pub resamples: usize,
    pub seed: u64,
    /// Two-sided level of the percentile intervals, in (0, 1).
    pub confidence: f64,
    /// Equal-width reliability bins for ECE, at least 1.
    pub ece_bins: usize,
    /// k of precision@k (capped at the number of parsed leads).
    pub precision_k: usize,
}

impl Default for MetricsOptions {
    fn default() -> Self {
        MetricsOptions {
            resamples: 1000,
            seed: 42,
            confidence: 0.95,
            ece_bins: 10,
            precision_k: 100,
        }
    }
}

impl MetricsOptions {
    pub(crate) fn validate(&self) -> Result<(), MetricsError> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(MetricsError::Options(format!(
                "confidence must be in (0, 1), found {}",
                self.confidence
            )));
        }
        if self.ece_bins == 0 {
            return Err(MetricsError::Options("ece_bins must be at least 1".into()));
        }
        Ok(())
    }
}

/// Inputs the metrics cannot be computed from.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MetricsError {
    #[error("metrics input: {what} has {found} entries, expected {expected} (one per lead)")]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    #[error(
        "metrics input: lead {index} has class probabilities {values:?}, expected three numbers in [0, 1]"
    )]
    BadProbabilities { index: usize, values: [f64; 3] },
    #[error("metrics options: {0}")]
    Options(String),
}

impl MetricsError {
    pub(crate) fn check_len(
        what: &'static str,
        expected: usize,
        found: usize,
    ) -> Result<(), MetricsError> {
        if expected == found {
            Ok(())
        } else {
            Err(MetricsError::LengthMismatch {
                what,
                expected,
                found,
            })
        }
    }
}

/// Precision, recall and F1 of one class, with intervals; 0 where a denominator is 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub label: Label,
    /// Parsed leads whose gold label is this class.
    pub support: u64,
    pub precision: Estimate,
    pub recall: Estimate,
    pub f1: Estimate,
}

/// The reliability table with its bin count (p = score / 100, "high vs rest").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    pub bins: usize,
    pub rows: Vec<ReliabilityBin>,
}

/// Every metric of one scorer. Estimates are `null` where undefined (no parsed leads, a
/// single class present, zero variance, …), never NaN.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorerMetrics {
    pub n: u64,
    pub n_parsed: u64,
    /// Parsed leads that also have a gold score (Spearman, Kendall, MAE use these).
    pub n_score_pairs: u64,
    /// Leads with class probabilities (3-class Brier and log loss use these).
    pub n_with_probabilities: u64,
    pub resamples: usize,
    pub confidence: f64,
    pub coverage: Estimate,
    pub accuracy: Estimate,
    pub accuracy_strict: Estimate,
    pub macro_f1: Estimate,
    pub cohen_kappa: Estimate,
    pub quadratic_kappa: Estimate,
    pub krippendorff_alpha: Estimate,
    pub spearman: Estimate,
    pub kendall_tau_b: Estimate,
    pub mae: Estimate,
    pub roc_auc_high: Estimate,
    pub average_precision_high: Estimate,
    /// NDCG@k with k = `top_decile_k`, gain = gold label index (0/1/2).
    pub ndcg: Estimate,
    pub ece: Estimate,
    pub brier_high: Estimate,
    pub brier_3class: Estimate,
    pub log_loss: Estimate,
    /// precision@top_decile_k ÷ share of gold-high among parsed leads.
    pub lift_top_decile: Estimate,
    pub precision_at_k: Estimate,
    /// ⌈n_parsed / 10⌉; ranking is by score descending, then lead index.
    pub top_decile_k: u64,
    pub precision_k: usize,
    pub per_class: Vec<ClassMetrics>,
    /// Rows gold, columns predicted, in order low, medium, high (parsed leads).
    pub confusion: Confusion,
    pub reliability: Reliability,
    pub gains: Vec<GainsRow>,
}

// Slots of the per-resample metric vector. Every headline metric with an interval is one
// slot: the point value and each bootstrap replicate are arrays of `SLOTS` values, filled by
// `class_slots` (metrics of the gold × prediction × score table), `grid_slots` (of the
// gold-score × score grid) or directly (per-lead terms: 3-class Brier, log loss), and read
// back by `est(SLOT)` in `summarize`. A new metric: a constant here (and `SLOTS` grows if it
// is last), its value in one of those fillers, a field in `ScorerMetrics`, and `est` of it
// in `summarize`; ARCHITECTURE.md lists the files around it.
const COVERAGE: usize = 0;
const ACCURACY: usize = 1;
const STRICT: usize = 2;
const MACRO_F1: usize = 3;
const KAPPA: usize = 4;
const QWK: usize = 5;
const ALPHA: usize = 6;
const SPEARMAN: usize = 7;
const KENDALL: usize = 8;
const MAE: usize = 9;
const AUC: usize = 10;
const AP: usize = 11;
const NDCG: usize = 12;
const ECE: usize = 13;
const BRIER: usize = 14;
const BRIER3: usize = 15;
const LOG_LOSS: usize = 16;
const LIFT: usize = 17;
const PRECISION_AT_K: usize = 18;
/// Then precision, recall, F1 of low, medium, high.
const PER_CLASS: usize = 19;
const SLOTS: usize = PER_CLASS + 9;

type Slots = [Option<f64>; SLOTS];

/// Everything fixed across resamples.
struct Prepared {
    n: u64,
    /// Leads by their joint cell (class-table cell, score-grid cell).
    joint: CellSampler,
    /// Class-table and score-grid cell of each joint cell.
    joint_cells: Vec<(u16, u16)>,
    probs: Option<ProbabilityTerms>,
    order: TopOrder,
    binning: Binning,
    discounts: Discounts,
    precision_k: u64,
}

/// Per lead, as flat columns for fast resampling: 1.0 where class probabilities are given
/// (else 0.0, with both terms 0.0), the 3-class Brier term and the log-loss term.
struct ProbabilityTerms {
    present: Vec<f64>,
    brier: Vec<f64>,
    log_loss: Vec<f64>,
}

impl ProbabilityTerms {
    fn count(&self) -> u64 {
        self.present.iter().filter(|m| **m > 0.0).count() as u64
    }
}

/// Cells of the (gold, prediction, score) table: unparsed leads by gold label (0..3),
/// parsed ones at 3 + (gold·3 + predicted)·101 + score.
const CLASS_CELLS: usize = 3 + 9 * SCORES;
const GRID_SINK: usize = SCORES * SCORES;

/// Computes every metric of one scorer, with bootstrap intervals.
pub fn summarize(
    input: &ScorerInput<'_>,
    opts: &MetricsOptions,
) -> Result<ScorerMetrics, MetricsError> {
    let prepared = prepare(input, opts)?;
    let p = &prepared;
    let (original, original_grid) = p.split_joint(&p.joint.original());
    let (confusion, counts) = split_class_cells(&original);
    let value = point_slots(p, &original, original_grid);
    let reps = replicate(opts.resamples, opts.seed, 0x6c65_6164, |rng| {
        let mut joint = vec![0u64; p.joint.n_cells()];
        let mut prob_sums = None;
        match &p.probs {
            // Per-lead terms need per-lead copy counts: draw lead by lead for everything.
            Some(terms) => {
                let (mut k, mut b, mut l) = (0.0, 0.0, 0.0);
                p.joint.draw_by_index(rng, &mut joint, |start, counts| {
                    let end = start + counts.len();
                    let rows = terms.present[start..end]
                        .iter()
                        .zip(&terms.brier[start..end])
                        .zip(&terms.log_loss[start..end]);
                    // Branch-free dot products of copy counts with the per-lead terms, in
                    // block-local sums (kept in registers, not behind the captured refs).
                    let (mut bk, mut bb, mut bl) = (0.0, 0.0, 0.0);
                    for (&c, ((&m, &tb), &tl)) in counts.iter().zip(rows) {
                        let c = f64::from(c);
                        bk += c * m;
                        bb += c * tb;
                        bl += c * tl;
                    }
                    k += bk;
                    b += bb;
                    l += bl;
                });
                prob_sums = Some((k, b, l));
            }
            None => p.joint.draw(rng, &mut joint),
        }
        let (class, grid) = p.split_joint(&joint);
        let mut s = class_slots(p, &class, |c, m| p.order.resampled_highs_in_top(c, m, rng));
        grid_slots(&ScoreGrid::from_counts(grid), &mut s);
        if let Some((k, b, l)) = prob_sums {
            s[BRIER3] = (k > 0.0).then(|| b / k);
            s[LOG_LOSS] = (k > 0.0).then(|| l / k);
        }
        s
    });
    let est = |slot: usize| {
        let r: Vec<Option<f64>> = reps.iter().map(|s| s[slot]).collect();
        Estimate::with_replicates(value[slot], &r, opts.confidence)
    };
    let per_class = Label::ALL
        .iter()
        .zip(confusion.class_scores())
        .enumerate()
        .map(|(k, (label, c))| ClassMetrics {
            label: *label,
            support: c.support,
            precision: est(PER_CLASS + 3 * k),
            recall: est(PER_CLASS + 3 * k + 1),
            f1: est(PER_CLASS + 3 * k + 2),
        })
        .collect();
    let n_parsed = confusion.total();
    Ok(ScorerMetrics {
        n: p.n,
        n_parsed,
        n_score_pairs: p.split_joint(&p.joint.original()).1.iter().sum(),
        n_with_probabilities: p.probs.as_ref().map_or(0, ProbabilityTerms::count),
        resamples: opts.resamples,
        confidence: opts.confidence,
        coverage: est(COVERAGE),
        accuracy: est(ACCURACY),
        accuracy_strict: est(STRICT),
        macro_f1: est(MACRO_F1),
        cohen_kappa: est(KAPPA),
        quadratic_kappa: est(QWK),
        krippendorff_alpha: est(ALPHA),
        spearman: est(SPEARMAN),
        kendall_tau_b: est(KENDALL),
        mae: est(MAE),
        roc_auc_high: est(AUC),
        average_precision_high: est(AP),
        ndcg: est(NDCG),
        ece: est(ECE),
        brier_high: est(BRIER),
        brier_3class: est(BRIER3),
        log_loss: est(LOG_LOSS),
        lift_top_decile: est(LIFT),
        precision_at_k: est(PRECISION_AT_K),
        top_decile_k: top_decile(n_parsed),
        precision_k: opts.precision_k,
        per_class,
        confusion,
        reliability: Reliability {
            bins: p.binning.bins(),
            rows: p.binning.reliability(&counts),
        },
        gains: gains_table(&p.order, n_parsed),
    })
}

fn prepare(input: &ScorerInput<'_>, opts: &MetricsOptions) -> Result<Prepared, MetricsError> {
    opts.validate()?;
    let n = input.gold.len();
    MetricsError::check_len("gold_score", n, input.gold_score.len())?;
    MetricsError::check_len("predictions", n, input.pred.len())?;
    let mut class_cells = Vec::with_capacity(n);
    let mut grid_cells = Vec::with_capacity(n);
    let (mut parsed_gold, mut parsed_score) = (Vec::new(), Vec::new());
    for i in 0..n {
        let g = input.gold[i];
        class_cells.push(match input.pred[i] {
            None => g.index() as u16,
            Some((l, s)) => {
                (3 + (g.index() * 3 + l.index()) * SCORES + usize::from(s.min(100))) as u16
            }
        });
        grid_cells.push(match (input.pred[i], input.gold_score[i]) {
            (Some((_, s)), Some(gs)) => grid_cell(s, gs) as u16,
            _ => GRID_SINK as u16,
        });
        if let Some((_, s)) = input.pred[i] {
            parsed_gold.push(g);
            parsed_score.push(s);
        }
    }
    let probs = match input.probabilities {
        None => None,
        Some(ps) => {
            MetricsError::check_len("probabilities", n, ps.len())?;
            let mut terms = ProbabilityTerms {
                present: vec![0.0; n],
                brier: vec![0.0; n],
                log_loss: vec![0.0; n],
            };
            for (i, p) in ps.iter().enumerate() {
                match p {
                    None => {}
                    Some(v) if valid_probabilities(v) => {
                        let g = input.gold[i];
                        terms.present[i] = 1.0;
                        terms.brier[i] = brier_3class_term(g, v);
                        terms.log_loss[i] = log_loss_term(g, v);
                    }
                    Some(v) => {
                        return Err(MetricsError::BadProbabilities {
                            index: i,
                            values: *v,
                        });
                    }
                }
            }
            Some(terms)
        }
    };
    // Dense ids for the (class cell, grid cell) pairs that occur.
    let mut keys: Vec<(u16, u16)> = class_cells.iter().copied().zip(grid_cells).collect();
    let joint_of = keys.clone();
    keys.sort_unstable();
    keys.dedup();
    let ids: Vec<u32> = joint_of
        .iter()
        .map(|k| keys.binary_search(k).expect("every key was collected") as u32)
        .collect();
    Ok(Prepared {
        n: n as u64,
        joint: CellSampler::new(ids, keys.len()),
        joint_cells: keys,
        probs,
        order: TopOrder::new(&parsed_gold, &parsed_score),
        binning: Binning::new(opts.ece_bins),
        discounts: Discounts::new(n),
        precision_k: opts.precision_k as u64,
    })
}

impl Prepared {
    /// The class table and the dense score grid (without its sink) of joint-cell counts.
    fn split_joint(&self, joint: &[u64]) -> ([u64; CLASS_CELLS], Vec<u64>) {
        let mut class = [0u64; CLASS_CELLS];
        let mut grid = vec![0u64; GRID_SINK + 1];
        for (&w, &(c, g)) in joint.iter().zip(&self.joint_cells) {
            class[usize::from(c)] += w;
            grid[usize::from(g)] += w;
        }
        grid.truncate(GRID_SINK);
        (class, grid)
    }
}

fn split_class_cells(cells: &[u64; CLASS_CELLS]) -> (Confusion, ScoreLabelCounts) {
    let mut confusion = Confusion::default();
    let mut counts = ScoreLabelCounts::default();
    for (id, &w) in cells.iter().enumerate().skip(3) {
        if w == 0 {
            continue;
        }
        let (gp, s) = ((id - 3) / SCORES, (id - 3) % SCORES);
        let (g, pr) = (gp / 3, gp % 3);
        confusion.0[g][pr] += w;
        counts.0[s][g] += w;
    }
    (confusion, counts)
}

/// Metrics of the (gold, prediction, score) table; `highs_in_top(counts, m)` counts
/// gold-high leads among the first m of the ranking.
fn class_slots(
    p: &Prepared,
    cells: &[u64; CLASS_CELLS],
    mut highs_in_top: impl FnMut(&ScoreLabelCounts, u64) -> u64,
) -> Slots {
    let (confusion, counts) = split_class_cells(cells);
    let n: u64 = cells.iter().sum();
    let parsed = confusion.total();
    let mut s: Slots = [None; SLOTS];
    s[COVERAGE] = ratio(parsed, n);
    s[ACCURACY] = confusion.accuracy();
    s[STRICT] = ratio((0..3).map(|i| confusion.0[i][i]).sum(), n);
    s[MACRO_F1] = confusion.macro_f1();
    s[KAPPA] = confusion.cohen_kappa();
    s[QWK] = confusion.quadratic_kappa();
    s[ALPHA] = confusion.krippendorff_alpha_ordinal();
    if parsed > 0 {
        for (k, c) in confusion.class_scores().iter().enumerate() {
            s[PER_CLASS + 3 * k] = Some(c.precision);
            s[PER_CLASS + 3 * k + 1] = Some(c.recall);
            s[PER_CLASS + 3 * k + 2] = Some(c.f1);
        }
    }
    s[AUC] = counts.roc_auc_high();
    s[AP] = counts.average_precision_high();
    let k = top_decile(parsed);
    s[NDCG] = counts.ndcg_at(k as usize, &p.discounts);
    s[ECE] = p.binning.ece(&counts);
    s[BRIER] = brier_high(&counts);
    let positives = counts.positives();
    if parsed > 0 {
        if positives > 0 {
            let top = highs_in_top(&counts, k);
            s[LIFT] = Some((top as f64 / k as f64) / (positives as f64 / parsed as f64));
        }
        let kk = p.precision_k.min(parsed);
        if kk > 0 {
            s[PRECISION_AT_K] = Some(highs_in_top(&counts, kk) as f64 / kk as f64);
        }
    }
    s
}

fn grid_slots(grid: &ScoreGrid, s: &mut Slots) {
    s[SPEARMAN] = grid.spearman();
    s[KENDALL] = grid.kendall_tau_b();
    s[MAE] = grid.mae();
}

/// The values on the data as given (exact ranking tie-break by lead index).
fn point_slots(p: &Prepared, class: &[u64; CLASS_CELLS], grid: Vec<u64>) -> Slots {
    let mut s = class_slots(p, class, |_, m| p.order.highs_in_top(m));
    grid_slots(&ScoreGrid::from_counts(grid), &mut s);
    if let Some(terms) = &p.probs {
        let k = terms.count();
        let sum = |v: &[f64]| v.iter().sum::<f64>();
        s[BRIER3] = (k > 0).then(|| sum(&terms.brier) / k as f64);
        s[LOG_LOSS] = (k > 0).then(|| sum(&terms.log_loss) / k as f64);
    }
    s
}
