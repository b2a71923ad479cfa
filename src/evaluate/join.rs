//! Joining predictions to leads: which leads are evaluated (the test split when the dataset
//! has one), and each scorer's predictions on them, by repeat.

use std::collections::BTreeSet;

use crate::lead::{Label, Lead, Split};
use crate::prediction::ScorerId;

use super::table::{Answer, PredictionTable, ScorerPredictions};

/// The evaluated leads and every scorer's predictions on them.
pub(crate) struct Joined<'a> {
    /// Leads with a gold label (in the test split when any lead has a split), sorted by
    /// lead id so rankings break ties by lead id.
    pub leads: Vec<&'a Lead>,
    pub gold: Vec<Label>,
    pub gold_score: Vec<Option<u8>>,
    /// `"test"` when the dataset has a split, else `"all"`.
    pub split: &'static str,
    /// Scorers in report order: heuristic, learned, then the others by id.
    pub scorers: Vec<JoinedScorer<'a>>,
    /// Predictions whose lead id is not in the dataset.
    pub unknown_leads: u64,
    /// Predictions that repeat an earlier (lead, scorer, repeat); the first one is used.
    pub duplicates: u64,
}

/// One scorer's predictions, index-aligned with [`Joined::leads`].
pub(crate) struct JoinedScorer<'a> {
    pub id: &'a str,
    /// All of the scorer's predictions in the run (evaluated or not).
    pub table: &'a ScorerPredictions,
    /// Repeat 0 on each evaluated lead, which headline metrics use.
    pub first: Vec<Option<&'a Answer>>,
    /// `later[r - 1][i]`: repeat r on lead i, `None` without a prediction, `Some(None)` when
    /// it was not parsed.
    later: Vec<Vec<Option<Option<Label>>>>,
    /// For a scorer asked about a sample of the leads: which it was asked about (those it
    /// has a repeat-0 prediction for). `None`: asked about every lead, so a lead without a
    /// prediction is missing.
    pub asked: Option<Vec<bool>>,
}

impl<'a> Joined<'a> {
    /// Marks the scorers in `sampled` as asked about a sample of the leads, and so a
    /// derived scorer (ensemble, cascade) that has no answer on some lead: it is judged on
    /// the leads its members let it answer (a sampled member limits it).
    pub fn mark_sampled(&mut self, sampled: &BTreeSet<String>) {
        for s in &mut self.scorers {
            let partial_derived = s.table.id.is_derived() && s.first.iter().any(Option::is_none);
            if sampled.contains(s.id) || partial_derived {
                s.asked = Some(s.first.iter().map(Option::is_some).collect());
            }
        }
    }

    /// The same join on the leads where `keep` holds (every scorer's predictions with them).
    pub fn only(&self, keep: &[bool]) -> Joined<'a> {
        let leads: Vec<&'a Lead> = pick(&self.leads, keep);
        Joined {
            gold: leads
                .iter()
                .filter_map(|l| l.gold.as_ref().map(|g| g.label))
                .collect(),
            gold_score: leads
                .iter()
                .map(|l| l.gold.as_ref().and_then(|g| g.score))
                .collect(),
            leads,
            split: self.split,
            scorers: self
                .scorers
                .iter()
                .map(|s| JoinedScorer {
                    id: s.id,
                    table: s.table,
                    first: pick(&s.first, keep),
                    later: s.later.iter().map(|r| pick(r, keep)).collect(),
                    asked: s.asked.as_deref().map(|a| pick(a, keep)),
                })
                .collect(),
            unknown_leads: self.unknown_leads,
            duplicates: self.duplicates,
        }
    }

    /// The join a scorer is judged on: the leads it was asked about.
    pub fn for_scorer(&self, i: usize) -> Option<Joined<'a>> {
        self.scorers[i].asked.as_deref().map(|a| self.only(a))
    }
}

/// The items of `v` where `keep` holds.
pub(crate) fn pick<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| x.clone())
        .collect()
}

