//! Speed of the metrics: every metric with 1,000-resample bootstrap intervals for
//! 100,000 leads × 5 scorers (plus the 10 scorer pairs), target < 3 s on 2 cores.
//!
//! Run: `cargo bench --bench metrics`.

use criterion::{Criterion, criterion_group, criterion_main};
use lead_bench::lead::Label;
use lead_bench::metrics::{MetricsOptions, ScorerInput, compare_pair, summarize};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LEADS: usize = 100_000;

struct Scorer {
    pred: Vec<Option<(Label, u8)>>,
    probs: Option<Vec<Option<[f64; 3]>>>,
}

/// Synthetic gold data and five scorers of different shapes: fine-grained scores, class
/// probabilities, and LLM-like answers on round values with some parse failures.
fn data() -> (Vec<Label>, Vec<Option<u8>>, Vec<Scorer>) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let gold_score: Vec<u8> = (0..LEADS).map(|_| rng.random_range(0..=100u8)).collect();
    let band = |s: u8| match s {
        70.. => Label::High,
        40.. => Label::Medium,
        _ => Label::Low,
    };
    let gold: Vec<Label> = gold_score.iter().map(|s| band(*s)).collect();
    let scorers = (0..5)
        .map(|k| {
            let (noise, round, fail) = [
                (8, 1, 0.0),
                (12, 1, 0.0),
                (15, 10, 0.02),
                (20, 5, 0.05),
                (25, 25, 0.1),
            ][k];
            let pred = gold_score
                .iter()
                .map(|g| {
                    if rng.random::<f64>() < fail {
                        return None;
                    }
                    let s = (i32::from(*g) + rng.random_range(-noise..=noise)).clamp(0, 100);
                    let s = ((s + round / 2) / round * round).min(100) as u8;
                    Some((band(s), s))
                })
                .collect();
            let probs = (k == 1).then(|| {
                gold.iter()
                    .map(|g| {
                        let mut p = [
                            rng.random::<f64>(),
                            rng.random::<f64>(),
                            rng.random::<f64>(),
                        ];
                        p[g.index()] += 1.0;
                        let sum: f64 = p.iter().sum();
                        Some(p.map(|x| x / sum))
                    })
                    .collect()
            });
            Scorer { pred, probs }
        })
        .collect();
    (gold, gold_score.into_iter().map(Some).collect(), scorers)
}

fn bench(c: &mut Criterion) {
    let (gold, gold_score, scorers) = data();
    let opts = MetricsOptions::default();
    let labels: Vec<Vec<Option<Label>>> = scorers
        .iter()
        .map(|s| s.pred.iter().map(|p| p.map(|x| x.0)).collect())
        .collect();
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    group.bench_function(
        "summarize 100k leads x 5 scorers, 1000 resamples, + 10 pairs",
        |b| {
            b.iter(|| {
                for s in &scorers {
                    let input = ScorerInput {
                        gold: &gold,
                        gold_score: &gold_score,
                        pred: &s.pred,
                        probabilities: s.probs.as_deref(),
                    };
                    std::hint::black_box(summarize(&input, &opts).expect("aligned inputs"));
                }
                for i in 0..labels.len() {
                    for j in i + 1..labels.len() {
                        let p = compare_pair(&labels[i], &labels[j], &gold, &opts);
                        std::hint::black_box(p.expect("aligned inputs"));
                    }
                }
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
