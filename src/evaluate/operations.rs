//! Operational figures of one scorer: what happened to each request (status counts,
//! coverage), label/score inconsistency, latency, tokens and cost.

use std::collections::BTreeMap;

use serde::Serialize;

use super::table::{Answer, ScorerPredictions};
use crate::lead::Bands;
use crate::metrics::quantile;
use crate::prediction::Status;

/// Operations of one scorer on the evaluated leads (repeat 0), plus what the whole run
/// spent on it (every lead and repeat it was asked about).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operations {
    /// Evaluated leads.
    pub leads: u64,
    /// Evaluated leads with a parsed prediction (`ok` or `coerced`).
    pub parsed: u64,
    /// Evaluated leads the scorer has no prediction for (counted as unparsed).
    pub missing: u64,
    /// Count of each status on the evaluated leads, every status listed (zeros included).
    pub status_counts: BTreeMap<String, u64>,
    /// Parsed predictions whose label disagrees with the band of their score.
    pub inconsistent: u64,
    /// inconsistent ÷ parsed; `null` without parsed predictions.
    pub inconsistency_rate: Option<f64>,
    /// Latency percentiles over requests that were not cache hits (linear interpolation);
    /// `null` when every prediction came from the cache or there are none.
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    /// Sum of `latency_ms` over the evaluated leads' answers (cache hits included): the
    /// measured time of an in-process scorer.
    pub latency_total_ms: f64,
    /// Tokens on the evaluated leads; `null` when the scorer reports none (baselines).
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// Prompt tokens the provider served from its prompt cache, and their share of all
    /// prompt tokens; `null` when no answer reported a cached count.
    pub cached_prompt_tokens: Option<u64>,
    pub cached_prompt_share: Option<f64>,
    /// Cost on the evaluated leads in USD; `null` when no prediction carries a cost.
    pub cost_usd: Option<f64>,
    /// What the prompt cache saved on them at the model's `cached_input_per_mtok`; `null`
    /// when no priced answer reported cached tokens.
    pub prompt_cache_saved_usd: Option<f64>,
    /// cost_usd ÷ leads labelled correctly (strict); `null` without cost or without a
    /// correct label.
    pub cost_per_correct_usd: Option<f64>,
    /// Every prediction of this scorer in the run (all leads, all repeats).
    pub run_predictions: u64,
    /// Cost of all of them; `null` when none carries a cost.
    pub run_cost_usd: Option<f64>,
    /// Cost per 1,000 of the evaluated leads it scored: interactive and batch price, and the
    /// measured time of an in-process scorer (see `evaluate/unit_cost.rs`).
    pub per_1000: PerThousand,
}

/// One scorer's cost per 1,000 of the evaluated leads it scored.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct PerThousand {
    /// USD at the interactive price; 0 for in-process scorers; `null` when unknown (a model
    /// without a `price`).
    pub interactive_usd: Option<f64>,
    /// USD through the provider's batch API (the model's `batch_discount`); 0 for in-process
    /// scorers; `null` when unknown.
    pub batch_usd: Option<f64>,
    /// Milliseconds of measured time, for in-process scorers; `null` for scorers that call
    /// an LLM (their latency is in `latency_p50_ms`).
    pub cpu_ms: Option<f64>,
}

/// Operations from the evaluated leads' repeat-0 predictions (`None` = no prediction for
/// that lead), how many of them were labelled correctly, and all of the scorer's predictions
/// (`table`, for the run's totals).
pub(crate) fn operations(
    evaluated: &[Option<&Answer>],
    correct: u64,
    table: &ScorerPredictions,
    bands: &Bands,
) -> Operations {
    let mut status_counts: BTreeMap<String, u64> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    let (mut parsed, mut missing, mut inconsistent) = (0u64, 0u64, 0u64);
    let mut latencies = Vec::new();
    let mut latency_total_ms = 0.0;
    let mut prompt = None::<u64>;
    let mut completion = None::<u64>;
    let mut cached = None::<u64>;
    let mut cost = None::<f64>;
    let mut saved = None::<f64>;
    for a in evaluated {
        let Some(a) = a else {
            missing += 1;
            continue;
        };
        *status_counts
            .entry(a.status.as_str().to_string())
            .or_insert(0) += 1;
        if let Some((label, score)) = a.parsed {
            parsed += 1;
            inconsistent += u64::from(bands.label_for(score) != label);
        }
        if !a.cached && a.latency_ms.is_finite() {
            latencies.push(a.latency_ms);
        }
        if a.latency_ms.is_finite() {
            latency_total_ms += a.latency_ms;
        }
        let u = table.usage(a);
        if let Some(t) = u.prompt_tokens {
            *prompt.get_or_insert(0) += u64::from(t);
        }
        if let Some(t) = u.completion_tokens {
            *completion.get_or_insert(0) += u64::from(t);
        }
        if let Some(t) = u.cached_prompt_tokens {
            *cached.get_or_insert(0) += u64::from(t);
        }
        if let Some(c) = u.cost_usd.filter(|c| c.is_finite()) {
            *cost.get_or_insert(0.0) += c;
        }
        if let Some(c) = u
            .saved_usd
            .filter(|c| c.is_finite() && u.cached_prompt_tokens.is_some())
        {
            *saved.get_or_insert(0.0) += c;
        }
    }
    latencies.sort_by(f64::total_cmp);
    Operations {
        leads: evaluated.len() as u64,
        parsed,
        missing,
        status_counts,
        inconsistent,
        inconsistency_rate: (parsed > 0).then(|| inconsistent as f64 / parsed as f64),
        latency_p50_ms: percentile(&latencies, 0.50),
        latency_p95_ms: percentile(&latencies, 0.95),
        latency_total_ms,
        prompt_tokens: prompt,
        completion_tokens: completion,
        cached_prompt_tokens: cached,
        cached_prompt_share: cached
            .zip(prompt.filter(|&t| t > 0))
            .map(|(c, t)| c as f64 / t as f64),
        cost_usd: cost,
        prompt_cache_saved_usd: saved,
        cost_per_correct_usd: cost.filter(|_| correct > 0).map(|c| c / correct as f64),
        run_predictions: table.run_predictions,
        run_cost_usd: table.run_cost_usd,
        per_1000: PerThousand::default(),
    }
}

