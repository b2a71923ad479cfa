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

/// `bench run` (heuristic only) on 60 generated leads with firmographic enrichment, into
/// `dir/run`, which it returns.
pub fn enriched_heuristic_run(dir: &std::path::Path) -> std::path::PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[run]\nname = \"e\"\nresults_dir = \"results\"\ncache = \"c.sqlite\"\n\
         [dataset.generate]\nn = 60\nseed = 3\nenrich = true\n\
         [baselines]\nheuristic = true\nlearned = false\n",
    )
    .expect("config");
    let run = dir.join("run");
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["run", "--quiet", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&run)
        .output()
        .expect("run bench");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run
}
