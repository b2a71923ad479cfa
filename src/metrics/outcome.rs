//! Metrics against outcomes (did the lead convert?) for any ranking value: a scorer's 0–100
//! score, or the oracle's latent probability. ROC-AUC and average precision of the ranking,
//! Brier score and ECE of the value read as a probability, and what a sales team working the
//! top of the ranking captures (precision, recall of converters, expected converters,
//! revenue), each with a bootstrap interval; Wilson intervals for conversion rates.
//!
//! Leads without a value (an unparsed prediction) rank below every value: a lead the scorer
//! could not score is worked last. A capacity cut that falls inside a group of tied values
//! takes that group in proportion (its expected share under a random tie-break), so that no
//! lead id decides who is worked.
//!
//! Resampling goes through the distinct (value, converted) cells (see [`CellSampler`]); the
//! revenue and expected converters of a resampled cell are its count times the cell's mean.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

use super::bootstrap::{CellSampler, Estimate, replicate};
use super::summary::{MetricsError, MetricsOptions};

/// Points of the capture curve, from 0 to 100 % of leads worked.
pub const CURVE_POINTS: usize = 21;

/// How many leads sales can work: a share of the evaluated leads or a number of them. Read
/// back (from a run's `run.json`) only within its bounds: a share in (0, 1], at least one lead.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", try_from = "RawCapacity")]
pub enum CapacitySetting {
    Share(f64),
    Leads(u64),
}

/// [`CapacitySetting`] as written, before its bounds are checked.
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawCapacity {
    Share(f64),
    Leads(u64),
}

impl TryFrom<RawCapacity> for CapacitySetting {
    type Error = String;

    fn try_from(raw: RawCapacity) -> Result<Self, String> {
        match raw {
            RawCapacity::Share(s) if s > 0.0 && s <= 1.0 => Ok(CapacitySetting::Share(s)),
            RawCapacity::Share(s) => {
                Err(format!("expected a share above 0 and at most 1, found {s}"))
            }
            RawCapacity::Leads(0) => Err("expected at least 1 lead, found 0".into()),
            RawCapacity::Leads(n) => Ok(CapacitySetting::Leads(n)),
        }
    }
}

impl Default for CapacitySetting {
    fn default() -> Self {
        CapacitySetting::Share(0.2)
    }
}

impl CapacitySetting {
    /// Leads worked out of `n`: the share rounded (at least one), or the number (at most n).
    pub fn leads_of(self, n: u64) -> u64 {
        match self {
            CapacitySetting::Share(s) => ((s * n as f64).round() as u64).clamp(n.min(1), n),
            CapacitySetting::Leads(k) => k.min(n),
        }
    }
}

/// One ranker over the evaluated leads, index-aligned.
pub struct OutcomeInput<'a> {
    /// The ranking value of each lead; `None` when there is none.
    pub value: &'a [Option<f64>],
    /// Reads a value as a probability of converting (a score: `score / 100`).
    pub probability: fn(f64) -> f64,
    pub converted: &'a [bool],
    /// Deal values (of converted leads), when the file has them.
    pub deal_value: &'a [Option<f64>],
    /// The generator's latent probabilities, when the file has them.
    pub p_true: Option<&'a [f64]>,
    /// Leads sales can work: the top `capacity` of the ranking.
    pub capacity: u64,
}

/// What working the top `k` leads of the ranking captures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capacity {
    /// Leads worked.
    pub k: u64,
    /// The lowest value worked (leads with it may be worked in part); `null` when none.
    pub cutoff: Option<f64>,
    /// Conversion rate of the worked leads.
    pub precision: Estimate,
    /// Share of all converters among the worked leads.
    pub recall: Estimate,
    /// Precision ÷ overall conversion rate.
    pub lift: Estimate,
    /// Converters expected among the worked leads (Σ p_convert), when known.
    pub expected_converters: Estimate,
    /// Share of all deal value among the worked leads, when deal values exist.
    pub revenue_share: Estimate,
}

/// One point of the capture curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CapturePoint {
    /// Share of leads worked (from the top of the ranking): `worked × n` leads, a real
    /// number, so the group of tied values at the cut is taken in part.
    pub worked: f64,
    /// Share of all converters among them; `null` when no lead converted (0/0, as the
    /// capacity's recall).
    pub converters: Option<f64>,
    /// Share of deal value among them, when deal values exist.
    pub revenue: Option<f64>,
}

