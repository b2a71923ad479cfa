//! The lenient coercions an LLM answer needed: one per forgiving step of the parser,
//! recorded so that reports can count them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One lenient step the parser took to read an answer; recorded so reports can count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coercion {
    /// The object was wrapped in a Markdown code fence.
    CodeFence,
    /// Prose (or other text) surrounded the object.
    SurroundingText,
    /// The contract's fields sat in an object nested one level down (`{"answer": {...}}`).
    NestedObject,
    /// Strings or keys were single-quoted.
    SingleQuotes,
    /// A comma stood before `}` or `]`.
    TrailingComma,
    /// Keys were bare words.
    UnquotedKeys,
    /// Strings held raw newlines or tabs.
    ControlCharacters,
    /// A key appeared twice; the last value was taken (as JavaScript's `JSON.parse` does).
    DuplicateKeys,
    /// A key differed from the contract in case, spaces or dashes (`"Lead Score"`).
    KeyCase,
    /// The score was a string (`"85"`, `"85/100"`, `"85%"`).
    ScoreString,
    /// The score was a whole float (`85.0`).
    ScoreFloat,
    /// The score had a fraction and was rounded (`85.5` → 86).
    ScoreRounded,
    /// The label differed in case or surrounding space (`"High "`).
    LabelCase,
}

impl Coercion {
    pub fn as_str(self) -> &'static str {
        match self {
            Coercion::CodeFence => "code_fence",
            Coercion::SurroundingText => "surrounding_text",
            Coercion::NestedObject => "nested_object",
            Coercion::SingleQuotes => "single_quotes",
            Coercion::TrailingComma => "trailing_comma",
            Coercion::UnquotedKeys => "unquoted_keys",
            Coercion::ControlCharacters => "control_characters",
            Coercion::DuplicateKeys => "duplicate_keys",
            Coercion::KeyCase => "key_case",
            Coercion::ScoreString => "score_string",
            Coercion::ScoreFloat => "score_float",
            Coercion::ScoreRounded => "score_rounded",
            Coercion::LabelCase => "label_case",
        }
    }
}

impl fmt::Display for Coercion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
