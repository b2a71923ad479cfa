//! `bench run`'s LLM call engine: model settings, the HTTP client, pacing, retries, the
//! answer cache, cost and progress. Async lives here and nowhere else.

mod cache;
mod client;
mod cost;
mod engine;
mod model;
mod pacing;
mod progress;
mod retry;

pub use cache::{Cache, CacheError};
pub use engine::{
    CallOutcome, CallResult, EngineOptions, EngineSummary, LlmJob, RunError, run_jobs,
};
pub use model::{ModelError, ModelSettings, Price, RawModelSettings, StructuredOutput};
pub use retry::RetryPolicy;
