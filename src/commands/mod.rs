//! One module per subcommand: the I/O edge between the CLI and the library's core.

pub(crate) mod batch;
pub(crate) mod compare;
pub(crate) mod generate;
pub(crate) mod plan;
mod plan_text;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod score;
pub(crate) mod show;
pub(crate) mod validate;
