//! The run report as a [`Document`]: leaderboard, operations, per-scorer confusion matrix,
//! routing at the high threshold, gains/lift and calibration tables (with charts), pairwise
//! tests, stability and the dataset's description (power, slices and prompt spread: `detail_doc`).

use super::answer::{answer, warnings};
use super::charts;
use super::detail_doc::{power_section, prompt_spread, slices};
use super::leaderboard::{glossary, gold_leaderboard, label_metrics, outcome_leaderboard};
use super::table::{
    Block, Chart, Document, Table, UNDEFINED, count, est, num, p_value, pct, plural, usd,
};
use crate::evaluate::{ExplorerData, PairKind, PairReport, RunMetrics, ScorerReport};
use crate::metrics::GainsRow;

/// Builds the report of one run from its metrics: the answer first, then what to distrust,
/// the leaderboard, the detail behind it, and the dataset in an appendix.
pub fn run_document(m: &RunMetrics) -> Document {
    run_document_with(m, None)
}

/// [`run_document`] with the lead explorer (section "Leads", before the glossary).
pub fn run_document_with(m: &RunMetrics, explorer: Option<ExplorerData>) -> Document {
    let mut b = vec![Block::Heading(2, "Answer".into()), Block::List(answer(m))];
    let outcomes = m.outcomes.as_ref().filter(|o| o.n > 0);
    b.push(Block::Heading(2, "Leaderboard".into()));
    if m.n_leads > 0 {
        b.push(Block::Paragraph(
            "Ranked by **strict accuracy** (the gold label given exactly; an unparsed answer counts as wrong). `=k`: the paired test (exact McNemar, Holm-corrected) cannot separate the scorer from the leader of its group, so they share the rank.".into(),
        ));
        b.push(Block::Table(gold_leaderboard(m)));
    } else if let Some(o) = outcomes {
        b.push(Block::Paragraph(format!(
            "No evaluated lead has a gold label: scorers are listed by the share of converters among the {} worked at capacity.",
            plural(o.capacity_leads, "lead")
        )));
        b.push(Block::Table(outcome_leaderboard(m, o)));
    } else {
        b.push(Block::Paragraph(
            "Nothing to rank: no evaluated lead has a gold label or an outcome.".into(),
        ));
    }
    // What was run, below the leaderboard: the first screen is for the answer.
    b.push(Block::Paragraph(overview(m)));
    b.push(Block::Heading(2, "Read this first".into()));
    let mut notes = warnings(m);
    notes.extend(m.warnings.iter().cloned());
    notes.push(format!(
        "Calibration (ECE, Brier, reliability) reads p(high) = score / 100, the plain reading of a 0–100 score; it is a probability only if the scorer defines it so. ECE uses {} equal-width bins.",
        m.options.ece_bins
    ));
    notes.push(format!(
        "Headline metrics are over parsed predictions (`coverage` says how many); `strict accuracy` counts unparsed and missing predictions as wrong. Intervals: {} % percentile bootstrap over leads, {} resamples, seed {}.",
        (m.options.confidence * 100.0).round(),
        m.options.resamples,
        m.options.seed
    ));
    notes.push(format!(
        "{UNDEFINED} = undefined (no parsed predictions, a single class present, zero variance, or no interval because some resample was undefined). Hover a column name in report.html, or see the glossary at the end, for what a metric means."
    ));
    b.push(Block::List(notes));
    if m.n_leads > 0 {
        b.push(Block::Heading(2, "Label metrics".into()));
        b.push(Block::Table(label_metrics(m)));
        b.push(Block::Heading(2, "Ranking and agreement".into()));
        b.push(Block::Table(more_metrics(m)));
    }
    super::cost_doc::cost_section(m, &mut b);
    super::cost_doc::sweep_section(m, &mut b);
    if !m.scorers.is_empty() {
        b.push(Block::Heading(2, "Operations".into()));
        b.push(Block::Table(operations(m)));
    }
    if m.n_leads > 0 {
        gains_section(m, &mut b);
    }
    if let Some(o) = outcomes {
        super::outcome_doc::outcome_sections(o, &mut b);
    }
    if m.n_leads > 0 {
        for s in &m.scorers {
            scorer_section(s, m, &mut b);
        }
        pairs_section(m, &mut b);
        super::flips_doc::flips_section(m, &mut b);
        super::twins_doc::twins_section(m, &mut b);
        if let Some(t) = prompt_spread(m) {
            b.push(Block::Heading(2, "Spread across prompt variants".into()));
            b.push(Block::Table(t));
        }
        stability_section(m, &mut b);
        power_section(m, &mut b);
        slices(m, &mut b);
    } else {
        b.push(Block::Heading(2, "Label metrics".into()));
        b.push(Block::Paragraph(
            "Left out: no evaluated lead has a gold label, so there is no confusion matrix, gains table, pairwise test, power analysis or slice against labels to show.".into(),
        ));
    }
    if let Some(data) = explorer {
        b.push(Block::Heading(2, "Leads".into()));
        b.push(Block::Explorer(Box::new(data)));
    }
    b.push(Block::Heading(2, "Glossary".into()));
    b.push(glossary());
    if let Some(meta) = &m.dataset_meta {
        b.push(Block::Heading(2, "Appendix: the dataset".into()));
        let mut items = Vec::new();
        describe(meta, "", &mut items);
        b.push(Block::List(items));
    }
    Document {
        title: format!("Lead-scoring benchmark: run `{}`", m.run_id),
        blocks: b,
    }
}

