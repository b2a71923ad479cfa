//! The cost–quality chart of report.html: each scorer's cost per 1,000 leads (log scale,
//! cost-free scorers at the left edge) against its quality with the interval as a whisker,
//! the Pareto-optimal ones filled. Drawn with the helpers of [`super::charts`].

use std::fmt::Write;

use super::charts::{
    B, H, L, R, SERIES, T, W, close_plot, legend_below, legend_height, open_tall, px, py, text,
};
use super::html::escape;
use super::table::fixed;

/// One scorer on the cost–quality chart.
pub(super) struct FrontierPoint<'a> {
    pub name: &'a str,
    /// Cost per 1,000 leads (0 for the in-process baselines).
    pub cost: f64,
    /// Quality and its interval: a share, or an agreement such as QWK (at most 1, below 0
    /// when worse than chance).
    pub quality: f64,
    pub interval: Option<(f64, f64)>,
    pub pareto: bool,
}

/// Cost per 1,000 leads (log scale; cost-free scorers at the left edge, "free") against a
/// quality with its interval as a whisker; Pareto-optimal scorers filled. The y axis runs
/// from 0 to 1, or from −1 when a value or an interval falls below 0.
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
    let below_zero = points
        .iter()
        .any(|p| p.quality < 0.0 || p.interval.is_some_and(|(a, _)| a < 0.0));
    let y_low = if below_zero { -1.0 } else { 0.0 };
    let ty = |v: f64| py((v - y_low) / (1.0 - y_low));
    for t in [y_low, (y_low + 1.0) / 2.0, 1.0] {
        text(&mut out, x0 - 6.0, ty(t) + 4.0, "end", &fixed(t, 1));
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
    // The cheapest and dearest paid costs as ticks, the dearest only when the two labels
    // would not overlap.
    let ends = [
        paid.iter().copied().reduce(f64::min),
        paid.iter().copied().reduce(f64::max),
    ];
    let mut last_tick = f64::NEG_INFINITY;
    for c in ends.into_iter().flatten() {
        let x = px(tx(c));
        if x - last_tick < 50.0 {
            continue;
        }
        text(&mut out, x, y0 + 14.0, "middle", &format!("${c:.3}"));
        last_tick = x;
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
        // Scorers of the same cost (the free ones, say) side by side, not on top of each other.
        let same_cost = points[..i].iter().filter(|o| o.cost == p.cost).count();
        let x = px(tx(p.cost)) + 7.0 * same_cost as f64;
        if let Some((a, b)) = p.interval {
            let _ = write!(
                out,
                "<path d=\"M{x:.1} {:.1}V{:.1}\" stroke=\"{colour}\"/>",
                ty(a),
                ty(b)
            );
        }
        let fill = if p.pareto { colour } else { "#fff" };
        let _ = write!(
            out,
            "<circle class=\"mark\" cx=\"{x:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"1.6\"><title>{}</title></circle>",
            ty(p.quality),
            escape(&names[i])
        );
        legend.push((refs[i], colour, false));
    }
    legend_below(&mut out, &legend);
    close_plot(out, points.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(name: &str, cost: f64, quality: f64, low: f64) -> FrontierPoint<'_> {
        FrontierPoint {
            name,
            cost,
            quality,
            interval: Some((low, quality + 0.1)),
            pareto: true,
        }
    }

    #[test]
    fn the_y_axis_reaches_below_zero_only_for_a_value_below_it() {
        let shares = [point("a", 0.0, 0.4, 0.3), point("b", 0.1, 0.6, 0.5)];
        let svg = cost_quality(&shares, "share", "t");
        assert!(!svg.contains(">-1.0<"), "{svg}");
        assert_eq!(svg.matches("<circle class=\"mark\"").count(), 2);
        let kappas = [point("a", 0.0, 0.1, -0.2), point("b", 0.1, 0.6, 0.5)];
        let svg = cost_quality(&kappas, "QWK", "t");
        assert!(svg.contains(">-1.0<") && svg.contains(">0.0<"), "{svg}");
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn scorers_of_one_cost_stand_side_by_side() {
        let free = [point("a", 0.0, 0.4, 0.3), point("b", 0.0, 0.4, 0.3)];
        let svg = cost_quality(&free, "share", "t");
        let xs: Vec<&str> = svg
            .split("<circle class=\"mark\" cx=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        assert_eq!(xs.len(), 2);
        assert_ne!(xs[0], xs[1]);
    }
}
