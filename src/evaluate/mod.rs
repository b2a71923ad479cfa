//! From a run directory to metrics and reports: reads `dataset.csv`, `predictions.csv` and
//! `run.json`, joins predictions to the evaluated leads, computes every scorer's metrics,
//! the pairwise tests (Holm-corrected), stability across repeats, operations and slices
//! ([`RunMetrics`], serialised as `metrics.json`). Writing `metrics.json`, `report.md` and
//! `report.html` into the run folder is `pipeline::report_run` (`pipeline/folder.rs`).
//!
//! Choices a reader of the numbers needs:
//! - evaluated leads: those with a gold label in the test split when any lead has a split,
//!   else all leads with a gold label; a lead a scorer has no prediction for counts as
//!   unparsed (so the learned model, which scores test leads only, is judged on them);
//! - headline metrics use repeat 0; stability uses every repeat;
//! - pairs: every scorer against `heuristic`, and every two prompts of the same model
//!   (`llm/<model>/<p1>` vs `llm/<model>/<p2>`); Holm's correction runs across all of them;
//! - slices carry Wilson intervals for shares and nothing below a minimum size (see
//!   `slices.rs`).

mod cascade;
mod compare;
mod ensemble;
mod explore;
mod flips;
mod inputs;
mod join;
mod load;
mod manifest;
mod operations;
mod outcomes;
mod pairs;
mod power;
mod score_maps;
mod slices;
mod sweep;
mod table;
#[cfg(test)]
mod test_data;
mod twins;
mod unit_cost;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

pub use crate::metrics::CapacitySetting;
pub use cascade::{CascadeSpec, Escalate, Escalation};
pub use compare::{Comparison, compare_runs};
pub use ensemble::{Combine, EnsembleSpec};
pub use explore::{
    CUT_MARK, ExplorerAnswer, ExplorerData, ExplorerLead, MAX_EXPLORER_LEADS, MAX_TEXT_CHARS, Mark,
    ShownAnswer, ShownLead, attach_flip_texts, explorer_data, paired_explorer, show_lead,
};
pub use flips::{FlipReport, FlippedLead, MAX_LISTED};
pub use inputs::{InputRow, InputVerdict, InputsDiff};
pub use load::{RunFolder, add_derived_scorers, read_run_dir};
pub use manifest::{KeptFile, KeptRules, RunManifest};
pub use operations::{Operations, PerThousand};
pub use outcomes::{
    BandRate, Calibration, CaptureTest, FOLDS, OutcomeReport, RankerOutcomes, Rate, Recalibration,
};
pub use power::{AUC_DIFFERENCE, AccuracyPower, AucPower, PowerReport, RankEntry};
pub use score_maps::{
    CALIBRATION_FILE, CalibrationError, CapacityCut, CrossFittedBrier, MapChoice, MapKind,
    RunCalibration, ScorerMap, score_maps,
};
pub use slices::{DIMENSIONS, MIN_SLICE_N, OTHER, SIZE_BANDS, Slice, SliceScorer, size_band};
pub use sweep::{Sweep, SweepPoint};
pub use table::{ByLead, LeadAnswer, PredictionTable, TableBuilder};
pub use twins::TwinUplift;
pub use unit_cost::ModelPricing;

pub(crate) use cascade::escalated_answer;
pub(crate) use ensemble::combine_answers;
pub(crate) use join::{both_asked, join, join_outcomes, pick};
pub use pairs::PairKind;
pub(crate) use pairs::pairs_to_test;

use crate::lead::Bands;
use crate::lead::{Label, LeadError};
use crate::metrics::{
    Estimate, MetricsError, MetricsOptions, PairMetrics, PowerPlan, ScorerInput, ScorerMetrics,
    StabilityMetrics, compare_pair, holm_pairs, stability, summarize, valid_probabilities,
};

