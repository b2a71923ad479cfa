//! `bench score`: score a lead file with one in-process scorer, for routing use. Writes the
//! input's columns plus `lead_score, lead_label, justification`, same rows, same order.

use std::io::Write;
use std::path::Path;

use crate::Error;
use crate::atomic::AtomicFile;
use crate::cli::{ScoreArgs, ScorerChoice};
use crate::config::Config;
use crate::lead::Bands;
use crate::lead::{
    Cell, Columns, Format, LeadError, LeadReader, LeadRow, LeadWriter, Split, read_leads,
};
use crate::score::Scorer;
use crate::score::heuristic::{HeuristicRules, HeuristicScorer};
use crate::score::learned::LearnedModel;

const SCORE_COLUMNS: [&str; 3] = ["lead_score", "lead_label", "justification"];

fn build_scorer(args: &ScoreArgs) -> Result<Box<dyn Scorer>, Error> {
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let bands = config.as_ref().map_or_else(Bands::default, |c| c.bands);
    match args.scorer {
        ScorerChoice::Heuristic => {
            // `--rules` takes the place of the config's `heuristic_rules`; the config's point
            // overrides apply to either.
            let rules = match (&args.rules, config) {
                (Some(path), c) => {
                    let weights = c.map(|c| c.baselines.heuristic_weights).unwrap_or_default();
                    HeuristicRules::load(Some(path), &weights)?
                }
                (None, Some(c)) => c.baselines.heuristic_rules,
                (None, None) => HeuristicRules::shipped(),
            };
            Ok(Box::new(HeuristicScorer::new(rules, bands)))
        }
        ScorerChoice::Learned => {
            let model = match (&args.train, &args.model_file) {
                (Some(train), save) => {
                    let mut leads = read_leads(train)?;
                    // For routing, every labelled lead of the training file is used.
                    for lead in &mut leads {
                        lead.meta.split = Some(Split::Train);
                    }
                    let opts = config
                        .map(|c| c.baselines.learned_options)
                        .unwrap_or_default();
                    let model = LearnedModel::train(&leads, &opts, bands)?;
                    if let Some(path) = save {
                        model.save(path)?;
                        eprintln!("bench: trained model saved to {}", path.display());
                    }
                    model
                }
                (None, Some(path)) => LearnedModel::load(path)?,
                (None, None) => {
                    return Err(Error::Usage(
                        "bench score --scorer learned: give --train LEADS.csv (labelled leads to train on) or --model-file MODEL.json (a saved model)"
                            .to_string(),
                    ));
                }
            };
            Ok(Box::new(model))
        }
    }
}

fn score_rows<W: Write>(
    reader: LeadReader,
    first: LeadRow,
    scorer: &dyn Scorer,
    out: W,
    format: Format,
    out_path: &Path,
) -> Result<(W, u64), Error> {
    let mut tail: Vec<String> = reader.extra_columns().to_vec();
    for c in SCORE_COLUMNS {
        if tail.iter().any(|t| t == c) {
            return Err(LeadError::Parse {
                path: reader.path().to_path_buf(),
                line: 1,
                message: format!(
                    "the input already has a `{c}` column; rename it or drop it before scoring"
                ),
            }
            .into());
        }
        tail.push(c.to_string());
    }
    let columns = Columns {
        gold: first.lead.gold.is_some(),
        meta: first.lead.meta != Default::default(),
        tail,
    };
    let mut writer =
        LeadWriter::new(out, format, columns).map_err(|e| Error::write(out_path, e))?;
    let mut n = 0u64;
    for row in std::iter::once(Ok(first)).chain(reader) {
        let row = row?;
        let score = scorer.score(&row.lead);
        let mut cells: Vec<Cell<'_>> = row.extra.iter().map(|s| Cell::Text(s)).collect();
        cells.push(Cell::Int(i64::from(score.lead_score)));
        cells.push(Cell::Text(score.lead_label.as_str()));
        cells.push(Cell::Text(&score.justification));
        writer
            .write(&row.lead, &cells)
            .map_err(|e| Error::write(out_path, e))?;
        n += 1;
    }
    let out = writer.finish().map_err(|e| Error::write(out_path, e))?;
    Ok((out, n))
}

pub(crate) fn run(args: &ScoreArgs) -> Result<(), Error> {
    let scorer = build_scorer(args)?;
    let mut reader = LeadReader::open(&args.input)?;
    let Some(first) = reader.next().transpose()? else {
        return Err(LeadError::Parse {
            path: args.input.clone(),
            line: 1,
            message: "no leads to score".into(),
        }
        .into());
    };
    match &args.out {
        Some(path) => {
            let format = args.format.unwrap_or_else(|| Format::from_path(path));
            let file = AtomicFile::create(path).map_err(|e| Error::write(path, e))?;
            let (file, n) = score_rows(reader, first, scorer.as_ref(), file, format, path)?;
            file.commit().map_err(|e| Error::write(path, e))?;
            eprintln!(
                "bench: scored {n} leads with {} → {}",
                scorer.id(),
                path.display()
            );
        }
        None => {
            let format = args.format.unwrap_or(Format::Csv);
            let stdout = std::io::stdout().lock();
            let (_stdout, _n) = score_rows(
                reader,
                first,
                scorer.as_ref(),
                stdout,
                format,
                Path::new("<stdout>"),
            )?;
        }
    }
    Ok(())
}
