//! Between scorers and across repeats: agreement and Cohen's κ between two scorers, the
//! exact McNemar test and a paired bootstrap of their accuracy difference, Holm's
//! correction across the pairs tested, and Fleiss' κ / share of fully stable leads for
//! repeated runs of one scorer.

use rand::RngExt;
use serde::Serialize;

use super::bootstrap::{CellSampler, Estimate, replicate};
use super::classification::{Confusion, ratio};
use super::summary::{MetricsError, MetricsOptions};
use crate::lead::Label;

/// Two scorers on the same leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairMetrics {
    pub n: u64,
    /// Leads both scorers parsed (agreement and κ are over these).
    pub n_both_parsed: u64,
    /// Share of identical labels where both parsed.
    pub agreement: Estimate,
    /// Cohen's κ between the two scorers' labels where both parsed.
    pub kappa: Estimate,
    /// accuracy_strict(a) − accuracy_strict(b): unparsed counts as wrong, so both scorers
    /// are judged on the same leads; the CI resamples leads once for both scorers.
    pub accuracy_difference: Estimate,
    /// Leads only A got right / only B got right (the discordant pairs McNemar uses).
    pub only_a_correct: u64,
    pub only_b_correct: u64,
    /// Exact two-sided McNemar p-value on strict correctness (before Holm).
    pub mcnemar_p: f64,
    /// `mcnemar_p` after Holm's correction across the pairs tested together; `None` until
    /// [`holm_pairs`] is applied to them.
    pub mcnemar_p_holm: Option<f64>,
}

/// Two scorers' successes on the same items (e.g. which converters each one's worked leads
/// hold): the shares, their paired difference and the exact McNemar test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedShares {
    pub n: u64,
    /// Items A (resp. B) succeeded on; serialised under other names than the scorer ids `a`
    /// and `b` that `CaptureTest` flattens these fields beside (a JSON key must not repeat).
    #[serde(rename = "successes_a")]
    pub a: u64,
    #[serde(rename = "successes_b")]
    pub b: u64,
    /// share(a) − share(b), its interval from a paired bootstrap over the items.
    pub difference: Estimate,
    /// Items only A / only B succeeded on.
    pub only_a: u64,
    pub only_b: u64,
    /// Exact two-sided McNemar p-value (before Holm).
    pub mcnemar_p: f64,
    /// After Holm's correction across the tests made together.
    pub mcnemar_p_holm: Option<f64>,
}

/// Compares two scorers' successes item by item (`a[i]`, `b[i]`).
pub fn paired_shares(
    a: &[bool],
    b: &[bool],
    opts: &MetricsOptions,
) -> Result<PairedShares, MetricsError> {
    let n = a.len();
    MetricsError::check_len("second scorer's successes", n, b.len())?;
    opts.validate()?;
    let cells = CellSampler::new(
        (0..n)
            .map(|i| 2 * u32::from(a[i]) + u32::from(b[i]))
            .collect(),
        4,
    );
    let diff = |c: &[u64]| {
        ratio(c[2], n as u64)
            .zip(ratio(c[1], n as u64))
            .map(|(x, y)| x - y)
    };
    let reps = replicate(opts.resamples, opts.seed, 0x7368_6172, |rng| {
        let mut c = [0u64; 4];
        cells.draw(rng, &mut c);
        diff(&c)
    });
    let c = cells.original();
    Ok(PairedShares {
        n: n as u64,
        a: c[2] + c[3],
        b: c[1] + c[3],
        difference: Estimate::with_replicates(diff(&c), &reps, opts.confidence),
        only_a: c[2],
        only_b: c[1],
        mcnemar_p: mcnemar_exact(c[2], c[1]),
        mcnemar_p_holm: None,
    })
}

/// Fills `mcnemar_p_holm` of every pair with Holm's correction across all of them.
pub fn holm_pairs(pairs: &mut [PairMetrics]) {
    let raw: Vec<f64> = pairs.iter().map(|p| p.mcnemar_p).collect();
    for (pair, adj) in pairs.iter_mut().zip(holm(&raw)) {
        pair.mcnemar_p_holm = Some(adj);
    }
}

/// One resample of a pair: (accuracy difference, agreement, κ).
type PairReplicate = (Option<f64>, Option<f64>, Option<f64>);

