//! "Cost and quality": every scorer's cost per 1,000 leads beside its quality (converters
//! found at capacity with outcomes, else strict accuracy, and QWK), the Pareto-optimal ones
//! marked: no other scorer is at least as good for less, or better for as much.

use super::answer::{both_outcomes, cost_per_1000};
use super::table::{Block, Table, UNDEFINED, est, num, usd};
use crate::evaluate::RunMetrics;

/// Appends the section when at least two scorers have a known cost.
pub(super) fn cost_section(m: &RunMetrics, b: &mut Vec<Block>) {
    let o = m.outcomes.as_ref().filter(|o| both_outcomes(o));
    // (id, cost, quality) of the scorers with a known cost and quality.
    let quality = |id: &str| -> Option<f64> {
        match o {
            Some(o) => {
                o.scorers
                    .iter()
                    .find(|s| s.id == id)?
                    .metrics
                    .capacity
                    .recall
                    .value
            }
            None => {
                let s = m.scorers.iter().find(|s| s.id == id)?;
                s.metrics.accuracy_strict.value
            }
        }
    };
    let points: Vec<(&str, f64, f64)> = m
        .scorers
        .iter()
        .filter_map(|s| Some((s.id.as_str(), cost_per_1000(s)?, quality(&s.id)?)))
        .collect();
    if points.len() < 2 {
        return;
    }
    let dominated = |&(id, c, q): &(&str, f64, f64)| {
        points
            .iter()
            .any(|&(other, oc, oq)| other != id && oc <= c && oq >= q && (oc < c || oq > q))
    };
    let what = if o.is_some() {
        "converters at capacity"
    } else {
        "strict accuracy"
    };
    b.push(Block::Heading(2, "Cost and quality".into()));
    b.push(Block::Paragraph(format!(
        "Cost per 1,000 leads (what this run paid on the evaluated leads, scaled; the in-process baselines cost nothing) beside {what}. **Pareto-optimal**: no other scorer is at least as good for less, or better for as much. Scorers without a known cost (a model without a `price`) are listed without a verdict."
    )));
    let mut t = Table::new(&[
        "scorer",
        "cost / 1,000 leads",
        what,
        "QWK",
        "Pareto-optimal",
    ]);
    for s in &m.scorers {
        let point = points.iter().find(|p| p.0 == s.id);
        let figure = match o {
            Some(o) => o
                .scorers
                .iter()
                .find(|r| r.id == s.id)
                .map_or(UNDEFINED.into(), |r| {
                    super::outcome_doc::share(&r.metrics.capacity.recall)
                }),
            None => est(&s.metrics.accuracy_strict, 3),
        };
        t.row(vec![
            format!("`{}`", s.id),
            point.map_or(UNDEFINED.into(), |p| usd(Some(p.1))),
            figure,
            num(s.metrics.quadratic_kappa.value, 3),
            point.map_or(UNDEFINED.into(), |p| {
                if dominated(p) { "no" } else { "**yes**" }.to_string()
            }),
        ]);
    }
    b.push(Block::Table(t));
}
