//! `bench score`: score a lead file with any scorer of a config, for routing use. Writes the
//! input's columns unchanged, then `lead_score, lead_label, justification, status` (and, when
//! the scorer may ask an LLM, `error` and its tokens and cost; with `--calibration`,
//! `p_convert` and `route`), same rows, same order. The scoring itself is
//! [`crate::pipeline::score_leads`].

use std::io::Write;
use std::path::Path;

use crate::atomic::AtomicFile;
use crate::cli::{MapArg, ScoreArgs};
use crate::evaluate::MapChoice;
use crate::lead::{Cell, Format, Lead, LeadError, LeadReader, LeadRow, RowCells, RowWriter};
use crate::llm::Plan;
use crate::pipeline::{CalibrationAsk, ScoreOptions, ScoreOutcome, Scored, note, score_leads};
use crate::prediction::{Prediction, ScorerId};
use crate::{EXIT_OK, EXIT_PENDING, Error};

use super::plan_text::plan_text;

/// The columns every scored row gets.
const SCORE_COLUMNS: [&str; 4] = ["lead_score", "lead_label", "justification", "status"];
/// The columns added when an LLM may be asked.
const LLM_COLUMNS: [&str; 4] = ["error", "prompt_tokens", "completion_tokens", "cost_usd"];
/// The columns added with a calibration.
const CALIBRATION_COLUMNS: [&str; 2] = ["p_convert", "route"];

/// Which groups of columns scoring adds.
#[derive(Debug, Clone, Copy)]
struct Added {
    usage: bool,
    calibration: bool,
}

impl Added {
    fn names(self) -> Vec<String> {
        let mut names: Vec<&str> = SCORE_COLUMNS.to_vec();
        if self.usage {
            names.extend(LLM_COLUMNS);
        }
        if self.calibration {
            names.extend(CALIBRATION_COLUMNS);
        }
        names.into_iter().map(String::from).collect()
    }
}

pub(crate) fn run(args: &ScoreArgs) -> Result<u8, Error> {
    let (columns, rows) = read_rows(&args.input)?;
    let scorer = ScorerId::from(args.scorer.as_str());
    // An LLM's usage columns come with every scorer that may ask one.
    let added = Added {
        usage: scorer.is_llm() || scorer.is_derived(),
        calibration: args.calibration.is_some(),
    };
    check_columns(&args.input, &columns, added)?;
    let opts = ScoreOptions {
        config: args.config.clone(),
        scorer,
        rules: args.rules.clone(),
        train: args.train.clone(),
        model_file: args.model_file.clone(),
        no_cache: args.no_cache,
        quiet: args.quiet,
        batch: args.batch,
        wait: args.wait,
        show_plan: (!args.quiet).then_some(show_plan as fn(&Plan)),
        calibration: args.calibration.clone().map(|run_dir| CalibrationAsk {
            run_dir,
            map: match args.map {
                MapArg::Best => MapChoice::Best,
                MapArg::Isotonic => MapChoice::Isotonic,
                MapArg::Platt => MapChoice::Platt,
            },
            capacity: args.capacity,
        }),
    };
    // The leads go to the scorer, the cells as read to the output: no row is held twice.
    let (leads, rows): (Vec<Lead>, Vec<RowCells>) = rows
        .into_iter()
        .map(|r| (r.lead, r.cells.expect("the reader keeps the cells")))
        .unzip();
    let scored = match score_leads(&opts, &leads)? {
        ScoreOutcome::Scored(scored) => scored,
        ScoreOutcome::BatchPending { stopped_by: None } => {
            note("nothing written yet: run the same command again to collect the batches");
            return Ok(EXIT_PENDING);
        }
        ScoreOutcome::BatchPending {
            stopped_by: Some(signal),
        } => return Ok(signal.exit_code()),
    };
    drop(leads);
    match &args.out {
        Some(path) => {
            let format = args.format.unwrap_or_else(|| Format::from_path(path));
            let file = AtomicFile::create(path).map_err(|e| Error::write(path, e))?;
            let file = write_rows(file, format, path, (&columns, added), &rows, &scored)?;
            file.commit().map_err(|e| Error::write(path, e))?;
            note(format!(
                "scored {} leads with {} → {}",
                rows.len(),
                opts.scorer,
                path.display()
            ));
        }
        None => {
            let format = args.format.unwrap_or(Format::Csv);
            let stdout = std::io::stdout().lock();
            let out = Path::new("<stdout>");
            let _stdout = write_rows(stdout, format, out, (&columns, added), &rows, &scored)?;
        }
    }
    say_how_it_went(&scored);
    Ok(match scored.stopped_by {
        Some(signal) => signal.exit_code(),
        None if scored.interrupted => crate::EXIT_INTERRUPTED,
        None => EXIT_OK,
    })
}