/// The q-quantile of sorted values ([`quantile`]), `None` when there are none.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    (!sorted.is_empty()).then(|| quantile(sorted, q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::Label;
    use crate::prediction::{MetricRow, Prediction, ScorerId};
    use crate::score::Score;

    fn pred(score: u8, label: Label, latency: f64, cost: Option<f64>) -> Prediction {
        let s = Score {
            lead_score: score,
            lead_label: label,
            justification: String::new(),
            probabilities: None,
        };
        let mut p = s.into_prediction("r", "L", "llm/m/p", &Bands::default(), latency);
        p.cost_usd = cost;
        p.prompt_tokens = Some(100);
        p
    }

    /// The operations of `preds` (one lead each, all evaluated) and `missing` leads without a
    /// prediction.
    fn ops(preds: &[&Prediction], missing: usize, correct: u64) -> Operations {
        let mut table = ScorerPredictions::new(ScorerId::llm("m", "p"));
        for (i, p) in preds.iter().enumerate() {
            table.push(i as u32, &MetricRow::from(*p));
        }
        let mut evaluated: Vec<Option<&Answer>> = table.first.iter().map(Some).collect();
        evaluated.extend(std::iter::repeat_n(None, missing));
        operations(&evaluated, correct, &table, &Bands::default())
    }

    #[test]
    fn percentiles_match_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert!((percentile(&v, 0.95).expect("some") - 3.85).abs() < 1e-12);
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn counts_statuses_missing_inconsistency_and_cost() {
        let a = pred(80, Label::High, 10.0, Some(0.01));
        let b = pred(80, Label::Low, 30.0, Some(0.03));
        let mut c = pred(0, Label::Low, 50.0, Some(0.02));
        c.status = Status::ParseError;
        c.lead_score = None;
        c.lead_label = None;
        let ops = ops(&[&a, &b, &c], 1, 1);
        assert_eq!((ops.leads, ops.parsed, ops.missing), (4, 2, 1));
        assert_eq!(ops.status_counts["ok"], 2);
        assert_eq!(ops.status_counts["parse_error"], 1);
        assert_eq!(ops.status_counts["timeout"], 0);
        assert_eq!(ops.inconsistent, 1);
        assert_eq!(ops.inconsistency_rate, Some(0.5));
        assert_eq!(ops.latency_p50_ms, Some(30.0));
        assert_eq!(ops.prompt_tokens, Some(300));
        assert_eq!(ops.completion_tokens, None);
        let cost = ops.cost_usd.expect("cost");
        assert!((cost - 0.06).abs() < 1e-12);
        assert!((ops.cost_per_correct_usd.expect("per correct") - 0.06).abs() < 1e-12);
        assert_eq!(
            (ops.cached_prompt_tokens, ops.cached_prompt_share),
            (None, None)
        );
        assert_eq!(ops.prompt_cache_saved_usd, None);
        assert_eq!(ops.run_predictions, 3);
        assert!((ops.run_cost_usd.expect("run cost") - 0.06).abs() < 1e-12);
    }

    #[test]
    fn cached_share_and_saving_sum_over_answers_that_report_them() {
        let mut a = pred(80, Label::High, 10.0, Some(0.01));
        (a.cached_prompt_tokens, a.saved_usd) = (Some(60), Some(0.004));
        let mut b = pred(80, Label::High, 10.0, Some(0.01));
        (b.cached_prompt_tokens, b.saved_usd) = (Some(0), Some(0.0));
        let c = pred(80, Label::High, 10.0, Some(0.01));
        let ops = ops(&[&a, &b, &c], 0, 3);
        assert_eq!(ops.cached_prompt_tokens, Some(60));
        assert_eq!(ops.cached_prompt_share, Some(0.2));
        assert!((ops.prompt_cache_saved_usd.expect("saved") - 0.004).abs() < 1e-12);
    }
}
