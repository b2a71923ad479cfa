//! The detail at the end of a run report: how many leads a comparison needs (power), the
//! slices by lead dimension, and the spread across prompt variants of one model.

use super::table::{Block, Table, UNDEFINED, est, num, pct};
use crate::evaluate::{RunMetrics, ScorerReport};
use crate::prediction::ScorerId;

pub(super) fn power_section(m: &RunMetrics, b: &mut Vec<Block>) {
    let p = &m.power;
    b.push(Block::Heading(
        2,
        "Power: how many leads does a comparison need?".into(),
    ));
    b.push(Block::Paragraph(format!(
        "At α = {} (two-sided) and {:.0} % power, with the {} evaluated leads. Accuracy: the paired normal approximation of McNemar's test for each scorer and the one ranked above it. AUC: Hanley & McNeil's standard error, against a scorer as uncertain, the two taken as uncorrelated (conservative); leads needed scale as 1/√n.",
        p.plan.alpha,
        p.plan.power * 100.0,
        p.n
    )));
    if !p.accuracy.is_empty() {
        let mut t = Table::new(&[
            "scorer",
            "tested against",
            "discordant leads",
            "observed Δ accuracy",
            "smallest detectable Δ",
            "leads needed for the observed Δ",
        ]);
        for a in &p.accuracy {
            t.row(vec![
                format!("`{}`", a.a),
                format!("`{}`", a.b),
                pct(Some(a.discordant_share)),
                num(Some(a.observed_difference), 3),
                num(a.min_detectable_difference, 3),
                a.leads_needed
                    .map_or(UNDEFINED.into(), |n| format!("{:.0}", n.ceil())),
            ]);
        }
        b.push(Block::Table(t));
    }
    let mut t = Table::new(&[
        "scorer",
        "AUC of",
        "AUC",
        "standard error",
        "smallest detectable AUC difference",
        "leads needed for a 0.05 difference",
    ]);
    if p.auc.is_empty() {
        return;
    }
    for a in &p.auc {
        t.row(vec![
            format!("`{}`", a.id),
            a.target.to_string(),
            num(a.auc, 3),
            num(a.standard_error, 3),
            num(a.min_detectable_difference, 3),
            a.leads_needed
                .map_or(UNDEFINED.into(), |n| format!("{:.0}", n.ceil())),
        ]);
    }
    b.push(Block::Table(t));
}

pub(super) fn slices(m: &RunMetrics, b: &mut Vec<Block>) {
    b.push(Block::Heading(2, "Slices".into()));
    let shown = crate::evaluate::DIMENSIONS
        .iter()
        .any(|dim| m.slices.get(*dim).is_some_and(|rows| !rows.is_empty()));
    if !shown {
        b.push(Block::Paragraph(format!(
            "Left out: on {} no value of any dimension (difficulty, archetype, company size, seniority, source, industry) holds {} leads, and a dimension whose values all pool into `other` says nothing.",
            super::table::plural(m.n_leads, "lead"),
            crate::evaluate::MIN_SLICE_N
        )));
        return;
    }
    b.push(Block::Paragraph(
        format!("Cells: accuracy over parsed predictions with its 95 % Wilson interval, then macro-F1 (a point value), and coverage when below 100 %; metrics.json also has QWK and strict accuracy per slice. Slices of fewer than {} leads show accuracy only: a point value without an interval would be noise there. Macro-F1 averages all three classes, so in a slice with one gold class it is at most 1/3: read accuracy there. Company-size bands are employees: 1-10, 11-50, 51-200, 201-1000, 1001-5000, 5000+, unknown.", crate::evaluate::MIN_SLICE_N),
    ));
    for dim in crate::evaluate::DIMENSIONS {
        let Some(rows) = m.slices.get(dim).filter(|rows| !rows.is_empty()) else {
            continue;
        };
        b.push(Block::Heading(3, format!("By {}", dim.replace('_', " "))));
        let mut headers = vec![dim.replace('_', " "), "leads".into()];
        headers.extend(m.scorers.iter().map(|s| format!("`{}`", s.id)));
        let mut t = Table {
            headers,
            rows: Vec::new(),
        };
        for r in rows {
            let mut row = vec![r.value.clone(), r.n.to_string()];
            for s in &r.scorers {
                let mut cell = est(&s.accuracy, 2);
                if r.n >= crate::evaluate::MIN_SLICE_N {
                    cell.push_str(&format!(" / {}", num(s.macro_f1.value, 2)));
                }
                if s.coverage.value.is_some_and(|c| c < 1.0) {
                    cell.push_str(&format!(" (cov {})", pct(s.coverage.value)));
                }
                row.push(cell);
            }
            t.rows.push(row);
        }
        b.push(Block::Table(t));
    }
}

/// Per model with two or more prompts: the best and worst prompt by accuracy.
pub(super) fn prompt_spread(m: &RunMetrics) -> Option<Table> {
    let mut by_model: Vec<(String, Vec<&ScorerReport>)> = Vec::new();
    for s in &m.scorers {
        let ScorerId::Llm { model, .. } = ScorerId::from(s.id.as_str()) else {
            continue;
        };
        match by_model.iter_mut().find(|(k, _)| *k == model) {
            Some((_, v)) => v.push(s),
            None => by_model.push((model, vec![s])),
        }
    }
    let mut t = Table::new(&[
        "model",
        "prompts",
        "best prompt (accuracy)",
        "worst prompt (accuracy)",
        "spread",
    ]);
    for (model, scorers) in by_model.iter().filter(|(_, v)| v.len() > 1) {
        // Prompts with a defined accuracy, best first.
        let mut ranked: Vec<(f64, &str)> = scorers
            .iter()
            .filter_map(|s| Some((s.metrics.accuracy.value?, s.id.as_str())))
            .collect();
        ranked.sort_by(|a, z| z.0.total_cmp(&a.0).then(a.1.cmp(z.1)));
        let name = |x: Option<&(f64, &str)>| {
            x.map_or(UNDEFINED.to_string(), |(a, id)| {
                let id = ScorerId::from(*id);
                let prompt = id.prompt().map_or_else(|| id.to_string(), str::to_string);
                format!("`{prompt}` ({a:.3})")
            })
        };
        let (best, worst) = (ranked.first(), ranked.last());
        let spread = best.zip(worst).map(|(b, w)| b.0 - w.0);
        t.row(vec![
            format!("`{model}`"),
            scorers.len().to_string(),
            name(best),
            name(worst),
            num(spread, 3),
        ]);
    }
    (!t.rows.is_empty()).then_some(t)
}
