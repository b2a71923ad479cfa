//! `calibration.json`: what a run's outcomes say a scorer's score means for routing new
//! leads. For each scorer with scored leads of known outcome: the isotonic and Platt maps
//! from score to conversion probability fitted on all of them, which of the two predicted
//! better out of fold, and the score at the run's capacity cut-off. `bench score
//! --calibration RUN_DIR` reads it back ([`RunCalibration::load`], [`RunCalibration::for_scorer`])
//! and refuses a scorer whose fingerprint changed since the run.
//!
//! Choices a reader of the file needs:
//! - the leads: those [`super::outcomes`] judges the scorer on against outcomes (evaluated
//!   leads with a known outcome; its sample for a scorer asked about one) that it scored;
//!   x = score ÷ 100, y = 1 for a converter;
//! - the cross-fitted Brier scores are the outcome section's (`metrics.json`,
//!   `outcomes.scorers[].recalibration`): five folds dealt in lead-id order; the maps here
//!   are fitted once more on all the leads, the maps a new lead is read with;
//! - `best`: the map with the lower cross-fitted Brier score, ties to isotonic; `null` when
//!   neither could be cross-fitted (fewer than ten leads, or a fold with one outcome only);
//! - the cut-off: the run's capacity applied to the scorer's `n` leads (the same share of
//!   them as of the run's evaluated leads), ranked by score, highest first; `cut_off` is the
//!   score of the last lead worked, so a new lead with a score at or above it goes to sales
//!   (with ties at the cut, a few more than `k` of the run's leads would).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::RunMetrics;
use super::join::join_outcomes;
use super::load::RunFolder;
use super::outcomes::{FOLDS, Recalibration, scored_xy, scorer_k, scorer_outcomes};
use crate::metrics::{CapacitySetting, Isotonic, Platt};

/// The file's name in a run folder.
pub const CALIBRATION_FILE: &str = "calibration.json";

/// Largest `calibration.json` read back.
const CALIBRATION_BYTES: u64 = 64 << 20;

/// Everything `calibration.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCalibration {
    pub run_id: String,
    /// The version of bench that wrote the file (`bench report` rewrites it).
    pub tool_version: String,
    /// Scorers with scored leads of known outcome, in report order.
    pub scorers: Vec<ScorerMap>,
    /// Scorers of the run without any: no map can be fitted for them.
    pub without_outcomes: Vec<String>,
    /// Where it was read from (not written).
    #[serde(skip)]
    path: PathBuf,
}

/// One scorer's maps and cut-off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorerMap {
    pub id: String,
    /// The scorer's fingerprint in the run's `run.json`; `null` for a run from before
    /// fingerprints, or a scorer without one.
    pub fingerprint: Option<String>,
    /// Leads the maps were fitted on.
    pub n: u64,
    /// Converters among them.
    pub converted: u64,
    /// The isotonic map, on x = score ÷ 100.
    pub isotonic: Option<Isotonic>,
    /// The Platt map `p = 1 / (1 + exp(−(a·x + b)))`, x = score ÷ 100; `null` when it has no
    /// maximum-likelihood fit (one outcome only, or scores that separate the outcomes).
    pub platt: Option<Platt>,
    /// Brier scores of the maps fitted out of fold, on the same leads.
    pub cross_fitted_brier: CrossFittedBrier,
    /// The map to read a score with: the lower cross-fitted Brier score, ties to isotonic.
    pub best: Option<MapKind>,
    pub capacity: CapacityCut,
}

/// The cross-fitted Brier scores of [`ScorerMap`] (`null`: not cross-fitted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrossFittedBrier {
    pub folds: usize,
    /// The score ÷ 100 read as the probability, unmapped.
    pub raw: Option<f64>,
    pub isotonic: Option<f64>,
    pub platt: Option<f64>,
}

/// Where sales stops among a scorer's leads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CapacityCut {
    /// The run's capacity (its `run.json`; the report's default when it has none).
    pub setting: CapacitySetting,
    /// Leads sales works among the `n`.
    pub k: u64,
    /// The score of the k-th lead, by score descending: a score at or above it routes to
    /// sales.
    pub cut_off: f64,
}

/// A fitted map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapKind {
    Isotonic,
    Platt,
}

/// Which map [`ScorerMap::p_convert`] reads a score with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapChoice {
    /// The one with the lower cross-fitted Brier score ([`ScorerMap::best`]).
    #[default]
    Best,
    Isotonic,
    Platt,
}