fn gains_section(m: &RunMetrics, b: &mut Vec<Block>) {
    b.push(Block::Heading(2, "Gains".into()));
    let mut gains = Table::new(&[
        "scorer",
        "highs in top 10 %",
        "top 20 %",
        "top 30 %",
        "top 50 %",
        "lift@10 % [CI]",
    ]);
    for s in &m.scorers {
        let capture = |d: u8| {
            pct(s
                .metrics
                .gains
                .iter()
                .find(|r| r.decile == d)
                .and_then(|r| r.cumulative_capture))
        };
        gains.row(vec![
            format!("`{}`", s.id),
            capture(1),
            capture(2),
            capture(3),
            capture(5),
            est(&s.metrics.lift_top_decile, 2),
        ]);
    }
    b.push(Block::Paragraph(
        "Share of all gold-high leads captured by the top-scored share of parsed leads (score descending, ties by lead id).".into(),
    ));
    b.push(Block::Table(gains));
    let series: Vec<(&str, &[GainsRow])> = m
        .scorers
        .iter()
        .map(|s| (s.id.as_str(), s.metrics.gains.as_slice()))
        .collect();
    b.push(Block::Charts(vec![Chart {
        caption:
            "Cumulative gains: share of gold-high leads captured by the top-scored share of leads"
                .into(),
        svg: charts::gains_curves(&series, "cumulative gains"),
    }]));
}

fn pairs_section(m: &RunMetrics, b: &mut Vec<Block>) {
    b.push(Block::Heading(2, "Pairwise tests".into()));
    if m.pairs.is_empty() {
        b.push(Block::Paragraph(
            "No pairs to test: no baseline beside another scorer, and no two prompts on one model."
                .into(),
        ));
    } else {
        b.push(Block::Paragraph(format!(
            "Δ = strict accuracy of A − B on the same leads (paired bootstrap); McNemar exact on strict correctness; Holm's correction across the {} tested.",
            plural(m.pairs.len() as u64, "pair")
        )));
        b.push(Block::Table(pairs_table(&m.pairs, true)));
    }
}

