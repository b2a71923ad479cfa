//! `bench show RUN_DIR LEAD_ID`: one lead of a run (its fields and whole message) and every
//! scorer's answer on it (label, score, status, and the justification, error or raw answer),
//! for people who read runs in the terminal.

use crate::Error;
use crate::cli::ShowArgs;
use crate::evaluate::{ShownAnswer, show_lead, size_band};
use crate::lead::{Enrichment, Lead};
use crate::prediction::Prediction;

pub(crate) fn run(args: &ShowArgs) -> Result<(), Error> {
    let Some(shown) = show_lead(&args.run_dir, &args.lead_id)? else {
        return Err(Error::Usage(format!(
            "{}: no lead `{}` in the run's dataset.csv",
            args.run_dir.display(),
            args.lead_id
        )));
    };
    let mut out = lead_text(&shown.lead);
    for a in &shown.answers {
        out.push_str(&answer_text(a));
    }
    print!("{}", terminal_safe(&out));
    Ok(())
}

/// Text for a terminal: control characters other than newline and tab (an escape sequence a
/// lead's message or a model's answer could carry) are shown as U+FFFD.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

fn or_unknown(s: &str) -> &str {
    if s.trim().is_empty() { "unknown" } else { s }
}

fn lead_text(l: &Lead) -> String {
    let mut out = format!("lead {}\n", l.lead_id);
    let size = l.company_size.map_or_else(
        || "unknown".to_string(),
        |n| format!("{n} ({})", size_band(Some(n))),
    );
    let gold = match &l.gold {
        Some(g) => match g.score {
            Some(s) => format!("{} ({s})", g.label),
            None => g.label.to_string(),
        },
        None => "none".to_string(),
    };
    let converted = match l.outcome.converted {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    let fields = [
        ("company", or_unknown(&l.company_name).to_string()),
        ("domain", or_unknown(&l.domain).to_string()),
        ("industry", or_unknown(&l.industry).to_string()),
        ("size", size),
        ("job title", or_unknown(&l.job_title).to_string()),
        (
            "seniority",
            l.seniority.map_or("unknown", |s| s.as_str()).to_string(),
        ),
        ("source", l.source.as_str().to_string()),
        (
            "archetype",
            or_unknown(l.meta.archetype.as_deref().unwrap_or("")).to_string(),
        ),
        (
            "difficulty",
            l.meta
                .difficulty
                .map_or("unknown", |d| d.as_str())
                .to_string(),
        ),
        (
            "split",
            l.meta.split.map_or("none", |s| s.as_str()).to_string(),
        ),
        ("gold", gold),
        ("converted", converted.to_string()),
        (
            "deal value",
            l.outcome
                .deal_value
                .map_or_else(|| "—".to_string(), |v| v.to_string()),
        ),
    ];
    for (name, value) in fields.into_iter().chain(enrichment_fields(&l.enrichment)) {
        out.push_str(&format!("  {name:<11} {value}\n"));
    }
    out.push_str("message:\n");
    out.push_str(&indent(&l.inbound_message));
    out
}

/// The firmographic enrichment of an enriched lead, field by field (`unknown` where the
/// vendor matched nothing); nothing for a lead without any.
fn enrichment_fields(e: &Enrichment) -> Vec<(&'static str, String)> {
    if e.is_empty() {
        return Vec::new();
    }
    let known = |v: Option<String>| v.unwrap_or_else(|| "unknown".to_string());
    vec![
        ("revenue", known(e.revenue_band.map(|b| b.to_string()))),
        (
            "hq country",
            known(e.hq_country.as_deref().map(str::to_string)),
        ),
        ("funding", known(e.funding_stage.map(|f| f.to_string()))),
        (
            "tech stack",
            known((!e.tech_stack.is_empty()).then(|| e.tech_stack.join(", "))),
        ),
        (
            "growth",
            known(
                e.employee_growth_pct
                    .map(|g| format!("{g:+} % head count in a year")),
            ),
        ),
    ]
}

fn answer_text(a: &ShownAnswer) -> String {
    let mut out = format!("\n{}\n", a.scorer);
    if a.predictions.is_empty() {
        out.push_str(if a.sampled {
            "  not asked (the scorer was asked about a sample of the leads)\n"
        } else {
            "  missing: no prediction for this lead\n"
        });
        return out;
    }
    let repeats = a.predictions.len() > 1;
    for p in &a.predictions {
        out.push_str(&prediction_text(p, repeats));
    }
    out
}

fn prediction_text(p: &Prediction, repeats: bool) -> String {
    let mut out = String::new();
    let head = match p.parsed() {
        Some((label, score)) => format!("{label} {score}, {}", p.status),
        None => p.status.to_string(),
    };
    if repeats {
        out.push_str(&format!("  repeat {}: {head}\n", p.repeat));
    } else {
        out.push_str(&format!("  {head}\n"));
    }
    let parts = [
        ("justification", &p.justification),
        ("error", &p.error),
        ("raw answer", &p.raw_response),
    ];
    for (name, text) in parts {
        // A parsed answer's raw text repeats its justification: shown for unparsed ones.
        if text.is_empty() || (name == "raw answer" && p.parsed().is_some()) {
            continue;
        }
        out.push_str(&format!("  {name}:\n"));
        out.push_str(&indent(text));
    }
    out
}

/// Each line of `text` indented by four spaces, ending with a newline.
fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_do_not_reach_the_terminal() {
        assert_eq!(terminal_safe("a\u{1b}[31mb\nc\td"), "a\u{fffd}[31mb\nc\td");
    }
}
