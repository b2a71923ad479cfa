//! What each scorer costs per 1,000 leads it scored: money at the interactive and at the
//! batch price for the scorers that call an LLM, and for the in-process ones (the heuristic,
//! the learned model, and ensembles and cascades of them alone) no money and their measured
//! time.
//!
//! Rules (docs/reports.md "Cost and quality"):
//! - an LLM scorer's money is its answers' cost on the evaluated leads it scored. run.json's
//!   `pricing` says, per model, its `batch_discount` and whether the run sent it through a
//!   batch API (then what it paid is the batch price: the interactive one is that ÷ the
//!   discount); without `pricing` (an older run.json) what it paid is the interactive price
//!   and the batch price is unknown;
//! - an ensemble or a cascade costs what its answers carry (its members' costs summed); its
//!   batch price applies its LLM members' pricing when they share one, else is unknown;
//! - an in-process scorer costs 0 at both prices; its time is the `latency_ms` its answers
//!   carry (an ensemble's: its slowest member's; a cascade's: both parts'), per 1,000 leads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cascade::CascadeSpec;
use super::ensemble::EnsembleSpec;
use super::operations::{Operations, PerThousand};
use crate::prediction::ScorerId;

/// How run.json says a model was priced: the share of the price its batch API charges and
/// whether this run sent the model's requests through it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPricing {
    pub batch_discount: f64,
    pub batch: bool,
}

/// What the derived scorers are made of, and how the run priced each model.
pub(crate) struct Pricing<'a> {
    pub ensembles: &'a [EnsembleSpec],
    pub cascades: &'a [CascadeSpec],
    pub models: &'a BTreeMap<String, ModelPricing>,
}