/// A ranker's metrics against outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeMetrics {
    pub n: u64,
    /// Leads with a value.
    pub n_scored: u64,
    pub converters: u64,
    pub roc_auc: Estimate,
    pub average_precision: Estimate,
    /// Brier score of the value read as a probability (scored leads).
    pub brier: Estimate,
    /// Expected calibration error of the value read as a probability (scored leads).
    pub ece: Estimate,
    pub capacity: Capacity,
    pub curve: Vec<CapturePoint>,
}

/// Leads by distinct value (ascending; `None` first) and outcome, with per-cell sums.
#[derive(Debug, Clone)]
struct Ranked {
    /// The distinct values; cell `i` holds `values[i]`, the first cell those without one.
    values: Vec<Option<f64>>,
    probability: fn(f64) -> f64,
    /// Per cell, the leads that did not and that did convert.
    counts: Vec<[f64; 2]>,
    /// Per cell and outcome, the mean deal value and mean latent probability.
    deal_mean: Vec<[f64; 2]>,
    p_mean: Vec<[f64; 2]>,
    has_deals: bool,
    has_p: bool,
}

impl Ranked {
    fn new(input: &OutcomeInput<'_>) -> (Ranked, Vec<u32>) {
        let mut values: Vec<Option<f64>> = input.value.to_vec();
        values.push(None);
        values.sort_by(|a, b| match (a, b) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, _) => std::cmp::Ordering::Less,
            (_, None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.total_cmp(y),
        });
        values.dedup();
        let index_of = |v: Option<f64>| {
            values
                .binary_search_by(|probe| match (probe, &v) {
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, _) => std::cmp::Ordering::Less,
                    (_, None) => std::cmp::Ordering::Greater,
                    (Some(x), Some(y)) => x.total_cmp(y),
                })
                .expect("every value is among the distinct values")
        };
        let cells = values.len();
        let mut counts = vec![[0.0; 2]; cells];
        let mut deal_sum = vec![[0.0; 2]; cells];
        let mut p_sum = vec![[0.0; 2]; cells];
        let mut cell_of = Vec::with_capacity(input.value.len());
        for (i, v) in input.value.iter().enumerate() {
            let (c, y) = (index_of(*v), usize::from(input.converted[i]));
            counts[c][y] += 1.0;
            deal_sum[c][y] += input.deal_value[i].unwrap_or(0.0);
            if let Some(p) = input.p_true {
                p_sum[c][y] += p[i];
            }
            cell_of.push((c * 2 + y) as u32);
        }
        let mean = |sums: Vec<[f64; 2]>| -> Vec<[f64; 2]> {
            sums.iter()
                .zip(&counts)
                .map(|(s, n)| std::array::from_fn(|y| if n[y] > 0.0 { s[y] / n[y] } else { 0.0 }))
                .collect()
        };
        let ranked = Ranked {
            deal_mean: mean(deal_sum),
            p_mean: mean(p_sum),
            values,
            probability: input.probability,
            has_deals: input.deal_value.iter().any(Option::is_some),
            has_p: input.p_true.is_some(),
            counts,
        };
        (ranked, cell_of)
    }

    /// The same cells with resampled counts (`drawn`, by cell index `c * 2 + y`).
    fn with_counts(&self, drawn: &[u64]) -> Ranked {
        let mut r = self.clone();
        for (c, row) in r.counts.iter_mut().enumerate() {
            *row = [drawn[2 * c] as f64, drawn[2 * c + 1] as f64];
        }
        r
    }

    fn totals(&self) -> [f64; 2] {
        self.counts
            .iter()
            .fold([0.0; 2], |t, c| [t[0] + c[0], t[1] + c[1]])
    }

    /// P(value of a converter > value of a non-converter), ties ½.
    fn roc_auc(&self) -> Option<f64> {
        let [neg, pos] = self.totals();
        if pos == 0.0 || neg == 0.0 {
            return None;
        }
        let (mut wins, mut neg_below) = (0.0, 0.0);
        for [n, p] in &self.counts {
            wins += p * (neg_below + n / 2.0);
            neg_below += n;
        }
        Some(wins / (pos * neg))
    }

    /// Σ (R_k − R_{k−1}) P_k over the distinct values, highest first.
    fn average_precision(&self) -> Option<f64> {
        let pos = self.totals()[1];
        if pos == 0.0 {
            return None;
        }
        let (mut tp, mut seen, mut ap) = (0.0, 0.0, 0.0);
        for [n, p] in self.counts.iter().rev() {
            tp += p;
            seen += n + p;
            if *p > 0.0 {
                ap += (p / pos) * (tp / seen);
            }
        }
        Some(ap)
    }

    /// Cells with a value, as (probability, [non-converters, converters]).
    fn probabilities(&self) -> impl Iterator<Item = (f64, [f64; 2])> + '_ {
        let read = self.probability;
        self.values
            .iter()
            .zip(&self.counts)
            .filter_map(move |(v, c)| v.map(|v| (read(v).clamp(0.0, 1.0), *c)))
    }

    fn brier(&self) -> Option<f64> {
        let (mut sum, mut n) = (0.0, 0.0);
        for (p, [no, yes]) in self.probabilities() {
            sum += no * p * p + yes * (1.0 - p) * (1.0 - p);
            n += no + yes;
        }
        (n > 0.0).then(|| sum / n)
    }

    /// Σ_b (n_b / n)·|rate_b − mean p_b| over `bins` equal-width bins (an edge value goes
    /// to the lower bin, as numpy's `searchsorted` on the inner edges).
    fn ece(&self, bins: usize) -> Option<f64> {
        let mut acc = vec![[0.0f64; 3]; bins]; // count, converters, Σ p
        for (p, [no, yes]) in self.probabilities() {
            let b = ((p * bins as f64).ceil() as usize)
                .saturating_sub(1)
                .min(bins - 1);
            acc[b][0] += no + yes;
            acc[b][1] += yes;
            acc[b][2] += (no + yes) * p;
        }
        let n: f64 = acc.iter().map(|a| a[0]).sum();
        (n > 0.0).then(|| {
            acc.iter()
                .filter(|a| a[0] > 0.0)
                .map(|a| a[0] / n * (a[1] / a[0] - a[2] / a[0]).abs())
                .sum()
        })
    }

    /// What the top `k` leads hold: (leads, converters, Σ deal value, Σ p, lowest value).
    fn top(&self, k: f64) -> [f64; 4] {
        let mut left = k;
        let mut got = [0.0; 4];
        for (c, [no, yes]) in self.counts.iter().enumerate().rev() {
            let n = no + yes;
            if left <= 0.0 || n == 0.0 {
                continue;
            }
            let share = (left / n).min(1.0);
            got[0] += share * n;
            got[1] += share * yes;
            got[2] += share * (no * self.deal_mean[c][0] + yes * self.deal_mean[c][1]);
            got[3] += share * (no * self.p_mean[c][0] + yes * self.p_mean[c][1]);
            left -= share * n;
        }
        got
    }

    fn lowest_worked(&self, k: f64) -> Option<f64> {
        let mut left = k;
        for (v, [no, yes]) in self.values.iter().zip(&self.counts).rev() {
            if left <= 0.0 {
                break;
            }
            if no + yes > 0.0 {
                left -= no + yes;
                if left <= 0.0 {
                    return *v;
                }
            }
        }
        None
    }

    /// Capacity slots: precision, recall, lift, expected converters, revenue share.
    fn capacity_slots(&self, k: u64) -> [Option<f64>; 5] {
        let [_, pos] = self.totals();
        let n: f64 = self.totals().iter().sum();
        let top = self.top(k as f64);
        let all_deals = self.top(n)[2];
        let precision = (top[0] > 0.0).then(|| top[1] / top[0]);
        let rate = (n > 0.0).then(|| pos / n);
        [
            precision,
            (pos > 0.0).then(|| top[1] / pos),
            precision
                .zip(rate)
                .filter(|(_, r)| *r > 0.0)
                .map(|(p, r)| p / r),
            self.has_p.then_some(top[3]),
            (self.has_deals && all_deals > 0.0).then(|| top[2] / all_deals),
        ]
    }

    fn curve(&self) -> Vec<CapturePoint> {
        let totals = self.totals();
        let n: f64 = totals.iter().sum();
        let all = self.top(n);
        (0..CURVE_POINTS)
            .map(|i| {
                let worked = i as f64 / (CURVE_POINTS - 1) as f64;
                let top = self.top(worked * n);
                CapturePoint {
                    worked,
                    converters: (totals[1] > 0.0).then(|| top[1] / totals[1]),
                    revenue: (self.has_deals && all[2] > 0.0).then(|| top[2] / all[2]),
                }
            })
            .collect()
    }

    fn slots(&self, k: u64, bins: usize) -> [Option<f64>; 9] {
        let c = self.capacity_slots(k);
        [
            self.roc_auc(),
            self.average_precision(),
            self.brier(),
            self.ece(bins),
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
        ]
    }
}