/// Where both scorers were asked (`None`: every lead).
pub(crate) fn both_asked(a: Option<&[bool]>, b: Option<&[bool]>) -> Option<Vec<bool>> {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x.to_vec()),
        (Some(x), Some(y)) => Some(x.iter().zip(y).map(|(p, q)| *p && *q).collect()),
    }
}

impl JoinedScorer<'_> {
    /// Repeats found on the evaluated leads (the highest repeat index + 1).
    pub fn repeats(&self) -> usize {
        1 + self.later.len()
    }

    /// (label, score) of repeat 0 where parsed.
    pub fn parsed(&self) -> Vec<Option<(Label, u8)>> {
        self.first
            .iter()
            .map(|a| a.and_then(|a| a.parsed))
            .collect()
    }

    /// Labels of every repeat where parsed (for stability).
    pub fn labels_by_repeat(&self) -> Vec<Vec<Option<Label>>> {
        let first = self.parsed().into_iter().map(|p| p.map(|x| x.0)).collect();
        let later = self
            .later
            .iter()
            .map(|rep| rep.iter().map(|l| l.flatten()).collect());
        std::iter::once(first).chain(later).collect()
    }
}

/// Report order of scorers: the heuristic, the learned model, then the rest by id.
fn order_key(s: &ScorerPredictions) -> (u8, &str) {
    let kind = match s.id {
        ScorerId::Heuristic => 0,
        ScorerId::Learned => 1,
        _ => 2,
    };
    (kind, &s.name)
}

/// Joins predictions to the leads evaluated against gold labels; `limit`: only the first
/// that many test leads (in dataset order) were scored (`bench run --limit`).
pub(crate) fn join<'a>(
    leads: &'a [Lead],
    table: &'a PredictionTable,
    limit: Option<usize>,
) -> Joined<'a> {
    // Only leads with gold are chosen, so `gold` stays index-aligned.
    join_where(leads, table, limit, |l| l.gold.is_some(), true)
}

/// Joins repeat 0 of the predictions to the leads evaluated against outcomes (`converted`
/// known); their `gold` is not index-aligned (a lead may have no label) and is not read.
pub(crate) fn join_outcomes<'a>(
    leads: &'a [Lead],
    table: &'a PredictionTable,
    limit: Option<usize>,
) -> Joined<'a> {
    join_where(
        leads,
        table,
        limit,
        |l| l.outcome.converted.is_some(),
        false,
    )
}

