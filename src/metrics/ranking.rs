//! How well the 0–100 score ranks leads, "high vs rest": ROC-AUC, average precision,
//! NDCG@k, precision@k, lift at the top decile and the gains table by decile.
//!
//! Ranking order is score descending, then lead index ascending (the order the caller
//! passes leads in, e.g. sorted by lead id): integer scores tie a lot, and top-k metrics
//! need a stated tie-break. AUC counts ties as ½ and AP/NDCG treat tied scores as one
//! threshold/group, as scikit-learn does, so they need no tie-break.

use rand::Rng;
use serde::Serialize;

use super::bootstrap::binomial;
use super::correlation::SCORES;
use crate::lead::Label;

const HIGH: usize = 2;

/// Counts of parsed leads by (score, gold label index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreLabelCounts(pub [[u64; 3]; SCORES]);

impl Default for ScoreLabelCounts {
    fn default() -> Self {
        ScoreLabelCounts([[0; 3]; SCORES])
    }
}

impl ScoreLabelCounts {
    pub fn from_leads(gold: &[Label], score: &[u8]) -> ScoreLabelCounts {
        let mut c = ScoreLabelCounts::default();
        for (g, s) in gold.iter().zip(score) {
            c.0[usize::from((*s).min(100))][g.index()] += 1;
        }
        c
    }

    pub fn total(&self) -> u64 {
        self.0.iter().flatten().sum()
    }

    /// Gold-high leads.
    pub fn positives(&self) -> u64 {
        self.0.iter().map(|r| r[HIGH]).sum()
    }

    pub(crate) fn pos_neg(&self, s: usize) -> (u64, u64) {
        let r = self.0[s];
        (r[HIGH], r[0] + r[1])
    }

    /// P(score of a gold-high lead > score of another lead), ties counted ½.
    pub fn roc_auc_high(&self) -> Option<f64> {
        let p = self.positives();
        let n = self.total() - p;
        if p == 0 || n == 0 {
            return None;
        }
        // Twice the count of (positive, negative) wins, in integers.
        let (mut twice_wins, mut neg_below) = (0u128, 0u128);
        for s in 0..SCORES {
            let (pos, neg) = self.pos_neg(s);
            twice_wins += pos as u128 * (2 * neg_below + neg as u128);
            neg_below += neg as u128;
        }
        Some(twice_wins as f64 / (2.0 * p as f64 * n as f64))
    }

    /// Average precision Σ (R_k − R_{k−1}) P_k over distinct score thresholds.
    pub fn average_precision_high(&self) -> Option<f64> {
        let p = self.positives();
        if p == 0 {
            return None;
        }
        let (mut tp, mut seen, mut ap) = (0u64, 0u64, 0.0);
        for s in (0..SCORES).rev() {
            let (pos, neg) = self.pos_neg(s);
            tp += pos;
            seen += pos + neg;
            if pos > 0 {
                ap += (pos as f64 / p as f64) * (tp as f64 / seen as f64);
            }
        }
        Some(ap)
    }

    /// NDCG@k with the gold label index (0/1/2) as a linear gain, log2 discount, and tied
    /// scores sharing their average gain (scikit-learn's `ndcg_score`). `None` with fewer
    /// than two leads (scikit-learn refuses) or when no lead has a positive gain.
    pub fn ndcg_at(&self, k: usize, discounts: &Discounts) -> Option<f64> {
        let n = self.total();
        if n < 2 || k == 0 {
            return None;
        }
        let cum = |pos: u64| discounts.cumulative((pos as usize).min(k));
        let (mut dcg, mut start) = (0.0, 0u64);
        for s in (0..SCORES).rev() {
            let r = self.0[s];
            let count = r[0] + r[1] + r[2];
            if count == 0 {
                continue;
            }
            let gain = (r[1] + 2 * r[2]) as f64 / count as f64;
            dcg += gain * (cum(start + count) - cum(start));
            start += count;
        }
        let highs = self.positives();
        let mediums: u64 = self.0.iter().map(|r| r[1]).sum();
        let ideal = 2.0 * cum(highs) + (cum(highs + mediums) - cum(highs));
        (ideal > 0.0).then(|| dcg / ideal)
    }
}

/// Cumulative log2 discounts Σ_{i<p} 1/log2(i + 2), precomputed once for a run.
#[derive(Debug, Clone)]
pub struct Discounts(Vec<f64>);

impl Discounts {
    /// Discounts for rankings of up to `n` items.
    pub fn new(n: usize) -> Discounts {
        let mut c = Vec::with_capacity(n + 1);
        let mut acc = 0.0;
        c.push(acc);
        for i in 0..n {
            acc += 1.0 / ((i + 2) as f64).log2();
            c.push(acc);
        }
        Discounts(c)
    }