/// Compares two scorers' labels (`None` = unparsed) against gold.
pub fn compare_pair(
    a: &[Option<Label>],
    b: &[Option<Label>],
    gold: &[Label],
    opts: &MetricsOptions,
) -> Result<PairMetrics, MetricsError> {
    let n = gold.len();
    MetricsError::check_len("second scorer's labels", n, b.len())?;
    MetricsError::check_len("first scorer's labels", n, a.len())?;
    opts.validate()?;
    // Cells: correctness (2 × 2) and, for both parsed, (label a, label b), else a sink.
    let correct_cell: Vec<u32> = (0..n)
        .map(|i| 2 * u32::from(a[i] == Some(gold[i])) + u32::from(b[i] == Some(gold[i])))
        .collect();
    let label_cell: Vec<u32> = (0..n)
        .map(|i| match (a[i], b[i]) {
            (Some(x), Some(y)) => (x.index() * 3 + y.index()) as u32,
            _ => 9,
        })
        .collect();
    let correct = CellSampler::new(correct_cell, 4);
    let labels = CellSampler::new(label_cell, 10);
    let diff = |c: &[u64]| {
        ratio(c[2], n as u64)
            .zip(ratio(c[1], n as u64))
            .map(|(x, y)| x - y)
    };
    let agree = |c: &[u64]| {
        let conf = confusion_of(c);
        (conf.accuracy(), conf.cohen_kappa())
    };
    let c0 = correct.original();
    let l0 = labels.original();
    let reps = replicate(opts.resamples, opts.seed, 0x7061_6972, |rng| {
        let mut cc = [0u64; 4];
        let mut lc = [0u64; 10];
        correct.draw(rng, &mut cc);
        labels.draw(rng, &mut lc);
        let (ag, ka) = agree(&lc);
        (diff(&cc), ag, ka)
    });
    let col = |f: fn(&PairReplicate) -> Option<f64>| reps.iter().map(f).collect::<Vec<_>>();
    let (ag, ka) = agree(&l0);
    let conf = opts.confidence;
    Ok(PairMetrics {
        n: n as u64,
        n_both_parsed: confusion_of(&l0).total(),
        agreement: Estimate::with_replicates(ag, &col(|r| r.1), conf),
        kappa: Estimate::with_replicates(ka, &col(|r| r.2), conf),
        accuracy_difference: Estimate::with_replicates(diff(&c0), &col(|r| r.0), conf),
        only_a_correct: c0[2],
        only_b_correct: c0[1],
        mcnemar_p: mcnemar_exact(c0[2], c0[1]),
        mcnemar_p_holm: None,
    })
}

fn confusion_of(cells: &[u64]) -> Confusion {
    Confusion(std::array::from_fn(|i| {
        std::array::from_fn(|j| cells[i * 3 + j])
    }))
}

/// Exact McNemar p-value: 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1
/// (statsmodels' `mcnemar(table, exact=True)`); 1 when there are no discordant pairs.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let x = Binomial::new(0.5, b + c).expect("½ is a probability");
    (2.0 * x.cdf(b.min(c))).min(1.0)
}

/// Holm step-down adjusted p-values, in the input order (statsmodels'
/// `multipletests(method="holm")`): sorted ascending, p_(i)·(m − i), running maximum, ≤ 1.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut out = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(p[i] * (m - rank) as f64);
        out[i] = running.min(1.0);
    }
    out
}

/// Agreement of one scorer with itself across repeats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StabilityMetrics {
    pub repeats: usize,
    pub n: u64,
    /// Leads parsed in every repeat (the metrics below are over these).
    pub n_complete: u64,
    pub fleiss_kappa: Estimate,
    /// Share of leads given the same label in every repeat.
    pub share_identical: Estimate,
}

