//! `bench batch export` and `bench batch import`: a run's LLM requests as a batch file for
//! an engine without the HTTP batch API (vLLM's `run_batch` on a GPU cluster), and its
//! results back into the answer cache, where the next `bench run` finds them.

use std::path::Path;

use crate::Error;
use crate::atomic::AtomicFile;
use crate::config::Config;
use crate::lead::Lead;
use crate::llm::{
    Cache, ExportError, Exported, Imported, JobMatrix, export_requests, max_line,
    read_results_file, request_keys, store_results,
};
use crate::prediction::ScorerId;

use super::RunOptions;
use super::inputs::{Dataset, keeps, llm_jobs, rendering, train_leads};

/// Writes the requests `bench run` would send (with `--limit`, `--only`; the cache's
/// answers left out unless `no_cache`) to `out`, whole or not at all.
pub fn export_batch(opts: &RunOptions, out: &Path) -> Result<(Config, Exported), Error> {
    let config = Config::load(&opts.config)?;
    let data = Dataset::load(&config, opts.limit)?;
    let exported = with_matrix(&config, &data, &opts.only, |matrix| {
        let cache = if !opts.no_cache && config.run.cache.is_file() {
            Some(Cache::open(&config.run.cache)?)
        } else {
            None
        };
        let mut file = AtomicFile::create(out).map_err(|e| Error::write(out, e))?;
        let exported = export_requests(matrix.streams(), &config.models, cache.as_ref(), &mut file)
            .map_err(|e| match e {
                ExportError::Cache(e) => Error::Cache(e),
                ExportError::Io(e) => Error::write(out, e),
            })?;
        file.commit().map_err(|e| Error::write(out, e))?;
        Ok(exported)
    })?;
    Ok((config, exported))
}

/// Reads a results file whole (a malformed line stops it, nothing stored) and stores the
/// answers to requests of this config in its answer cache.
pub fn import_batch(config: &Path, results: &Path) -> Result<Imported, Error> {
    let config = Config::load(config)?;
    let data = Dataset::load(&config, None)?;
    let expected = with_matrix(&config, &data, &[], |matrix| {
        Ok(request_keys(matrix.streams(), &config.models))
    })?;
    // A line may be as long as the largest answer any model of the config accepts.
    let largest = config.models.iter().map(|m| m.max_response_bytes).max();
    let max_line = max_line(largest.unwrap_or(0));
    let lines = read_results_file(results, max_line).map_err(Error::Batch)?;
    let cache = Cache::open(&config.run.cache)?;
    Ok(store_results(lines, &expected, &cache)?)
}

/// Runs `f` on the job matrix of every configured model (keys are not needed: the batch
/// runs elsewhere) under the scorers `only` keeps.
fn with_matrix<T>(
    config: &Config,
    data: &Dataset,
    only: &[String],
    f: impl FnOnce(&JobMatrix<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let eval: Vec<&Lead> = data.eval.iter().map(|&i| &data.leads[i]).collect();
    let train = train_leads(&data.leads);
    let keep = |id: &ScorerId| keeps(only, id);
    let jobs = llm_jobs(config, &config.models, &eval, &train, &keep)?;
    let matrix = jobs.matrix(rendering(config, &eval));
    if matrix.keys().is_empty() {
        return Err(Error::Usage(format!(
            "{}: no LLM requests to batch (no [[models]] × [[prompts]]{})",
            config.path.display(),
            if only.is_empty() {
                ""
            } else {
                " kept by --only"
            }
        )));
    }
    f(&matrix)
}
