//! Ensembles: scorers computed from other scorers' predictions, with no request of their
//! own (`[[ensembles]]` in the config, kept in run.json, so `bench report` recomputes them
//! from `predictions.csv`). Each is one function of the prediction table
//! ([`PredictionTable::add_derived`]) and is then evaluated like any scorer, as
//! `ensemble/<name>`.
//!
//! Rules (docs/reports.md states them too):
//! - members: every scorer of the run whose id matches one of `of`'s patterns (as `--only`
//!   matches), ensembles excepted; a member's weight is that of the first pattern it matches
//!   (1 without `weights`);
//! - on a lead, the members that have a parsed answer combine; a lead no member has an answer
//!   for has no prediction of the ensemble; a lead whose members all failed to parse gets an
//!   unparsed one (`skipped`, "no member parsed");
//! - `mean`: the weighted mean of the scores, rounded; `median`: the median score (the mean of
//!   the middle two, rounded, for an even count); the label is the band of that score;
//! - `vote`: the label with the most (weighted) votes, ties to the lower label (the dataset
//!   card's "be conservative"); the score is the mean score of the members that voted for it,
//!   rounded and kept inside the label's band;
//! - its cost on a lead is the sum of its members' costs there, its latency the longest.

use serde::{Deserialize, Serialize};

use super::table::{LeadAnswer, PredictionTable};
use crate::lead::{Bands, Label};
use crate::prediction::{ScorerId, Status};

/// How the members' answers combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    #[default]
    Mean,
    Median,
    Vote,
}

/// One `[[ensembles]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleSpec {
    pub name: String,
    /// Patterns of the member scorers' ids (`*` for any run of characters).
    pub of: Vec<String>,
    #[serde(default)]
    pub combine: Combine,
    /// One weight per pattern of `of` (mean and vote).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
}

impl EnsembleSpec {
    /// What is wrong with the table, as `key: expected …` (the config names where).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if self.name.trim().is_empty() || self.name.contains('/') {
            let found = &self.name;
            return Err((
                "name",
                format!("expected a name without '/', found {found:?}"),
            ));
        }
        if self.of.is_empty() || self.of.iter().any(|p| p.trim().is_empty()) {
            return Err((
                "of",
                "expected patterns of member scorer ids, e.g. [\"heuristic\", \"llm/*/rubric\"]"
                    .into(),
            ));
        }
        if let Some(w) = &self.weights {
            if self.combine == Combine::Median {
                return Err((
                    "weights",
                    "median takes no weights (use mean or vote)".into(),
                ));
            }
            if w.len() != self.of.len() {
                return Err((
                    "weights",
                    format!(
                        "expected one weight per pattern of `of` ({}), found {}",
                        self.of.len(),
                        w.len()
                    ),
                ));
            }
            if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f64>() <= 0.0 {
                return Err(("weights", "expected finite weights >= 0, not all 0".into()));
            }
        }
        Ok(())
    }

    pub fn id(&self) -> ScorerId {
        ScorerId::Ensemble(self.name.clone())
    }
}

/// Adds every ensemble to the table (members from the scorers already in it).
pub(crate) fn add_ensembles(table: &mut PredictionTable, specs: &[EnsembleSpec], bands: Bands) {
    for spec in specs {
        let members = spec.members(table.scorer_ids());
        if members.is_empty() {
            continue;
        }
        let combine = spec.combine;
        table.add_derived(spec.id(), |by_lead, lead| {
            let answers: Vec<(LeadAnswer, f64)> = members
                .iter()
                .filter_map(|(id, w)| Some((by_lead.answer(lead, id)?, *w)))
                .collect();
            combine_answers(&answers, combine, bands)
        });
    }
}

impl EnsembleSpec {
    /// Its members among `ids` (derived scorers never are one), each with its weight.
    pub(crate) fn members<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a ScorerId>,
    ) -> Vec<(ScorerId, f64)> {
        ids.into_iter()
            .filter(|id| !id.is_derived())
            .filter_map(|id| {
                let at = self.of.iter().position(|p| id.matches(p))?;
                let w = self.weights.as_ref().map_or(1.0, |w| w[at]);
                Some((id.clone(), w))
            })
            .collect()
    }
}

