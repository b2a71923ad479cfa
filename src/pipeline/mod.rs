//! A benchmark run, step by step (ARCHITECTURE.md draws it): [`Run::prepare`] reads the
//! config and the leads, splits them and claims the run folder; [`Run::baselines`] scores the
//! test leads in-process; [`Run::llm`] sends the LLM jobs; [`Run::finish`] writes
//! predictions and `run.json`, then metrics and reports, and says how the run ended.
//! `bench run` is these four calls and what it prints. Per-lead failures are data; only
//! setup errors stop a run.

mod batch;
mod batch_files;
mod fingerprint;
mod folder;
mod inputs;
mod kept;
mod llm;
mod plan;
mod rewrite;
mod routing;
mod score;

use inputs::{
    Dataset, SkippedModel, keeps, nothing_to_run, rendering, requested_scorers, train_leads,
    unmatched_patterns, usable_models,
};

use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

pub use batch_files::{export_batch, import_batch};
pub use fingerprint::{
    heuristic_fingerprint, learned_fingerprint, scorer_fingerprint, scorer_fingerprint_among,
};
pub use folder::report_run;
pub(crate) use folder::{unused_dir, utc_stamp};
pub use plan::{Verdict, budget_verdict, plan_only};
pub use rewrite::{
    REWRITE_ANSWER_TOKENS, RewriteRequest, Rewritten, plan_rewrites, rewrite_messages,
};
pub use routing::{Calibrated, CalibrationAsk, Route, calibrate};
pub use score::{ScoreOptions, ScoreOutcome, Scored, score_leads};

use crate::config::{Config, DatasetSource};
use crate::evaluate::{ModelPricing, ReportOptions, RunManifest, RunMetrics};
use crate::generate::Sidecar;
use crate::lead::{Format, Lead, Split};
use crate::llm::{Cache, EngineSummary, LlmJobs, ModelSettings, Plan, Stop, StopSignal};
use crate::prediction::{LOGPROBS, Prediction, PredictionSink, ScorerId, ScorerTally};
use crate::score::Scorer;
use crate::score::heuristic::HeuristicScorer;
use crate::score::learned::{LearnedModel, TrainedOn};
use crate::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Error};

/// What a run is asked to do (the options of `bench run`).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub config: PathBuf,
    /// Write the run here exactly, instead of `<results_dir>/<timestamp>-<name>`.
    pub out: Option<PathBuf>,
    /// With `out`: replace the earlier run there.
    pub overwrite: bool,
    pub no_cache: bool,
    pub quiet: bool,
    /// Score only the first N test leads.
    pub limit: Option<usize>,
    /// Keep only scorers whose id matches one of these patterns (all when empty).
    pub only: Vec<String>,
    /// Send every model's requests through its batch API (as `batch = true` does for one).
    pub batch: bool,
    /// Wait for open batches to finish instead of exiting to be run again.
    pub wait: bool,
    /// Shows the plan of the LLM requests before anything is sent (the command line's
    /// printer; none with `--quiet`).
    pub show_plan: Option<fn(&Plan)>,
}

/// What [`Run::prepare`] leads to.
pub enum Prepared {
    /// Ready for the steps.
    Ready(Box<Run>),
    /// Batches are open (just submitted or still running): nothing was written; run again
    /// to collect them. `stopped_by`: a signal ended the wait for them (`--wait`).
    BatchPending { stopped_by: Option<StopSignal> },
}

/// A run in progress: everything the steps share.
pub struct Run {
    opts: RunOptions,
    config: Config,
    /// Every scorer asked for, whether or not it can run.
    requested: Vec<ScorerId>,
    runtime: tokio::runtime::Runtime,
    stop: Stop,
    leads: Vec<Lead>,
    /// Indices into `leads` of the leads scored (the test split, after `--limit`).
    eval: Vec<usize>,
    dir: PathBuf,
    run_id: String,
    sink: PredictionSink,
    /// The models whose key is at hand (or that need none).
    models: Vec<ModelSettings>,
    /// What the LLM step was expected to send, when it has jobs.
    /// Scorers that ran, in report order.
    scorers: Vec<String>,
    skipped_models: Vec<SkippedModel>,
    llm: Option<EngineSummary>,
    /// The LLM jobs, planned in `prepare`, sent by the LLM step.
    llm_jobs: Option<LlmJobs>,
    /// Requests whose answers the batch step collected in this run (paid in this run).
    collected_now: Arc<HashSet<[u8; 32]>>,
    /// What run.json says: written as the claim, rewritten whole when the run ends.
    manifest: RunManifest<EngineSummary, Plan>,
}

