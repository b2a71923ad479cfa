//! "Cost and quality": every scorer's cost per 1,000 leads beside its quality (converters
//! found at capacity with outcomes, else strict accuracy, and QWK), the Pareto-optimal ones
//! marked: no other scorer is at least as good for less, or better for as much.

use super::cost_chart::{FrontierPoint, cost_quality};
use super::figures::{both_outcomes, cost_per_1000};
use super::sweep_chart::{sweep_chart, sweep_figure};
use super::table::{Block, Chart, Table, UNDEFINED, est, fixed, num, share, usd};
use crate::evaluate::{RunMetrics, ScorerReport};
use crate::metrics::Estimate;

/// Each scorer with a known cost per 1,000 leads and a value of `figure` (an estimate with
/// its interval), in the report's order, the Pareto-optimal ones marked: no other scorer is
/// at least as good for no more money and strictly better on one of the two.
fn frontier(
    m: &RunMetrics,
    figure: impl Fn(&ScorerReport) -> Option<Estimate>,
) -> Vec<FrontierPoint<'_>> {
    let mut points: Vec<FrontierPoint<'_>> = m
        .scorers
        .iter()
        .filter_map(|s| {
            let e = figure(s)?;
            Some(FrontierPoint {
                name: &s.id,
                cost: cost_per_1000(s)?,
                quality: e.value?,
                interval: e.ci_low.zip(e.ci_high),
                pareto: false,
            })
        })
        .collect();
    let dominated = |p: &FrontierPoint<'_>| {
        points.iter().any(|o| {
            o.name != p.name
                && o.cost <= p.cost
                && o.quality >= p.quality
                && (o.cost < p.cost || o.quality > p.quality)
        })
    };
    let pareto: Vec<bool> = points.iter().map(|p| !dominated(p)).collect();
    for (p, optimal) in points.iter_mut().zip(pareto) {
        p.pareto = optimal;
    }
    points
}

/// Appends the section when at least two scorers have a known cost.
pub(super) fn cost_section(m: &RunMetrics, b: &mut Vec<Block>) {
    let o = m.outcomes.as_ref().filter(|o| both_outcomes(o));
    // Converters found at capacity with outcomes, else strict accuracy.
    let quality = |s: &ScorerReport| -> Option<Estimate> {
        match o {
            Some(o) => Some(
                o.scorers
                    .iter()
                    .find(|r| r.id == s.id)?
                    .metrics
                    .capacity
                    .recall,
            ),
            None => Some(s.metrics.accuracy_strict),
        }
    };
    let points = frontier(m, quality);
    if points.len() < 2 {
        return;
    }
    let what = if o.is_some() {
        "converters at capacity"
    } else {
        "strict accuracy"
    };
    b.push(Block::Heading(2, "Cost and quality".into()));
    b.push(Block::Paragraph(format!(
        "Cost per 1,000 leads (the cost of the evaluated leads a scorer scored, scaled) at the interactive price and through the provider's batch API (the model's `batch_discount`); in-process scorers (the baselines, and ensembles and cascades of them) cost no money, and their measured time is given instead. Beside it, {what}. **Pareto-optimal** (at the interactive price): no other scorer is at least as good for less, or better for as much. Scorers without a known cost (a model without a `price`) are listed without a verdict."
    )));
    let mut t = Table::new(&[
        "scorer",
        "interactive / 1,000 leads",
        "batch / 1,000 leads",
        "CPU time / 1,000 leads",
        what,
        "QWK",
        "Pareto-optimal",
    ]);
    for s in &m.scorers {
        let point = points.iter().find(|p| p.name == s.id);
        let figure = match (o, quality(s)) {
            (Some(_), Some(e)) => share(&e),
            (None, Some(e)) => est(&e, 3),
            (_, None) => UNDEFINED.into(),
        };
        let per = &s.operations.per_1000;
        t.row(vec![
            format!("`{}`", s.id),
            usd(per.interactive_usd),
            usd(per.batch_usd),
            per.cpu_ms
                .map_or(UNDEFINED.into(), |ms| format!("{} ms", fixed(ms, 1))),
            figure,
            num(s.metrics.quadratic_kappa.value, 3),
            point.map_or(UNDEFINED.into(), |p| {
                if p.pareto { "**yes**" } else { "no" }.to_string()
            }),
        ]);
    }
    b.push(Block::Table(t));
    // The same as charts: quality with its interval against cost, and QWK against gold
    // (when there is gold) beside it.
    let mut charts = vec![Chart {
        caption: format!("Cost against {what}, with 95 % intervals; filled: Pareto-optimal"),
        svg: cost_quality(&points, what, "cost and quality"),
    }];
    let qwk = frontier(m, |s| Some(s.metrics.quadratic_kappa));
    if qwk.len() >= 2 {
        charts.push(Chart {
            caption: "Cost against QWK with gold, with 95 % intervals; filled: Pareto-optimal"
                .into(),
            svg: cost_quality(&qwk, "QWK with gold", "cost and QWK"),
        });
    }
    b.push(Block::Charts(charts));
}

