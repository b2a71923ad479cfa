//! Throughput of the heuristic scorer, single-threaded: leads scored per second over a few
//! thousand varied leads built from the hand-written fixture, and over 10,000 generated
//! leads (target ≥ 500,000 leads/s).
//!
//! `cargo bench --bench heuristic`; criterion reports the rate as `thrpt` in elements/s.
//! This machine's speed swings with its neighbours, so the bench also times 150 passes over
//! each set, taken in turn, and prints the median, upper-quartile, fastest and slowest pass
//! of each and the rate of all its passes together.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lead_bench::generate::{GenerateParams, Generator};
use lead_bench::lead::Bands;
use lead_bench::lead::{Lead, Seniority, Source, read_leads};
use lead_bench::score::Scorer;
use lead_bench::score::heuristic::{HeuristicRules, HeuristicScorer};

/// Number of copies of the fixture, each varied a little.
const ROUNDS: usize = 20;

const SUFFIXES: [&str; 5] = [
    "",
    " Thanks!",
    " Could you get back to us this week?",
    " (sent from my phone)",
    " We are a growing team with offices in three countries.",
];

fn varied_leads() -> Vec<Lead> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/handwritten_leads.csv");
    let base = read_leads(&path).expect("the fixture is a valid lead file");
    let mut out = Vec::with_capacity(base.len() * ROUNDS);
    for round in 0..ROUNDS {
        for (i, lead) in base.iter().enumerate() {
            let mut l = lead.clone();
            l.lead_id = format!("{}-{round}", lead.lead_id);
            l.inbound_message
                .push_str(SUFFIXES[(i + round) % SUFFIXES.len()]);
            if round % 3 == 1 {
                l.inbound_message = l.inbound_message.to_uppercase();
            }
            l.company_size = l.company_size.map(|s| s + (round as u32 * 7) % 40);
            if round % 4 == 2 {
                l.seniority = None;
            }
            if round % 5 == 3 {
                l.seniority = l.seniority.or(Some(Seniority::Manager));
                l.source = Source::ALL[(i + round) % Source::ALL.len()];
            }
            out.push(l);
        }
    }
    out
}

/// Scores every lead once; the sum of the scores keeps the work from being optimised away.
fn score_all(scorer: &HeuristicScorer, leads: &[Lead]) -> u64 {
    let sum = leads
        .iter()
        .map(|lead| u64::from(scorer.score(black_box(lead)).lead_score))
        .sum();
    black_box(sum)
}

fn bench(c: &mut Criterion) {
    let leads = varied_leads();
    let scorer = HeuristicScorer::new(HeuristicRules::shipped(), Bands::default());
    let mut group = c.benchmark_group("heuristic");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(leads.len() as u64));
    group.bench_function(format!("score {} leads", leads.len()), |b| {
        b.iter(|| score_all(&scorer, &leads))
    });
    // The generator's leads: longer messages (178 bytes on average against the fixture's
    // 102), in the mix of archetypes `bench run` scores by default.
    let params = GenerateParams {
        n: 10_000,
        seed: 42,
        ..Default::default()
    };
    let generated: Vec<Lead> = Generator::new(&params, Bands::default()).collect();
    group.throughput(Throughput::Elements(generated.len() as u64));
    group.bench_function(format!("score {} generated leads", generated.len()), |b| {
        b.iter(|| score_all(&scorer, &generated))
    });
    group.finish();
    pass_rates(&scorer, &[("fixture", &leads), ("generated", &generated)]);
    // Building compiles the phrase indexes; done once per run, so timed apart.
    let mut build = c.benchmark_group("heuristic-build");
    build.sample_size(10);
    build.bench_function("build scorer", |b| {
        b.iter(|| HeuristicScorer::new(HeuristicRules::shipped(), Bands::default()))
    });
    build.finish();
}

/// Timed passes over each lead set, taken in turn so that every set sees the same spells
/// of the machine (about 2 million leads in all).
const PASSES: usize = 150;

/// User + system CPU time of this thread in seconds, at the kernel's 100 Hz tick; `None`
/// off Linux.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Prints, per lead set, the rate of the median, upper-quartile, fastest and slowest pass
/// and of all passes together, and the thread's share of the wall clock (below 100 % when
/// it waited for a CPU). The machine's other tenants slow some passes down: the median pass
/// shows the typical rate, the fastest the rate undisturbed.
fn pass_rates(scorer: &HeuristicScorer, sets: &[(&str, &[Lead])]) {
    let cpu0 = thread_cpu_seconds();
    let wall0 = std::time::Instant::now();
    let mut rates: Vec<Vec<f64>> = vec![Vec::with_capacity(PASSES); sets.len()];
    let mut sum = 0u64;
    for _ in 0..PASSES {
        for ((_, leads), rates) in sets.iter().zip(&mut rates) {
            let pass = std::time::Instant::now();
            sum += score_all(scorer, leads);
            rates.push(leads.len() as f64 / pass.elapsed().as_secs_f64());
        }
    }
    black_box(sum);
    let wall = wall0.elapsed().as_secs_f64();
    if let (Some(cpu0), Some(cpu1)) = (cpu0, thread_cpu_seconds()) {
        println!(
            "heuristic/passes: {PASSES} passes per set, thread on a CPU {:.0} % of {:.1} s",
            100.0 * (cpu1 - cpu0) / wall,
            wall
        );
    }
    for ((name, leads), rates) in sets.iter().zip(&mut rates) {
        // All the leads over all the time: what a mean of the passes' times says, and
        // what the slow spells pull down most.
        let overall = rates.len() as f64 / rates.iter().map(|r| 1.0 / r).sum::<f64>();
        rates.sort_by(f64::total_cmp);
        let at = |q: f64| rates[((rates.len() - 1) as f64 * q).round() as usize];
        println!(
            "heuristic/passes/{name} ({} leads a pass): median {:.0} leads/s, upper quartile \
             {:.0}, fastest {:.0}, slowest {:.0}, all passes together {overall:.0}",
            leads.len(),
            at(0.5),
            at(0.75),
            at(1.0),
            at(0.0),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
