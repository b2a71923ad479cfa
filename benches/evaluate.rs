//! Speed of a whole run's metrics as `bench report` computes them (join, every scorer
//! with 1,000-resample intervals, pairs with Holm, stability, operations, slices, and the
//! outcome metrics with the oracle, capacity and cross-fitted recalibration) for 100,000
//! leads × 5 scorers — target under 3 s —; the same with 3 scorers derived from them (two
//! ensembles and a cascade, computed from the predictions as `bench report` does, and then
//! evaluated with the others, flips, escalations and the cascade sweeps) — target under 4 s
//! —; and rendering the reports from them.
//!
//! Run: `cargo bench --bench evaluate` (one case: `cargo bench --bench evaluate -- ensembles`).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lead_bench::evaluate::{
    CascadeSpec, Combine, EnsembleSpec, Escalate, PredictionTable, ReportOptions, RunFolder,
    add_derived_scorers, evaluate,
};
use lead_bench::lead::Bands;
use lead_bench::lead::{Difficulty, Gold, Lead, LeadMeta, Outcome, Seniority, Source, Split};
use lead_bench::prediction::Status;
use lead_bench::report::{Format, run_document};
use lead_bench::score::Score;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LEADS: usize = 100_000;

/// 100,000 test leads with gold and metadata, and five scorers: the heuristic, the learned
/// model (with class probabilities), and three LLM prompts on one model (round-valued
/// scores, some parse failures, tokens and cost; the first prompt run twice).
fn run() -> RunFolder {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let bands = Bands::default();
    let archetypes = [
        "enterprise",
        "founder",
        "student",
        "agency",
        "vague",
        "vendor",
    ];
    let industries = ["software", "health", "retail", "education", "finance"];
    let mut leads = Vec::with_capacity(LEADS);
    let mut predictions = Vec::with_capacity(LEADS * 6);
    for i in 0..LEADS {
        let gold_score: u8 = rng.random_range(0..=100u8);
        let id = format!("L{i:06}");
        let p_convert =
            ((0.02 + 0.4 * (f64::from(gold_score) / 100.0).powi(2)) * 1e4).round() / 1e4;
        let converted = rng.random::<f64>() < p_convert;
        leads.push(Lead {
            lead_id: id.clone(),
            company_name: String::new(),
            company_size: (i % 7 != 0).then(|| rng.random_range(1..20_000u32)),
            domain: String::new(),
            industry: industries[i % industries.len()].to_string(),
            job_title: String::new(),
            seniority: Seniority::ALL.get(i % 7).copied(),
            inbound_message: String::new(),
            source: Source::ALL[i % Source::ALL.len()],
            enrichment: Default::default(),
            gold: Some(Gold {
                label: bands.label_for(gold_score),
                score: Some(gold_score),
            }),
            outcome: Outcome {
                converted: Some(converted),
                deal_value: converted.then(|| rng.random_range(1_000.0..50_000.0f64).round()),
            },
            meta: LeadMeta {
                archetype: Some(archetypes[i % archetypes.len()].to_string()),
                difficulty: Some(Difficulty::ALL[i % 3]),
                label_noise: Some(false),
                split: Some(Split::Test),
                p_convert: Some(p_convert),
            },
        });
        let scorers: [(&str, u32, i32, i32, f64); 6] = [
            ("heuristic", 0, 20, 1, 0.0),
            ("learned", 0, 12, 1, 0.0),
            ("llm/m/zero_shot", 0, 15, 10, 0.02),
            ("llm/m/zero_shot", 1, 15, 10, 0.02),
            ("llm/m/few_shot", 0, 12, 5, 0.05),
            ("llm/m/cot", 0, 18, 25, 0.1),
        ];
        for (scorer, repeat, noise, round, fail) in scorers {
            let s = (i32::from(gold_score) + rng.random_range(-noise..=noise)).clamp(0, 100);
            let s = ((s + round / 2) / round * round).min(100) as u8;
            let score = Score {
                lead_score: s,
                lead_label: bands.label_for(s),
                justification: String::new(),
                probabilities: (scorer == "learned").then(|| {
                    let h = f64::from(s) / 100.0;
                    [(1.0 - h) * 0.5, (1.0 - h) * 0.5, h]
                }),
            };
            let mut p = score.into_prediction("bench", &id, scorer, &bands, 1.0);
            p.repeat = repeat;
            if scorer.starts_with("llm/") {
                p.prompt_tokens = Some(400);
                p.completion_tokens = Some(50);
                p.cost_usd = Some(0.0001);
                p.latency_ms = rng.random_range(200.0..900.0);
                if rng.random::<f64>() < fail {
                    p.status = Status::ParseError;
                    p.lead_score = None;
                    p.lead_label = None;
                }
            }
            predictions.push(p);
        }
    }
    let predictions = PredictionTable::from_predictions(&leads, &predictions);
    RunFolder {
        run_id: "bench".into(),
        bands,
        started: None,
        finished: None,
        leads,
        limit: None,
        predictions,
        dataset_meta: None,
        capacity: None,
        prompts: None,
        heuristic_rules: None,
        sampled: Default::default(),
        cascades: Vec::new(),
        fingerprints: Default::default(),
        ensembles: Vec::new(),
        pricing: Default::default(),
    }
}

