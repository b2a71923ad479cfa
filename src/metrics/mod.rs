//! Metrics of scorers against gold labels and against each other, each headline metric
//! with a bootstrap confidence interval. Definitions and reference implementations are in
//! the shared `METRICS.md` (`../shared/` beside the repository); `docs/reports.md` says how
//! to read them; `tests/it/metrics_reference.rs` checks them against scikit-learn, scipy,
//! statsmodels and krippendorff to 1e-9 (vectors made by `scripts/reference_metrics.py`).
//!
//! Conventions a reader of the numbers needs:
//! - labels are ordinal, low < medium < high (0/1/2); "high vs rest" reads p = score / 100;
//! - headline metrics use parsed predictions, `coverage` says how many;
//!   `accuracy_strict` counts unparsed answers as wrong;
//! - rankings sort by score descending, then lead index (pass leads sorted by lead id);
//!   the top decile is the first ⌈n/10⌉ leads, NDCG@k uses that k and the gold label index
//!   as gain;
//! - reliability bins are equal-width over [0, 1], an edge value goes to the lower bin;
//! - undefined values (a zero denominator, one class present, no parsed leads) are `None`
//!   and serialise as `null`, never NaN; an interval is given only when every bootstrap
//!   replicate is defined;
//! - intervals are percentile intervals over resampled leads (`MetricsOptions`), seeded and
//!   identical for any thread count; pairs of scorers use one resample for both;
//! - McNemar and the accuracy difference between two scorers use strict correctness, so
//!   both are judged on the same leads; agreement and κ between them use leads both parsed.

mod agreement;
mod bootstrap;
mod calibration;
mod classification;
mod correlation;
mod outcome;
mod power;
mod ranking;
mod recalibration;
mod summary;

pub use agreement::{
    PairMetrics, PairedShares, StabilityMetrics, compare_pair, holm, holm_pairs, mcnemar_exact,
    mean_difference, paired_shares, stability,
};
pub use bootstrap::Estimate;
pub(crate) use bootstrap::quantile;
pub use calibration::{
    Binning, ReliabilityBin, brier_3class_term, brier_high, log_loss_term, valid_probabilities,
};
pub use classification::{ClassScores, Confusion};
pub use correlation::ScoreGrid;
pub use outcome::{
    CURVE_POINTS, Capacity, CapacitySetting, CapturePoint, OutcomeInput, OutcomeMetrics,
    outcome_metrics, wilson,
};
pub use power::{PowerPlan, auc_standard_error};
pub use ranking::{Discounts, GainsRow, ScoreLabelCounts, TopOrder, gains_table, top_decile};
pub use recalibration::{Isotonic, Platt};
pub use summary::{
    ClassMetrics, MetricsError, MetricsOptions, Reliability, ScorerInput, ScorerMetrics, summarize,
};
