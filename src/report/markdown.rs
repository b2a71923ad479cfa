//! Renders a [`Document`] as GitHub-flavoured Markdown (charts are left out: `report.html`
//! has them).

use super::table::{Block, Document, Table};

/// The document as Markdown.
pub(crate) fn render(doc: &Document) -> String {
    let mut out = format!("# {}\n", doc.title);
    for block in &doc.blocks {
        out.push('\n');
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from((*level).clamp(2, 6))));
                out.push(' ');
                out.push_str(text);
                out.push('\n');
            }
            Block::Paragraph(text) => {
                out.push_str(text);
                out.push('\n');
            }
            Block::List(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(item);
                    out.push('\n');
                }
            }
            Block::Table(t) => table(t, &mut out),
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
    text.replace('|', "\\|").replace('\n', " ")
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
}
