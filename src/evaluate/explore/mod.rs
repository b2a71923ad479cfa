//! The lead explorer's data: every evaluated lead with its fields, gold label, outcome and
//! each scorer's repeat-0 answer (label, score, status, whether it falls inside the scorer's
//! capacity cut, and the text behind it: justification, error, raw answer), for
//! `report.html`'s explorer; and one lead with every answer, for `bench show`.
//!
//! Metrics read the run without its free text (`load.rs`); this module reads the message and
//! the answers' text a second time, row by row, keeping only the evaluated leads' (each text
//! cut at [`MAX_TEXT_CHARS`]), so a large run costs what the explorer shows.
//!
//! Choices a reader needs:
//! - the leads are the evaluated ones, as metrics choose them (with gold; with an outcome
//!   when no lead has gold), sorted by lead id;
//! - a scorer asked about a sample (run.json `sampled`) was *not asked* about a lead it has
//!   no prediction for; any other scorer is *missing* there;
//! - a lead is inside a scorer's capacity cut when it is among the capacity's leads ranked
//!   first by that scorer's score (ties by lead id, unscored last), of the leads with an
//!   outcome it was asked about, exactly as `outcomes.rs` counts captured converters;
//! - above [`MAX_EXPLORER_LEADS`] evaluated leads the explorer holds a sample: every lead
//!   where scorers disagree first (by lead id), then the others with the smallest SHA-256 of
//!   their lead id; [`ExplorerData::sample`] says so.

mod paired;
mod show;

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::join::{Joined, join, join_outcomes};
use super::outcomes::{scorer_k, worked};
use super::{FlipReport, ReportError, RunFolder, RunMetrics, size_band};
use crate::lead::{Label, LeadReader, twin_of};
use crate::prediction::{Status, read_prediction_rows};

pub use paired::paired_explorer;
pub use show::{ShownAnswer, ShownLead, show_lead};

/// Most evaluated leads the explorer holds; above it, a sample (see the module's notes).
pub const MAX_EXPLORER_LEADS: usize = 20_000;
/// Longest text (message, justification, error, raw answer) the explorer holds, in
/// characters; a longer one is cut and ends with [`CUT_MARK`].
pub const MAX_TEXT_CHARS: usize = 4_000;
/// What ends a text cut at [`MAX_TEXT_CHARS`].
pub const CUT_MARK: &str = " … [cut: predictions.jsonl has the whole text]";

/// Every evaluated lead (or the sample of them) and every scorer's answer on it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplorerData {
    pub run_id: String,
    /// Whether it pairs two runs (`bench compare`: each scorer's columns are its answers in
    /// the earlier and the later run).
    pub comparison: bool,
    /// Scorer ids in report order (heuristic, learned, then the rest by id).
    pub scorers: Vec<String>,
    /// Per scorer: whether it was asked about a sample of the leads.
    pub sampled: Vec<bool>,
    /// Per scorer: the leads it works at capacity; `None` in a run without outcomes.
    pub capacity: Vec<Option<u64>>,
    /// Evaluated leads in the run (the explorer may hold fewer: [`Self::sample`]).
    pub n_evaluated: usize,
    /// When the explorer holds a sample: what it holds, in a sentence.
    pub sample: Option<String>,
    pub leads: Vec<ExplorerLead>,
    /// Named sets of leads (positions in `leads`) the explorer offers as a filter: the leads
    /// that changed between two scorers, per pair of [`RunMetrics::flips`].
    pub marks: Vec<Mark>,
}

/// A named set of leads, a filter of the explorer.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub name: String,
    /// Positions in [`ExplorerData::leads`].
    pub leads: Vec<usize>,
}

/// One lead as the explorer shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplorerLead {
    pub lead_id: String,
    pub company: String,
    pub job_title: String,
    pub size_band: String,
    /// Empty when unknown.
    pub seniority: String,
    pub source: String,
    pub archetype: String,
    pub difficulty: String,
    pub gold_label: Option<Label>,
    pub gold_score: Option<u8>,
    pub converted: Option<bool>,
    pub deal_value: Option<f64>,
    pub message: String,
    /// The firmographic enrichment on one line ([`crate::lead::Enrichment::summary`]);
    /// empty when the lead has none.
    pub enrichment: String,
    /// One per scorer, aligned with [`ExplorerData::scorers`].
    pub answers: Vec<ExplorerAnswer>,
}

