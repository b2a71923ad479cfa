//! `bench report RUN_DIR`: recompute metrics from the stored predictions and dataset and
//! re-render metrics.json, report.md and report.html.

use crate::Error;
use crate::cli::ReportArgs;
use crate::evaluate::ReportOptions;
use crate::pipeline::report_run;

pub(crate) fn run(args: &ReportArgs) -> Result<(), Error> {
    let opts = ReportOptions {
        resamples: args.resamples,
        seed: args.seed,
        ..ReportOptions::default()
    };
    let metrics = report_run(&args.run_dir, &opts)?;
    for w in &metrics.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "run {}: {} leads evaluated, {} scorer(s), {} pair(s) tested",
        metrics.run_id,
        metrics.n_leads,
        metrics.scorers.len(),
        metrics.pairs.len()
    );
    for name in ["metrics.json", "report.md", "report.html"] {
        println!("{}", args.run_dir.join(name).display());
    }
    Ok(())
}
