//! `bench compare RUN_A RUN_B …`: the scorers of several runs side by side, with paired
//! tests where runs share leads, and the prompts and rules that differ between them; printed
//! as Markdown and written as compare.md and compare.html into `--out`, by default a new
//! `results/compare-<UTC timestamp>/` (never the current directory itself, where a
//! comparison would lie among the user's files).

use std::path::{Path, PathBuf};

use crate::Error;
use crate::cli::CompareArgs;
use crate::evaluate::{
    ReportError, ReportOptions, compare_runs, explorer_data, paired_explorer, read_run_dir,
};
use crate::report::{Format, compare_document};

/// Where comparisons go when `--out` is not given, relative to the current directory (the
/// default `results_dir` of a config there).
const DEFAULT_PARENT: &str = "results";

pub(crate) fn run(args: &CompareArgs) -> Result<(), Error> {
    let out = match &args.out {
        Some(dir) => dir.clone(),
        None => default_out(Path::new(DEFAULT_PARENT)),
    };
    // A run folder holds one run's files only: compare.md there would be taken for its own.
    if out.join("run.json").exists() {
        return Err(Error::Usage(format!(
            "--out {}: is a bench run folder; write the comparison to another folder",
            out.display()
        )));
    }
    let opts = ReportOptions {
        resamples: args.resamples,
        seed: args.seed,
        ..ReportOptions::default()
    };
    let runs = args
        .runs
        .iter()
        .map(|d| read_run_dir(d))
        .collect::<Result<Vec<_>, ReportError>>()?;
    let comparison = compare_runs(&runs, &opts)?;
    // The explorer pairs the first run given with the last: every shared lead, label A → B.
    let (first, last) = (0, runs.len() - 1);
    let explore = |i: usize| explorer_data(&args.runs[i], &runs[i], &comparison.runs[i]);
    let explorer = paired_explorer(&explore(first)?, &explore(last)?, &comparison.flips);
    let doc = compare_document(&comparison, Some(explorer));
    let md = Format::Markdown.render(&doc);
    print!("{md}");
    std::fs::create_dir_all(&out).map_err(|e| Error::write(&out, e))?;
    for format in [Format::Markdown, Format::Html] {
        let path = out.join(format!("compare.{}", format.extension()));
        crate::atomic::write_atomic(&path, format.render(&doc).as_bytes())
            .map_err(|e| Error::write(&path, e))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// `<parent>/compare-<UTC timestamp>`, with `-2`, `-3`, … when that exists already.
fn default_out(parent: &Path) -> PathBuf {
    let stamp = crate::pipeline::utc_stamp();
    crate::pipeline::unused_dir(parent, &format!("compare-{stamp}"))
}