/// One scorer's repeat-0 answer on one lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExplorerAnswer {
    /// `false`: a sampled scorer that was not asked about the lead.
    pub asked: bool,
    /// `None` with `asked`: the scorer has no prediction for the lead (missing).
    pub status: Option<Status>,
    /// (label, score) when parsed.
    pub parsed: Option<(Label, u8)>,
    /// Whether the lead is inside the scorer's capacity cut; `None` without an outcome.
    pub inside_cut: Option<bool>,
    pub justification: String,
    pub error: String,
    /// The raw answer, kept for unparsed answers only.
    pub raw: String,
}

/// `text` cut at [`MAX_TEXT_CHARS`] characters.
pub(crate) fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((at, _)) => format!("{}{CUT_MARK}", &text[..at]),
        None => text.to_string(),
    }
}

/// Builds the explorer's data from a run folder read by [`super::read_run_dir`] and its
/// metrics; reads `dataset.csv` and `predictions.csv` again for the text.
pub fn explorer_data(
    dir: &Path,
    data: &RunFolder,
    metrics: &RunMetrics,
) -> Result<ExplorerData, ReportError> {
    let mut gold = join(&data.leads, &data.predictions, data.limit);
    gold.mark_sampled(&data.sampled);
    let mut outcome = join_outcomes(&data.leads, &data.predictions, data.limit);
    outcome.mark_sampled(&data.sampled);
    let base = if gold.leads.is_empty() {
        &outcome
    } else {
        &gold
    };
    let scorers: Vec<String> = base.scorers.iter().map(|s| s.id.to_string()).collect();
    let cuts = capacity_cuts(&outcome, metrics);
    let n = base.leads.len();
    let disagree: Vec<bool> = (0..n).map(|i| disagrees(base, i)).collect();
    let (chosen, sample) = choose(base, &disagree);
    let mut leads: Vec<ExplorerLead> = chosen
        .iter()
        .map(|&i| {
            let l = base.leads[i];
            let answers = base
                .scorers
                .iter()
                .map(|s| {
                    let a = s.first[i];
                    ExplorerAnswer {
                        asked: s.asked.as_ref().is_none_or(|asked| asked[i]),
                        status: a.map(|a| a.status),
                        parsed: a.and_then(|a| a.parsed),
                        inside_cut: cuts
                            .get(s.id)
                            .and_then(|c| c.get(l.lead_id.as_str()))
                            .copied(),
                        ..ExplorerAnswer::default()
                    }
                })
                .collect();
            ExplorerLead {
                lead_id: l.lead_id.clone(),
                company: String::new(),
                job_title: String::new(),
                size_band: size_band(l.company_size).to_string(),
                seniority: l.seniority.map_or("", |s| s.as_str()).to_string(),
                source: l.source.as_str().to_string(),
                archetype: l.meta.archetype.clone().unwrap_or_default(),
                difficulty: l.meta.difficulty.map_or("", |d| d.as_str()).to_string(),
                gold_label: l.gold.as_ref().map(|g| g.label),
                gold_score: l.gold.as_ref().and_then(|g| g.score),
                converted: l.outcome.converted,
                deal_value: l.outcome.deal_value,
                message: String::new(),
                enrichment: String::new(),
                answers,
            }
        })
        .collect();
    read_texts(dir, &scorers, &mut leads)?;
    let marks = marks(metrics, &leads);
    Ok(ExplorerData {
        run_id: metrics.run_id.clone(),
        comparison: false,
        sampled: scorers.iter().map(|s| data.sampled.contains(s)).collect(),
        capacity: scorers
            .iter()
            .map(|s| {
                cuts.get(s.as_str())
                    .map(|c| c.values().filter(|&&w| w).count() as u64)
            })
            .collect(),
        scorers,
        n_evaluated: n,
        sample,
        leads,
        marks,
    })
}