/// The ensemble's answer on one lead from its members' answers there (with their weights);
/// `None` when no member answered.
pub(crate) fn combine_answers(
    answers: &[(LeadAnswer, f64)],
    combine: Combine,
    bands: Bands,
) -> Option<LeadAnswer> {
    if answers.is_empty() {
        return None;
    }
    let costs: Vec<f64> = answers.iter().filter_map(|(a, _)| a.cost_usd).collect();
    let cost_usd = (!costs.is_empty()).then(|| costs.iter().sum());
    let latency_ms = answers
        .iter()
        .map(|(a, _)| a.latency_ms)
        .fold(0.0, f64::max);
    let parsed: Vec<((Label, u8), f64)> = answers
        .iter()
        .filter_map(|(a, w)| Some((a.parsed?, *w)))
        .collect();
    let answer = |parsed: Option<(Label, u8)>| LeadAnswer {
        status: if parsed.is_some() {
            Status::Ok
        } else {
            Status::Skipped
        },
        parsed,
        latency_ms,
        cost_usd,
    };
    if parsed.is_empty() {
        return Some(answer(None));
    }
    let by_band = |score: f64| {
        let s = score.round().clamp(0.0, 100.0) as u8;
        (bands.label_for(s), s)
    };
    Some(answer(Some(match combine {
        Combine::Mean => {
            let total: f64 = parsed.iter().map(|(_, w)| w).sum();
            if total <= 0.0 {
                return Some(answer(None));
            }
            by_band(
                parsed
                    .iter()
                    .map(|((_, s), w)| f64::from(*s) * w)
                    .sum::<f64>()
                    / total,
            )
        }
        Combine::Median => {
            let mut s: Vec<u8> = parsed.iter().map(|((_, s), _)| *s).collect();
            s.sort_unstable();
            let m = s.len() / 2;
            let median = if s.len() % 2 == 1 {
                f64::from(s[m])
            } else {
                (f64::from(s[m - 1]) + f64::from(s[m])) / 2.0
            };
            by_band(median)
        }
        Combine::Vote => {
            let mut votes = [0.0f64; 3];
            for ((l, _), w) in &parsed {
                votes[l.index()] += w;
            }
            // Ties go to the lower label: scan low → high, keep the first maximum.
            let mut winner = Label::Low;
            for l in Label::ALL {
                if votes[l.index()] > votes[winner.index()] {
                    winner = l;
                }
            }
            let scores: Vec<f64> = parsed
                .iter()
                .filter(|((l, _), _)| *l == winner)
                .map(|((_, s), _)| f64::from(*s))
                .collect();
            let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
            let (lo, hi) = bands.range(winner);
            let s = (mean.round() as u8).clamp(lo, hi);
            (winner, s)
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::Lead;
    use crate::prediction::Prediction;

    fn lead(id: &str) -> Lead {
        Lead::with_id(id)
    }

    fn pred(lead: &str, scorer: &str, answer: Option<(Label, u8)>) -> Prediction {
        super::super::test_data::answer(lead, scorer, answer, Some(0.01))
    }

    fn spec(combine: Combine, weights: Option<Vec<f64>>) -> EnsembleSpec {
        EnsembleSpec {
            name: "e".into(),
            of: vec!["heuristic".into(), "llm/*".into()],
            combine,
            weights,
        }
    }

    fn ensemble(specs: &[EnsembleSpec], preds: &[Prediction]) -> Vec<Option<LeadAnswer>> {
        let leads = [lead("a"), lead("b"), lead("c"), lead("d")];
        let mut table = PredictionTable::from_predictions(&leads, preds);
        add_ensembles(&mut table, specs, Bands::default());
        let by = table.by_lead();
        (0..4).map(|i| by.answer(i, &specs[0].id())).collect()
    }

    #[test]
    fn members_combine_by_mean_median_and_vote_with_the_documented_rules() {
        use Label::{High, Low, Medium};
        let preds = [
            pred("a", "heuristic", Some((High, 80))),
            pred("a", "llm/m/p", Some((Medium, 50))),
            pred("a", "llm/m/q", Some((Medium, 60))),
            pred("b", "heuristic", Some((Low, 10))),
            pred("b", "llm/m/p", None),
            pred("c", "heuristic", None),
            pred("c", "llm/m/p", None),
            // `d`: a low and a high vote, weighted equally: the tie goes low.
            pred("d", "heuristic", Some((Low, 30))),
            pred("d", "llm/m/p", Some((High, 90))),
        ];
        let mean = ensemble(&[spec(Combine::Mean, None)], &preds);
        let a = mean[0].expect("answered");
        assert_eq!(a.parsed, Some((Medium, 63))); // (80 + 50 + 60) / 3 = 63.3
        assert!((a.cost_usd.expect("cost") - 0.03).abs() < 1e-12);
        // A member that did not parse is left out; all unparsed: an unparsed answer.
        assert_eq!(mean[1].expect("b").parsed, Some((Low, 10)));
        assert_eq!(mean[2].expect("c").parsed, None);
        assert_eq!(mean[2].expect("c").status, Status::Skipped);
        let median = ensemble(&[spec(Combine::Median, None)], &preds);
        assert_eq!(median[0].expect("a").parsed, Some((Medium, 60)));
        assert_eq!(median[3].expect("d").parsed, Some((Medium, 60))); // (30 + 90) / 2
        let vote = ensemble(&[spec(Combine::Vote, None)], &preds);
        assert_eq!(vote[0].expect("a").parsed, Some((Medium, 55)));
        assert_eq!(vote[3].expect("d").parsed, Some((Low, 30)), "ties go low");
        // Weights per pattern: the LLMs outweigh the heuristic.
        let weighted = ensemble(&[spec(Combine::Vote, Some(vec![1.0, 3.0]))], &preds);
        assert_eq!(weighted[3].expect("d").parsed, Some((High, 90)));
        let weighted = ensemble(&[spec(Combine::Mean, Some(vec![0.0, 1.0]))], &preds);
        assert_eq!(weighted[0].expect("a").parsed, Some((Medium, 55)));
    }

    #[test]
    fn bad_tables_name_the_key() {
        let mut s = spec(Combine::Median, Some(vec![1.0, 1.0]));
        assert_eq!(s.check().map_err(|e| e.0), Err("weights"));
        s.combine = Combine::Mean;
        s.weights = Some(vec![1.0]);
        assert_eq!(s.check().map_err(|e| e.0), Err("weights"));
        s.weights = None;
        s.name = "a/b".into();
        assert_eq!(s.check().map_err(|e| e.0), Err("name"));
        s.name = "ok".into();
        s.of.clear();
        assert_eq!(s.check().map_err(|e| e.0), Err("of"));
    }
}
