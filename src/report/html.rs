//! Renders a [`Document`] as one self-contained HTML page: inline CSS, inline SVG charts,
//! the lead explorer's inline data and script; no script, font or anything else fetched
//! over the network.

use std::collections::HashMap;

use super::table::{Block, Document, Table, header_term};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d2330;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d6dae2;padding-bottom:.2rem}h3{margin-top:1.6rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.86rem;display:block;overflow-x:auto}
th,td{border:1px solid #d6dae2;padding:.25rem .5rem;text-align:left;white-space:nowrap}
th{background:#f1f3f7}.num{text-align:right}
tr:nth-child(even) td{background:#fafbfc}code{background:#f1f3f7;padding:0 .2rem;border-radius:3px}
td code{white-space:normal}
.charts{display:flex;flex-wrap:wrap;gap:1rem;margin:.6rem 0 1rem}
figure{margin:0;border:1px solid #e3e6ec;border-radius:6px;padding:.4rem}
figcaption{font-size:.8rem;color:#4a5263;text-align:center}
th[title]{text-decoration:underline dotted;cursor:help}
.glossary dt{font-weight:600;margin-top:.4rem}.glossary dd{margin:0 0 0 1.2rem}";

/// The document as a complete HTML page.
pub(crate) fn render(doc: &Document) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&doc.title)));
    out.push_str(&format!("<style>\n{STYLE}\n</style>\n</head>\n<body>\n"));
    out.push_str(&format!("<h1>{}</h1>\n", inline(&doc.title)));
    let definitions: HashMap<&str, &str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Glossary(terms) => Some(terms),
            _ => None,
        })
        .flatten()
        .map(|(t, d)| (t.as_str(), d.as_str()))
        .collect();
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => {
                let l = (*level).clamp(2, 6);
                out.push_str(&format!("<h{l}>{}</h{l}>\n", inline(text)));
            }
            Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", inline(text))),
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", inline(item)));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(t) => table(t, &definitions, &mut out),
            Block::Glossary(terms) => {
                out.push_str("<dl class=\"glossary\">\n");
                for (term, definition) in terms {
                    out.push_str(&format!(
                        "<dt>{}</dt><dd>{}</dd>\n",
                        inline(term),
                        inline(definition)
                    ));
                }
                out.push_str("</dl>\n");
            }
            Block::Explorer(data) => out.push_str(&super::explorer::render(data)),
            Block::Charts(charts) => {
                out.push_str("<div class=\"charts\">\n");
                for c in charts {
                    out.push_str("<figure>\n");
                    out.push_str(&c.svg);
                    out.push_str(&format!(
                        "\n<figcaption>{}</figcaption>\n</figure>\n",
                        inline(&c.caption)
                    ));
                }
                out.push_str("</div>\n");
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn table(t: &Table, definitions: &HashMap<&str, &str>, out: &mut String) {
    out.push_str("<table>\n<thead><tr>");
    let numeric: Vec<bool> = (0..t.headers.len()).map(|j| t.is_numeric(j)).collect();
    let class = |j: usize| {
        if numeric.get(j).copied().unwrap_or(false) {
            " class=\"num\""
        } else {
            ""
        }
    };
    for (j, h) in t.headers.iter().enumerate() {
        let title = match definitions.get(header_term(h)) {
            Some(d) => format!(" title=\"{}\"", escape(d)),
            None => String::new(),
        };
        out.push_str(&format!("<th{}{title}>{}</th>", class(j), inline(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (j, c) in row.iter().enumerate() {
            out.push_str(&format!("<td{}>{}</td>", class(j), inline(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Escapes text for HTML content and attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with `code` spans and **bold** turned into tags.
fn inline(s: &str) -> String {
    let escaped = escape(s);
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            // A long scorer id (`llm/<model>/<prompt>`) may break after a slash, so that a
            // table wraps it rather than scrolling sideways.
            out.push_str(&format!("<code>{}</code>", part.replace('/', "/<wbr>")));
        } else {
            for (j, p) in part.split("**").enumerate() {
                if j % 2 == 1 {
                    out.push_str(&format!("<strong>{p}</strong>"));
                } else {
                    out.push_str(p);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_code_spans_become_tags() {
        assert_eq!(
            inline("a <b> `x&y` **z**"),
            "a &lt;b&gt; <code>x&amp;y</code> <strong>z</strong>"
        );
        let doc = Document {
            title: "run <1>".into(),
            blocks: vec![Block::Paragraph("p".into())],
        };
        let html = render(&doc);
        assert!(html.contains("<title>run &lt;1&gt;</title>"));
        assert_eq!(inline("`llm/m/p`"), "<code>llm/<wbr>m/<wbr>p</code>");
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
