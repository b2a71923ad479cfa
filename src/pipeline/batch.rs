//! The batch step of `bench run`, before anything is written: for the models with `batch`,
//! collect the batches that finished and submit what neither the cache nor an open batch
//! answers (`bench batch export`/`import`, for engines without a batch API, are
//! `batch_files`).

use crate::Error;
use crate::config::Config;
use crate::llm::{JobMatrix, ModelSettings, Stop, Synced, sync_batches};

use super::{RunOptions, note};

/// The batch step of `bench run`, before anything is written: collects finished batches and
/// submits what is missing for the models with `batch`.
pub(super) struct BatchStep<'a> {
    pub runtime: &'a tokio::runtime::Runtime,
    pub stop: &'a Stop,
    pub config: &'a Config,
    /// The run's jobs (those of batch models go through their batch API).
    pub matrix: &'a JobMatrix<'a>,
    pub models: &'a [ModelSettings],
    pub opts: &'a RunOptions,
}

impl BatchStep<'_> {
    /// Runs the step (the lines about batches left open are printed).
    pub(super) fn run(&self) -> Result<Synced, Error> {
        if self.opts.no_cache {
            return Err(Error::Usage(
                "batch mode keeps its answers and the state of its batches in the answer \
                 cache: drop --no-cache (or batch = true)"
                    .into(),
            ));
        }
        let say = |line: &str| note(line);
        let synced = self.runtime.block_on(sync_batches(
            self.matrix,
            self.models,
            &self.config.run.cache,
            self.opts.wait,
            &self.stop.cancel,
            &say,
        ))?;
        for line in &synced.open {
            note(line);
        }
        if !synced.open.is_empty() {
            note(format!(
                "{} batch(es) open (the lines above say which and why), re-run to collect \
                 (bench run --wait waits for them; bench clear-cache --batches forgets them)",
                synced.open.len()
            ));
        }
        Ok(synced)
    }
}