/// Why a run's calibration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error(
        "{}: not found: the run has no leads with an outcome (`converted`), or was made before \
         bench wrote calibration maps; for a run with outcomes, `bench report {}` writes it",
        path.display(), dir.display()
    )]
    Missing { path: PathBuf, dir: PathBuf },
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a calibration file of bench: {message}", path.display())]
    Json { path: PathBuf, message: String },
    #[error("{}: scorer `{id}` is not in that run (it has: {listed})", path.display())]
    UnknownScorer {
        path: PathBuf,
        id: String,
        listed: String,
    },
    #[error(
        "{}: scorer `{id}` has no scored lead with a known outcome in that run, so there is no \
         map of its scores; calibrate it on a run whose leads have outcomes (`converted`)",
        path.display()
    )]
    NoOutcomes { path: PathBuf, id: String },
    #[error(
        "{}: the run recorded no fingerprint of scorer `{id}` (it was made before bench kept \
         them), so whether the scorer changed since cannot be told; re-run `bench run` to \
         calibrate it",
        path.display()
    )]
    NoFingerprint { path: PathBuf, id: String },
    #[error(
        "{}: scorer `{id}` changed since the run (prompt, model settings or rules; for an \
         ensemble or cascade, also its members): fingerprint {} now, {stored} in the run; \
         re-run `bench run` to calibrate it",
        path.display(), current.as_deref().unwrap_or("unknown")
    )]
    Changed {
        path: PathBuf,
        id: String,
        stored: String,
        current: Option<String>,
    },
}

impl RunCalibration {
    /// Reads `calibration.json` of the run folder `run_dir`.
    pub fn load(run_dir: &Path) -> Result<RunCalibration, CalibrationError> {
        let path = run_dir.join(CALIBRATION_FILE);
        if !path.exists() {
            return Err(CalibrationError::Missing {
                path,
                dir: run_dir.to_path_buf(),
            });
        }
        let text =
            crate::input::read_text_file_within(&path, CALIBRATION_BYTES).map_err(|source| {
                CalibrationError::Io {
                    path: path.clone(),
                    source,
                }
            })?;
        let mut calibration: RunCalibration =
            serde_json::from_str(&text).map_err(|e| CalibrationError::Json {
                path: path.clone(),
                message: e.to_string(),
            })?;
        calibration.path = path;
        Ok(calibration)
    }

    /// Where it was read from (empty when it was computed).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The maps of scorer `id`, refused when the run has none for it or when the scorer's
    /// fingerprint now (`None`: unknown) is not the one the run recorded.
    pub fn for_scorer(
        &self,
        id: &str,
        current_fingerprint: Option<&str>,
    ) -> Result<&ScorerMap, CalibrationError> {
        let path = || self.path.clone();
        let Some(map) = self.scorers.iter().find(|s| s.id == id) else {
            if self.without_outcomes.iter().any(|s| s == id) {
                return Err(CalibrationError::NoOutcomes {
                    path: path(),
                    id: id.into(),
                });
            }
            let ids = self.scorers.iter().map(|s| s.id.as_str());
            let listed: Vec<&str> = ids
                .chain(self.without_outcomes.iter().map(String::as_str))
                .collect();
            return Err(CalibrationError::UnknownScorer {
                path: path(),
                id: id.into(),
                listed: if listed.is_empty() {
                    "none".into()
                } else {
                    listed.join(", ")
                },
            });
        };
        match (&map.fingerprint, current_fingerprint) {
            (None, _) => Err(CalibrationError::NoFingerprint {
                path: path(),
                id: id.into(),
            }),
            (Some(stored), Some(now)) if stored == now => Ok(map),
            (Some(stored), now) => Err(CalibrationError::Changed {
                path: path(),
                id: id.into(),
                stored: stored.clone(),
                current: now.map(str::to_string),
            }),
        }
    }
}

impl ScorerMap {
    /// The probability that a lead of `score` (0–100) converts, read with `map`; `None` when
    /// that map was not fitted (or, for [`MapChoice::Best`], neither was cross-fitted).
    pub fn p_convert(&self, score: f64, map: MapChoice) -> Option<f64> {
        if !score.is_finite() {
            return None;
        }
        let kind = match map {
            MapChoice::Best => self.best?,
            MapChoice::Isotonic => MapKind::Isotonic,
            MapChoice::Platt => MapKind::Platt,
        };
        let x = score / 100.0;
        match kind {
            MapKind::Isotonic => self.isotonic.as_ref().map(|m| m.predict(x)),
            MapKind::Platt => self.platt.map(|m| m.predict(x)),
        }
    }

