//! Metrics of scorers against gold labels and against each other, each headline metric
//! with a bootstrap confidence interval. Definitions and reference implementations are in
//! METRICS.md; `tests/metrics_reference.rs` checks them against scikit-learn, scipy,
//! statsmodels and krippendorff to 1e-9.

mod agreement;
mod bootstrap;
mod calibration;
mod classification;
mod correlation;
mod ranking;
mod summary;

pub use agreement::{
    PairMetrics, StabilityMetrics, compare_pair, holm, holm_pairs, mcnemar_exact, stability,
};
pub use bootstrap::Estimate;
pub use calibration::{
    Binning, ReliabilityBin, brier_3class_term, brier_high, log_loss_term, valid_probabilities,
};
pub use classification::{ClassScores, Confusion};
pub use correlation::ScoreGrid;
pub use ranking::{Discounts, GainsRow, ScoreLabelCounts, TopOrder, gains_table, top_decile};
pub use summary::{
    ClassMetrics, MetricsError, MetricsOptions, Reliability, ScorerInput, ScorerMetrics, summarize,
};
