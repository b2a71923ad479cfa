//! lead-bench: which way of scoring inbound B2B leads works best, how sure we are, and what
//! it costs. `bench` (src/main.rs) is a thin shell over [`run()`].

pub mod atomic;
pub mod cli;
mod commands;
pub mod config;
mod error;
pub mod evaluate;
mod exit;
pub mod generate;
pub mod input;
pub mod lead;
pub mod llm;
pub mod metrics;
pub mod pipeline;
pub mod prediction;
pub mod report;
pub mod score;

pub use cli::Cli;
pub use error::Error;
pub use exit::{
    EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PENDING, EXIT_TERMINATED,
};

/// Runs one parsed command line, printing to standard output; returns the exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        cli::Command::Run(args) => commands::run::run(&args),
        cli::Command::Validate(args) => commands::validate::run(&args),
        cli::Command::Plan(args) => commands::plan::run(&args),
        cli::Command::Batch(cmd) => commands::batch::run(&cmd),
        cli::Command::Generate(args) => commands::generate::run(&args),
        cli::Command::Score(args) => commands::score::run(&args),
        cli::Command::ClearCache(args) => commands::run::clear_cache(&args).map(|()| EXIT_OK),
        cli::Command::Report(args) => commands::report::run(&args).map(|()| EXIT_OK),
        cli::Command::Compare(args) => commands::compare::run(&args).map(|()| EXIT_OK),
        cli::Command::Show(args) => commands::show::run(&args).map(|()| EXIT_OK),
    }
}
