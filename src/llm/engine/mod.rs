//! The LLM call engine: takes rendered jobs, calls every model concurrently within its limits,
//! and hands back exactly one [`CallOutcome`] per job.
//!
//! Shape: per model, a queue of its jobs and `2 × concurrency` worker tasks (so that a worker
//! sleeping in back-off does not hold a send slot; the in-flight cap is a semaphore in
//! [`Pacing`]); every worker sends outcomes over one channel to the collector, which runs in
//! the caller's task, owns the counters and the progress display and calls `on_outcome`.
//! Answers are written to the cache by the worker the moment they arrive.
//!
//! Stopping: cancelling [`EngineOptions::cancel`] (the first Ctrl-C or SIGTERM, see
//! [`super::stop`]) stops dispatch: requests in flight finish and are kept, jobs not yet sent
//! end as [`CallResult::Skipped`]. Cancelling [`EngineOptions::abort`] (the second signal)
//! abandons requests in flight too. Either way every job still gets its outcome and the
//! summary says `cancelled`.

mod call;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::cache::{Cache, CacheError};
use super::client::ModelClient;
use super::cost::Budget;
use super::job::{CallOutcome, CallResult, JobStream, LlmJob, RunError, ScorerCounts, Unmade};
use super::model::{KeySource, ModelSettings};
use super::pacing::Pacing;
use super::progress::Progress;
use super::retry::RetryPolicy;

/// Settings of one engine run that are not per model.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Answer cache file; `None` (`--no-cache`) sends every request.
    pub cache: Option<PathBuf>,
    /// Stop sending new priced requests before this many dollars would be spent.
    pub budget_usd: Option<f64>,
    /// Plain summary lines only, no bars or periodic lines.
    pub quiet: bool,
    /// Cancel to stop dispatch (keeps what is answered).
    pub cancel: CancellationToken,
    /// Cancel to abandon requests in flight as well.
    pub abort: CancellationToken,
    /// Back-off between attempts.
    pub retry: RetryPolicy,
    /// Requests whose answers this run collected from a batch before the engine started:
    /// read from the cache, but paid for in this run (not `cached`, and in `cost_usd`).
    pub collected_now: Arc<HashSet<[u8; 32]>>,
}

/// Totals of an engine run, as `run.json` records them under `llm`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct EngineSummary {
    pub jobs: u64,
    pub answered: u64,
    pub from_cache: u64,
    /// HTTP requests sent in this run, retries included.
    pub requests_sent: u64,
    pub retries: u64,
    pub api_errors: u64,
    pub timeouts: u64,
    pub skipped: u64,
    /// Dollars spent in this run (cache hits excluded).
    pub cost_usd: f64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Dispatch was stopped (Ctrl-C or the caller's token) before every job was sent
    /// (`run.json` says `interrupted` at its top level instead).
    #[serde(skip)]
    pub cancelled: bool,
    pub budget_exhausted: bool,
    /// Warnings shown during the run (skipped models, failed models, budget, cache).
    pub warnings: Vec<String>,
    /// Where each model's adaptive cap on requests in flight ended (models without `rpm`).
    pub adaptive: Vec<AdaptiveWindow>,
}

/// How a model's adaptive concurrency ended.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AdaptiveWindow {
    pub model: String,
    /// Requests in flight allowed at the end of the run.
    pub cap: u32,
    /// The configured `concurrency`, the most it could reach.
    pub max: u32,
    /// Times a 429 halved it.
    pub halvings: u32,
}

enum Event {
    Outcome(CallOutcome, Arc<str>),
    Retry(Arc<str>),
    Warning(String),
    BudgetStop(String),
}

