//! Prints the chat-completions request body that a prompt template produces for one lead, so
//! that a real endpoint can be called with curl (see `scripts/capture-llm-answers.sh`).
//!
//! `cargo run --example render_prompt -- TEMPLATE LEADS.csv LEAD_ID MODE [MODEL]`, where MODE
//! is `none` (plain text), `json_object` (llama.cpp: `json_object` with the answer schema) or
//! `json_schema` (OpenAI strict structured output). Without a lead file (`-`), the built-in
//! sample lead is used. `MAX_TOKENS` (env) sets `max_tokens` (default 300).

use std::path::Path;
use std::process::ExitCode;

use lead_bench::lead::Bands;
use lead_bench::lead::read_leads;
use lead_bench::score::llm::{DEFAULT_PRODUCT, PromptContext, PromptTemplate, select_examples};
use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(body) => {
            println!("{body}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("render_prompt: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let [template, leads_path, lead_id, mode, rest @ ..] = args else {
        return Err("usage: render_prompt TEMPLATE LEADS.csv|- LEAD_ID MODE [MODEL]".into());
    };
    let model = rest.first().map_or("smollm2-135m", String::as_str);
    let path = Path::new(template);
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("prompt");
    let tmpl = PromptTemplate::load(name, path).map_err(|e| e.to_string())?;
    let bands = Bands::default();
    let ctx = if leads_path == "-" {
        PromptContext::sample(bands)
    } else {
        let leads = read_leads(Path::new(leads_path)).map_err(|e| e.to_string())?;
        let lead = leads
            .iter()
            .find(|l| &l.lead_id == lead_id)
            .ok_or_else(|| format!("{leads_path}: no lead with id {lead_id}"))?;
        // Few-shot examples from the other leads, as the train split stands in here.
        let train: Vec<_> = leads
            .iter()
            .filter(|l| &l.lead_id != lead_id)
            .cloned()
            .collect();
        let examples = select_examples(&train, 3, 42, &bands);
        PromptContext::new(lead, DEFAULT_PRODUCT, bands, examples)
    };
    let prompt = tmpl.render(&ctx).map_err(|e| e.to_string())?;
    let max_tokens: u32 = match std::env::var("MAX_TOKENS") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("MAX_TOKENS: expected a number, found {v:?}"))?,
        Err(_) => 300,
    };
    let mut body = json!({
        "model": model,
        "messages": [
            { "role": "system", "content": prompt.system },
            { "role": "user", "content": prompt.user },
        ],
        "temperature": 0.0,
        "max_tokens": max_tokens,
    });
    let schema = tmpl.answer_schema();
    match mode.as_str() {
        "none" => {}
        "json_object" => {
            body["response_format"] = json!({ "type": "json_object", "schema": schema });
        }
        "json_schema" => {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": { "name": "lead_score", "strict": true, "schema": schema },
            });
        }
        other => {
            return Err(format!(
                "unknown mode {other:?}: none | json_object | json_schema"
            ));
        }
    }
    serde_json::to_string_pretty(&body).map_err(|e| e.to_string())
}
