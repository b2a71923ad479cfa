//! The Rust metrics against scikit-learn, scipy, statsmodels and krippendorff: the expected
//! values in `tests/fixtures/metrics_reference.json` were computed once by
//! `scripts/reference_metrics.py` (library versions recorded in the file) and must be
//! matched to 1e-9, including ties, empty classes, a single class present and scorers whose
//! every answer failed (which must give `None`, never NaN or a panic).

use lead_bench::lead::Label;
use lead_bench::metrics::{
    Estimate, Isotonic, MetricsOptions, OutcomeInput, Platt, ScorerInput, ScorerMetrics,
    compare_pair, holm, outcome_metrics, stability, summarize, wilson,
};
use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixture() -> Value {
    let text = include_str!("../fixtures/metrics_reference.json");
    serde_json::from_str(text).expect("the committed fixture is valid JSON")
}

fn label(v: &Value) -> Option<Label> {
    v.as_u64().and_then(|i| Label::from_index(i as usize))
}

fn labels(v: &Value) -> Vec<Option<Label>> {
    v.as_array()
        .expect("an array of labels")
        .iter()
        .map(label)
        .collect()
}

fn scores(v: &Value) -> Vec<Option<u8>> {
    let arr = v.as_array().expect("an array of scores");
    arr.iter().map(|x| x.as_u64().map(|s| s as u8)).collect()
}

/// Asserts `got` equals the reference number (or both are undefined).
fn check(case: &str, metric: &str, got: Option<f64>, want: &Value) {
    match (got, want.as_f64()) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(
            (g - w).abs() <= TOL,
            "{case}: {metric} = {g}, reference {w} (diff {:e})",
            (g - w).abs()
        ),
        (g, _) => panic!("{case}: {metric} = {g:?}, reference {want}"),
    }
}

fn options(resamples: usize, fixture: &Value) -> MetricsOptions {
    MetricsOptions {
        resamples,
        seed: 7,
        confidence: 0.95,
        ece_bins: fixture["ece_bins"].as_u64().expect("ece_bins") as usize,
        precision_k: 5,
    }
}

struct Owned {
    gold: Vec<Label>,
    gold_score: Vec<Option<u8>>,
    pred: Vec<Option<(Label, u8)>>,
    probs: Option<Vec<Option<[f64; 3]>>>,
}

fn scorer_input(input: &Value) -> Owned {
    let gold: Vec<Label> = labels(&input["gold"]).into_iter().flatten().collect();
    let pred_l = labels(&input["pred"]);
    let pred_s = scores(&input["score"]);
    let pred = pred_l.iter().zip(&pred_s).map(|(l, s)| l.zip(*s)).collect();
    let probs = input["probs"].as_array().map(|rows| {
        rows.iter()
            .map(|r| {
                r.as_array()
                    .map(|p| std::array::from_fn(|k| p[k].as_f64().expect("a probability")))
            })
            .collect()
    });
    Owned {
        gold,
        gold_score: scores(&input["gold_score"]),
        pred,
        probs,
    }
}

fn run(o: &Owned, opts: &MetricsOptions) -> ScorerMetrics {
    let input = ScorerInput {
        gold: &o.gold,
        gold_score: &o.gold_score,
        pred: &o.pred,
        probabilities: o.probs.as_deref(),
    };
    summarize(&input, opts).expect("fixture inputs are well formed")
}

