//! Reading `predictions.csv` back: whole rows ([`read_predictions_csv`], for tests and
//! tools), or row by row without the free text ([`read_metric_rows`]), which is how metrics
//! read a run: a million rows then cost what their numbers cost, not what the models wrote.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{Prediction, Status};
use crate::lead::{Label, LeadError, unguard_formula};

/// One prediction as metrics read it: its ids, score, label, status, probabilities and
/// usage, without the free text (justification, error, raw response). Borrowed from the
/// row being read, or from a [`Prediction`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricRow<'a> {
    pub lead_id: &'a str,
    pub scorer: &'a str,
    pub repeat: u32,
    pub lead_score: Option<u8>,
    pub lead_label: Option<Label>,
    pub status: Status,
    pub p_low: Option<f64>,
    pub p_medium: Option<f64>,
    pub p_high: Option<f64>,
    pub latency_ms: f64,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub cost_usd: Option<f64>,
    pub cached_prompt_tokens: Option<u32>,
    pub saved_usd: Option<f64>,
    pub cached: bool,
}

/// Largest latency read back: eleven days. A tampered or broken file gets a row error
/// rather than "inf ms" or a 300-digit mean in the report.
const MAX_LATENCY_MS: f64 = 1e9;
/// Largest cost (and saving) of one answer read back.
const MAX_COST_USD: f64 = 1e6;

impl MetricRow<'_> {
    /// What is wrong with the row's numbers, if anything: latency, cost and saving within
    /// their bounds, probabilities in [0, 1], all finite.
    fn check(&self) -> Result<(), String> {
        if !(0.0..=MAX_LATENCY_MS).contains(&self.latency_ms) {
            return Err(format!(
                "column `latency_ms`: expected milliseconds from 0 to 10^9, found {}",
                self.latency_ms
            ));
        }
        for (column, value) in [("cost_usd", self.cost_usd), ("saved_usd", self.saved_usd)] {
            if let Some(v) = value.filter(|v| !(0.0..=MAX_COST_USD).contains(v)) {
                return Err(format!(
                    "column `{column}`: expected dollars from 0 to 10^6, found {v}"
                ));
            }
        }
        for (column, value) in [
            ("p_low", self.p_low),
            ("p_medium", self.p_medium),
            ("p_high", self.p_high),
        ] {
            if let Some(v) = value.filter(|v| !(0.0..=1.0).contains(v)) {
                return Err(format!(
                    "column `{column}`: expected a probability from 0 to 1, found {v}"
                ));
            }
        }
        Ok(())
    }

    /// The (label, score) pair when the prediction was parsed.
    pub fn parsed(&self) -> Option<(Label, u8)> {
        match (self.status.is_parsed(), self.lead_label, self.lead_score) {
            (true, Some(l), Some(s)) => Some((l, s)),
            _ => None,
        }
    }

    /// Class probabilities when all three are present.
    pub fn probabilities(&self) -> Option<[f64; 3]> {
        Some([self.p_low?, self.p_medium?, self.p_high?])
    }
}

impl<'a> From<&'a Prediction> for MetricRow<'a> {
    fn from(p: &'a Prediction) -> MetricRow<'a> {
        MetricRow {
            lead_id: &p.lead_id,
            scorer: &p.scorer,
            repeat: p.repeat,
            lead_score: p.lead_score,
            lead_label: p.lead_label,
            status: p.status,
            p_low: p.p_low,
            p_medium: p.p_medium,
            p_high: p.p_high,
            latency_ms: p.latency_ms,
            prompt_tokens: p.prompt_tokens,
            completion_tokens: p.completion_tokens,
            cost_usd: p.cost_usd,
            cached_prompt_tokens: p.cached_prompt_tokens,
            saved_usd: p.saved_usd,
            cached: p.cached,
        }
    }
}

