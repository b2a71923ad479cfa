//! The synthetic lead generator: latent archetypes (`archetypes`), firmographics
//! (`names`, `titles`), messages (`compose` over the phrase pools of `phrases`, `fills`
//! and `i18n`), firmographic enrichment (`enrich`, with `--enrich`), and the streaming
//! [`Generator`] with its [`DatasetStats`].

mod archetypes;
mod compose;
mod draw;
mod enrich;
// Phrase tables: kept packed by hand, one pool per block.
#[rustfmt::skip]
mod fills;
mod generator;
mod i18n;
mod names;
mod outcome;
mod params;
#[rustfmt::skip]
mod phrases;
mod sidecar;
mod stats;
mod titles;
mod twins;

pub use generator::Generator;
pub use params::{Conversion, GenerateParams, Mix};
pub use sidecar::{KeptTemplate, RewriteCounts, Sidecar};
pub use stats::DatasetStats;

/// Names of all archetypes the generator draws from, in table order.
pub fn archetype_names() -> impl Iterator<Item = &'static str> {
    archetypes::ARCHETYPES.iter().map(|a| a.name)
}
