//! The LLM part of a run's job matrix: one request per (lead × model × prompt × repeat),
//! rendered from the prompt templates, and the prediction each call's outcome becomes.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::PromptSpec;
use crate::lead::Lead;
use crate::prediction::Prediction;
use crate::run::{CallOutcome, CallResult, LlmJob, ModelSettings, StructuredOutput};
use crate::score::Bands;
use crate::score::llm::{PromptContext, PromptError, Status, parse_answer, select_examples};

/// An LLM scorer of the run: one model with one prompt.
#[derive(Debug, Clone)]
pub struct LlmScorer {
    /// `llm/<model>/<prompt>`.
    pub id: Arc<str>,
    /// Index into the run's active models.
    pub model: usize,
    /// Index into the config's prompts.
    pub prompt: usize,
}

/// What a job stands for, indexed by its `job_id`.
#[derive(Debug, Clone, Copy)]
pub struct JobKey {
    /// Index into the evaluated leads.
    pub lead: u32,
    /// Index into the run's [`LlmScorer`]s.
    pub scorer: u32,
    pub repeat: u32,
}

/// The rendered requests of a run, with the keys to join outcomes back.
#[derive(Debug, Default)]
pub struct JobMatrix {
    pub scorers: Vec<LlmScorer>,
    pub keys: Vec<JobKey>,
    pub jobs: Vec<LlmJob>,
}

/// Input of [`build_llm_jobs`].
pub struct MatrixInput<'a> {
    pub models: &'a [ModelSettings],
    pub prompts: &'a [PromptSpec],
    /// Leads to score (the test split).
    pub eval: &'a [&'a Lead],
    /// Leads few-shot examples may be drawn from (the train split).
    pub train: &'a [Lead],
    pub product: &'a str,
    pub bands: Bands,
    pub repeats: u32,
    pub seed: u64,
    /// Keeps a scorer when it returns true for its id (`--only`).
    pub keep: &'a dyn Fn(&str) -> bool,
}

/// Renders every request of the run. A render error names the template file and line.
pub fn build_llm_jobs(input: &MatrixInput<'_>) -> Result<JobMatrix, PromptError> {
    let mut m = JobMatrix::default();
    for (mi, model) in input.models.iter().enumerate() {
        for (pi, spec) in input.prompts.iter().enumerate() {
            let id: Arc<str> = format!("llm/{}/{}", model.name, spec.template.name()).into();
            if !(input.keep)(&id) {
                continue;
            }
            let scorer = m.scorers.len() as u32;
            m.scorers.push(LlmScorer {
                id: id.clone(),
                model: mi,
                prompt: pi,
            });
            let examples = select_examples(input.train, spec.examples, input.seed, &input.bands);
            let schema = match model.structured_output {
                StructuredOutput::None => None,
                _ => Some(Arc::new(spec.template.answer_schema())),
            };
            // Most templates render one system message for every lead: share it.
            let mut systems: HashMap<String, Arc<str>> = HashMap::new();
            for (li, lead) in input.eval.iter().enumerate() {
                let ctx = PromptContext::new(lead, input.product, input.bands, examples.clone());
                let rendered = spec.template.render(&ctx)?;
                let system = systems
                    .entry(rendered.system)
                    .or_insert_with_key(|s| Arc::from(s.as_str()))
                    .clone();
                for repeat in 0..input.repeats {
                    m.keys.push(JobKey {
                        lead: li as u32,
                        scorer,
                        repeat,
                    });
                    m.jobs.push(LlmJob {
                        job_id: m.jobs.len() as u64,
                        model: mi,
                        scorer: id.clone(),
                        system: system.clone(),
                        user: rendered.user.clone(),
                        schema: schema.clone(),
                        repeat,
                    });
                }
            }
        }
    }
    Ok(m)
}