struct Shared {
    cache: Option<Cache>,
    budget: Budget,
    collected_now: Arc<HashSet<[u8; 32]>>,
    /// Stops dispatch: a child of the caller's token, also cancelled by a cache failure.
    cancel: CancellationToken,
    abort: CancellationToken,
    retry: RetryPolicy,
    /// The first answer the cache could not store (a full disk, say): dispatch stops, and
    /// the run ends with this error once what is in flight has its outcome.
    cache_failure: std::sync::Mutex<Option<CacheError>>,
}

impl Shared {
    /// Records that the cache failed (a full disk, say) and stops dispatch; the first
    /// failure alone is said, and ends the run.
    async fn cache_failed(&self, e: CacheError, tx: &mpsc::Sender<Event>) {
        let said = format!("{e}; no new requests are sent");
        {
            let mut first = self.cache_failure.lock().unwrap_or_else(|p| p.into_inner());
            if first.is_some() {
                return;
            }
            *first = Some(e);
        }
        self.cancel.cancel();
        let _ = tx.send(Event::Warning(said)).await;
    }

    fn stopping(&self) -> bool {
        self.cancel.is_cancelled() || self.abort.is_cancelled()
    }

    async fn stopped(&self) {
        tokio::select! {
            _ = self.cancel.cancelled() => {}
            _ = self.abort.cancelled() => {}
        }
    }
}

struct ModelCtx {
    settings: ModelSettings,
    client: ModelClient,
    pacing: Pacing,
    /// Set by the first 401/403/404: why this model stopped.
    dead: OnceLock<String>,
    /// Jobs fed by the collector's task as workers take them (bounded, so that only a few
    /// prompts are rendered at once). Closed when the producer is done or the run stops.
    queue: tokio::sync::Mutex<mpsc::Receiver<LlmJob>>,
}

impl ModelCtx {
    async fn pop(&self) -> Option<LlmJob> {
        self.queue.lock().await.recv().await
    }
}

/// Runs every job and calls `on_outcome` once per job, as outcomes arrive. Returns when every
/// job has its outcome (or the future is dropped, which aborts what is in flight).
pub async fn run_jobs(
    models: &[ModelSettings],
    jobs: Vec<LlmJob>,
    opts: EngineOptions,
    on_outcome: impl FnMut(CallOutcome),
) -> Result<EngineSummary, RunError> {
    let mut per_model: Vec<(ScorerCounts, Vec<LlmJob>)> =
        models.iter().map(|_| Default::default()).collect();
    for job in jobs {
        let Some((counts, queue)) = per_model.get_mut(job.model) else {
            return Err(RunError::UnknownModel {
                job_id: job.job_id,
                model: job.model,
                models: models.len(),
            });
        };
        match counts.iter_mut().find(|(id, _)| *id == job.scorer) {
            Some((_, n)) => *n += 1,
            None => counts.push((job.scorer.clone(), 1)),
        }
        queue.push(job);
    }
    let streams = per_model
        .into_iter()
        .enumerate()
        .map(|(model, (counts, queue))| JobStream {
            model,
            counts,
            jobs: Box::new(queue.into_iter().map(Ok)),
        })
        .collect();
    run_streams(models, streams, opts, on_outcome).await
}

/// Feeds one model's queue from its stream, in the collector's task.
struct Feeder<'a> {
    tx: Option<mpsc::Sender<LlmJob>>,
    jobs: Box<dyn Iterator<Item = Result<LlmJob, Unmade>> + Send + 'a>,
}

