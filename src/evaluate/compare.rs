//! Comparing runs: each run's metrics side by side, and paired tests of the same scorer
//! id across two runs on the leads they share (Holm-corrected across all such pairs).

use std::collections::HashMap;

use serde::Serialize;

use super::flips::{FlipReport, Side, correct_together, flip};
use super::inputs::{InputsDiff, inputs_diffs};
use super::join::JoinedScorer;
use super::{
    PairKind, PairReport, ReportError, ReportOptions, RunFolder, RunMetrics, evaluate, join,
    join_outcomes,
};
use crate::lead::Label;
use crate::metrics::{compare_pair, holm_pairs};

/// Several runs and the paired tests between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub runs: Vec<RunMetrics>,
    /// The same scorer in two runs; `a`/`b` are `<run_id>:<scorer>`.
    pub pairs: Vec<PairReport>,
    /// Why some scorer pairs were not tested (no shared leads, different gold labels).
    pub notes: Vec<String>,
    /// The prompts and rules of each run against the next in the order given.
    pub inputs: Vec<InputsDiff>,
    /// The same scorer in two runs: which leads changed (A is the later run).
    pub flips: Vec<FlipReport>,
}

/// Evaluates each run and tests every scorer id present in two runs on their shared leads
/// (same lead id and same gold label; leads whose gold differs are left out and counted).
pub fn compare_runs(runs: &[RunFolder], opts: &ReportOptions) -> Result<Comparison, ReportError> {
    let mopts = opts.metrics();
    let metrics = runs
        .iter()
        .map(|r| evaluate(r, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let joined: Vec<_> = runs
        .iter()
        .map(|r| {
            let mut j = join(&r.leads, &r.predictions, r.limit);
            j.mark_sampled(&r.sampled);
            j
        })
        .collect();
    let outcome_joined: Vec<_> = runs
        .iter()
        .map(|r| {
            let mut j = join_outcomes(&r.leads, &r.predictions, r.limit);
            j.mark_sampled(&r.sampled);
            j
        })
        .collect();
    let side = |run: usize, scorer: usize| {
        let capacity = opts.capacity.or(runs[run].capacity).unwrap_or_default();
        let outcome_join = &outcome_joined[run];
        Side {
            joined: &joined[run],
            outcome_join,
            scorer,
            k: capacity.leads_of(outcome_join.leads.len() as u64),
            name: format!("{}:{}", runs[run].run_id, joined[run].scorers[scorer].id),
        }
    };
    let mut flips = Vec::new();
    let mut pair_metrics = Vec::new();
    let mut names = Vec::new();
    let mut notes = Vec::new();
    for a in 0..runs.len() {
        for b in a + 1..runs.len() {
            let (ja, jb) = (&joined[a], &joined[b]);
            let index_b: HashMap<&str, usize> = jb
                .leads
                .iter()
                .enumerate()
                .map(|(i, l)| (l.lead_id.as_str(), i))
                .collect();
            let mut shared = Vec::new();
            let mut gold_differs = 0u64;
            for (i, lead) in ja.leads.iter().enumerate() {
                if let Some(&j) = index_b.get(lead.lead_id.as_str()) {
                    if ja.gold[i] == jb.gold[j] {
                        shared.push((i, j));
                    } else {
                        gold_differs += 1;
                    }
                }
            }
            let (ra, rb) = (&runs[a].run_id, &runs[b].run_id);
            if gold_differs > 0 {
                notes.push(format!(
                    "`{ra}` vs `{rb}`: {gold_differs} shared lead id(s) have different gold labels and were left out of the paired tests"
                ));
            }
            if shared.is_empty() {
                notes.push(format!(
                    "`{ra}` vs `{rb}`: no evaluated leads in common, so no paired tests"
                ));
                continue;
            }
            for (ia, sa) in ja.scorers.iter().enumerate() {
                let Some(ib) = jb.scorers.iter().position(|s| s.id == sa.id) else {
                    continue;
                };
                let sb = &jb.scorers[ib];
                let flipped = flip(&side(b, ib), &side(a, ia), "across_runs", &mopts);
                flips.push(flipped.map_err(|source| ReportError::Metrics {
                    scorer: sa.id.to_string(),
                    source,
                })?);
                // On the shared leads both runs asked it about (all, unless it was sampled).
                let asked = |s: &JoinedScorer<'_>, i: usize| s.asked.as_ref().is_none_or(|a| a[i]);
                let both: Vec<(usize, usize)> = shared
                    .iter()
                    .copied()
                    .filter(|&(i, j)| asked(sa, i) && asked(sb, j))
                    .collect();
                let (pa, pb) = (sa.parsed(), sb.parsed());
                let la: Vec<Option<Label>> =
                    both.iter().map(|&(i, _)| pa[i].map(|x| x.0)).collect();
                let lb: Vec<Option<Label>> =
                    both.iter().map(|&(_, j)| pb[j].map(|x| x.0)).collect();
                let gold: Vec<Label> = both.iter().map(|&(i, _)| ja.gold[i]).collect();
                let m = compare_pair(&lb, &la, &gold, &mopts).map_err(|source| {
                    ReportError::Metrics {
                        scorer: sa.id.to_string(),
                        source,
                    }
                })?;
                pair_metrics.push(m);
                // B − A: how the later run changed the scorer.
                names.push((format!("{rb}:{}", sa.id), format!("{ra}:{}", sa.id)));
            }
        }
    }
    holm_pairs(&mut pair_metrics);
    correct_together(&mut flips);
    let pairs = names
        .into_iter()
        .zip(pair_metrics)
        .map(|((a, b), metrics)| PairReport {
            a,
            b,
            kind: PairKind::AcrossRuns,
            metrics,
        })
        .collect();
    Ok(Comparison {
        runs: metrics,
        pairs,
        notes,
        inputs: inputs_diffs(runs),
        flips,
    })
}
