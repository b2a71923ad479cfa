//! The learned scorer end to end on a programmatic synthetic dataset: determinism, held-out
//! accuracy against the majority class, feature sets and the leakage check, save/load,
//! errors, and the probability/score/label contract.

use crate::support::synthetic;

use lead_bench::lead::Bands;
use lead_bench::lead::{Gold, Label, Lead, Split};
use lead_bench::score::Scorer;
use lead_bench::score::learned::{
    FeatureSet, LearnedError, LearnedModel, LearnedOptions, ensure_split, evaluate_held_out,
    leakage_check, resolve_splits,
};
use synthetic::synthetic_leads;

fn opts() -> LearnedOptions {
    LearnedOptions::default()
}

fn train(leads: &[Lead], o: &LearnedOptions) -> LearnedModel {
    LearnedModel::train(leads, o, Bands::default()).expect("training on the synthetic set")
}

#[test]
fn same_data_and_seed_give_an_identical_model() {
    let leads = synthetic_leads(3000, 1, 0.05);
    let a = serde_json::to_string(&train(&leads, &opts())).expect("serialize");
    let b = serde_json::to_string(&train(&leads, &opts())).expect("serialize");
    assert_eq!(a, b);
    // Another seed draws another split, hence another model.
    let other = LearnedOptions { seed: 7, ..opts() };
    let c = serde_json::to_string(&train(&leads, &other)).expect("serialize");
    assert_ne!(a, c);
}

#[test]
fn beats_the_majority_class_by_a_wide_margin_on_held_out_leads() {
    let leads = synthetic_leads(4000, 2, 0.05);
    let model = train(&leads, &opts());
    let held = evaluate_held_out(&model, &leads);
    let summary = model.summary();
    assert_eq!(summary.n_train + held.n_test, leads.len());
    assert_eq!(held.n_test, 1600, "40 % of each class is held out");
    assert!(summary.converged, "{summary:?}");
    assert!(
        held.accuracy >= held.majority_accuracy + 0.25,
        "learned {:.3} vs majority {:.3}",
        held.accuracy,
        held.majority_accuracy
    );
}

#[test]
fn only_train_leads_shape_the_model() {
    let mut leads = synthetic_leads(1500, 3, 0.05);
    assert!(ensure_split(&mut leads, 0.3, 11));
    let before = serde_json::to_string(&train(&leads, &opts())).expect("serialize");
    // Rewriting every test lead's gold label and message must not change the model.
    for l in leads
        .iter_mut()
        .filter(|l| l.meta.split == Some(Split::Test))
    {
        l.gold = Some(Gold {
            label: Label::High,
            score: None,
        });
        l.inbound_message = "pricing pricing pricing".to_string();
    }
    let after = serde_json::to_string(&train(&leads, &opts())).expect("serialize");
    assert_eq!(before, after);
    // The dataset's split column wins over the seed.
    let s = resolve_splits(&leads, 0.9, 999);
    assert!(s.iter().zip(&leads).all(|(s, l)| Some(*s) == l.meta.split));
}

#[test]
fn message_only_and_firmographic_only_each_learn_and_all_features_learn_most() {
    let leads = synthetic_leads(4000, 4, 0.05);
    let report = leakage_check(&leads, &opts(), Bands::default()).expect("leakage check");
    for (name, acc) in [
        ("all", report.all),
        ("message_only", report.message_only),
        ("firmographic_only", report.firmographic_only),
    ] {
        assert!(
            acc >= report.majority_accuracy + 0.08,
            "{name}: {acc:.3} vs majority {:.3}",
            report.majority_accuracy
        );
    }
    assert!(report.all > report.message_only.max(report.firmographic_only));
    assert!(!report.message_leaks, "{report:?}");
}

#[test]
fn leakage_check_flags_a_message_that_names_the_label() {
    let mut leads = synthetic_leads(2000, 5, 0.0);
    for l in &mut leads {
        let label = l.gold.expect("synthetic leads are labelled").label;
        l.inbound_message = format!("{} tier_{label}", l.inbound_message);
    }
    let report = leakage_check(&leads, &opts(), Bands::default()).expect("leakage check");
    assert!(report.message_only > 0.95, "{report:?}");
    assert!(report.message_leaks);
}

#[test]
fn save_and_load_give_identical_predictions() {
    let leads = synthetic_leads(1500, 6, 0.05);
    let model = train(&leads, &opts());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("models").join("learned.json");
    model.save(&path).expect("save");
    let loaded = LearnedModel::load(&path).expect("load");
    assert_eq!(loaded.summary(), model.summary());
    assert_eq!(loaded.options(), model.options());
    for lead in &leads {
        assert_eq!(loaded.predict_proba(lead), model.predict_proba(lead));
        assert_eq!(loaded.score(lead), model.score(lead));
    }
    let again = dir.path().join("again.json");
    loaded.save(&again).expect("save again");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        std::fs::read(&again).expect("read")
    );
}

