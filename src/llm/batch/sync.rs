//! One model's batch work at the start of a `bench run` with `batch = true`: collect the
//! batches that finished, submit what neither the cache nor an open batch answers, and with
//! `--wait` poll until no batch is open. Results go into the answer cache (answers) and the
//! batch state (failures), where the run's engine finds them as each job's outcome.
//!
//! - An expired or cancelled batch keeps what it finished; requests it never returned (or
//!   returned as `batch_expired` / `batch_cancelled`) are submitted again, at most
//!   [`MAX_TRIES`] times each, then recorded as failed.
//! - A batch that failed validation, and requests the provider failed, are recorded failures.
//! - A batch the provider cannot be asked about stays open; the next run asks again.
//! - A batch whose creation was not answered (5xx, timeout) may exist: it stays open under
//!   its local id, and the next look asks the provider for it before submitting again.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::api::{BatchApi, CreateError, RemoteBatch};
use super::file::{BatchResult, from_hex, request_line};
use super::state::{
    Begun, FailedRequest, OpenBatch, batch_created, batch_error, batch_keys, begin_batch,
    clear_batch_errors, collect_batch, download_failed, ensure_tables, forget_batch, open_batches,
    record_failures, times_batched,
};
use crate::llm::cache::{Cache, CacheError, CachedAnswer};
use crate::llm::client::build_request;
use crate::llm::job::JobSource;
use crate::llm::job::RunError;
use crate::llm::model::ModelSettings;
use crate::llm::response::snippet;
use crate::llm::retry::RetryPolicy;

/// Batches a request may be in without coming back before it is recorded as failed.
pub(crate) const MAX_TRIES: u64 = 3;

/// Failed downloads of a finished batch's results before its requests are recorded as
/// failed.
pub(crate) const MAX_DOWNLOADS: u64 = 3;

/// Largest batch input file submitted: OpenAI takes files up to 200 MB.
pub(crate) const MAX_FILE_BYTES: usize = 190_000_000;

/// A request to answer through the batch API.
#[derive(Debug, Clone)]
pub(crate) struct BatchRequest {
    pub key: [u8; 32],
    pub body: Bytes,
}

/// What one model's batch work needs.
pub(crate) struct BatchSync<'a> {
    pub model: &'a ModelSettings,
    pub api: &'a BatchApi,
    pub cache: &'a Cache,
    /// Poll until no batch is open (`--wait`), every `poll`.
    pub wait: bool,
    pub poll: Duration,
    pub stop: &'a CancellationToken,
}

/// Where the batch step left things.
#[derive(Debug, Default)]
pub struct Synced {
    /// A line per batch still open: none means every job of the batch models has its answer
    /// in the cache or its failure recorded.
    pub open: Vec<String>,
    /// The requests whose answers this step collected: paid for in this run, though the run
    /// reads them from the cache.
    pub collected: HashSet<[u8; 32]>,
}

/// How checking an open batch went.
enum Checked {
    /// Still running (or its state could not be read): a line for the user, and its keys.
    Open(String, HashSet<[u8; 32]>),
    /// Finished and collected now: a line for the user, and the requests it answered.
    Collected(String, Vec<[u8; 32]>),
    /// Never created remotely: forgotten, its requests are submitted again.
    Forgotten,
}

