//! The document model every report format renders: headings, paragraphs, lists, tables
//! and charts, plus the number formatting all formats share (so Markdown and HTML show
//! the same figures).

use crate::evaluate::ExplorerData;
use crate::metrics::Estimate;

/// What undefined values render as; the reports explain it in a footnote.
pub const UNDEFINED: &str = "—";

/// A report: a title and its blocks in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// One piece of a report. Text may hold `code` spans in backticks.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 2 or 3 (the title is level 1).
    Heading(u8, String),
    Paragraph(String),
    List(Vec<String>),
    Table(Table),
    /// SVG charts shown side by side; formats without graphics skip them.
    Charts(Vec<Chart>),
    /// Terms and their one-line definitions. In HTML, every table header whose name (the
    /// header before any ` [`) is a term here shows the definition on hover.
    Glossary(Vec<(String, String)>),
    /// The lead explorer: every evaluated lead, filterable, with each scorer's answer. HTML
    /// shows it (inline data and script); Markdown shows one line pointing to report.html.
    Explorer(Box<ExplorerData>),
}

/// The name of a column header a glossary defines: the header before any ` [`
/// (`strict accuracy [95 % CI]` → `strict accuracy`).
pub fn header_term(header: &str) -> &str {
    header.split(" [").next().unwrap_or(header).trim()
}

/// A table of preformatted cells; columns of figures are right-aligned, text left.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Whether column `j` holds figures (right-aligned): every cell is a number, a
    /// percentage, a cost, a p-value or undefined.
    pub fn is_numeric(&self, j: usize) -> bool {
        j > 0
            && self.rows.iter().all(|r| {
                r.get(j).is_none_or(|c| {
                    c.is_empty()
                        || c.starts_with(|ch: char| {
                            ch.is_ascii_digit() || matches!(ch, '-' | '$' | '<' | '—')
                        })
                })
            })
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    /// The table as aligned plain text for a terminal, two spaces between columns, figures
    /// right-aligned.
    pub fn to_text(&self) -> String {
        let width = |j: usize| {
            let cells = self.rows.iter().filter_map(|r| r.get(j));
            std::iter::once(&self.headers[j])
                .chain(cells)
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.headers.len()).map(width).collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let pad = " ".repeat(widths[j].saturating_sub(c.chars().count()));
                    if self.is_numeric(j) {
                        format!("{pad}{c}")
                    } else {
                        format!("{c}{pad}")
                    }
                })
                .collect();
            format!("{}\n", padded.join("  ").trim_end())
        };
        std::iter::once(&self.headers)
            .chain(&self.rows)
            .map(|r| line(r))
            .collect()
    }
}

/// One chart: a caption and a complete `<svg>` element.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub caption: String,
    pub svg: String,
}

/// `v` with `decimals` places, never `-0.0`: a value that rounds to zero is written
/// without a sign (`-3.5e-18` and `-0.0004` at three places are `0.000`).
pub fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

/// A number with `decimals` places, or [`UNDEFINED`].
pub fn num(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => fixed(v, decimals),
        _ => UNDEFINED.to_string(),
    }
}

/// A share as a percentage with one decimal, or [`UNDEFINED`].
pub fn pct(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{} %", fixed(v * 100.0, 1)),
        _ => UNDEFINED.to_string(),
    }
}

/// A share with its interval, in percent: `42.0 % [30.1, 55.2]`; the value alone without
/// an interval.
pub fn share(e: &Estimate) -> String {
    let scaled = Estimate {
        value: e.value.map(|v| v * 100.0),
        ci_low: e.ci_low.map(|v| v * 100.0),
        ci_high: e.ci_high.map(|v| v * 100.0),
    };
    match (scaled.value, scaled.ci_low, scaled.ci_high) {
        (Some(v), Some(lo), Some(hi)) => {
            format!("{} % [{}, {}]", fixed(v, 1), fixed(lo, 1), fixed(hi, 1))
        }
        (Some(v), _, _) => format!("{} %", fixed(v, 1)),
        _ => UNDEFINED.to_string(),
    }
}