#[test]
fn loading_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.json");
    let e = LearnedModel::load(&missing).expect_err("missing file");
    assert!(e.to_string().contains("nope.json"), "{e}");

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"version\": 1}").expect("write");
    let e = LearnedModel::load(&garbage).expect_err("not a model");
    assert!(matches!(e, LearnedError::Parse { .. }), "{e}");
    assert!(e.to_string().contains("garbage.json"), "{e}");

    let model = train(&synthetic_leads(300, 7, 0.0), &opts());
    let mut json: serde_json::Value = serde_json::to_value(&model).expect("to_value");
    json["version"] = serde_json::json!(99);
    let future = dir.path().join("future.json");
    std::fs::write(&future, json.to_string()).expect("write");
    let e = LearnedModel::load(&future).expect_err("future version");
    assert!(matches!(e, LearnedError::Invalid { .. }), "{e}");
    assert!(
        e.to_string().contains("future.json") && e.to_string().contains("99"),
        "{e}"
    );
}

#[test]
fn training_needs_train_leads_of_two_classes() {
    let mut unlabelled = synthetic_leads(50, 8, 0.0);
    for l in &mut unlabelled {
        l.gold = None;
    }
    let e = LearnedModel::train(&unlabelled, &opts(), Bands::default()).expect_err("no gold");
    assert!(
        matches!(e, LearnedError::NoTrainingData { n_labelled: 0, .. }),
        "{e}"
    );

    let mut all_test = synthetic_leads(50, 8, 0.0);
    for l in &mut all_test {
        l.meta.split = Some(Split::Test);
    }
    let e = LearnedModel::train(&all_test, &opts(), Bands::default()).expect_err("no train");
    assert!(
        matches!(e, LearnedError::NoTrainingData { n_labelled: 50, .. }),
        "{e}"
    );

    let mut one_class = synthetic_leads(50, 8, 0.0);
    for l in &mut one_class {
        l.gold = Some(Gold {
            label: Label::Medium,
            score: None,
        });
    }
    let e = LearnedModel::train(&one_class, &opts(), Bands::default()).expect_err("one class");
    assert!(
        matches!(
            e,
            LearnedError::OneClass {
                label: Label::Medium,
                ..
            }
        ),
        "{e}"
    );

    let bad = LearnedOptions {
        test_fraction: 1.0,
        ..opts()
    };
    let e = LearnedModel::train(&one_class, &bad, Bands::default()).expect_err("bad option");
    assert!(e.to_string().contains("test_fraction"), "{e}");
}

#[test]
fn probabilities_scores_and_labels_follow_the_contract() {
    let leads = synthetic_leads(2000, 9, 0.05);
    for bands in [Bands::default(), Bands::new(80, 20).expect("valid bands")] {
        let model = LearnedModel::train(&leads, &opts(), bands).expect("train");
        assert_eq!(model.id(), "learned");
        let mut seen = [false; 3];
        let mut points = Vec::new();
        for lead in &leads {
            let s = model.score(lead);
            let p = s.probabilities.expect("learned scores carry probabilities");
            points.push((s.lead_label, p[1] + 2.0 * p[2], s.lead_score));
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{p:?}");
            assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
            assert!(s.is_consistent(&bands), "{s:?}");
            assert_eq!(s.lead_label, model.predict_label(lead));
            assert!(
                s.justification.starts_with("learned: p("),
                "{}",
                s.justification
            );
            assert!(s.justification.len() < 160, "{}", s.justification);
            seen[s.lead_label.index()] = true;
        }
        assert_eq!(seen, [true; 3], "all three labels are predicted");
        // Within a label the score never falls as p_medium + 2·p_high rises.
        points.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for w in points.windows(2) {
            if w[0].0 == w[1].0 {
                assert!(w[0].2 <= w[1].2, "{w:?}");
            } else {
                assert!(w[0].2 < w[1].2, "{w:?}");
            }
        }
    }
}

