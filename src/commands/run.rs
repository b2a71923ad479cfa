//! `bench run`: dataset → baselines and LLM scorers → predictions → reports, in one run
//! directory. Per-lead failures are data; only setup errors stop the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::atomic::{write_atomic, write_json_atomic};
use crate::cli::{ConfigArgs, RunArgs};
use crate::commands::generate::Sidecar;
use crate::config::{Config, DatasetSource};
use crate::evaluate::{ReportOptions, RunMetrics, report_run};
use crate::generate::{DatasetStats, Generator};
use crate::jobs::{MatrixInput, build_llm_jobs, matches_only, prediction_from_outcome};
use crate::lead::{Columns, Format, Lead, LeadWriter, Split, read_leads};
use crate::prediction::{Prediction, PredictionSink, ScorerTally};
use crate::run::{
    Cache, EngineOptions, EngineSummary, ModelSettings, Stop, ensure_up, run_streams,
};
use crate::score::Scorer;
use crate::score::heuristic::HeuristicScorer;
use crate::score::learned::{LearnedModel, ensure_split};
use crate::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Error};

/// `run.json`: what was run, for reports and for people reading the directory later.
#[derive(Debug, Serialize)]
struct RunInfo<'a> {
    run_id: &'a str,
    tool_version: &'static str,
    config: String,
    started: String,
    finished: String,
    bands: crate::lead::Bands,
    dataset: String,
    n_leads: usize,
    /// Leads scored (the test split, after `--limit`).
    n_evaluated: usize,
    n_train: usize,
    repeats: u32,
    scorers: Vec<String>,
    /// Models left out and why (missing key, server not available).
    skipped_models: Vec<String>,
    llm: Option<EngineTotals>,
    interrupted: bool,
}

#[derive(Debug, Serialize)]
struct EngineTotals {
    jobs: u64,
    answered: u64,
    from_cache: u64,
    requests_sent: u64,
    retries: u64,
    api_errors: u64,
    timeouts: u64,
    skipped: u64,
    cost_usd: f64,
    prompt_tokens: u64,
    completion_tokens: u64,
    budget_exhausted: bool,
    warnings: Vec<String>,
}

impl From<&EngineSummary> for EngineTotals {
    fn from(s: &EngineSummary) -> Self {
        EngineTotals {
            jobs: s.jobs,
            answered: s.answered,
            from_cache: s.from_cache,
            requests_sent: s.requests_sent,
            retries: s.retries,
            api_errors: s.api_errors,
            timeouts: s.timeouts,
            skipped: s.skipped,
            cost_usd: s.cost_usd,
            prompt_tokens: s.prompt_tokens,
            completion_tokens: s.completion_tokens,
            budget_exhausted: s.budget_exhausted,
            warnings: s.warnings.clone(),
        }
    }
}

fn now_utc() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn note(msg: impl AsRef<str>) {
    eprintln!("bench: {}", msg.as_ref());
}

/// Loads or generates the leads; the generator's counts come along for the sidecar.
fn load_dataset(config: &Config) -> Result<(Vec<Lead>, String, Option<DatasetStats>), Error> {
    match &config.dataset {
        DatasetSource::File(path) => Ok((read_leads(path)?, path.display().to_string(), None)),
        DatasetSource::Generate(params) => {
            let mut stats = DatasetStats::default();
            let leads: Vec<Lead> = Generator::new(params, config.bands)
                .inspect(|l| stats.add(l))
                .collect();
            let what = format!(
                "generated: n = {}, seed = {}, label_noise = {}",
                params.n, params.seed, params.label_noise
            );
            Ok((leads, what, Some(stats)))
        }
    }
}

fn write_dataset(path: &Path, leads: &[Lead]) -> Result<(), Error> {
    let file = crate::atomic::AtomicFile::create(path).map_err(|e| Error::output(path, e))?;
    let columns = Columns {
        gold: true,
        meta: true,
        tail: vec![],
    };
    let mut w = LeadWriter::new(file, Format::Csv, columns).map_err(|e| Error::output(path, e))?;
    for lead in leads {
        w.write(lead, &[]).map_err(|e| Error::output(path, e))?;
    }
    w.finish()
        .and_then(|f| f.commit())
        .map_err(|e| Error::output(path, e))
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), Error> {
    write_json_atomic(path, value).map_err(|e| Error::output(path, e))
}

