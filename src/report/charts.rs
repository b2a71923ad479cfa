//! Hand-written SVG charts for `report.html`: confusion heatmaps, reliability diagrams,
//! score distributions by gold label and cumulative-gains curves. Small, deterministic
//! (fixed sizes, fixed palette, numbers printed with fixed decimals) and self-contained.
//! Data elements carry `class="mark"` so tests can check that a chart drew its data.

use std::fmt::Write;

use super::html::escape;
use crate::evaluate::{BandRate, HistogramBin};
use crate::metrics::{CapturePoint, Confusion, GainsRow, Reliability};

pub(super) const W: f64 = 320.0;
pub(super) const H: f64 = 260.0;
/// Plot area: left, top, right, bottom margins.
pub(super) const L: f64 = 48.0;
pub(super) const T: f64 = 16.0;
pub(super) const R: f64 = 12.0;
pub(super) const B: f64 = 40.0;
const LABELS: [&str; 3] = ["low", "medium", "high"];
const CLASS_COLOURS: [&str; 3] = ["#9aa5b8", "#e0a43a", "#2f7d4f"];
pub(super) const SERIES: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

fn open(out: &mut String, name: &str, title: &str) {
    open_tall(out, name, title, H);
}

/// Opens a chart `height` high: the plot in its top `H`, a legend below it.
pub(super) fn open_tall(out: &mut String, name: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        "<svg class=\"chart\" data-chart=\"{name}\" width=\"{W}\" height=\"{height}\" viewBox=\"0 0 {W} {height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\"><title>{}</title>",
        escape(title)
    );
}

/// Characters of a legend line: at 11 px sans-serif an average character is under 6.5 px,
/// and a line runs from `LEGEND_TEXT_X` to the right edge.
const LEGEND_CHARS: usize = 42;
const LEGEND_TEXT_X: f64 = 30.0;
const LEGEND_LINE: f64 = 13.0;

/// One legend entry: its name whole, broken into lines of at most [`LEGEND_CHARS`]
/// characters, after a `/`, `:`, `-`, `_`, `@` or space where there is one (scorer ids and run
/// ids break at their parts), else mid-word. A name is never cut short.
fn legend_lines(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while chars.len() - start > LEGEND_CHARS {
        let window = &chars[start..start + LEGEND_CHARS];
        let cut = window
            .iter()
            .rposition(|c| "/:-_@ ".contains(*c))
            .filter(|&i| i >= LEGEND_CHARS / 3)
            .map_or(LEGEND_CHARS, |i| i + 1);
        lines.push(chars[start..start + cut].iter().collect());
        start += cut;
    }
    lines.push(chars[start..].iter().collect());
    lines
}

/// Height of a legend below the plot for these names.
pub(super) fn legend_height(names: &[&str]) -> f64 {
    let lines: usize = names.iter().map(|n| legend_lines(n).len()).sum();
    if names.is_empty() {
        0.0
    } else {
        lines as f64 * LEGEND_LINE + (names.len() - 1) as f64 * 3.0 + 14.0
    }
}

/// The legend below the plot, one entry per series (colour, dashed, name), full names wrapped,
/// so that it neither covers a curve nor clips a name.
pub(super) fn legend_below(out: &mut String, entries: &[(&str, &str, bool)]) {
    let mut y = H + 12.0;
    for (name, colour, dashed) in entries {
        let dash = if *dashed {
            " stroke-dasharray=\"2 2\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<path d=\"M{:.1} {:.1}h12\" stroke=\"{colour}\" stroke-width=\"3\"{dash}/>",
            LEGEND_TEXT_X - 16.0,
            y - 4.0
        );
        let lines = legend_lines(name);
        let _ = write!(
            out,
            "<text class=\"legend\" x=\"{LEGEND_TEXT_X:.1}\" y=\"{y:.1}\" text-anchor=\"start\"><title>{}</title>",
            escape(name)
        );
        for (i, line) in lines.iter().enumerate() {
            let dy = if i == 0 { 0.0 } else { LEGEND_LINE };
            let _ = write!(
                out,
                "<tspan x=\"{LEGEND_TEXT_X:.1}\" dy=\"{dy:.1}\">{}</tspan>",
                escape(line)
            );
        }
        out.push_str("</text>");
        y += lines.len() as f64 * LEGEND_LINE + 3.0;
    }
}

pub(super) fn text(out: &mut String, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = write!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text>",
        escape(s)
    );
}

/// Ends a plot's SVG, with a note in the middle of a plot that had nothing to draw.
pub(super) fn close_plot(mut out: String, empty: bool) -> String {
    if empty {
        text(
            &mut out,
            px(0.5),
            py(0.5),
            "middle",
            "no parsed predictions",
        );
    }
    out.push_str("</svg>");
    out
}

