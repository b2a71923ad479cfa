//! LLM scorers' building blocks: prompt templates, the parsing of answers, and the reading
//! of their token probabilities.

mod answer;
mod coercion;
mod examples;
mod logprobs;
mod prompt;
mod relaxed;
mod template;

pub use answer::{ParsedAnswer, parse_answer};
pub use coercion::Coercion;
pub use examples::{Example, PromptEnrichment, PromptLead, select_examples};
pub use logprobs::{LogprobReading, LogprobsError, read_logprobs};
pub use prompt::{
    DEFAULT_PRODUCT, PromptBands, PromptContext, PromptError, PromptSpec, PromptTemplate,
    RenderedPrompt, answer_schema, answer_schema_text,
};
pub use relaxed::lenient_string_field;
pub use template::BlockTemplate;