fn stability_section(m: &RunMetrics, b: &mut Vec<Block>) {
    if m.stability.is_empty() {
        return;
    }
    b.push(Block::Heading(2, "Stability across repeats".into()));
    let mut t = Table::new(&[
        "scorer",
        "repeats",
        "leads",
        "parsed in every repeat",
        "Fleiss κ",
        "identical in every repeat",
    ]);
    for s in &m.stability {
        t.row(vec![
            format!("`{}`", s.scorer),
            s.metrics.repeats.to_string(),
            s.metrics.n.to_string(),
            s.metrics.n_complete.to_string(),
            est(&s.metrics.fleiss_kappa, 3),
            est(&s.metrics.share_identical, 3),
        ]);
    }
    b.push(Block::Table(t));
}

fn overview(m: &RunMetrics) -> String {
    let of = match (m.split == "test", m.limit) {
        (true, Some(k)) => format!(
            "the first {k} test leads, `--limit`, of {} leads",
            m.n_dataset
        ),
        (true, None) => format!("the test split of {} leads", m.n_dataset),
        (false, _) => format!("{} leads, no split", m.n_dataset),
    };
    let judged = m.outcomes.as_ref().map_or(0, |o| o.n);
    let mut s = if m.n_leads > 0 {
        format!(
            "{} evaluated against gold labels ({of})",
            plural(m.n_leads, "lead")
        )
    } else if judged > 0 {
        format!(
            "{} judged by outcome alone ({of}): none has a gold label",
            plural(judged, "lead")
        )
    } else {
        format!("No lead evaluated ({of}): none has a gold label or an outcome")
    };
    s.push_str(&format!(
        "; {}. Bands: high ≥ {}, medium ≥ {}, else low.",
        plural(m.scorers.len() as u64, "scorer"),
        m.bands.high,
        m.bands.medium
    ));
    if let (Some(a), Some(z)) = (&m.started, &m.finished) {
        s.push_str(&format!(" Run from {a} to {z}."));
    }
    s
}

