//! The leaderboard that reads in a minute (at most eight columns, sorted by rank, the
//! ranking metric first), the table of the label metrics it leaves out, and the glossary
//! that defines every metric the report names (on hover in the HTML).

use super::figures::{both_outcomes, cost_per_1000};
use super::table::{Block, Table, UNDEFINED, est, num, pct, share, usd};
use crate::evaluate::{OutcomeReport, RankerOutcomes, RunMetrics, ScorerReport};

/// The run's leaderboard: against gold labels (best rank first) or, in a run without them,
/// by converters found at capacity; `None` with neither.
pub fn leaderboard(m: &RunMetrics) -> Option<Table> {
    if m.n_leads > 0 {
        Some(gold_leaderboard(m))
    } else {
        let o = m.outcomes.as_ref().filter(|o| o.n > 0)?;
        Some(outcome_leaderboard(m, o))
    }
}

/// The leaderboard against gold labels, best rank first.
pub(super) fn gold_leaderboard(m: &RunMetrics) -> Table {
    let outcomes = m.outcomes.as_ref().filter(|o| both_outcomes(o));
    let last = if outcomes.is_some() {
        "converters at capacity"
    } else {
        "ECE"
    };
    let mut t = Table::new(&[
        "rank",
        "scorer",
        "leads",
        "strict accuracy [95 % CI]",
        "QWK",
        "AUC (high)",
        last,
        "cost / 1,000 leads",
    ]);
    for r in &m.ranking {
        let Some(s) = m.scorers.iter().find(|s| s.id == r.id) else {
            continue;
        };
        let x = &s.metrics;
        let rank = if r.tied_with_above {
            format!("={}", r.rank)
        } else {
            r.rank.to_string()
        };
        let last = match outcomes {
            Some(o) => pct(ranker(o, &s.id).and_then(|r| r.metrics.capacity.recall.value)),
            None => num(x.ece.value, 3),
        };
        t.row(vec![
            rank,
            format!("`{}`", s.id),
            x.n.to_string(),
            est(&x.accuracy_strict, 3),
            num(x.quadratic_kappa.value, 3),
            num(x.roc_auc_high.value, 3),
            last,
            cost(s),
        ]);
    }
    t
}

/// The leaderboard of a run without gold labels: by converters found at capacity.
pub(super) fn outcome_leaderboard(m: &RunMetrics, o: &OutcomeReport) -> Table {
    let mut t = Table::new(&[
        "scorer",
        "leads scored",
        "converters at capacity [95 % CI]",
        "precision at capacity",
        "conversion AUC",
        "cost / 1,000 leads",
    ]);
    let mut rows: Vec<&RankerOutcomes> = o.scorers.iter().collect();
    let recall = |r: &RankerOutcomes| r.metrics.capacity.recall.value.unwrap_or(-1.0);
    rows.sort_by(|a, b| recall(b).total_cmp(&recall(a)));
    for r in rows {
        let s = m.scorers.iter().find(|s| s.id == r.id);
        t.row(vec![
            format!("`{}`", r.id),
            r.metrics.n_scored.to_string(),
            share(&r.metrics.capacity.recall),
            pct(r.metrics.capacity.precision.value),
            num(r.metrics.roc_auc.value, 3),
            s.map_or(UNDEFINED.into(), cost),
        ]);
    }
    t
}

fn ranker<'a>(o: &'a OutcomeReport, id: &str) -> Option<&'a RankerOutcomes> {
    o.scorers.iter().find(|r| r.id == id)
}

fn cost(s: &ScorerReport) -> String {
    match cost_per_1000(s) {
        Some(0.0) => "$0".into(),
        c => usd(c),
    }
}

/// The label metrics the leaderboard leaves out, in report order.
pub(super) fn label_metrics(m: &RunMetrics) -> Table {
    let mut t = Table::new(&[
        "scorer",
        "coverage",
        "accuracy [95 % CI]",
        "macro-F1",
        "κ",
        "ECE",
        "Brier (high)",
        "lift@10 %",
        "κ vs heuristic",
    ]);
    for s in &m.scorers {
        let x = &s.metrics;
        t.row(vec![
            format!("`{}`", s.id),
            pct(x.coverage.value),
            est(&x.accuracy, 3),
            num(x.macro_f1.value, 3),
            num(x.cohen_kappa.value, 3),
            num(x.ece.value, 3),
            num(x.brier_high.value, 3),
            num(x.lift_top_decile.value, 2),
            num(s.kappa_vs_heuristic.value, 3),
        ]);
    }
    t
}

