//! Command-line definitions (clap only; the work happens in `commands`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Benchmark inbound B2B lead scorers: heuristics, trained models and LLM prompts.
#[derive(Debug, Parser)]
#[command(name = "bench", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole benchmark: dataset → scorers → predictions → metrics and reports.
    Run(RunArgs),
    /// Check a config file and the dataset it names, without spending anything.
    Validate(ValidateArgs),
    /// LLM requests as an OpenAI-format batch file (what vLLM's `run_batch` reads) and its
    /// results back into the answer cache.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// Estimate a run before spending: LLM jobs per scorer, cached answers, tokens, cost
    /// (interactive and batch) and wall time; offline, nothing is sent or written.
    Plan(PlanArgs),
    /// Write a synthetic lead dataset (CSV or JSONL) and its `.meta.json` sidecar.
    Generate(GenerateArgs),
    /// Score a lead file with the heuristic or the learned model (for routing).
    Score(ScoreArgs),
    /// Recompute metrics and re-render metrics.json, report.md and report.html of a run.
    Report(ReportArgs),
    /// Compare the scorers of several runs side by side, with paired tests on shared leads.
    Compare(CompareArgs),
    /// Print one lead of a run (its fields and message) and every scorer's answer on it.
    Show(ShowArgs),
    /// Delete every stored LLM answer of the config's cache (or, with --batches, forget its
    /// open batches).
    ClearCache(ClearCacheArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
    /// Write the run here exactly, instead of `<results_dir>/<utc timestamp>-<name>`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// Plain progress lines only.
    #[arg(long, short)]
    pub quiet: bool,
    /// With `--out`: replace the earlier run in that folder (without it, a folder that holds
    /// a run is refused, and one that holds anything else always is).
    #[arg(long)]
    pub overwrite: bool,
    /// Send every model's requests through its provider's batch API (`batch = true` does it
    /// for one model): the run submits, exits with 75, and a later run collects.
    #[arg(long)]
    pub batch: bool,
    /// With batches: wait for them to finish (polling every `batch_poll_s`) and finish the
    /// run, instead of exiting to be run again.
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Write the requests `bench run` would send (those the cache cannot answer) as JSONL:
    /// `custom_id`, `method`, `url`, `body` per line.
    Export(BatchExportArgs),
    /// Store the answers of a results file (one `custom_id`, `response`, `error` per line)
    /// in the answer cache; `bench run` then takes them from there.
    Import(BatchImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct BatchExportArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
    /// The batch input file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub jobs: JobsArgs,
}

/// Which LLM jobs a run (or its plan, or its batch file) covers.
#[derive(Debug, Clone, clap::Args)]
pub struct JobsArgs {
    /// Only the first N leads of the evaluated (test) split.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Only scorers whose id matches: `*` is a wildcard, otherwise a substring
    /// (`heuristic`, `llm/`, `llm/*/rubric`). Repeat to keep several.
    #[arg(long)]
    pub only: Vec<String>,
    /// Ignore the answer cache: send (or plan, or export) every request, and fill nothing.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, clap::Args)]
pub struct BatchImportArgs {
    /// The config file the requests were exported with.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
    /// The batch output file (vLLM's `run_batch -o`, or a provider's output/error file).
    pub results: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// Print the plan as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Plan instead what `bench generate --config … --rewrite-with MODEL` would send and
    /// spend to have that model write the messages of the config's generated dataset.
    #[arg(long, value_name = "MODEL")]
    pub rewrite_with: Option<String>,
    /// With --rewrite-with: the rewrite's template (as `bench generate --rewrite-prompt`).
    #[arg(long, value_name = "TEMPLATE", requires = "rewrite_with")]
    pub rewrite_prompt: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
    /// Skip the network checks (endpoints); everything else is still checked.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, clap::Args)]
pub struct ClearCacheArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
    /// Forget the batches submitted to providers that were not collected (and the failures
    /// batches recorded) instead of the answers; the providers are not told.
    #[arg(long)]
    pub batches: bool,
}

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Take `[dataset.generate]` (and the score bands) from this config; flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Number of leads.
    #[arg(long)]
    pub n: Option<u64>,
    /// Random seed: the same seed and parameters give byte-identical output.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of leads whose gold label is flipped to an adjacent class (0 to 0.5).
    #[arg(long)]
    pub label_noise: Option<f64>,
    /// Share of leads in the test split.
    #[arg(long)]
    pub test_fraction: Option<f64>,
    /// Class mix as `high,medium,low` shares, e.g. `0.3,0.4,0.3`.
    #[arg(long)]
    pub mix: Option<String>,
    /// Twins of a share of the leads: `injection=0.1` follows 10 % of them with the same
    /// lead carrying a prompt-injection payload in its message (`<id>-inj`).
    #[arg(long, value_name = "injection=SHARE")]
    pub twins: Option<String>,
    /// Add the firmographic enrichment columns (revenue_band, hq_country, funding_stage,
    /// tech_stack, employee_growth_pct), drawn apart so every other column stays the same
    /// (the outcomes gain the enrichment's term); also `enrich = true` in [dataset.generate].
    #[arg(long)]
    pub enrich: bool,
    /// Output file.
    #[arg(long, default_value = "datasets/leads.csv")]
    pub out: PathBuf,
    /// Output format; by default from the extension (`.jsonl` → jsonl, else csv).
    #[arg(long, value_enum)]
    pub format: Option<crate::lead::Format>,
    /// Have this model of the config (`[[models]]` name) write every message anew from the
    /// lead's spec and its template message; a rewrite the guard rejects keeps the template
    /// (needs --config).
    #[arg(long, value_name = "MODEL", requires = "config")]
    pub rewrite_with: Option<String>,
    /// The rewrite's prompt template; by default `prompts/rewrite.j2` beside the config, or
    /// the shipped one built into bench.
    #[arg(long, value_name = "TEMPLATE", requires = "rewrite_with")]
    pub rewrite_prompt: Option<PathBuf>,
    /// With --rewrite-with: print what the rewrite would send and cost, and write nothing.
    #[arg(long, requires = "rewrite_with")]
    pub plan: bool,
    /// With --rewrite-with and a batch model: wait for its batch instead of exiting (75) to
    /// be run again.
    #[arg(long, requires = "rewrite_with")]
    pub wait: bool,
    /// With --rewrite-with: plain progress lines only.
    #[arg(long, short, requires = "rewrite_with")]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Any scorer the config defines: `heuristic`, `learned`, `llm/<model>/<prompt>`,
    /// `ensemble/<name>`, `cascade/<name>` (the baselines also work without a config).
    #[arg(long)]
    pub scorer: String,
    /// Leads to score (CSV, or JSONL by extension); gold columns are optional.
    #[arg(long)]
    pub input: PathBuf,
    /// Output file (CSV, or JSONL by extension); standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format, overriding the extension.
    #[arg(long, value_enum)]
    pub format: Option<crate::lead::Format>,
    /// The config that defines the scorer (its models, prompts, rules, bands, dataset).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// heuristic: a rules file that extends or replaces the shipped table (see
    /// docs/heuristic.md); it takes the place of the config's `heuristic_rules`.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// learned: labelled leads to train on (every labelled lead of the file is used); by
    /// default it trains on the config's dataset as `bench run` does.
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// learned: a saved model to load; with --train, where to save the trained model.
    #[arg(long)]
    pub model_file: Option<PathBuf>,
    /// Ignore the answer cache: send every request, and fill nothing.
    #[arg(long)]
    pub no_cache: bool,
    /// Plain progress lines only, and no plan.
    #[arg(long, short)]
    pub quiet: bool,
    /// Send the LLM requests through the provider's batch API: submits, exits with 75, and
    /// the same command later collects and writes the output.
    #[arg(long)]
    pub batch: bool,
    /// With batches: wait for them to finish instead of exiting to be run again.
    #[arg(long)]
    pub wait: bool,
    /// A run folder whose calibration.json maps this scorer's scores to a probability of
    /// converting: adds `p_convert` and `route` (sales at or above the run's capacity
    /// cut-off, else nurture). Refused when the scorer changed since that run.
    #[arg(long, value_name = "RUN_DIR")]
    pub calibration: Option<PathBuf>,
    /// With --calibration: which of the run's maps gives p_convert (best: the one with the
    /// lower cross-fitted Brier score in that run).
    #[arg(long, value_enum, default_value_t = MapArg::Best, requires = "calibration")]
    pub map: MapArg,
    /// With --calibration: route the top leads of this file by score to sales instead of
    /// using the run's cut-off: a share (`0.2`, `20%`) or a number of leads (`150`).
    #[arg(long, value_parser = parse_capacity, requires = "calibration")]
    pub capacity: Option<crate::evaluate::CapacitySetting>,
}

/// `--map`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MapArg {
    Best,
    Isotonic,
    Platt,
}

