//! The LLM part of a run's job matrix: one request per (lead × model × prompt × repeat),
//! rendered from the prompt templates, and the prediction each call's outcome becomes.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::job::{CallOutcome, CallResult, JobGroup, JobSource, JobStream, LlmJob, Unmade};
use super::model::{ModelSettings, StructuredOutput};
use super::plan::{ANALYSIS_TOKENS, ANSWER_TOKENS};
use crate::lead::{Bands, Lead};
use crate::prediction::{LOGPROBS, Prediction, ScorerId, Status};
use crate::score::llm::{
    Example, LogprobReading, LogprobsError, PromptContext, PromptError, PromptSpec, parse_answer,
    select_examples,
};

/// An LLM scorer of the run: one model with one prompt.
#[derive(Debug, Clone)]
pub struct LlmScorer {
    /// `llm/<model>/<prompt>`.
    pub id: Arc<str>,
    /// Index into the run's active models.
    pub model: usize,
    /// Index into the config's prompts.
    pub prompt: usize,
    /// Alternatives per token it asks for when it reads its answers' token probabilities
    /// ([`asked_logprobs`]); `None`: it does not.
    pub top_logprobs: Option<u32>,
}

/// How many alternatives a token the scorer of `model` under `prompt` asks for, if it reads
/// its answers' token probabilities (and so has an `@logprobs` reading): the model's
/// `logprobs` setting, else the prompt's.
pub fn asked_logprobs(model: &ModelSettings, prompt: &PromptSpec) -> Option<u32> {
    model.top_logprobs.or(prompt.top_logprobs)
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

/// Which requests a run has: one key per job and what every job of a scorer shares. It
/// holds no lead or template, so it is built once (for the plan) and kept until the LLM step
/// sends the jobs, rendered through [`LlmJobs::matrix`].
pub struct LlmJobs {
    pub scorers: Vec<LlmScorer>,
    /// Indexed by `job_id`; a scorer's jobs are contiguous, lead by lead, repeats inside.
    pub keys: Vec<JobKey>,
    plans: Vec<ScorerPlan>,
    /// How many leads the jobs were made for.
    leads: usize,
    bands: Bands,
    repeats: u32,
}

/// What the jobs' prompts are rendered from: the same templates and leads (in the same
/// order) the jobs were built from.
#[derive(Clone, Copy)]
pub struct Rendering<'a> {
    pub prompts: &'a [PromptSpec],
    /// Leads to score (the test split).
    pub eval: &'a [&'a Lead],
    pub product: &'a str,
}

/// The requests of a run, rendered only when the engine asks for them (a run of 100,000
/// jobs would otherwise hold every 1–3 KB prompt at once), with the keys to join outcomes
/// back.
pub struct JobMatrix<'a> {
    pub jobs: &'a LlmJobs,
    render: Rendering<'a>,
}

/// What every prompt of one scorer shares.
struct ScorerPlan {
    first_job: u64,
    /// The evaluated leads it scores (indices, ascending): all, or its model's sample.
    leads: Arc<[u32]>,
    examples: Vec<Example>,
    schema: Option<Arc<Value>>,
}

/// Input of [`build_llm_jobs`].
pub struct MatrixInput<'a> {
    pub models: &'a [ModelSettings],
    pub render: Rendering<'a>,
    /// Leads few-shot examples may be drawn from (the train split).
    pub train: &'a [Lead],
    pub bands: Bands,
    pub repeats: u32,
    pub seed: u64,
    /// Keeps a scorer when it returns true for its id (`--only`).
    pub keep: &'a dyn Fn(&ScorerId) -> bool,
}

