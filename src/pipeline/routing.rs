//! `bench score --calibration RUN_DIR`: the run's map of the scorer's scores to a probability
//! of converting and its capacity cut-off (`calibration.json`, written by every run with
//! outcomes), refused when the scorer changed since the run (its fingerprint now against the
//! one the run kept, `fingerprint.rs`), and each answer read through them: `p_convert` and a
//! route, sales or nurture.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::config::Config;
use crate::evaluate::{CapacitySetting, MapChoice, MapKind, RunCalibration, ScorerMap};
use crate::lead::Bands;
use crate::prediction::{Prediction, ScorerId};
use crate::score::heuristic::RulesError;
use crate::score::learned::LearnedModel;

use super::fingerprint::{heuristic_fingerprint, learned_fingerprint, scorer_fingerprint};

/// What `--calibration` asks for.
#[derive(Debug, Clone)]
pub struct CalibrationAsk {
    /// The run folder whose `calibration.json` is read.
    pub run_dir: PathBuf,
    /// Which of the run's maps gives `p_convert`.
    pub map: MapChoice,
    /// Route the top leads of the file by score to sales (instead of the run's cut-off).
    pub capacity: Option<CapacitySetting>,
}

/// Where a lead goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Sales,
    Nurture,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Sales => "sales",
            Route::Nurture => "nurture",
        }
    }
}

/// A lead's answer read through a run's calibration: `None` where it has no score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibrated {
    pub p_convert: Option<f64>,
    pub route: Option<Route>,
}

/// The scorer's fingerprint as it scores now (see `fingerprint.rs`); `None` when it needs
/// the learned model and `learned` is not given.
pub(super) fn fingerprint_now(
    (scorer, rules): (&ScorerId, Option<&Path>),
    config: Option<&Config>,
    learned: Option<&LearnedModel>,
) -> Result<Option<String>, Error> {
    let bands = config.map_or_else(Bands::default, |c| c.bands);
    match (scorer, config) {
        (ScorerId::Heuristic, _) if rules.is_some() || config.is_none() => {
            let text =
                match rules {
                    Some(path) => Some(crate::input::read_text_file(path).map_err(|source| {
                        RulesError::Io {
                            path: path.to_path_buf(),
                            source,
                        }
                    })?),
                    None => None,
                };
            let weights = config.map(|c| c.baselines.heuristic_weights.clone());
            let weights = weights.unwrap_or_default();
            Ok(Some(heuristic_fingerprint(
                text.as_deref(),
                &weights,
                bands,
            )))
        }
        (ScorerId::Learned, None) => Ok(learned.map(learned_fingerprint)),
        (id, Some(config)) => Ok(scorer_fingerprint(config, id, learned)),
        (_, None) => Ok(None),
    }
}

/// The run's maps of the scorer, refused when it changed since the run (`now`: its
/// fingerprint) or when the map asked for was not fitted.
pub(super) fn checked_map(
    calibration: &RunCalibration,
    (id, ask): (&ScorerId, &CalibrationAsk),
    now: Option<&str>,
) -> Result<ScorerMap, Error> {
    let id = id.to_string();
    let map = calibration.for_scorer(&id, now)?;
    if map.p_convert(50.0, ask.map).is_none() {
        let which = match ask.map {
            MapChoice::Best => "neither map could be cross-fitted",
            MapChoice::Isotonic => "its isotonic map could not be fitted",
            MapChoice::Platt => "its Platt map could not be fitted",
        };
        return Err(Error::Usage(format!(
            "{}: scorer `{id}`: {which} on the run's {} leads with an outcome ({} converted); \
             calibrate on a run with more leads and both outcomes{}",
            calibration.path().display(),
            map.n,
            map.converted,
            if ask.map == MapChoice::Best {
                ""
            } else {
                ", or try the other --map"
            }
        )));
    }
    Ok(map.clone())
}

