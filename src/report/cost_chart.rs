//! The cost–quality chart of report.html: each scorer's cost per 1,000 leads (log scale,
//! cost-free scorers at the left edge) against its quality with the interval as a whisker,
//! the Pareto-optimal ones filled. Drawn with the helpers of [`super::charts`].

use std::fmt::Write;

use super::charts::{
    B, H, L, R, SERIES, T, W, close_plot, legend_below, legend_height, open_tall, px, py, text,
};
use super::html::escape;

/// One scorer on the cost–quality chart.
pub(super) struct FrontierPoint<'a> {
    pub name: &'a str,
    /// Cost per 1,000 leads (0 for the in-process baselines).
    pub cost: f64,
    /// Quality and its interval, as shares.
    pub quality: f64,
    pub interval: Option<(f64, f64)>,
    pub pareto: bool,
}

/// Cost per 1,000 leads (log scale; cost-free scorers at the left edge, "free") against a
/// quality share with its interval as a whisker; Pareto-optimal scorers filled.
pub(super) fn cost_quality(points: &[FrontierPoint<'_>], y_title: &str, title: &str) -> String {
    let mut out = String::new();
    let names: Vec<String> = points
        .iter()
        .map(|p| {
            format!(
                "{}{}",
                p.name,
                if p.pareto { " (Pareto-optimal)" } else { "" }
            )
        })
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    open_tall(&mut out, "cost-quality", title, H + legend_height(&refs));
    let (x0, y0, x1, y1) = (L, H - B, W - R, T);
    let _ = write!(
        out,
        "<path d=\"M{x0:.1} {y1:.1}V{y0:.1}H{x1:.1}\" stroke=\"#333\" fill=\"none\"/>"
    );
    for t in [0.0, 0.5, 1.0] {
        text(&mut out, x0 - 6.0, py(t) + 4.0, "end", &format!("{t:.1}"));
    }
    let paid: Vec<f64> = points.iter().map(|p| p.cost).filter(|c| *c > 0.0).collect();
    let (lo, hi) = match (
        paid.iter().copied().reduce(f64::min),
        paid.iter().copied().reduce(f64::max),
    ) {
        (Some(a), Some(b)) => (a.log10() - 0.5, b.log10() + 0.5),
        _ => (-1.0, 1.0),
    };
    // Cost-free scorers sit at the left edge; paid ones on a log scale to the right.
    let tx = |c: f64| {
        if c > 0.0 {
            0.15 + 0.85 * (c.log10() - lo) / (hi - lo)
        } else {
            0.03
        }
    };
    text(&mut out, px(0.03), y0 + 14.0, "middle", "free");
    for c in [
        paid.iter().copied().reduce(f64::min),
        paid.iter().copied().reduce(f64::max),
    ]
    .into_iter()
    .flatten()
    {
        text(
            &mut out,
            px(tx(c)),
            y0 + 14.0,
            "middle",
            &format!("${c:.3}"),
        );
    }
    text(
        &mut out,
        (x0 + x1) / 2.0,
        H - 6.0,
        "middle",
        "cost per 1,000 leads (log scale)",
    );
    let _ = write!(
        out,
        "<text x=\"12\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">{}</text>",
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0,
        escape(y_title)
    );
    let mut legend = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let colour = SERIES[i % SERIES.len()];
        let x = px(tx(p.cost));
        if let Some((a, b)) = p.interval {
            let _ = write!(
                out,
                "<path d=\"M{x:.1} {:.1}V{:.1}\" stroke=\"{colour}\"/>",
                py(a),
                py(b)
            );
        }
        let fill = if p.pareto { colour } else { "#fff" };
        let _ = write!(
            out,
            "<circle class=\"mark\" cx=\"{x:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"1.6\"><title>{}</title></circle>",
            py(p.quality),
            escape(&names[i])
        );
        legend.push((refs[i], colour, false));
    }
    legend_below(&mut out, &legend);
    close_plot(out, points.is_empty())
}
