//! `bench run` and `bench clear-cache` at the command line: the run itself is
//! [`crate::pipeline::Run`]; this prints its leaderboard and last line and picks the exit code.

use std::path::Path;

use super::plan_text::plan_text;
use crate::cli::{ClearCacheArgs, RunArgs};
use crate::config::Config;
use crate::evaluate::RunMetrics;
use crate::llm::{Cache, Plan, forget_open_batches, open_batch_count};
use crate::pipeline::{Prepared, Run, RunOptions, note};
use crate::report::{answer, leaderboard};
use crate::{EXIT_PENDING, Error};

pub(crate) fn run(args: &RunArgs) -> Result<u8, Error> {
    let prepared = Run::prepare(RunOptions {
        config: args.config.clone(),
        out: args.out.clone(),
        overwrite: args.overwrite,
        no_cache: args.jobs.no_cache,
        quiet: args.quiet,
        limit: args.jobs.limit,
        only: args.jobs.only.clone(),
        batch: args.batch,
        wait: args.wait,
        show_plan: (!args.quiet).then_some(show_plan as fn(&Plan)),
    })?;
    let mut run = match prepared {
        Prepared::Ready(run) => run,
        Prepared::BatchPending { stopped_by: None } => return Ok(EXIT_PENDING),
        // Stopped while waiting: the signal's code, as any interrupted run.
        Prepared::BatchPending {
            stopped_by: Some(signal),
        } => return Ok(signal.exit_code()),
    };
    run.baselines()?;
    run.llm()?;
    let done = run.finish()?;
    if let Some(metrics) = &done.metrics {
        print_leaderboard(metrics, &done.dir);
    }
    // Scripts read the run folder from the last line of standard output.
    println!("{}", done.dir.display());
    if !done.interrupted {
        for why in &done.failed {
            eprintln!("error: {why}");
        }
    }
    Ok(done.exit_code())
}

/// The plan on standard error, before `bench run` sends anything.
fn show_plan(plan: &Plan) {
    eprint!("{}", plan_text(plan));
}

/// The end of `bench run` on standard error: the answer, the leaderboard, the warnings and
/// where the report is.
fn print_leaderboard(m: &RunMetrics, dir: &Path) {
    let plain = |s: &str| s.replace('`', "").replace("**", "");
    eprintln!();
    for sentence in answer(m) {
        eprintln!("{}", plain(&sentence));
    }
    eprintln!();
    if let Some(table) = leaderboard(m) {
        eprint!("{}", plain(&table.to_text()));
        eprintln!();
    }
    for w in &m.warnings {
        note(format!("warning: {}", plain(w)));
    }
    note(format!(
        "report: {} (open {} in a browser)",
        dir.join("report.md").display(),
        dir.join("report.html").display()
    ));
}

/// `bench clear-cache`: the stored answers, or with `--batches` the open batches.
pub(crate) fn clear_cache(args: &ClearCacheArgs) -> Result<(), Error> {
    let config = Config::load(&args.config)?;
    let path = &config.run.cache;
    if !path.exists() {
        println!("{}: no cache yet", path.display());
        return Ok(());
    }
    if args.batches {
        let forgotten = forget_open_batches(path)?;
        println!(
            "{}: forgot {} open batches; their requests are submitted again by the next run",
            path.display(),
            forgotten.len()
        );
        for b in &forgotten {
            let id = b.remote_id.as_deref().unwrap_or("never confirmed");
            note(format!(
                "forgot batch {id} (model {}, local id {}): if the provider still runs it, \
                 cancel it there",
                b.model, b.local_id
            ));
        }
        return Ok(());
    }
    let removed = Cache::clear(path)?;
    println!("{}: removed {removed} stored answers", path.display());
    let open = open_batch_count(path)?;
    if open > 0 {
        note(format!(
            "{open} open batches kept (bench clear-cache --batches forgets them)"
        ));
    }
    Ok(())
}
