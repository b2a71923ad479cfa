//! The cascade sweep: for each LLM scorer, with the best-ranked baseline answering first,
//! escalate the share s of leads whose baseline score lies nearest the decision cut to the
//! LLM, for s = 0, 10 %, …, 100 %, and read what each share buys: strict accuracy, converters
//! found at capacity (with outcomes) and the cost per 1,000 leads. The curve that says
//! "escalating 20 % of the leads keeps most of the LLM's gain at a fifth of its cost".
//!
//! Rules (docs/reports.md "The cascade sweep"): the leads are those the LLM answered among
//! the evaluated ones (its sample, when sampled); the decision cut is the baseline's capacity
//! cut-off score when the run has outcomes, else the high band's lower bound; leads are
//! escalated in order of |baseline score − cut| (ties by lead id, an unparsed baseline answer
//! first); capacity works the same share of these leads as of all.

use serde::Serialize;

use super::join::Joined;
use super::outcomes::{scorer_k, worked};
use super::power::best_baseline;
use super::{OutcomeReport, RankEntry};
use crate::lead::Bands;
use crate::prediction::ScorerId;

/// Steps of the sweep: escalated shares 0, 10 %, …, 100 %.
const STEPS: usize = 10;

/// One LLM scorer's sweep behind a baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    pub baseline: String,
    pub llm: String,
    /// Leads the sweep runs over (the LLM's answered evaluated leads).
    pub n: u64,
    /// The baseline score escalation is centred on.
    pub cut: f64,
    pub points: Vec<SweepPoint>,
}

/// One escalated share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    pub share: f64,
    pub escalated: u64,
    pub strict_accuracy: Option<f64>,
    /// Share of the converters among these leads that the capacity cut holds.
    pub converters: Option<f64>,
    /// The LLM's cost on the escalated leads, per 1,000 leads; `None` without a cost.
    pub cost_per_1000: Option<f64>,
}

/// The sweep of `llm` behind `baseline` (indices into `joined`'s scorers, which must hold
/// gold-labelled leads); `k`/`n` the capacity on all outcome leads.
pub(crate) fn sweep(
    joined: &Joined<'_>,
    (baseline, llm): (usize, usize),
    cutoff: Option<f64>,
    bands: &Bands,
    (k, n_all): (u64, u64),
) -> Sweep {
    let (b, l) = (&joined.scorers[baseline], &joined.scorers[llm]);
    let leads: Vec<usize> = (0..joined.leads.len())
        .filter(|&i| l.first[i].is_some())
        .collect();
    let cut = cutoff.unwrap_or(f64::from(bands.high));
    let (pb, pl) = (b.parsed(), l.parsed());
    // Escalation order: nearest the cut first (unparsed baseline answers first of all).
    let mut order = leads.clone();
    let distance = |i: usize| pb[i].map_or(-1.0, |(_, s)| (f64::from(s) - cut).abs());
    order.sort_by(|&x, &y| distance(x).total_cmp(&distance(y)).then(x.cmp(&y)));
    let n = leads.len();
    let has_outcomes = leads
        .iter()
        .any(|&i| joined.leads[i].outcome.converted.is_some());
    let converted: Vec<bool> = leads
        .iter()
        .map(|&i| joined.leads[i].outcome.converted == Some(true))
        .collect();
    let converters = converted.iter().filter(|c| **c).count();
    let k = scorer_k(k, n_all, n as u64);
    // Whether the LLM's answers carry a cost at all (a model without a price has none).
    let priced = leads
        .iter()
        .any(|&i| l.first[i].is_some_and(|a| l.table.usage(a).cost_usd.is_some()));
    let points = (0..=STEPS)
        .map(|step| {
            let escalated = (n * step + STEPS / 2) / STEPS;
            let mut up = vec![false; joined.leads.len()];
            for &i in &order[..escalated] {
                up[i] = true;
            }
            let answer = |i: usize| if up[i] { pl[i] } else { pb[i] };
            let right = leads
                .iter()
                .filter(|&&i| answer(i).is_some_and(|(label, _)| label == joined.gold[i]))
                .count();
            let value: Vec<Option<f64>> = leads
                .iter()
                .map(|&i| answer(i).map(|(_, s)| f64::from(s)))
                .collect();
            let inside = worked(&value, None, k);
            let found = inside
                .iter()
                .zip(&converted)
                .filter(|(w, c)| **w && **c)
                .count();
            let cost = order[..escalated]
                .iter()
                .filter_map(|&i| l.table.usage(l.first[i]?).cost_usd)
                .fold(0.0, |sum, c| sum + c);
            SweepPoint {
                share: step as f64 / STEPS as f64,
                escalated: escalated as u64,
                strict_accuracy: (n > 0).then(|| right as f64 / n as f64),
                converters: (has_outcomes && converters > 0)
                    .then(|| found as f64 / converters as f64),
                cost_per_1000: (n > 0 && priced).then(|| cost / n as f64 * 1000.0),
            }
        })
        .collect();
    Sweep {
        baseline: b.id.to_string(),
        llm: l.id.to_string(),
        n: n as u64,
        cut,
        points,
    }
}

/// The cascade sweep of every LLM scorer behind the best-ranked baseline (runs with gold).
pub(crate) fn sweeps(
    joined: &Joined<'_>,
    ids: &[&str],
    ranking: &[RankEntry],
    outcomes: Option<&OutcomeReport>,
    bands: &Bands,
    k: u64,
    n_outcomes: u64,
) -> Vec<Sweep> {
    let Some((b, best)) = best_baseline(ids, ranking) else {
        return Vec::new();
    };
    let cutoff = outcomes
        .and_then(|o| o.scorers.iter().find(|s| s.id == best.id))
        .and_then(|s| s.metrics.capacity.cutoff);
    ids.iter()
        .enumerate()
        .filter(|(_, id)| ScorerId::from(**id).is_llm())
        .map(|(l, _)| sweep(joined, (b, l), cutoff, bands, (k, n_outcomes)))
        .collect()
}
