//! Does the score find the leads that convert, at our sales capacity? Every scorer (and the
//! oracle that ranks by the generator's latent probability, when the dataset has it) against
//! the `converted` outcome of the evaluated leads: ranking and calibration metrics, conversion
//! by predicted label and by rank decile with Wilson intervals, what working the top of the
//! ranking captures, and the score recalibrated into a conversion probability.
//!
//! Choices a reader of the numbers needs:
//! - evaluated leads: those with a known outcome, in the test split when the dataset has one;
//! - a lead a scorer could not score ranks last (worked last), and counts in no calibration;
//! - deciles rank by score, highest first, ties by lead id (as the gains table does);
//! - recalibration is cross-fitted: the scored leads are dealt into five folds like cards
//!   in lead-id order (the i-th to fold i mod 5; no shuffle, no seed), each fold's scores are
//!   mapped by an isotonic and a Platt fit on the other four, so that no lead's calibrated probability was fitted on its own outcome (fitting on
//!   the train split would need every LLM to score it too, and the learned model's scores on
//!   its own training leads are optimistic);
//! - the gap to the oracle is oracle AUC − scorer AUC; its interval is the scorer's AUC
//!   interval seen from the oracle's value, the expected ceiling (a scorer can land above it on one sample by chance).

use serde::Serialize;

use super::join::{Joined, JoinedScorer};
use crate::lead::Label;
use crate::metrics::{
    CapacitySetting, Estimate, Isotonic, MetricsError, MetricsOptions, OutcomeInput,
    OutcomeMetrics, PairedShares, Platt, holm, outcome_metrics, paired_shares, wilson,
};

/// Folds of the cross-fitted recalibration.
pub const FOLDS: usize = 5;

/// The outcome section of `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeReport {
    /// Evaluated leads (with a known outcome).
    pub n: u64,
    pub converters: u64,
    /// Overall conversion rate, with its Wilson interval.
    pub conversion_rate: Rate,
    pub capacity: CapacitySetting,
    /// Leads worked at that capacity.
    pub capacity_leads: u64,
    pub has_deal_values: bool,
    /// The ranking by the generator's latent `p_convert`: what a scorer can expect at best (the expected ceiling, not a bound on one sample).
    pub oracle: Option<RankerOutcomes>,
    pub scorers: Vec<RankerOutcomes>,
    /// The scorer whose worked leads hold the most converters (highest recall at capacity;
    /// ties: higher conversion AUC, then report order).
    pub best_at_capacity: Option<String>,
    /// Every other scorer against it, on the converters (ranking ties broken by lead id).
    pub vs_best_at_capacity: Vec<CaptureTest>,
}

/// Scorer `a`'s converters captured at capacity against scorer `b`'s, converter by
/// converter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureTest {
    pub a: String,
    pub b: String,
    #[serde(flatten)]
    pub test: PairedShares,
}

/// A conversion rate over a group of leads, with its Wilson interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    /// What the group is (`low`, `top 10%`, `70–79`, …).
    pub group: String,
    pub n: u64,
    pub converted: u64,
    pub rate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

impl Rate {
    fn new(group: impl Into<String>, converted: u64, n: u64, confidence: f64) -> Rate {
        let ci = wilson(converted, n, confidence);
        Rate {
            group: group.into(),
            n,
            converted,
            rate: (n > 0).then(|| converted as f64 / n as f64),
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
        }
    }
}

/// One ranker (a scorer, or the oracle) against outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankerOutcomes {
    pub id: String,
    #[serde(flatten)]
    pub metrics: OutcomeMetrics,
    /// Conversion by predicted label (empty for the oracle).
    pub by_label: Vec<Rate>,
    /// Conversion by rank decile, top first.
    pub by_decile: Vec<Rate>,
    /// Whether conversion does not fall from low to medium to high (`null` with fewer than
    /// two labels predicted).
    pub monotone: Option<bool>,
    /// Oracle AUC − this AUC.
    pub auc_gap_to_oracle: Estimate,
    pub recalibration: Option<Recalibration>,
}

/// The score read as a probability before and after recalibration, on the same leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recalibration {
    pub folds: usize,
    /// Scored leads the maps were fitted and judged on.
    pub n: u64,
    pub raw: Calibration,
    pub isotonic: Calibration,
    pub platt: Calibration,
    /// By score band of ten points: conversion with its Wilson interval, and the mean
    /// cross-fitted isotonic probability of the band's leads.
    pub bands: Vec<BandRate>,
}