/// Scores the evaluated leads with one in-process scorer.
fn run_baseline(
    sink: &mut PredictionSink,
    scorer: &dyn Scorer,
    eval: &[&Lead],
    run_id: &str,
    config: &Config,
) -> Result<(), Error> {
    for lead in eval {
        let t = Instant::now();
        let score = scorer.score(lead);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let p = score.into_prediction(run_id, &lead.lead_id, scorer.id(), &config.bands, ms);
        sink.push(&p)
            .map_err(|e| Error::output(&sink.dir().join("predictions.csv"), e))?;
    }
    Ok(())
}

/// Models whose key variable is set (or that need none); the others are reported.
fn usable_models(config: &Config, skipped: &mut Vec<String>) -> Vec<ModelSettings> {
    config
        .models
        .iter()
        .filter(|m| match &m.api_key_env {
            Some(var) if std::env::var_os(var).is_none_or(|v| v.is_empty()) => {
                let why = format!(
                    "model {}: skipped: environment variable {var} is not set",
                    m.name
                );
                note(&why);
                skipped.push(why);
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// Every scorer the config and `--only` ask for, in report order, whether or not it can run
/// (a model without its key is still asked for, and its absence is a failure).
fn requested_scorers(config: &Config, keep: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut ids = Vec::new();
    for (on, id) in [
        (config.baselines.heuristic, "heuristic"),
        (config.baselines.learned, "learned"),
    ] {
        if on && keep(id) {
            ids.push(id.to_string());
        }
    }
    for m in &config.models {
        for p in &config.prompts {
            let id = format!("llm/{}/{}", m.name, p.template.name());
            if keep(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// Refuses a nothing-to-do run before anything is written.
fn check_requested(config: &Config, args: &RunArgs, requested: &[String]) -> Result<(), Error> {
    if !requested.is_empty() {
        return Ok(());
    }
    let all = requested_scorers(config, &|_| true);
    Err(Error::BadInput(if args.only.is_empty() {
        format!(
            "{}: nothing to run: both baselines are off and no [[models]] × [[prompts]] are \
             configured",
            config.path.display()
        )
    } else {
        format!(
            "--only {}: matches none of the scorers of {} ({})",
            args.only.join(" --only "),
            config.path.display(),
            if all.is_empty() {
                "none".to_string()
            } else {
                all.join(", ")
            }
        )
    }))
}

pub(crate) fn run(args: &RunArgs) -> Result<u8, Error> {
    let started = now_utc();
    let config = Config::load(&args.config)?;
    let config_dir = match config.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let keep = |id: &str| args.only.is_empty() || args.only.iter().any(|p| matches_only(p, id));
    let requested = requested_scorers(&config, &keep);
    check_requested(&config, args, &requested)?;
    if !args.no_cache && requested.iter().any(|id| id.starts_with("llm/")) {
        Cache::check(&config.run.cache).map_err(|e| Error::Output(e.to_string()))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Output(format!("cannot start the async runtime: {e}")))?;
    // Signals are watched from here on, so that one between phases is seen as well.
    let stop = {
        let _in_runtime = runtime.enter();
        Stop::watch_signals()
            .map_err(|e| Error::Output(format!("cannot install signal handlers: {e}")))?
    };

    let (mut leads, dataset_desc, gen_stats) = load_dataset(&config)?;
    if leads.is_empty() {
        return Err(Error::BadInput(format!(
            "{dataset_desc}: the dataset has no leads"
        )));
    }
    ensure_split(&mut leads, config.run.test_fraction, config.run.seed);
    let mut eval: Vec<&Lead> = leads
        .iter()
        .filter(|l| l.meta.split != Some(Split::Train))
        .collect();
    if let Some(n) = args.limit {
        eval.truncate(n);
    }
    let n_train = leads
        .iter()
        .filter(|l| l.meta.split == Some(Split::Train))
        .count();
    // Few-shot examples are drawn from the train split. `select_examples` already passes
    // over test leads, so when every lead has a split the whole dataset can be given as is
    // (no copy of the train leads: at 100,000 jobs that copy was a third of the memory);
    // only leads without a split (a partly split file, scored as test) need filtering out.
    let train: std::borrow::Cow<'_, [Lead]> = if leads.iter().all(|l| l.meta.split.is_some()) {
        std::borrow::Cow::Borrowed(&leads)
    } else {
        leads
            .iter()
            .filter(|l| l.meta.split == Some(Split::Train))
            .cloned()
            .collect()
    };

    let dir = match &args.out {
        Some(dir) => {
            check_out_dir(dir, args.overwrite)?;
            dir.clone()
        }
        None => {
            let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
            unused_dir(
                &config.run.results_dir,
                &format!("{stamp}-{}", config.run.name),
            )
        }
    };
    let run_id = dir
        .file_name()
        .map_or_else(|| "run".to_string(), |n| n.to_string_lossy().into_owned());
    crate::atomic::remove_stale_temp_files(&config.run.results_dir, 1);
    std::fs::create_dir_all(&dir).map_err(|e| Error::output(&dir, e))?;
    let config_text = std::fs::read(&config.path).map_err(|e| Error::output(&config.path, e))?;
    write_atomic(&dir.join("config.toml"), &config_text)
        .map_err(|e| Error::output(&dir.join("config.toml"), e))?;
    write_dataset(&dir.join("dataset.csv"), &leads)?;
    if let (Some(stats), DatasetSource::Generate(params)) = (&gen_stats, &config.dataset) {
        let sidecar = Sidecar::new(
            "dataset.csv".into(),
            Format::Csv,
            params,
            config.bands,
            stats,
        );
        write_json(&dir.join("dataset.meta.json"), &sidecar)?;
    }
    note(format!(
        "run {run_id}: {} leads ({}), scoring {} test leads; writing to {}",
        leads.len(),
        dataset_desc,
        eval.len(),
        dir.display()
    ));

    let mut sink = PredictionSink::create(&dir).map_err(|e| Error::output(&dir, e))?;
    let mut scorers: Vec<String> = Vec::new();
    if config.baselines.heuristic && keep("heuristic") {
        let h = HeuristicScorer::new(config.baselines.heuristic_rules.clone(), config.bands);
        run_baseline(&mut sink, &h, &eval, &run_id, &config)?;
        scorers.push(h.id().to_string());
    }
    if config.baselines.learned && keep("learned") {
        match LearnedModel::train(&leads, &config.baselines.learned_options, config.bands) {
            Ok(model) => {
                let path = dir.join("learned-model.json");
                model
                    .save(&path)
                    .map_err(|e| Error::Output(e.to_string()))?;
                run_baseline(&mut sink, &model, &eval, &run_id, &config)?;
                scorers.push(model.id().to_string());
            }
            Err(e) => note(format!("learned baseline skipped: {e}")),
        }
    }

    let mut skipped_models = Vec::new();
    let models = usable_models(&config, &mut skipped_models);
    let llm_started = Instant::now();
    let matrix = build_llm_jobs(&MatrixInput {
        models: &models,
        prompts: &config.prompts,
        eval: &eval,
        train: &train,
        product: &config.product,
        bands: config.bands,
        repeats: config.run.repeats,
        seed: config.run.seed,
        keep: &keep,
    })
    .map_err(|e| Error::BadInput(e.to_string()))?;
    scorers.extend(matrix.scorers.iter().map(|s| s.id.to_string()));

    let mut summary = None;
    if !matrix.keys.is_empty() {
        let s = run_llm(
            &runtime,
            &stop,
            args,
            &config,
            &config_dir,
            &dir,
            &models,
            matrix,
            &eval,
            &run_id,
            &mut sink,
            &mut skipped_models,
        )?;
        summary = Some(s);
        note(format!(
            "llm phase (rendering, calls, predictions): {:.2} s",
            llm_started.elapsed().as_secs_f64()
        ));
    }
    let written = sink.written();
    let tallies = sink.tallies().clone();
    sink.finish()
        .map_err(|e| Error::output(&dir.join("predictions.csv"), e))?;

    let interrupted = stop.requested() || summary.as_ref().is_some_and(|s| s.cancelled);
    let skipped_reasons = skipped_models.clone();
    let info = RunInfo {
        run_id: &run_id,
        tool_version: env!("CARGO_PKG_VERSION"),
        config: config.path.display().to_string(),
        started,
        finished: now_utc(),
        bands: config.bands,
        dataset: dataset_desc,
        n_leads: leads.len(),
        n_evaluated: eval.len(),
        n_train,
        repeats: config.run.repeats,
        scorers,
        skipped_models,
        llm: summary.as_ref().map(EngineTotals::from),
        interrupted,
    };
    write_json(&dir.join("run.json"), &info)?;
    note(format!("{written} predictions written"));
    // The report reads the dataset and predictions back from the run directory: free the
    // leads held for scoring first, so that both are not in memory at once (at 100,000 jobs
    // that overlap was the run's peak).
    drop(info);
    drop(eval);
    drop(train);
    drop(leads);
    let opts = ReportOptions {
        seed: config.run.seed,
        ..ReportOptions::default()
    };
    match report_run(&dir, &opts) {
        Ok(metrics) => print_leaderboard(&metrics, &dir),
        // Predictions are the raw truth and are already written: say what failed and how
        // to retry, but keep the run.
        Err(e) => note(format!(
            "no report: {e}; predictions are kept, rerun `bench report {}`",
            dir.display()
        )),
    }
    println!("{}", dir.display());
    if interrupted {
        return Ok(stop.signal().map_or(EXIT_INTERRUPTED, |s| s.exit_code()));
    }
    let failed = scorers_without_predictions(&requested, &tallies, &skipped_reasons);
    for why in &failed {
        eprintln!("error: {why}");
    }
    Ok(if failed.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// One line per requested scorer that produced no parsed prediction, with the reason.
fn scorers_without_predictions(
    requested: &[String],
    tallies: &BTreeMap<String, ScorerTally>,
    skipped: &[String],
) -> Vec<String> {
    requested
        .iter()
        .filter(|id| tallies.get(id.as_str()).is_none_or(|t| t.parsed == 0))
        .map(|id| {
            let why = match tallies.get(id.as_str()) {
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
                    .find(|why| id.starts_with("llm/") && why.starts_with(&model_of(id)))
                    .cloned()
                    .unwrap_or_else(|| "it did not run".to_string()),
            };
            format!("scorer {id} produced no parsed prediction: {why}")
        })
        .collect()
}

/// `model m:` of `llm/m/p`, as the lines of skipped models begin.
fn model_of(id: &str) -> String {
    let name = id.split('/').nth(1).unwrap_or("");
    format!("model {name}:")
}

/// `--out DIR` must be new, empty, or (with `--overwrite`) an earlier run. Anything else is
/// refused before a file is written: a run folder is never mixed with another's files.
fn check_out_dir(dir: &Path, overwrite: bool) -> Result<(), Error> {
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    if entries.next().is_none() {
        return Ok(());
    }
    if !dir.join("run.json").is_file() {
        return Err(Error::BadInput(format!(
            "--out {}: the folder is not empty and is not a bench run; give a new or empty folder",
            dir.display()
        )));
    }
    if !overwrite {
        return Err(Error::BadInput(format!(
            "--out {}: holds an earlier run; pass --overwrite to replace it (all of its \
             scorers' predictions), or give another folder",
            dir.display()
        )));
    }
    for name in RUN_FILES {
        let _ = std::fs::remove_file(dir.join(name));
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("server-") && name.ends_with(".log") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// The files a run writes (besides its `server-<model>.log` files).
const RUN_FILES: [&str; 10] = [
    "config.toml",
    "dataset.csv",
    "dataset.meta.json",
    "learned-model.json",
    "predictions.csv",
    "predictions.jsonl",
    "run.json",
    "metrics.json",
    "report.md",
    "report.html",
];

/// `results_dir/run_id`, or with `-2`, `-3`, … when two runs start within the same second.
fn unused_dir(results_dir: &Path, run_id: &str) -> PathBuf {
    let mut dir = results_dir.join(run_id);
    let mut n = 2;
    while dir.exists() {
        dir = results_dir.join(format!("{run_id}-{n}"));
        n += 1;
    }
    dir
}

fn fmt_estimate(e: &crate::metrics::Estimate) -> String {
    match (e.value, e.ci_low, e.ci_high) {
        (Some(v), Some(lo), Some(hi)) => format!("{v:.3} [{lo:.3}, {hi:.3}]"),
        (Some(v), _, _) => format!("{v:.3}"),
        _ => "undefined".to_string(),
    }
}

/// A short leaderboard on standard error; the full tables are in report.md / report.html.
fn print_leaderboard(m: &RunMetrics, dir: &Path) {
    for w in &m.warnings {
        note(format!("warning: {w}"));
    }
    note(format!(
        "{} leads evaluated; accuracy and quadratic κ with 95% bootstrap intervals:",
        m.n_leads
    ));
    let width = m.scorers.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for s in &m.scorers {
        let cov = s
            .metrics
            .coverage
            .value
            .map_or("—".into(), |c| format!("{:.0}%", c * 100.0));
        eprintln!(
            "  {:<width$}  coverage {:>4}  accuracy {}  QWK {}",
            s.id,
            cov,
            fmt_estimate(&s.metrics.accuracy),
            fmt_estimate(&s.metrics.quadratic_kappa),
        );
    }
    note(format!("report: {}", dir.join("report.md").display()));
}

/// Starts model servers where configured, runs every LLM job through the engine, and
/// records one prediction per job.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the pieces of one run"
)]
fn run_llm(
    runtime: &tokio::runtime::Runtime,
    stop: &Stop,
    args: &RunArgs,
    config: &Config,
    config_dir: &Path,
    dir: &Path,
    models: &[ModelSettings],
    matrix: crate::jobs::JobMatrix<'_>,
    eval: &[&Lead],
    run_id: &str,
    sink: &mut PredictionSink,
    skipped_models: &mut Vec<String>,
) -> Result<EngineSummary, Error> {
    let (scorers, keys) = (&matrix.scorers, &matrix.keys);
    let mut write_error: Option<std::io::Error> = None;
    // The first write error is kept and reported once the engine is done; every job still
    // gets its outcome counted.
    let mut record = |p: Prediction| {
        if write_error.is_none()
            && let Err(e) = sink.push(&p)
        {
            write_error = Some(e);
        }
    };
    let summary = runtime.block_on(async {
        // Servers are started before any job is sent and stopped when `servers` drops.
        let mut servers = Vec::new();
        let mut down = vec![None; models.len()];
        for (mi, model) in models.iter().enumerate() {
            if !scorers.iter().any(|s| s.model == mi) {
                continue;
            }
            let log = dir.join(format!("server-{}.log", model.name));
            match ensure_up(model, config_dir, &log, note).await {
                Ok(server) => servers.extend(server),
                Err(why) => {
                    note(&why);
                    skipped_models.push(why.clone());
                    down[mi] = Some(why);
                }
            }
        }
        // Jobs of a model whose server did not come up are failures, made without rendering.
        for (job_id, key) in keys.iter().enumerate() {
            let scorer = &scorers[key.scorer as usize];
            let Some(why) = &down[scorer.model] else {
                continue;
            };
            let failed = crate::run::CallOutcome::unsent(
                job_id as u64,
                crate::run::CallResult::ApiError {
                    status: None,
                    message: format!("server not available: {why}"),
                },
            );
            record(prediction_from_outcome(
                run_id,
                &eval[key.lead as usize].lead_id,
                &scorer.id,
                key.repeat,
                failed,
                &config.bands,
            ));
        }
        let send: Vec<_> = matrix
            .streams()
            .into_iter()
            .filter(|s| down[s.model].is_none())
            .collect();
        let opts = EngineOptions {
            cache: (!args.no_cache).then(|| config.run.cache.clone()),
            budget_usd: config.run.budget_usd,
            quiet: args.quiet,
            cancel: stop.cancel.clone(),
            abort: stop.abort.clone(),
            ..EngineOptions::default()
        };
        let result = run_streams(models, send, opts, |outcome| {
            let key = keys[outcome.job_id as usize];
            let scorer = &scorers[key.scorer as usize];
            record(prediction_from_outcome(
                run_id,
                &eval[key.lead as usize].lead_id,
                &scorer.id,
                key.repeat,
                outcome,
                &config.bands,
            ));
        })
        .await;
        drop(servers);
        result
    });
    if let Some(e) = write_error {
        return Err(Error::output(&dir.join("predictions.csv"), e));
    }
    let summary = summary.map_err(|e| match e {
        // The cache is ours to write, like the run folder: failing it is exit 1.
        crate::run::RunError::Cache(e) => Error::Output(e.to_string()),
        other => Error::BadInput(format!("{}: {other}", config.path.display())),
    })?;
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
    if summary.cancelled {
        note("interrupted: dispatch stopped; everything answered so far is written");
    }
    Ok(summary)
}

/// `bench clear-cache`: removes every stored answer of the config's cache.
pub(crate) fn clear_cache(args: &ConfigArgs) -> Result<(), Error> {
    let config = Config::load(&args.config)?;
    let path = &config.run.cache;
    if !path.exists() {
        println!("{}: no cache yet", path.display());
        return Ok(());
    }
    let removed = Cache::clear(path).map_err(|e| Error::Output(e.to_string()))?;
    println!("{}: removed {removed} stored answers", path.display());
    Ok(())
}
