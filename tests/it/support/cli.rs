//! Running the `bench` binary from async tests: off the async runtime, whose threads the
//! loopback fake servers answer on.

use std::ffi::OsStr;
use std::process::{Command, Output};

/// `cmd`'s output, waited for on a blocking thread.
pub async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("run bench"))
        .await
        .expect("join")
}

/// The output of `bench ARGS…`.
pub async fn bench<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.args(args);
    output(cmd).await
}
