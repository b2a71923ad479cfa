//! Cascades: a cheap scorer answers every lead, and the leads it is unsure about go to a
//! second scorer (`[[cascades]]`: `first`, `then`, `escalate`). Computed from the stored
//! predictions of both, with no request of its own, as `cascade/<name>`; run.json keeps the
//! tables so `bench report` recomputes them.
//!
//! Rules (docs/reports.md states them too):
//! - a lead is escalated when `first`'s score lies in `escalate.score_between = [lo, hi]`
//!   (both ends included), or its label is `escalate.label`; an answer of `first` that did
//!   not parse is escalated too (it judged nothing);
//! - an escalated lead takes `then`'s answer; the others keep `first`'s;
//! - the cascade is judged on the leads `then` has an answer for (all of them, unless `then`
//!   was asked about a sample): elsewhere what the cascade would say is unknown;
//! - its cost on a lead is `first`'s plus, when escalated, `then`'s; its latency likewise.

use serde::{Deserialize, Serialize};

use super::table::{ByLead, LeadAnswer, PredictionTable};
use crate::lead::Label;
use crate::prediction::ScorerId;

/// Which of `first`'s answers go on to `then`: exactly one of the two keys.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalate {
    /// Scores in `[lo, hi]`, both included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_between: Option<[u8; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
}

/// One `[[cascades]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CascadeSpec {
    pub name: String,
    /// The scorer id that answers every lead.
    pub first: String,
    /// The scorer id the escalated leads go to.
    pub then: String,
    pub escalate: Escalate,
}

/// How many of a cascade's evaluated leads were escalated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    pub id: String,
    pub first: String,
    pub then: String,
    /// Evaluated leads the cascade answered.
    pub n: u64,
    pub escalated: u64,
    pub share: Option<f64>,
}

impl CascadeSpec {
    /// What is wrong with the table, as `key: expected …`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if self.name.trim().is_empty() || self.name.contains('/') {
            let found = &self.name;
            return Err((
                "name",
                format!("expected a name without '/', found {found:?}"),
            ));
        }
        for (key, id) in [("first", &self.first), ("then", &self.then)] {
            if id.trim().is_empty() {
                return Err((key, "expected a scorer id, e.g. \"heuristic\"".into()));
            }
        }
        if self.first == self.then {
            return Err(("then", "expected a scorer other than `first`".into()));
        }
        match (self.escalate.score_between, self.escalate.label) {
            (Some([lo, hi]), None) if lo <= hi && hi <= 100 => Ok(()),
            (Some(b), None) => Err((
                "escalate",
                format!("expected score_between = [lo, hi] with lo <= hi <= 100, found {b:?}"),
            )),
            _ => Err((
                "escalate",
                "expected exactly one of { score_between = [35, 75] } or { label = \"medium\" }"
                    .into(),
            )),
        }
    }

    pub fn id(&self) -> ScorerId {
        ScorerId::Cascade(self.name.clone())
    }

    fn ids(&self) -> (ScorerId, ScorerId) {
        (
            ScorerId::from(self.first.as_str()),
            ScorerId::from(self.then.as_str()),
        )
    }

    /// Whether `first`'s answer sends the lead on to `then`.
    pub fn escalates(&self, first: &LeadAnswer) -> bool {
        match (
            first.parsed,
            self.escalate.score_between,
            self.escalate.label,
        ) {
            (None, _, _) => true,
            (Some((_, s)), Some([lo, hi]), _) => (lo..=hi).contains(&s),
            (Some((l, _)), None, Some(label)) => l == label,
            _ => false,
        }
    }
}

/// Adds every cascade whose two scorers are in the table.
pub(crate) fn add_cascades(table: &mut PredictionTable, specs: &[CascadeSpec]) {
    for spec in specs {
        let (first, then) = spec.ids();
        let present: Vec<&ScorerId> = table.scorer_ids().collect();
        if !present.contains(&&first) || !present.contains(&&then) {
            continue;
        }
        table.add_derived(spec.id(), |by_lead, lead| {
            answer_on(spec, by_lead, lead, &first, &then).map(|(a, _)| a)
        });
    }
}

/// The cascade's answer on a lead, and whether it was escalated.
pub(crate) fn answer_on(
    spec: &CascadeSpec,
    by_lead: &ByLead<'_>,
    lead: u32,
    first: &ScorerId,
    then: &ScorerId,
) -> Option<(LeadAnswer, bool)> {
    let a = by_lead.answer(lead, first)?;
    let b = by_lead.answer(lead, then)?;
    if !spec.escalates(&a) {
        return Some((a, false));
    }
    Some((escalated_answer(&a, &b), true))
}