#[test]
fn justification_names_the_driving_features() {
    let leads = synthetic_leads(3000, 10, 0.0);
    let model = train(&leads, &opts());
    let mut buyer = leads[0].clone();
    buyer.company_size = Some(20000);
    buyer.inbound_message = "please send an enterprise quote, our security review starts".into();
    buyer.seniority = Some(lead_bench::lead::Seniority::Vp);
    let s = model.score(&buyer);
    assert_eq!(s.lead_label, Label::High, "{s:?}");
    assert!(s.justification.contains('+'), "{}", s.justification);
    let mut student = leads[0].clone();
    student.company_size = Some(1);
    student.inbound_message = "this is for my homework, course assignment".into();
    student.seniority = Some(lead_bench::lead::Seniority::Entry);
    let s = model.score(&student);
    assert_eq!(s.lead_label, Label::Low, "{s:?}");
}

#[test]
fn message_only_model_ignores_firmographics() {
    let leads = synthetic_leads(1000, 12, 0.05);
    let o = LearnedOptions {
        features: FeatureSet::MessageOnly,
        ..opts()
    };
    let model = train(&leads, &o);
    let mut changed = leads[0].clone();
    changed.company_size = Some(50_000);
    changed.seniority = Some(lead_bench::lead::Seniority::CSuite);
    changed.industry = "Aerospace".into();
    assert_eq!(
        model.predict_proba(&changed),
        model.predict_proba(&leads[0])
    );
    changed.inbound_message.push_str(" pricing");
    assert_ne!(
        model.predict_proba(&changed),
        model.predict_proba(&leads[0])
    );
}

/// The CRM case: leads with `converted` and no gold label. The learned model trains on
/// conversion (auto), says so in its summary and justifications, scores p(convert) × 100 with
/// the band's label and no class probabilities, and ranks converters above the rest.
#[test]
fn without_gold_labels_it_trains_on_conversions() {
    use lead_bench::lead::Outcome;
    use lead_bench::score::learned::{Target, TrainedOn};

    // Converted: the gold-high leads, and a few others, as a CRM would record deals.
    let mut leads = synthetic_leads(3000, 11, 0.0);
    for (i, l) in leads.iter_mut().enumerate() {
        let high = l.gold.is_some_and(|g| g.label == Label::High);
        l.outcome = Outcome {
            converted: Some(high != (i % 17 == 0)),
            deal_value: None,
        };
    }
    let with_gold = leads.clone();
    for l in &mut leads {
        l.gold = None;
    }
    let model = train(&leads, &opts());
    assert_eq!(model.summary().trained_on, TrainedOn::Converted);
    let bands = Bands::default();
    let splits = resolve_splits(&leads, opts().test_fraction, opts().seed);
    let (mut converters, mut others) = (Vec::new(), Vec::new());
    for (l, s) in leads.iter().zip(&splits) {
        let score = model.score(l);
        assert_eq!(score.lead_label, bands.label_for(score.lead_score));
        assert!(
            score.probabilities.is_none(),
            "not low/medium/high probabilities"
        );
        assert!(
            score
                .justification
                .starts_with("learned on conversions: p(convert)=")
        );
        if *s == Split::Test {
            let v = f64::from(score.lead_score);
            if l.outcome.converted == Some(true) {
                converters.push(v)
            } else {
                others.push(v)
            }
        }
    }
    // Held-out AUC of the score against conversion.
    let pairs = converters.len() as f64 * others.len() as f64;
    let wins: f64 = converters
        .iter()
        .flat_map(|c| {
            others.iter().map(move |o| {
                if c > o {
                    1.0
                } else if c == o {
                    0.5
                } else {
                    0.0
                }
            })
        })
        .sum();
    assert!(wins / pairs > 0.8, "held-out AUC {}", wins / pairs);

    // A model file keeps what it was trained on.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.json");
    model.save(&path).expect("save");
    let back = LearnedModel::load(&path).expect("load");
    assert_eq!(back.summary().trained_on, TrainedOn::Converted);
    assert_eq!(back.score(&leads[0]), model.score(&leads[0]));

    // `target = "gold"` without gold labels is an error naming both counts.
    let gold_only = LearnedOptions {
        target: Target::Gold,
        ..opts()
    };
    match LearnedModel::train(&leads, &gold_only, bands) {
        Err(LearnedError::NoTrainingData {
            n_labelled: 0,
            n_outcomes: 3000,
            ..
        }) => {}
        other => panic!("expected NoTrainingData, got {other:?}"),
    }
    // With both, auto trains on gold; `target = "converted"` on conversions.
    assert_eq!(
        train(&with_gold, &opts()).summary().trained_on,
        TrainedOn::Gold
    );
    let on_outcomes = LearnedOptions {
        target: Target::Converted,
        ..opts()
    };
    assert_eq!(
        train(&with_gold, &on_outcomes).summary().trained_on,
        TrainedOn::Converted
    );
}