fn join_where<'a>(
    leads: &'a [Lead],
    table: &'a PredictionTable,
    limit: Option<usize>,
    evaluated: impl Fn(&Lead) -> bool,
    with_repeats: bool,
) -> Joined<'a> {
    let has_split = leads.iter().any(|l| l.meta.split.is_some());
    let mut chosen: Vec<usize> = (0..leads.len())
        .filter(|&i| !has_split || leads[i].meta.split == Some(Split::Test))
        // The leads `--limit` kept come first in the dataset, whatever their gold or outcome.
        .take(limit.unwrap_or(usize::MAX))
        .filter(|&i| evaluated(&leads[i]))
        .collect();
    chosen.sort_by(|&a, &b| leads[a].lead_id.cmp(&leads[b].lead_id));
    chosen.dedup_by(|a, b| leads[*a].lead_id == leads[*b].lead_id);
    // Position in the dataset → place among the evaluated leads.
    let mut place = vec![None; leads.len()];
    for (i, &lead) in chosen.iter().enumerate() {
        place[lead] = Some(i);
    }
    let n = chosen.len();
    let mut duplicates = 0u64;
    let mut scorers: Vec<JoinedScorer<'a>> = table
        .scorers()
        .iter()
        .map(|s| {
            let mut first = vec![None; n];
            for a in &s.first {
                match place[a.lead as usize].map(|i| &mut first[i]) {
                    None => {}
                    Some(Some(_)) => duplicates += 1,
                    Some(slot) => *slot = Some(a),
                }
            }
            let mut later: Vec<Vec<Option<Option<Label>>>> = Vec::new();
            for a in s.later.iter().filter(|_| with_repeats) {
                let Some(i) = place[a.lead as usize] else {
                    continue;
                };
                let r = a.repeat as usize;
                if later.len() < r {
                    later.resize_with(r, || vec![None; n]);
                }
                match &mut later[r - 1][i] {
                    Some(_) => duplicates += 1,
                    slot => *slot = Some(a.label),
                }
            }
            JoinedScorer {
                id: &s.name,
                table: s,
                first,
                later,
                asked: None,
            }
        })
        .collect();
    scorers.sort_by(|a, b| order_key(a.table).cmp(&order_key(b.table)));
    let gold = chosen
        .iter()
        .filter_map(|&i| leads[i].gold.as_ref().map(|g| g.label))
        .collect();
    let gold_score = chosen
        .iter()
        .map(|&i| leads[i].gold.as_ref().and_then(|g| g.score))
        .collect();
    Joined {
        leads: chosen.iter().map(|&i| &leads[i]).collect(),
        gold,
        gold_score,
        split: if has_split { "test" } else { "all" },
        scorers,
        unknown_leads: table.unknown_leads(),
        duplicates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::{Gold, LeadMeta};
    use crate::prediction::{Prediction, Status};

    fn lead(id: &str, split: Split) -> Lead {
        Lead {
            gold: Some(Gold {
                label: Label::Medium,
                score: Some(50),
            }),
            meta: LeadMeta {
                split: Some(split),
                ..LeadMeta::default()
            },
            ..Lead::with_id(id)
        }
    }

    fn pred(lead: &str, scorer: &str, repeat: u32, label: Label) -> Prediction {
        let mut p = Prediction::empty("r", lead, scorer, repeat, Status::Ok);
        (p.lead_score, p.lead_label) = (Some(50), Some(label));
        p
    }

    #[test]
    fn the_first_of_repeated_predictions_counts_and_strays_are_counted() {
        let leads = [
            lead("b", Split::Test),
            lead("a", Split::Test),
            lead("t", Split::Train),
        ];
        let preds = [
            pred("b", "llm/m/p", 0, Label::High),
            pred("b", "llm/m/p", 0, Label::Low),
            pred("a", "llm/m/p", 2, Label::Low),
            pred("a", "llm/m/p", 2, Label::High),
            pred("t", "llm/m/p", 5, Label::Low),
            pred("ghost", "heuristic", 0, Label::Low),
            pred("t", "learned", 0, Label::Low),
        ];
        let table = PredictionTable::from_predictions(&leads, &preds);
        let j = join(&leads, &table, None);
        let ids: Vec<&str> = j.leads.iter().map(|l| l.lead_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        // `learned` scored only a train lead: it is there, with nothing evaluated.
        let scorers: Vec<&str> = j.scorers.iter().map(|s| s.id).collect();
        assert_eq!(scorers, ["learned", "llm/m/p"]);
        let s = &j.scorers[1];
        assert_eq!(s.parsed(), [None, Some((Label::High, 50))]);
        // Repeat 5 of a train lead does not count; repeat 2 of `a` does, repeat 1 is empty.
        assert_eq!(s.repeats(), 3);
        assert_eq!(
            s.labels_by_repeat(),
            [
                vec![None, Some(Label::High)],
                vec![None, None],
                vec![Some(Label::Low), None]
            ]
        );
        assert_eq!((j.duplicates, j.unknown_leads), (2, 1));
        assert_eq!(s.table.run_predictions, 5);
    }

    /// Lead ids sort as strings, byte by byte: not numerically, and upper case first.
    #[test]
    fn evaluated_leads_sort_by_lead_id_as_bytes() {
        let leads: Vec<Lead> = ["L9", "l1", "L10", "L2", "row-3"]
            .iter()
            .map(|id| lead(id, Split::Test))
            .collect();
        let table = PredictionTable::from_predictions(&leads, &[]);
        let j = join(&leads, &table, None);
        let ids: Vec<&str> = j.leads.iter().map(|l| l.lead_id.as_str()).collect();
        assert_eq!(ids, ["L10", "L2", "L9", "l1", "row-3"]);
    }
}