    /// Whether a lead of `score` goes to sales: at or above the run's cut-off.
    pub fn routes_to_sales(&self, score: f64) -> bool {
        score >= self.capacity.cut_off
    }
}

/// The calibration of a run held in memory, given its metrics (the cross-fitted Brier
/// scores and the capacity are theirs); `None` when no evaluated lead has an outcome.
pub fn score_maps(data: &RunFolder, metrics: &RunMetrics) -> Option<RunCalibration> {
    let outcomes = metrics.outcomes.as_ref()?;
    let mut joined = join_outcomes(&data.leads, &data.predictions, data.limit);
    joined.mark_sampled(&data.sampled);
    let (mut scorers, mut without_outcomes) = (Vec::new(), Vec::new());
    for (i, s) in joined.scorers.iter().enumerate() {
        let (value, converted) = scorer_outcomes(&joined, i);
        let (x, y) = scored_xy(&value, &converted);
        if x.is_empty() {
            without_outcomes.push(s.id.to_string());
            continue;
        }
        let recalibration = outcomes
            .scorers
            .iter()
            .find(|r| r.id == s.id)
            .and_then(|r| r.recalibration.as_ref());
        let k = scorer_k(outcomes.capacity_leads, outcomes.n, x.len() as u64);
        let scores: Vec<f64> = value.into_iter().flatten().collect();
        let fit = Fit {
            scores: &scores,
            x: &x,
            y: &y,
            recalibration,
            capacity: (outcomes.capacity, k),
        };
        let mut map = fit.map(s.id);
        map.fingerprint = data.fingerprints.get(s.id).cloned();
        scorers.push(map);
    }
    Some(RunCalibration {
        run_id: metrics.run_id.clone(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        scorers,
        without_outcomes,
        path: PathBuf::new(),
    })
}

/// One scorer's leads and what the outcome section made of them.
struct Fit<'a> {
    /// The score of each lead fitted on.
    scores: &'a [f64],
    /// Score ÷ 100 of each lead fitted on.
    x: &'a [f64],
    /// 1 for a converter, else 0.
    y: &'a [f64],
    recalibration: Option<&'a Recalibration>,
    /// The run's capacity, and the leads worked among these.
    capacity: (CapacitySetting, u64),
}