/// A row of `predictions.csv` as [`read_metric_rows`] takes it: the columns of
/// [`Prediction`], required and typed alike (a row `read_predictions_csv` refuses is refused
/// here too), the free text skipped without being copied.
#[derive(Deserialize)]
struct CsvRow<'a> {
    #[serde(rename = "run_id")]
    _run_id: IgnoredAny,
    lead_id: &'a str,
    scorer: &'a str,
    repeat: u32,
    lead_score: Option<u8>,
    lead_label: Option<Label>,
    #[serde(rename = "justification")]
    _justification: IgnoredAny,
    status: Status,
    #[serde(rename = "error")]
    _error: IgnoredAny,
    #[serde(rename = "consistent")]
    _consistent: Option<bool>,
    p_low: Option<f64>,
    p_medium: Option<f64>,
    p_high: Option<f64>,
    latency_ms: f64,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    cost_usd: Option<f64>,
    #[serde(default)]
    cached_prompt_tokens: Option<u32>,
    #[serde(default)]
    saved_usd: Option<f64>,
    #[serde(rename = "attempts")]
    _attempts: u32,
    cached: bool,
    #[serde(rename = "raw_response")]
    _raw_response: IgnoredAny,
}

/// Reads a `predictions.csv` written by `bench run`; errors name the file and line.
pub fn read_predictions_csv(path: &Path) -> Result<Vec<Prediction>, LeadError> {
    let mut out = Vec::new();
    read_prediction_rows(path, |p| out.push(p))?;
    Ok(out)
}

/// Hands every row of a `predictions.csv` to `each` whole (free text included), in file
/// order, one row at a time: the caller keeps what it needs (the lead explorer, `bench
/// show`), so a large file is never held whole. Errors name the file and line.
pub fn read_prediction_rows(
    path: &Path,
    mut each: impl FnMut(Prediction),
) -> Result<(), LeadError> {
    let mut reader = open(path)?;
    let mut records = reader.deserialize::<Prediction>();
    for i in 0.. {
        let line = records.reader().position().line();
        let Some(row) = records.next() else { break };
        let mut row = row.map_err(|e| parse_error(path, i, e))?;
        MetricRow::from(&row)
            .check()
            .map_err(|message| bad_value(path, line, message))?;
        for t in row.text_fields_mut() {
            let original = unguard_formula(t);
            if original.len() != t.len() {
                *t = original.to_string();
            }
        }
        each(row);
    }
    Ok(())
}

/// Hands every row of a `predictions.csv` to `each`, in file order, as a [`MetricRow`]
/// borrowed from one reused record: nothing of a row outlives the call. Errors name the
/// file and line, as [`read_predictions_csv`]'s do.
pub fn read_metric_rows(path: &Path, mut each: impl FnMut(MetricRow<'_>)) -> Result<(), LeadError> {
    let mut reader = open(path)?;
    let headers = reader
        .headers()
        .map_err(|e| parse_error(path, 0, e))?
        .clone();
    let mut record = csv::StringRecord::new();
    for i in 0.. {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(parse_error(path, i, e)),
        }
        let row: CsvRow<'_> = record
            .deserialize(Some(&headers))
            .map_err(|e| parse_error(path, i, e))?;
        // Ids are the only text kept; a CSV cell guard (see `guard_formula`) is taken off.
        let row = MetricRow {
            lead_id: unguard_formula(row.lead_id),
            scorer: unguard_formula(row.scorer),
            repeat: row.repeat,
            lead_score: row.lead_score,
            lead_label: row.lead_label,
            status: row.status,
            p_low: row.p_low,
            p_medium: row.p_medium,
            p_high: row.p_high,
            latency_ms: row.latency_ms,
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            cost_usd: row.cost_usd,
            cached_prompt_tokens: row.cached_prompt_tokens,
            saved_usd: row.saved_usd,
            cached: row.cached,
        };
        let line = record.position().map_or(i as u64 + 2, csv::Position::line);
        row.check()
            .map_err(|message| bad_value(path, line, message))?;
        each(row);
    }
    Ok(())
}

