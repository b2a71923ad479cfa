//! LLM scorers' building blocks: prompt templates and the parsing of answers.

mod answer;
mod examples;
mod prompt;
mod relaxed;
mod status;

pub use answer::{ParsedAnswer, parse_answer};
pub use examples::{Example, select_examples};
pub use prompt::{
    DEFAULT_PRODUCT, PromptBands, PromptContext, PromptError, PromptLead, PromptTemplate,
    RenderedPrompt, answer_schema, answer_schema_text,
};
pub use status::{Coercion, Status};
