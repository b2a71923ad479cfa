//! Metrics per slice of the evaluated leads: difficulty, archetype, company-size band,
//! seniority, source and industry.
//!
//! Accuracy, strict accuracy and coverage are shares, and carry Wilson intervals (exact to
//! compute, so they cost nothing, and honest at any size); macro-F1 and quadratic κ carry
//! point values (with dozens of slices × scorers, 1,000 resamples each would dominate the
//! run time), and only in slices of at least [`MIN_SLICE_N`] leads: below that a point
//! value without an interval would be noise. Values of a dimension with fewer than
//! [`MIN_SLICE_N`] leads are pooled into one `other` row (last), so that no row rests on a
//! handful of leads; a dimension left with no row of its own but `other` is left out.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::lead::{Label, Lead, Seniority, Source};
use crate::metrics::{Estimate, MetricsError, MetricsOptions, ScorerInput, summarize, wilson};

/// The dimensions leads are sliced by, in report order.
pub const DIMENSIONS: [&str; 6] = [
    "difficulty",
    "archetype",
    "company_size",
    "seniority",
    "source",
    "industry",
];

/// Company-size bands (employees), smallest first; leads without a size are `unknown`.
pub const SIZE_BANDS: [(u32, u32, &str); 6] = [
    (1, 10, "1-10"),
    (11, 50, "11-50"),
    (51, 200, "51-200"),
    (201, 1000, "201-1000"),
    (1001, 5000, "1001-5000"),
    (5001, u32::MAX, "5000+"),
];

/// Fewest leads a value needs for a slice row of its own (fewer are pooled into `other`).
pub const MIN_SLICE_N: u64 = 20;

/// The row small values are pooled into.
pub const OTHER: &str = "other";

/// One slice: its value and each scorer's metrics on its leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    pub value: String,
    /// Evaluated leads in the slice.
    pub n: u64,
    pub scorers: Vec<SliceScorer>,
}

/// One scorer on one slice (see the module docs for what carries an interval); macro-F1 and
/// quadratic κ are `null` in a slice smaller than [`MIN_SLICE_N`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceScorer {
    pub id: String,
    pub n: u64,
    pub n_parsed: u64,
    pub coverage: Estimate,
    pub accuracy: Estimate,
    pub accuracy_strict: Estimate,
    pub macro_f1: Estimate,
    pub quadratic_kappa: Estimate,
}

/// One scorer's predictions on all evaluated leads, index-aligned with them.
pub(crate) struct SliceInput<'a> {
    pub id: &'a str,
    pub pred: &'a [Option<(Label, u8)>],
    /// For a scorer asked about a sample: the leads it was asked about (judged on those).
    pub asked: Option<&'a [bool]>,
}

/// The band of a company size, as in [`SIZE_BANDS`].
pub fn size_band(size: Option<u32>) -> &'static str {
    match size {
        None => "unknown",
        Some(s) => SIZE_BANDS
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&s))
            .map_or("1-10", |b| b.2),
    }
}

/// (order key, value) of a lead in one dimension; unknown values sort last.
fn key(lead: &Lead, dim: &str) -> (usize, String) {
    const LAST: usize = usize::MAX;
    let text = |s: &str| {
        let t = s.trim();
        if t.is_empty() {
            (LAST, "unknown".to_string())
        } else {
            (0, t.to_string())
        }
    };
    match dim {
        "difficulty" => match lead.meta.difficulty {
            Some(d) => (d as usize, d.as_str().to_string()),
            None => (LAST, "unknown".into()),
        },
        "archetype" => text(lead.meta.archetype.as_deref().unwrap_or("")),
        "company_size" => {
            let band = size_band(lead.company_size);
            let rank = SIZE_BANDS.iter().position(|b| b.2 == band).unwrap_or(LAST);
            (rank, band.to_string())
        }
        "seniority" => match lead.seniority {
            Some(s) => (
                Seniority::ALL.iter().position(|x| *x == s).unwrap_or(LAST),
                s.as_str().to_string(),
            ),
            None => (LAST, "unknown".into()),
        },
        "source" => {
            let s = lead.source;
            let rank = Source::ALL.iter().position(|x| *x == s).unwrap_or(LAST);
            (rank, s.as_str().to_string())
        }
        _ => text(&lead.industry),
    }
}

