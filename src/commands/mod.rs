//! One module per subcommand: the I/O edge between the CLI and the library's core.

pub(crate) mod compare;
pub(crate) mod report;
pub(crate) mod validate;
