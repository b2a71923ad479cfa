//! The rules docs/reports.md states under "Exact rules", each checked on the case that
//! tells it from the rule a re-implementer would otherwise guess (rounding halves, which
//! side of a bin edge is closed, how uneven deciles fall). The rules over private parts
//! (conversion deciles, recalibration folds, lead-id order) are unit tests beside them.

use lead_bench::lead::Label;
use lead_bench::metrics::{
    CapacitySetting, MetricsOptions, OutcomeInput, TopOrder, gains_table, outcome_metrics,
    top_decile,
};

fn point_only() -> MetricsOptions {
    MetricsOptions {
        resamples: 0,
        ..MetricsOptions::default()
    }
}

/// k = s·n rounded half away from zero (not to even, as Python's `round`), at least 1 and
/// at most n; a number of leads is capped at n.
#[test]
fn capacity_k_rounds_halves_up_and_keeps_at_least_one_lead() {
    let share = |s: f64, n: u64| CapacitySetting::Share(s).leads_of(n);
    assert_eq!(share(0.25, 10), 3, "2.5 → 3");
    assert_eq!(share(0.05, 10), 1, "0.5 → 1");
    assert_eq!(share(0.25, 2), 1, "0.5 → 1");
    assert_eq!(share(0.5, 5), 3, "2.5 → 3");
    assert_eq!(share(0.2, 38), 8, "7.6 → 8");
    assert_eq!(share(0.24, 10), 2, "2.4 → 2");
    assert_eq!(share(0.01, 10), 1, "0.1 → at least 1");
    assert_eq!(share(1.0, 7), 7);
    assert_eq!(share(0.2, 0), 0);
    assert_eq!(CapacitySetting::Leads(50).leads_of(10), 10);
    assert_eq!(CapacitySetting::Leads(3).leads_of(10), 3);
}

/// Gains decile d holds positions ⌈(d−1)n/10⌉ .. ⌈dn/10⌉: larger deciles first; the top
/// decile is ⌈n/10⌉ leads.
#[test]
fn gains_deciles_fall_on_ceilings() {
    let n = 15;
    let gold = vec![Label::Low; n];
    let score: Vec<u8> = (0..n as u8).collect();
    let rows = gains_table(&TopOrder::new(&gold, &score), n as u64);
    let counts: Vec<u64> = rows.iter().map(|r| r.count).collect();
    assert_eq!(counts, [2, 1, 2, 1, 2, 1, 2, 1, 2, 1]);
    assert_eq!(top_decile(15), 2);
    assert_eq!(top_decile(10), 1);
    assert_eq!(top_decile(1), 1);
}

/// Equal scores in a top-k list are taken in lead-index (lead-id) order: the first lead
/// of the tied group is in the top decile, the second is not.
#[test]
fn a_tie_at_the_top_decile_is_broken_by_lead_order() {
    let score = [90, 90, 10, 10, 10, 10, 10, 10, 10, 10];
    let first_high = [
        Label::High,
        Label::Low,
        Label::Low,
        Label::Low,
        Label::Low,
        Label::Low,
        Label::Low,
        Label::Low,
        Label::Low,
        Label::Low,
    ];
    let mut second_high = first_high;
    second_high.swap(0, 1);
    assert_eq!(TopOrder::new(&first_high, &score).highs_in_top(1), 1);
    assert_eq!(TopOrder::new(&second_high, &score).highs_in_top(1), 0);
}

/// Outcome ECE bins are right-closed, (0.1, 0.2] holding both 0.11 and 0.20: one bin with
/// rate ½ and mean p 0.155, not two bins (0.455).
#[test]
fn outcome_ece_bins_are_closed_on_the_right() {
    let ece = |scores: [f64; 2]| {
        let value = scores.map(Some);
        let input = OutcomeInput {
            value: &value,
            probability: |s| s / 100.0,
            converted: &[false, true],
            deal_value: &[None, None],
            p_true: None,
            capacity: 1,
        };
        let m = outcome_metrics(&input, &point_only()).expect("metrics");
        m.ece.value.expect("defined")
    };
    assert!((ece([11.0, 20.0]) - 0.345).abs() < 1e-12);
    // 0.10 is in the first bin, 0.11 in the second: two bins.
    assert!((ece([10.0, 11.0]) - (0.5 * 0.1 + 0.5 * 0.89)).abs() < 1e-12);
}

/// Capacity takes whole groups of equal score from the top and the group at the cut in
/// proportion; the cut-off is that group's score.
#[test]
fn capacity_takes_the_group_at_the_cut_in_proportion() {
    let value = [Some(80.0), Some(60.0), Some(60.0), Some(60.0), None];
    let converted = [false, true, false, false, true];
    let input = OutcomeInput {
        value: &value,
        probability: |s| s / 100.0,
        converted: &converted,
        deal_value: &[None; 5],
        p_true: None,
        capacity: CapacitySetting::Share(0.4).leads_of(5),
    };
    let m = outcome_metrics(&input, &point_only()).expect("metrics");
    // k = 2: the 80, then a third of the three 60s (a third of one converter).
    assert_eq!(m.capacity.k, 2);
    assert_eq!(m.capacity.cutoff, Some(60.0));
    let precision = m.capacity.precision.value.expect("defined");
    assert!((precision - (1.0 / 3.0) / 2.0).abs() < 1e-12);
    let recall = m.capacity.recall.value.expect("defined");
    assert!((recall - (1.0 / 3.0) / 2.0).abs() < 1e-12);
}
