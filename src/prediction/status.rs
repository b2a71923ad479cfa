//! The status of one prediction: the shared vocabulary of predictions files, reports, the
//! answer parser and the engine.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What became of one LLM request. Serialised in snake_case (`parse_error`, `api_error`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Strict JSON of the contract.
    Ok,
    /// A valid answer after lenient extraction; the coercions say what was forgiven.
    Coerced,
    /// No answer object could be read from the text.
    ParseError,
    /// An object was read but a field is missing, out of range or not in the enum.
    Invalid,
    /// The model hit `max_tokens` (`finish_reason = "length"`) before a valid answer.
    Truncated,
    /// The model declined to answer (refusal text, a `refusal` field or a content filter).
    Refused,
    /// The endpoint answered with an error that retries did not cure.
    ApiError,
    /// The request timed out, retries included.
    Timeout,
    /// Never sent: the budget was reached, the run was cancelled, or the model failed fast
    /// (401/403/404). Counted against coverage like every other unparsed outcome.
    Skipped,
    /// A logprobs reading (`…@logprobs`) of an answer that carries no token probabilities.
    NoLogprobs,
    /// A logprobs reading whose answer has no `lead_label` value among its tokens, or no
    /// alternative there that begins a label.
    NoLabelPosition,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Ok,
        Status::Coerced,
        Status::ParseError,
        Status::Invalid,
        Status::Truncated,
        Status::Refused,
        Status::ApiError,
        Status::Timeout,
        Status::Skipped,
        Status::NoLogprobs,
        Status::NoLabelPosition,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Coerced => "coerced",
            Status::ParseError => "parse_error",
            Status::Invalid => "invalid",
            Status::Truncated => "truncated",
            Status::Refused => "refused",
            Status::ApiError => "api_error",
            Status::Timeout => "timeout",
            Status::Skipped => "skipped",
            Status::NoLogprobs => "no_logprobs",
            Status::NoLabelPosition => "no_label_position",
        }
    }

    /// Parses the snake_case name (as written in predictions files).
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }

    /// Whether the prediction carries a usable score (`ok` or `coerced`).
    pub fn is_parsed(self) -> bool {
        matches!(self, Status::Ok | Status::Coerced)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip_through_serde_and_parse() {
        for st in Status::ALL {
            let json = serde_json::to_string(&st).expect("a unit enum serialises");
            assert_eq!(json, format!("\"{}\"", st.as_str()));
            assert_eq!(Status::parse(st.as_str()), Some(st));
        }
        assert!(Status::Coerced.is_parsed() && !Status::Truncated.is_parsed());
    }
}