impl BatchSync<'_> {
    /// Brings `requests` (the model's jobs the cache did not answer) as far as it can; returns
    /// a line per batch still open (none: every request has its answer or its failure).
    /// Lines about batches collected or submitted go to `note`.
    pub(crate) async fn run(
        &self,
        requests: &[BatchRequest],
        note: &dyn Fn(&str),
        collected: &mut HashSet<[u8; 32]>,
    ) -> Result<Vec<String>, CacheError> {
        loop {
            let mut open_lines = Vec::new();
            let mut in_batches = HashSet::new();
            for batch in open_batches(self.cache, &self.model.name)? {
                match self.check(&batch).await? {
                    Checked::Open(line, keys) => {
                        open_lines.push(line);
                        in_batches.extend(keys);
                    }
                    Checked::Collected(line, answered) => {
                        note(&line);
                        collected.extend(answered);
                    }
                    Checked::Forgotten => {}
                }
            }
            let mut missing = Vec::new();
            for r in requests {
                if !in_batches.contains(&r.key)
                    && self.cache.get(&r.key)?.is_none()
                    && batch_error(self.cache, &r.key)?.is_none()
                {
                    missing.push(r);
                }
            }
            let mut rest = &missing[..];
            while !rest.is_empty() {
                let (file, taken) = input_file(rest, self.model.batch_max_requests, MAX_FILE_BYTES);
                match self.submit(&rest[..taken], file).await? {
                    Ok(line) => open_lines.extend(line),
                    Err(line) => note(&line),
                }
                rest = &rest[taken..];
            }
            if open_lines.is_empty() || !self.wait {
                return Ok(open_lines);
            }
            for line in &open_lines {
                note(line);
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = self.stop.cancelled() => return Ok(open_lines),
            }
        }
    }

    fn label(&self, id: &str) -> String {
        format!("batch {id} (model {})", self.model.name)
    }

    async fn check(&self, batch: &OpenBatch) -> Result<Checked, CacheError> {
        let keys = batch_keys(self.cache, &batch.local_id)?;
        // Another run is uploading or creating it: the provider may not know it yet, and
        // forgetting it would submit its requests twice.
        if let Some(pid) = batch.being_submitted() {
            return Ok(Checked::Open(
                format!(
                    "{}: being submitted by bench process {pid}; re-run to collect",
                    self.label(&batch.local_id)
                ),
                keys,
            ));
        }
        let remote = match &batch.remote_id {
            Some(id) => self.api.get(id).await,
            // Written but not confirmed: a run was stopped between the two. Ask the provider
            // before anything is submitted again.
            None => match self.api.find(&batch.local_id).await {
                Ok(Some(found)) => {
                    batch_created(self.cache, &batch.local_id, &found.id)?;
                    self.api.get(&found.id).await
                }
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            },
        };
        // Never created, or gone from the provider: its requests are submitted again.
        let remote = match remote {
            Ok(None) => {
                forget_batch(self.cache, &batch.local_id)?;
                return Ok(Checked::Forgotten);
            }
            Ok(Some(r)) => Ok(r),
            Err(e) => Err(e),
        };
        let id = batch.remote_id.as_deref().unwrap_or(&batch.local_id);
        match remote {
            Err(e) => Ok(Checked::Open(
                format!(
                    "{}: state not read ({e}); re-run to ask again",
                    self.label(id)
                ),
                keys,
            )),
            Ok(r) if !r.finished() => Ok(Checked::Open(
                format!("{}: {}", self.label(&r.id), r.progress()),
                keys,
            )),
            Ok(r) => self.collect(batch, &r, &keys).await,
        }
    }

    /// Downloads a finished batch's output and error files and stores what they hold.
    async fn collect(
        &self,
        batch: &OpenBatch,
        r: &RemoteBatch,
        keys: &HashSet<[u8; 32]>,
    ) -> Result<Checked, CacheError> {
        let mut answers: Vec<([u8; 32], CachedAnswer)> = Vec::new();
        let mut failed: Vec<FailedRequest> = Vec::new();
        let mut returned = HashSet::new();
        for file in [&r.output_file_id, &r.error_file_id].into_iter().flatten() {
            let lines = match self.api.results(file).await {
                Ok(lines) => lines,
                Err(e) => return self.not_downloaded(batch, r, keys, &e),
            };
            // A line that is not a result leaves its request unreturned: it is sent again.
            for line in lines {
                let Some(key) = from_hex(&line.custom_id).filter(|k| keys.contains(k)) else {
                    continue;
                };
                if !returned.insert(key) {
                    continue;
                }
                match line.result {
                    BatchResult::Answer(a) => answers.push((key, a)),
                    BatchResult::Failed { code, .. }
                        if matches!(code.as_deref(), Some("batch_expired" | "batch_cancelled")) =>
                    {
                        returned.remove(&key);
                    }
                    BatchResult::Failed {
                        status, message, ..
                    } => failed.push(FailedRequest {
                        key,
                        status,
                        message: format!("{}: {message}", self.label(&r.id)),
                    }),
                }
            }
        }
        // Said once, cut short: a provider's reason can be megabytes long.
        let batch_failed = (r.status == "failed").then(|| {
            let why = r
                .errors
                .as_ref()
                .map_or_else(|| "no reason given".into(), |e| snippet(&e.to_string()));
            format!("{} failed: {why}", self.label(&r.id))
        });
        let mut again = 0u64;
        for key in keys.iter().filter(|k| !returned.contains(*k)) {
            if let Some(why) = &batch_failed {
                failed.push(FailedRequest {
                    key: *key,
                    status: None,
                    message: why.clone(),
                });
            } else if times_batched(self.cache, key)? >= MAX_TRIES {
                failed.push(FailedRequest {
                    key: *key,
                    status: None,
                    message: format!("not returned by {MAX_TRIES} batches (the last {})", r.id),
                });
            } else {
                again += 1;
            }
        }
        collect_batch(self.cache, &batch.local_id, &answers, &failed)?;
        let line = format!(
            "{}: {}: {} answered, {} failed, {again} to send again",
            self.label(&r.id),
            r.status,
            answers.len(),
            failed.len()
        );
        Ok(Checked::Collected(
            line,
            answers.into_iter().map(|(key, _)| key).collect(),
        ))
    }

    /// A finished batch whose results could not be downloaded: open until it has failed
    /// [`MAX_DOWNLOADS`] times (once a run, or once a poll), then every request of it is
    /// recorded as failed (and sent again by the run after), so that an output file that is
    /// gone or endless cannot hold the project up for good.
    fn not_downloaded(
        &self,
        batch: &OpenBatch,
        r: &RemoteBatch,
        keys: &HashSet<[u8; 32]>,
        error: &str,
    ) -> Result<Checked, CacheError> {
        let tries = download_failed(self.cache, &batch.local_id)?;
        let label = self.label(&r.id);
        if tries < MAX_DOWNLOADS {
            return Ok(Checked::Open(
                format!(
                    "{label}: {}, results not downloaded ({error}); try {tries} of \
                     {MAX_DOWNLOADS}, re-run to try again",
                    r.status
                ),
                keys.clone(),
            ));
        }
        let message = format!("{label}: results not downloaded in {MAX_DOWNLOADS} tries: {error}");
        let failed: Vec<FailedRequest> = keys
            .iter()
            .map(|key| FailedRequest {
                key: *key,
                status: None,
                message: message.clone(),
            })
            .collect();
        collect_batch(self.cache, &batch.local_id, &[], &failed)?;
        Ok(Checked::Collected(
            format!(
                "{message}; its {} requests are recorded as failed (the run after sends them \
                 again)",
                keys.len()
            ),
            Vec::new(),
        ))
    }

    /// Uploads `jsonl` (the input file of `missing`) and creates the batch. Ok: the lines
    /// saying so, and how many of `missing` another run took into its batch meanwhile (they
    /// are open too). Err: a line saying it could not be, its requests recorded as failed.
    async fn submit(
        &self,
        missing: &[&BatchRequest],
        mut jsonl: Vec<u8>,
    ) -> Result<Result<Vec<String>, String>, CacheError> {
        let keys: Vec<[u8; 32]> = missing.iter().map(|r| r.key).collect();
        let other_run = |n: usize| {
            format!(
                "model {}: {n} requests are in a batch another bench run is submitting; \
                 re-run to collect",
                self.model.name
            )
        };
        // Written before the batch exists, so that a run killed while creating it finds it.
        let Some(Begun { local_id, keys }) = begin_batch(self.cache, &self.model.name, &keys)?
        else {
            return Ok(Ok(vec![other_run(missing.len())]));
        };
        let mut lines = Vec::new();
        if keys.len() < missing.len() {
            lines.push(other_run(missing.len() - keys.len()));
            let free: HashSet<[u8; 32]> = keys.iter().copied().collect();
            let left: Vec<&BatchRequest> = missing
                .iter()
                .copied()
                .filter(|r| free.contains(&r.key))
                .collect();
            jsonl = input_file(&left, usize::MAX, usize::MAX).0;
        }
        let created = match self.api.upload(jsonl).await {
            Ok(file) => self.api.create(&file, &local_id).await,
            Err(e) => Err(CreateError::NoBatch(e)),
        };
        match created {
            Ok(r) => {
                batch_created(self.cache, &local_id, &r.id)?;
                lines.push(format!(
                    "{}: submitted, {} requests",
                    self.label(&r.id),
                    keys.len()
                ));
                Ok(Ok(lines))
            }
            // It may exist: it stays open under its local id, and the next look asks the
            // provider for it before anything is submitted again.
            Err(CreateError::Unconfirmed(e)) => {
                lines.push(format!(
                    "{}: {} requests submitted, not confirmed ({e}); the next look asks the \
                     provider for it",
                    self.label(&local_id),
                    keys.len()
                ));
                Ok(Ok(lines))
            }
            Err(CreateError::NoBatch(e)) => {
                forget_batch(self.cache, &local_id)?;
                let failed: Vec<FailedRequest> = keys
                    .iter()
                    .map(|key| FailedRequest {
                        key: *key,
                        status: None,
                        message: format!("batch not submitted: {e}"),
                    })
                    .collect();
                record_failures(self.cache, &failed)?;
                Ok(Err(format!(
                    "model {}: {} requests could not be submitted as a batch: {e}",
                    self.model.name,
                    keys.len()
                )))
            }
        }
    }
}

