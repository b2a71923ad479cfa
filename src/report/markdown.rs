//! Renders a [`Document`] as GitHub-flavoured Markdown (charts are left out: `report.html`
//! has them).

use super::table::{Block, Document, Table};

/// The document as Markdown.
pub(crate) fn render(doc: &Document) -> String {
    let mut out = format!("# {}\n", inline(&doc.title));
    for block in &doc.blocks {
        out.push('\n');
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from((*level).clamp(2, 6))));
                out.push(' ');
                out.push_str(&inline(text));
                out.push('\n');
            }
            Block::Paragraph(text) => {
                out.push_str(&inline(text));
                out.push('\n');
            }
            Block::List(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(&inline(&item.replace('\n', " ")));
                    out.push('\n');
                }
            }
            Block::Table(t) => table(t, &mut out),
            Block::Glossary(terms) => {
                for (term, definition) in terms {
                    out.push_str(&format!("- **{}**: {}\n", inline(term), inline(definition)));
                }
            }
            Block::Explorer(data) => out.push_str(&super::explorer::markdown_line(data)),
            Block::Charts(charts) => {
                // Keep the reader oriented: say what the HTML report shows here.
                let names: Vec<&str> = charts.iter().map(|c| c.caption.as_str()).collect();
                out.push_str(&format!(
                    "*Charts in the HTML version: {}.*\n",
                    names.join("; ")
                ));
            }
        }
    }
    out
}

fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|").replace('\n', " ")
}

/// Text as Markdown, with what dataset values could smuggle in made inert: outside `code`
/// spans (where Markdown interprets nothing), a `<` that could open an HTML tag, comment or
/// autolink becomes `&lt;`, and the `](` / `][` of a link become `\](` / `\][`. Everything
/// else, `p < 0.05` and `[0.71, 0.80]` included, is left as it reads.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part);
            continue;
        }
        let mut chars = part.chars().peekable();
        while let Some(c) = chars.next() {
            let next = chars.peek().copied();
            match (c, next) {
                ('<', Some(n)) if n.is_ascii_alphabetic() || "/!?".contains(n) => {
                    out.push_str("&lt;")
                }
                (']', Some('(' | '[')) => out.push_str("\\]"),
                _ => out.push(c),
            }
        }
    }
    out
}

fn table(t: &Table, out: &mut String) {
    out.push('|');
    for h in &t.headers {
        out.push(' ');
        out.push_str(&cell(h));
        out.push_str(" |");
    }
    out.push_str("\n|");
    for i in 0..t.headers.len() {
        out.push_str(if t.is_numeric(i) { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in &t.rows {
        out.push('|');
        for c in row {
            out.push(' ');
            out.push_str(&cell(c));
            out.push_str(" |");
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::table::Chart;

    #[test]
    fn tables_escape_pipes_and_align_numbers_right() {
        let mut t = Table::new(&["scorer", "accuracy"]);
        t.row(vec!["a|b".into(), "0.5".into()]);
        let doc = Document {
            title: "T".into(),
            blocks: vec![
                Block::Table(t),
                Block::Charts(vec![Chart {
                    caption: "c".into(),
                    svg: "<svg/>".into(),
                }]),
            ],
        };
        let md = render(&doc);
        assert!(
            md.contains("| scorer | accuracy |\n|---|---:|\n| a\\|b | 0.5 |"),
            "{md}"
        );
        assert!(!md.contains("<svg"));
    }

    #[test]
    fn dataset_values_cannot_inject_html_or_links() {
        assert_eq!(
            inline("<script>alert(1)</script> and [x](javascript:y) <!-- c -->"),
            "&lt;script>alert(1)&lt;/script> and [x\\](javascript:y) &lt;!-- c -->"
        );
        assert_eq!(
            inline("p < 0.05, <0.001, [0.71, 0.80]"),
            "p < 0.05, <0.001, [0.71, 0.80]"
        );
        assert_eq!(inline("`<b>` stays code"), "`<b>` stays code");
        assert_eq!(cell("a|<img src=x>"), "a\\|&lt;img src=x>");
    }
}