/// How a run ended.
pub struct Finished {
    pub dir: PathBuf,
    /// `None` when no report could be made (the reason was printed; predictions are kept).
    pub metrics: Option<RunMetrics>,
    /// The signal that stopped it early.
    pub stopped_by: Option<StopSignal>,
    pub interrupted: bool,
    /// One line per requested scorer that produced no parsed prediction, with the reason.
    pub failed: Vec<String>,
}

impl Finished {
    /// 130/143 when stopped, 1 when a requested scorer produced nothing, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.interrupted {
            self.stopped_by
                .map_or(EXIT_INTERRUPTED, StopSignal::exit_code)
        } else if self.failed.is_empty() {
            EXIT_OK
        } else {
            EXIT_FAILED
        }
    }
}

/// A line on standard error about the run.
pub(crate) fn note(msg: impl AsRef<str>) {
    eprintln!("bench: {}", msg.as_ref());
}

fn now_utc() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl Run {
    /// Reads the config and the leads, refuses a run with nothing to do or nowhere to go,
    /// starts watching for Ctrl-C and SIGTERM, shows the plan of the LLM jobs and refuses one
    /// over `budget_usd`, brings the batches of batch models up to date (and stops there
    /// while any is open), and claims a run folder (new, empty, left unfinished by a killed
    /// run, or given over with `--overwrite`) with `config.toml`, `dataset.csv` (and its
    /// sidecar) and the prompts and rules its scorers read (`kept.rs`) in it.
    pub fn prepare(opts: RunOptions) -> Result<Prepared, Error> {
        let started = now_utc();
        let config = Config::load(&opts.config)?;
        let requested = asked_for(&config, &opts)?;
        let (runtime, stop) = start_runtime()?;
        let Dataset {
            leads,
            eval,
            dataset,
            stats,
        } = Dataset::load(&config, opts.limit)?;
        let (mut models, skipped_models) = usable_models(&config);
        for why in &skipped_models {
            note(why.to_string());
        }
        if opts.batch {
            for m in &mut models {
                m.batch = true;
            }
        }
        let eval_leads: Vec<&Lead> = eval.iter().map(|&i| &leads[i]).collect();
        let planned = if requested.iter().any(ScorerId::is_llm) {
            let keep = |id: &ScorerId| keeps(&opts.only, id);
            let ask = plan::PlanInput {
                config: &config,
                opts: &opts,
                keep: &keep,
                models: &models,
                eval: &eval_leads,
                train: &train_leads(&leads),
                runtime: &runtime,
                stop: &stop,
            };
            match plan::plan_llm_jobs(&ask)? {
                ControlFlow::Continue(planned) => Some(planned),
                ControlFlow::Break(stopped_by) => return Ok(Prepared::BatchPending { stopped_by }),
            }
        } else {
            None
        };
        let (llm_jobs, plan, collected_now) = match planned {
            Some(p) => (Some(p.jobs), p.plan, p.collected_now),
            None => (None, None, HashSet::new()),
        };
        // A logprobs reading is of its scorer's answers: the same sample.
        let sampled = llm_jobs
            .iter()
            .flat_map(LlmJobs::sampled)
            .flat_map(|(s, n)| {
                let id = &s.id;
                let reading = s
                    .top_logprobs
                    .map(|_| (format!("{id}{LOGPROBS}"), n as u64));
                std::iter::once((id.to_string(), n as u64)).chain(reading)
            })
            .collect();
        let (dir, run_id) = claim_folder(&config, &opts)?;
        let kept = kept::kept_inputs(&config, &requested);
        // The learned model's comes when it is trained, the derived scorers' at the end.
        let fingerprints = requested
            .iter()
            .filter(|id| **id != ScorerId::Learned)
            .filter_map(|id| Some((id.to_string(), scorer_fingerprint(&config, id, None)?)))
            .collect();
        // The claim: from here on the folder is known as this run's, even if it is killed.
        let manifest = RunManifest {
            state: Some("running".into()),
            pid: Some(std::process::id()),
            run_id: Some(run_id.clone()),
            tool_version: Some(env!("CARGO_PKG_VERSION").into()),
            config: Some(config.path.display().to_string()),
            started: Some(started),
            finished: None,
            bands: Some(config.bands),
            dataset: Some(dataset.clone()),
            n_leads: leads.len(),
            n_evaluated: eval.len(),
            n_train: leads
                .iter()
                .filter(|l| l.meta.split == Some(Split::Train))
                .count(),
            repeats: config.run.repeats,
            scorers: requested.iter().map(ToString::to_string).collect(),
            skipped_models: skipped_models.iter().map(ToString::to_string).collect(),
            llm: None,
            plan,
            interrupted: false,
            capacity: Some(config.capacity),
            prompts: Some(kept.prompts.clone()),
            heuristic_rules: kept.rules.clone(),
            sampled,
            ensembles: config.ensembles.clone(),
            cascades: config.cascades.clone(),
            fingerprints,
            pricing: models
                .iter()
                .filter(|m| m.price.is_some())
                .map(|m| {
                    let (batch_discount, batch) = (m.batch_discount, m.batch);
                    (
                        m.name.clone(),
                        ModelPricing {
                            batch_discount,
                            batch,
                        },
                    )
                })
                .collect(),
        };
        folder::write_json(&dir.join("run.json"), &manifest)?;
        folder::copy_config(&config.path, &dir)?;
        kept::write_kept(&dir, &kept)?;
        folder::write_dataset(&dir.join("dataset.csv"), &leads)?;
        if let (Some(stats), DatasetSource::Generate(params)) = (&stats, &config.dataset) {
            let bands = config.bands;
            let sidecar = Sidecar::new("dataset.csv".into(), Format::Csv, params, bands, stats);
            folder::write_json(&dir.join("dataset.meta.json"), &sidecar)?;
        }
        note(format!(
            "run {run_id}: {} leads ({dataset}), scoring {} test leads; writing to {}",
            leads.len(),
            eval.len(),
            dir.display()
        ));
        let sink = PredictionSink::create(&dir).map_err(|e| Error::write(&dir, e))?;
        Ok(Prepared::Ready(Box::new(Run {
            opts,
            config,
            requested,
            runtime,
            stop,
            leads,
            eval,
            dir,
            run_id,
            sink,
            models,
            manifest,
            scorers: Vec::new(),
            skipped_models,
            llm: None,
            llm_jobs,
            collected_now: Arc::new(collected_now),
        })))
    }

    fn keeps(&self, id: &ScorerId) -> bool {
        keeps(&self.opts.only, id)
    }

    /// Scores the evaluated leads with the heuristic and the learned model (trained on the
    /// train split; a model that cannot be trained is skipped with the reason).
    pub fn baselines(&mut self) -> Result<(), Error> {
        let (b, bands) = (&self.config.baselines, self.config.bands);
        if b.heuristic && self.keeps(&ScorerId::Heuristic) {
            let h = HeuristicScorer::new(b.heuristic_rules.clone(), bands);
            self.score_with(&h)?;
        }
        let b = &self.config.baselines;
        if b.learned && self.keeps(&ScorerId::Learned) {
            match LearnedModel::train(&self.leads, &b.learned_options, bands) {
                Ok(model) => {
                    let s = model.summary();
                    if s.trained_on == TrainedOn::Converted {
                        note(format!(
                            "learned baseline: trained on conversions (`converted`) of {} train leads ({} converted), not on gold labels: its score is p(convert) × 100",
                            s.n_train, s.class_counts[2]
                        ));
                    }
                    model.save(&self.dir.join("learned-model.json"))?;
                    let id = ScorerId::Learned.to_string();
                    let fingerprint = learned_fingerprint(&model);
                    self.manifest.fingerprints.insert(id, fingerprint);
                    self.score_with(&model)?;
                }
                Err(e) => note(format!("learned baseline skipped: {e}")),
            }
        }
        Ok(())
    }

    fn score_with(&mut self, scorer: &dyn Scorer) -> Result<(), Error> {
        for &i in &self.eval {
            let lead = &self.leads[i];
            let t = Instant::now();
            let score = scorer.score(lead);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let bands = &self.config.bands;
            let p = score.into_prediction(&self.run_id, &lead.lead_id, scorer.id(), bands, ms);
            self.sink
                .push(&p)
                .map_err(|e| Error::write(&self.dir.join("predictions.csv"), e))?;
        }
        self.scorers.push(scorer.id().to_string());
        Ok(())
    }

    /// Sends every (lead × model × prompt × repeat) job of the models whose key is at hand.
    pub fn llm(&mut self) -> Result<(), Error> {
        let started = Instant::now();
        let Some(jobs) = self.llm_jobs.take() else {
            return Ok(());
        };
        let models = &self.models;
        let eval: Vec<&Lead> = self.eval.iter().map(|&i| &self.leads[i]).collect();
        let matrix = jobs.matrix(rendering(&self.config, &eval));
        for s in matrix.scorers() {
            self.scorers.push(s.id.to_string());
            if s.top_logprobs.is_some() {
                self.scorers.push(format!("{}{LOGPROBS}", s.id));
            }
        }
        if matrix.keys().is_empty() {
            return Ok(());
        }
        let step = llm::LlmStep {
            runtime: &self.runtime,
            stop: &self.stop,
            config: &self.config,
            models,
            eval: &eval,
            run_id: &self.run_id,
            log_dir: &self.dir,
            use_cache: !self.opts.no_cache,
            quiet: self.opts.quiet,
            collected_now: self.collected_now.clone(),
        };
        // The first write error is kept and reported once the engine is done; every job
        // still gets its outcome counted.
        let (sink, mut write_error) = (&mut self.sink, None);
        let record = |_lead: usize, p: Prediction| {
            if write_error.is_none()
                && let Err(e) = sink.push(&p)
            {
                write_error = Some(e);
            }
        };
        let summary = step.run(matrix, record, &mut self.skipped_models)?;
        if let Some(e) = write_error {
            return Err(Error::write(&self.dir.join("predictions.csv"), e));
        }
        self.llm = Some(summary);
        note(format!(
            "llm phase (rendering, calls, predictions): {:.2} s",
            started.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// Writes the predictions and `run.json`, then metrics and reports (a failure of those
    /// is printed, the run is kept), and tells which requested scorers produced nothing.
    pub fn finish(self) -> Result<Finished, Error> {
        let Run {
            config,
            requested,
            stop,
            leads,
            eval,
            dir,
            sink,
            scorers,
            skipped_models,
            llm,
            mut manifest,
            ..
        } = self;
        let written = sink.written();
        let failed = scorers_without_predictions(&requested, sink.tallies(), &skipped_models);
        sink.finish()
            .map_err(|e| Error::write(&dir.join("predictions.csv"), e))?;
        let interrupted = stop.requested() || llm.as_ref().is_some_and(|s| s.cancelled);
        manifest.state = Some("finished".into());
        manifest.pid = None;
        manifest.finished = Some(now_utc());
        manifest.fingerprints.retain(|id, _| scorers.contains(id));
        let ran: Vec<ScorerId> = scorers
            .iter()
            .map(|id| ScorerId::from(id.as_str()))
            .collect();
        let known = |id: &ScorerId| manifest.fingerprints.get(&id.to_string()).cloned();
        let derived: Vec<(String, String)> = config
            .ensembles
            .iter()
            .map(|e| e.id())
            .chain(config.cascades.iter().map(|c| c.id()))
            .filter_map(|id| {
                let fp = fingerprint::derived_fingerprint(&config, &id, &ran, &known)?;
                Some((id.to_string(), fp))
            })
            .collect();
        manifest.fingerprints.extend(derived);
        manifest.scorers = scorers;
        manifest.skipped_models = skipped_models.iter().map(ToString::to_string).collect();
        manifest.llm = llm;
        manifest.interrupted = interrupted;
        folder::write_json(&dir.join("run.json"), &manifest)?;
        note(format!("{written} predictions written"));
        // The report reads the dataset and predictions back from the run folder: the leads
        // held for scoring are freed first, so that both are not in memory at once (at
        // 100,000 jobs that overlap was the run's peak).
        drop(manifest);
        drop((leads, eval));
        let opts = ReportOptions {
            seed: config.run.seed,
            ..ReportOptions::default()
        };
        let metrics = match report_run(&dir, &opts) {
            Ok(m) => Some(m),
            // Predictions are the raw truth and are already written: say what failed and how
            // to retry, but keep the run.
            Err(e) => {
                note(format!(
                    "no report: {e}; predictions are kept, rerun `bench report {}`",
                    dir.display()
                ));
                None
            }
        };
        Ok(Finished {
            dir,
            metrics,
            stopped_by: stop.signal(),
            interrupted,
            failed,
        })
    }
}

/// The scorers the config and `--only` ask for (refused when none), with a warning for each
/// pattern that matches nothing; the answer cache is opened (and so written to) before
/// anything else is, so that a cache that is another program's, or read-only, fails the run
/// before its folder exists.
fn asked_for(config: &Config, opts: &RunOptions) -> Result<Vec<ScorerId>, Error> {
    let requested = requested_scorers(config, &opts.only);
    if requested.is_empty() {
        return Err(nothing_to_run(config, &opts.only));
    }
    for line in unmatched_patterns(config, &opts.only) {
        note(line);
    }
    if !opts.no_cache && requested.iter().any(ScorerId::is_llm) {
        drop(Cache::open(&config.run.cache)?);
    }
    Ok(requested)
}

/// The async runtime of the LLM step, and the watch for Ctrl-C and SIGTERM on it.
fn start_runtime() -> Result<(tokio::runtime::Runtime, Stop), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Setup {
            what: "the async runtime",
            source,
        })?;
    let stop = {
        let _in_runtime = runtime.enter();
        Stop::watch_signals().map_err(|source| Error::Setup {
            what: "the signal handlers",
            source,
        })?
    };
    Ok((runtime, stop))
}

/// The run's folder (`--out`, or a new one under `results_dir`), made, and its id.
fn claim_folder(config: &Config, opts: &RunOptions) -> Result<(PathBuf, String), Error> {
    let dir = match &opts.out {
        Some(dir) => {
            if let Some(line) = folder::claim_out_dir(dir, opts.overwrite)? {
                note(line);
            }
            dir.clone()
        }
        None => {
            let id = format!("{}-{}", folder::utc_stamp(), config.run.name);
            folder::unused_dir(&config.run.results_dir, &id)
        }
    };
    let run_id = dir
        .file_name()
        .map_or_else(|| "run".to_string(), |n| n.to_string_lossy().into_owned());
    crate::atomic::remove_stale_temp_files(&config.run.results_dir, 1);
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    Ok((dir, run_id))
}

/// One line per requested scorer that produced no parsed prediction, with the reason.
fn scorers_without_predictions(
    requested: &[ScorerId],
    tallies: &BTreeMap<String, ScorerTally>,
    skipped: &[SkippedModel],
) -> Vec<String> {
    let mut lines = Vec::new();
    for id in requested {
        let tally = tallies.get(&id.to_string());
        if tally.is_some_and(|t| t.parsed > 0) {
            continue;
        }
        let why = match tally {
            Some(t) => format!(
                "{} of {} predictions failed{}",
                t.total,
                t.total,
                t.first_error
                    .as_ref()
                    .map(|e| format!(", the first with: {e}"))
                    .unwrap_or_default()
            ),
            None => skipped
                .iter()
                .find(|s| Some(s.model.as_str()) == id.model())
                .map_or_else(|| "it did not run".to_string(), ToString::to_string),
        };
        lines.push(format!("scorer {id} produced no parsed prediction: {why}"));
    }
    lines
}
