//! Joining predictions to leads: which leads are evaluated (the test split when the dataset
//! has one), and each scorer's predictions on them, by repeat.

use std::collections::{BTreeMap, HashMap};

use crate::lead::{Label, Lead, Split};
use crate::prediction::Prediction;

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
    pub id: String,
    /// `by_repeat[r][i]`: the prediction of repeat r on lead i, if any.
    pub by_repeat: Vec<Vec<Option<&'a Prediction>>>,
    /// Every prediction of this scorer in the run (evaluated or not).
    pub all: Vec<&'a Prediction>,
}

impl JoinedScorer<'_> {
    /// Repeat 0, which headline metrics use.
    pub fn first(&self) -> &[Option<&Prediction>] {
        &self.by_repeat[0]
    }

    /// (label, score) of repeat 0 where parsed.
    pub fn parsed(&self) -> Vec<Option<(Label, u8)>> {
        self.first()
            .iter()
            .map(|p| p.and_then(Prediction::parsed))
            .collect()
    }

    /// Labels of every repeat where parsed (for stability).
    pub fn labels_by_repeat(&self) -> Vec<Vec<Option<Label>>> {
        self.by_repeat
            .iter()
            .map(|rep| {
                rep.iter()
                    .map(|p| p.and_then(Prediction::parsed).map(|x| x.0))
                    .collect()
            })
            .collect()
    }
}

/// Report order of scorer ids: the heuristic, the learned model, then the rest by id.
fn order_key(id: &str) -> (u8, &str) {
    match id {
        "heuristic" => (0, id),
        "learned" => (1, id),
        _ => (2, id),
    }
}

/// Joins predictions to the leads evaluated against gold labels.
pub(crate) fn join<'a>(leads: &'a [Lead], predictions: &'a [Prediction]) -> Joined<'a> {
    // Only leads with gold are chosen, so `gold` stays index-aligned.
    join_where(leads, predictions, |l| l.gold.is_some())
}

/// Joins predictions to the leads evaluated against outcomes (`converted` known); their
/// `gold` is not index-aligned (a lead may have no label) and is not read.
pub(crate) fn join_outcomes<'a>(leads: &'a [Lead], predictions: &'a [Prediction]) -> Joined<'a> {
    join_where(leads, predictions, |l| l.outcome.converted.is_some())
}

fn join_where<'a>(
    leads: &'a [Lead],
    predictions: &'a [Prediction],
    evaluated: impl Fn(&Lead) -> bool,
) -> Joined<'a> {
    let has_split = leads.iter().any(|l| l.meta.split.is_some());
    let mut chosen: Vec<&Lead> = leads
        .iter()
        .filter(|l| evaluated(l))
        .filter(|l| !has_split || l.meta.split == Some(Split::Test))
        .collect();
    chosen.sort_by(|a, b| a.lead_id.cmp(&b.lead_id));
    chosen.dedup_by(|a, b| a.lead_id == b.lead_id);
    let index: HashMap<&str, usize> = chosen
        .iter()
        .enumerate()
        .map(|(i, l)| (l.lead_id.as_str(), i))
        .collect();
    let known: std::collections::HashSet<&str> = leads.iter().map(|l| l.lead_id.as_str()).collect();
    let n = chosen.len();
    let mut by_scorer: BTreeMap<(u8, &str), JoinedScorer<'a>> = BTreeMap::new();
    let (mut unknown_leads, mut duplicates) = (0u64, 0u64);
    for p in predictions {
        if !known.contains(p.lead_id.as_str()) {
            unknown_leads += 1;
            continue;
        }
        let s = by_scorer
            .entry(order_key(&p.scorer))
            .or_insert_with(|| JoinedScorer {
                id: p.scorer.clone(),
                by_repeat: vec![vec![None; n]],
                all: Vec::new(),
            });
        s.all.push(p);
        let Some(&i) = index.get(p.lead_id.as_str()) else {
            continue;
        };
        let r = p.repeat as usize;
        if s.by_repeat.len() <= r {
            s.by_repeat.resize_with(r + 1, || vec![None; n]);
        }
        match &mut s.by_repeat[r][i] {
            Some(_) => duplicates += 1,
            slot => *slot = Some(p),
        }
    }
    let gold = chosen
        .iter()
        .filter_map(|l| l.gold.as_ref().map(|g| g.label))
        .collect();
    let gold_score = chosen
        .iter()
        .map(|l| l.gold.as_ref().and_then(|g| g.score))
        .collect();
    Joined {
        leads: chosen,
        gold,
        gold_score,
        split: if has_split { "test" } else { "all" },
        scorers: by_scorer.into_values().collect(),
        unknown_leads,
        duplicates,
    }
}
