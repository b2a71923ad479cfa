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
    /// Write a synthetic lead dataset (CSV or JSONL) and its `.meta.json` sidecar.
    Generate(GenerateArgs),
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
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
    /// Output file.
    #[arg(long, default_value = "datasets/leads.csv")]
    pub out: PathBuf,
    /// Output format; by default from the extension (`.jsonl` → jsonl, else csv).
    #[arg(long, value_enum)]
    pub format: Option<crate::lead::Format>,
}
