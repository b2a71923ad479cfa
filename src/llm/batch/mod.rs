//! Batch mode, behind one door: requests answered through a provider's batch API
//! (`POST /files`, `POST /batches`, polling, downloading results) or through batch files for
//! engines without one (vLLM's `run_batch`), with the state of every batch kept in the answer
//! cache's database.
//!
//! - `api`: the provider's HTTP batch API;
//! - `file`: the OpenAI/vLLM batch file format, export and import;
//! - `state`: the batch tables (`batches`, `batch_requests`, `batch_errors`);
//! - `sync`: one run's batch step (collect, submit, wait).
//!
//! The engine asks this room one question, [`recorded_outcome`]: what a batch model's job
//! ended as when the cache holds no answer for it.

mod api;
mod file;
mod state;
mod sync;

pub(crate) use file::{
    ExportError, export_requests, max_line, read_results_file, request_keys, store_results,
};
pub use file::{Exported, Imported};
pub(crate) use state::recorded_outcome;
pub use state::{ForgottenBatch, forget_open_batches, open_batch_count};
pub use sync::{Synced, clear_batch_failures, sync_batches};
