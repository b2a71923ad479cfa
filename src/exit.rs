//! The exit codes of `bench`, named: the bottom of the crate, so that any room can say how a
//! command ends (the stop signals' codes live beside the signals, in `llm`) without
//! depending on `error`, which depends on the rooms. README.md has the table.

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code of a run that finished but failed something the user asked to be strict about,
/// or whose output or answer cache could not be written.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of bad usage or bad input (config, CSV, template, rules).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of a run that submitted batches (or found them still running): nothing was
/// written; run it again to collect (sysexits' EX_TEMPFAIL).
pub const EXIT_PENDING: u8 = 75;
/// Exit code of a run stopped by Ctrl-C, SIGINT (partial results were written).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code of a run stopped by SIGTERM (partial results were written).
pub const EXIT_TERMINATED: u8 = 143;