/// Every outcome metric of one ranker, with bootstrap intervals.
pub fn outcome_metrics(
    input: &OutcomeInput<'_>,
    opts: &MetricsOptions,
) -> Result<OutcomeMetrics, MetricsError> {
    opts.validate()?;
    let n = input.value.len();
    MetricsError::check_len("converted", n, input.converted.len())?;
    MetricsError::check_len("deal_value", n, input.deal_value.len())?;
    if let Some(p) = input.p_true {
        MetricsError::check_len("p_convert", n, p.len())?;
    }
    let (ranked, cell_of) = Ranked::new(input);
    let n_cells = ranked.counts.len() * 2;
    let sampler = CellSampler::new(cell_of, n_cells);
    let value = ranked.slots(input.capacity, opts.ece_bins);
    let reps = replicate(opts.resamples, opts.seed, 0x6f75_7463, |rng| {
        let mut drawn = vec![0u64; n_cells];
        sampler.draw(rng, &mut drawn);
        ranked
            .with_counts(&drawn)
            .slots(input.capacity, opts.ece_bins)
    });
    let est = |slot: usize| {
        let r: Vec<Option<f64>> = reps.iter().map(|s| s[slot]).collect();
        Estimate::with_replicates(value[slot], &r, opts.confidence)
    };
    let [_, converters] = ranked.totals();
    Ok(OutcomeMetrics {
        n: n as u64,
        n_scored: input.value.iter().filter(|v| v.is_some()).count() as u64,
        converters: converters as u64,
        roc_auc: est(0),
        average_precision: est(1),
        brier: est(2),
        ece: est(3),
        capacity: Capacity {
            k: input.capacity,
            cutoff: ranked.lowest_worked(input.capacity as f64),
            precision: est(4),
            recall: est(5),
            lift: est(6),
            expected_converters: est(7),
            revenue_share: est(8),
        },
        curve: ranked.curve(),
    })
}

