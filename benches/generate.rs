//! Throughput of the synthetic generator, alone and writing CSV to a sink, without and with
//! firmographic enrichment (`--enrich`).
//! `cargo bench --bench generate`; the 1,000,000-lead end-to-end figure (with peak memory)
//! comes from `scripts/bench-generate.sh`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lead_bench::generate::{GenerateParams, Generator};
use lead_bench::lead::Bands;
use lead_bench::lead::{Columns, Format, LeadWriter};

const N: u64 = 20_000;

fn params() -> GenerateParams {
    GenerateParams {
        n: N,
        seed: 42,
        label_noise: 0.05,
        ..GenerateParams::default()
    }
}

fn enriched() -> GenerateParams {
    GenerateParams {
        enrich: true,
        ..params()
    }
}

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(N));
    for (name, p) in [("leads", params()), ("leads_enriched", enriched())] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                for lead in Generator::new(&p, Bands::default()) {
                    bytes += lead.inbound_message.len() + lead.enrichment.tech_stack.len();
                }
                black_box(bytes)
            })
        });
        group.bench_function(format!("{name}_to_csv"), |b| {
            b.iter(|| {
                let columns = Columns {
                    enrichment: p.enrich,
                    gold: true,
                    meta: true,
                    tail: vec![],
                };
                let mut w =
                    LeadWriter::new(std::io::sink(), Format::Csv, columns).expect("sink writer");
                for lead in Generator::new(&p, Bands::default()) {
                    w.write(&lead, &[]).expect("writing to a sink cannot fail");
                }
                black_box(w.finish().expect("flush to a sink"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
