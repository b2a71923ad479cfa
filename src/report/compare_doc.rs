//! The comparison of several runs as a [`Document`]: one row per (scorer, run), the same
//! scorer's rows together, and paired tests where runs share leads.

use super::table::{Block, Chart, Document, Table, est, num, pct, usd};
use super::{charts, run_doc};
use crate::evaluate::{Comparison, ExplorerData, InputVerdict, InputsDiff};
use crate::metrics::GainsRow;

/// Builds the comparison report.
pub fn compare_document(c: &Comparison, explorer: Option<ExplorerData>) -> Document {
    let mut b = Vec::new();
    let ids: Vec<String> = c.runs.iter().map(|r| format!("`{}`", r.run_id)).collect();
    b.push(Block::Paragraph(format!(
        "Runs: {}. Intervals are {} % percentile bootstrap intervals over leads.",
        ids.join(", "),
        c.runs
            .first()
            .map_or(95.0, |r| (r.options.confidence * 100.0).round())
    )));
    let mut runs = Table::new(&["run", "leads evaluated", "split", "scorers", "started"]);
    for r in &c.runs {
        runs.row(vec![
            format!("`{}`", r.run_id),
            r.n_leads.to_string(),
            r.split.clone(),
            r.scorers.len().to_string(),
            r.started.clone().unwrap_or_else(|| super::UNDEFINED.into()),
        ]);
    }
    b.push(Block::Table(runs));
    inputs_blocks(&c.inputs, &mut b);
    if !c.flips.is_empty() {
        b.push(Block::Heading(2, "What the change did".into()));
        b.push(Block::List(
            c.flips
                .iter()
                .map(|f| format!("`{}` → `{}`: {}", f.b, f.a, super::flips_doc::reading(f)))
                .collect(),
        ));
    }
    b.push(Block::Heading(2, "Scorers side by side".into()));
    let mut t = Table::new(&[
        "scorer",
        "run",
        "n",
        "coverage",
        "accuracy [95 % CI]",
        "strict acc.",
        "macro-F1",
        "QWK",
        "AUC (high)",
        "ECE",
        "lift@10 %",
        "κ vs heuristic",
        "cost",
    ]);
    // Scorer ids in order of first appearance, so one scorer's runs sit together.
    let mut order: Vec<&str> = Vec::new();
    for r in &c.runs {
        for s in &r.scorers {
            if !order.contains(&s.id.as_str()) {
                order.push(&s.id);
            }
        }
    }
    for id in &order {
        for r in &c.runs {
            let Some(s) = r.scorers.iter().find(|s| s.id == *id) else {
                continue;
            };
            let x = &s.metrics;
            t.row(vec![
                format!("`{id}`"),
                format!("`{}`", r.run_id),
                x.n.to_string(),
                pct(x.coverage.value),
                est(&x.accuracy, 3),
                num(x.accuracy_strict.value, 3),
                num(x.macro_f1.value, 3),
                num(x.quadratic_kappa.value, 3),
                num(x.roc_auc_high.value, 3),
                num(x.ece.value, 3),
                num(x.lift_top_decile.value, 2),
                num(s.kappa_vs_heuristic.value, 3),
                usd(s.operations.cost_usd),
            ]);
        }
    }
    b.push(Block::Table(t));
    if c.runs.iter().any(|r| r.outcomes.is_some()) {
        b.push(Block::Heading(
            2,
            "Outcomes and capacity side by side".into(),
        ));
        let mut t = Table::new(&[
            "scorer",
            "run",
            "conversion AUC [CI]",
            "gap to oracle",
            "leads worked",
            "precision at capacity [CI]",
            "recall of converters [CI]",
            "revenue captured",
        ]);
        let mut ids: Vec<&str> = vec!["oracle"];
        ids.extend(order.iter().copied());
        for id in ids {
            for r in &c.runs {
                let Some(o) = &r.outcomes else { continue };
                let Some(s) = o.oracle.iter().chain(&o.scorers).find(|s| s.id == id) else {
                    continue;
                };
                let cap = &s.metrics.capacity;
                t.row(vec![
                    format!("`{id}`"),
                    format!("`{}`", r.run_id),
                    est(&s.metrics.roc_auc, 3),
                    num(s.auc_gap_to_oracle.value, 3),
                    format!("{} of {}", o.capacity_leads, o.n),
                    est(&cap.precision, 3),
                    est(&cap.recall, 3),
                    pct(cap.revenue_share.value),
                ]);
            }
        }
        b.push(Block::Table(t));
    }
    b.push(Block::Heading(2, "Paired tests across runs".into()));
    if c.pairs.is_empty() {
        b.push(Block::Paragraph(
            "No scorer appears in two runs that share leads, so nothing was paired.".into(),
        ));
    } else {
        b.push(Block::Paragraph(format!(
            "The same scorer id in two runs, on the leads both evaluated (same lead id, same gold). Δ = strict accuracy of A − B (A is the later run in the order given); McNemar exact; Holm's correction across the {} pair(s).",
            c.pairs.len()
        )));
        b.push(Block::Table(run_doc::pairs_table(&c.pairs, false)));
    }
    if !c.notes.is_empty() {
        b.push(Block::List(c.notes.clone()));
    }
    if !c.flips.is_empty() {
        b.push(Block::Heading(2, "Which leads changed".into()));
        b.push(Block::Paragraph(format!(
            "The same scorer in two runs (A, the later run, against B), on the leads both evaluated with the same gold label: gained = A right where B was wrong, lost = the reverse; McNemar's exact test on those two counts, Holm-corrected across the scorers; at most {} flipped leads listed per scorer.",
            crate::evaluate::MAX_LISTED
        )));
        for f in &c.flips {
            super::flips_doc::flip_blocks(f, &mut b);
        }
    }
    let labels: Vec<String> = c
        .runs
        .iter()
        .flat_map(|r| {
            r.scorers
                .iter()
                .map(move |s| format!("{}:{}", r.run_id, s.id))
        })
        .collect();
    let gains: Vec<&[GainsRow]> = c
        .runs
        .iter()
        .flat_map(|r| r.scorers.iter().map(|s| s.metrics.gains.as_slice()))
        .collect();
    let series: Vec<(&str, &[GainsRow])> = labels.iter().map(String::as_str).zip(gains).collect();
    b.push(Block::Charts(vec![Chart {
        caption: "Cumulative gains of every scorer in every run".into(),
        svg: charts::gains_curves(&series, "cumulative gains"),
    }]));
    if let Some(explorer) = explorer {
        b.push(Block::Heading(2, "Leads".into()));
        b.push(Block::Explorer(Box::new(explorer)));
    }
    Document {
        title: format!(
            "Lead-scoring benchmark: comparison of {} runs",
            c.runs.len()
        ),
        blocks: b,
    }
}