impl Pricing<'_> {
    /// The LLM scorers among `id`'s parts (itself, for an LLM scorer); none for an in-process
    /// scorer.
    fn llm_parts(&self, id: &ScorerId, ids: &[ScorerId]) -> Vec<ScorerId> {
        match id {
            ScorerId::Llm { .. } | ScorerId::Logprobs { .. } => vec![id.clone()],
            ScorerId::Ensemble(name) => self
                .ensembles
                .iter()
                .filter(|e| &e.name == name)
                .flat_map(|e| {
                    ids.iter()
                        .filter(|m| !m.is_derived() && e.of.iter().any(|p| m.matches(p)))
                        .flat_map(|m| self.llm_parts(m, ids))
                        .collect::<Vec<_>>()
                })
                .collect(),
            ScorerId::Cascade(name) => self
                .cascades
                .iter()
                .filter(|c| &c.name == name)
                .flat_map(|c| {
                    [&c.first, &c.then]
                        .into_iter()
                        .map(|p| ScorerId::from(p.as_str()))
                        .filter(|p| p != id)
                        .flat_map(|p| self.llm_parts(&p, ids))
                        .collect::<Vec<_>>()
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Fills each scorer's `per_1000` (scorers by id, with their operations) from what it
    /// paid and its measured time.
    pub(crate) fn price(&self, scorers: &mut [(&str, &mut Operations)]) {
        let ids: Vec<ScorerId> = scorers.iter().map(|(id, _)| ScorerId::from(*id)).collect();
        for ((_, o), id) in scorers.iter_mut().zip(&ids) {
            let parts = self.llm_parts(id, &ids);
            o.per_1000 = self.per_thousand(&parts, o);
        }
    }

    /// The cost per 1,000 leads of a scorer whose LLM parts are `parts` (none: in-process).
    fn per_thousand(&self, parts: &[ScorerId], o: &Operations) -> PerThousand {
        let scored = o.leads - o.missing;
        let per_lead = |v: f64| (scored > 0).then(|| v / scored as f64 * 1000.0);
        if parts.is_empty() {
            return PerThousand {
                interactive_usd: Some(0.0),
                batch_usd: Some(0.0),
                cpu_ms: per_lead(o.latency_total_ms),
            };
        }
        let paid = o.cost_usd.and_then(per_lead);
        // One pricing for every LLM part, or none known.
        let mut pricing = parts
            .iter()
            .map(|p| p.model().and_then(|m| self.models.get(m)).copied());
        let first = pricing.next().flatten();
        let shared = first.filter(|f| pricing.all(|p| p == Some(*f)));
        let (interactive_usd, batch_usd) = match shared {
            Some(p) if p.batch => (
                paid.filter(|_| p.batch_discount > 0.0)
                    .map(|c| c / p.batch_discount),
                paid,
            ),
            Some(p) => (paid, paid.map(|c| c * p.batch_discount)),
            None => (paid, None),
        };
        PerThousand {
            interactive_usd,
            batch_usd,
            cpu_ms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{Combine, Escalate};

    fn ops(cost_usd: Option<f64>, latency_total_ms: f64) -> Operations {
        Operations {
            leads: 10,
            parsed: 8,
            missing: 2,
            status_counts: BTreeMap::new(),
            inconsistent: 0,
            inconsistency_rate: None,
            latency_p50_ms: None,
            latency_p95_ms: None,
            latency_total_ms,
            prompt_tokens: None,
            completion_tokens: None,
            cached_prompt_tokens: None,
            cached_prompt_share: None,
            cost_usd,
            prompt_cache_saved_usd: None,
            cost_per_correct_usd: None,
            run_predictions: 10,
            run_cost_usd: cost_usd,
            per_1000: PerThousand::default(),
        }
    }

    #[test]
    fn in_process_scorers_cost_time_and_llms_cost_both_prices() {
        let ensembles = [EnsembleSpec {
            name: "base".into(),
            of: vec!["heuristic".into(), "learned".into()],
            combine: Combine::Mean,
            weights: None,
        }];
        let cascades = [CascadeSpec {
            name: "c".into(),
            first: "ensemble/base".into(),
            then: "llm/b/p".into(),
            escalate: Escalate {
                score_between: Some([40, 60]),
                label: None,
            },
        }];
        let models = BTreeMap::from([
            (
                "a".to_string(),
                ModelPricing {
                    batch_discount: 0.5,
                    batch: false,
                },
            ),
            (
                "b".to_string(),
                ModelPricing {
                    batch_discount: 0.5,
                    batch: true,
                },
            ),
        ]);
        let p = Pricing {
            ensembles: &ensembles,
            cascades: &cascades,
            models: &models,
        };
        let ids: Vec<ScorerId> = [
            "heuristic",
            "learned",
            "llm/a/p",
            "llm/b/p",
            "ensemble/base",
            "cascade/c",
            "llm/z/p",
        ]
        .map(ScorerId::from)
        .to_vec();
        let parts = |id: &str| p.llm_parts(&ScorerId::from(id), &ids);
        assert!(parts("ensemble/base").is_empty());
        assert_eq!(parts("cascade/c"), [ScorerId::from("llm/b/p")]);
        // 8 leads scored: 4 ms over them is 500 ms per 1,000 leads, and no money.
        let free = p.per_thousand(&parts("ensemble/base"), &ops(None, 4.0));
        assert_eq!(
            free,
            PerThousand {
                interactive_usd: Some(0.0),
                batch_usd: Some(0.0),
                cpu_ms: Some(500.0)
            }
        );
        // $0.08 on 8 leads is $10 per 1,000 as paid: interactive for `a`, batch for `b`.
        let a = p.per_thousand(&parts("llm/a/p"), &ops(Some(0.08), 4.0));
        assert_eq!(
            (a.interactive_usd, a.batch_usd, a.cpu_ms),
            (Some(10.0), Some(5.0), None)
        );
        let b = p.per_thousand(&parts("cascade/c"), &ops(Some(0.08), 4.0));
        assert_eq!((b.interactive_usd, b.batch_usd), (Some(20.0), Some(10.0)));
        // A model without a price (not in `pricing`): what it paid, no batch price.
        let z = p.per_thousand(&parts("llm/z/p"), &ops(None, 4.0));
        assert_eq!((z.interactive_usd, z.batch_usd), (None, None));
    }
}