/// Plans every request of the run. Each template is rendered once here, for the first lead,
/// so that a broken template stops the run before any request (the error names the template
/// file and line); a lead whose prompt fails later ends as a skipped job with the reason.
pub fn build_llm_jobs(input: &MatrixInput<'_>) -> Result<LlmJobs, PromptError> {
    let Rendering {
        prompts,
        eval,
        product,
    } = input.render;
    let mut m = LlmJobs {
        scorers: Vec::new(),
        keys: Vec::new(),
        plans: Vec::new(),
        leads: eval.len(),
        bands: input.bands,
        repeats: input.repeats,
    };
    let all: Arc<[u32]> = (0..eval.len() as u32).collect();
    for (mi, model) in input.models.iter().enumerate() {
        let leads = match model.sample {
            Some(n) if n.get() < eval.len() => sample_leads(eval, n.get(), input.seed).into(),
            _ => all.clone(),
        };
        for (pi, spec) in prompts.iter().enumerate() {
            let scorer = ScorerId::llm(&model.name, spec.template.name());
            if !(input.keep)(&scorer) {
                continue;
            }
            let id: Arc<str> = scorer.to_string().into();
            let examples = select_examples(input.train, spec.examples, input.seed, &input.bands);
            if let Some(lead) = eval.first() {
                let ctx = PromptContext::new(lead, product, input.bands, examples.clone());
                spec.template.render(&ctx)?;
            }
            let scorer = m.scorers.len() as u32;
            m.plans.push(ScorerPlan {
                first_job: m.keys.len() as u64,
                leads: leads.clone(),
                examples,
                schema: match model.structured_output {
                    StructuredOutput::None => None,
                    _ => Some(Arc::new(spec.template.answer_schema())),
                },
            });
            m.scorers.push(LlmScorer {
                id,
                model: mi,
                prompt: pi,
                top_logprobs: asked_logprobs(model, spec),
            });
            for &lead in leads.iter() {
                for repeat in 0..input.repeats {
                    m.keys.push(JobKey {
                        lead,
                        scorer,
                        repeat,
                    });
                }
            }
        }
    }
    Ok(m)
}

impl LlmJobs {
    /// The scorers that score a sample of the leads, with its size.
    pub fn sampled(&self) -> impl Iterator<Item = (&LlmScorer, usize)> {
        self.scorers
            .iter()
            .zip(&self.plans)
            .filter(|(_, p)| p.leads.len() < self.leads)
            .map(|(s, p)| (s, p.leads.len()))
    }

    /// The jobs ready to render from `render`, which must hold the templates and leads they
    /// were built from.
    pub fn matrix<'a>(&'a self, render: Rendering<'a>) -> JobMatrix<'a> {
        assert_eq!(
            render.eval.len(),
            self.leads,
            "jobs rendered from other leads"
        );
        JobMatrix { jobs: self, render }
    }
}

impl<'a> JobMatrix<'a> {
    pub fn scorers(&self) -> &'a [LlmScorer] {
        &self.jobs.scorers
    }

    pub fn keys(&self) -> &'a [JobKey] {
        &self.jobs.keys
    }

    /// One stream per model with scorers, in `job_id` order within each.
    pub fn streams(&self) -> Vec<JobStream<'_>> {
        let mut streams: Vec<JobStream<'_>> = Vec::new();
        for (si, scorer) in self.scorers().iter().enumerate() {
            let n = self.jobs.plans[si].leads.len() as u64 * u64::from(self.jobs.repeats);
            let jobs = self.scorer_jobs(si);
            match streams.iter_mut().find(|s| s.model == scorer.model) {
                Some(s) => {
                    s.counts.push((scorer.id.clone(), n));
                    let before = std::mem::replace(&mut s.jobs, Box::new(std::iter::empty()));
                    s.jobs = Box::new(before.chain(jobs));
                }
                None => streams.push(JobStream {
                    model: scorer.model,
                    counts: vec![(scorer.id.clone(), n)],
                    jobs: Box::new(jobs),
                }),
            }
        }
        streams
    }

    /// The prompt template of scorer `si`.
    pub fn prompt_of(&self, si: usize) -> &PromptSpec {
        &self.render.prompts[self.scorers()[si].prompt]
    }

    /// The jobs of one scorer, each lead's prompt rendered when the engine takes it.
    fn scorer_jobs(
        &self,
        si: usize,
    ) -> impl Iterator<Item = Result<LlmJob, Unmade>> + Send + use<'_, 'a> {
        let scorer = &self.jobs.scorers[si];
        let plan = &self.jobs.plans[si];
        let Rendering {
            prompts,
            eval,
            product,
        } = self.render;
        let template = &prompts[scorer.prompt].template;
        let (bands, repeats) = (self.jobs.bands, self.jobs.repeats);
        // Most templates render one system message for every lead: share it.
        let mut systems: HashMap<String, Arc<str>> = HashMap::new();
        plan.leads.iter().enumerate().flat_map(move |(li, &lead)| {
            let lead = eval[lead as usize];
            let first = plan.first_job + li as u64 * u64::from(repeats);
            let ctx = PromptContext::new(lead, product, bands, plan.examples.clone());
            let rendered = template
                .render(&ctx)
                .map(|r| {
                    let system = systems
                        .entry(r.system)
                        .or_insert_with_key(|s| Arc::from(s.as_str()))
                        .clone();
                    (system, r.user)
                })
                .map_err(|e| format!("prompt not rendered: {e}"));
            (0..repeats).map(move |repeat| {
                let job_id = first + u64::from(repeat);
                match &rendered {
                    Ok((system, user)) => Ok(LlmJob {
                        job_id,
                        model: scorer.model,
                        scorer: scorer.id.clone(),
                        system: system.clone(),
                        user: user.clone(),
                        schema: plan.schema.clone(),
                        repeat,
                        top_logprobs: scorer.top_logprobs,
                    }),
                    Err(reason) => Err(Unmade {
                        job_id,
                        scorer: scorer.id.clone(),
                        reason: reason.clone(),
                    }),
                }
            })
        })
    }
}