/// Two ensembles (the mean of the three prompts, a vote of the baselines and the cheapest
/// prompt) and a cascade from the learned model into the best prompt.
fn derived() -> (Vec<EnsembleSpec>, Vec<CascadeSpec>) {
    let ensembles = vec![
        EnsembleSpec {
            name: "prompts".into(),
            of: vec!["llm/m/*".into()],
            combine: Combine::Mean,
            weights: None,
        },
        EnsembleSpec {
            name: "vote".into(),
            of: vec![
                "heuristic".into(),
                "learned".into(),
                "llm/m/zero_shot".into(),
            ],
            combine: Combine::Vote,
            weights: None,
        },
    ];
    let cascades = vec![CascadeSpec {
        name: "learned-then-few-shot".into(),
        first: "learned".into(),
        then: "llm/m/few_shot".into(),
        escalate: Escalate {
            score_between: Some([35, 75]),
            label: None,
        },
    }];
    (ensembles, cascades)
}

fn bench(c: &mut Criterion) {
    let data = run();
    let opts = ReportOptions::default();
    let mut g = c.benchmark_group("evaluate");
    g.sample_size(10);
    g.bench_function("100k leads x 5 scorers, 1000 resamples", |b| {
        b.iter(|| evaluate(&data, &opts).expect("metrics"))
    });
    let metrics = evaluate(&data, &opts).expect("metrics");
    assert_eq!(metrics.scorers.len(), 5);
    assert_eq!(metrics.scorers[1].metrics.n, LEADS as u64);
    // Sanity, not speed: every scorer got its intervals and the first LLM its stability.
    assert!(
        metrics
            .scorers
            .iter()
            .all(|s| s.metrics.accuracy.ci_low.is_some())
    );
    assert_eq!(metrics.stability.len(), 1);
    let outcomes = metrics.outcomes.as_ref().expect("outcome metrics");
    assert!(outcomes.oracle.is_some() && outcomes.scorers.len() == 5);
    assert!(outcomes.scorers.iter().all(|s| s.recalibration.is_some()));
    // The derived scorers are computed from the predictions (as `bench report` does on
    // reading a run folder) and evaluated with the others: both inside the measured time.
    let (ensembles, cascades) = derived();
    let with_derived = || {
        let mut folder = data.clone();
        folder.cascades = cascades.clone();
        folder.ensembles = ensembles.clone();
        folder
    };
    g.bench_function(
        "100k leads x 5 scorers + 2 ensembles + 1 cascade, 1000 resamples",
        |b| {
            b.iter_batched(
                with_derived,
                |mut folder| {
                    let bands = folder.bands;
                    add_derived_scorers(&mut folder.predictions, &ensembles, &cascades, bands);
                    evaluate(&folder, &opts).expect("metrics")
                },
                BatchSize::LargeInput,
            )
        },
    );
    let mut folder = with_derived();
    let bands = folder.bands;
    add_derived_scorers(&mut folder.predictions, &ensembles, &cascades, bands);
    let derived_metrics = evaluate(&folder, &opts).expect("metrics");
    assert_eq!(derived_metrics.scorers.len(), 8);
    assert_eq!(derived_metrics.escalations.len(), 1);
    assert_eq!(derived_metrics.sweeps.len(), 3);
    g.bench_function("render report.md + report.html", |b| {
        b.iter(|| {
            let doc = run_document(&metrics);
            (Format::Markdown.render(&doc), Format::Html.render(&doc))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
