//! The LLM step of a run: start the model servers that need starting, send every job of the
//! matrix through the engine, and record one prediction per job as its outcome arrives.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use crate::Error;
use crate::config::Config;
use crate::lead::Lead;
use crate::llm::{
    CallOutcome, CallResult, EngineOptions, EngineSummary, JobMatrix, ModelSettings, Stop,
    clear_batch_failures, ensure_up, key_ring, logprobs_prediction, prediction_from_outcome,
    run_streams,
};
use crate::prediction::{Prediction, Status};
use crate::score::llm::read_logprobs;

use super::inputs::{SkipReason, SkippedModel};
use super::note;

/// What the LLM step needs besides the matrix.
pub(super) struct LlmStep<'a> {
    pub runtime: &'a tokio::runtime::Runtime,
    pub stop: &'a Stop,
    pub config: &'a Config,
    /// The models whose key is at hand.
    pub models: &'a [ModelSettings],
    pub eval: &'a [&'a Lead],
    pub run_id: &'a str,
    /// Where the logs of servers it starts go (`server-<model>.log`).
    pub log_dir: &'a Path,
    pub use_cache: bool,
    pub quiet: bool,
    /// Requests the batch step collected in this run.
    pub collected_now: Arc<HashSet<[u8; 32]>>,
}

impl LlmStep<'_> {
    /// Runs every job of `matrix`, handing each job's prediction to `record` with the
    /// index of its lead in `eval` as its outcome arrives; models whose server did not come
    /// up are added to `skipped_models`, their jobs recorded as failures.
    pub(super) fn run(
        &self,
        matrix: JobMatrix<'_>,
        mut record: impl FnMut(usize, Prediction),
        skipped_models: &mut Vec<SkippedModel>,
    ) -> Result<EngineSummary, Error> {
        let (scorers, keys) = (matrix.scorers(), matrix.keys());
        let config_dir = self.config.dir();
        // The client took every key out of what the servers sent; this pass also catches
        // what the answer parser un-escaped from it.
        let keyring = key_ring(self.models);
        let mut record = |job_id: u64, outcome: CallOutcome| {
            let key = keys[job_id as usize];
            let scorer = &scorers[key.scorer as usize];
            // A model asked for token probabilities: the answer is read a second time, from
            // the response body (before the outcome gives it up).
            let reading = match (&outcome.result, scorer.top_logprobs) {
                (_, None) => None,
                (CallResult::Answer { raw, .. }, Some(_)) => {
                    Some(Some(read_logprobs(raw, &self.config.bands)))
                }
                (_, Some(_)) => Some(None),
            };
            let mut p: Prediction = prediction_from_outcome(
                self.run_id,
                &self.eval[key.lead as usize].lead_id,
                &scorer.id,
                key.repeat,
                outcome,
                &self.config.bands,
            );
            for text in [&mut p.justification, &mut p.raw_response, &mut p.error] {
                keyring.redact_in_place(text);
            }
            if reading.is_some() && p.status == Status::ApiError && p.error.starts_with("HTTP 400")
            {
                p.error.push_str(
                    " (the request asks for the answer's token probabilities, logprobs = true; \
                     a provider without them refuses it: set logprobs = false for this model)",
                );
            }
            let reading = reading.map(|reading| {
                let mut r = logprobs_prediction(&p, reading);
                keyring.redact_in_place(&mut r.error);
                r
            });
            record(key.lead as usize, p);
            if let Some(r) = reading {
                record(key.lead as usize, r);
            }
        };
        let summary = self.runtime.block_on(async {
            // Servers are started before any job is sent and stopped when `servers` drops.
            let mut servers = Vec::new();
            let mut down = vec![None; self.models.len()];
            for (mi, model) in self.models.iter().enumerate() {
                if !scorers.iter().any(|s| s.model == mi) {
                    continue;
                }
                let log = self.log_dir.join(format!("server-{}.log", model.name));
                match ensure_up(model, config_dir, &log, note).await {
                    Ok(server) => servers.extend(server),
                    Err(why) => {
                        note(&why);
                        skipped_models.push(SkippedModel {
                            model: model.name.clone(),
                            why: SkipReason::ServerDown(why.clone()),
                        });
                        down[mi] = Some(why);
                    }
                }
            }
            // Jobs of a model whose server did not come up are failures, made without
            // rendering.
            for (job_id, key) in keys.iter().enumerate() {
                let Some(why) = &down[scorers[key.scorer as usize].model] else {
                    continue;
                };
                let failed = CallResult::ApiError {
                    status: None,
                    message: format!("server not available: {why}"),
                };
                record(job_id as u64, CallOutcome::unsent(job_id as u64, failed));
            }
            let send: Vec<_> = matrix
                .streams()
                .into_iter()
                .filter(|s| down[s.model].is_none())
                .collect();
            let opts = EngineOptions {
                cache: self.use_cache.then(|| self.config.run.cache.clone()),
                budget_usd: self.config.run.budget_usd,
                quiet: self.quiet,
                cancel: self.stop.cancel.clone(),
                abort: self.stop.abort.clone(),
                collected_now: self.collected_now.clone(),
                ..EngineOptions::default()
            };
            let result = run_streams(self.models, send, opts, |o| record(o.job_id, o)).await;
            drop(servers);
            result
        });
        let mut summary = summary?;
        for w in &mut summary.warnings {
            keyring.redact_in_place(w);
        }
        // The batch failures this run recorded as outcomes are used up: the next run sends
        // those requests again.
        if self.use_cache && !summary.cancelled && self.models.iter().any(|m| m.batch) {
            clear_batch_failures(&self.config.run.cache)?;
        }
        for w in &summary.warnings {
            note(w);
        }
        note(format!(
            "llm: {} jobs: {} answered now, {} from the cache; {} requests sent, {} retries, {} api errors, {} timeouts, {} skipped; ${:.4} spent",
            summary.jobs,
            summary.answered,
            summary.from_cache,
            summary.requests_sent,
            summary.retries,
            summary.api_errors,
            summary.timeouts,
            summary.skipped,
            summary.cost_usd
        ));
        for w in summary.adaptive.iter().filter(|w| w.halvings > 0) {
            note(format!(
                "model {}: without rpm, the server's 429s halved requests in flight {} times;                  it ended at {} of concurrency = {} (set rpm to pace it from the start)",
                w.model, w.halvings, w.cap, w.max
            ));
        }
        if summary.cancelled {
            note("interrupted: dispatch stopped; everything answered so far is written");
        }
        Ok(summary)
    }
}
