//! LLM scorers' building blocks: prompt templates and the parsing of answers.

mod answer;
mod coercion;
mod examples;
mod prompt;
mod relaxed;

pub use answer::{ParsedAnswer, parse_answer};
pub use coercion::Coercion;
pub use examples::{Example, PromptLead, select_examples};
pub use prompt::{
    DEFAULT_PRODUCT, PromptBands, PromptContext, PromptError, PromptSpec, PromptTemplate,
    RenderedPrompt, answer_schema, answer_schema_text,
};