/// Fleiss' κ and the share of identical labels across repeats; `labels_by_repeat[r][i]` is
/// repeat r's label of lead i (`None` = unparsed). Leads missing from a shorter repeat
/// count as unparsed there.
pub fn stability(
    labels_by_repeat: &[Vec<Option<Label>>],
    opts: &MetricsOptions,
) -> Result<StabilityMetrics, MetricsError> {
    opts.validate()?;
    let r = labels_by_repeat.len();
    let n = labels_by_repeat.iter().map(Vec::len).max().unwrap_or(0);
    // A complete lead's key is its count vector (n_low, n_medium), n_high = r − both; an
    // incomplete one goes to a sink after every count vector.
    let side = r as u64 + 1;
    let key_of: Vec<u64> = (0..n)
        .map(|i| {
            let mut k = [0u64; 3];
            for rep in labels_by_repeat {
                match rep.get(i).copied().flatten() {
                    Some(l) => k[l.index()] += 1,
                    None => return INCOMPLETE,
                }
            }
            k[0] * side + k[1]
        })
        .collect();
    // Cells are numbered by rank among the keys that occur: there are (r + 1)² possible
    // keys (10⁸ at 10,000 repeats) but at most n occur. The numbering keeps the keys'
    // order, so the sampler draws exactly as it would over all possible keys.
    let mut keys = key_of.clone();
    keys.sort_unstable();
    keys.dedup();
    let cells: Vec<u32> = key_of
        .iter()
        .map(|k| keys.binary_search(k).expect("every key was collected") as u32)
        .collect();
    let sampler = CellSampler::new(cells, keys.len());
    let stats = |c: &[u64]| fleiss_from_cells(c, &keys, r);
    let reps = replicate(opts.resamples, opts.seed, 0x7374_6162, |rng| {
        let mut c = vec![0u64; sampler.n_cells()];
        sampler.draw(rng, &mut c);
        stats(&c)
    });
    let original = sampler.original();
    let (complete, kappa, same) = stats(&original);
    let conf = opts.confidence;
    let k_reps: Vec<_> = reps.iter().map(|x| x.1).collect();
    let s_reps: Vec<_> = reps.iter().map(|x| x.2).collect();
    Ok(StabilityMetrics {
        repeats: r,
        n: n as u64,
        n_complete: complete,
        fleiss_kappa: Estimate::with_replicates(kappa, &k_reps, conf),
        share_identical: Estimate::with_replicates(same, &s_reps, conf),
    })
}

/// The key of a lead that some repeat did not parse: after every count vector's key.
const INCOMPLETE: u64 = u64::MAX;

/// (complete leads, Fleiss κ, share identical) from the counts of the cells whose keys
/// (count vectors, see [`stability`]) are `keys`, in ascending order.
fn fleiss_from_cells(cells: &[u64], keys: &[u64], r: usize) -> (u64, Option<f64>, Option<f64>) {
    let side = r as u64 + 1;
    let (mut subjects, mut identical) = (0u64, 0u64);
    let mut agree_sum = 0.0f64;
    let mut per_cat = [0u64; 3];
    for (&w, &key) in cells.iter().zip(keys) {
        if w == 0 || key == INCOMPLETE {
            continue;
        }
        let (k0, k1) = ((key / side) as usize, (key % side) as usize);
        let k = [k0, k1, r - k0 - k1];
        subjects += w;
        identical += w * u64::from(k.contains(&r));
        let sq: usize = k.iter().map(|x| x * x).sum();
        agree_sum += w as f64 * (sq - r) as f64;
        for (c, kc) in per_cat.iter_mut().zip(k) {
            *c += w * kc as u64;
        }
    }
    let same = ratio(identical, subjects);
    if subjects == 0 || r < 2 {
        return (subjects, None, same);
    }
    let raters = r as f64;
    let p_mean = agree_sum / (raters * (raters - 1.0)) / subjects as f64;
    let total = (subjects * r as u64) as f64;
    let p_exp: f64 = per_cat.iter().map(|c| (*c as f64 / total).powi(2)).sum();
    let kappa = (p_exp < 1.0).then(|| (p_mean - p_exp) / (1.0 - p_exp));
    (subjects, kappa, same)
}