    fn cumulative(&self, p: usize) -> f64 {
        self.0[p.min(self.0.len() - 1)]
    }
}

/// Leads of a top-k list, in ranking order: for each score, the prefix counts of gold-high
/// leads in lead-index order, so the tie at the cut is resolved by lead index.
#[derive(Debug, Clone)]
pub struct TopOrder {
    /// `highs_before[s][i]` = gold-high leads among the first i leads with score s.
    highs_before: Vec<Vec<u32>>,
}

impl TopOrder {
    /// `gold` and `score` of the parsed leads, in lead-index order.
    pub fn new(gold: &[Label], score: &[u8]) -> TopOrder {
        let mut highs_before = vec![vec![0u32]; SCORES];
        for (g, s) in gold.iter().zip(score) {
            let list = &mut highs_before[usize::from((*s).min(100))];
            let last = *list.last().expect("every list starts with 0");
            list.push(last + u32::from(*g == Label::High));
        }
        TopOrder { highs_before }
    }

    /// Gold-high leads among the first `m` of the ranking.
    pub fn highs_in_top(&self, m: u64) -> u64 {
        let mut left = m;
        let mut highs = 0u64;
        for list in self.highs_before.iter().rev() {
            let size = (list.len() - 1) as u64;
            if left == 0 {
                break;
            }
            let take = left.min(size);
            highs += u64::from(list[take as usize]);
            left -= take;
        }
        highs
    }

    /// The same in a bootstrap resample whose counts by (score, gold) are `counts`: inside
    /// the score group cut by the top m, which resampled leads come first depends on their
    /// lead index, so the group's draws are split by halving its index range
    /// (a binomial per half), which keeps the exact index-resampling distribution.
    pub(crate) fn resampled_highs_in_top<R: Rng>(
        &self,
        counts: &ScoreLabelCounts,
        m: u64,
        rng: &mut R,
    ) -> u64 {
        let mut left = m;
        let mut highs = 0u64;
        for s in (0..SCORES).rev() {
            if left == 0 {
                break;
            }
            let (pos, neg) = counts.pos_neg(s);
            if pos + neg <= left {
                highs += pos;
                left -= pos + neg;
            } else {
                let list = &self.highs_before[s];
                highs += split_prefix(rng, list, 0, list.len() - 1, pos, neg, left);
                left = 0;
            }
        }
        highs
    }
}

/// Gold-high draws among the first `take` of `pos + neg` draws from leads [lo, hi) of a
/// score group, ordered by lead index.
fn split_prefix<R: Rng>(
    rng: &mut R,
    highs_before: &[u32],
    lo: usize,
    hi: usize,
    pos: u64,
    neg: u64,
    take: u64,
) -> u64 {
    if take == 0 {
        return 0;
    }
    if take >= pos + neg {
        return pos;
    }
    if hi - lo <= 1 {
        // All draws are copies of one lead: all positive or all negative.
        return if pos > 0 { take } else { 0 };
    }
    let mid = (lo + hi) / 2;
    let h = |a: usize, b: usize| u64::from(highs_before[b] - highs_before[a]);
    let (pos_all, pos_left) = (h(lo, hi), h(lo, mid));
    let (neg_all, neg_left) = ((hi - lo) as u64 - pos_all, (mid - lo) as u64 - pos_left);
    let pl = binomial(rng, pos, pos_left, pos_all);
    let nl = binomial(rng, neg, neg_left, neg_all);
    if take <= pl + nl {
        split_prefix(rng, highs_before, lo, mid, pl, nl, take)
    } else {
        pl + split_prefix(
            rng,
            highs_before,
            mid,
            hi,
            pos - pl,
            neg - nl,
            take - pl - nl,
        )
    }
}

/// Size of the top decile of `n` ranked leads: ⌈n / 10⌉.
pub fn top_decile(n: u64) -> u64 {
    n.div_ceil(10)
}

/// One decile of the ranking (decile 1 = the highest scores).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GainsRow {
    /// 1..=10; decile d holds ranking positions [⌈(d−1)n/10⌉, ⌈dn/10⌉).
    pub decile: u8,
    pub count: u64,
    /// Gold-high leads in this decile.
    pub high: u64,
    /// high / count.
    pub share_high: Option<f64>,
    /// Share of all gold-high leads captured by deciles 1..=d.
    pub cumulative_capture: Option<f64>,
    /// share_high ÷ overall share of gold-high leads.
    pub lift: Option<f64>,
}

