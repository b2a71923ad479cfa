//! Scorers: the common [`Scorer`] trait and the [`Score`] every scorer returns.

use serde::{Deserialize, Serialize};

use crate::lead::{Bands, Label, Lead};
use crate::prediction::{Prediction, Status};

pub mod heuristic;
pub mod learned;
pub mod llm;

/// What a scorer says about one lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0–100.
    pub lead_score: u8,
    pub lead_label: Label,
    /// A short explanation: the signals that drove the score.
    pub justification: String,
    /// Class probabilities in label order (low, medium, high), for scorers that have them.
    pub probabilities: Option<[f64; 3]>,
}

impl Score {
    /// Whether the label agrees with the band of the score.
    pub fn is_consistent(&self, bands: &Bands) -> bool {
        bands.label_for(self.lead_score) == self.lead_label
    }

    /// Records this score in `p`: label, score, justification, class probabilities, and
    /// whether label and score agree under `bands`.
    pub fn record_in(self, p: &mut Prediction, bands: &Bands) {
        p.consistent = Some(self.is_consistent(bands));
        [p.p_low, p.p_medium, p.p_high] = match self.probabilities {
            Some(probs) => probs.map(Some),
            None => [None; 3],
        };
        p.lead_score = Some(self.lead_score);
        p.lead_label = Some(self.lead_label);
        p.justification = self.justification;
    }

    /// The prediction of an in-process scorer (repeat 0, status `ok`) that gave this score.
    pub fn into_prediction(
        self,
        run_id: &str,
        lead_id: &str,
        scorer: &str,
        bands: &Bands,
        latency_ms: f64,
    ) -> Prediction {
        let mut p = Prediction::empty(run_id, lead_id, scorer, 0, Status::Ok);
        self.record_in(&mut p, bands);
        p.latency_ms = latency_ms;
        p
    }
}

/// A scorer that runs in-process over one lead at a time (the baselines).
pub trait Scorer: Send + Sync {
    /// The scorer id used in predictions and reports (`heuristic`, `learned`).
    fn id(&self) -> &str;
    fn score(&self, lead: &Lead) -> Score;
}