/// Brier score and ECE of one reading of the score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Calibration {
    pub brier: Estimate,
    pub ece: Estimate,
}

/// One score band of [`Recalibration::bands`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandRate {
    #[serde(flatten)]
    pub rate: Rate,
    pub isotonic_p: Option<f64>,
}

/// The outcome section, or `None` when no evaluated lead has an outcome.
pub(crate) fn outcomes(
    joined: &Joined<'_>,
    capacity: CapacitySetting,
    opts: &MetricsOptions,
) -> Result<Option<OutcomeReport>, MetricsError> {
    let n = joined.leads.len() as u64;
    if n == 0 {
        return Ok(None);
    }
    let (converted, deals, p_true) = outcome_columns(joined);
    let k = capacity.leads_of(n);
    let converters = converted.iter().filter(|&&c| c).count() as u64;
    let base = Shared {
        converted: &converted,
        deals: &deals,
        p_true: p_true.as_deref(),
        k,
    };
    let oracle = match &p_true {
        Some(p) => {
            let value: Vec<Option<f64>> = p.iter().map(|&v| Some(v)).collect();
            let metrics = outcome_metrics(&base.input(&value, |p| p), opts)?;
            let by_decile = deciles(&value, &converted, opts.confidence);
            Some(RankerOutcomes {
                id: "oracle".into(),
                metrics,
                by_label: Vec::new(),
                by_decile,
                monotone: None,
                auc_gap_to_oracle: Estimate::point(Some(0.0)),
                recalibration: None,
            })
        }
        None => None,
    };
    let oracle_auc = oracle.as_ref().and_then(|o| o.metrics.roc_auc.value);
    let mut scorers = Vec::with_capacity(joined.scorers.len());
    let mut captures = Vec::with_capacity(joined.scorers.len());
    for (i, all) in joined.scorers.iter().enumerate() {
        // A scorer asked about a sample is judged on those leads, working the same share.
        let own = joined.for_scorer(i);
        let (s, own_columns, own_k) = match &own {
            Some(view) => {
                let k = scorer_k(k, n, view.leads.len() as u64);
                (&view.scorers[i], Some(outcome_columns(view)), k)
            }
            None => (all, None, k),
        };
        let own_base = match &own_columns {
            Some((c, d, p)) => Shared {
                converted: c,
                deals: d,
                p_true: p.as_deref(),
                k: own_k,
            },
            None => base,
        };
        let value = |s: &JoinedScorer<'_>| -> Vec<Option<f64>> {
            s.parsed()
                .iter()
                .map(|p| p.map(|x| f64::from(x.1)))
                .collect()
        };
        captures.push(captured_at(
            &value(all),
            &converted,
            all.asked.as_deref(),
            own_k,
        ));
        let value = value(s);
        let metrics = outcome_metrics(&own_base.input(&value, |s| s / 100.0), opts)?;
        let by_label = by_label(s, own_base.converted, opts.confidence);
        let monotone = monotone(&by_label);
        let gap = match (oracle_auc, metrics.roc_auc) {
            (Some(o), auc) => Estimate {
                value: auc.value.map(|a| o - a),
                ci_low: auc.ci_high.map(|h| o - h),
                ci_high: auc.ci_low.map(|l| o - l),
            },
            _ => Estimate::default(),
        };
        scorers.push(RankerOutcomes {
            id: s.id.to_string(),
            by_decile: deciles(&value, own_base.converted, opts.confidence),
            recalibration: recalibrate(&value, own_base.converted, opts)?,
            metrics,
            by_label,
            monotone,
            auc_gap_to_oracle: gap,
        });
    }
    let (best_at_capacity, vs_best_at_capacity) = capacity_tests(&scorers, &captures, opts)?;
    Ok(Some(OutcomeReport {
        best_at_capacity,
        vs_best_at_capacity,
        n,
        converters,
        conversion_rate: Rate::new("all", converters, n, opts.confidence),
        capacity,
        capacity_leads: k,
        has_deal_values: deals.iter().any(Option::is_some),
        oracle,
        scorers,
    }))
}

/// What every ranker's input shares.
#[derive(Clone, Copy)]
struct Shared<'a> {
    converted: &'a [bool],
    deals: &'a [Option<f64>],
    p_true: Option<&'a [f64]>,
    k: u64,
}