/// The gains/lift table by score decile (ranking order as in [`TopOrder`]).
pub fn gains_table(order: &TopOrder, n: u64) -> Vec<GainsRow> {
    let all_high = order.highs_in_top(n);
    let base = super::classification::ratio(all_high, n);
    (1..=10u64)
        .map(|d| {
            let lo = ((d - 1) * n).div_ceil(10);
            let hi_end = (d * n).div_ceil(10);
            let high = order.highs_in_top(hi_end) - order.highs_in_top(lo);
            let count = hi_end - lo;
            let share = super::classification::ratio(high, count);
            GainsRow {
                decile: d as u8,
                count,
                high,
                share_high: share,
                cumulative_capture: super::classification::ratio(
                    order.highs_in_top(hi_end),
                    all_high,
                ),
                lift: match (share, base) {
                    (Some(s), Some(b)) if b > 0.0 => Some(s / b),
                    _ => None,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::{High, Low, Medium};

    #[test]
    fn auc_counts_ties_as_half() {
        let c = ScoreLabelCounts::from_leads(&[High, Low, High, Medium], &[50, 50, 90, 10]);
        // pairs (pos, neg): (50 vs 50) ½, (50 vs 10) 1, (90 vs 50) 1, (90 vs 10) 1
        assert_eq!(c.roc_auc_high(), Some(3.5 / 4.0));
        let none = ScoreLabelCounts::from_leads(&[Low, Medium], &[1, 2]);
        assert_eq!(none.roc_auc_high(), None);
        assert_eq!(none.average_precision_high(), None);
    }

    #[test]
    fn top_k_ties_break_by_lead_index() {
        let gold = [Low, High, High, Low];
        let order = TopOrder::new(&gold, &[70, 70, 70, 10]);
        assert_eq!(order.highs_in_top(1), 0);
        assert_eq!(order.highs_in_top(2), 1);
        assert_eq!(order.highs_in_top(4), 2);
        assert_eq!(top_decile(95), 10);
    }

    /// The halving draw of the tied group at the cut has the distribution of plain index
    /// resampling followed by a sort on (score desc, lead index asc).
    #[test]
    fn resampled_top_k_matches_index_resampling() {
        use crate::metrics::bootstrap::CellSampler;
        use rand::RngExt;
        let gold: Vec<Label> = (0..40)
            .map(|i| [Low, High, Medium, High, Low][i % 5])
            .collect();
        let score: Vec<u8> = (0..40).map(|i| [90, 70, 70, 50][(i * 7) % 4]).collect();
        let order = TopOrder::new(&gold, &score);
        let cells: Vec<u32> = (0..40)
            .map(|i| score[i] as u32 * 3 + gold[i].index() as u32)
            .collect();
        let sampler = CellSampler::new(cells, SCORES * 3);
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(11);
        let (m, draws) = (15u64, 20_000);
        let (mut tree, mut naive) = (Vec::new(), Vec::new());
        let mut buf = vec![0u64; SCORES * 3];
        for _ in 0..draws {
            sampler.draw(&mut rng, &mut buf);
            let mut c = ScoreLabelCounts::default();
            for s in 0..SCORES {
                c.0[s].copy_from_slice(&buf[s * 3..s * 3 + 3]);
            }
            tree.push(order.resampled_highs_in_top(&c, m, &mut rng) as f64);
            let mut idx: Vec<usize> = (0..40).map(|_| rng.random_range(0..40usize)).collect();
            idx.sort_by_key(|&i| (std::cmp::Reverse(score[i]), i));
            naive.push(
                idx[..m as usize]
                    .iter()
                    .filter(|&&i| gold[i] == High)
                    .count() as f64,
            );
        }
        let stats = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            (
                mean,
                v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64,
            )
        };
        let ((mt, vt), (mn, vn)) = (stats(&tree), stats(&naive));
        assert!((mt - mn).abs() < 0.06, "means {mt} vs {mn}");
        assert!((vt / vn - 1.0).abs() < 0.06, "variances {vt} vs {vn}");
    }

    #[test]
    fn resampling_the_original_counts_never_exceeds_the_bounds() {
        let gold = [Low, High, High, Low, High, Medium];
        let score = [70, 70, 70, 10, 70, 70];
        let order = TopOrder::new(&gold, &score);
        let counts = ScoreLabelCounts::from_leads(&gold, &score);
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        for m in 0..=6 {
            let h = order.resampled_highs_in_top(&counts, m, &mut rng);
            assert!(h <= m.min(3));
        }
    }
}