/// Gives every listed flipped lead the two answers' text (justification, or the error of an
/// answer that did not parse), from the explorer's copy of the answers.
pub fn attach_flip_texts(metrics: &mut RunMetrics, explorer: &ExplorerData) {
    let at = positions(&explorer.leads);
    let scorer = |id: &str| explorer.scorers.iter().position(|s| s == id);
    for f in &mut metrics.flips {
        let (a, b) = (scorer(&f.a), scorer(&f.b));
        for l in &mut f.leads {
            let Some(&i) = at.get(l.lead_id.as_str()) else {
                continue;
            };
            let text = |s: Option<usize>| {
                let ans = &explorer.leads[i].answers[s?];
                let t = if ans.justification.is_empty() {
                    &ans.error
                } else {
                    &ans.justification
                };
                (!t.is_empty()).then(|| t.clone())
            };
            l.a_text = text(a);
            l.b_text = text(b);
        }
    }
}

/// Each explorer lead's position, by id.
pub(super) fn positions(leads: &[ExplorerLead]) -> HashMap<&str, usize> {
    leads
        .iter()
        .enumerate()
        .map(|(i, l)| (l.lead_id.as_str(), i))
        .collect()
}

/// The mark of one pair of "What changed between scorers": the leads that changed, among
/// those the explorer holds (`at`: their positions).
pub(super) fn changed_mark(f: &FlipReport, at: &HashMap<&str, usize>) -> Mark {
    Mark {
        name: format!("changed from {} to {}", f.b, f.a),
        leads: f
            .changed
            .iter()
            .filter_map(|id| at.get(id.as_str()).copied())
            .collect(),
    }
}

/// The run explorer's marks: one per pair of "What changed between scorers", then the
/// injection twins with their leads when it holds any.
fn marks(metrics: &RunMetrics, leads: &[ExplorerLead]) -> Vec<Mark> {
    let at = positions(leads);
    let mut marks: Vec<Mark> = metrics.flips.iter().map(|f| changed_mark(f, &at)).collect();
    let mut twins: Vec<usize> = Vec::new();
    for (i, l) in leads.iter().enumerate() {
        if let Some(&o) = twin_of(&l.lead_id).and_then(|o| at.get(o)) {
            twins.extend([o, i]);
        }
    }
    if !twins.is_empty() {
        twins.sort_unstable();
        marks.push(Mark {
            name: "injection twins and their leads".into(),
            leads: twins,
        });
    }
    marks
}

/// Whether two scorers' parsed labels differ on lead `i`.
fn disagrees(joined: &Joined<'_>, i: usize) -> bool {
    let mut labels = joined
        .scorers
        .iter()
        .filter_map(|s| s.first[i].and_then(|a| a.parsed).map(|p| p.0));
    labels
        .next()
        .is_some_and(|first| labels.any(|l| l != first))
}

/// Per scorer id, per lead id with an outcome: whether the lead is inside the scorer's
/// capacity cut. Empty without outcomes.
fn capacity_cuts<'a>(
    outcome: &Joined<'a>,
    metrics: &RunMetrics,
) -> HashMap<&'a str, HashMap<&'a str, bool>> {
    let Some(o) = metrics.outcomes.as_ref().filter(|o| o.n > 0) else {
        return HashMap::new();
    };
    let n = outcome.leads.len() as u64;
    outcome
        .scorers
        .iter()
        .map(|s| {
            let asked = s.asked.as_deref();
            let n_asked = asked.map_or(n, |a| a.iter().filter(|&&x| x).count() as u64);
            let k = scorer_k(o.capacity.leads_of(n), n, n_asked);
            let value: Vec<Option<f64>> = s
                .parsed()
                .iter()
                .map(|p| p.map(|x| f64::from(x.1)))
                .collect();
            let inside = worked(&value, asked, k);
            let by_lead = outcome
                .leads
                .iter()
                .zip(inside)
                .enumerate()
                .filter(|(i, _)| asked.is_none_or(|a| a[*i]))
                .map(|(_, (l, w))| (l.lead_id.as_str(), w))
                .collect();
            (s.id, by_lead)
        })
        .collect()
}