/// The Wilson score interval of `successes` out of `n` at two-sided `confidence`
/// (statsmodels' `proportion_confint(method="wilson")`); `None` when `n` is 0.
///
/// The bounds are held to [0, 1], and are exactly 0 for no successes and exactly 1 for n:
/// there the closed form is 0 (resp. 1) but rounding leaves e.g. −3.5e-18, which a report
/// would print as `-0.0`.
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let successes = successes.min(n);
    let normal = Normal::standard();
    let z = normal.inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let low = if k == 0.0 {
        0.0
    } else {
        (centre - half).clamp(0.0, 1.0)
    };
    let high = if k == n {
        1.0
    } else {
        (centre + half).clamp(0.0, 1.0)
    };
    Some((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capacity_read_back_is_held_to_its_bounds() {
        let read = |text: &str| serde_json::from_str::<CapacitySetting>(text);
        assert_eq!(
            read(r#"{"share": 0.2}"#).expect("share"),
            CapacitySetting::Share(0.2)
        );
        assert_eq!(
            read(r#"{"leads": 50}"#).expect("leads"),
            CapacitySetting::Leads(50)
        );
        for bad in [
            r#"{"share": -1.0}"#,
            r#"{"share": 1.5}"#,
            r#"{"share": 0.0}"#,
            r#"{"leads": 0}"#,
        ] {
            let e = read(bad).expect_err(bad).to_string();
            assert!(e.contains("expected"), "{bad}: {e}");
        }
    }

    fn input<'a>(
        value: &'a [Option<f64>],
        y: &'a [bool],
        deals: &'a [Option<f64>],
    ) -> OutcomeInput<'a> {
        OutcomeInput {
            value,
            probability: |s| s / 100.0,
            converted: y,
            deal_value: deals,
            p_true: None,
            capacity: 2,
        }
    }

    #[test]
    fn unscored_leads_rank_last_and_ties_at_the_cut_split_in_proportion() {
        let value = [Some(90.0), Some(50.0), Some(50.0), None];
        let y = [true, true, false, true];
        let deals = [Some(100.0), Some(300.0), None, Some(600.0)];
        let opts = MetricsOptions {
            resamples: 0,
            ..MetricsOptions::default()
        };
        let m = outcome_metrics(&input(&value, &y, &deals), &opts).expect("metrics");
        // Pairs (converter, non-converter): 90 > 50 wins, 50 = 50 ties, unscored < 50 loses.
        assert_eq!(m.roc_auc.value, Some(0.5));
        // Top 2: the 90, then half of the two 50s (one converter, one not).
        assert_eq!(m.capacity.precision.value, Some(0.75));
        assert_eq!(m.capacity.recall.value, Some(0.5));
        assert_eq!(
            m.capacity.revenue_share.value,
            Some((100.0 + 150.0) / 1000.0)
        );
        assert_eq!(m.capacity.cutoff, Some(50.0));
        assert_eq!(m.n_scored, 3);
        assert_eq!(m.curve.first().map(|p| p.converters), Some(Some(0.0)));
        assert_eq!(m.curve.last().map(|p| p.converters), Some(Some(1.0)));
    }

    /// With no converter the share of converters captured is 0/0: `None` at every point,
    /// as the recall at capacity is, never 0.
    #[test]
    fn the_capture_curve_without_converters_is_undefined_not_zero() {
        let value = [Some(90.0), Some(50.0), None];
        let y = [false; 3];
        let deals = [None; 3];
        let opts = MetricsOptions {
            resamples: 0,
            ..MetricsOptions::default()
        };
        let m = outcome_metrics(&input(&value, &y, &deals), &opts).expect("metrics");
        assert_eq!(m.curve.len(), CURVE_POINTS);
        assert!(m.curve.iter().all(|p| p.converters.is_none()));
        assert!(m.curve.iter().all(|p| p.revenue.is_none()));
        assert_eq!(m.capacity.recall.value, None);
        let json = serde_json::to_value(m.curve[CURVE_POINTS - 1]).expect("json");
        assert!(json["converters"].is_null(), "{json}");
    }

    /// `worked × n` leads are taken, a real number: 5 % of 3 leads is 0.15 of the top lead,
    /// and a tied group at the cut is taken in proportion.
    #[test]
    fn the_capture_curve_takes_fractional_leads() {
        let value = [Some(90.0), Some(50.0), Some(50.0), Some(10.0)];
        let y = [true, true, false, true];
        let deals = [None; 4];
        let opts = MetricsOptions {
            resamples: 0,
            ..MetricsOptions::default()
        };
        let m = outcome_metrics(&input(&value, &y, &deals), &opts).expect("metrics");
        let at = |worked: f64| {
            m.curve
                .iter()
                .find(|p| (p.worked - worked).abs() < 1e-12)
                .and_then(|p| p.converters)
                .expect("a point")
        };
        // 5 % of 4 leads = 0.2 of the 90 (a converter): 0.2 of 3 converters.
        assert!((at(0.05) - 0.2 / 3.0).abs() < 1e-12);
        // 50 % = 2 leads: the 90 and half of the two tied 50s (half a converter).
        assert!((at(0.5) - 1.5 / 3.0).abs() < 1e-12);
        // 75 % = the 90 and both 50s: 2 of 3.
        assert!((at(0.75) - 2.0 / 3.0).abs() < 1e-12);
        // 35 % = 1.4 leads: the 90 and 0.4 of the two tied 50s (0.2 of a converter).
        assert!((at(0.35) - 1.2 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn wilson_matches_the_closed_form() {
        let (lo, hi) = wilson(5, 20, 0.95).expect("defined");
        assert!((lo - 0.111_861_701).abs() < 1e-8, "{lo}");
        assert!((hi - 0.468_700_878).abs() < 1e-8, "{hi}");
        assert_eq!(wilson(0, 0, 0.95), None);
    }

    /// The closed form gives 0 and 1 at the ends, but in floating point −3.5e-18 and the
    /// like, which print as `-0.0`: the ends are exact, and never negative zero.
    #[test]
    fn wilson_is_exactly_zero_at_no_successes_and_one_at_all() {
        for n in [1u64, 2, 3, 7, 10, 38, 100, 1000, 123_457] {
            for confidence in [0.8, 0.9, 0.95, 0.99] {
                let (lo, hi) = wilson(0, n, confidence).expect("defined");
                assert_eq!(lo, 0.0, "0 of {n}");
                assert!(!lo.is_sign_negative(), "0 of {n}: {lo:?}");
                assert!(hi > 0.0 && hi < 1.0, "0 of {n}: {hi}");
                let (lo, hi) = wilson(n, n, confidence).expect("defined");
                assert_eq!(hi, 1.0, "{n} of {n}");
                assert!(lo > 0.0 && lo < 1.0, "{n} of {n}: {lo}");
            }
        }
        for n in 1..200u64 {
            for k in 0..=n {
                let (lo, hi) = wilson(k, n, 0.95).expect("defined");
                assert!(
                    (0.0..=1.0).contains(&lo) && !lo.is_sign_negative(),
                    "{k}/{n}"
                );
                assert!((0.0..=1.0).contains(&hi) && lo <= hi, "{k}/{n}");
            }
        }
    }
}