/// The prediction an LLM call's outcome becomes: answers are parsed, failures recorded with
/// their reason; nothing is dropped.
pub fn prediction_from_outcome(
    run_id: &str,
    lead_id: &str,
    scorer: &str,
    repeat: u32,
    outcome: CallOutcome,
    bands: &Bands,
) -> Prediction {
    let mut p = Prediction {
        run_id: run_id.to_string(),
        lead_id: lead_id.to_string(),
        scorer: scorer.to_string(),
        repeat,
        lead_score: None,
        lead_label: None,
        justification: String::new(),
        status: Status::Skipped,
        error: String::new(),
        consistent: None,
        p_low: None,
        p_medium: None,
        p_high: None,
        latency_ms: outcome.latency_ms as f64,
        prompt_tokens: outcome.prompt_tokens,
        completion_tokens: outcome.completion_tokens,
        cost_usd: outcome.cost_usd,
        attempts: outcome.attempts,
        cached: outcome.cached,
        raw_response: String::new(),
    };
    match outcome.result {
        CallResult::Answer {
            content,
            finish_reason,
            ..
        } => {
            let parsed = parse_answer(&content, finish_reason.as_deref());
            p.status = parsed.status;
            p.error = match (&parsed.error, parsed.coercions.is_empty()) {
                (Some(e), _) => e.clone(),
                (None, false) => format!("coerced: {}", parsed.coercions_joined()),
                (None, true) => String::new(),
            };
            if let Some(score) = parsed.score {
                p.consistent = Some(score.is_consistent(bands));
                p.lead_score = Some(score.lead_score);
                p.lead_label = Some(score.lead_label);
                p.justification = score.justification;
            }
            p.raw_response = content;
        }
        CallResult::ApiError { status, message } => {
            p.status = Status::ApiError;
            p.error = match status {
                Some(code) => format!("HTTP {code}: {message}"),
                None => message,
            };
        }
        CallResult::Timeout { message } => {
            p.status = Status::Timeout;
            p.error = message;
        }
        CallResult::Skipped { reason } => {
            p.status = Status::Skipped;
            p.error = reason;
        }
    }
    p
}

/// Whether a scorer id matches an `--only` pattern: `*` matches any run of characters;
/// a pattern without `*` matches ids that contain it.
pub fn matches_only(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return id.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !id.starts_with(first) || id.len() < first.len() + last.len() || !id.ends_with(last) {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_patterns() {
        assert!(matches_only("heuristic", "heuristic"));
        assert!(matches_only("llm/", "llm/smollm2/rubric"));
        assert!(!matches_only("learned", "heuristic"));
        assert!(matches_only("llm/*/rubric", "llm/smollm2/rubric"));
        assert!(!matches_only("llm/*/rubric", "llm/smollm2/zero_shot"));
        assert!(matches_only("*", "learned"));
        assert!(matches_only("llm/*m*/*", "llm/smollm2/few_shot"));
        assert!(!matches_only("a*a", "a"));
    }

    #[test]
    fn outcomes_become_predictions_without_loss() {
        let bands = Bands::default();
        let base = CallOutcome {
            job_id: 0,
            result: CallResult::Answer {
                content: "```json\n{\"lead_score\": \"85\", \"lead_label\": \"High\", \"justification\": \"VP, budget\"}\n```".into(),
                finish_reason: Some("stop".into()),
                raw: String::new(),
            },
            attempts: 2,
            latency_ms: 120,
            prompt_tokens: Some(300),
            completion_tokens: Some(40),
            cost_usd: Some(0.001),
            cached: false,
        };
        let p = prediction_from_outcome("r", "L1", "llm/m/p", 1, base.clone(), &bands);
        assert_eq!(p.status, Status::Coerced);
        assert_eq!(p.lead_score, Some(85));
        assert_eq!(p.consistent, Some(true));
        assert!(p.error.starts_with("coerced: "), "{}", p.error);
        assert!(p.raw_response.contains("```json"));
        assert_eq!((p.repeat, p.attempts, p.prompt_tokens), (1, 2, Some(300)));

        let mut err = base.clone();
        err.result = CallResult::ApiError {
            status: Some(503),
            message: "overloaded".into(),
        };
        let p = prediction_from_outcome("r", "L1", "llm/m/p", 0, err, &bands);
        assert_eq!(
            (p.status, p.error.as_str()),
            (Status::ApiError, "HTTP 503: overloaded")
        );
        assert_eq!(p.parsed(), None);

        let mut t = base.clone();
        t.result = CallResult::Timeout {
            message: "no answer in 60 s".into(),
        };
        assert_eq!(
            prediction_from_outcome("r", "L1", "s", 0, t, &bands).status,
            Status::Timeout
        );
        let mut s = base;
        s.result = CallResult::Skipped {
            reason: "budget reached".into(),
        };
        let p = prediction_from_outcome("r", "L1", "s", 0, s, &bands);
        assert_eq!(
            (p.status, p.error.as_str()),
            (Status::Skipped, "budget reached")
        );
    }
}
