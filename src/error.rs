//! What stops a command, and the exit code each kind of failure gets: bad input or usage is
//! 2 (the user's to fix), output that cannot be written and an answer cache that cannot be
//! used are 1. README.md has the same table.

use std::path::{Path, PathBuf};

use crate::config::ConfigError;
use crate::evaluate::{CalibrationError, ReportError};
use crate::exit::{EXIT_BAD_INPUT, EXIT_FAILED};
use crate::lead::LeadError;
use crate::llm::{CacheError, RunError};
use crate::score::heuristic::RulesError;
use crate::score::learned::LearnedError;
use crate::score::llm::PromptError;

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Lead(#[from] LeadError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error(transparent)]
    Prompt(#[from] PromptError),
    #[error(transparent)]
    Learned(#[from] LearnedError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// A run's `calibration.json` missing, unreadable, or not for this scorer as it is now.
    #[error(transparent)]
    Calibration(#[from] CalibrationError),
    /// Options that do not fit together or name nothing; the message says which.
    #[error("{0}")]
    Usage(String),
    /// A batch results file that cannot be read as one; the message names file and line.
    #[error("{0}")]
    Batch(String),
    /// An output file or folder could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The process could not set itself up (async runtime, signal handlers, HTTP client).
    #[error("cannot start {what}: {source}")]
    Setup {
        what: &'static str,
        source: std::io::Error,
    },
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_)
            | Error::Lead(_)
            | Error::Rules(_)
            | Error::Prompt(_)
            | Error::Calibration(_)
            | Error::Usage(_)
            | Error::Batch(_) => EXIT_BAD_INPUT,
            Error::Learned(e) => match e {
                LearnedError::Write { .. } => EXIT_FAILED,
                _ => EXIT_BAD_INPUT,
            },
            Error::Report(e) => match e {
                ReportError::Write { .. } => EXIT_FAILED,
                _ => EXIT_BAD_INPUT,
            },
            Error::Cache(_) | Error::Write { .. } | Error::Setup { .. } => EXIT_FAILED,
        }
    }

    /// A write error of `path`, from anything that converts into an I/O error (CSV errors,
    /// JSON errors).
    pub(crate) fn write(path: &Path, e: impl Into<std::io::Error>) -> Error {
        Error::Write {
            path: path.to_path_buf(),
            source: e.into(),
        }
    }
}

impl From<RunError> for Error {
    fn from(e: RunError) -> Error {
        match e {
            RunError::Cache(e) => Error::Cache(e),
            other => Error::Setup {
                what: "the LLM engine",
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_exit_code() {
        let io = || std::io::Error::other("x");
        let write = Error::write(Path::new("out.csv"), io());
        assert_eq!(write.exit_code(), EXIT_FAILED);
        assert_eq!(write.to_string(), "out.csv: cannot write: x");
        assert_eq!(Error::Usage("u".into()).exit_code(), EXIT_BAD_INPUT);
        let report_write = Error::Report(ReportError::Write {
            path: "report.md".into(),
            source: io(),
        });
        assert_eq!(report_write.exit_code(), EXIT_FAILED);
        let not_a_run = Error::Report(ReportError::NotARunDir("x".into()));
        assert_eq!(not_a_run.exit_code(), EXIT_BAD_INPUT);
        let cache = Error::Cache(CacheError::Foreign {
            path: "c.sqlite".into(),
            what: "w".into(),
        });
        assert_eq!(cache.exit_code(), EXIT_FAILED);
        let changed = Error::from(CalibrationError::NoOutcomes {
            path: "run/calibration.json".into(),
            id: "heuristic".into(),
        });
        assert_eq!(changed.exit_code(), EXIT_BAD_INPUT);
    }
}