/// Dataset sidecar as `key: value` lines; nested objects become dotted keys.
fn describe(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let scalars: Vec<String> = map
                .iter()
                .filter(|(_, x)| !x.is_object())
                .map(|(k, x)| format!("{k} = {}", scalar(x)))
                .collect();
            if !prefix.is_empty() && !scalars.is_empty() {
                out.push(format!("{prefix}: {}", scalars.join(", ")));
            } else {
                for (k, x) in map.iter().filter(|(_, x)| !x.is_object()) {
                    out.push(format!("{k}: {}", scalar(x)));
                }
            }
            for (k, x) in map.iter().filter(|(_, x)| x.is_object()) {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                describe(x, &key, out);
            }
        }
        other => out.push(format!("{prefix}: {}", scalar(other))),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Milliseconds: whole numbers, one decimal below 10 ms, `< 0.1 ms` below that (in-process
/// scorers).
fn ms(v: f64) -> String {
    if v < 0.1 {
        "< 0.1 ms".into()
    } else if v < 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn more_metrics(m: &RunMetrics) -> Table {
    let mut t = Table::new(&[
        "scorer",
        "strict acc. [CI]",
        "macro-F1 [CI]",
        "QWK [CI]",
        "Krippendorff α",
        "Spearman",
        "Kendall τ-b",
        "MAE",
        "avg. precision",
        "NDCG@10 %",
        "Brier 3-class",
        "log loss",
    ]);
    for s in &m.scorers {
        let x = &s.metrics;
        t.row(vec![
            format!("`{}`", s.id),
            est(&x.accuracy_strict, 3),
            est(&x.macro_f1, 3),
            est(&x.quadratic_kappa, 3),
            num(x.krippendorff_alpha.value, 3),
            num(x.spearman.value, 3),
            num(x.kendall_tau_b.value, 3),
            num(x.mae.value, 1),
            num(x.average_precision_high.value, 3),
            num(x.ndcg.value, 3),
            num(x.brier_3class.value, 3),
            num(x.log_loss.value, 3),
        ]);
    }
    t
}

fn operations(m: &RunMetrics) -> Table {
    let mut t = Table::new(&[
        "scorer",
        "parsed / leads",
        "missing",
        "statuses",
        "inconsistent label/score",
        "latency p50 / p95",
        "prompt tokens",
        "completion tokens",
        "cost",
        "prompt cache: cached share, saving",
        "cost per correct lead",
        "run cost (all leads, repeats)",
    ]);
    for s in &m.scorers {
        let o = &s.operations;
        let statuses: Vec<String> = o
            .status_counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        t.row(vec![
            format!("`{}`", s.id),
            format!("{} / {}", o.parsed, o.leads),
            o.missing.to_string(),
            if statuses.is_empty() {
                UNDEFINED.into()
            } else {
                statuses.join(", ")
            },
            format!("{} ({})", o.inconsistent, pct(o.inconsistency_rate)),
            match (o.latency_p50_ms, o.latency_p95_ms) {
                (Some(a), Some(z)) => format!("{} / {}", ms(a), ms(z)),
                _ => UNDEFINED.into(),
            },
            count(o.prompt_tokens),
            count(o.completion_tokens),
            usd(o.cost_usd),
            match o.cached_prompt_share {
                Some(share) => format!("{}, {}", pct(Some(share)), usd(o.prompt_cache_saved_usd)),
                None => UNDEFINED.into(),
            },
            usd(o.cost_per_correct_usd),
            usd(o.run_cost_usd),
        ]);
    }
    t
}

fn scorer_section(s: &ScorerReport, m: &RunMetrics, b: &mut Vec<Block>) {
    let x = &s.metrics;
    b.push(Block::Heading(2, format!("Scorer `{}`", s.id)));
    if x.n_parsed == 0 {
        b.push(Block::Paragraph(format!(
            "No parsed answer on the {}: nothing to show (Operations says what happened to its requests).",
            plural(x.n, "evaluated lead")
        )));
        return;
    }
    let c = &x.confusion.0;
    let mut conf = Table::new(&["gold \\ predicted", "low", "medium", "high", "recall"]);
    // Recall of a class no lead has, or precision of one no answer gives, is 0 / 0: shown
    // undefined, not as the 0 metrics.json keeps (scikit-learn's zero_division).
    for (i, label) in ["low", "medium", "high"].iter().enumerate() {
        let mut row = vec![format!("**{label}**")];
        row.extend(c[i].iter().map(u64::to_string));
        let support: u64 = c[i].iter().sum();
        row.push(num(x.per_class[i].recall.value.filter(|_| support > 0), 3));
        conf.row(row);
    }
    let mut prec = vec!["precision".to_string()];
    prec.extend(x.per_class.iter().enumerate().map(|(j, k)| {
        let given: u64 = (0..3).map(|i| c[i][j]).sum();
        num(k.precision.value.filter(|_| given > 0), 3)
    }));
    prec.push(String::new());
    conf.row(prec);
    b.push(Block::Heading(3, "Confusion matrix (parsed leads)".into()));
    b.push(Block::Table(conf));
    // Routing: leads labelled high go to sales; what share is that, and what does it catch?
    let parsed = x.n_parsed;
    let flagged: u64 = (0..3).map(|i| c[i][2]).sum();
    let highs: u64 = c[2].iter().sum();
    let ratio = |a: u64, z: u64| (z > 0).then(|| a as f64 / z as f64);
    b.push(Block::Paragraph(format!(
        "Routing at the high threshold (label high, score ≥ {}): {} of parsed leads flagged ({flagged} of {parsed}), capturing {} of gold-high leads ({} of {highs}); precision of the flag {}.",
        m.bands.high,
        pct(ratio(flagged, parsed)),
        pct(ratio(c[2][2], highs)),
        c[2][2],
        pct(ratio(c[2][2], flagged)),
    )));
    b.push(Block::Heading(3, "Lift by score decile".into()));
    let mut g = Table::new(&[
        "decile",
        "leads",
        "gold high",
        "share high",
        "cumulative capture",
        "lift",
    ]);
    for r in x.gains.iter().filter(|r| r.count > 0) {
        g.row(vec![
            r.decile.to_string(),
            r.count.to_string(),
            r.high.to_string(),
            pct(r.share_high),
            pct(r.cumulative_capture),
            num(r.lift, 2),
        ]);
    }
    b.push(Block::Table(g));
    let shares: Vec<f64> = x.gains.iter().filter_map(|r| r.share_high).collect();
    let monotone = shares.windows(2).all(|w| w[0] >= w[1]);
    let trend = match shares.len() {
        0 | 1 => "",
        _ if monotone => " Share of highs falls monotonically down the deciles.",
        _ => " Share of highs does **not** fall monotonically down the deciles.",
    };
    b.push(Block::Paragraph(format!(
        "Top-decile lift {} (k = {}; ties broken by lead id).{trend}",
        est(&x.lift_top_decile, 2),
        x.top_decile_k,
    )));
    b.push(Block::Heading(
        3,
        "Calibration (p = score / 100, high vs rest)".into(),
    ));
    b.push(Block::Paragraph(format!(
        "ECE {} over {} bins; Brier {}; AUC {}.",
        est(&x.ece, 3),
        x.reliability.bins,
        est(&x.brier_high, 3),
        est(&x.roc_auc_high, 3)
    )));
    let mut rel = Table::new(&["bin", "leads", "mean p", "observed share high"]);
    for r in x.reliability.rows.iter().filter(|r| r.count > 0) {
        rel.row(vec![
            format!("{:.1}–{:.1}", r.lower, r.upper),
            r.count.to_string(),
            num(r.mean_predicted, 3),
            num(r.observed, 3),
        ]);
    }
    if !rel.rows.is_empty() {
        b.push(Block::Table(rel));
    }
    b.push(Block::Charts(vec![
        Chart {
            caption: format!(
                "`{}`: confusion matrix (shade = share of the gold row)",
                s.id
            ),
            svg: charts::confusion_heatmap(&x.confusion, &format!("{} confusion", s.id)),
        },
        Chart {
            caption: format!("`{}`: reliability diagram", s.id),
            svg: charts::reliability_diagram(&x.reliability, &format!("{} reliability", s.id)),
        },
        Chart {
            caption: format!("`{}`: score distribution by gold label", s.id),
            svg: charts::score_distribution(&s.score_histogram, &format!("{} scores", s.id)),
        },
    ]));
}

/// The paired-test table of a run (`why`: the reason each pair was tested) or of a comparison
/// of runs (every pair is the same scorer across runs, so no `why`).
pub(super) fn pairs_table(pairs: &[PairReport], why: bool) -> Table {
    let mut headers = vec!["A", "B"];
    if why {
        headers.push("why");
    }
    headers.extend([
        "leads",
        "both parsed",
        "agreement",
        "κ",
        "Δ strict acc. [CI]",
        "only A right",
        "only B right",
        "McNemar p",
        "Holm p",
    ]);
    let mut t = Table::new(&headers);
    for p in pairs {
        let x = &p.metrics;
        let mut row = vec![format!("`{}`", p.a), format!("`{}`", p.b)];
        if why {
            row.push(
                match p.kind {
                    PairKind::VsHeuristic => "vs heuristic",
                    PairKind::VsLearned => "vs learned",
                    PairKind::PromptVariants => "prompt variants",
                    PairKind::TokenProbabilities => "token probabilities vs verbalized",
                    PairKind::AcrossRuns => "across runs",
                }
                .into(),
            );
        }
        row.extend([
            x.n.to_string(),
            x.n_both_parsed.to_string(),
            num(x.agreement.value, 3),
            est(&x.kappa, 3),
            est(&x.accuracy_difference, 3),
            x.only_a_correct.to_string(),
            x.only_b_correct.to_string(),
            p_value(Some(x.mcnemar_p)),
            p_value(x.mcnemar_p_holm),
        ]);
        t.row(row);
    }
    t
}
