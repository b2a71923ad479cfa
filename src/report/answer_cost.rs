//! The Answer's sentences about cost (docs/reports.md "The Answer", rules 6 and 7): the
//! cheapest scorer the paired tests cannot separate from the best, and the best cascade with
//! its cost and escalated share.

use super::figures::{both_outcomes, cost_per_1000, separated};
use super::table::{est, pct, plural, usd};
use crate::evaluate::{OutcomeReport, RunMetrics, ScorerReport};

/// Rule 6: among the best scorer and those the paired test cannot separate from it (by
/// converters at capacity when the run has outcomes, else by strict accuracy), the one with
/// the lowest known cost per 1,000 leads, when it is not the best itself.
pub(super) fn cheapest_equal(m: &RunMetrics) -> Option<String> {
    let o = m.outcomes.as_ref().filter(|o| both_outcomes(o));
    let (best, tied): (&str, Vec<&str>) =
        match o.and_then(|o| Some((o, o.best_at_capacity.as_deref()?))) {
            Some((o, best)) => (best, tied_at_capacity(o)),
            None => {
                let leader = m
                    .ranking
                    .iter()
                    .find(|r| r.rank == 1 && !r.tied_with_above)?;
                let tied = m
                    .ranking
                    .iter()
                    .filter(|r| r.rank == 1 && r.tied_with_above)
                    .map(|r| r.id.as_str())
                    .collect();
                (leader.id.as_str(), tied)
            }
        };
    let cost = |id: &str| scorer(m, id).and_then(cost_per_1000);
    let best_cost = cost(best)?;
    let (cheapest, c) = tied
        .iter()
        .filter_map(|id| Some((*id, cost(id)?)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let price = |c: f64| {
        if c == 0.0 {
            "nothing".to_string()
        } else {
            format!("{} per 1,000 leads", usd(Some(c)))
        }
    };
    (c < best_cost).then(|| {
        format!(
            "Cheaper at no measurable loss: `{cheapest}` costs {} against {} for `{best}`, and the paired test cannot separate them.",
            price(c),
            price(best_cost)
        )
    })
}

/// Rule 7: the best cascade (by its rank on strict accuracy, or converters at capacity with
/// outcomes), its escalated share and cost, against the scorer it escalates to.
pub(super) fn best_cascade(m: &RunMetrics) -> Option<String> {
    let o = m.outcomes.as_ref().filter(|o| both_outcomes(o));
    let recall = |id: &str| {
        o.and_then(|o| o.scorers.iter().find(|s| s.id == id))
            .and_then(|s| s.metrics.capacity.recall.value)
    };
    let rank = |id: &str| m.ranking.iter().position(|r| r.id == id);
    let e = m.escalations.iter().min_by(|a, b| match o {
        Some(_) => recall(&b.id)
            .unwrap_or(-1.0)
            .total_cmp(&recall(&a.id).unwrap_or(-1.0)),
        None => rank(&a.id)
            .unwrap_or(usize::MAX)
            .cmp(&rank(&b.id).unwrap_or(usize::MAX)),
    })?;
    let (c, then) = (scorer(m, &e.id)?, scorer(m, &e.then)?);
    let quality = match o {
        Some(_) => format!(
            "converters at capacity {} against {} for `{}` alone",
            pct(recall(&e.id)),
            pct(recall(&e.then)),
            e.then
        ),
        None => format!(
            "strict accuracy {} against {} for `{}` alone",
            est(&c.metrics.accuracy_strict, 3),
            est(&then.metrics.accuracy_strict, 3),
            e.then
        ),
    };
    let cost = match (cost_per_1000(c), cost_per_1000(then)) {
        (Some(a), Some(b)) => format!(
            ", at {} per 1,000 leads against {}",
            usd(Some(a)),
            usd(Some(b))
        ),
        _ => String::new(),
    };
    Some(format!(
        "The best cascade, `{}`, sends {} of {} on to `{}`: {quality}{cost}.",
        e.id,
        pct(e.share),
        plural(e.n, "lead"),
        e.then
    ))
}

fn scorer<'a>(m: &'a RunMetrics, id: &str) -> Option<&'a ScorerReport> {
    m.scorers.iter().find(|s| s.id == id)
}

/// The scorers the paired test on converters cannot separate from the best at capacity.
fn tied_at_capacity(o: &OutcomeReport) -> Vec<&str> {
    o.vs_best_at_capacity
        .iter()
        .filter(|t| !separated(t.test.mcnemar_p_holm))
        .map(|t| t.a.as_str())
        .collect()
}
