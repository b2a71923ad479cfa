//! How sure the leaderboard is: scorers ranked by strict accuracy in groups — the best
//! scorer not yet placed leads a group, and every remaining scorer that the paired test
//! against it (exact McNemar on the same leads, Holm-corrected across that round's tests)
//! does not separate joins it, sharing its rank — and how many leads a comparison would
//! need (power).

use serde::Serialize;

use crate::lead::Label;
use crate::metrics::{PowerPlan, auc_standard_error, holm, mcnemar_exact};
use crate::prediction::ScorerId;

/// An AUC difference a team would want to see (for "leads needed").
pub const AUC_DIFFERENCE: f64 = 0.05;

/// One scorer's place on the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankEntry {
    pub id: String,
    /// 1 for the best; a scorer tied with the one above shares its rank.
    pub rank: usize,
    pub strict_accuracy: Option<f64>,
    /// The paired test against the leader of its group did not separate them (the leader
    /// itself is not tied).
    pub tied_with_above: bool,
    /// The scorer this one was tested against: the leader of its group or, for a leader,
    /// of the group before.
    pub tested_against: Option<String>,
    /// Holm-corrected exact McNemar p-value of that test.
    pub p_vs_above: Option<f64>,
    /// Leads only this one (resp. the one tested against) got right.
    pub only_this_correct: u64,
    pub only_above_correct: u64,
}

/// The power section of `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerReport {
    pub plan: PowerPlan,
    pub n: u64,
    /// For each scorer and the one above it on the leaderboard.
    pub accuracy: Vec<AccuracyPower>,
    /// Per scorer, for its conversion AUC when outcomes exist, else its high-vs-rest AUC.
    pub auc: Vec<AucPower>,
}

/// What the evaluated leads can tell about an accuracy difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyPower {
    pub a: String,
    /// The scorer above `a`.
    pub b: String,
    /// Leads both were asked about (all evaluated leads unless one scored a sample).
    pub n: u64,
    /// Share of leads exactly one of the two got right.
    pub discordant_share: f64,
    pub observed_difference: f64,
    /// The smallest difference these leads detect at the plan's power.
    pub min_detectable_difference: Option<f64>,
    /// Leads needed to detect the observed difference.
    pub leads_needed: Option<f64>,
}

/// What the evaluated leads can tell about an AUC difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AucPower {
    pub id: String,
    /// `conversion` or `high vs rest`.
    pub target: &'static str,
    pub auc: Option<f64>,
    /// Hanley & McNeil's standard error.
    pub standard_error: Option<f64>,
    /// The smallest difference from an equally uncertain scorer these leads detect.
    pub min_detectable_difference: Option<f64>,
    /// Leads needed to detect a difference of [`AUC_DIFFERENCE`].
    pub leads_needed: Option<f64>,
}

/// Strict correctness of each lead: parsed and right; `None` on a lead the scorer was not
/// asked about (`asked`, for a scorer asked about a sample).
pub(crate) fn correct(
    pred: &[Option<(Label, u8)>],
    gold: &[Label],
    asked: Option<&[bool]>,
) -> Vec<Option<bool>> {
    pred.iter()
        .zip(gold)
        .enumerate()
        .map(|(i, (p, g))| {
            let right = p.is_some_and(|(l, _)| l == *g);
            asked.is_none_or(|a| a[i]).then_some(right)
        })
        .collect()
}

/// The leaderboard ranking with ties (see the module docs), and the accuracy power of each
/// scorer against the one it was tested against.
pub(crate) fn rank(
    ids: &[&str],
    correct: &[Vec<Option<bool>>],
    plan: PowerPlan,
) -> (Vec<RankEntry>, Vec<AccuracyPower>) {
    // Strict accuracy over the leads the scorer was asked about.
    let accuracy = |c: &[Option<bool>]| {
        let asked = c.iter().flatten().count();
        (asked > 0).then(|| c.iter().flatten().filter(|&&x| x).count() as f64 / asked as f64)
    };
    let mut left: Vec<usize> = (0..ids.len()).collect();
    left.sort_by(|&a, &b| {
        let (x, y) = (accuracy(&correct[a]), accuracy(&correct[b]));
        y.unwrap_or(-1.0)
            .total_cmp(&x.unwrap_or(-1.0))
            .then(a.cmp(&b))
    });
    // Of the leads both were asked about: how many, and those only `this` (first) and only
    // `other` (second) got right.
    let discordant = |this: usize, other: usize| {
        let both = correct[this].iter().zip(&correct[other]);
        let both: Vec<(bool, bool)> = both.filter_map(|(t, o)| Some(((*t)?, (*o)?))).collect();
        let only_this = both.iter().filter(|(t, o)| *t && !*o).count() as u64;
        let only_other = both.iter().filter(|(t, o)| !*t && *o).count() as u64;
        (both.len(), only_this, only_other)
    };
    let mut entries: Vec<RankEntry> = Vec::with_capacity(ids.len());
    let mut power = Vec::new();
    let mut test = |this: usize, against: usize, p: Option<f64>, tied: bool, rank: usize| {
        let (n, only_this, only_other) = discordant(this, against);
        if n > 0 {
            let psi = (only_this + only_other) as f64 / n as f64;
            let diff = (only_this as f64 - only_other as f64) / n as f64;
            power.push(AccuracyPower {
                n: n as u64,
                a: ids[this].to_string(),
                b: ids[against].to_string(),
                discordant_share: psi,
                observed_difference: diff,
                min_detectable_difference: plan.paired_min_difference(n as f64, psi),
                leads_needed: plan.paired_leads_needed(diff, psi),
            });
        }
        RankEntry {
            id: ids[this].to_string(),
            rank,
            strict_accuracy: accuracy(&correct[this]),
            tied_with_above: tied,
            tested_against: Some(ids[against].to_string()),
            p_vs_above: p,
            only_this_correct: only_this,
            only_above_correct: only_other,
        }
    };
    let mut previous_leader: Option<usize> = None;
    while let Some((&leader, rest)) = left.split_first() {
        let rank = entries.len() + 1;
        let p_raw: Vec<f64> = rest
            .iter()
            .map(|&r| {
                let (_, a, b) = discordant(r, leader);
                mcnemar_exact(a, b)
            })
            .collect();
        let p = holm(&p_raw);
        entries.push(match previous_leader {
            Some(prev) => test(leader, prev, None, false, rank),
            None => RankEntry {
                id: ids[leader].to_string(),
                rank,
                strict_accuracy: accuracy(&correct[leader]),
                tied_with_above: false,
                tested_against: None,
                p_vs_above: None,
                only_this_correct: 0,
                only_above_correct: 0,
            },
        });
        let mut next = Vec::new();
        for (&r, &pr) in rest.iter().zip(&p) {
            if pr >= plan.alpha {
                entries.push(test(r, leader, Some(pr), true, rank));
            } else {
                next.push(r);
            }
        }
        previous_leader = Some(leader);
        left = next;
    }
    (entries, power)
}

