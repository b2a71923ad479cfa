//! lead-bench: which way of scoring inbound B2B leads works best, how sure we are, and what
//! it costs. `bench` (src/main.rs) is a thin shell over [`run()`].

pub mod atomic;
pub mod cli;
mod commands;
pub mod config;
pub mod evaluate;
pub mod generate;
pub mod input;
pub mod jobs;
pub mod lead;
pub mod metrics;
pub mod prediction;
pub mod report;
pub mod run;
pub mod score;

pub use cli::Cli;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code of a run that finished but failed something the user asked to be strict about.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of bad usage or bad input (config, CSV, template).
pub const EXIT_BAD_INPUT: u8 = 2;

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Lead(#[from] lead::LeadError),
    #[error(transparent)]
    Rules(#[from] score::heuristic::RulesError),
    /// Input that is wrong in a way no other variant covers; the message names it.
    #[error("{0}")]
    BadInput(String),
    /// Writing output failed; the message names the file.
    #[error("{0}")]
    Output(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) | Error::Lead(_) | Error::Rules(_) | Error::BadInput(_) => {
                EXIT_BAD_INPUT
            }
            Error::Output(_) => EXIT_FAILED,
        }
    }

    pub(crate) fn output(path: &std::path::Path, e: impl std::fmt::Display) -> Error {
        Error::Output(format!("{}: cannot write: {e}", path.display()))
    }
}

/// Exit code of a run stopped by Ctrl-C, SIGINT (partial results were written).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code of a run stopped by SIGTERM (partial results were written).
pub const EXIT_TERMINATED: u8 = 143;

/// Runs one parsed command line, printing to standard output; returns the exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        cli::Command::Run(args) => commands::run::run(&args),
        cli::Command::Validate(args) => commands::validate::run(&args),
        cli::Command::Generate(args) => commands::generate::run(&args).map(|()| EXIT_OK),
        cli::Command::Score(args) => commands::score::run(&args).map(|()| EXIT_OK),
        cli::Command::ClearCache(args) => commands::run::clear_cache(&args).map(|()| EXIT_OK),
        cli::Command::Report(args) => commands::report::run(&args).map(|()| EXIT_OK),
        cli::Command::Compare(args) => commands::compare::run(&args).map(|()| EXIT_OK),
    }
}