/// Axes of a unit square plot with ticks at 0, 0.5, 1 and axis titles.
fn unit_axes(out: &mut String, x_title: &str, y_title: &str) {
    let ticks = ["0.0", "0.5", "1.0"];
    axes(out, (ticks, x_title), (ticks, y_title));
}

/// Axes of a unit square plot with these labels of the ticks at 0, 0.5 and 1 (those at the
/// ends of the x axis run inward from them, so that a long one stays inside the chart) and
/// these axis titles.
pub(super) fn axes(out: &mut String, x: ([&str; 3], &str), y: ([&str; 3], &str)) {
    let (x0, y0, x1, y1) = (L, H - B, W - R, T);
    let _ = write!(
        out,
        "<path d=\"M{x0:.1} {y1:.1}V{y0:.1}H{x1:.1}\" stroke=\"#333\" fill=\"none\"/>"
    );
    for (i, t) in [0.0, 0.5, 1.0].into_iter().enumerate() {
        let anchor = match (i, x.0[i].len() > 4) {
            (0, true) => "start",
            (2, true) => "end",
            _ => "middle",
        };
        text(out, x0 + t * (x1 - x0), y0 + 14.0, anchor, x.0[i]);
        text(out, x0 - 6.0, y0 - t * (y0 - y1) + 4.0, "end", y.0[i]);
    }
    text(out, (x0 + x1) / 2.0, H - 6.0, "middle", x.1);
    let _ = write!(
        out,
        "<text x=\"12\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">{}</text>",
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0,
        escape(y.1)
    );
}

pub(super) fn px(t: f64) -> f64 {
    L + t.clamp(0.0, 1.0) * (W - R - L)
}

pub(super) fn py(t: f64) -> f64 {
    (H - B) - t.clamp(0.0, 1.0) * (H - B - T)
}

/// Confusion matrix as a heatmap: shade = share of the gold row, text = count.
pub(crate) fn confusion_heatmap(c: &Confusion, title: &str) -> String {
    let mut out = String::new();
    open(&mut out, "confusion", title);
    let cell = 66.0;
    let (x0, y0) = (86.0, 24.0);
    for (i, row) in c.0.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (j, &v) in row.iter().enumerate() {
            let share = if total > 0 {
                v as f64 / total as f64
            } else {
                0.0
            };
            let (x, y) = (x0 + j as f64 * cell, y0 + i as f64 * cell);
            let _ = write!(
                out,
                "<rect class=\"mark\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell}\" height=\"{cell}\" fill=\"#1f5fa8\" fill-opacity=\"{:.3}\" stroke=\"#fff\"/>",
                0.08 + 0.92 * share
            );
            let colour = if share > 0.55 { "#fff" } else { "#111" };
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{colour}\" font-size=\"13\">{v}</text>",
                x + cell / 2.0,
                y + cell / 2.0 + 5.0
            );
        }
        text(
            &mut out,
            x0 - 6.0,
            y0 + i as f64 * cell + cell / 2.0 + 4.0,
            "end",
            LABELS[i],
        );
        text(
            &mut out,
            x0 + i as f64 * cell + cell / 2.0,
            y0 + 3.0 * cell + 14.0,
            "middle",
            LABELS[i],
        );
    }
    text(&mut out, x0 + 1.5 * cell, H - 6.0, "middle", "predicted");
    text(&mut out, 14.0, y0 - 8.0, "start", "gold ↓");
    out.push_str("</svg>");
    out
}

