//! Facts about a run's metrics that several report sections read the same way: whether the
//! outcomes can rank, whether a test separates, what a scorer costs per 1,000 leads.

use crate::evaluate::{OutcomeReport, ScorerReport};
use crate::prediction::ScorerId;

/// Significance level of every "cannot separate" in the answer (the tests' Holm p-values).
pub(super) const ALPHA: f64 = 0.05;

/// Whether a Holm-corrected p-value separates two scorers.
pub(super) fn separated(p_holm: Option<f64>) -> bool {
    p_holm.is_some_and(|p| p < ALPHA)
}

/// Whether some evaluated leads converted and some did not: else there is nothing to rank
/// against.
pub(super) fn both_outcomes(o: &OutcomeReport) -> bool {
    o.converters > 0 && o.converters < o.n
}

/// The heuristic and the learned model: in-process, free.
pub(super) fn is_baseline(id: &str) -> bool {
    ScorerId::from(id).is_baseline()
}

/// What a scorer costs per 1,000 leads at the interactive price (its cost on the evaluated
/// leads it scored, scaled); nothing for in-process scorers; `None` when an LLM's cost is
/// unknown.
pub(super) fn cost_per_1000(s: &ScorerReport) -> Option<f64> {
    s.operations.per_1000.interactive_usd
}
