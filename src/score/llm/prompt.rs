//! Prompt templates: minijinja files in `prompts/` that render a system and a user message
//! for one lead.
//!
//! Convention: a template defines two blocks, `{% block system %}…{% endblock %}` and
//! `{% block user %}…{% endblock %}`; each is rendered alone and trimmed, and runs of blank
//! lines are folded into one. A template that wants the reason-first answer (an `analysis`
//! string before the score) says so at its top level with `{% set wants_analysis = true %}`;
//! its `schema` variable (and [`PromptTemplate::answer_schema`]) then include that field.
//!
//! The context a template sees (undefined names are errors that name the line):
//! - `lead`: the eight card fields and `lead_id`, as strings (`unknown` when blank) — never
//!   gold labels or generator metadata; `lead.enrichment` holds its firmographic enrichment
//!   (`revenue_band`, `hq_country`, `funding_stage`, `employee_growth_pct` as strings,
//!   `unknown` when empty, and `tech_stack` a list), or is `none` (falsy) when it has none;
//! - `product`: the product description from config;
//! - `bands`: `high`, `medium` (lowest score of each band), `medium_max`, `low_max`;
//! - `examples`: few-shot examples from the train split: `lead`, `label`, `score`,
//!   `justification`;
//! - `schema`: the JSON schema of the answer, as pretty-printed text.
//!
//! The filter `untrusted` neutralises `<` and `>` in form data, so a message cannot close the
//! tags the templates put around it.

use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use crate::lead::Bands;
use crate::lead::Lead;

use super::examples::{Example, PromptLead, select_examples};
use super::template::BlockTemplate;
pub use super::template::{PromptError, RenderedPrompt};

/// The product description used when config names none.
pub const DEFAULT_PRODUCT: &str = "a B2B software platform, sold as a hosted service and \
API, that companies adopt for production workloads; paid plans are annual contracts priced by \
usage, and larger customers need security reviews, SSO and uptime guarantees";

/// One `[[prompts]]` entry, its template compiled and checked against a sample lead.
#[derive(Debug)]
pub struct PromptSpec {
    pub template: PromptTemplate,
    /// Few-shot examples to draw from the train split.
    pub examples: usize,
    /// Alternatives per token to ask for with every model (`logprobs = true` on the
    /// prompt); a model's own `logprobs` setting comes first.
    pub top_logprobs: Option<u32>,
}

/// The score bands as templates see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PromptBands {
    pub high: u8,
    pub medium: u8,
    pub medium_max: u8,
    pub low_max: u8,
}

impl From<Bands> for PromptBands {
    fn from(b: Bands) -> Self {
        PromptBands {
            high: b.high,
            medium: b.medium,
            medium_max: b.range(crate::lead::Label::Medium).1,
            low_max: b.range(crate::lead::Label::Low).1,
        }
    }
}

/// Everything a template is rendered with, except the schema (which follows the template).
#[derive(Debug, Clone, PartialEq)]
pub struct PromptContext {
    pub lead: PromptLead,
    pub product: String,
    pub bands: Bands,
    pub examples: Vec<Example>,
}

impl PromptContext {
    pub fn new(lead: &Lead, product: &str, bands: Bands, examples: Vec<Example>) -> Self {
        PromptContext {
            lead: PromptLead::from(lead),
            product: product.trim().trim_end_matches('.').to_string(),
            bands,
            examples,
        }
    }

    /// A made-up context for checking templates (`bench validate`): one lead, two examples.
    pub fn sample(bands: Bands) -> Self {
        let leads = super::examples::sample_leads();
        let examples = select_examples(&leads[1..], 2, 0, &bands);
        PromptContext::new(&leads[0], DEFAULT_PRODUCT, bands, examples)
    }
}

#[derive(Serialize)]
struct RenderContext<'a> {
    lead: &'a PromptLead,
    product: &'a str,
    bands: PromptBands,
    examples: &'a [Example],
    schema: String,
}

/// A compiled prompt template.
#[derive(Debug)]
pub struct PromptTemplate {
    name: String,
    blocks: BlockTemplate,
    wants_analysis: bool,
}

impl PromptTemplate {
    /// Reads and compiles a template, then renders it once against [`PromptContext::sample`]
    /// so that undefined names and missing blocks surface now, with file and line.
    pub fn load(name: &str, path: &Path) -> Result<Self, PromptError> {
        Self::checked(name, BlockTemplate::load(path)?)
    }