/// How `bench report` (and the end of `bench run`) computes metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Bootstrap resamples for every interval; 0 gives values without intervals.
    pub resamples: usize,
    pub seed: u64,
    /// Two-sided level of the intervals.
    pub confidence: f64,
    /// Equal-width reliability bins for ECE.
    pub ece_bins: usize,
    /// Leads sales can work, for the capacity section; the run's own setting (run.json)
    /// when `None`, else 20 %.
    pub capacity: Option<CapacitySetting>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            resamples: 1000,
            seed: 42,
            confidence: 0.95,
            ece_bins: 10,
            capacity: None,
        }
    }
}

impl ReportOptions {
    pub(crate) fn metrics(&self) -> MetricsOptions {
        MetricsOptions {
            resamples: self.resamples,
            seed: self.seed,
            confidence: self.confidence,
            ece_bins: self.ece_bins,
            ..MetricsOptions::default()
        }
    }
}

/// Why a run directory could not be turned into metrics and reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}: not a run directory (expected dataset.csv, predictions.csv, run.json)", .0.display())]
    NotARunDir(PathBuf),
    #[error(
        "{}: the run did not finish (its run.json says `running`: stopped, killed, or still \
         going); run the same `bench run` command again to finish it from the answer cache",
        .0.display()
    )]
    Unfinished(PathBuf),
    #[error(transparent)]
    Lead(#[from] LeadError),
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Json { path: PathBuf, message: String },
    #[error("{}: no lead has a gold label or an outcome (`converted`), so there is nothing to score against", .0.display())]
    NoGold(PathBuf),
    #[error("metrics of `{scorer}`: {source}")]
    Metrics {
        scorer: String,
        source: MetricsError,
    },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Everything `metrics.json` holds. Estimates are `{"value", "ci_low", "ci_high"}`, `null`
/// where undefined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunMetrics {
    pub run_id: String,
    /// Evaluated leads (see the module docs).
    pub n_leads: u64,
    /// Leads in dataset.csv.
    pub n_dataset: u64,
    /// `"test"` when the dataset has a split (metrics are on its test leads), else `"all"`.
    pub split: String,
    /// The run's `--limit`: only the first this many test leads were scored and evaluated;
    /// `null` when every test lead was.
    pub limit: Option<u64>,
    pub bands: Bands,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub options: MetricsOptions,
    /// The dataset generator's sidecar, verbatim, when the run has one.
    pub dataset_meta: Option<serde_json::Value>,
    pub scorers: Vec<ScorerReport>,
    /// Scorers asked about a sample of the evaluated leads (their model's `sample`): their
    /// metrics are on the leads they were asked about, their pairs on the leads both were.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub sampled: BTreeSet<String>,
    /// Pairwise tests; `mcnemar_p_holm` is corrected across all of them.
    pub pairs: Vec<PairReport>,
    /// Agreement across repeats, for scorers run more than once.
    pub stability: Vec<StabilityReport>,
    /// Per dimension (difficulty, archetype, company_size, seniority, source, industry).
    pub slices: BTreeMap<String, Vec<Slice>>,
    /// Every scorer (and the oracle) against the leads' outcomes, when they have any.
    pub outcomes: Option<OutcomeReport>,
    /// Scorers by strict accuracy, those the paired tests cannot separate sharing a rank.
    pub ranking: Vec<RankEntry>,
    /// Which leads changed between two prompts of one model, and between each LLM scorer
    /// and the best baseline.
    pub flips: Vec<FlipReport>,
    /// Each cascade's escalated share of its evaluated leads.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<Escalation>,
    /// For each LLM scorer behind the best baseline: what escalating a growing share of the
    /// leads to it buys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sweeps: Vec<Sweep>,
    /// What an injection payload does to each scorer, when the evaluated leads hold
    /// injection twins (`<id>-inj`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub twins: Vec<TwinUplift>,
    /// How many leads a comparison needs.
    pub power: PowerReport,
    /// Things a reader should know before trusting the numbers.
    pub warnings: Vec<String>,
}