/// The input file of the first requests of `requests` that fit in one batch: at most
/// `max_requests` lines and `max_bytes` bytes (one line at least). Returns the file and how
/// many requests it holds.
fn input_file(
    requests: &[&BatchRequest],
    max_requests: usize,
    max_bytes: usize,
) -> (Vec<u8>, usize) {
    let mut file = Vec::new();
    let mut taken = 0;
    for r in requests.iter().take(max_requests) {
        let line = request_line(&r.key, &r.body);
        if taken > 0 && file.len() + line.len() > max_bytes {
            break;
        }
        file.extend_from_slice(&line);
        taken += 1;
    }
    (file, taken)
}

/// The batch step of a run: for every model with `batch` among `models` that has jobs in
/// `jobs` (or batches still open), the requests the cache does not answer go through its
/// batch API ([`BatchSync`]).
pub async fn sync_batches(
    jobs: &(dyn JobSource + Sync),
    models: &[ModelSettings],
    cache_path: &Path,
    wait: bool,
    stop: &CancellationToken,
    note: &(dyn Fn(&str) + Sync),
) -> Result<Synced, RunError> {
    let cache = Cache::open(cache_path)?;
    ensure_tables(&cache)?;
    let mut requests: Vec<Vec<BatchRequest>> = vec![Vec::new(); models.len()];
    let mut seen = HashSet::new();
    for stream in jobs.streams() {
        if !models[stream.model].batch {
            continue;
        }
        // Jobs whose prompt does not render are recorded as skipped by the engine.
        for job in stream.jobs.flatten() {
            let req = build_request(&models[job.model], &job);
            if seen.insert(req.key) && cache.get(&req.key)?.is_none() {
                requests[job.model].push(BatchRequest {
                    key: req.key,
                    body: req.body,
                });
            }
        }
    }
    let mut synced = Synced::default();
    for (mi, model) in models.iter().enumerate().filter(|(_, m)| m.batch) {
        if requests[mi].is_empty() && open_batches(&cache, &model.name)?.is_empty() {
            continue;
        }
        let key = model.key_source().key();
        let api = BatchApi::new(model, key, RetryPolicy::default()).map_err(RunError::Client)?;
        let sync = BatchSync {
            model,
            api: &api,
            cache: &cache,
            wait,
            poll: model.batch_poll,
            stop,
        };
        let open = sync.run(&requests[mi], note, &mut synced.collected).await?;
        synced.open.extend(open);
    }
    Ok(synced)
}

