//! One lead of a run and every scorer's answers on it (all repeats), for `bench show`.

use std::path::Path;

use super::super::{ReportError, read_run_dir};
use crate::lead::{Lead, LeadReader};
use crate::prediction::{Prediction, read_prediction_rows};

/// A lead as `dataset.csv` holds it and what each scorer of the run said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownLead {
    pub lead: Lead,
    /// One per scorer of the run, in report order.
    pub answers: Vec<ShownAnswer>,
}

/// One scorer's answers on the lead.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownAnswer {
    pub scorer: String,
    /// Whether the scorer was asked about a sample of the leads (so a lead without a
    /// prediction was not asked, rather than missing).
    pub sampled: bool,
    /// Every repeat, in repeat order (the first of a repeated row).
    pub predictions: Vec<Prediction>,
}

/// The lead `lead_id` of the run in `dir`, or `None` when `dataset.csv` has no such lead.
pub fn show_lead(dir: &Path, lead_id: &str) -> Result<Option<ShownLead>, ReportError> {
    let data = read_run_dir(dir)?;
    let mut found = None;
    for row in LeadReader::open(&dir.join("dataset.csv"))? {
        let lead = row?.lead;
        if lead.lead_id == lead_id {
            found = Some(lead);
            break;
        }
    }
    let Some(lead) = found else {
        return Ok(None);
    };
    let mut ids: Vec<String> = data
        .predictions
        .scorer_ids()
        .map(|s| s.to_string())
        .collect();
    // Report order: the heuristic, the learned model, then the others by id.
    ids.sort_by_key(|id| {
        let kind = match id.as_str() {
            "heuristic" => 0,
            "learned" => 1,
            _ => 2,
        };
        (kind, id.clone())
    });
    let mut answers: Vec<ShownAnswer> = ids
        .into_iter()
        .map(|scorer| ShownAnswer {
            sampled: data.sampled.contains(&scorer),
            scorer,
            predictions: Vec::new(),
        })
        .collect();
    read_prediction_rows(&dir.join("predictions.csv"), |p| {
        if p.lead_id != lead_id {
            return;
        }
        if let Some(a) = answers.iter_mut().find(|a| a.scorer == p.scorer)
            && !a.predictions.iter().any(|q| q.repeat == p.repeat)
        {
            a.predictions.push(p);
        }
    })?;
    for a in &mut answers {
        a.predictions.sort_by_key(|p| p.repeat);
    }
    Ok(Some(ShownLead { lead, answers }))
}
