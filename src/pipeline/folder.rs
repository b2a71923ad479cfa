//! The run folder: where a run goes (never onto another's files), what is written into it
//! before any scorer runs, `run.json`, and the reports written from its files afterwards.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Error;
use crate::atomic::{
    AtomicFile, process_gone, remove_stale_temp_files, write_atomic, write_json_atomic,
};
use crate::evaluate::{
    CALIBRATION_FILE, ExplorerData, ReportError, ReportOptions, RunCalibration, RunManifest,
    RunMetrics, attach_flip_texts, evaluate, explorer_data, read_run_dir, score_maps,
};
use crate::input::read_text_file_within;
use crate::lead::{Columns, Format, Lead, LeadWriter};
use crate::report;

/// The files a run writes (besides its `server-<model>.log` files).
const RUN_FILES: [&str; 11] = [
    "config.toml",
    "dataset.csv",
    "dataset.meta.json",
    "learned-model.json",
    "predictions.csv",
    "predictions.jsonl",
    "run.json",
    "metrics.json",
    CALIBRATION_FILE,
    "report.md",
    "report.html",
];

/// Who holds a folder, as its `run.json` says.
enum Holder {
    /// Empty or missing: free.
    Nobody,
    /// Files, but no `run.json` of bench's.
    Foreign,
    /// A run that finished (or a run.json of a version before claims).
    Finished,
    /// A run that claimed the folder and has not finished: still going, or killed.
    Running { pid: u32 },
}

/// Largest `run.json` read to learn who holds a folder.
const RUN_JSON_BYTES: u64 = 64 << 20;

fn holder(dir: &Path) -> Holder {
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return Holder::Nobody;
    };
    if entries.next().is_none() {
        return Holder::Nobody;
    }
    let text = read_text_file_within(&dir.join("run.json"), RUN_JSON_BYTES);
    match text.map(|t| serde_json::from_str::<RunManifest>(&t)) {
        Ok(Ok(run)) => match run.pid.filter(|_| run.running()) {
            Some(pid) => Holder::Running { pid },
            None => Holder::Finished,
        },
        _ => Holder::Foreign,
    }
}

/// `--out DIR` must be new, empty, a run that was killed before it finished (this run
/// finishes it), or (with `--overwrite`) any folder bench claimed, whose files are then
/// removed. Anything else is refused before a file is written: a run folder is never mixed
/// with another's files. Returns a line to say when a killed run is taken over.
pub(super) fn claim_out_dir(dir: &Path, overwrite: bool) -> Result<Option<String>, Error> {
    let said = match holder(dir) {
        Holder::Nobody => return Ok(None),
        Holder::Foreign => {
            return Err(Error::Usage(format!(
                "--out {}: the folder is not empty and is not a bench run; give a new or empty \
                 folder",
                dir.display()
            )));
        }
        Holder::Finished if !overwrite => {
            return Err(Error::Usage(format!(
                "--out {}: holds an earlier run; pass --overwrite to replace it (all of its \
                 scorers' predictions), or give another folder",
                dir.display()
            )));
        }
        Holder::Running { pid } if !overwrite && !process_gone(pid) => {
            return Err(Error::Usage(format!(
                "--out {}: bench (process {pid}) is writing this run now; wait for it to end, \
                 or pass --overwrite if that process is not bench",
                dir.display()
            )));
        }
        Holder::Running { pid } if !overwrite => Some(format!(
            "--out {}: finishing the run that bench (process {pid}) left unfinished; what it \
             was answered comes from the cache",
            dir.display()
        )),
        Holder::Finished | Holder::Running { .. } => None,
    };
    remove_stale_temp_files(dir, 0);
    for name in RUN_FILES {
        let _ = std::fs::remove_file(dir.join(name));
    }
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("server-") && name.ends_with(".log") {
            let _ = std::fs::remove_file(e.path());
        }
    }
    // The copies of the prompts and rules: files bench wrote, in folders of its own.
    for kept in super::kept::KEPT_DIRS {
        let sub = dir.join(kept);
        for e in std::fs::read_dir(&sub).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let _ = std::fs::remove_dir(&sub);
    }
    Ok(said)
}

