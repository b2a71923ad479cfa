//! The report's first section: the answer in a few sentences, each made from the numbers
//! by a rule docs/reports.md states ("The Answer"), and the warnings that say what to
//! distrust before reading on. `bench run` prints the same sentences at its end.

use std::cmp::Ordering;

use super::figures::{ALPHA, both_outcomes, cost_per_1000, is_baseline, separated};
use super::table::{est, num, p_value, pct, plural, points, share, usd};
use crate::evaluate::{
    CaptureTest, OutcomeReport, PairKind, PairReport, RankerOutcomes, RunMetrics,
};
use crate::metrics::Estimate;
use crate::prediction::ScorerId;

/// Share of a scorer's parsed answers whose label and score disagree above which the
/// report warns that label metrics and score metrics judge different answers.
const INCONSISTENT_SHARE: f64 = 0.10;

/// The answer: three to six sentences (Markdown inline: `code`, **bold**).
pub fn answer(m: &RunMetrics) -> Vec<String> {
    let o = m.outcomes.as_ref().filter(|o| o.n > 0);
    let mut out = Vec::new();
    match (m.n_leads, o) {
        (0, None) => {
            out.push(
                "Nothing to judge: no evaluated lead has a gold label or an outcome.".to_string(),
            );
            return out;
        }
        (0, Some(o)) => out.push(format!(
            "No evaluated lead has a gold label, so the scorers are judged by outcome alone: {} scored, {} converted.",
            plural_leads(o.n),
            o.converters
        )),
        (n, Some(o)) => out.push(format!(
            "{} evaluated against gold labels; {} of them with an outcome, {} converted.",
            plural_leads(n),
            o.n,
            o.converters
        )),
        (n, None) => out.push(format!(
            "{} evaluated against gold labels; no outcomes, so this says which scorer agrees with the labels, not which finds buyers.",
            plural_leads(n)
        )),
    }
    if let Some(o) = o.filter(|o| both_outcomes(o)) {
        out.extend(best_at_capacity(o));
    }
    if m.n_leads > 0 {
        out.extend(best_by_labels(m));
    }
    out.extend(llm_over_baseline(m, o));
    out.extend(token_probabilities(m));
    out.extend(super::answer_cost::cheapest_equal(m));
    out.extend(super::answer_cost::best_cascade(m));
    out.extend(enough_leads(m));
    out
}