/// Every metric the report names, in one line each.
pub(super) fn glossary() -> Block {
    const TERMS: &[(&str, &str)] = &[
        (
            "rank",
            "Place by strict accuracy; `=k` shares rank k because the paired test (exact McNemar, Holm-corrected) cannot separate the scorer from the leader of its group.",
        ),
        ("leads", "Evaluated leads the scorer was judged on."),
        (
            "strict accuracy",
            "Share of evaluated leads given exactly the gold label; an unparsed or missing answer counts as wrong.",
        ),
        (
            "accuracy",
            "Share of parsed answers given exactly the gold label.",
        ),
        ("coverage", "Share of evaluated leads with a parsed answer."),
        (
            "QWK",
            "Quadratic-weighted Cohen's κ between label and gold label: 1 perfect, 0 chance; calling a low lead high costs four times calling it medium.",
        ),
        (
            "κ",
            "Cohen's κ: agreement with the gold label beyond chance (1 perfect, 0 chance).",
        ),
        (
            "macro-F1",
            "Mean over low, medium and high of F1, the harmonic mean of precision and recall.",
        ),
        (
            "AUC (high)",
            "Chance that a gold-high lead gets a higher score than a lead that is not high (0.5 = a coin).",
        ),
        (
            "ECE",
            "Expected calibration error: the mean gap, over score bins, between score / 100 and the share of gold-high leads.",
        ),
        (
            "Brier (high)",
            "Mean squared error of score / 100 read as the probability that a lead is gold-high (lower is better).",
        ),
        (
            "lift@10 %",
            "Share of gold-high leads among the top-scored 10 %, divided by their share among all leads.",
        ),
        (
            "κ vs heuristic",
            "Cohen's κ between the scorer's labels and the heuristic's.",
        ),
        (
            "converters at capacity",
            "Share of all converters among the leads worked at the configured capacity, taken from the top of the scorer's ranking.",
        ),
        (
            "precision at capacity",
            "Conversion rate among the leads worked at capacity.",
        ),
        (
            "conversion AUC",
            "Chance that a converter gets a higher score than a lead that did not convert.",
        ),
        (
            "cost / 1,000 leads",
            "What scoring 1,000 leads cost at the configured prices (answers from the cache counted at their price); the in-process baselines cost nothing.",
        ),
        (
            "Krippendorff α",
            "Agreement with the gold label on the ordinal scale low < medium < high, corrected for chance.",
        ),
        ("Spearman", "Rank correlation between score and gold score."),
        (
            "Kendall τ-b",
            "Share of concordant minus discordant lead pairs between score and gold score, adjusted for ties.",
        ),
        (
            "MAE",
            "Mean absolute difference between score and gold score, in points.",
        ),
        (
            "avg. precision",
            "Area under the precision–recall curve of finding gold-high leads by score.",
        ),
        (
            "NDCG@10 %",
            "How well the top-scored 10 % is ordered by gold score, against the best possible order (1 = best).",
        ),
        (
            "Brier 3-class",
            "Squared error of the class probabilities over low, medium and high (scorers that give them).",
        ),
        (
            "log loss",
            "Minus the mean log-probability the scorer gave the gold label (scorers that give class probabilities).",
        ),
        (
            "McNemar p",
            "Exact test on the leads only one of two scorers got right: how likely such a split is if both were equally good.",
        ),
        (
            "Holm p",
            "McNemar's p corrected for testing several pairs at once (Holm's step-down); below 0.05 separates the pair.",
        ),
        (
            "Δ strict acc.",
            "Strict accuracy of A minus B on the same leads, with a paired bootstrap interval.",
        ),
        (
            "oracle",
            "The ranking by the generator's latent conversion probability: what a scorer can expect at best, not a bound on one sample.",
        ),
    ];
    Block::Glossary(
        TERMS
            .iter()
            .map(|(t, d)| (t.to_string(), d.to_string()))
            .collect(),
    )
}
