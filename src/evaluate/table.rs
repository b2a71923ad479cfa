//! The predictions of a run as metrics hold them: per scorer, compact records that point at
//! the dataset's leads by position, built row by row ([`TableBuilder`]) while
//! `predictions.csv` is read. Ids are kept once (a lead by its position, a scorer in its
//! table); justifications, errors and raw answers are never kept; later repeats keep only
//! their label, which is all stability reads; tokens, cost and class probabilities sit in side
//! tables, held only by the rows that have them.
//!
//! At 1,000,000 rows this is tens of megabytes where the rows as [`Prediction`]s (and the
//! text of the answers) took hundreds.

use std::collections::HashMap;

use crate::lead::{Label, Lead};
use crate::prediction::{MetricRow, Prediction, Status};

/// Every scorer's predictions on the leads of one dataset.
#[derive(Debug, Clone, Default)]
pub struct PredictionTable {
    /// In the order first seen.
    scorers: Vec<ScorerPredictions>,
    /// Rows whose lead id is not in the dataset: ignored, counted for a warning.
    unknown_leads: u64,
}

impl PredictionTable {
    /// The table of in-memory predictions on `leads` (as reading them from a file gives).
    pub fn from_predictions<'a>(
        leads: &[Lead],
        predictions: impl IntoIterator<Item = &'a Prediction>,
    ) -> PredictionTable {
        let mut b = TableBuilder::new(leads);
        for p in predictions {
            b.push(&MetricRow::from(p));
        }
        b.finish()
    }

    pub(crate) fn scorers(&self) -> &[ScorerPredictions] {
        &self.scorers
    }

    /// Rows whose lead id is not in the dataset.
    pub fn unknown_leads(&self) -> u64 {
        self.unknown_leads
    }

    /// Rows held: every prediction of a lead in the dataset, all scorers and repeats.
    pub fn rows(&self) -> u64 {
        self.scorers.iter().map(|s| s.run_predictions).sum()
    }
}

/// Builds a [`PredictionTable`] one row at a time.
pub struct TableBuilder<'a> {
    /// Position of each dataset lead by id (ids are unique: the lead reader checks).
    leads: HashMap<&'a str, u32>,
    scorer_of: HashMap<String, usize>,
    table: PredictionTable,
}

impl<'a> TableBuilder<'a> {
    pub fn new(leads: &'a [Lead]) -> TableBuilder<'a> {
        let mut index = HashMap::with_capacity(leads.len());
        for (i, l) in leads.iter().enumerate() {
            index.entry(l.lead_id.as_str()).or_insert(i as u32);
        }
        TableBuilder {
            leads: index,
            scorer_of: HashMap::new(),
            table: PredictionTable::default(),
        }
    }

    pub fn push(&mut self, row: &MetricRow<'_>) {
        let Some(&lead) = self.leads.get(row.lead_id) else {
            self.table.unknown_leads += 1;
            return;
        };
        let scorers = &mut self.table.scorers;
        let s = match self.scorer_of.get(row.scorer) {
            Some(&s) => s,
            None => {
                scorers.push(ScorerPredictions::new(row.scorer));
                self.scorer_of
                    .insert(row.scorer.to_string(), scorers.len() - 1);
                scorers.len() - 1
            }
        };
        scorers[s].push(lead, row);
    }

    pub fn finish(self) -> PredictionTable {
        self.table
    }
}

/// One scorer's predictions on known leads, in file order.
#[derive(Debug, Clone)]
pub struct ScorerPredictions {
    pub(crate) id: String,
    /// Repeat 0, which headline metrics and operations read; a (lead, repeat) given twice is
    /// kept twice and the join uses the first.
    pub(crate) first: Vec<Answer>,
    /// Repeats after the first: only their labels, for stability.
    pub(crate) later: Vec<LaterAnswer>,
    usage: Vec<Usage>,
    probabilities: Vec<[f64; 3]>,
    /// Every prediction of the scorer (all leads, all repeats).
    pub(crate) run_predictions: u64,
    /// Their cost: finite costs summed in file order; `None` when none has one.
    pub(crate) run_cost_usd: Option<f64>,
}

/// A repeat-0 prediction: what metrics and operations read of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answer {
    /// Position of the lead in the dataset.
    pub lead: u32,
    pub parsed: Option<(Label, u8)>,
    pub status: Status,
    pub cached: bool,
    pub latency_ms: f64,
    /// Index into the scorer's usage table, or [`NONE`].
    usage: u32,
    /// Index into the scorer's probability table, or [`NONE`].
    probabilities: u32,
}