/// The current UTC time as folder names carry it: `20261205T221500Z`.
pub(crate) fn utc_stamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// `results_dir/run_id`, or with `-2`, `-3`, … when two runs (or comparisons) start within
/// the same second.
pub(crate) fn unused_dir(results_dir: &Path, run_id: &str) -> PathBuf {
    let mut dir = results_dir.join(run_id);
    let mut n = 2;
    while dir.exists() {
        dir = results_dir.join(format!("{run_id}-{n}"));
        n += 1;
    }
    dir
}

/// `dataset.csv`: every lead of the run, with gold and metadata columns (and the enrichment
/// columns when any lead has enrichment).
pub(super) fn write_dataset(path: &Path, leads: &[Lead]) -> Result<(), Error> {
    let fail = |e| Error::write(path, e);
    let columns = Columns {
        enrichment: leads.iter().any(|l| !l.enrichment.is_empty()),
        gold: true,
        meta: true,
        tail: vec![],
    };
    let mut w = LeadWriter::new(
        AtomicFile::create(path).map_err(fail)?,
        Format::Csv,
        columns,
    )
    .map_err(fail)?;
    for lead in leads {
        w.write(lead, &[]).map_err(fail)?;
    }
    w.finish().and_then(|f| f.commit()).map_err(fail)
}

/// Copies the config file into the run, as it was given (keys live in the environment).
pub(super) fn copy_config(config: &Path, dir: &Path) -> Result<(), Error> {
    let text = std::fs::read(config).map_err(|e| Error::write(config, e))?;
    let to = dir.join("config.toml");
    write_atomic(&to, &text).map_err(|e| Error::write(&to, e))
}

pub(super) fn write_json(path: &Path, value: &impl Serialize) -> Result<(), Error> {
    write_json_atomic(path, value).map_err(|e| Error::write(path, e))
}

/// Reads a run folder, computes its metrics and writes `metrics.json`, `calibration.json`
/// (when its leads have outcomes), `report.md` and `report.html` into it, each atomically
/// (`bench run` and `bench report` alike).
pub fn report_run(dir: &Path, opts: &ReportOptions) -> Result<RunMetrics, ReportError> {
    let data = read_run_dir(dir)?;
    if !data
        .leads
        .iter()
        .any(|l| l.gold.is_some() || l.outcome.converted.is_some())
    {
        return Err(ReportError::NoGold(dir.join("dataset.csv")));
    }
    let mut metrics = evaluate(&data, opts)?;
    let calibration = score_maps(&data, &metrics);
    let explorer = explorer_data(dir, &data, &metrics)?;
    attach_flip_texts(&mut metrics, &explorer);
    drop(data);
    write_reports(dir, &metrics, calibration.as_ref(), explorer)?;
    Ok(metrics)
}

/// Writes `metrics.json`, `calibration.json` (or, without one, removes an earlier one),
/// `report.md` and `report.html` for computed metrics.
fn write_reports(
    dir: &Path,
    metrics: &RunMetrics,
    calibration: Option<&RunCalibration>,
    explorer: ExplorerData,
) -> Result<(), ReportError> {
    let mut files = vec![("metrics.json", pretty_json(dir, "metrics.json", metrics)?)];
    match calibration {
        Some(c) => files.push((CALIBRATION_FILE, pretty_json(dir, CALIBRATION_FILE, c)?)),
        None => {
            let _ = std::fs::remove_file(dir.join(CALIBRATION_FILE));
        }
    }
    let doc = report::run_document_with(metrics, Some(explorer));
    files.extend([
        (
            "report.md",
            report::Format::Markdown.render(&doc).into_bytes(),
        ),
        (
            "report.html",
            report::Format::Html.render(&doc).into_bytes(),
        ),
    ]);
    for (name, bytes) in files {
        let path = dir.join(name);
        write_atomic(&path, &bytes).map_err(|source| ReportError::Write { path, source })?;
    }
    Ok(())
}

/// `value` as indented JSON, to be written as `dir/name`.
fn pretty_json(dir: &Path, name: &str, value: &impl Serialize) -> Result<Vec<u8>, ReportError> {
    serde_json::to_vec_pretty(value).map_err(|e| ReportError::Write {
        path: dir.join(name),
        source: std::io::Error::other(e),
    })
}
