//! `bench compare RUN_A RUN_B …`: the scorers of several runs side by side, with paired
//! tests where runs share leads; printed as Markdown and written as compare.md and
//! compare.html.

use crate::Error;
use crate::cli::CompareArgs;
use crate::evaluate::{ReportError, ReportOptions, compare_runs, read_run_dir};
use crate::report::{Format, compare_document};

pub(crate) fn run(args: &CompareArgs) -> Result<(), Error> {
    // A run folder holds one run's files only: compare.md there would be taken for its own.
    if args.out.join("run.json").exists() {
        return Err(Error::Usage(format!(
            "--out {}: is a bench run folder; write the comparison to another folder",
            args.out.display()
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
    let doc = compare_document(&comparison);
    let md = Format::Markdown.render(&doc);
    print!("{md}");
    std::fs::create_dir_all(&args.out).map_err(|e| Error::write(&args.out, e))?;
    for format in [Format::Markdown, Format::Html] {
        let path = args.out.join(format!("compare.{}", format.extension()));
        crate::atomic::write_atomic(&path, format.render(&doc).as_bytes())
            .map_err(|e| Error::write(&path, e))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