/// A difference of two shares in percentage points with its interval:
/// `+5.0 points [-2.1, +12.0]` (a difference that rounds to zero reads `0.0`); `None` when
/// undefined.
pub fn points(e: &Estimate) -> Option<String> {
    let pts = |x: f64| match x * 100.0 {
        v if v.abs() < 0.05 => "0.0".to_string(),
        v => format!("{v:+.1}"),
    };
    match (e.value, e.ci_low, e.ci_high) {
        (Some(v), Some(lo), Some(hi)) => {
            Some(format!("{} points [{}, {}]", pts(v), pts(lo), pts(hi)))
        }
        (Some(v), _, _) => Some(format!("{} points", pts(v))),
        _ => None,
    }
}

/// A value with its interval: `0.812 [0.781, 0.840]`; the value alone when there is no
/// interval.
pub fn est(e: &Estimate, decimals: usize) -> String {
    match (e.value, e.ci_low, e.ci_high) {
        (Some(v), Some(lo), Some(hi)) => format!(
            "{} [{}, {}]",
            fixed(v, decimals),
            fixed(lo, decimals),
            fixed(hi, decimals)
        ),
        (v, _, _) => num(v, decimals),
    }
}

/// A p-value: three significant places, `< 0.001` below that.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        Some(v) if v.is_finite() && v < 0.001 => "< 0.001".to_string(),
        Some(v) if v.is_finite() => format!("{v:.3}"),
        _ => UNDEFINED.to_string(),
    }
}

/// A cost in USD with enough places for sub-cent figures.
pub fn usd(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("${v:.4}"),
        _ => UNDEFINED.to_string(),
    }
}

/// A count and its noun: `1 lead`, `38 leads`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An optional count.
pub fn count(x: Option<u64>) -> String {
    x.map_or_else(|| UNDEFINED.to_string(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_tables_align_figures_right_and_text_left() {
        let mut t = Table::new(&["scorer", "jobs"]);
        t.row(vec!["llm/a/p".into(), "5".into()]);
        t.row(vec!["b".into(), "120".into()]);
        assert_eq!(t.to_text(), "scorer   jobs\nllm/a/p     5\nb         120\n");
    }

    #[test]
    fn undefined_values_never_render_as_nan() {
        assert_eq!(num(None, 3), UNDEFINED);
        assert_eq!(num(Some(f64::NAN), 3), UNDEFINED);
        assert_eq!(pct(Some(f64::INFINITY)), UNDEFINED);
        assert_eq!(est(&Estimate::default(), 2), UNDEFINED);
        let e = Estimate {
            value: Some(0.8123),
            ci_low: Some(0.7),
            ci_high: Some(0.9),
        };
        assert_eq!(est(&e, 3), "0.812 [0.700, 0.900]");
        assert_eq!(p_value(Some(0.0001)), "< 0.001");
        assert_eq!(usd(Some(0.5)), "$0.5000");
    }

    #[test]
    fn a_value_that_rounds_to_zero_has_no_sign() {
        assert_eq!(fixed(-3.5e-18, 1), "0.0");
        assert_eq!(fixed(-0.0, 3), "0.000");
        assert_eq!(fixed(-0.0004, 3), "0.000");
        assert_eq!(fixed(-0.4, 0), "0");
        assert_eq!(fixed(-0.0005001, 3), "-0.001");
        assert_eq!(fixed(-12.5, 1), "-12.5");
        assert_eq!(pct(Some(-3.5e-20)), "0.0 %");
        let e = Estimate {
            value: Some(0.0),
            ci_low: Some(-3.5e-18),
            ci_high: Some(0.019),
        };
        assert_eq!(est(&e, 3), "0.000 [0.000, 0.019]");
    }
}