/// The best-ranked of the baselines (heuristic, learned), with its index among `ids`.
pub(crate) fn best_baseline<'r>(
    ids: &[&str],
    ranking: &'r [RankEntry],
) -> Option<(usize, &'r RankEntry)> {
    let best = ranking
        .iter()
        .find(|r| ScorerId::from(r.id.as_str()).is_baseline())?;
    Some((ids.iter().position(|id| *id == best.id)?, best))
}

/// The AUC power of a scorer with `positives` and `negatives` leads.
pub(crate) fn auc_power(
    id: &str,
    target: &'static str,
    auc: Option<f64>,
    positives: u64,
    negatives: u64,
    plan: PowerPlan,
) -> AucPower {
    let n = (positives + negatives) as f64;
    // An AUC of exactly 0 or 1 has a standard error of 0, which says nothing about how many
    // leads a comparison needs: undefined, as with too few leads.
    let se = auc
        .and_then(|a| auc_standard_error(a, positives as f64, negatives as f64))
        .filter(|s| *s > 0.0);
    let mdd = se.map(|s| plan.auc_min_difference(s, s));
    AucPower {
        id: id.to_string(),
        target,
        auc,
        standard_error: se,
        min_detectable_difference: mdd,
        // The standard error shrinks as 1/√n.
        leads_needed: mdd.map(|m| n * (m / AUC_DIFFERENCE).powi(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scorers_the_test_cannot_separate_share_a_rank() {
        let n = 200;
        let best: Vec<bool> = (0..n).map(|i| i % 10 != 0).collect(); // 90 %
        let close: Vec<bool> = (0..n).map(|i| i % 10 != 0 && i != 5).collect(); // 89.5 %
        let poor: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect(); // 50 %
        let all = |v: Vec<bool>| v.into_iter().map(Some).collect::<Vec<_>>();
        let (ranks, power) = rank(
            &["poor", "close", "best"],
            &[all(poor), all(close), all(best)],
            PowerPlan::default(),
        );
        let by = |id: &str| ranks.iter().find(|r| r.id == id).expect("ranked");
        assert_eq!(by("best").rank, 1);
        assert!(by("close").tied_with_above && by("close").rank == 1);
        assert!(!by("poor").tied_with_above && by("poor").rank == 3);
        assert_eq!(power.len(), 2);
        assert!(power[0].min_detectable_difference.is_some());
    }

    /// A scorer asked about a sample is ranked by its accuracy on that sample, and tested
    /// against the leader on the leads both were asked about.
    #[test]
    fn a_sampled_scorer_is_judged_on_the_leads_it_was_asked_about() {
        let n = 100;
        let baseline: Vec<Option<bool>> = (0..n).map(|i| Some(i % 2 == 0)).collect(); // 50 %
        // Asked about the first 20 leads only, right on 18 of them.
        let sampled: Vec<Option<bool>> = (0..n).map(|i| (i < 20).then_some(i >= 2)).collect();
        let (ranks, power) = rank(&["base", "llm"], &[baseline, sampled], PowerPlan::default());
        assert_eq!(ranks[0].id, "llm");
        assert_eq!(ranks[0].strict_accuracy, Some(0.9));
        assert_eq!(ranks[1].strict_accuracy, Some(0.5));
        // Of the 20 shared leads: the LLM alone right on 9 (odd ones from 3), the baseline
        // alone right on 1 (lead 0).
        assert_eq!(
            (ranks[1].only_this_correct, ranks[1].only_above_correct),
            (1, 9)
        );
        assert_eq!(power[0].discordant_share, 10.0 / 20.0);
    }
}