impl<'a> Shared<'a> {
    fn input(&self, value: &'a [Option<f64>], probability: fn(f64) -> f64) -> OutcomeInput<'a> {
        OutcomeInput {
            value,
            probability,
            converted: self.converted,
            deal_value: self.deals,
            p_true: self.p_true,
            capacity: self.k,
        }
    }
}

fn by_label(s: &JoinedScorer<'_>, converted: &[bool], confidence: f64) -> Vec<Rate> {
    let mut counts = [[0u64; 2]; 3];
    for (p, &c) in s.parsed().iter().zip(converted) {
        if let Some((label, _)) = p {
            counts[label.index()][0] += 1;
            counts[label.index()][1] += u64::from(c);
        }
    }
    Label::ALL
        .iter()
        .map(|l| {
            let [n, k] = counts[l.index()];
            Rate::new(l.as_str(), k, n, confidence)
        })
        .collect()
}

/// Whether the defined rates of low, medium, high never fall (two at least).
fn monotone(by_label: &[Rate]) -> Option<bool> {
    let rates: Vec<f64> = by_label.iter().filter_map(|r| r.rate).collect();
    (rates.len() >= 2).then(|| rates.windows(2).all(|w| w[0] <= w[1]))
}

/// The leads in ranking order: value descending, ties by position (lead id), unscored last.
fn ranking_order(value: &[Option<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..value.len()).collect();
    order.sort_by(|&a, &b| match (value[a], value[b]) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.cmp(&b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(&b),
    });
    order
}

/// Whether each lead is among the `k` worked first, of those the scorer was asked about
/// (value descending, ties by position, unscored last): inside the capacity cut.
pub(crate) fn worked(value: &[Option<f64>], asked: Option<&[bool]>, k: u64) -> Vec<bool> {
    let was_asked = |i: usize| asked.is_none_or(|a| a[i]);
    let mut worked = vec![false; value.len()];
    let order = ranking_order(value);
    for &i in order.iter().filter(|&&i| was_asked(i)).take(k as usize) {
        worked[i] = true;
    }
    worked
}

/// For each converter (in lead order), whether it is among the `k` leads worked first, of
/// those the scorer was asked about (`None` for a converter it was not asked about).
pub(crate) fn captured_at(
    value: &[Option<f64>],
    converted: &[bool],
    asked: Option<&[bool]>,
    k: u64,
) -> Vec<Option<bool>> {
    let was_asked = |i: usize| asked.is_none_or(|a| a[i]);
    let worked = worked(value, asked, k);
    (0..value.len())
        .filter(|&i| converted[i])
        .map(|i| was_asked(i).then_some(worked[i]))
        .collect()
}

/// The capacity of a scorer asked about `asked` of the `n` leads on which `k` are worked:
/// the same share of its leads, rounded as a capacity share is.
pub(crate) fn scorer_k(k: u64, n: u64, asked: u64) -> u64 {
    if asked == n || n == 0 {
        return k;
    }
    CapacitySetting::Share(k as f64 / n as f64).leads_of(asked)
}

/// Each lead's outcome, deal value and latent probability (when every lead has one).
type OutcomeColumns = (Vec<bool>, Vec<Option<f64>>, Option<Vec<f64>>);

fn outcome_columns(joined: &Joined<'_>) -> OutcomeColumns {
    let leads = &joined.leads;
    (
        leads
            .iter()
            .map(|l| l.outcome.converted == Some(true))
            .collect(),
        leads.iter().map(|l| l.outcome.deal_value).collect(),
        leads.iter().map(|l| l.meta.p_convert).collect(),
    )
}

/// The scorer with the highest recall at capacity (ties: the higher conversion AUC, then
/// report order), and every other scorer's converters captured against it, paired on the
/// converters, Holm-corrected across these tests.
fn capacity_tests(
    scorers: &[RankerOutcomes],
    captured: &[Vec<Option<bool>>],
    opts: &MetricsOptions,
) -> Result<(Option<String>, Vec<CaptureTest>), MetricsError> {
    let key = |s: &RankerOutcomes| {
        (
            s.metrics.capacity.recall.value.unwrap_or(f64::NEG_INFINITY),
            s.metrics.roc_auc.value.unwrap_or(f64::NEG_INFINITY),
        )
    };
    let mut best: Option<usize> = None;
    for (i, s) in scorers.iter().enumerate() {
        if s.metrics.capacity.recall.value.is_none() {
            continue;
        }
        if best.is_none_or(|b| key(s) > key(&scorers[b])) {
            best = Some(i);
        }
    }
    let Some(b) = best else {
        return Ok((None, Vec::new()));
    };
    let mut tests = Vec::new();
    for (i, s) in scorers.iter().enumerate().filter(|(i, _)| *i != b) {
        // On the converters both were asked about.
        let (x, y): (Vec<bool>, Vec<bool>) = captured[i]
            .iter()
            .zip(&captured[b])
            .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
            .unzip();
        tests.push(CaptureTest {
            a: s.id.clone(),
            b: scorers[b].id.clone(),
            test: paired_shares(&x, &y, opts)?,
        });
    }
    let raw: Vec<f64> = tests.iter().map(|t| t.test.mcnemar_p).collect();
    for (t, p) in tests.iter_mut().zip(holm(&raw)) {
        t.test.mcnemar_p_holm = Some(p);
    }
    Ok((Some(scorers[b].id.clone()), tests))
}

/// Conversion in each tenth of the ranking (value descending, ties by position, unscored
/// last), top first: decile d holds positions ⌊dn/10⌋ .. ⌊(d+1)n/10⌋.
fn deciles(value: &[Option<f64>], converted: &[bool], confidence: f64) -> Vec<Rate> {
    let n = value.len();
    let order = ranking_order(value);
    (0..10)
        .map(|d| {
            let (from, to) = (d * n / 10, (d + 1) * n / 10);
            let k = order[from..to].iter().filter(|&&i| converted[i]).count() as u64;
            Rate::new(
                format!("{}–{}%", d * 10, d * 10 + 10),
                k,
                (to - from) as u64,
                confidence,
            )
        })
        .collect()
}

/// The leads a score map is fitted on, of those a ranker is judged on: the scored ones, in
/// order, with x = score ÷ 100 and y = 1 for a converter, else 0.
pub(crate) fn scored_xy(value: &[Option<f64>], converted: &[bool]) -> (Vec<f64>, Vec<f64>) {
    value
        .iter()
        .zip(converted)
        .filter_map(|(v, &c)| Some((v.as_ref()? / 100.0, f64::from(u8::from(c)))))
        .unzip()
}

/// Scorer `i`'s scores and outcomes on the leads it is judged on against outcomes (its
/// sample, for a scorer asked about one), as [`outcomes`] reads them.
pub(crate) fn scorer_outcomes(joined: &Joined<'_>, i: usize) -> (Vec<Option<f64>>, Vec<bool>) {
    let own = joined.for_scorer(i);
    let view = own.as_ref().unwrap_or(joined);
    let value = view.scorers[i]
        .parsed()
        .iter()
        .map(|p| p.map(|x| f64::from(x.1)))
        .collect();
    let converted = view.leads.iter().map(|l| l.outcome.converted == Some(true));
    (value, converted.collect())
}

/// Cross-fitted isotonic and Platt maps of the score (÷ 100) to conversion, judged against
/// the raw reading on the same scored leads; `None` when some fold cannot be fitted (too
/// few leads, or one outcome only).
fn recalibrate(
    value: &[Option<f64>],
    converted: &[bool],
    opts: &MetricsOptions,
) -> Result<Option<Recalibration>, MetricsError> {
    let (x, y) = scored_xy(value, converted);
    if x.len() < 2 * FOLDS {
        return Ok(None);
    }
    let (mut iso, mut platt) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    for fold in 0..FOLDS {
        let (train_x, train_y): (Vec<f64>, Vec<f64>) = (0..x.len())
            .filter(|i| i % FOLDS != fold)
            .map(|i| (x[i], y[i]))
            .unzip();
        let (Some(i_map), Some(p_map)) = (
            Isotonic::fit(&train_x, &train_y),
            Platt::fit(&train_x, &train_y),
        ) else {
            return Ok(None);
        };
        for i in (fold..x.len()).step_by(FOLDS) {
            iso[i] = i_map.predict(x[i]);
            platt[i] = p_map.predict(x[i]);
        }
    }
    let outcome: Vec<bool> = y.iter().map(|&v| v > 0.5).collect();
    let none = vec![None; x.len()];
    let judge = |p: &[f64]| -> Result<Calibration, MetricsError> {
        let value: Vec<Option<f64>> = p.iter().map(|&v| Some(v)).collect();
        let input = OutcomeInput {
            value: &value,
            probability: |p| p,
            converted: &outcome,
            deal_value: &none,
            p_true: None,
            capacity: 0,
        };
        let m = outcome_metrics(&input, opts)?;
        Ok(Calibration {
            brier: m.brier,
            ece: m.ece,
        })
    };
    let mut bands = Vec::with_capacity(10);
    for b in 0..10u32 {
        let (lo, hi) = (b * 10, if b == 9 { 100 } else { b * 10 + 9 });
        let members: Vec<usize> = (0..x.len())
            .filter(|&i| (f64::from(lo)..=f64::from(hi)).contains(&(x[i] * 100.0).round()))
            .collect();
        let k = members.iter().filter(|&&i| outcome[i]).count() as u64;
        let mean = (!members.is_empty())
            .then(|| members.iter().map(|&i| iso[i]).sum::<f64>() / members.len() as f64);
        bands.push(BandRate {
            rate: Rate::new(
                format!("{lo}–{hi}"),
                k,
                members.len() as u64,
                opts.confidence,
            ),
            isotonic_p: mean,
        });
    }
    Ok(Some(Recalibration {
        folds: FOLDS,
        n: x.len() as u64,
        raw: judge(&x)?,
        isotonic: judge(&iso)?,
        platt: judge(&platt)?,
        bands,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point_only() -> MetricsOptions {
        MetricsOptions {
            resamples: 0,
            ..MetricsOptions::default()
        }
    }

    /// Decile d holds positions ⌊dn/10⌋ .. ⌊(d+1)n/10⌋ (smaller deciles first), value
    /// descending, ties by position (lead id), unscored leads last.
    #[test]
    fn conversion_deciles_fall_on_floors_ties_by_position_unscored_last() {
        let value: Vec<Option<f64>> = (0..15).map(|i| Some(f64::from(i))).collect();
        let sizes: Vec<u64> = deciles(&value, &[false; 15], 0.95)
            .iter()
            .map(|r| r.n)
            .collect();
        assert_eq!(sizes, [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
        // 10 leads, one per decile: two tied at 50 (the first by position converted), an
        // unscored converter, which ranks last.
        let value = [
            None,
            Some(90.0),
            Some(90.0),
            Some(50.0),
            Some(50.0),
            Some(15.0),
            Some(16.0),
            Some(17.0),
            Some(18.0),
            Some(19.0),
        ];
        let mut converted = [false; 10];
        converted[3] = true;
        converted[0] = true;
        let d = deciles(&value, &converted, 0.95);
        let hits: Vec<u64> = d.iter().map(|r| r.converted).collect();
        // Ranking: 90, 90 (leads 1, 2), 50 (3), 50 (4), 19 … 15, unscored (0).
        assert_eq!(hits, [0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(d[0].group, "0–10%");
    }

    /// Leads are dealt into folds like cards: lead i to fold i mod 5. With the only
    /// converters at positions 2 and 7, fold 2's training folds have none, so there is no
    /// recalibration (dealt in blocks of two, 2 and 7 would sit in different folds).
    #[test]
    fn recalibration_folds_are_dealt_round_robin() {
        let value: Vec<Option<f64>> = (0..10).map(|i| Some(f64::from(i * 10 + 5))).collect();
        let mut converted = [false; 10];
        converted[2] = true;
        converted[7] = true;
        assert_eq!(
            recalibrate(&value, &converted, &point_only()).expect("ok"),
            None
        );
        // Converters in every fold, among non-converters of every score: fitted.
        let value: Vec<Option<f64>> = (0..20).map(|i| Some(f64::from(i * 5))).collect();
        let mut converted = [false; 20];
        for i in [1, 3, 6, 8, 10, 12, 14, 17, 19] {
            converted[i] = true;
        }
        let r = recalibrate(&value, &converted, &point_only())
            .expect("ok")
            .expect("fitted");
        assert_eq!((r.folds, r.n), (FOLDS, 20));
        // Every band listed, empty ones included, the last holding 90–100.
        let groups: Vec<&str> = r.bands.iter().map(|b| b.rate.group.as_str()).collect();
        assert_eq!(
            groups,
            [
                "0–9", "10–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79", "80–89",
                "90–100"
            ]
        );
        assert!(r.bands.iter().all(|b| b.rate.n == 2));
        // Fewer than ten scored leads: none.
        let few: Vec<Option<f64>> = (0..12)
            .map(|i| (i % 4 != 0).then_some(f64::from(i)))
            .collect();
        assert_eq!(
            recalibrate(&few, &[true, false].repeat(6), &point_only()).expect("ok"),
            None
        );
    }
}
