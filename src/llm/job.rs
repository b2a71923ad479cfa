//! A job of the LLM engine and how it ends: what the engine is given ([`LlmJob`], or a
//! stream of them per model) and what it hands back, exactly once per job ([`CallOutcome`]).

use std::sync::Arc;

use serde_json::Value;

/// One request to make: a rendered prompt for one lead, model and repeat.
#[derive(Debug, Clone)]
pub struct LlmJob {
    /// The caller's index, to join the outcome back to its lead and scorer.
    pub job_id: u64,
    /// Index into the `models` given to [`run_jobs`](super::run_jobs).
    pub model: usize,
    /// Scorer id for the progress bars, e.g. `llm/<model>/<prompt>`.
    pub scorer: Arc<str>,
    /// System message (shared by all leads of a prompt); empty: none is sent.
    pub system: Arc<str>,
    pub user: String,
    /// JSON schema of the answer, used by `structured_output = json_schema | json_object`.
    pub schema: Option<Arc<Value>>,
    /// Repeat number; part of the cache key so that repeats are separate requests.
    pub repeat: u32,
    /// Ask for the answer's token probabilities, with this many alternatives a token.
    pub top_logprobs: Option<u32>,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CallResult {
    /// The server answered; the content is not parsed here.
    Answer {
        content: String,
        finish_reason: Option<String>,
        /// The raw response body.
        raw: String,
    },
    /// The server refused the request or sent something unusable (after retries, if the
    /// error was one worth retrying).
    ApiError {
        status: Option<u16>,
        message: String,
    },
    /// Every attempt ran past the model's timeout (or the last one did).
    Timeout { message: String },
    /// Never sent: the model was skipped (missing key, auth failure), the budget was
    /// reached, or the run was stopped.
    Skipped { reason: String },
}

/// The outcome of one job.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    pub job_id: u64,
    pub result: CallResult,
    /// Requests sent for this job in this run (0 for a cache hit or a skipped job).
    pub attempts: u32,
    /// Time of the last attempt, from sending to the last byte (the stored one for a hit).
    pub latency_ms: u64,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    /// Prompt tokens the provider served from its prompt cache.
    pub cached_prompt_tokens: Option<u32>,
    /// What the answer costs at the model's price (also for a cache hit, which was paid
    /// in an earlier run; `cached` tells which).
    pub cost_usd: Option<f64>,
    /// What the provider's prompt cache saved on it, at `cached_input_per_mtok`.
    pub saved_usd: Option<f64>,
    pub cached: bool,
}

impl CallOutcome {
    /// A job that ended without a request being sent: no attempts, tokens, cost or latency.
    pub fn unsent(job_id: u64, result: CallResult) -> CallOutcome {
        CallOutcome {
            job_id,
            result,
            attempts: 0,
            latency_ms: 0,
            prompt_tokens: None,
            completion_tokens: None,
            cached_prompt_tokens: None,
            cost_usd: None,
            saved_usd: None,
            cached: false,
        }
    }

    pub(crate) fn skipped(job_id: u64, reason: String) -> CallOutcome {
        CallOutcome::unsent(job_id, CallResult::Skipped { reason })
    }
}

/// A job the producer could not make (say, its prompt did not render for this lead): it
/// ends as [`CallResult::Skipped`] with `reason`, like any job that was not sent.
#[derive(Debug, Clone)]
pub struct Unmade {
    pub job_id: u64,
    pub scorer: Arc<str>,
    pub reason: String,
}

/// Scorer ids with their numbers of jobs.
pub type ScorerCounts = Vec<(Arc<str>, u64)>;

/// The jobs of one model, made (rendered) only as its workers are ready for them.
pub struct JobStream<'a> {
    /// Index into the `models` given to [`run_streams`](super::run_streams).
    pub model: usize,
    /// Every scorer of the stream with its number of jobs, for the totals and progress.
    pub counts: ScorerCounts,
    /// Exactly `counts`' total items.
    pub jobs: Box<dyn Iterator<Item = Result<LlmJob, Unmade>> + Send + 'a>,
}

/// A group of jobs the plan counts together (a scorer of a run, or the rewrites of `bench
/// generate --rewrite-with`).
#[derive(Debug, Clone)]
pub struct JobGroup {
    /// The id the jobs carry in [`LlmJob::scorer`].
    pub id: Arc<str>,
    /// Index into the models the jobs are sent to.
    pub model: usize,
    /// Completion tokens of a typical answer, assumed until the cache holds some.
    pub typical_answer_tokens: u32,
    /// Alternatives a token its requests ask for (`None`: no token probabilities), for the
    /// size of the bodies to read.
    pub top_logprobs: Option<u32>,
}

/// A set of jobs as the plan and the batch step read them: its groups and its jobs, model by
/// model, rendered as they are read (the engine takes the same streams).
pub trait JobSource {
    fn groups(&self) -> Vec<JobGroup>;
    fn streams(&self) -> Vec<JobStream<'_>>;
}

/// What stops the engine (or the batch step) short of an outcome for every job: a setup
/// error before any request, or an answer cache that fails mid-run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Cache(#[from] super::cache::CacheError),
    #[error("job {job_id} names model #{model}, but only {models} models are configured")]
    UnknownModel {
        job_id: u64,
        model: usize,
        models: usize,
    },
    #[error("{0}")]
    Client(String),
}
