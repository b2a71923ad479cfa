//! Learned scorer speed: training on 50,000 leads (target < 10 s) and scoring throughput
//! (target ≥ 100,000 leads/s), on the programmatic synthetic set of `tests/learned/`.
//!
//! `cargo bench --bench learned`. Before timing, it prints the quality figures of the same
//! 50,000-lead set under the default seeded split (held-out accuracy with all features,
//! message-only and firmographic-only, against the majority class), so one command gives
//! both the speed and the accuracy the issue asks for.

#[path = "../tests/it/support/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lead_bench::lead::Bands;
use lead_bench::lead::Split;
use lead_bench::score::Scorer;
use lead_bench::score::learned::{LearnedModel, LearnedOptions, leakage_check};

fn train_50k(c: &mut Criterion) {
    let mut leads = synthetic::synthetic_leads(50_000, 42, 0.05);
    let opts = LearnedOptions::default();
    let report = leakage_check(&leads, &opts, Bands::default()).expect("leakage check");
    eprintln!(
        "learned quality, 50,000 synthetic leads, seeded split ({} train / {} test): \
         all {:.3}, message-only {:.3}, firmographic-only {:.3}, majority class {:.3}",
        report.n_train,
        report.n_test,
        report.all,
        report.message_only,
        report.firmographic_only,
        report.majority_accuracy
    );
    // Every lead in the train split: the target is about training on 50,000 leads.
    for l in &mut leads {
        l.meta.split = Some(Split::Train);
    }
    let mut group = c.benchmark_group("learned_train");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(leads.len() as u64));
    group.bench_function("train_50k_leads", |b| {
        b.iter(|| {
            LearnedModel::train(black_box(&leads), &opts, Bands::default())
                .expect("training on the synthetic set")
        })
    });
    group.finish();
}

fn score_throughput(c: &mut Criterion) {
    let train = synthetic::synthetic_leads(20_000, 1, 0.05);
    let model = LearnedModel::train(&train, &LearnedOptions::default(), Bands::default())
        .expect("training on the synthetic set");
    let leads = synthetic::synthetic_leads(10_000, 2, 0.05);
    let mut group = c.benchmark_group("learned_score");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(leads.len() as u64));
    group.bench_function("score_with_justification", |b| {
        b.iter(|| {
            for lead in &leads {
                black_box(model.score(black_box(lead)));
            }
        })
    });
    group.bench_function("predict_proba", |b| {
        b.iter(|| {
            for lead in &leads {
                black_box(model.predict_proba(black_box(lead)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, train_50k, score_throughput);
criterion_main!(benches);