/// A row whose numbers are out of bounds, at `line`.
fn bad_value(path: &Path, line: u64, message: String) -> LeadError {
    LeadError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Opens `path` as CSV when it is a regular file (not a link to `/dev/zero`, a FIFO).
fn open(path: &Path) -> Result<csv::Reader<BufReader<File>>, LeadError> {
    let file = crate::input::open_regular_file(path).map_err(|source| LeadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::Reader::from_reader(BufReader::new(file)))
}

/// The error of row `i` (0-based, after the header).
fn parse_error(path: &Path, i: usize, e: csv::Error) -> LeadError {
    LeadError::Parse {
        path: path.to_path_buf(),
        line: e.position().map_or(i as u64 + 2, |p| p.line()),
        message: format!("expected a prediction row as `bench run` writes it: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prediction::PredictionSink;

    fn sample() -> Prediction {
        let mut p = Prediction::empty("r", "-L1", "llm/m/p", 2, Status::Coerced);
        (p.lead_score, p.lead_label) = (Some(75), Some(Label::High));
        (p.p_low, p.p_medium, p.p_high) = (Some(0.1), Some(0.2), Some(0.7));
        p.justification = "=HYPERLINK(\"x\"), and a \"quote\"\nover two lines".into();
        p.error = "@coerced".into();
        p.raw_response = "{\"lead_score\": 75}".into();
        p.latency_ms = 812.5;
        (p.prompt_tokens, p.completion_tokens) = (Some(410), Some(52));
        (p.cost_usd, p.cached_prompt_tokens, p.saved_usd) = (Some(0.0002), Some(256), None);
        p.cached = true;
        p
    }

    #[test]
    fn metric_rows_read_back_what_the_sink_wrote_without_the_text() {
        let a = sample();
        let mut b = Prediction::empty("r", "L2", "heuristic", 0, Status::ParseError);
        b.error = "no JSON object".into();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sink = PredictionSink::create(dir.path()).expect("sink");
        for p in [&a, &b] {
            sink.push(p).expect("push");
        }
        sink.finish().expect("finish");
        let mut rows = Vec::new();
        read_metric_rows(&dir.path().join("predictions.csv"), |r| {
            rows.push(format!("{r:?}"))
        })
        .expect("read");
        // The guarded lead id `'-L1` comes back as written by the scorer.
        assert_eq!(rows, [&a, &b].map(|p| format!("{:?}", MetricRow::from(p))));
        assert_eq!(MetricRow::from(&a).parsed(), Some((Label::High, 75)));
        assert_eq!(MetricRow::from(&a).probabilities(), Some([0.1, 0.2, 0.7]));
        assert_eq!(MetricRow::from(&b).parsed(), None);
    }

    #[test]
    fn a_bad_row_names_the_file_and_line_and_older_files_lack_two_columns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("predictions.csv");
        let header = "run_id,lead_id,scorer,repeat,lead_score,lead_label,justification,status,error,consistent,p_low,p_medium,p_high,latency_ms,prompt_tokens,completion_tokens,cost_usd,attempts,cached,raw_response\n";
        let good = "r,L1,heuristic,0,80,high,x,ok,,true,,,,0.1,,,,0,false,\n";
        std::fs::write(&path, format!("{header}{good}{good}")).expect("write");
        let mut n = 0;
        read_metric_rows(&path, |r| {
            assert_eq!((r.cached_prompt_tokens, r.saved_usd), (None, None));
            n += 1;
        })
        .expect("a file without the newer columns reads");
        assert_eq!(n, 2);
        let bad = good.replace(",0,false,", ",many,false,");
        std::fs::write(&path, format!("{header}{good}{bad}")).expect("write");
        let err = read_metric_rows(&path, |_| {}).expect_err("attempts is not a number");
        let msg = err.to_string();
        assert!(msg.contains("predictions.csv:3:"), "{msg}");
        let whole = read_predictions_csv(&path).expect_err("the same row is refused");
        assert_eq!(whole.to_string(), msg);
        // Numbers a tampered file could hold are refused with their line and column.
        for (column, tampered) in [
            ("latency_ms", good.replace(",0.1,", ",inf,")),
            ("latency_ms", good.replace(",0.1,", ",-1,")),
            ("cost_usd", good.replace(",,,0,false,", ",,1e309,0,false,")),
            ("p_high", good.replace(",true,,,,", ",true,,,-1,")),
        ] {
            std::fs::write(&path, format!("{header}{good}{tampered}")).expect("write");
            for msg in [
                read_metric_rows(&path, |_| {})
                    .expect_err("bounds")
                    .to_string(),
                read_predictions_csv(&path).expect_err("bounds").to_string(),
            ] {
                assert!(
                    msg.contains("predictions.csv:3:") && msg.contains(column),
                    "{column}: {msg}"
                );
            }
        }
        // A row after a justification over two lines is named by its own line.
        let long = good.replace(",x,", ",\"two\nlines\",");
        std::fs::write(&path, format!("{header}{long}{bad}")).expect("write");
        let msg = read_metric_rows(&path, |_| {})
            .expect_err("bad")
            .to_string();
        assert!(msg.contains("predictions.csv:4:"), "{msg}");
        let whole = read_predictions_csv(&path).expect_err("bad").to_string();
        assert!(whole.contains("predictions.csv:4:"), "{whole}");
    }
}