impl JobSource for JobMatrix<'_> {
    /// One group per scorer; a prompt that asks for an analysis writes longer answers.
    fn groups(&self) -> Vec<JobGroup> {
        let scorers = self.scorers().iter().enumerate();
        scorers
            .map(|(si, s)| JobGroup {
                id: s.id.clone(),
                model: s.model,
                typical_answer_tokens: if self.prompt_of(si).template.wants_analysis() {
                    ANALYSIS_TOKENS
                } else {
                    ANSWER_TOKENS
                },
                top_logprobs: s.top_logprobs,
            })
            .collect()
    }

    fn streams(&self) -> Vec<JobStream<'_>> {
        JobMatrix::streams(self)
    }
}

/// The `n` leads of `eval` a model with `sample = n` scores: those whose SHA-256 of
/// `<seed>:<lead_id>` is smallest, as indices into `eval`, ascending. The same leads for
/// every prompt and every model of a seed, whatever the order of the file; a larger sample
/// holds a smaller one.
pub fn sample_leads(eval: &[&Lead], n: usize, seed: u64) -> Vec<u32> {
    let mut keyed: Vec<([u8; 32], u32)> = eval
        .iter()
        .enumerate()
        .map(|(i, lead)| {
            let digest = Sha256::digest(format!("{seed}:{}", lead.lead_id));
            (digest.into(), i as u32)
        })
        .collect();
    keyed.sort_unstable();
    let mut chosen: Vec<u32> = keyed.into_iter().take(n).map(|(_, i)| i).collect();
    chosen.sort_unstable();
    chosen
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
    let mut p = Prediction::empty(run_id, lead_id, scorer, repeat, Status::Skipped);
    p.latency_ms = outcome.latency_ms as f64;
    p.prompt_tokens = outcome.prompt_tokens;
    p.completion_tokens = outcome.completion_tokens;
    p.cost_usd = outcome.cost_usd;
    p.cached_prompt_tokens = outcome.cached_prompt_tokens;
    p.saved_usd = outcome.saved_usd;
    p.attempts = outcome.attempts;
    p.cached = outcome.cached;
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
                score.record_in(&mut p, bands);
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

/// The logprobs reading (`…@logprobs`) of an answer whose prediction is `verbal`: the same
/// request, tokens, cost and latency; its score, label and class probabilities from
/// `reading`, what [`read_logprobs`] made of the response body (`None` when there was no
/// answer: the reading keeps the answer's failure).
pub fn logprobs_prediction(
    verbal: &Prediction,
    reading: Option<Result<LogprobReading, LogprobsError>>,
) -> Prediction {
    let mut p = verbal.clone();
    p.scorer.push_str(LOGPROBS);
    (p.lead_score, p.lead_label, p.consistent) = (None, None, None);
    (p.p_low, p.p_medium, p.p_high) = (None, None, None);
    p.justification.clear();
    let Some(reading) = reading else {
        return p;
    };
    match reading {
        Ok(r) => {
            p.status = Status::Ok;
            p.error.clear();
            (p.lead_score, p.lead_label) = (Some(r.score), Some(r.label));
            (p.p_low, p.p_medium, p.p_high) = (Some(r.p[0]), Some(r.p[1]), Some(r.p[2]));
            p.consistent = Some(true);
            p.justification = format!(
                "p(low) {:.3}, p(medium) {:.3}, p(high) {:.3}{}",
                r.p[0],
                r.p[1],
                r.p[2],
                r.expected_score
                    .map(|e| format!("; expected lead_score {e:.1}"))
                    .unwrap_or_default()
            );
        }
        Err(e) => {
            p.status = match e {
                LogprobsError::Missing => Status::NoLogprobs,
                LogprobsError::NoPosition(_) => Status::NoLabelPosition,
            };
            p.error = e.to_string();
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

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
            cached_prompt_tokens: None,
            saved_usd: None,
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