impl<F: FnMut(CallOutcome)> Collector<F> {
    /// Makes jobs while the model's queue has room. When the stream is done, or the run is
    /// stopping (then every job not made yet ends as skipped here), the queue is closed, so
    /// that its workers end once it is empty.
    fn feed(&mut self, f: &mut Feeder<'_>, stopping: bool) {
        if f.tx.is_none() {
            return;
        }
        if stopping {
            f.tx = None;
            for item in f.jobs.by_ref() {
                let (job_id, scorer) = match item {
                    Ok(job) => (job.job_id, job.scorer),
                    Err(u) => (u.job_id, u.scorer),
                };
                let reason = "run stopped before this request was sent".to_string();
                self.handle(Event::Outcome(CallOutcome::skipped(job_id, reason), scorer));
            }
            return;
        }
        let mut done = false;
        while let Some(Ok(permit)) = f.tx.as_ref().map(mpsc::Sender::try_reserve) {
            match f.jobs.next() {
                Some(Ok(job)) => permit.send(job),
                Some(Err(u)) => {
                    drop(permit);
                    let outcome = CallOutcome::skipped(u.job_id, u.reason);
                    self.handle(Event::Outcome(outcome, u.scorer));
                }
                None => {
                    done = true;
                    break;
                }
            }
        }
        if done {
            f.tx = None;
        }
    }
}

/// [`run_jobs`] for jobs made on demand: at most `2 × concurrency` jobs of a model wait
/// rendered in its queue; the rest are made as workers take them.
pub async fn run_streams(
    models: &[ModelSettings],
    streams: Vec<JobStream<'_>>,
    opts: EngineOptions,
    on_outcome: impl FnMut(CallOutcome),
) -> Result<EngineSummary, RunError> {
    let mut scorers: ScorerCounts = Vec::new();
    let mut total = 0;
    for stream in &streams {
        if stream.model >= models.len() {
            return Err(RunError::UnknownModel {
                job_id: 0,
                model: stream.model,
                models: models.len(),
            });
        }
        for (id, n) in &stream.counts {
            total += n;
            match scorers.iter_mut().find(|(s, _)| s == id) {
                Some((_, m)) => *m += n,
                None => scorers.push((id.clone(), *n)),
            }
        }
    }
    let cache = opts.cache.as_deref().map(Cache::open).transpose()?;
    let abort = opts.abort.child_token();
    // Dropping this future aborts everything still running.
    let _abort_on_drop = abort.clone().drop_guard();
    let shared = Arc::new(Shared {
        cache,
        budget: Budget::new(opts.budget_usd),
        cancel: opts.cancel.child_token(),
        abort: abort.clone(),
        retry: opts.retry,
        cache_failure: std::sync::Mutex::new(None),
        collected_now: opts.collected_now.clone(),
    });
    let mut collector = Collector {
        progress: Progress::new(&scorers, opts.quiet),
        summary: EngineSummary {
            jobs: total,
            ..EngineSummary::default()
        },
        on_outcome,
    };
    let (tx, mut rx) = mpsc::channel::<Event>(1024);
    let mut tasks = JoinSet::new();
    let mut feeders = Vec::new();
    let mut contexts = Vec::new();
    for stream in streams {
        let settings = &models[stream.model];
        let n_jobs: u64 = stream.counts.iter().map(|(_, n)| n).sum();
        if n_jobs == 0 {
            continue;
        }
        let key = match settings.key_source() {
            KeySource::NotNeeded => None,
            KeySource::Set(key) => Some(key),
            KeySource::Unset { var } => {
                let reason = format!(
                    "model `{}` skipped: environment variable {var} is not set",
                    settings.name
                );
                collector.handle(Event::Warning(format!("{reason} ({n_jobs} jobs)")));
                for item in stream.jobs {
                    let (job_id, scorer) = match item {
                        Ok(job) => (job.job_id, job.scorer),
                        Err(u) => (u.job_id, u.scorer),
                    };
                    let outcome = CallOutcome::skipped(job_id, reason.clone());
                    collector.handle(Event::Outcome(outcome, scorer));
                }
                continue;
            }
        };
        // Tasks per job, not per configured slot: a `concurrency` far above the number of
        // jobs costs nothing.
        let workers = (settings.concurrency.get() as usize * 2).min(n_jobs as usize);
        if let Some(w) = slow_pace_warning(settings, n_jobs) {
            collector.handle(Event::Warning(w));
        }
        let (job_tx, job_rx) = mpsc::channel(workers);
        let ctx = Arc::new(ModelCtx {
            client: ModelClient::new(settings, key).map_err(RunError::Client)?,
            pacing: Pacing::new(settings),
            settings: settings.clone(),
            dead: OnceLock::new(),
            queue: tokio::sync::Mutex::new(job_rx),
        });
        contexts.push(ctx.clone());
        tasks.spawn(run_model(ctx, workers, shared.clone(), tx.clone()));
        feeders.push(Feeder {
            tx: Some(job_tx),
            jobs: stream.jobs,
        });
    }
    drop(tx);
    let (mut stopping, mut aborted) = (false, false);
    loop {
        for f in &mut feeders {
            collector.feed(f, stopping);
        }
        tokio::select! {
            event = rx.recv() => match event {
                Some(event) => collector.handle(event),
                None => break,
            },
            // Wakes the feeders up to close their queues, so that idle workers end.
            _ = shared.cancel.cancelled(), if !stopping => {
                stopping = true;
                if opts.cancel.is_cancelled() {
                    collector.handle(Event::Warning(
                        "stopping: no new requests are sent; waiting for those in flight \
                         (signal again to abandon them)"
                            .into(),
                    ));
                }
            }
            _ = shared.abort.cancelled(), if !aborted => {
                (stopping, aborted) = (true, true);
                collector.handle(Event::Warning("requests in flight abandoned".into()));
            }
        }
    }
    while tasks.join_next().await.is_some() {}
    collector.progress.finish();
    let failure = shared.cache_failure.lock().map(|mut f| f.take());
    if let Ok(Some(e)) = failure {
        return Err(RunError::Cache(e));
    }
    let mut summary = collector.summary;
    summary.cancelled = shared.stopping();
    summary.cost_usd = shared.budget.spent();
    summary.adaptive = contexts
        .iter()
        .filter(|ctx| ctx.pacing.adaptive())
        .map(|ctx| {
            let (cap, halvings) = ctx.pacing.window();
            AdaptiveWindow {
                model: ctx.settings.name.clone(),
                cap,
                max: ctx.settings.concurrency.get(),
                halvings,
            }
        })
        .collect();
    Ok(summary)
}