/// What the calibration did, in one line.
pub(super) fn calibration_line(
    c: &RunCalibration,
    m: &ScorerMap,
    ask: &CalibrationAsk,
    calibrated: &[Calibrated],
) -> String {
    let kind = match (ask.map, m.best) {
        (MapChoice::Isotonic, _) | (MapChoice::Best, Some(MapKind::Isotonic)) => "isotonic",
        _ => "Platt",
    };
    let sales = calibrated
        .iter()
        .filter(|c| c.route == Some(Route::Sales))
        .count();
    let rule = match ask.capacity {
        Some(_) => "the top of this file by score, at --capacity".to_string(),
        None => format!(
            "score ≥ {} (the run's cut-off: {} of its {} leads worked)",
            m.capacity.cut_off, m.capacity.k, m.n
        ),
    };
    format!(
        "{}: p_convert by run {}'s {kind} map ({} leads, {} converted); sales = {rule}: {sales} of {} leads",
        m.id,
        c.run_id,
        m.n,
        m.converted,
        calibrated.len()
    )
}

/// Each answer's probability of converting by `map`, and its route: sales at or above the
/// run's cut-off, or, with `capacity`, for the top leads of these answers by score (ties
/// by position, as the run's capacity ranks them). Answers without a score get neither.
pub fn calibrate(
    answers: &[Prediction],
    map: &ScorerMap,
    choice: MapChoice,
    capacity: Option<CapacitySetting>,
) -> Vec<Calibrated> {
    let score = |p: &Prediction| p.lead_score.map(f64::from);
    let sales: Vec<bool> = match capacity {
        None => answers
            .iter()
            .map(|p| score(p).is_some_and(|s| map.routes_to_sales(s)))
            .collect(),
        Some(capacity) => {
            let mut order: Vec<usize> = (0..answers.len())
                .filter(|&i| answers[i].lead_score.is_some())
                .collect();
            // Stable: equal scores keep their order.
            order.sort_by_key(|&i| std::cmp::Reverse(answers[i].lead_score));
            let k = capacity.leads_of(order.len() as u64) as usize;
            let mut sales = vec![false; answers.len()];
            for &i in &order[..k.min(order.len())] {
                sales[i] = true;
            }
            sales
        }
    };
    answers
        .iter()
        .zip(sales)
        .map(|(p, to_sales)| Calibrated {
            p_convert: score(p).and_then(|s| map.p_convert(s, choice)),
            route: score(p).map(|_| {
                if to_sales {
                    Route::Sales
                } else {
                    Route::Nurture
                }
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{CapacityCut, CrossFittedBrier};
    use crate::metrics::Platt;
    use crate::prediction::Status;

    fn map() -> ScorerMap {
        ScorerMap {
            id: "heuristic".into(),
            fingerprint: Some("f".into()),
            n: 100,
            converted: 20,
            isotonic: None,
            platt: Some(Platt { a: 4.0, b: -3.0 }),
            cross_fitted_brier: CrossFittedBrier {
                folds: 5,
                raw: Some(0.2),
                isotonic: None,
                platt: Some(0.15),
            },
            best: Some(MapKind::Platt),
            capacity: CapacityCut {
                setting: CapacitySetting::Share(0.2),
                k: 20,
                cut_off: 60.0,
            },
        }
    }

    fn answers(scores: &[Option<u8>]) -> Vec<Prediction> {
        scores
            .iter()
            .map(|s| {
                let mut p = Prediction::empty("r", "l", "heuristic", 0, Status::Ok);
                p.lead_score = *s;
                p
            })
            .collect()
    }

    #[test]
    fn routes_follow_the_cut_off_or_the_files_top_leads_and_unscored_get_neither() {
        let a = answers(&[Some(50), None, Some(90), Some(50), Some(60)]);
        let routes = |c: &[Calibrated]| c.iter().map(|c| c.route).collect::<Vec<_>>();
        let (s, n) = (Some(Route::Sales), Some(Route::Nurture));
        let by_cut = calibrate(&a, &map(), MapChoice::Best, None);
        assert_eq!(routes(&by_cut), [n, None, s, n, s], "score ≥ 60 → sales");
        // The top 3 of the 4 scored: 90, 60, then the first 50 (ties keep their order).
        let top = calibrate(&a, &map(), MapChoice::Best, Some(CapacitySetting::Leads(3)));
        assert_eq!(routes(&top), [s, None, s, n, s]);
        let p = by_cut[2].p_convert.expect("a probability");
        assert!((p - 1.0 / (1.0 + (-(4.0 * 0.9 - 3.0f64)).exp())).abs() < 1e-15);
        assert_eq!(by_cut[1].p_convert, None);
        // The isotonic map was not fitted: no probability through it.
        let iso = calibrate(&a, &map(), MapChoice::Isotonic, None);
        assert!(iso.iter().all(|c| c.p_convert.is_none()));
    }
}