/// The positions of the leads the explorer holds (in lead-id order) and, when that is a
/// sample, the sentence that says so.
fn choose(joined: &Joined<'_>, disagree: &[bool]) -> (Vec<usize>, Option<String>) {
    let n = joined.leads.len();
    if n <= MAX_EXPLORER_LEADS {
        return ((0..n).collect(), None);
    }
    let mut first: Vec<usize> = (0..n).filter(|&i| disagree[i]).collect();
    let d = first.len();
    let note = if d >= MAX_EXPLORER_LEADS {
        first.truncate(MAX_EXPLORER_LEADS);
        format!(
            "This explorer holds {MAX_EXPLORER_LEADS} of the {n} evaluated leads: the first \
             {MAX_EXPLORER_LEADS} by lead id of the {d} where scorers disagree. \
             predictions.jsonl holds every answer; `bench show RUN_DIR LEAD_ID` prints any lead."
        )
    } else {
        let mut rest: Vec<(Vec<u8>, usize)> = (0..n)
            .filter(|&i| !disagree[i])
            .map(|i| {
                (
                    Sha256::digest(joined.leads[i].lead_id.as_bytes()).to_vec(),
                    i,
                )
            })
            .collect();
        rest.sort();
        let more = MAX_EXPLORER_LEADS - d;
        first.extend(rest.iter().take(more).map(|(_, i)| *i));
        format!(
            "This explorer holds {MAX_EXPLORER_LEADS} of the {n} evaluated leads: all {d} \
             where scorers disagree, and {more} of the other {} (those with the smallest \
             SHA-256 of their lead id). predictions.jsonl holds every answer; `bench show \
             RUN_DIR LEAD_ID` prints any lead.",
            n - d
        )
    };
    first.sort_unstable();
    (first, Some(note))
}

/// Fills in the leads' company, job title and message from `dataset.csv`, and the answers'
/// justification, error and raw answer from the first repeat-0 row of each (lead, scorer)
/// in `predictions.csv`, both read row by row.
fn read_texts(
    dir: &Path,
    scorers: &[String],
    leads: &mut [ExplorerLead],
) -> Result<(), ReportError> {
    let at: HashMap<String, usize> = leads
        .iter()
        .enumerate()
        .map(|(i, l)| (l.lead_id.clone(), i))
        .collect();
    let mut seen = vec![false; leads.len()];
    for row in LeadReader::open(&dir.join("dataset.csv"))? {
        let lead = row?.lead;
        if let Some(&i) = at.get(&lead.lead_id)
            && !std::mem::replace(&mut seen[i], true)
        {
            let l = &mut leads[i];
            l.company = bounded(&lead.company_name);
            l.job_title = bounded(&lead.job_title);
            l.message = bounded(&lead.inbound_message);
            l.enrichment = bounded(&lead.enrichment.summary());
        }
    }
    let scorer_at: HashMap<&str, usize> = scorers
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut filled = vec![vec![false; scorers.len()]; leads.len()];
    read_prediction_rows(&dir.join("predictions.csv"), |p| {
        if p.repeat != 0 {
            return;
        }
        let (Some(&i), Some(&s)) = (at.get(&p.lead_id), scorer_at.get(p.scorer.as_str())) else {
            return;
        };
        if std::mem::replace(&mut filled[i][s], true) {
            return;
        }
        let a = &mut leads[i].answers[s];
        a.justification = bounded(&p.justification);
        a.error = bounded(&p.error);
        // A parsed answer's raw text says what its label, score and justification say.
        if a.parsed.is_none() {
            a.raw = bounded(&p.raw_response);
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT_CHARS + 5);
        let cut = bounded(&long);
        assert!(cut.ends_with(CUT_MARK));
        assert_eq!(
            cut.chars().count(),
            MAX_TEXT_CHARS + CUT_MARK.chars().count()
        );
        assert_eq!(bounded("short"), "short");
    }
}