struct Collector<F> {
    progress: Progress,
    summary: EngineSummary,
    on_outcome: F,
}

impl<F: FnMut(CallOutcome)> Collector<F> {
    fn handle(&mut self, event: Event) {
        let s = &mut self.summary;
        match event {
            Event::Outcome(o, scorer) => {
                match &o.result {
                    CallResult::Answer { .. } if o.cached => s.from_cache += 1,
                    CallResult::Answer { .. } => s.answered += 1,
                    CallResult::ApiError { .. } => s.api_errors += 1,
                    CallResult::Timeout { .. } => s.timeouts += 1,
                    CallResult::Skipped { .. } => s.skipped += 1,
                }
                if !o.cached {
                    s.requests_sent += u64::from(o.attempts);
                    s.prompt_tokens += u64::from(o.prompt_tokens.unwrap_or(0));
                    s.completion_tokens += u64::from(o.completion_tokens.unwrap_or(0));
                }
                let failed = !matches!(o.result, CallResult::Answer { .. });
                self.progress.job_done(&scorer, failed);
                (self.on_outcome)(o);
            }
            Event::Retry(scorer) => {
                s.retries += 1;
                self.progress.retry(&scorer);
            }
            Event::Warning(message) => {
                self.progress.warn(&message);
                s.warnings.push(message);
            }
            Event::BudgetStop(message) => {
                s.budget_exhausted = true;
                self.progress.warn(&message);
                s.warnings.push(message);
            }
        }
    }
}

/// Requests slower than this (by the configured limits alone) get a warning.
const SLOW_PACE_S: f64 = 60.0;