#[test]
fn scorer_metrics_match_the_references() {
    let fx = fixture();
    let cases = fx["scorer_cases"].as_array().expect("scorer cases");
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().expect("case name");
        let e = &case["expected"];
        let m = run(&scorer_input(&case["input"]), &options(0, &fx));
        assert_eq!(Some(m.n), e["n"].as_u64(), "{name}: n");
        assert_eq!(Some(m.n_parsed), e["n_parsed"].as_u64(), "{name}: n_parsed");
        assert_eq!(
            Some(m.top_decile_k),
            e["top_decile_k"].as_u64(),
            "{name}: k"
        );
        let headline: [(&str, Estimate); 19] = [
            ("coverage", m.coverage),
            ("accuracy", m.accuracy),
            ("accuracy_strict", m.accuracy_strict),
            ("macro_f1", m.macro_f1),
            ("cohen_kappa", m.cohen_kappa),
            ("quadratic_kappa", m.quadratic_kappa),
            ("krippendorff_alpha", m.krippendorff_alpha),
            ("spearman", m.spearman),
            ("kendall_tau_b", m.kendall_tau_b),
            ("mae", m.mae),
            ("roc_auc_high", m.roc_auc_high),
            ("average_precision_high", m.average_precision_high),
            ("ndcg", m.ndcg),
            ("ece", m.ece),
            ("brier_high", m.brier_high),
            ("brier_3class", m.brier_3class),
            ("log_loss", m.log_loss),
            ("lift_top_decile", m.lift_top_decile),
            ("precision_at_k", m.precision_at_k),
        ];
        for (metric, est) in headline {
            check(name, metric, est.value, &e[metric]);
            assert_eq!(
                (est.ci_low, est.ci_high),
                (None, None),
                "{name}: no resamples"
            );
        }
        for (k, c) in m.per_class.iter().enumerate() {
            check(
                name,
                "precision",
                c.precision.value.or(Some(0.0)),
                &e["precision"][k],
            );
            check(
                name,
                "recall",
                c.recall.value.or(Some(0.0)),
                &e["recall"][k],
            );
            check(name, "f1", c.f1.value.or(Some(0.0)), &e["f1"][k]);
            assert_eq!(Some(c.support), e["support"][k].as_u64(), "{name}: support");
        }
        for i in 0..3 {
            for j in 0..3 {
                assert_eq!(Some(m.confusion.0[i][j]), e["confusion"][i][j].as_u64());
            }
        }
        assert_eq!(m.reliability.bins, m.reliability.rows.len());
        for (b, want) in m
            .reliability
            .rows
            .iter()
            .zip(e["reliability"].as_array().expect("bins"))
        {
            assert_eq!(Some(b.count), want["count"].as_u64(), "{name}: bin count");
            check(
                name,
                "bin mean_predicted",
                b.mean_predicted,
                &want["mean_predicted"],
            );
            check(name, "bin observed", b.observed, &want["observed"]);
        }
        for (row, want) in m.gains.iter().zip(e["gains"].as_array().expect("gains")) {
            assert_eq!(
                Some(row.count),
                want["count"].as_u64(),
                "{name}: decile count"
            );
            assert_eq!(
                Some(row.high),
                want["high"].as_u64(),
                "{name}: decile highs"
            );
        }
    }
}

#[test]
fn intervals_exist_and_are_never_nan() {
    let fx = fixture();
    for case in fx["scorer_cases"].as_array().expect("scorer cases") {
        let name = case["name"].as_str().expect("case name");
        let m = run(&scorer_input(&case["input"]), &options(200, &fx));
        let json = serde_json::to_value(&m).expect("metrics serialise");
        let text = json.to_string();
        assert!(
            !text.contains("NaN") && !text.contains("inf"),
            "{name}: {text}"
        );
        for (key, v) in json.as_object().expect("an object") {
            if let Some(value) = v.get("value") {
                let (lo, hi) = (v["ci_low"].as_f64(), v["ci_high"].as_f64());
                if value.is_null() {
                    assert!(
                        lo.is_none() && hi.is_none(),
                        "{name}: {key} interval without value"
                    );
                }
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    assert!(lo <= hi, "{name}: {key} interval [{lo}, {hi}]");
                }
            }
        }
        if name.starts_with("random") {
            assert!(
                m.accuracy.ci_low.is_some() && m.roc_auc_high.ci_high.is_some(),
                "{name}"
            );
        }
    }
}

