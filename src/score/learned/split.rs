//! Train/test splits for the learned scorer: the dataset's own `split` column when it has
//! one, otherwise a seeded split stratified by gold label.
//!
//! The seeded split orders each class by a hash of (seed, lead id), so a lead's side does not
//! depend on row order, and takes the first `round(n_class × test_fraction)` as test. Leads
//! without a gold label can be neither trained on nor evaluated; they are put in the test
//! side so they are never trained on.

use crate::lead::{Lead, Split};

/// The split of every lead: `meta.split` when any lead has one (leads without one then
/// count as test, i.e. never trained on), otherwise [`seeded_split`].
pub fn resolve_splits(leads: &[Lead], test_fraction: f64, seed: u64) -> Vec<Split> {
    if leads.iter().any(|l| l.meta.split.is_some()) {
        leads
            .iter()
            .map(|l| l.meta.split.unwrap_or(Split::Test))
            .collect()
    } else {
        seeded_split(leads, test_fraction, seed)
    }
}

/// A deterministic split stratified by gold label (leads without one by outcome, leads
/// with neither all test): each stratum contributes `round(n × test_fraction)` test leads.
/// `test_fraction` is clamped to 0..=1.
pub fn seeded_split(leads: &[Lead], test_fraction: f64, seed: u64) -> Vec<Split> {
    let fraction = if test_fraction.is_finite() {
        test_fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut out = vec![Split::Test; leads.len()];
    // Strata: the gold label; a lead without one (a CRM export) by its outcome; a lead with
    // neither is only ever scored (test).
    let mut by_class: [Vec<(u64, usize)>; 5] = Default::default();
    for (i, l) in leads.iter().enumerate() {
        let stratum = match (l.gold, l.outcome.converted) {
            (Some(g), _) => g.label.index(),
            (None, Some(converted)) => 3 + usize::from(converted),
            (None, None) => continue,
        };
        by_class[stratum].push((split_key(seed, &l.lead_id), i));
    }
    for mut class in by_class {
        // Ties (equal ids) fall back to row order, so the result is still deterministic.
        class.sort_unstable();
        let n_test = (class.len() as f64 * fraction).round() as usize;
        for &(_, i) in class.iter().skip(n_test) {
            out[i] = Split::Train;
        }
    }
    out
}

/// Writes a seeded split into `meta.split` unless some lead already has one; returns
/// whether it wrote. Callers do this before training so they evaluate on the same test set.
pub fn ensure_split(leads: &mut [Lead], test_fraction: f64, seed: u64) -> bool {
    if leads.iter().any(|l| l.meta.split.is_some()) {
        return false;
    }
    let splits = seeded_split(leads, test_fraction, seed);
    for (l, s) in leads.iter_mut().zip(splits) {
        l.meta.split = Some(s);
    }
    true
}

/// SplitMix64 of the seed mixed with FNV-1a of the id: a fixed, portable hash.
fn split_key(seed: u64, id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in id.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = seed ^ h;
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::{Gold, Label, LeadMeta, Source};

    fn leads(n: usize) -> Vec<Lead> {
        (0..n)
            .map(|i| Lead {
                lead_id: format!("lead-{i}"),
                company_name: String::new(),
                company_size: None,
                domain: String::new(),
                industry: String::new(),
                job_title: String::new(),
                seniority: None,
                inbound_message: String::new(),
                source: Source::Unknown,
                enrichment: Default::default(),
                gold: (i % 10 != 9).then(|| Gold {
                    label: Label::ALL[i % 3],
                    score: None,
                }),
                outcome: Default::default(),
                meta: LeadMeta::default(),
            })
            .collect()
    }

    #[test]
    fn seeded_split_is_stratified_deterministic_and_order_free() {
        let ls = leads(300);
        let a = seeded_split(&ls, 0.4, 7);
        assert_eq!(a, seeded_split(&ls, 0.4, 7));
        assert_ne!(a, seeded_split(&ls, 0.4, 8));
        for label in Label::ALL {
            let (mut train, mut test) = (0, 0);
            for (l, s) in ls.iter().zip(&a) {
                if l.gold.map(|g| g.label) == Some(label) {
                    match s {
                        Split::Train => train += 1,
                        Split::Test => test += 1,
                    }
                }
            }
            let n = train + test;
            assert_eq!(test, (n as f64 * 0.4).round() as usize, "{label}");
        }
        // Unlabelled leads are never trained on.
        for (l, s) in ls.iter().zip(&a) {
            if l.gold.is_none() {
                assert_eq!(*s, Split::Test);
            }
        }
        let mut reversed = ls.clone();
        reversed.reverse();
        let mut b = seeded_split(&reversed, 0.4, 7);
        b.reverse();
        assert_eq!(a, b);
    }

    #[test]
    fn an_existing_split_column_wins() {
        let mut ls = leads(20);
        ls[3].meta.split = Some(Split::Train);
        let s = resolve_splits(&ls, 0.5, 1);
        assert_eq!(s[3], Split::Train);
        assert!(
            s.iter()
                .enumerate()
                .all(|(i, s)| i == 3 || *s == Split::Test)
        );
        assert!(!ensure_split(&mut ls, 0.5, 1));
        let mut fresh = leads(20);
        assert!(ensure_split(&mut fresh, 0.5, 1));
        let written: Vec<Split> = fresh.iter().filter_map(|l| l.meta.split).collect();
        assert_eq!(written, seeded_split(&leads(20), 0.5, 1));
        assert_eq!(resolve_splits(&fresh, 0.9, 99), written);
    }
}