/// A warning when the model's `rpm` or `tpm` allows fewer than one request a minute, so that
/// a typo such as `tpm = 1` does not look like a hang. The tokens of a request are guessed
/// as `max_tokens` plus a short prompt (a lower bound: the real pace can only be slower).
fn slow_pace_warning(m: &ModelSettings, jobs: u64) -> Option<String> {
    let tokens = f64::from(m.max_tokens) + 200.0;
    let by_rpm = m.rpm.map_or(0.0, |r| 60.0 / f64::from(r.get()));
    let by_tpm = m.tpm.map_or(0.0, |t| 60.0 * tokens / f64::from(t.get()));
    let pace = by_rpm.max(by_tpm);
    if pace <= SLOW_PACE_S {
        return None;
    }
    let limit = if by_tpm >= by_rpm {
        format!(
            "tpm = {} (about {tokens:.0} tokens a request)",
            m.tpm.map_or(0, |t| t.get())
        )
    } else {
        format!("rpm = {}", m.rpm.map_or(0, |r| r.get()))
    };
    // The limits are the model's, whatever the concurrency.
    let total_h = pace * jobs as f64 / 3600.0;
    Some(format!(
        "model `{}`: {limit} allows one request every {:.0} s; its {jobs} jobs will take at \
         least {total_h:.1} h at that pace (check rpm/tpm in config)",
        m.name, pace
    ))
}

/// Runs one model's workers, then ends every job left in its queue (the run was stopped).
async fn run_model(ctx: Arc<ModelCtx>, n: usize, shared: Arc<Shared>, tx: mpsc::Sender<Event>) {
    let mut workers = JoinSet::new();
    for _ in 0..n {
        workers.spawn(worker(ctx.clone(), shared.clone(), tx.clone()));
    }
    while workers.join_next().await.is_some() {}
    // The queue is closed once the run stops, so this ends.
    while let Some(job) = ctx.pop().await {
        let reason = match ctx.dead.get() {
            Some(why) => why.clone(),
            None => "run stopped before this request was sent".to_string(),
        };
        let outcome = CallOutcome::skipped(job.job_id, reason);
        if tx.send(Event::Outcome(outcome, job.scorer)).await.is_err() {
            return;
        }
    }
}

async fn worker(ctx: Arc<ModelCtx>, shared: Arc<Shared>, tx: mpsc::Sender<Event>) {
    while !shared.stopping() {
        let Some(job) = ctx.pop().await else { return };
        let (job_id, scorer) = (job.job_id, job.scorer.clone());
        // Each job runs in its own task so that a panic ends that job with an outcome
        // instead of taking the worker, and the jobs it would have taken, down with it.
        let task = tokio::spawn(call::call(ctx.clone(), shared.clone(), tx.clone(), job));
        let outcome = task.await.unwrap_or_else(|e| {
            CallOutcome::skipped(job_id, format!("internal error while calling: {e}"))
        });
        if tx.send(Event::Outcome(outcome, scorer)).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::model::RawModelSettings;

    fn model(extra: &str) -> ModelSettings {
        let raw: RawModelSettings = toml::from_str(&format!(
            "name = \"m\"\nmodel = \"g\"\nbase_url = \"http://h/v1\"\nmax_tokens = 300\n{extra}"
        ))
        .expect("model parses");
        raw.validate(0).expect("valid")
    }

    #[test]
    fn limits_slower_than_a_request_a_minute_are_warned_about() {
        let w = slow_pace_warning(&model("tpm = 1\n"), 80).expect("tpm = 1 warns");
        assert!(w.contains("tpm = 1") && w.contains("80 jobs"), "{w}");
        let w = slow_pace_warning(&model("rpm = 1\n"), 10);
        assert!(
            w.is_none(),
            "one request a minute is slow but not a mistake: {w:?}"
        );
        assert!(slow_pace_warning(&model("tpm = 200000\nrpm = 500\n"), 1000).is_none());
        assert!(slow_pace_warning(&model(""), 1000).is_none());
    }
}