/// Reliability diagram: observed share of gold-high against mean p = score/100 per bin,
/// with the diagonal of perfect calibration; point area grows with the bin's count.
pub(crate) fn reliability_diagram(r: &Reliability, title: &str) -> String {
    let mut out = String::new();
    open(&mut out, "reliability", title);
    unit_axes(&mut out, "mean p = score / 100", "observed share high");
    let _ = write!(
        out,
        "<path d=\"M{:.1} {:.1}L{:.1} {:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
        px(0.0),
        py(0.0),
        px(1.0),
        py(1.0)
    );
    let max = r.rows.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let pts: Vec<(f64, f64, u64)> = r
        .rows
        .iter()
        .filter_map(|b| Some((b.mean_predicted?, b.observed?, b.count)))
        .collect();
    if pts.len() > 1 {
        let d: Vec<String> = pts
            .iter()
            .map(|(x, y, _)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = write!(
            out,
            "<polyline class=\"mark\" points=\"{}\" fill=\"none\" stroke=\"#1f77b4\"/>",
            d.join(" ")
        );
    }
    for (x, y, n) in &pts {
        let radius = 2.5 + 4.5 * (*n as f64 / max).sqrt();
        let _ = write!(
            out,
            "<circle class=\"mark\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius:.1}\" fill=\"#1f77b4\" fill-opacity=\"0.7\"><title>n = {n}</title></circle>",
            px(*x),
            py(*y)
        );
    }
    close_plot(out, pts.is_empty())
}

/// Score distribution: stacked bars of parsed scores per 10-point band, by gold label.
pub(crate) fn score_distribution(bins: &[HistogramBin], title: &str) -> String {
    let mut out = String::new();
    open(&mut out, "scores", title);
    let max = bins
        .iter()
        .map(|b| b.low + b.medium + b.high)
        .max()
        .unwrap_or(0);
    let (x0, y0, x1, y1) = (L, H - B, W - R, T);
    let _ = write!(
        out,
        "<path d=\"M{x0:.1} {y1:.1}V{y0:.1}H{x1:.1}\" stroke=\"#333\" fill=\"none\"/>"
    );
    text(&mut out, x0 - 6.0, y1 + 8.0, "end", &max.to_string());
    text(&mut out, x0 - 6.0, y0, "end", "0");
    let bw = (x1 - x0) / bins.len().max(1) as f64;
    for (k, b) in bins.iter().enumerate() {
        let mut base = y0;
        for (c, v) in [b.low, b.medium, b.high].into_iter().enumerate() {
            if v == 0 || max == 0 {
                continue;
            }
            let h = v as f64 / max as f64 * (y0 - y1);
            let _ = write!(
                out,
                "<rect class=\"mark\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}–{}: {} gold {}</title></rect>",
                x0 + k as f64 * bw + 1.0,
                base - h,
                bw - 2.0,
                CLASS_COLOURS[c],
                b.lower,
                b.upper,
                v,
                LABELS[c]
            );
            base -= h;
        }
        if k % 2 == 0 {
            text(
                &mut out,
                x0 + k as f64 * bw,
                y0 + 14.0,
                "middle",
                &b.lower.to_string(),
            );
        }
    }
    text(&mut out, x1, y0 + 14.0, "middle", "100");
    for (c, label) in LABELS.iter().enumerate() {
        // 88 px apart: "gold medium" is about 62 px wide after its 14 px swatch.
        let x = x0 + 8.0 + c as f64 * 88.0;
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/>",
            H - 16.0,
            CLASS_COLOURS[c]
        );
        text(
            &mut out,
            x + 14.0,
            H - 7.0,
            "start",
            &format!("gold {label}"),
        );
    }
    close_plot(out, max == 0)
}

/// Cumulative gains: share of gold-high leads captured by the top x of the ranking, one
/// line per scorer, against the diagonal of a random ranking.
pub(crate) fn gains_curves(series: &[(&str, &[GainsRow])], title: &str) -> String {
    let mut out = String::new();
    let names: Vec<&str> = series.iter().map(|(id, _)| *id).collect();
    open_tall(&mut out, "gains", title, H + legend_height(&names));
    unit_axes(
        &mut out,
        "share of leads (by score)",
        "share of highs captured",
    );
    let _ = write!(
        out,
        "<path d=\"M{:.1} {:.1}L{:.1} {:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
        px(0.0),
        py(0.0),
        px(1.0),
        py(1.0)
    );
    let mut legend = Vec::new();
    for (k, (id, rows)) in series.iter().enumerate() {
        let colour = SERIES[k % SERIES.len()];
        legend.push((*id, colour, false));
        let total: u64 = rows.iter().map(|r| r.count).sum();
        if total == 0 {
            continue;
        }
        let mut pts = vec![format!("{:.1},{:.1}", px(0.0), py(0.0))];
        let mut seen = 0u64;
        for r in rows.iter() {
            seen += r.count;
            if let Some(c) = r.cumulative_capture {
                pts.push(format!(
                    "{:.1},{:.1}",
                    px(seen as f64 / total as f64),
                    py(c)
                ));
            }
        }
        let _ = write!(
            out,
            "<polyline class=\"mark\" points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\"><title>{}</title></polyline>",
            pts.join(" "),
            escape(id)
        );
    }
    legend_below(&mut out, &legend);
    out.push_str("</svg>");
    out
}

