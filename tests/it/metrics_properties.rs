//! Invariants of the metrics on arbitrary small inputs: ranges (κ ≤ 1, AUC ∈ [0, 1], …),
//! no NaN and no panic whatever the input, invariance under reordering the leads, and the
//! symmetries of pairwise comparisons and Holm's correction.

use lead_bench::lead::Label;
use lead_bench::metrics::{
    Estimate, MetricsOptions, ScorerInput, ScorerMetrics, compare_pair, holm, summarize,
};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = Label> {
    (0usize..3).prop_map(|i| Label::from_index(i).expect("0..3 is a label"))
}

/// One lead: (gold, gold score, prediction).
type Row = (Label, Option<u8>, Option<(Label, u8)>);

/// Leads with unparsed predictions and missing gold scores mixed in.
fn leads() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            label(),
            prop::option::weighted(0.8, 0u8..=100),
            prop::option::weighted(0.85, (label(), prop_oneof![0u8..=100, Just(50), Just(70)])),
        ),
        0..60,
    )
}

fn run(leads: &[Row], resamples: usize) -> ScorerMetrics {
    let gold: Vec<Label> = leads.iter().map(|l| l.0).collect();
    let gold_score: Vec<Option<u8>> = leads.iter().map(|l| l.1).collect();
    let pred: Vec<Option<(Label, u8)>> = leads.iter().map(|l| l.2).collect();
    let opts = MetricsOptions {
        resamples,
        precision_k: 5,
        ..MetricsOptions::default()
    };
    let input = ScorerInput {
        gold: &gold,
        gold_score: &gold_score,
        pred: &pred,
        probabilities: None,
    };
    summarize(&input, &opts).expect("aligned inputs")
}

fn within(e: Estimate, lo: f64, hi: f64) -> bool {
    [e.value, e.ci_low, e.ci_high]
        .into_iter()
        .flatten()
        .all(|v| v.is_finite() && (lo - 1e-12..=hi + 1e-12).contains(&v))
}

/// Metrics that do not depend on the order of leads (everything but the top-k ones,
/// whose ties break by lead index).
fn order_free(m: &ScorerMetrics) -> Vec<Option<f64>> {
    [
        m.coverage,
        m.accuracy,
        m.accuracy_strict,
        m.macro_f1,
        m.cohen_kappa,
        m.quadratic_kappa,
        m.krippendorff_alpha,
        m.spearman,
        m.kendall_tau_b,
        m.mae,
        m.roc_auc_high,
        m.average_precision_high,
        m.ndcg,
        m.ece,
        m.brier_high,
    ]
    .iter()
    .map(|e| e.value)
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn metrics_stay_in_range(leads in leads()) {
        let m = run(&leads, 30);
        for e in [m.coverage, m.accuracy, m.accuracy_strict, m.macro_f1, m.roc_auc_high,
                  m.average_precision_high, m.ndcg, m.ece, m.brier_high, m.precision_at_k] {
            prop_assert!(within(e, 0.0, 1.0), "{e:?}");
        }
        for e in [m.cohen_kappa, m.quadratic_kappa, m.krippendorff_alpha] {
            prop_assert!(within(e, f64::NEG_INFINITY, 1.0), "{e:?}");
        }
        for e in [m.spearman, m.kendall_tau_b] {
            prop_assert!(within(e, -1.0, 1.0), "{e:?}");
        }
        prop_assert!(within(m.mae, 0.0, 100.0));
        prop_assert!(within(m.lift_top_decile, 0.0, f64::INFINITY));
        let reliability: u64 = m.reliability.rows.iter().map(|b| b.count).sum();
        prop_assert_eq!(reliability, m.n_parsed);
        let gains: u64 = m.gains.iter().map(|g| g.count).sum();
        prop_assert_eq!(gains, m.n_parsed);
        let text = serde_json::to_string(&m).expect("metrics serialise");
        prop_assert!(!text.contains("NaN"));
    }

    #[test]
    fn reordering_leads_changes_nothing_order_free(leads in leads()) {
        let mut reversed = leads.clone();
        reversed.reverse();
        let (a, b) = (run(&leads, 0), run(&reversed, 0));
        for (x, y) in order_free(&a).into_iter().zip(order_free(&b)) {
            match (x, y) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-12, "{x} vs {y}"),
                (x, y) => prop_assert_eq!(x, y),
            }
        }
        prop_assert_eq!(a.confusion, b.confusion);
    }

    #[test]
    fn swapping_scorers_mirrors_the_comparison(
        rows in prop::collection::vec(
            (label(), prop::option::of(label()), prop::option::of(label())), 0..50),
    ) {
        let gold: Vec<Label> = rows.iter().map(|r| r.0).collect();
        let a: Vec<Option<Label>> = rows.iter().map(|r| r.1).collect();
        let b: Vec<Option<Label>> = rows.iter().map(|r| r.2).collect();
        let opts = MetricsOptions { resamples: 20, ..MetricsOptions::default() };
        let ab = compare_pair(&a, &b, &gold, &opts).expect("aligned");
        let ba = compare_pair(&b, &a, &gold, &opts).expect("aligned");
        prop_assert_eq!(ab.agreement.value, ba.agreement.value);
        match (ab.kappa.value, ba.kappa.value) {
            (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-12, "{x} vs {y}"),
            (x, y) => prop_assert_eq!(x, y),
        }
        prop_assert_eq!(ab.mcnemar_p, ba.mcnemar_p);
        prop_assert!((0.0..=1.0).contains(&ab.mcnemar_p));
        prop_assert_eq!(ab.accuracy_difference.value, ba.accuracy_difference.value.map(|d| -d));
    }

    #[test]
    fn holm_never_lowers_a_p_value(p in prop::collection::vec(0.0f64..=1.0, 0..12)) {
        let adj = holm(&p);
        prop_assert_eq!(adj.len(), p.len());
        for (raw, a) in p.iter().zip(&adj) {
            prop_assert!(a >= raw && *a <= 1.0);
        }
        for i in 0..p.len() {
            for j in 0..p.len() {
                if p[i] < p[j] {
                    prop_assert!(adj[i] <= adj[j]);
                }
            }
        }
    }
}

#[test]
fn mismatched_lengths_are_an_error_not_a_panic() {
    let gold = [Label::High, Label::Low];
    let input = ScorerInput {
        gold: &gold,
        gold_score: &[None],
        pred: &[None, None],
        probabilities: None,
    };
    let err = summarize(&input, &MetricsOptions::default()).expect_err("lengths differ");
    assert!(
        err.to_string()
            .contains("gold_score has 1 entries, expected 2"),
        "{err}"
    );
    let bad = [Some([0.5, 0.7, f64::NAN]), None];
    let input = ScorerInput {
        gold_score: &[None, None],
        probabilities: Some(&bad),
        ..input
    };
    let err = summarize(&input, &MetricsOptions::default()).expect_err("NaN probability");
    assert!(err.to_string().contains("lead 0"), "{err}");
}
