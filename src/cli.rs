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
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The config file.
    #[arg(long, default_value = "config.toml")]
    pub config: PathBuf,
}
