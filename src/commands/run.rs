//! `bench run` and `bench clear-cache` at the command line: the run itself is
//! [`crate::pipeline::Run`]; this prints its leaderboard and last line and picks the exit code.

use std::path::Path;

use super::plan_text::plan_text;
use crate::cli::{ClearCacheArgs, RunArgs};
use crate::config::Config;
use crate::evaluate::RunMetrics;
use crate::llm::{Cache, Plan, forget_open_batches, open_batch_count};
use crate::pipeline::{Prepared, Run, RunOptions, note};
use crate::report::fixed;
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

fn fmt_estimate(e: &crate::metrics::Estimate) -> String {
    match (e.value, e.ci_low, e.ci_high) {
        (Some(v), Some(lo), Some(hi)) => {
            format!("{} [{}, {}]", fixed(v, 3), fixed(lo, 3), fixed(hi, 3))
        }
        (Some(v), _, _) => fixed(v, 3),
        _ => "undefined".to_string(),
    }
}
fn print_leaderboard(m: &RunMetrics, dir: &Path) {
    for w in &m.warnings {
        note(format!("warning: {w}"));
    }
    note(format!(
        "{} leads evaluated; accuracy and quadratic κ with 95% bootstrap intervals:",
        m.n_leads
    ));
    let width = m.scorers.iter().map(|s| s.id.len()).max().unwrap_or(0);
    let conversion = |id: &str| {
        let o = m.outcomes.as_ref()?;
        let s = o.scorers.iter().find(|s| s.id == id)?;
        Some(format!(
            "  conversion AUC {}",
            fmt_estimate(&s.metrics.roc_auc)
        ))
    };
    for s in &m.scorers {
        let cov = s
            .metrics
            .coverage
            .value
            .map_or("—".into(), |c| format!("{:.0}%", c * 100.0));
        // "=2": the paired test does not separate it from the scorer ranked above.
        let rank = m
            .ranking
            .iter()
            .find(|r| r.id == s.id)
            .map_or(String::new(), |r| {
                format!("{}{}", if r.tied_with_above { "=" } else { "" }, r.rank)
            });
        eprintln!(
            "  {rank:>3} {:<width$}  coverage {:>4}  accuracy {}  QWK {}{}",
            s.id,
            cov,
            fmt_estimate(&s.metrics.accuracy),
            fmt_estimate(&s.metrics.quadratic_kappa),
            conversion(&s.id).unwrap_or_default(),
        );
    }
    if let Some(oracle) = m.outcomes.as_ref().and_then(|o| o.oracle.as_ref()) {
        note(format!(
            "oracle (ranks by the latent conversion probability): conversion AUC {}",
            fmt_estimate(&oracle.metrics.roc_auc)
        ));
    }
    note(format!("report: {}", dir.join("report.md").display()));
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
