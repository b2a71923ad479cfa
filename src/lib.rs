//! lead-bench: which way of scoring inbound B2B leads works best, how sure we are, and what
//! it costs. `bench` (src/main.rs) is a thin shell over [`run()`].

pub mod atomic;
pub mod cli;
mod commands;
pub mod config;
pub mod evaluate;
pub mod generate;
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
            Error::Config(_) | Error::Lead(_) | Error::BadInput(_) => EXIT_BAD_INPUT,
            Error::Output(_) => EXIT_FAILED,
        }
    }

    pub(crate) fn output(path: &std::path::Path, e: impl std::fmt::Display) -> Error {
        Error::Output(format!("{}: cannot write: {e}", path.display()))
    }
}

/// Runs one parsed command line, printing to standard output.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        cli::Command::Validate(args) => commands::validate::run(&args),
        cli::Command::Report(args) => commands::report::run(&args),
        cli::Command::Compare(args) => commands::compare::run(&args),
    }
}