/// Slices of every dimension; `gold`/`gold_score` are index-aligned with `leads`.
pub(crate) fn slices(
    leads: &[&Lead],
    gold: &[Label],
    gold_score: &[Option<u8>],
    scorers: &[SliceInput<'_>],
    opts: &MetricsOptions,
) -> Result<BTreeMap<String, Vec<Slice>>, MetricsError> {
    let point = MetricsOptions {
        resamples: 0,
        ..opts.clone()
    };
    let mut out = BTreeMap::new();
    for dim in DIMENSIONS {
        let mut groups: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
        for (i, lead) in leads.iter().enumerate() {
            groups.entry(key(lead, dim)).or_default().push(i);
        }
        let groups = pool_small(groups);
        if groups.len() == 1 && groups[0].0 == OTHER {
            continue;
        }
        let mut rows = Vec::with_capacity(groups.len());
        for (value, all) in groups {
            let mut per = Vec::with_capacity(scorers.len());
            for s in scorers {
                let idx: Vec<usize> = match s.asked {
                    Some(asked) => all.iter().copied().filter(|&i| asked[i]).collect(),
                    None => all.clone(),
                };
                let g: Vec<Label> = idx.iter().map(|&i| gold[i]).collect();
                let gs: Vec<Option<u8>> = idx.iter().map(|&i| gold_score[i]).collect();
                let pred: Vec<Option<(Label, u8)>> = idx.iter().map(|&i| s.pred[i]).collect();
                let input = ScorerInput {
                    gold: &g,
                    gold_score: &gs,
                    pred: &pred,
                    probabilities: None,
                };
                let m = summarize(&input, &point)?;
                let correct = pred
                    .iter()
                    .zip(&g)
                    .filter(|(p, gold)| p.is_some_and(|(l, _)| l == **gold))
                    .count() as u64;
                let big = m.n >= MIN_SLICE_N;
                let share = |k: u64, of: u64| -> Estimate {
                    let ci = wilson(k, of, opts.confidence);
                    Estimate {
                        value: (of > 0).then(|| k as f64 / of as f64),
                        ci_low: ci.map(|c| c.0),
                        ci_high: ci.map(|c| c.1),
                    }
                };
                let point = |e: Estimate| if big { e } else { Estimate::default() };
                per.push(SliceScorer {
                    id: s.id.to_string(),
                    n: m.n,
                    n_parsed: m.n_parsed,
                    coverage: share(m.n_parsed, m.n),
                    accuracy: share(correct, m.n_parsed),
                    accuracy_strict: share(correct, m.n),
                    macro_f1: point(m.macro_f1),
                    quadratic_kappa: point(m.quadratic_kappa),
                });
            }
            rows.push(Slice {
                value,
                n: all.len() as u64,
                scorers: per,
            });
        }
        out.insert(dim.to_string(), rows);
    }
    Ok(out)
}

/// Pools the values with fewer than [`MIN_SLICE_N`] leads into one `other` group, last.
fn pool_small(groups: BTreeMap<(usize, String), Vec<usize>>) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    let mut other: Vec<usize> = Vec::new();
    for ((_, value), idx) in groups {
        if (idx.len() as u64) < MIN_SLICE_N {
            other.extend(idx);
        } else {
            out.push((value, idx));
        }
    }
    if !other.is_empty() {
        other.sort_unstable();
        out.push((OTHER.to_string(), other));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_pooled_into_other_last() {
        let group = |n: usize, from: usize| (from..from + n).collect::<Vec<_>>();
        let groups = BTreeMap::from([
            ((0, "a".to_string()), group(25, 0)),
            ((1, "b".to_string()), group(3, 25)),
            ((2, "c".to_string()), group(19, 28)),
            ((usize::MAX, "unknown".to_string()), group(30, 47)),
        ]);
        let pooled = pool_small(groups);
        let rows: Vec<(&str, usize)> = pooled.iter().map(|(v, i)| (v.as_str(), i.len())).collect();
        assert_eq!(rows, [("a", 25), ("unknown", 30), ("other", 22)]);
    }

    #[test]
    fn size_bands_cover_every_count() {
        assert_eq!(size_band(None), "unknown");
        assert_eq!(size_band(Some(0)), "1-10");
        assert_eq!(size_band(Some(10)), "1-10");
        assert_eq!(size_band(Some(11)), "11-50");
        assert_eq!(size_band(Some(200)), "51-200");
        assert_eq!(size_band(Some(1000)), "201-1000");
        assert_eq!(size_band(Some(5000)), "1001-5000");
        assert_eq!(size_band(Some(5001)), "5000+");
    }
}