/// One scorer: its metrics against gold (flattened), agreement with the heuristic,
/// operations and its score distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorerReport {
    pub id: String,
    #[serde(flatten)]
    pub metrics: ScorerMetrics,
    /// Cohen's κ with the heuristic's labels (leads both parsed); `null` for the
    /// heuristic itself or when the run has none.
    pub kappa_vs_heuristic: Estimate,
    pub agreement_vs_heuristic: Estimate,
    /// Repeats found (max repeat index + 1).
    pub repeats: usize,
    pub operations: Operations,
    /// Parsed scores in ten bands of 10 points (the last is 90–100), by gold label.
    pub score_histogram: Vec<HistogramBin>,
}

/// Parsed predictions with a score in [lower, upper], by gold label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramBin {
    pub lower: u8,
    pub upper: u8,
    pub low: u64,
    pub medium: u64,
    pub high: u64,
}

/// Scorer `a` against scorer `b`; `accuracy_difference` is a − b.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairReport {
    pub a: String,
    pub b: String,
    pub kind: PairKind,
    #[serde(flatten)]
    pub metrics: PairMetrics,
}

/// One scorer's agreement with itself across repeats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StabilityReport {
    pub scorer: String,
    #[serde(flatten)]
    pub metrics: StabilityMetrics,
}