/// Forgets the batch failures a finished run has recorded as outcomes, so that the next run
/// submits those requests again (as it sends interactive failures again).
pub fn clear_batch_failures(cache_path: &Path) -> Result<u64, CacheError> {
    let cache = Cache::open(cache_path)?;
    ensure_tables(&cache)?;
    clear_batch_errors(&cache)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests(n: u8) -> Vec<BatchRequest> {
        (0..n)
            .map(|i| BatchRequest {
                key: [i; 32],
                body: Bytes::from(format!(r#"{{"model":"m","n":{i}}}"#)),
            })
            .collect()
    }

    /// Splits `requests` the way a submission does; returns the files.
    fn split(requests: &[BatchRequest], max_requests: usize, max_bytes: usize) -> Vec<Vec<u8>> {
        let all: Vec<&BatchRequest> = requests.iter().collect();
        let mut rest = &all[..];
        let mut files = Vec::new();
        while !rest.is_empty() {
            let (file, taken) = input_file(rest, max_requests, max_bytes);
            assert!(taken > 0);
            files.push(file);
            rest = &rest[taken..];
        }
        files
    }

    #[test]
    fn batches_hold_at_most_max_requests_lines_and_max_bytes() {
        let reqs = requests(10);
        let lines: Vec<usize> = split(&reqs, 4, usize::MAX)
            .iter()
            .map(|f| f.iter().filter(|&&b| b == b'\n').count())
            .collect();
        assert_eq!(lines, [4, 4, 2]);

        let line = request_line(&reqs[0].key, &reqs[0].body).len();
        let files = split(&reqs, 100, 3 * line + 1);
        assert_eq!(files.len(), 4, "3 + 3 + 3 + 1 lines");
        assert!(files.iter().all(|f| f.len() <= 3 * line + 1));
        // Every request goes out once, in order, each line whole.
        let joined: Vec<u8> = files.concat();
        let ids: Vec<String> = joined
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_slice(l).expect("a JSON line");
                v["custom_id"].as_str().expect("custom_id").to_string()
            })
            .collect();
        let want: Vec<String> = reqs
            .iter()
            .map(|r| super::super::file::to_hex(&r.key))
            .collect();
        assert_eq!(ids, want);
    }

    #[test]
    fn a_line_larger_than_the_byte_cap_still_goes_alone() {
        let reqs = requests(2);
        let files = split(&reqs, 100, 10);
        assert_eq!(files.len(), 2);
    }
}