/// The plan on standard error, before anything is sent.
fn show_plan(plan: &Plan) {
    eprint!("{}", plan_text(plan));
}

/// Every row of the input, its cells kept (a row-level error stops here, before anything is
/// sent or written), and the input's columns.
fn read_rows(path: &Path) -> Result<(Vec<String>, Vec<LeadRow>), Error> {
    let mut reader = LeadReader::open(path)?.keep_cells();
    let rows = reader
        .by_ref()
        .collect::<Result<Vec<LeadRow>, LeadError>>()?;
    if rows.is_empty() {
        return Err(LeadError::Parse {
            path: path.to_path_buf(),
            line: 1,
            message: "no leads to score".into(),
        }
        .into());
    }
    Ok((reader.columns().to_vec(), rows))
}

/// Refuses an input that has a column scoring adds already (before anything is sent).
fn check_columns(input: &Path, columns: &[String], added: Added) -> Result<(), Error> {
    match added.names().into_iter().find(|c| columns.contains(c)) {
        Some(c) => Err(LeadError::Parse {
            path: input.to_path_buf(),
            line: 1,
            message: format!(
                "the input already has a `{c}` column; rename it or drop it before scoring"
            ),
        }
        .into()),
        None => Ok(()),
    }
}

/// Writes the input's rows (`columns.0`), each followed by its answer (`columns.1`).
fn write_rows<W: Write>(
    out: W,
    format: Format,
    out_path: &Path,
    (columns, added): (&[String], Added),
    rows: &[RowCells],
    scored: &Scored,
) -> Result<W, Error> {
    let mut writer = RowWriter::new(out, format, columns.to_vec(), added.names())
        .map_err(|e| Error::write(out_path, e))?;
    for (i, (cells, p)) in rows.iter().zip(&scored.answers).enumerate() {
        let mut answer = answer_cells(p, added.usage);
        if added.calibration {
            let c = scored.calibrated.as_ref().and_then(|c| c.get(i));
            answer.push(c.and_then(|c| c.p_convert).map_or(Cell::Empty, Cell::Float));
            answer.push(
                c.and_then(|c| c.route)
                    .map_or(Cell::Empty, |r| Cell::Text(r.as_str())),
            );
        }
        writer
            .write(cells, &answer)
            .map_err(|e| Error::write(out_path, e))?;
    }
    writer.finish().map_err(|e| Error::write(out_path, e))
}

/// The cells of one answer: score, label, justification, status, and with an LLM the error
/// and usage.
fn answer_cells(p: &Prediction, llm: bool) -> Vec<Cell<'_>> {
    let int = |v: Option<u32>| v.map_or(Cell::Empty, |v| Cell::Int(i64::from(v)));
    let mut cells = vec![
        int(p.lead_score.map(u32::from)),
        p.lead_label.map_or(Cell::Empty, |l| Cell::Text(l.as_str())),
        Cell::Text(&p.justification),
        Cell::Text(p.status.as_str()),
    ];
    if llm {
        cells.extend([
            Cell::Text(&p.error),
            int(p.prompt_tokens),
            int(p.completion_tokens),
            p.cost_usd.map_or(Cell::Empty, Cell::Float),
        ]);
    }
    cells
}

/// The lines after scoring (the LLM step has said what it sent): how many leads have no
/// score.
fn say_how_it_went(scored: &Scored) {
    let unscored = scored
        .answers
        .iter()
        .filter(|p| p.lead_score.is_none())
        .count();
    if unscored > 0 {
        note(format!(
            "{unscored} of {} leads have no score (their `status` and `error` say why)",
            scored.answers.len()
        ));
    }
    if scored.interrupted {
        note("interrupted: the leads not reached are written with status `skipped`");
    }
}