/// Appends the cascade sweep: per LLM scorer behind the best baseline, what each escalated
/// share buys, with a one-line reading.
pub(super) fn sweep_section(m: &RunMetrics, b: &mut Vec<Block>) {
    if m.sweeps.is_empty() {
        return;
    }
    b.push(Block::Heading(2, "Cascade sweep".into()));
    b.push(Block::Paragraph(
        "The best baseline answers every lead; the share of leads whose baseline score lies nearest the decision cut (the baseline's capacity cut-off with outcomes, else the high band) goes to the LLM instead. Each row is one share, on the leads the LLM answered; cost is the LLM's on the escalated leads, per 1,000 leads.".into(),
    ));
    for s in &m.sweeps {
        b.push(Block::Heading(
            3,
            format!("`{}` behind `{}` (cut at {:.0})", s.llm, s.baseline, s.cut),
        ));
        if let Some(reading) = sweep_reading(s) {
            b.push(Block::Paragraph(reading));
        }
        let what = if s.points.iter().any(|p| p.converters.is_some()) {
            "converters at capacity"
        } else {
            "strict accuracy"
        };
        b.push(Block::Charts(vec![Chart {
            caption: format!(
                "Share escalated against {what}, labelled with the cost per 1,000 leads"
            ),
            svg: sweep_chart(s, most_of_the_gain(s), "cascade sweep"),
        }]));
        let mut t = Table::new(&[
            "escalated",
            "leads",
            "strict accuracy",
            "converters at capacity",
            "cost / 1,000 leads",
        ]);
        for p in &s.points {
            t.row(vec![
                super::table::pct(Some(p.share)),
                p.escalated.to_string(),
                num(p.strict_accuracy, 3),
                super::table::pct(p.converters),
                usd(p.cost_per_1000),
            ]);
        }
        b.push(Block::Table(t));
    }
}

/// The least escalated share that keeps at least 90 % of what escalating every lead gains
/// (its index), when escalating every lead gains.
fn most_of_the_gain(s: &crate::evaluate::Sweep) -> Option<usize> {
    let lo = sweep_figure(s.points.first()?)?;
    let hi = sweep_figure(s.points.last()?)?;
    if hi <= lo {
        return None;
    }
    s.points
        .iter()
        .position(|p| sweep_figure(p).is_some_and(|v| v - lo >= 0.9 * (hi - lo)))
}

/// "Escalating 20 % of the leads keeps 90 % of the LLM's gain at 20 % of its cost", for the
/// smallest share that keeps at least 90 % of the gain, when escalating everything gains.
fn sweep_reading(s: &crate::evaluate::Sweep) -> Option<String> {
    let (first, last) = (s.points.first()?, s.points.last()?);
    let (lo, hi) = (sweep_figure(first)?, sweep_figure(last)?);
    let what = if last.converters.is_some() {
        "converters found at capacity"
    } else {
        "strict accuracy"
    };
    if hi <= lo {
        return Some(format!(
            "Escalating to `{}` does not improve {what} here ({} with the baseline alone, {} with the LLM on every lead).",
            s.llm,
            num(Some(lo), 3),
            num(Some(hi), 3)
        ));
    }
    let p = &s.points[most_of_the_gain(s)?];
    let cost = match (p.cost_per_1000, last.cost_per_1000) {
        (Some(c), Some(all)) if all > 0.0 => format!(" at {:.0} % of its cost", c / all * 100.0),
        _ => String::new(),
    };
    Some(format!(
        "Escalating {:.0} % of the leads keeps {:.0} % of what `{}` adds in {what}{cost}.",
        p.share * 100.0,
        (sweep_figure(p)? - lo) / (hi - lo) * 100.0,
        s.llm
    ))
}