/// The mean of paired differences (one per item, e.g. a scorer's score on an injection twin
/// minus its score on the original), with the percentile interval of the bootstrap over
/// items; `None` for no item.
pub fn mean_difference(diffs: &[f64], opts: &MetricsOptions) -> Estimate {
    let mean =
        |xs: &mut dyn Iterator<Item = f64>, n: usize| (n > 0).then(|| xs.sum::<f64>() / n as f64);
    let value = mean(&mut diffs.iter().copied(), diffs.len());
    if opts.resamples == 0 || diffs.is_empty() {
        return Estimate::point(value);
    }
    let n = diffs.len();
    let reps = replicate(opts.resamples, opts.seed, 0x7477_696e, |rng| {
        mean(&mut (0..n).map(|_| diffs[rng.random_range(0..n)]), n)
    });
    Estimate::with_replicates(value, &reps, opts.confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcnemar_small_cases() {
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // 2·P(X ≤ 1), X ~ Bin(5, ½) = 2·6/32
        assert!((mcnemar_exact(4, 1) - 0.375).abs() < 1e-15);
        assert!(mcnemar_exact(50_000, 40_000) < 1e-100);
    }

    #[test]
    fn paired_shares_count_discordant_items_and_bound_the_difference() {
        let a = [true, true, true, false, false, true];
        let b = [true, false, false, false, true, true];
        let opts = MetricsOptions {
            resamples: 200,
            ..MetricsOptions::default()
        };
        let s = paired_shares(&a, &b, &opts).expect("same length");
        assert_eq!((s.n, s.a, s.b, s.only_a, s.only_b), (6, 4, 3, 2, 1));
        assert!((s.difference.value.expect("defined") - 1.0 / 6.0).abs() < 1e-12);
        let lo = s.difference.ci_low.expect("interval");
        let hi = s.difference.ci_high.expect("interval");
        assert!(lo <= 1.0 / 6.0 && 1.0 / 6.0 <= hi, "[{lo}, {hi}]");
        assert_eq!(s.mcnemar_p, mcnemar_exact(2, 1));
        assert!(paired_shares(&a, &b[..5], &opts).is_err());
    }

    #[test]
    fn holm_is_monotone_and_capped() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.2]);
        let want = [0.04, 0.09, 0.09, 0.2];
        assert!(adj.iter().zip(want).all(|(a, w)| (a - w).abs() < 1e-15));
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn holm_pairs_fills_the_adjusted_p_values() {
        use Label::{High, Low};
        let gold = [Low, High, High, Low];
        let a = [Some(Low), Some(High), Some(High), Some(Low)];
        let b = [Some(High), None, Some(High), Some(Low)];
        let opts = MetricsOptions::default();
        let mut pairs = vec![
            compare_pair(&a, &b, &gold, &opts).expect("aligned"),
            compare_pair(&b, &a, &gold, &opts).expect("aligned"),
        ];
        assert_eq!(pairs[0].mcnemar_p_holm, None);
        holm_pairs(&mut pairs);
        let raw = pairs[0].mcnemar_p;
        assert_eq!(pairs[0].mcnemar_p_holm, Some((2.0 * raw).min(1.0)));
    }

    #[test]
    fn stability_without_repeats_is_undefined() {
        let one = vec![vec![Some(Label::Low), Some(Label::High)]];
        let s = stability(&one, &MetricsOptions::default()).expect("valid options");
        assert_eq!(s.fleiss_kappa.value, None);
        assert_eq!(s.share_identical.value, Some(1.0));
        let none = stability(&[], &MetricsOptions::default()).expect("valid options");
        assert_eq!(none.n, 0);
        assert_eq!(none.share_identical.value, None);
    }

    #[test]
    fn ten_thousand_repeats_need_only_the_cells_that_occur() {
        // Lead 0 always low, lead 1 low and high in turn, lead 2 unparsed once: two complete
        // leads among (r + 1)² possible count vectors.
        let r = 10_000;
        let reps: Vec<Vec<Option<Label>>> = (0..r)
            .map(|j| {
                let alternating = if j % 2 == 0 { Label::Low } else { Label::High };
                vec![
                    Some(Label::Low),
                    Some(alternating),
                    (j != 7).then_some(Label::Medium),
                ]
            })
            .collect();
        let opts = MetricsOptions {
            resamples: 200,
            ..MetricsOptions::default()
        };
        let s = stability(&reps, &opts).expect("valid options");
        assert_eq!((s.repeats, s.n, s.n_complete), (r, 3, 2));
        assert_eq!(s.share_identical.value, Some(0.5));
        // Fleiss: P̄ = mean over leads of (Σ k² − r) / (r (r − 1)), P_e = 0.75² + 0.25².
        let rf = r as f64;
        let agree = |k: [f64; 3]| (k.iter().map(|x| x * x).sum::<f64>() - rf) / (rf * (rf - 1.0));
        let p_mean = (agree([rf, 0.0, 0.0]) + agree([rf / 2.0, 0.0, rf / 2.0])) / 2.0;
        let p_exp: f64 = 0.75f64.powi(2) + 0.25f64.powi(2);
        let kappa = s.fleiss_kappa.value.expect("two categories used");
        assert!(
            (kappa - (p_mean - p_exp) / (1.0 - p_exp)).abs() < 1e-12,
            "{kappa}"
        );
    }
}