/// "Prompts and rules": for each run and the next, one sentence naming what differs, and
/// a table of every prompt and the rules with the start of each hash.
fn inputs_blocks(diffs: &[InputsDiff], b: &mut Vec<Block>) {
    if diffs.is_empty() {
        return;
    }
    b.push(Block::Heading(2, "Prompts and rules".into()));
    b.push(Block::Paragraph(
        "Each run keeps the prompt templates and heuristic rules it used (`prompts/`, `rules/`) and run.json their SHA-256; the first 12 hex digits are shown. A run from before bench kept them says \"not recorded\".".into(),
    ));
    for d in diffs {
        b.push(Block::Paragraph(inputs_sentence(d)));
        if d.rows.is_empty() {
            continue;
        }
        let (ha, hb) = (format!("`{}`", d.a), format!("`{}`", d.b));
        let mut t = Table::new(&["input", &ha, &hb, "verdict"]);
        for r in &d.rows {
            let verdict = match r.verdict {
                InputVerdict::Same => "same".to_string(),
                InputVerdict::Differs => match &r.detail {
                    Some(why) => format!("**differs**: {why}"),
                    None => "**differs**".to_string(),
                },
                InputVerdict::NotRecorded => "not recorded".to_string(),
            };
            t.row(vec![r.input.clone(), short(&r.a), short(&r.b), verdict]);
        }
        b.push(Block::Table(t));
    }
}

/// `A` → `B`: what differs, in one sentence.
fn inputs_sentence(d: &InputsDiff) -> String {
    let with = |v: InputVerdict| -> Vec<&str> {
        d.rows
            .iter()
            .filter(|r| r.verdict == v)
            .map(|r| r.input.as_str())
            .collect()
    };
    let (differs, unknown) = (with(InputVerdict::Differs), with(InputVerdict::NotRecorded));
    let mut s = format!("`{}` → `{}`: ", d.a, d.b);
    if d.rows.is_empty() {
        s.push_str("neither run used a prompt or the heuristic.");
    } else if !unknown.is_empty() && unknown.len() == d.rows.len() {
        s.push_str("prompts and rules not recorded (a run from before bench kept them), so what changed cannot be told.");
    } else if differs.is_empty() {
        s.push_str("the same prompts and rules.");
    } else {
        s.push_str(&format!("differ in {}.", differs.join(", ")));
    }
    if !unknown.is_empty() && unknown.len() < d.rows.len() {
        s.push_str(&format!(" Not recorded: {}.", unknown.join(", ")));
    }
    s
}

/// A hash cut to 12 hex digits in backticks; `not used` and `not recorded` as they are.
fn short(v: &str) -> String {
    if v.len() == 64 && v.bytes().all(|c| c.is_ascii_hexdigit()) {
        format!("`{}`", &v[..12])
    } else {
        v.to_string()
    }
}