#[test]
fn pair_metrics_match_the_references() {
    let fx = fixture();
    for case in fx["pair_cases"].as_array().expect("pair cases") {
        let name = case["name"].as_str().expect("case name");
        let (input, e) = (&case["input"], &case["expected"]);
        let gold: Vec<Label> = labels(&input["gold"]).into_iter().flatten().collect();
        let (a, b) = (labels(&input["a"]), labels(&input["b"]));
        let m = compare_pair(&a, &b, &gold, &options(0, &fx)).expect("aligned inputs");
        assert_eq!(
            Some(m.n_both_parsed),
            e["n_both"].as_u64(),
            "{name}: n_both"
        );
        check(name, "agreement", m.agreement.value, &e["agreement"]);
        check(name, "kappa", m.kappa.value, &e["kappa"]);
        check(name, "mcnemar_p", Some(m.mcnemar_p), &e["mcnemar_p"]);
        check(
            name,
            "accuracy_difference",
            m.accuracy_difference.value,
            &e["accuracy_difference"],
        );
        assert_eq!(
            Some(m.only_a_correct),
            e["mcnemar_table"][0][1].as_u64(),
            "{name}: b"
        );
        assert_eq!(
            Some(m.only_b_correct),
            e["mcnemar_table"][1][0].as_u64(),
            "{name}: c"
        );
    }
}

#[test]
fn holm_matches_statsmodels() {
    let fx = fixture();
    for case in fx["holm_cases"].as_array().expect("holm cases") {
        let p: Vec<f64> = case["p"]
            .as_array()
            .expect("p")
            .iter()
            .flat_map(Value::as_f64)
            .collect();
        let got = holm(&p);
        let want = case["expected"].as_array().expect("adjusted p");
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            check("holm", "adjusted p", Some(*g), w);
        }
    }
}

#[test]
fn stability_matches_statsmodels_fleiss() {
    let fx = fixture();
    for case in fx["stability_cases"].as_array().expect("stability cases") {
        let name = case["name"].as_str().expect("case name");
        let reps: Vec<Vec<Option<Label>>> = case["input"]["labels_by_repeat"]
            .as_array()
            .expect("repeats")
            .iter()
            .map(labels)
            .collect();
        let s = stability(&reps, &options(0, &fx)).expect("valid options");
        let e = &case["expected"];
        assert_eq!(
            Some(s.n_complete),
            e["n_complete"].as_u64(),
            "{name}: complete"
        );
        check(
            name,
            "fleiss_kappa",
            s.fleiss_kappa.value,
            &e["fleiss_kappa"],
        );
        check(
            name,
            "share_identical",
            s.share_identical.value,
            &e["share_identical"],
        );
    }
}

/// Percentile intervals agree with `scipy.stats.bootstrap(method="percentile")` within
/// Monte-Carlo error (both sides use a few thousand resamples of 300 leads).
#[test]
fn intervals_agree_with_scipy_bootstrap() {
    let fx = fixture();
    let r = &fx["bootstrap_reference"];
    let input = &r["input"];
    let gold: Vec<Label> = labels(&input["gold"]).into_iter().flatten().collect();
    let pred: Vec<Option<(Label, u8)>> = labels(&input["pred"])
        .iter()
        .zip(scores(&input["score"]))
        .map(|(l, s)| l.zip(s))
        .collect();
    let gold_score = vec![None; gold.len()];
    let opts = MetricsOptions {
        resamples: r["resamples"].as_u64().expect("resamples") as usize,
        confidence: r["confidence"].as_f64().expect("confidence"),
        ..MetricsOptions::default()
    };
    let scorer = ScorerInput {
        gold: &gold,
        gold_score: &gold_score,
        pred: &pred,
        probabilities: None,
    };
    let m = summarize(&scorer, &opts).expect("aligned inputs");
    for (metric, est) in [
        ("accuracy", m.accuracy),
        ("roc_auc_high", m.roc_auc_high),
        ("cohen_kappa", m.cohen_kappa),
    ] {
        let (lo, hi) = (est.ci_low.expect("defined"), est.ci_high.expect("defined"));
        let (want_lo, want_hi) = (r[metric][0].as_f64(), r[metric][1].as_f64());
        let (want_lo, want_hi) = (want_lo.expect("low"), want_hi.expect("high"));
        eprintln!("{metric}: [{lo:.4}, {hi:.4}], scipy [{want_lo:.4}, {want_hi:.4}]");
        assert!(
            (lo - want_lo).abs() < 0.015 && (hi - want_hi).abs() < 0.015,
            "{metric}: [{lo}, {hi}] vs scipy [{want_lo}, {want_hi}]"
        );
    }
}

