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
    /// With `--rewrite-with`: what the model wrote and what the guard kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    rewrite: Option<&'a RewriteCounts>,
}

/// What `bench generate --rewrite-with` did to the messages (the sidecar's `rewrite`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RewriteCounts {
    /// The model's name in the config.
    pub model: String,
    /// The template file and the SHA-256 of its text.
    pub prompt: String,
    pub prompt_sha256: String,
    /// Leads whose message the model was asked to write (twins take their lead's).
    pub asked: u64,
    /// Messages the model wrote and the guard kept.
    pub rewritten: u64,
    /// Template messages kept, by why (the guard's reasons, and no answer).
    pub kept_template: KeptTemplate,
    /// Answers the cache held (sent in an earlier generate).
    pub from_cache: u64,
    /// Dollars spent in this generate (cache hits excluded), at the model's price.
    pub cost_usd: f64,
    /// Distinct words of the messages before and after, and after / before.
    pub word_types_before: u64,
    pub word_types_after: u64,
    pub word_type_growth: f64,
}

/// Template messages kept, by reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KeptTemplate {
    /// An API error, a timeout or a skipped job.
    pub unanswered: u64,
    /// An answer without a message.
    pub unparsable: u64,
    /// Too short or too long.
    pub length: u64,
    /// A number of the template message left out.
    pub dropped_facts: u64,
    /// A phrase naming the lead's quality or the scoring that the template did not hold.
    pub leaked_label_words: u64,
    /// The heuristic's label moved two bands.
    pub moved_signals: u64,
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
            rewrite: None,
        }
    }

    /// The same sidecar, saying what `--rewrite-with` did.
    pub fn with_rewrite(self, rewrite: &'a RewriteCounts) -> Sidecar<'a> {
        Sidecar {
            rewrite: Some(rewrite),
            ..self
        }
    }
}