/// `--capacity`: a share in (0, 1] (`0.2` or `20%`), or a whole number of leads (`150`).
fn parse_capacity(text: &str) -> Result<crate::evaluate::CapacitySetting, String> {
    use crate::evaluate::CapacitySetting;
    let text = text.trim();
    let expected = "expected a share of the leads (0.2 or 20%) or a number of leads (150)";
    if let Some(percent) = text.strip_suffix('%') {
        let p: f64 = percent.trim().parse().map_err(|_| expected.to_string())?;
        return match p / 100.0 {
            s if s > 0.0 && s <= 1.0 => Ok(CapacitySetting::Share(s)),
            _ => Err(format!("{text}: a share must be above 0% and at most 100%")),
        };
    }
    if let Ok(n) = text.parse::<u64>() {
        return match n {
            0 => Err("0 leads: sales must be able to work at least one".into()),
            n => Ok(CapacitySetting::Leads(n)),
        };
    }
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s < 1.0 => Ok(CapacitySetting::Share(s)),
        Ok(_) => Err(format!("{text}: {expected}")),
        Err(_) => Err(expected.to_string()),
    }
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The run directory (as `bench run` wrote it).
    pub run_dir: PathBuf,
    /// Bootstrap resamples for every confidence interval (0: no intervals).
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The run directory (as `bench run` wrote it).
    pub run_dir: PathBuf,
    /// The lead's id, as in the run's dataset.csv.
    pub lead_id: String,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Two or more run directories.
    #[arg(required = true, num_args = 2..)]
    pub runs: Vec<PathBuf>,
    /// Directory for compare.md and compare.html (default: a new
    /// `results/compare-<UTC timestamp>/` under the current directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Bootstrap resamples for every confidence interval (0: no intervals).
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}
