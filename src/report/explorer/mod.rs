//! The lead explorer as HTML: a section holding the leads as JSON (in a
//! `<script type="application/json">` block, escaped so that no text can close it) and one
//! inline plain-JavaScript block (`explorer.js`) that builds the filters, the table and the
//! detail panel from it with `textContent` only. Markdown shows one line instead.

use serde_json::{Value, json};

use crate::evaluate::{ExplorerAnswer, ExplorerData, ExplorerLead, MAX_EXPLORER_LEADS};
use crate::prediction::Status;

/// The script, inlined into every report that has an explorer.
const SCRIPT: &str = include_str!("../explorer.js");

const STYLE: &str = ".ex-filters{display:flex;flex-wrap:wrap;gap:.4rem .9rem;align-items:end;margin:.6rem 0}
.ex-control{display:flex;flex-direction:column;font-size:.78rem;color:#4a5263}
.ex-control select,.ex-control input{font-size:.85rem;max-width:22rem}
.ex-count{font-weight:600}.ex-sample{color:#7a4b00}
.ex-table{max-height:36rem;overflow:auto;border:1px solid #e3e6ec}
.ex-table table{display:table;margin:0}.ex-table th{position:sticky;top:0;cursor:pointer}
#explorer-rows tr{cursor:pointer}#explorer-rows tr:hover td{background:#eef3ff}
td.ex-parse_error,td.ex-parse-error,td.ex-invalid,td.ex-truncated,td.ex-refused,td.ex-api-error,td.ex-timeout,td.ex-skipped,td.ex-missing{color:#a0281e}
td.ex-not-asked{color:#8a90a0}
.ex-detail{border:1px solid #c9d2e3;border-radius:6px;padding:.6rem .9rem;margin:.6rem 0;background:#fbfcfe}
.ex-detail-head{display:flex;justify-content:space-between;align-items:center}
.ex-fields{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;font-size:.85rem}
.ex-fields dt{color:#4a5263}.ex-fields dd{margin:0}
.ex-text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.86rem;background:#fff;border:1px solid #e3e6ec;border-radius:4px;padding:.3rem .5rem;max-height:18rem;overflow:auto}
.ex-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.6rem}
.ex-card{border:1px solid #e3e6ec;border-radius:6px;padding:.4rem .6rem;background:#fff}
.ex-card h4{margin:.1rem 0;font-size:.85rem;overflow-wrap:anywhere}.ex-card h5{margin:.4rem 0 .1rem;font-size:.78rem;color:#4a5263}
.ex-answer{margin:.2rem 0;font-weight:600}.ex-note{color:#6b7280;font-size:.8rem}";

/// The statuses an answer's first cell indexes: every [`Status`], then `missing` (no
/// prediction) and `not asked` (a sampled scorer, another lead).
fn statuses() -> Vec<&'static str> {
    let mut s: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    s.extend(["missing", "not asked"]);
    s
}

/// The explorer's section, ready to go into the page's body.
pub(crate) fn render(data: &ExplorerData) -> String {
    let json = script_safe(&wire(data).to_string());
    let mut out = String::with_capacity(json.len() + SCRIPT.len() + 4096);
    out.push_str(&format!(
        "<section id=\"explorer\" class=\"explorer\" data-evaluated=\"{}\" data-held=\"{}\">\n",
        data.n_evaluated,
        data.leads.len()
    ));
    out.push_str(&format!("<style>\n{STYLE}\n</style>\n"));
    out.push_str(
        "<noscript><p>The lead explorer needs JavaScript; predictions.jsonl holds every answer, \
         and <code>bench show RUN_DIR LEAD_ID</code> prints one lead.</p></noscript>\n",
    );
    out.push_str("<script type=\"application/json\" id=\"explorer-data\">");
    out.push_str(&json);
    out.push_str("</script>\n<div id=\"explorer-app\"></div>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</section>\n");
    out
}

/// The one line Markdown shows in the explorer's place.
pub(crate) fn markdown_line(data: &ExplorerData) -> String {
    let held = if data.leads.len() < data.n_evaluated {
        format!(
            "a sample of {} of the {} evaluated leads (above {MAX_EXPLORER_LEADS}, every disagreement first)",
            data.leads.len(),
            data.n_evaluated
        )
    } else {
        format!("all {} evaluated leads", data.n_evaluated)
    };
    if data.comparison {
        return format!(
            "*The lead explorer of the two runs (each shared lead, every scorer's answer in both runs side by side: label A → label B and both justifications, with a filter per scorer of the leads that changed) is in compare.html: {} shared leads.*\n",
            data.leads.len()
        );
    }
    format!(
        "*The lead explorer (each lead's fields and message, every scorer's label, score, status and justification, with filters) is in report.html: {held}. predictions.jsonl holds every answer; `bench show RUN_DIR LEAD_ID` prints one lead.*\n"
    )
}

/// JSON text made safe inside a `<script>` element: `<`, `>` and `&` (which could close
/// the element or open a comment) and U+2028/U+2029 are written as `\u` escapes, which
/// JSON reads back as the same characters. They can only occur inside strings.
pub(crate) fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The data as `explorer.js` reads it: compact arrays, each answer text once in `texts`.
///
/// A lead: `[id, company, job title, size band, seniority, source, archetype, difficulty,
/// gold label (0 low, 1 medium, 2 high, or null), gold score, converted, deal value,
/// message, answers]`; an answer: `[status, label, score, inside cut (1/0/null),
/// justification, error, raw]` (texts as indexes into `texts`), trailing nulls left off.
fn wire(data: &ExplorerData) -> Value {
    let statuses = statuses();
    let mut texts = Texts::default();
    let leads: Vec<Value> = data
        .leads
        .iter()
        .map(|l| lead(l, &statuses, &mut texts))
        .collect();
    json!({
        "run": data.run_id,
        "scorers": data.scorers,
        "sampled": data.sampled,
        "capacity": data.capacity,
        "n_evaluated": data.n_evaluated,
        "sample": data.sample,
        "statuses": statuses,
        "marks": data.marks.iter().map(|m| json!({"name": m.name, "leads": m.leads})).collect::<Vec<_>>(),
        "texts": texts.list,
        "leads": leads,
    })
}

fn lead(l: &ExplorerLead, statuses: &[&str], texts: &mut Texts) -> Value {
    let answers: Vec<Value> = l
        .answers
        .iter()
        .map(|a| answer(a, statuses, texts))
        .collect();
    json!([
        l.lead_id,
        l.company,
        l.job_title,
        l.size_band,
        l.seniority,
        l.source,
        l.archetype,
        l.difficulty,
        l.gold_label.map(|g| g.index()),
        l.gold_score,
        l.converted,
        l.deal_value,
        l.message,
        answers,
        (!l.enrichment.is_empty()).then_some(&l.enrichment),
    ])
}

fn answer(a: &ExplorerAnswer, statuses: &[&str], texts: &mut Texts) -> Value {
    let status = match (a.asked, a.status) {
        (false, _) => "not asked",
        (true, None) => "missing",
        (true, Some(s)) => s.as_str(),
    };
    let code = statuses.iter().position(|s| *s == status).unwrap_or(0);
    let mut cells = vec![
        json!(code),
        json!(a.parsed.map(|p| p.0.index())),
        json!(a.parsed.map(|p| p.1)),
        json!(a.inside_cut.map(u8::from)),
        json!(texts.index(&a.justification)),
        json!(texts.index(&a.error)),
        json!(texts.index(&a.raw)),
    ];
    while cells.len() > 1 && cells.last().is_some_and(Value::is_null) {
        cells.pop();
    }
    Value::Array(cells)
}

/// Answer texts, each kept once (a heuristic's justification repeats across leads).
#[derive(Default)]
struct Texts {
    list: Vec<String>,
    at: std::collections::HashMap<String, usize>,
}

impl Texts {
    /// The index of `text`, or `None` for an empty text.
    fn index(&mut self, text: &str) -> Option<usize> {
        if text.is_empty() {
            return None;
        }
        if let Some(&i) = self.at.get(text) {
            return Some(i);
        }
        self.list.push(text.to_string());
        self.at.insert(text.to_string(), self.list.len() - 1);
        Some(self.list.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::Label;

    fn data(message: &str, justification: &str) -> ExplorerData {
        let answer = ExplorerAnswer {
            asked: true,
            status: Some(Status::Ok),
            parsed: Some((Label::High, 80)),
            inside_cut: Some(true),
            justification: justification.into(),
            ..ExplorerAnswer::default()
        };
        ExplorerData {
            run_id: "r".into(),
            comparison: false,
            scorers: vec!["heuristic".into(), "llm/m/p".into()],
            sampled: vec![false, true],
            capacity: vec![Some(1), Some(1)],
            n_evaluated: 1,
            sample: None,
            leads: vec![ExplorerLead {
                lead_id: "L1".into(),
                company: "Acme".into(),
                job_title: "CTO".into(),
                size_band: "51-200".into(),
                seniority: "c-suite".into(),
                source: "blog".into(),
                archetype: "enterprise_buyer".into(),
                difficulty: "easy".into(),
                gold_label: Some(Label::High),
                gold_score: Some(90),
                converted: Some(true),
                deal_value: Some(1000.0),
                message: message.into(),
                enrichment: String::new(),
                answers: vec![answer, ExplorerAnswer::default()],
            }],
            marks: Vec::new(),
        }
    }

    #[test]
    fn no_text_can_close_the_data_block_or_open_a_tag() {
        let evil =
            "</script><script>window.pwned=1</script><img src=x onerror=alert(1)> & \u{2028}";
        let html = render(&data(evil, evil));
        let start = html.find("id=\"explorer-data\">").expect("data block") + 19;
        let end = start
            + html[start..]
                .find("</script>")
                .expect("end of the data block");
        let block = &html[start..end];
        assert!(!block.contains('<') && !block.contains('>') && !block.contains('&'));
        assert!(!block.contains('\u{2028}'));
        let back: Value = serde_json::from_str(block).expect("the block is JSON");
        assert_eq!(back["leads"][0][12], evil);
        assert_eq!(back["texts"][0], evil);
        // The second scorer was not asked: its answer is the status alone.
        let not_asked = Status::ALL.len() + 1;
        assert_eq!(back["leads"][0][13][1], json!([not_asked]));
        assert_eq!(back["statuses"][not_asked], "not asked");
        assert_eq!(back["leads"][0][13][0], json!([0, 2, 80, 1, 0]));
    }

    #[test]
    fn the_script_builds_nodes_as_text_and_fetches_nothing() {
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "eval(",
            "Function(",
            "fetch(",
            "XMLHttpRequest",
            "document.write",
            "http",
        ] {
            assert!(!SCRIPT.contains(banned), "explorer.js uses {banned}");
        }
        assert!(!SCRIPT.contains("</script"));
    }
}
