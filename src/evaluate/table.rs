//! The predictions of a run as metrics hold them: per scorer, compact records that point at
//! the dataset's leads by position, built row by row ([`TableBuilder`]) while
//! `predictions.csv` is read. Ids are kept once (a lead by its position, a scorer in its
//! table); justifications, errors and raw answers are never kept; later repeats keep only
//! their label, which is all stability reads; tokens, cost and class probabilities sit in side
//! tables, held only by the rows that have them.
//!
//! Read as a whole, the table answers "what did scorer S say about lead L" ([`ByLead`]), and
//! a scorer computed from the others' answers (an ensemble, a cascade) is one function of it
//! ([`PredictionTable::add_derived`]), evaluated like any other.
//!
//! At 1,000,000 rows this is tens of megabytes where the rows as [`Prediction`]s (and the
//! text of the answers) took hundreds.

use std::collections::HashMap;

use crate::lead::{Label, Lead};
use crate::prediction::{MetricRow, Prediction, ScorerId, Status};

/// Every scorer's predictions on the leads of one dataset.
#[derive(Debug, Clone, Default)]
pub struct PredictionTable {
    /// In the order first seen.
    scorers: Vec<ScorerPredictions>,
    /// How many leads the dataset has (lead positions are below it).
    leads: u32,
    /// Rows whose lead id is not in the dataset: ignored, counted for a warning.
    unknown_leads: u64,
}

/// The table read by (lead, scorer): each scorer's repeat-0 answer on each lead.
pub struct ByLead<'a> {
    table: &'a PredictionTable,
    /// Per scorer, per lead position: index into its `first` answers, or [`NONE`].
    index: Vec<Vec<u32>>,
}

/// What one scorer said about one lead (its repeat 0), as a scorer derived from others
/// reads and writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadAnswer {
    /// (label, score) when the answer was parsed.
    pub parsed: Option<(Label, u8)>,
    pub status: Status,
    pub latency_ms: f64,
    /// What the answer cost (for a derived scorer: the answers it was made from).
    pub cost_usd: Option<f64>,
}

impl From<&Prediction> for LeadAnswer {
    fn from(p: &Prediction) -> LeadAnswer {
        LeadAnswer {
            parsed: p.parsed(),
            status: p.status,
            latency_ms: p.latency_ms,
            cost_usd: p.cost_usd,
        }
    }
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

    /// The scorers, in the order first seen.
    pub fn scorer_ids(&self) -> impl Iterator<Item = &ScorerId> {
        self.scorers.iter().map(|s| &s.id)
    }

    /// The table read by (lead, scorer).
    pub fn by_lead(&self) -> ByLead<'_> {
        let index = self
            .scorers
            .iter()
            .map(|s| {
                let mut at = vec![NONE; self.leads as usize];
                for (i, a) in s.first.iter().enumerate().rev() {
                    // The first answer on a lead wins, as in the join.
                    at[a.lead as usize] = i as u32;
                }
                at
            })
            .collect();
        ByLead { table: self, index }
    }

    /// Adds scorer `id`, computed from the others: `answer` is asked about every lead of the
    /// dataset, in order, and a lead it says nothing about (`None`) has no prediction of
    /// `id`. Replaces an earlier scorer of the same id.
    pub fn add_derived(
        &mut self,
        id: ScorerId,
        mut answer: impl FnMut(&ByLead<'_>, u32) -> Option<LeadAnswer>,
    ) {
        let mut derived = ScorerPredictions::new(id);
        {
            let by_lead = self.by_lead();
            for lead in 0..self.leads {
                if let Some(a) = answer(&by_lead, lead) {
                    derived.push_derived(lead, a);
                }
            }
        }
        self.scorers.retain(|s| s.id != derived.id);
        self.scorers.push(derived);
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
            table: PredictionTable {
                leads: leads.len() as u32,
                ..PredictionTable::default()
            },
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
                scorers.push(ScorerPredictions::new(ScorerId::from(row.scorer)));
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
    pub(crate) id: ScorerId,
    /// `id` as written.
    pub(crate) name: String,
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
    pub(crate) fn new(id: ScorerId) -> ScorerPredictions {
        ScorerPredictions {
            name: id.to_string(),
            id,
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

    /// Adds a derived scorer's answer on the lead at dataset position `lead`.
    fn push_derived(&mut self, lead: u32, a: LeadAnswer) {
        self.run_predictions += 1;
        if let Some(c) = a.cost_usd.filter(|c| c.is_finite()) {
            *self.run_cost_usd.get_or_insert(0.0) += c;
        }
        let usage = Usage {
            cost_usd: a.cost_usd,
            ..Usage::NOTHING
        };
        self.first.push(Answer {
            lead,
            parsed: a.parsed,
            status: a.status,
            cached: false,
            latency_ms: a.latency_ms,
            usage: side_entry(
                &mut self.usage,
                Some(usage).filter(|u| *u != Usage::NOTHING),
            ),
            probabilities: NONE,
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

impl<'a> ByLead<'a> {
    /// Scorer `id`'s repeat-0 answer on the lead at dataset position `lead`.
    pub fn answer(&self, lead: u32, id: &ScorerId) -> Option<LeadAnswer> {
        let s = self.table.scorers.iter().position(|s| s.id == *id)?;
        let at = *self.index[s].get(lead as usize)?;
        let scorer = &self.table.scorers[s];
        let a = scorer.first.get(at as usize)?;
        Some(LeadAnswer {
            parsed: a.parsed,
            status: a.status,
            latency_ms: a.latency_ms,
            cost_usd: scorer.usage(a).cost_usd,
        })
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
        let mut s = ScorerPredictions::new(ScorerId::llm("m", "p"));
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