/// Capture curves: share of converters among the top share of leads worked, one line per
/// ranker (the oracle dashed), the random ranking as the diagonal, and the capacity marked.
pub(crate) fn capture_curves(
    series: &[(&str, &[CapturePoint])],
    capacity: f64,
    title: &str,
) -> String {
    let mut out = String::new();
    let names: Vec<&str> = series.iter().map(|(id, _)| *id).collect();
    open_tall(&mut out, "capture", title, H + legend_height(&names));
    unit_axes(
        &mut out,
        "share of leads worked (by score)",
        "share of converters",
    );
    let _ = write!(
        out,
        "<path d=\"M{:.1} {:.1}L{:.1} {:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"><title>random</title></path>",
        px(0.0),
        py(0.0),
        px(1.0),
        py(1.0)
    );
    let _ = write!(
        out,
        "<path d=\"M{x:.1} {:.1}V{:.1}\" stroke=\"#bbb\"><title>capacity</title></path>",
        py(0.0),
        py(1.0),
        x = px(capacity)
    );
    let mut legend = Vec::new();
    for (k, (id, points)) in series.iter().enumerate() {
        // Without a converter the shares are undefined: no line to draw.
        let pts: Vec<String> = points
            .iter()
            .filter_map(|p| {
                p.converters
                    .map(|c| format!("{:.1},{:.1}", px(p.worked), py(c)))
            })
            .collect();
        if pts.is_empty() {
            continue;
        }
        let colour = if *id == "oracle" {
            "#333"
        } else {
            SERIES[k % SERIES.len()]
        };
        let dash = if *id == "oracle" {
            " stroke-dasharray=\"2 2\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<polyline class=\"mark\" points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\"{dash}><title>{}</title></polyline>",
            pts.join(" "),
            escape(id)
        );
        legend.push((*id, colour, *id == "oracle"));
    }
    if legend.is_empty() && !series.is_empty() {
        text(
            &mut out,
            px(0.5),
            py(0.5),
            "middle",
            "no converters: no share to draw",
        );
    }
    legend_below(&mut out, &legend);
    close_plot(out, series.is_empty())
}

/// Conversion by score band of a recalibrated scorer: observed rate (dots, with Wilson
/// whiskers) against the band's mid-score read as a probability.
pub(crate) fn conversion_reliability(bands: &[BandRate], title: &str) -> String {
    let mut out = String::new();
    open(&mut out, "conversion-reliability", title);
    unit_axes(&mut out, "score / 100", "share that converted");
    let _ = write!(
        out,
        "<path d=\"M{:.1} {:.1}L{:.1} {:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
        px(0.0),
        py(0.0),
        px(1.0),
        py(1.0)
    );
    let mut drawn = 0;
    for (i, b) in bands.iter().enumerate() {
        let (Some(rate), Some(lo), Some(hi)) = (b.rate.rate, b.rate.ci_low, b.rate.ci_high) else {
            continue;
        };
        let x = px((i as f64 * 10.0 + 5.0) / 100.0);
        let _ = write!(
            out,
            "<path d=\"M{x:.1} {:.1}V{:.1}\" stroke=\"#1f77b4\"/><circle class=\"mark\" cx=\"{x:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1f77b4\"><title>{}: {} of {} converted</title></circle>",
            py(lo),
            py(hi),
            py(rate),
            escape(&b.rate.group),
            b.rate.converted,
            b.rate.n
        );
        drawn += 1;
    }
    close_plot(out, drawn == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{GainsRow, ReliabilityBin};

    #[test]
    fn charts_draw_marks_and_escape_titles() {
        let c = Confusion([[5, 1, 0], [2, 6, 1], [0, 1, 4]]);
        let svg = confusion_heatmap(&c, "a<b");
        assert_eq!(svg.matches("class=\"mark\"").count(), 9);
        assert!(svg.contains("<title>a&lt;b</title>"));
        let r = Reliability {
            bins: 2,
            rows: vec![
                ReliabilityBin {
                    lower: 0.0,
                    upper: 0.5,
                    count: 3,
                    mean_predicted: Some(0.2),
                    observed: Some(0.1),
                },
                ReliabilityBin {
                    lower: 0.5,
                    upper: 1.0,
                    count: 0,
                    mean_predicted: None,
                    observed: None,
                },
            ],
        };
        let svg = reliability_diagram(&r, "r");
        assert_eq!(svg.matches("<circle class=\"mark\"").count(), 1);
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn legends_keep_whole_names_below_the_plot() {
        let long = "20261205T180604Z-default:llm/smollm2-135m/zero_shot";
        let lines = legend_lines(long);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= LEGEND_CHARS));
        assert_eq!(lines.concat(), long);
        assert_eq!(legend_lines("heuristic"), vec!["heuristic".to_string()]);
        let unbroken = "x".repeat(100);
        assert_eq!(legend_lines(&unbroken).concat(), unbroken);
        let rows = [GainsRow {
            decile: 1,
            count: 4,
            high: 2,
            share_high: Some(0.5),
            lift: Some(1.0),
            cumulative_capture: Some(1.0),
        }];
        let svg = gains_curves(&[(long, &rows[..]), ("learned", &rows[..])], "g");
        assert!(svg.contains(&format!("<title>{long}</title>")));
        for line in &lines {
            assert!(svg.contains(&format!(">{line}</tspan>")), "{svg}");
        }
        // The legend starts below the plot: the chart is taller than the plot.
        assert!(svg.contains(&format!(
            "height=\"{}\"",
            H + legend_height(&[long, "learned"])
        )));
    }
}
