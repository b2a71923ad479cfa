//! The LLM call layer under `bench run`'s LLM step, `bench plan` and `bench batch`: model
//! settings and keys, the HTTP client, pacing, retries, the answer cache and its leases,
//! batch mode, cost and progress. Async lives here and nowhere else.
//!
//! Choices where the design is silent:
//! - `[[models]]` defaults: `structured_output = "json_schema"`, `concurrency = 4`,
//!   `timeout_s = 60`, `max_retries = 6`, `temperature = 0`, `max_tokens = 300`, no `rpm` /
//!   `tpm` / `price` (no limit, no cost). No `api_key_env` (or an empty one) sends no key.
//! - Retried: 429, 408, 409, 425, 5xx, connection errors, timeouts. Not retried: other 4xx
//!   (the job fails) and 401/403/404 (the whole model stops: its jobs not yet sent are
//!   skipped with one warning). A 2xx body that is not a completion is an `ApiError`.
//! - The cache stores answers only (also `finish_reason = length` ones: resending the same
//!   request would truncate the same way); errors are tried again on the next run.
//! - `cost_usd` of an outcome is what the answer costs at the model's price, also for a cache
//!   hit; the budget and [`EngineSummary::cost_usd`] count only requests sent in this run.
//! - The budget reserves a pessimistic cost (two characters a prompt token, the full
//!   `max_tokens`) before each request and stops all priced requests at the first that
//!   does not fit.
//! - `latency_ms` is the last attempt's, so back-off waits do not count as model latency.
//! - Without `rpm`, `concurrency` is the most requests in flight, and the cap below it adapts
//!   to the server's 429s (AIMD; see `pacing`); with `rpm`, the limiter paces and the cap is
//!   `concurrency`.

mod batch;
mod cache;
mod client;
mod cost;
mod engine;
mod job;
mod jsonl;
mod launch;
mod lease;
mod matrix;
mod model;
mod pacing;
mod plan;
mod progress;
mod response;
mod retry;
mod secret;
mod stop;

pub(crate) use batch::{
    ExportError, export_requests, max_line, read_results_file, request_keys, store_results,
};
pub use batch::{
    Exported, ForgottenBatch, Imported, Synced, clear_batch_failures, forget_open_batches,
    open_batch_count, sync_batches,
};
pub use cache::{Cache, CacheError};
pub use client::same_origin_redirects;
pub use engine::{AdaptiveWindow, EngineOptions, EngineSummary, run_jobs, run_streams};
pub use job::{
    CallOutcome, CallResult, JobGroup, JobSource, JobStream, LlmJob, RunError, ScorerCounts, Unmade,
};
pub use launch::{LaunchedServer, ensure_up, probe_models};
pub use matrix::{
    JobKey, JobMatrix, LlmJobs, LlmScorer, MatrixInput, Rendering, asked_logprobs, build_llm_jobs,
    logprobs_prediction, prediction_from_outcome, sample_leads,
};
pub(crate) use model::default_top_logprobs;
pub(crate) use model::{KeySource, key_ring};
pub use model::{
    ModelError, ModelSettings, Price, RawModelSettings, StructuredOutput, limits, logprobs_fit,
};
pub use plan::{Basis, ModelEstimate, Plan, ScorerEstimate, plan};
pub use retry::RetryPolicy;
pub use secret::{REDACTED, mask_url_credentials};
pub use stop::{Stop, StopSignal};