/// What a repeat-0 prediction cost, for the rows that say (LLM answers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Usage {
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub cached_prompt_tokens: Option<u32>,
    pub cost_usd: Option<f64>,
    pub saved_usd: Option<f64>,
}

/// The label of a later repeat on a lead (`None` = not parsed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaterAnswer {
    pub lead: u32,
    pub repeat: u32,
    pub label: Option<Label>,
}

/// No entry in a side table.
const NONE: u32 = u32::MAX;

impl ScorerPredictions {
    pub(crate) fn new(id: &str) -> ScorerPredictions {
        ScorerPredictions {
            id: id.to_string(),
            first: Vec::new(),
            later: Vec::new(),
            usage: Vec::new(),
            probabilities: Vec::new(),
            run_predictions: 0,
            run_cost_usd: None,
        }
    }

    /// Adds the row of the lead at dataset position `lead`.
    pub(crate) fn push(&mut self, lead: u32, row: &MetricRow<'_>) {
        self.run_predictions += 1;
        if let Some(c) = row.cost_usd.filter(|c| c.is_finite()) {
            *self.run_cost_usd.get_or_insert(0.0) += c;
        }
        if row.repeat > 0 {
            self.later.push(LaterAnswer {
                lead,
                repeat: row.repeat,
                label: row.parsed().map(|(l, _)| l),
            });
            return;
        }
        let usage = Usage {
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            cached_prompt_tokens: row.cached_prompt_tokens,
            cost_usd: row.cost_usd,
            saved_usd: row.saved_usd,
        };
        self.first.push(Answer {
            lead,
            parsed: row.parsed(),
            status: row.status,
            cached: row.cached,
            latency_ms: row.latency_ms,
            usage: side_entry(
                &mut self.usage,
                Some(usage).filter(|u| *u != Usage::NOTHING),
            ),
            probabilities: side_entry(&mut self.probabilities, row.probabilities()),
        });
    }

    pub(crate) fn usage(&self, a: &Answer) -> Usage {
        self.usage
            .get(a.usage as usize)
            .copied()
            .unwrap_or(Usage::NOTHING)
    }

    /// Class probabilities, when the row had all three.
    pub(crate) fn probabilities(&self, a: &Answer) -> Option<[f64; 3]> {
        self.probabilities.get(a.probabilities as usize).copied()
    }
}

impl Usage {
    /// A row without tokens or cost (the baselines).
    const NOTHING: Usage = Usage {
        prompt_tokens: None,
        completion_tokens: None,
        cached_prompt_tokens: None,
        cost_usd: None,
        saved_usd: None,
    };
}

/// Appends `value` to a side table and returns its index, or [`NONE`] without one.
fn side_entry<T>(table: &mut Vec<T>, value: Option<T>) -> u32 {
    match value {
        Some(v) => {
            table.push(v);
            (table.len() - 1) as u32
        }
        None => NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_repeats_keep_labels_and_side_tables_only_what_rows_have() {
        let mut s = ScorerPredictions::new("llm/m/p");
        let mut a = Prediction::empty("r", "L1", "llm/m/p", 0, Status::Ok);
        (a.lead_score, a.lead_label, a.cost_usd) = (Some(80), Some(Label::High), Some(0.5));
        let mut b = a.clone();
        b.repeat = 1;
        b.cost_usd = Some(f64::NAN);
        let mut c = Prediction::empty("r", "L2", "llm/m/p", 0, Status::Timeout);
        c.p_low = Some(0.2);
        for (lead, p) in [(0, &a), (0, &b), (1, &c)] {
            s.push(lead, &MetricRow::from(p));
        }
        assert_eq!((s.first.len(), s.later.len(), s.usage.len()), (2, 1, 1));
        assert_eq!(s.later[0].label, Some(Label::High));
        assert_eq!(s.usage(&s.first[0]).cost_usd, Some(0.5));
        assert_eq!(s.usage(&s.first[1]), Usage::NOTHING);
        // Two of three probabilities are not a distribution.
        assert_eq!(s.probabilities(&s.first[1]), None);
        assert_eq!((s.run_predictions, s.run_cost_usd), (3, Some(0.5)));
    }
}
