//! What the library generates for some parameters, written as `bench generate` writes it:
//! shared by the generator's property tests and its command-line tests.

use lead_bench::generate::{GenerateParams, Generator};
use lead_bench::lead::Bands;
use lead_bench::lead::{Columns, Format, LeadWriter};

/// The leads of `params` with gold and meta columns (and enrichment when `params.enrich`), in `format`, in memory.
pub fn bytes(params: &GenerateParams, format: Format) -> Vec<u8> {
    let columns = Columns {
        enrichment: params.enrich,
        gold: true,
        meta: true,
        tail: vec![],
    };
    let mut w = LeadWriter::new(Vec::new(), format, columns).expect("in-memory writer");
    for l in Generator::new(params, Bands::default()) {
        w.write(&l, &[]).expect("write to memory");
    }
    w.finish().expect("finish")
}