impl Fit<'_> {
    fn map(&self, id: &str) -> ScorerMap {
        let isotonic = Isotonic::fit(self.x, self.y);
        let platt = Platt::fit(self.x, self.y);
        let r = self.recalibration;
        let brier = CrossFittedBrier {
            folds: FOLDS,
            raw: r.and_then(|r| r.raw.brier.value),
            isotonic: r.and_then(|r| r.isotonic.brier.value),
            platt: r.and_then(|r| r.platt.brier.value),
        };
        let usable = |fitted: bool, b: Option<f64>| b.filter(|b| fitted && b.is_finite());
        let best = match (
            usable(isotonic.is_some(), brier.isotonic),
            usable(platt.is_some(), brier.platt),
        ) {
            (Some(i), Some(p)) if p < i => Some(MapKind::Platt),
            (Some(_), _) => Some(MapKind::Isotonic),
            (None, Some(_)) => Some(MapKind::Platt),
            (None, None) => None,
        };
        // Scores descending; the k-th is the last lead worked.
        let mut scores = self.scores.to_vec();
        scores.sort_by(|a, b| b.total_cmp(a));
        let (setting, k) = self.capacity;
        let k = k.clamp(1, scores.len() as u64);
        ScorerMap {
            id: id.to_string(),
            fingerprint: None,
            n: self.x.len() as u64,
            converted: self.y.iter().filter(|&&y| y > 0.5).count() as u64,
            isotonic,
            platt,
            cross_fitted_brier: brier,
            best,
            capacity: CapacityCut {
                setting,
                k,
                cut_off: scores[k as usize - 1],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::test_data::answer;
    use crate::evaluate::{Calibration, PredictionTable, ReportOptions, evaluate};
    use crate::lead::{Bands, Lead};
    use crate::metrics::Estimate;
    use std::collections::BTreeMap;

    fn fit_of<'a>(
        scores: &'a [f64],
        x: &'a [f64],
        y: &'a [f64],
        r: Option<&'a Recalibration>,
        k: u64,
    ) -> Fit<'a> {
        Fit {
            scores,
            x,
            y,
            recalibration: r,
            capacity: (CapacitySetting::Leads(k), k),
        }
    }

    fn xy(scores: &[f64], converted: impl Fn(usize) -> bool) -> (Vec<f64>, Vec<f64>) {
        let value: Vec<Option<f64>> = scores.iter().map(|&s| Some(s)).collect();
        let c: Vec<bool> = (0..scores.len()).map(converted).collect();
        scored_xy(&value, &c)
    }

    fn recalibration(isotonic: f64, platt: f64) -> Recalibration {
        let c = |b: f64| Calibration {
            brier: Estimate::point(Some(b)),
            ece: Estimate::point(None),
        };
        Recalibration {
            folds: FOLDS,
            n: 0,
            raw: c(0.3),
            isotonic: c(isotonic),
            platt: c(platt),
            bands: Vec::new(),
        }
    }

    #[test]
    fn the_cut_off_is_the_score_of_the_kth_lead_by_score_descending() {
        let scores = [12.0, 90.0, 55.0, 55.0, 71.0, 30.0, 55.0, 8.0];
        let (x, y) = xy(&scores, |i| i % 2 == 1);
        for (k, cut) in [
            (1, 90.0),
            (2, 71.0),
            (3, 55.0),
            (5, 55.0),
            (6, 30.0),
            (8, 8.0),
        ] {
            let m = fit_of(&scores, &x, &y, None, k).map("s");
            assert_eq!((m.capacity.k, m.capacity.cut_off), (k, cut), "k = {k}");
            assert!(m.routes_to_sales(cut) && !m.routes_to_sales(cut - 1.0));
        }
        // More leads than the scorer has: all of them.
        let m = fit_of(&scores, &x, &y, None, 50).map("s");
        assert_eq!((m.capacity.k, m.capacity.cut_off), (8, 8.0));
        assert_eq!((m.n, m.converted), (8, 4));
    }

    #[test]
    fn p_convert_on_the_leads_fitted_on_is_the_isotonic_fit() {
        let scores: Vec<f64> = (0..40).map(|i| f64::from((i * 37) % 101)).collect();
        let (x, y) = xy(&scores, |i| (i * 37) % 101 > 60 || i % 7 == 0);
        let m = fit_of(&scores, &x, &y, None, 8).map("s");
        let iso = m.isotonic.as_ref().expect("fitted");
        // The fitted value at each lead: the mean outcome of its pooled block.
        for (&s, &xi) in scores.iter().zip(&x) {
            let at = iso.x().iter().position(|&b| b == xi).expect("a breakpoint");
            assert_eq!(m.p_convert(s, MapChoice::Isotonic), Some(iso.y()[at]));
        }
        let in_sample: f64 = scores
            .iter()
            .map(|&s| m.p_convert(s, MapChoice::Isotonic).expect("p"))
            .sum();
        // Isotonic regression keeps the total: as many expected converters as there were.
        assert!((in_sample - m.converted as f64).abs() < 1e-9);
        assert_eq!(m.best, None, "nothing was cross-fitted");
        assert_eq!(m.p_convert(50.0, MapChoice::Best), None);
        assert_eq!(m.p_convert(f64::NAN, MapChoice::Isotonic), None);
    }

    #[test]
    fn the_best_map_is_the_lower_cross_fitted_brier_ties_to_isotonic() {
        let scores: Vec<f64> = (0..20).map(|i| f64::from(i * 5)).collect();
        let (x, y) = xy(&scores, |i| [1, 3, 6, 8, 10, 12, 14, 17, 19].contains(&i));
        let best = |r: &Recalibration| fit_of(&scores, &x, &y, Some(r), 4).map("s").best;
        assert_eq!(best(&recalibration(0.20, 0.10)), Some(MapKind::Platt));
        assert_eq!(best(&recalibration(0.10, 0.20)), Some(MapKind::Isotonic));
        assert_eq!(best(&recalibration(0.15, 0.15)), Some(MapKind::Isotonic));
        let m = fit_of(&scores, &x, &y, Some(&recalibration(0.2, 0.1)), 4).map("s");
        let platt = m.platt.expect("fitted");
        assert_eq!(m.p_convert(40.0, MapChoice::Best), Some(platt.predict(0.4)));
        assert_eq!(m.cross_fitted_brier.raw, Some(0.3));
        // Scores that separate the outcomes have no Platt map: isotonic, whatever its Brier.
        let (x, y) = xy(&scores, |i| i >= 10);
        let m = fit_of(&scores, &x, &y, Some(&recalibration(0.2, 0.1)), 4).map("s");
        assert_eq!((m.platt, m.best), (None, Some(MapKind::Isotonic)));
    }

    /// 60 leads with outcomes and no gold label: the heuristic scores them all, `learned`
    /// fails on every one.
    fn run() -> RunFolder {
        let mut leads = Vec::new();
        let mut preds = Vec::new();
        for i in 0..60u32 {
            let id = format!("L{i:03}");
            let mut lead = Lead::with_id(&id);
            let score = ((i * 13) % 100) as u8;
            lead.outcome.converted = Some(score > 55 || i % 9 == 0);
            leads.push(lead);
            let label = Bands::default().label_for(score);
            preds.push(answer(&id, "heuristic", Some((label, score)), None));
            preds.push(answer(&id, "learned", None, None));
        }
        let predictions = PredictionTable::from_predictions(&leads, &preds);
        RunFolder {
            run_id: "r".into(),
            bands: Bands::default(),
            started: None,
            finished: None,
            leads,
            limit: None,
            predictions,
            dataset_meta: None,
            capacity: Some(CapacitySetting::Share(0.25)),
            prompts: None,
            heuristic_rules: None,
            sampled: Default::default(),
            cascades: Vec::new(),
            ensembles: Vec::new(),
            pricing: Default::default(),
            fingerprints: BTreeMap::from([("heuristic".to_string(), "ab12".to_string())]),
        }
    }

    #[test]
    fn a_run_with_outcomes_gets_maps_from_the_outcome_section() {
        let data = run();
        let opts = ReportOptions {
            resamples: 0,
            ..ReportOptions::default()
        };
        let metrics = evaluate(&data, &opts).expect("metrics");
        let c = score_maps(&data, &metrics).expect("outcomes");
        assert_eq!(c.run_id, "r");
        assert_eq!(c.without_outcomes, ["learned"]);
        let [h] = &c.scorers[..] else {
            panic!("one map: {c:?}")
        };
        let o = metrics.outcomes.as_ref().expect("outcomes");
        let r = &o.scorers[0];
        assert_eq!(r.id, "heuristic");
        let re = r.recalibration.as_ref().expect("cross-fitted");
        assert_eq!(h.n, re.n);
        assert_eq!(h.cross_fitted_brier.isotonic, re.isotonic.brier.value);
        assert_eq!(h.cross_fitted_brier.platt, re.platt.brier.value);
        assert!(h.best.is_some());
        assert_eq!(h.fingerprint.as_deref(), Some("ab12"));
        assert_eq!(h.capacity.setting, CapacitySetting::Share(0.25));
        assert_eq!(h.capacity.k, 15);
        // Every lead scored: the capacity section's cut-off.
        assert_eq!(Some(h.capacity.cut_off), r.metrics.capacity.cutoff);
    }

    #[test]
    fn load_and_for_scorer_refuse_what_cannot_be_used_and_say_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = RunCalibration::load(dir.path())
            .expect_err("missing")
            .to_string();
        assert!(
            err.contains("calibration.json: not found") && err.contains("bench report"),
            "{err}"
        );
        let path = dir.path().join(CALIBRATION_FILE);
        std::fs::write(&path, r#"{"run_id": 3}"#).expect("write");
        let err = RunCalibration::load(dir.path())
            .expect_err("bad")
            .to_string();
        assert!(
            err.contains("calibration.json: not a calibration file"),
            "{err}"
        );

        let data = run();
        let opts = ReportOptions {
            resamples: 0,
            ..ReportOptions::default()
        };
        let metrics = evaluate(&data, &opts).expect("metrics");
        let mut c = score_maps(&data, &metrics).expect("outcomes");
        std::fs::write(&path, serde_json::to_vec_pretty(&c).expect("json")).expect("write");
        let back = RunCalibration::load(dir.path()).expect("reads");
        assert_eq!(back.path(), path);
        assert_eq!(back.scorers, c.scorers);
        let h = back
            .for_scorer("heuristic", Some("ab12"))
            .expect("same scorer");
        assert_eq!(h.id, "heuristic");
        let said =
            |id: &str, fp: Option<&str>| back.for_scorer(id, fp).expect_err("refused").to_string();
        let e = said("heuristic", Some("cd34"));
        assert!(
            e.contains("changed since the run") && e.contains("cd34"),
            "{e}"
        );
        assert!(said("heuristic", None).contains("changed since the run"));
        let e = said("learned", Some("x"));
        assert!(e.contains("no scored lead with a known outcome"), "{e}");
        let e = said("llm/m/p", Some("x"));
        assert!(
            e.contains("not in that run (it has: heuristic, learned)"),
            "{e}"
        );
        c.scorers[0].fingerprint = None;
        let e = c
            .for_scorer("heuristic", Some("ab12"))
            .expect_err("old run");
        assert!(matches!(e, CalibrationError::NoFingerprint { .. }), "{e}");
    }
}
