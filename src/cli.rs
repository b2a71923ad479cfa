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
    /// Check a config file and the dataset it names, without spending anything.
    Validate(ValidateArgs),
    /// Recompute metrics and re-render metrics.json, report.md and report.html of a run.
    Report(ReportArgs),
    /// Compare the scorers of several runs side by side, with paired tests on shared leads.
    Compare(CompareArgs),
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
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
pub struct CompareArgs {
    /// Two or more run directories.
    #[arg(required = true, num_args = 2..)]
    pub runs: Vec<PathBuf>,
    /// Directory for compare.md and compare.html.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Bootstrap resamples for every confidence interval (0: no intervals).
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}