/// An escalated lead's answer: `then`'s (`b`), with the cost and latency of both.
pub(crate) fn escalated_answer(a: &LeadAnswer, b: &LeadAnswer) -> LeadAnswer {
    let cost_usd = match (a.cost_usd, b.cost_usd) {
        (None, None) => None,
        (x, y) => Some(x.unwrap_or(0.0) + y.unwrap_or(0.0)),
    };
    LeadAnswer {
        latency_ms: a.latency_ms + b.latency_ms,
        cost_usd,
        ..*b
    }
}

/// Each cascade's escalated leads among `leads` (dataset positions); a cascade whose two
/// scorers are not both in the run (`--only`) is left out, as it is of the table.
pub(crate) fn escalations(
    table: &PredictionTable,
    specs: &[CascadeSpec],
    leads: &[u32],
) -> Vec<Escalation> {
    let by_lead = table.by_lead();
    specs
        .iter()
        .filter(|spec| table.scorer_ids().any(|id| *id == spec.id()))
        .map(|spec| {
            let (first, then) = spec.ids();
            let (mut n, mut escalated) = (0u64, 0u64);
            for &lead in leads {
                if let Some((_, up)) = answer_on(spec, &by_lead, lead, &first, &then) {
                    n += 1;
                    escalated += u64::from(up);
                }
            }
            Escalation {
                id: spec.id().to_string(),
                first: spec.first.clone(),
                then: spec.then.clone(),
                n,
                escalated,
                share: (n > 0).then(|| escalated as f64 / n as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::Lead;
    use crate::prediction::Prediction;

    fn lead(id: &str) -> Lead {
        Lead::with_id(id)
    }

    fn pred(lead: &str, scorer: &str, answer: Option<(Label, u8)>, cost: f64) -> Prediction {
        super::super::test_data::answer(lead, scorer, answer, (cost > 0.0).then_some(cost))
    }

    #[test]
    fn band_edges_are_escalated_and_then_answers_with_both_costs() {
        use Label::{High, Low, Medium};
        let leads: Vec<Lead> = ["a", "b", "c", "d", "e"].iter().map(|i| lead(i)).collect();
        let preds = [
            pred("a", "heuristic", Some((Low, 34)), 0.0),
            pred("b", "heuristic", Some((Low, 35)), 0.0),
            pred("c", "heuristic", Some((High, 75)), 0.0),
            pred("d", "heuristic", None, 0.0),
            pred("e", "heuristic", Some((High, 90)), 0.0),
            pred("a", "llm/m/p", Some((High, 80)), 0.01),
            pred("b", "llm/m/p", Some((Medium, 50)), 0.01),
            pred("c", "llm/m/p", None, 0.01),
            pred("d", "llm/m/p", Some((Low, 5)), 0.01),
            // `e` was not asked of the LLM (a sample): the cascade has no answer there.
        ];
        let spec = CascadeSpec {
            name: "h2l".into(),
            first: "heuristic".into(),
            then: "llm/m/p".into(),
            escalate: Escalate {
                score_between: Some([35, 75]),
                label: None,
            },
        };
        assert!(spec.check().is_ok());
        let mut table = PredictionTable::from_predictions(&leads, &preds);
        add_cascades(&mut table, std::slice::from_ref(&spec));
        let by = table.by_lead();
        type Got = Option<(Option<(Label, u8)>, Option<f64>)>;
        let got: Vec<Got> = (0..5)
            .map(|i| by.answer(i, &spec.id()).map(|a| (a.parsed, a.cost_usd)))
            .collect();
        assert_eq!(
            got,
            [
                Some((Some((Low, 34)), None)),          // 34 < 35: kept
                Some((Some((Medium, 50)), Some(0.01))), // 35: escalated
                Some((None, Some(0.01))),               // 75: escalated, then unparsed
                Some((Some((Low, 5)), Some(0.01))),     // first unparsed: escalated
                None,                                   // then not asked
            ]
        );
        let e = escalations(&table, std::slice::from_ref(&spec), &[0, 1, 2, 3, 4]);
        assert_eq!((e[0].n, e[0].escalated), (4, 3));
        // By label.
        let by_label = CascadeSpec {
            escalate: Escalate {
                score_between: None,
                label: Some(High),
            },
            ..spec.clone()
        };
        let e = escalations(&table, &[by_label], &[0, 1, 2, 3]);
        assert_eq!(e[0].escalated, 2, "c (high) and d (unparsed)");
    }

    #[test]
    fn bad_tables_name_the_key() {
        let mut s = CascadeSpec {
            name: "x".into(),
            first: "heuristic".into(),
            then: "heuristic".into(),
            escalate: Escalate {
                score_between: Some([80, 20]),
                label: None,
            },
        };
        assert_eq!(s.check().map_err(|e| e.0), Err("then"));
        s.then = "llm/m/p".into();
        assert_eq!(s.check().map_err(|e| e.0), Err("escalate"));
        s.escalate.label = Some(Label::Medium);
        s.escalate.score_between = Some([20, 80]);
        assert_eq!(s.check().map_err(|e| e.0), Err("escalate"), "both keys");
    }
}