/// Computes every metric of a run held in memory.
pub fn evaluate(data: &RunFolder, opts: &ReportOptions) -> Result<RunMetrics, ReportError> {
    let mopts = opts.metrics();
    let mut joined = join(&data.leads, &data.predictions, data.limit);
    joined.mark_sampled(&data.sampled);
    let mut outcome_join = join_outcomes(&data.leads, &data.predictions, data.limit);
    outcome_join.mark_sampled(&data.sampled);
    // Operations count what was scored on the evaluated leads: those with a gold label, or,
    // in a run without any (a CRM export with outcomes), those with an outcome.
    let scored = if joined.leads.is_empty() {
        &outcome_join
    } else {
        &joined
    };
    let metrics_err = |scorer: &str| {
        let scorer = scorer.to_string();
        move |source| ReportError::Metrics { scorer, source }
    };
    let mut scorers = Vec::with_capacity(joined.scorers.len());
    let mut parsed_all = Vec::with_capacity(joined.scorers.len());
    let mut warnings = Vec::new();
    for (i, all) in joined.scorers.iter().enumerate() {
        // A scorer asked about a sample of the leads is judged on those.
        let own = joined.for_scorer(i);
        let view = own.as_ref().unwrap_or(&joined);
        let s = &view.scorers[i];
        let own_scored = scored.for_scorer(i);
        let ops = &own_scored.as_ref().unwrap_or(scored).scorers[i];
        let pred = s.parsed();
        let probs: Vec<Option<[f64; 3]>> = s
            .first
            .iter()
            .zip(&pred)
            .map(|(a, parsed)| {
                parsed.and(
                    a.and_then(|a| s.table.probabilities(a))
                        .filter(valid_probabilities),
                )
            })
            .collect();
        let input = ScorerInput {
            gold: &view.gold,
            gold_score: &view.gold_score,
            pred: &pred,
            probabilities: probs.iter().any(Option::is_some).then_some(&probs[..]),
        };
        let metrics = summarize(&input, &mopts).map_err(metrics_err(s.id))?;
        let correct = pred
            .iter()
            .zip(&view.gold)
            .filter(|(p, g)| p.map(|x| x.0) == Some(**g))
            .count() as u64;
        if let Some(auc) = metrics.roc_auc_high.value
            && auc > 0.95
        {
            warnings.push(format!(
                "`{}`: ROC-AUC {auc:.3} > 0.95 — unusually high for lead scoring; check for leakage of the gold label into the inputs",
                s.id
            ));
        }
        scorers.push(ScorerReport {
            id: s.id.to_string(),
            kappa_vs_heuristic: Estimate::default(),
            agreement_vs_heuristic: Estimate::default(),
            repeats: s.repeats(),
            operations: operations::operations(&ops.first, correct, s.table, &data.bands),
            score_histogram: histogram(&pred, &view.gold),
            metrics,
        });
        parsed_all.push(all.parsed());
    }
    let pricing = unit_cost::Pricing {
        ensembles: &data.ensembles,
        cascades: &data.cascades,
        models: &data.pricing,
    };
    let mut priced: Vec<(&str, &mut Operations)> = scorers
        .iter_mut()
        .map(|s| (s.id.as_str(), &mut s.operations))
        .collect();
    pricing.price(&mut priced);
    let asked: Vec<Option<&[bool]>> = joined.scorers.iter().map(|s| s.asked.as_deref()).collect();
    let labels: Vec<Vec<Option<Label>>> = parsed_all
        .iter()
        .map(|p| p.iter().map(|x| x.map(|v| v.0)).collect())
        .collect();
    let ids: Vec<&str> = joined.scorers.iter().map(|s| s.id).collect();
    let mut pair_metrics = Vec::new();
    let mut pair_keys = Vec::new();
    for (i, j, kind) in pairs_to_test(&ids) {
        // On the leads both were asked about.
        let m = match both_asked(asked[i], asked[j]) {
            None => compare_pair(&labels[i], &labels[j], &joined.gold, &mopts),
            Some(keep) => compare_pair(
                &pick(&labels[i], &keep),
                &pick(&labels[j], &keep),
                &pick(&joined.gold, &keep),
                &mopts,
            ),
        }
        .map_err(metrics_err(ids[i]))?;
        pair_metrics.push(m);
        pair_keys.push((i, j, kind));
    }
    holm_pairs(&mut pair_metrics);
    let mut pairs = Vec::with_capacity(pair_metrics.len());
    for ((i, j, kind), m) in pair_keys.into_iter().zip(pair_metrics) {
        if kind == PairKind::VsHeuristic {
            scorers[i].kappa_vs_heuristic = m.kappa;
            scorers[i].agreement_vs_heuristic = m.agreement;
        }
        pairs.push(PairReport {
            a: ids[i].to_string(),
            b: ids[j].to_string(),
            kind,
            metrics: m,
        });
    }
    let mut stab = Vec::new();
    for (i, s) in joined.scorers.iter().enumerate() {
        let own = joined.for_scorer(i);
        let s = own.as_ref().map_or(s, |j| &j.scorers[i]);
        if s.repeats() < 2 {
            continue;
        }
        let m = stability(&s.labels_by_repeat(), &mopts).map_err(metrics_err(s.id))?;
        stab.push(StabilityReport {
            scorer: s.id.to_string(),
            metrics: m,
        });
    }
    let slice_inputs: Vec<slices::SliceInput<'_>> = ids
        .iter()
        .zip(&parsed_all)
        .zip(&asked)
        .map(|((id, pred), asked)| slices::SliceInput {
            id,
            pred,
            asked: *asked,
        })
        .collect();
    let slices = slices::slices(
        &joined.leads,
        &joined.gold,
        &joined.gold_score,
        &slice_inputs,
        &mopts,
    )
    .map_err(metrics_err("slices"))?;
    if joined.leads.is_empty() {
        warnings.push(format!(
            "no leads to evaluate: none has a gold label{}",
            if joined.split == "test" {
                " in the test split"
            } else {
                ""
            }
        ));
    }
    if joined.unknown_leads > 0 {
        warnings.push(format!(
            "{} prediction(s) name a lead_id that is not in dataset.csv; they were ignored",
            joined.unknown_leads
        ));
    }
    if joined.duplicates > 0 {
        warnings.push(format!(
            "{} prediction(s) repeat an earlier (lead, scorer, repeat); the first of each was used",
            joined.duplicates
        ));
    }
    let capacity = opts.capacity.or(data.capacity).unwrap_or_default();
    let outcomes =
        outcomes::outcomes(&outcome_join, capacity, &mopts).map_err(metrics_err("outcomes"))?;
    if outcomes.is_none() && joined.leads.is_empty() {
        // Said once for both: nothing was evaluated at all.
    } else if joined.leads.is_empty() {
        warnings.retain(|w| !w.starts_with("no leads to evaluate"));
        warnings.push(
            "no evaluated lead has a gold label: the sections that need one are left out; \
             the outcome sections stand"
                .to_string(),
        );
    }
    let plan = PowerPlan::default();
    let correct: Vec<Vec<Option<bool>>> = parsed_all
        .iter()
        .zip(&asked)
        .map(|(p, asked)| power::correct(p, &joined.gold, *asked))
        .collect();
    let (ranking, accuracy_power) = power::rank(&ids, &correct, plan);
    let auc_power = match &outcomes {
        Some(o) if o.converters > 0 && o.converters < o.n => o
            .scorers
            .iter()
            .map(|s| {
                let neg = o.n - o.converters;
                power::auc_power(
                    &s.id,
                    "conversion",
                    s.metrics.roc_auc.value,
                    o.converters,
                    neg,
                    plan,
                )
            })
            .collect(),
        _ => {
            let highs = joined.gold.iter().filter(|g| **g == Label::High).count() as u64;
            let rest = joined.gold.len() as u64 - highs;
            scorers
                .iter()
                .map(|s| {
                    let auc = s.metrics.roc_auc_high.value;
                    power::auc_power(&s.id, "high vs rest", auc, highs, rest, plan)
                })
                .collect()
        }
    };
    let power = PowerReport {
        plan,
        n: joined.leads.len() as u64,
        accuracy: accuracy_power,
        auc: auc_power,
    };
    let escalations = if data.cascades.is_empty() {
        Vec::new()
    } else {
        let position: std::collections::HashMap<&str, u32> = data
            .leads
            .iter()
            .enumerate()
            .map(|(i, l)| (l.lead_id.as_str(), i as u32))
            .collect();
        let evaluated = if joined.leads.is_empty() {
            &outcome_join
        } else {
            &joined
        };
        let leads: Vec<u32> = evaluated
            .leads
            .iter()
            .filter_map(|l| position.get(l.lead_id.as_str()).copied())
            .collect();
        cascade::escalations(&data.predictions, &data.cascades, &leads)
    };
    let k = capacity.leads_of(outcome_join.leads.len() as u64);
    let sweeps = sweep::sweeps(
        &joined,
        &ids,
        &ranking,
        outcomes.as_ref(),
        &data.bands,
        k,
        outcome_join.leads.len() as u64,
    );
    let flips = flips::flips(
        &joined,
        &outcome_join,
        k,
        &flips::flip_pairs(&ids, &ranking),
        &mopts,
    )
    .map_err(metrics_err("flips"))?;
    let twins = twins::twin_uplift(&joined, &mopts);
    Ok(RunMetrics {
        run_id: data.run_id.clone(),
        n_leads: joined.leads.len() as u64,
        n_dataset: data.leads.len() as u64,
        split: joined.split.to_string(),
        limit: data.limit.map(|n| n as u64),
        bands: data.bands,
        started: data.started.clone(),
        finished: data.finished.clone(),
        options: mopts,
        dataset_meta: data.dataset_meta.clone(),
        sampled: data.sampled.clone(),
        scorers,
        pairs,
        stability: stab,
        slices,
        outcomes,
        ranking,
        power,
        flips,
        twins,
        escalations,
        sweeps,
        warnings,
    })
}

fn histogram(pred: &[Option<(Label, u8)>], gold: &[Label]) -> Vec<HistogramBin> {
    let mut counts = [[0u64; 3]; 10];
    for (p, g) in pred.iter().zip(gold) {
        if let Some((_, s)) = p {
            counts[usize::from(*s / 10).min(9)][g.index()] += 1;
        }
    }
    counts
        .iter()
        .enumerate()
        .map(|(b, c)| HistogramBin {
            lower: (b * 10) as u8,
            upper: if b == 9 { 100 } else { (b * 10 + 9) as u8 },
            low: c[0],
            medium: c[1],
            high: c[2],
        })
        .collect()
}
