//! The plan of a run's LLM requests as text for a terminal (`bench plan`, and `bench run`
//! before it sends anything).

use crate::llm::{Basis, Plan};
use crate::report::{Table, UNDEFINED, usd};

/// The plan as text for a terminal: a table per scorer, one per model, and a total line.
pub fn plan_text(plan: &Plan) -> String {
    let mut scorers = Table::new(&[
        "scorer",
        "jobs",
        "cached",
        "to send",
        "prompt tokens",
        "completion tokens",
        "cost",
        "batch cost",
    ]);
    for s in &plan.scorers {
        let per_answer = if s.to_send > 0 {
            format!(
                " ({:.0} each, {})",
                s.completion_tokens as f64 / s.to_send as f64,
                basis(s.completion_basis, "cached answers")
            )
        } else {
            String::new()
        };
        let mut to_send = s.to_send.to_string();
        if s.unrendered > 0 {
            to_send.push_str(&format!(" (+{} unrendered)", s.unrendered));
        }
        scorers.row(vec![
            s.id.clone(),
            s.jobs.to_string(),
            s.cached.to_string(),
            to_send,
            s.prompt_tokens.to_string(),
            format!("{}{per_answer}", s.completion_tokens),
            usd(s.cost_usd),
            usd(s.batch_cost_usd),
        ]);
    }
    let mut models = Table::new(&[
        "model",
        "requests",
        "tokens",
        "cost",
        "batch cost",
        "worst case",
        "time",
        "limited by",
    ]);
    for m in &plan.models {
        let limit = if m.limited_by.starts_with("concurrency") {
            format!(
                "{} at {:.1} s a request ({})",
                m.limited_by,
                m.latency_s,
                basis(m.latency_basis, "median of cached answers")
            )
        } else {
            m.limited_by.clone()
        };
        models.row(vec![
            m.name.clone(),
            m.to_send.to_string(),
            (m.prompt_tokens + m.completion_tokens).to_string(),
            usd(m.cost_usd),
            usd(m.batch_cost_usd),
            usd(m.worst_cost_usd),
            duration(m.wall_s),
            limit,
        ]);
    }
    let mut notes = String::new();
    for m in plan.models.iter().filter(|m| m.to_send > 0) {
        if let Some(bytes) = m.logprobs_bytes {
            notes.push_str(&format!(
                "plan: model {} asks for token probabilities: its answers carry about {} to \
                 read ({} each), where they would be a few hundred bytes without\n",
                m.name,
                size(bytes),
                size(bytes / m.to_send)
            ));
        }
    }
    let cost = match plan.cost_usd {
        Some(c) => format!(
            "${c:.4} (batch ${:.4}, worst case ${:.4})",
            plan.batch_cost_usd.unwrap_or(0.0),
            plan.worst_cost_usd.unwrap_or(0.0)
        ),
        None => "no model has a price".to_string(),
    };
    format!(
        "plan: LLM requests (estimated before sending; tokens at about four characters a token)\n\
         {}\n{}\n{notes}plan: {} requests to send, {} answered by the cache; cost {cost}; about {}\n",
        scorers.to_text(),
        models.to_text(),
        plan.to_send,
        plan.cached,
        if plan.wall_s.is_nan() {
            "within 24 h (batch)".to_string()
        } else {
            duration(plan.wall_s)
        }
    )
}

fn basis(b: Basis, measured: &str) -> &str {
    match b {
        Basis::Cache => measured,
        Basis::Assumed => "assumed",
    }
}

/// Bytes as `850 B`, `12 KB` or `3.4 MB`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.0} KB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}

/// Seconds as `45 s`, `2.5 min` or `3.2 h`.
fn duration(s: f64) -> String {
    if !s.is_finite() {
        UNDEFINED.to_string()
    } else if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}