    /// Like [`load`](Self::load) for template text already in memory; `path` names it.
    pub fn from_source(name: &str, path: &Path, source: String) -> Result<Self, PromptError> {
        Self::checked(name, BlockTemplate::compile(path, source)?)
    }

    fn checked(name: &str, blocks: BlockTemplate) -> Result<Self, PromptError> {
        let mut template = PromptTemplate {
            name: name.to_string(),
            blocks,
            wants_analysis: false,
        };
        template.wants_analysis = template
            .render_with(&PromptContext::sample(Bands::default()))?
            .1;
        Ok(template)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        self.blocks.path()
    }

    /// The template's text, as it was read and compiled (a run keeps a copy of it).
    pub fn source(&self) -> &str {
        self.blocks.source()
    }

    /// Whether the template asks for an `analysis` field before the score.
    pub fn wants_analysis(&self) -> bool {
        self.wants_analysis
    }

    /// The JSON schema of this template's answer (for structured-output modes).
    pub fn answer_schema(&self) -> Value {
        answer_schema(self.wants_analysis)
    }

    /// Renders the system and user messages for one lead.
    pub fn render(&self, ctx: &PromptContext) -> Result<RenderedPrompt, PromptError> {
        self.render_with(ctx).map(|(p, _)| p)
    }

    /// Renders both blocks; also returns whether the template set `wants_analysis`. The
    /// schema text depends on that flag, so a template whose flag differs from the one
    /// assumed is rendered a second time with the right schema (only ever at load).
    fn render_with(&self, ctx: &PromptContext) -> Result<(RenderedPrompt, bool), PromptError> {
        let mut assumed = self.wants_analysis;
        let mut rendered = self
            .blocks
            .render_flagged(render_context(ctx, assumed), "wants_analysis")?;
        for _ in 0..2 {
            if rendered.1 == assumed {
                break;
            }
            assumed = rendered.1;
            rendered = self
                .blocks
                .render_flagged(render_context(ctx, assumed), "wants_analysis")?;
        }
        Ok((rendered.0, assumed))
    }
}

fn render_context(ctx: &PromptContext, wants_analysis: bool) -> RenderContext<'_> {
    RenderContext {
        lead: &ctx.lead,
        product: &ctx.product,
        bands: PromptBands::from(ctx.bands),
        examples: &ctx.examples,
        schema: answer_schema_text(wants_analysis),
    }
}

/// The JSON schema of an answer, for OpenAI's `json_schema` strict mode and llama.cpp's
/// `json_object` + schema. With `with_analysis`, an `analysis` string comes first.
///
/// Note: a `serde_json::Value` keeps object keys sorted, so a request body built from it lists
/// the properties alphabetically (`analysis`, `justification`, `lead_label`, `lead_score`);
/// grammar-constrained servers such as llama.cpp then generate them in that order. The text
/// given to templates ([`answer_schema_text`]) keeps the contract's order.
pub fn answer_schema(with_analysis: bool) -> Value {
    serde_json::to_value(AnswerSchema::new(with_analysis)).expect("the schema serialises")
}

/// The answer schema as pretty JSON text in the contract's key order (the `schema` variable).
pub fn answer_schema_text(with_analysis: bool) -> String {
    serde_json::to_string_pretty(&AnswerSchema::new(with_analysis)).expect("the schema serialises")
}

/// The schema as a struct, so that serialising it to text keeps the field order.
#[derive(Serialize)]
struct AnswerSchema {
    #[serde(rename = "type")]
    kind: &'static str,
    properties: AnswerProperties,
    required: Vec<&'static str>,
    #[serde(rename = "additionalProperties")]
    additional_properties: bool,
}

#[derive(Serialize)]
struct AnswerProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Value>,
    lead_score: Value,
    lead_label: Value,
    justification: Value,
}

impl AnswerSchema {
    fn new(with_analysis: bool) -> Self {
        let mut required = Vec::with_capacity(4);
        if with_analysis {
            required.push("analysis");
        }
        required.extend(["lead_score", "lead_label", "justification"]);
        AnswerSchema {
            kind: "object",
            properties: AnswerProperties {
                analysis: with_analysis.then(|| json!({ "type": "string" })),
                lead_score: json!({ "type": "integer", "minimum": 0, "maximum": 100 }),
                lead_label: json!({ "type": "string", "enum": ["high", "medium", "low"] }),
                justification: json!({ "type": "string" }),
            },
            required,
            additional_properties: false,
        }
    }
}
