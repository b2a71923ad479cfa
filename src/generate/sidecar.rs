//! The `<name>.meta.json` sidecar of a generated dataset: everything needed to reproduce and
//! describe it (`bench generate` writes it beside the data, `bench run` into the run folder).

use serde::Serialize;

use super::{DatasetStats, GenerateParams};
use crate::lead::{Bands, Format};

/// The sidecar: everything needed to reproduce and describe a generated dataset.
#[derive(Debug, Serialize)]
pub struct Sidecar<'a> {
    tool: &'static str,
    tool_version: &'static str,
    /// The data file, as given to `--out`.
    data: String,
    format: Format,
    seed: u64,
    params: &'a GenerateParams,
    bands: Bands,
    counts: &'a DatasetStats,
}

impl<'a> Sidecar<'a> {
    /// The sidecar of `data`, generated with `params` under `bands`.
    pub fn new(
        data: String,
        format: Format,
        params: &'a GenerateParams,
        bands: Bands,
        counts: &'a DatasetStats,
    ) -> Sidecar<'a> {
        Sidecar {
            tool: "lead-bench",
            tool_version: env!("CARGO_PKG_VERSION"),
            data,
            format,
            seed: params.seed,
            params,
            bands,
            counts,
        }
    }
}
