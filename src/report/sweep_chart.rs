//! The cascade sweep of report.html as a chart: the share of leads escalated to the LLM
//! (0 to 100 %) against converters found at capacity (or strict accuracy), one dot a share,
//! the baseline-only and LLM-only ends and the share the reading names labelled with their
//! figure and cost. Drawn with the helpers of [`super::charts`].

use std::fmt::Write;

use super::charts::{axes, close_plot, open_tall, px, py};
use super::table::{pct, usd};
use crate::evaluate::{Sweep, SweepPoint};

/// The sweep's figure at a point: converters at capacity when the run has outcomes, else
/// strict accuracy.
pub(super) fn sweep_figure(p: &SweepPoint) -> Option<f64> {
    p.converters.or(p.strict_accuracy)
}

/// The chart of one sweep; `marked` is the index of the point the reading names (the least
/// share that keeps most of the LLM's gain), labelled like the two ends.
pub(super) fn sweep_chart(s: &Sweep, marked: Option<usize>, title: &str) -> String {
    let mut out = String::new();
    open_tall(&mut out, "sweep", title, super::charts::H);
    let outcomes = s.points.iter().any(|p| p.converters.is_some());
    let what = if outcomes {
        "converters at capacity"
    } else {
        "strict accuracy"
    };
    let y_ticks = if outcomes {
        ["0 %", "50 %", "100 %"]
    } else {
        ["0.0", "0.5", "1.0"]
    };
    axes(
        &mut out,
        (
            ["0 %: baseline only", "50 %", "100 %: LLM only"],
            "share of leads escalated to the LLM",
        ),
        (y_ticks, what),
    );
    let figure = |p: &SweepPoint| match sweep_figure(p) {
        Some(v) if outcomes => pct(Some(v)),
        v => super::table::num(v, 3),
    };
    let drawn: Vec<(usize, f64, f64)> = s
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, px(p.share), py(sweep_figure(p)?))))
        .collect();
    if drawn.len() > 1 {
        let line: Vec<String> = drawn
            .iter()
            .map(|(_, x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.6\"/>",
            line.join(" ")
        );
    }
    if let Some(&(_, x, _)) = marked.and_then(|m| drawn.iter().find(|d| d.0 == m)) {
        let _ = write!(
            out,
            "<path d=\"M{x:.1} {:.1}V{:.1}\" stroke=\"#bbb\" stroke-dasharray=\"3 3\"/>",
            py(0.0),
            py(1.0)
        );
    }
    let last = drawn.len().saturating_sub(1);
    for (k, &(i, x, y)) in drawn.iter().enumerate() {
        let p = &s.points[i];
        let _ = write!(
            out,
            "<circle class=\"mark\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#1f77b4\"><title>{} escalated ({} leads): {what} {}, {} per 1,000 leads</title></circle>",
            pct(Some(p.share)),
            p.escalated,
            figure(p),
            usd(p.cost_per_1000)
        );
        if !(k == 0 || k == last || Some(i) == marked) {
            continue;
        }
        // Left half: the label to the right of the point, else to its left; above or below,
        // whichever side the line around the point leaves clear.
        let before = drawn[k.saturating_sub(1)].2;
        let after = drawn[(k + 1).min(last)].2;
        let rising = after <= before;
        let (dx, anchor, below) = if p.share < 0.5 {
            (6.0, "start", rising)
        } else {
            (-6.0, "end", !rising)
        };
        let dy = if below { 14.0 } else { -19.0 };
        // Two short lines: the figure, and the cost per 1,000 leads.
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"10\">{}<tspan x=\"{:.1}\" dy=\"11\">{}</tspan></text>",
            x + dx,
            y + dy,
            figure(p),
            x + dx,
            usd(p.cost_per_1000)
        );
    }
    close_plot(out, drawn.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_share_is_a_mark_and_the_ends_and_the_marked_share_are_labelled() {
        let points = (0..=10)
            .map(|i: u32| SweepPoint {
                share: f64::from(i) / 10.0,
                escalated: u64::from(i),
                strict_accuracy: Some(0.5 + f64::from(i) / 40.0),
                converters: None,
                cost_per_1000: Some(f64::from(i) / 100.0),
            })
            .collect();
        let s = Sweep {
            baseline: "learned".into(),
            llm: "llm/m/p".into(),
            n: 10,
            cut: 70.0,
            points,
        };
        let svg = sweep_chart(&s, Some(4), "t");
        assert_eq!(svg.matches("<circle class=\"mark\"").count(), 11);
        for label in ["0 %: baseline only", "100 %: LLM only", "strict accuracy"] {
            assert!(svg.contains(label), "{label}: {svg}");
        }
        // Three labelled points: the two ends and the marked share, each with its cost.
        for (figure, cost) in [
            ("0.500", "$0.0000"),
            ("0.600", "$0.0400"),
            ("0.750", "$0.1000"),
        ] {
            assert!(svg.contains(&format!(">{figure}<tspan")), "{figure}: {svg}");
            assert!(svg.contains(&format!(">{cost}</tspan>")), "{cost}: {svg}");
        }
        assert_eq!(svg.matches("<tspan").count(), 3);
        assert!(!svg.contains("NaN"));
    }
}