fn floats(v: &Value) -> Vec<f64> {
    let arr = v.as_array().expect("an array of numbers");
    arr.iter().map(|x| x.as_f64().expect("a number")).collect()
}

#[test]
fn outcome_metrics_match_scikit_learn() {
    let fx = fixture();
    let opts = options(0, &fx);
    for case in fx["outcome_cases"].as_array().expect("outcome cases") {
        let name = case["name"].as_str().expect("name");
        let input = &case["input"];
        let value: Vec<Option<f64>> = floats(&input["value"]).into_iter().map(Some).collect();
        let converted: Vec<bool> = input["converted"]
            .as_array()
            .expect("outcomes")
            .iter()
            .map(|y| y.as_u64() == Some(1))
            .collect();
        let deal: Vec<Option<f64>> = input["deal"]
            .as_array()
            .expect("deals")
            .iter()
            .map(Value::as_f64)
            .collect();
        let probability: fn(f64) -> f64 = if input["scale"].as_f64() == Some(100.0) {
            |s| s / 100.0
        } else {
            |p| p
        };
        let m = outcome_metrics(
            &OutcomeInput {
                value: &value,
                probability,
                converted: &converted,
                deal_value: &deal,
                p_true: None,
                capacity: input["capacity"].as_u64().expect("capacity"),
            },
            &opts,
        )
        .expect("metrics");
        let want = &case["expected"];
        check(name, "roc_auc", m.roc_auc.value, &want["roc_auc"]);
        check(
            name,
            "average_precision",
            m.average_precision.value,
            &want["average_precision"],
        );
        check(name, "brier", m.brier.value, &want["brier"]);
        check(name, "ece", m.ece.value, &want["ece"]);
        check(
            name,
            "capacity_precision",
            m.capacity.precision.value,
            &want["capacity_precision"],
        );
        check(
            name,
            "capacity_recall",
            m.capacity.recall.value,
            &want["capacity_recall"],
        );
        check(
            name,
            "revenue_share",
            m.capacity.revenue_share.value,
            &want["revenue_share"],
        );
    }
}

#[test]
fn wilson_intervals_match_statsmodels() {
    for case in fixture()["wilson_cases"].as_array().expect("wilson cases") {
        let (k, n) = (
            case["k"].as_u64().expect("k"),
            case["n"].as_u64().expect("n"),
        );
        let (lo, hi) = wilson(k, n, 0.95).expect("defined");
        let name = format!("{k} of {n}");
        check(&name, "low", Some(lo), &case["low"]);
        check(&name, "high", Some(hi), &case["high"]);
    }
}

#[test]
fn isotonic_and_platt_maps_match_scikit_learn() {
    for case in fixture()["recalibration_cases"]
        .as_array()
        .expect("recalibration cases")
    {
        let name = case["name"].as_str().expect("name");
        let (x, y) = (floats(&case["x"]), floats(&case["y"]));
        let iso = Isotonic::fit(&x, &y).expect("isotonic fits");
        let platt = Platt::fit(&x, &y).expect("platt fits");
        check(name, "platt a", Some(platt.a), &case["platt_a"]);
        check(name, "platt b", Some(platt.b), &case["platt_b"]);
        let grid = floats(&case["grid"]);
        for (i, g) in grid.iter().enumerate() {
            check(
                name,
                &format!("isotonic({g})"),
                Some(iso.predict(*g)),
                &case["isotonic"][i],
            );
            check(
                name,
                &format!("platt({g})"),
                Some(platt.predict(*g)),
                &case["platt"][i],
            );
        }
    }
}