fn plural_leads(n: u64) -> String {
    plural(n, "lead")
}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`".
fn names(ids: &[&str]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Rule 2: the scorer whose worked leads hold the most converters, and who the paired test
/// cannot separate from it.
fn best_at_capacity(o: &OutcomeReport) -> Vec<String> {
    let Some(best) = &o.best_at_capacity else {
        return Vec::new();
    };
    let Some(b) = o.scorers.iter().find(|s| s.id == *best) else {
        return Vec::new();
    };
    // Scorers that find as many converters: the choice among them is conversion AUC's.
    let recall = b.metrics.capacity.recall.value;
    let level: Vec<&RankerOutcomes> = o
        .scorers
        .iter()
        .filter(|s| s.id != *best)
        .filter(|s| {
            s.metrics
                .capacity
                .recall
                .value
                .zip(recall)
                .is_some_and(|(x, r)| (x - r).abs() < 1e-12)
        })
        .collect();
    let ties = if level.is_empty() {
        String::new()
    } else {
        let ids: Vec<&str> = level.iter().map(|s| s.id.as_str()).collect();
        let by_auc = level
            .iter()
            .all(|s| s.metrics.roc_auc.value < b.metrics.roc_auc.value);
        format!(
            " (as many as {}; {})",
            names(&ids),
            if by_auc {
                format!(
                    "its higher conversion AUC, {}, breaks the tie",
                    num(b.metrics.roc_auc.value, 3)
                )
            } else {
                "report order breaks the tie".into()
            }
        )
    };
    let mut s = if o.scorers.len() == 1 {
        format!(
            "Working the top {} (the configured capacity), `{best}`, the only scorer, finds {} of the converters.",
            plural_leads(o.capacity_leads),
            share(&b.metrics.capacity.recall)
        )
    } else {
        format!(
            "Working the top {} (the configured capacity), `{best}` finds the most converters: {} of them{ties}.",
            plural_leads(o.capacity_leads),
            share(&b.metrics.capacity.recall)
        )
    };
    let tied: Vec<&str> = o
        .vs_best_at_capacity
        .iter()
        .filter(|t| !separated(t.test.mcnemar_p_holm))
        .map(|t| t.a.as_str())
        .collect();
    if o.vs_best_at_capacity.is_empty() {
    } else if tied.is_empty() {
        s.push_str(" The paired test on the converters separates every other scorer from it (Holm p < 0.05).");
    } else {
        s.push_str(&format!(
            " The paired test on the converters cannot separate {} from it (Holm p ≥ 0.05).",
            names(&tied)
        ));
    }
    vec![s]
}

/// Rule 3: the leader of the ranking by strict accuracy and the scorers tied with it.
fn best_by_labels(m: &RunMetrics) -> Vec<String> {
    let Some(leader) = m.ranking.iter().find(|r| r.rank == 1 && !r.tied_with_above) else {
        return Vec::new();
    };
    let Some(s) = m.scorers.iter().find(|s| s.id == leader.id) else {
        return Vec::new();
    };
    let by = if m.outcomes.is_some() {
        "By the gold labels"
    } else {
        "Best"
    };
    let mut line = format!(
        "{by}: `{}` ranks first on strict accuracy, {} on {}.",
        s.id,
        est(&s.metrics.accuracy_strict, 3),
        plural_leads(s.metrics.n)
    );
    let tied: Vec<&str> = m
        .ranking
        .iter()
        .filter(|r| r.rank == 1 && r.tied_with_above)
        .map(|r| r.id.as_str())
        .collect();
    let others = m.ranking.len().saturating_sub(1);
    if others == 0 {
    } else if tied.is_empty() {
        line.push_str(
            " The paired test separates it from every other scorer (McNemar, Holm p < 0.05).",
        );
    } else if tied.len() == others {
        line.push_str(&format!(
            " But the paired test cannot separate any other scorer from it ({}; McNemar, Holm p ≥ 0.05): on these leads they are tied.",
            names(&tied)
        ));
    } else {
        line.push_str(&format!(
            " The paired test cannot separate {} from it (McNemar, Holm p ≥ 0.05).",
            names(&tied)
        ));
    }
    vec![line]
}

/// Rule 4: what the best LLM buys over the best baseline, and at what cost.
fn llm_over_baseline(m: &RunMetrics, o: Option<&OutcomeReport>) -> Vec<String> {
    let by_outcome = o.filter(|o| both_outcomes(o) && o.best_at_capacity.is_some());
    // Scorers best first: by converters found at capacity (then conversion AUC), as the
    // best at capacity is chosen, or by the ranking on strict accuracy.
    let order: Vec<&str> = match by_outcome {
        Some(o) => {
            let key = |s: &RankerOutcomes| {
                let m = &s.metrics;
                let v = |e: &Estimate| e.value.unwrap_or(f64::NEG_INFINITY);
                (v(&m.capacity.recall), v(&m.roc_auc))
            };
            let mut s: Vec<&RankerOutcomes> = o.scorers.iter().collect();
            s.sort_by(|a, b| key(b).partial_cmp(&key(a)).unwrap_or(Ordering::Equal));
            s.iter().map(|s| s.id.as_str()).collect()
        }
        None => m.ranking.iter().map(|r| r.id.as_str()).collect(),
    };
    let llm = order.iter().find(|id| ScorerId::from(**id).is_llm());
    let base = order.iter().find(|id| is_baseline(id));
    let (Some(&llm), Some(&base)) = (llm, base) else {
        return Vec::new();
    };
    let difference = match by_outcome {
        Some(o) => capture_difference(&o.vs_best_at_capacity, llm, base).map(|(d, p)| {
            format!(
                "{} in converters found at capacity (Holm p {})",
                points(&d).unwrap_or_else(|| "an undefined difference".into()),
                p_value(p)
            )
        }),
        None => accuracy_difference(&m.pairs, llm, base).map(|(d, p)| {
            format!(
                "{} in strict accuracy (Holm p {})",
                points(&d).unwrap_or_else(|| "an undefined difference".into()),
                p_value(p)
            )
        }),
    };
    let Some(difference) = difference else {
        return Vec::new();
    };
    let verdict = match by_outcome {
        Some(o) => capture_difference(&o.vs_best_at_capacity, llm, base).map(|(_, p)| p),
        None => accuracy_difference(&m.pairs, llm, base).map(|(_, p)| p),
    }
    .flatten()
    .map_or("", |p| {
        if p < ALPHA {
            ", a difference the paired test confirms"
        } else {
            ", within what chance gives on these leads"
        }
    });
    let cost = |id: &str| {
        m.scorers
            .iter()
            .find(|s| s.id == id)
            .and_then(cost_per_1000)
    };
    let price = match (cost(llm), cost(base)) {
        (Some(c), Some(0.0)) => format!(
            " It costs {} per 1,000 leads; `{base}` runs in-process and costs nothing.",
            usd(Some(c))
        ),
        (Some(c), Some(b)) => format!(
            " It costs {} per 1,000 leads against {} for `{base}`.",
            usd(Some(c)),
            usd(Some(b))
        ),
        (None, _) => " Its cost is unknown (no `price` for its model in the config).".into(),
        (Some(c), None) => format!(" It costs {} per 1,000 leads.", usd(Some(c))),
    };
    vec![format!(
        "The best LLM scorer, `{llm}`, against the best baseline, `{base}`: {difference}{verdict}.{price}"
    )]
}

/// Δ share of converters found, `llm` − `base`, from the tests against the best.
fn capture_difference(
    tests: &[CaptureTest],
    llm: &str,
    base: &str,
) -> Option<(Estimate, Option<f64>)> {
    let flip = |e: &Estimate| Estimate {
        value: e.value.map(|v| -v),
        ci_low: e.ci_high.map(|v| -v),
        ci_high: e.ci_low.map(|v| -v),
    };
    tests.iter().find_map(|t| {
        if t.a == llm && t.b == base {
            Some((t.test.difference, t.test.mcnemar_p_holm))
        } else if t.a == base && t.b == llm {
            Some((flip(&t.test.difference), t.test.mcnemar_p_holm))
        } else {
            None
        }
    })
}

/// Rule 4b: each logprobs reading against the verbalized answers it reads, when the run has
/// one: how it ranks the gold-high leads, and the paired test on strict accuracy.
fn token_probabilities(m: &RunMetrics) -> Vec<String> {
    let auc = |id: &str| {
        m.scorers
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.metrics.roc_auc_high.value)
    };
    m.pairs
        .iter()
        .filter(|p| p.kind == PairKind::TokenProbabilities)
        .map(|p| {
            let (reading, verbal) = (&p.a, &p.b);
            let ranks = match (auc(reading), auc(verbal)) {
                (Some(r), Some(v)) => format!(
                    " ranks the gold-high leads at AUC {} against {} for the verbalized answers, and",
                    num(Some(r), 3),
                    num(Some(v), 3)
                ),
                _ => String::new(),
            };
            let d = &p.metrics.accuracy_difference;
            let verdict = if separated(p.metrics.mcnemar_p_holm) {
                "a difference the paired test confirms"
            } else {
                "within what chance gives on these leads"
            };
            format!(
                "Read from its token probabilities, `{reading}`{ranks} differs from `{verbal}` by {} in strict accuracy (McNemar, Holm p {}): {verdict}.",
                points(d).unwrap_or_else(|| "an undefined difference".into()),
                p_value(p.metrics.mcnemar_p_holm)
            )
        })
        .collect()
}

/// Δ strict accuracy, `llm` − `base`, from the run's pairs.
fn accuracy_difference(
    pairs: &[PairReport],
    llm: &str,
    base: &str,
) -> Option<(Estimate, Option<f64>)> {
    pairs
        .iter()
        .find(|p| p.a == llm && p.b == base)
        .map(|p| (p.metrics.accuracy_difference, p.metrics.mcnemar_p_holm))
}

/// Rule 5: "too few leads to tell", from the power section, when that is the truth.
fn enough_leads(m: &RunMetrics) -> Vec<String> {
    let p = &m.power;
    let Some(leader) = m.ranking.first() else {
        // Outcome alone: can these leads tell conversion AUCs apart?
        let Some(o) = &m.outcomes else {
            return Vec::new();
        };
        let best = o.best_at_capacity.as_ref();
        let auc = best.and_then(|b| p.auc.iter().find(|a| a.id == *b));
        return match auc.and_then(|a| a.leads_needed.map(|n| (a, n))) {
            Some((a, needed)) if needed > o.n as f64 => vec![format!(
                "Too few leads to rank by conversion: telling `{}`'s conversion AUC {} from one {} lower takes about {:.0} leads like these; this run has {}.",
                a.id,
                num(a.auc, 3),
                crate::evaluate::AUC_DIFFERENCE,
                needed.ceil(),
                o.n
            )],
            _ => Vec::new(),
        };
    };
    // The scorer ranked second, tested against the leader.
    let Some(second) = p.accuracy.iter().find(|a| a.b == leader.id) else {
        return Vec::new();
    };
    match second.leads_needed {
        Some(needed) if needed > second.n as f64 => vec![format!(
            "Too few leads to tell `{}` from `{}`: their strict accuracies differ by {}, and telling that apart at {:.0} % power takes about {:.0} leads; they were compared on {}.",
            second.b,
            second.a,
            num(Some(second.observed_difference.abs()), 3),
            p.plan.power * 100.0,
            needed.ceil(),
            plural_leads(second.n)
        )],
        None if second.observed_difference == 0.0 => vec![format!(
            "`{}` and `{}` are right on exactly as many leads: no number of leads like these would tell them apart.",
            second.b, second.a
        )],
        _ => Vec::new(),
    }
}

/// Warnings about what happened in this run, first in "Read this first".
pub fn warnings(m: &RunMetrics) -> Vec<String> {
    let mut out = Vec::new();
    let sampled: Vec<String> = m
        .scorers
        .iter()
        .filter(|s| m.sampled.contains(&s.id))
        .map(|s| format!("`{}` on {}", s.id, plural_leads(s.metrics.n)))
        .collect();
    if !sampled.is_empty() {
        out.push(format!(
            "Asked about a sample of the {} (their model's `sample`): {}. Their figures are on those leads; each pair is tested on the leads both scorers were asked about. The other leads were not asked, not missed.",
            plural(m.n_leads, "evaluated lead"),
            sampled.join(", ")
        ));
    }
    let inconsistent: Vec<String> = m
        .scorers
        .iter()
        .filter_map(|s| {
            let o = &s.operations;
            let rate = o.inconsistency_rate.filter(|r| *r > INCONSISTENT_SHARE)?;
            Some(format!(
                "`{}` in {} of its parsed answers ({} of {})",
                s.id,
                pct(Some(rate)),
                o.inconsistent,
                o.parsed
            ))
        })
        .collect();
    if !inconsistent.is_empty() {
        out.push(format!(
            "Label and score disagree (the label lies outside its score's band): {}. Accuracy, κ, macro-F1 and QWK read the label; AUC, ECE, Brier, gains and every outcome metric read the score: for such a scorer they judge different answers.",
            inconsistent.join("; ")
        ));
    }
    let underpowered: Vec<String> = m
        .power
        .accuracy
        .iter()
        .filter_map(|a| {
            let needed = a.leads_needed.filter(|n| *n > a.n as f64)?;
            Some(format!(
                "`{}` vs `{}` (Δ {}: about {:.0} leads needed, {} compared)",
                a.a,
                a.b,
                num(Some(a.observed_difference.abs()), 3),
                needed.ceil(),
                a.n
            ))
        })
        .collect();
    if !underpowered.is_empty() {
        out.push(format!(
            "Too few leads for some differences the leaderboard shows (80 % power, α 0.05): {}. Read those ranks as provisional.",
            underpowered.join("; ")
        ));
    }
    for e in &m.escalations {
        out.push(format!(
            "`{}` answers with `{}` and sends {} of its {} ({} escalated) to `{}`: its cost is the first scorer's on every lead and the second's on those.",
            e.id,
            e.first,
            pct(e.share),
            plural_leads(e.n),
            e.escalated,
            e.then
        ));
    }
    if let Some(o) = &m.outcomes {
        out.extend(above_oracle(o));
    }
    out
}

/// Scorers above the oracle on this sample: say it is noise.
fn above_oracle(o: &OutcomeReport) -> Option<String> {
    let oracle = o.oracle.as_ref()?;
    let (oa, op) = (
        oracle.metrics.roc_auc.value,
        oracle.metrics.capacity.precision.value,
    );
    let above =
        |x: Option<f64>, ceiling: Option<f64>| x.zip(ceiling).is_some_and(|(x, c)| x > c + 1e-12);
    let found: Vec<String> = o
        .scorers
        .iter()
        .filter_map(|s| {
            let m = &s.metrics;
            if above(m.capacity.precision.value, op) {
                Some(format!(
                    "`{}` (precision at capacity {})",
                    s.id,
                    pct(m.capacity.precision.value)
                ))
            } else if above(m.roc_auc.value, oa) {
                Some(format!(
                    "`{}` (conversion AUC {})",
                    s.id,
                    num(m.roc_auc.value, 3)
                ))
            } else {
                None
            }
        })
        .collect();
    (!found.is_empty()).then(|| {
        format!(
            "Above the oracle on this sample (precision at capacity {}, conversion AUC {}): {}. The oracle is what a scorer can expect at best; on {} a scorer lands above it by chance: sampling noise, not a better-than-possible scorer.",
            pct(op),
            num(oa, 3),
            found.join(", "),
            plural_leads(o.n)
        )
    })
}
