//! What came back from one request: an [`Attempt`] (an answer, or a failure with what it
//! means for retrying), and reading a server's body leniently: the completion's text,
//! finish reason and usage, or the error message, cut to a short excerpt.

use std::time::Duration;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

/// Longest piece of a server's body quoted in an error message.
pub(crate) const SNIPPET: usize = 300;

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailKind {
    /// 429: retry, and slow the whole model down.
    RateLimited,
    /// 408, 409, 425, 5xx, connection or body errors: retry.
    Transient,
    /// The request did not finish within the model's timeout: retry.
    Timeout,
    /// 401, 403, 404: the key, the model name or the URL is wrong; no request of this model
    /// can succeed, so the model stops.
    ModelFatal,
    /// Any other answer that is not a usable completion (400, a body that is not JSON, ...):
    /// this job fails, the others go on.
    JobFatal,
}

/// A completion as the server sent it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub content: String,
    pub finish_reason: Option<String>,
    /// The whole response body.
    pub raw: String,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    /// `usage.prompt_tokens_details.cached_tokens`: served from the prompt cache.
    pub cached_prompt_tokens: Option<u32>,
}

/// The result of sending one request once.
#[derive(Debug)]
pub(crate) enum Attempt {
    Answer(Answer),
    Failed {
        kind: FailKind,
        status: Option<u16>,
        message: String,
        retry_after: Option<Duration>,
    },
}

/// A completion body as far as the runner reads it. Typed, so that the rest (token
/// probabilities above all, which make most of such a body) is skipped, not built.
#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<CompletionChoice>,
    #[serde(default)]
    usage: Option<Value>,
}

#[derive(Deserialize)]
struct CompletionChoice {
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    finish_reason: Option<Value>,
}

/// Reads `choices[0]` of a 2xx body leniently: only the fields the runner needs.
pub(crate) fn parse_completion(text: String) -> Result<Attempt, String> {
    let v: Completion = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return Err(match serde_json::from_str::<IgnoredAny>(&text) {
                Err(_) => format!("response body is not JSON ({e}): {}", snippet(&text)),
                Ok(_) => format!("response has no choices[0]: {}", snippet(&text)),
            });
        }
    };
    let choice = v
        .choices
        .first()
        .ok_or_else(|| format!("response has no choices[0]: {}", snippet(&text)))?;
    let message = choice.message.as_ref();
    let field = |name: &str| message.and_then(|m| m.get(name)).and_then(Value::as_str);
    // A refusal arrives in its own field with `content: null`; the answer parser sees its
    // text and records it as refused.
    // A JSON `\u0000` decodes to a NUL, which would go raw into every output.
    let content = without_nul(
        field("content")
            .or_else(|| field("refusal"))
            .ok_or_else(|| format!("choices[0].message has no text content: {}", snippet(&text)))?
            .to_string(),
    );
    let finish_reason = choice
        .finish_reason
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_string);
    let usage = |path: &str| {
        v.usage
            .as_ref()
            .and_then(|u| u.pointer(path))
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    Ok(Attempt::Answer(Answer {
        content,
        finish_reason,
        prompt_tokens: usage("/prompt_tokens"),
        completion_tokens: usage("/completion_tokens"),
        cached_prompt_tokens: usage("/prompt_tokens_details/cached_tokens"),
        raw: text,
    }))
}

/// `text` with NUL characters replaced by U+FFFD: CSV readers, terminals and C tools take a
/// NUL for the end of the text.
pub(crate) fn without_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{fffd}")
    } else {
        text
    }
}

/// OpenAI's `{"error": {"message": ...}}`, a bare `{"error": "..."}`, or the start of the
/// body; at most [`SNIPPET`] characters, whatever the server sent.
pub(crate) fn error_message(text: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let e = v.get("error");
        if let Some(m) = e.and_then(|e| e.get("message")).and_then(Value::as_str) {
            return snippet(m);
        }
        if let Some(m) = e.and_then(Value::as_str) {
            return snippet(m);
        }
    }
    if text.trim().is_empty() {
        "(empty body)".into()
    } else {
        snippet(text)
    }
}

pub(crate) fn snippet(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(SNIPPET) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_never_reach_an_answer() {
        let parsed = parse_completion(r#"{"choices":[{"message":{"content":"a\u0000b"}}]}"#.into());
        assert!(matches!(parsed, Ok(Attempt::Answer(ref a)) if a.content == "a\u{fffd}b"));
        assert_eq!(without_nul("x\0y".into()), "x\u{fffd}y");
    }

    #[test]
    fn lenient_completion_parsing() {
        let ok = parse_completion(
            r#"{"choices":[{"message":{"content":"hi"},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}"#.into(),
        );
        match ok {
            Ok(Attempt::Answer(a)) => {
                assert_eq!(a.content, "hi");
                assert_eq!(a.finish_reason.as_deref(), Some("length"));
                assert_eq!((a.prompt_tokens, a.completion_tokens), (Some(3), Some(4)));
            }
            other => panic!("expected an answer, got {other:?}"),
        }
        let refusal =
            parse_completion(r#"{"choices":[{"message":{"content":null,"refusal":"no"}}]}"#.into());
        assert!(matches!(refusal, Ok(Attempt::Answer(ref a)) if a.content == "no"));
        assert!(
            parse_completion("<html>".into())
                .expect_err("not JSON")
                .contains("not JSON")
        );
        assert!(
            parse_completion("{}".into())
                .expect_err("no choices")
                .contains("choices[0]")
        );
    }

    #[test]
    fn error_messages_read_well() {
        assert_eq!(
            error_message(r#"{"error":{"message":"bad key"}}"#),
            "bad key"
        );
        assert_eq!(error_message(r#"{"error":"nope"}"#), "nope");
        assert_eq!(error_message(""), "(empty body)");
        assert!(error_message(&"x".repeat(1000)).chars().count() <= SNIPPET + 1);
        let long = serde_json::json!({"error": {"message": "y".repeat(1 << 20)}}).to_string();
        assert!(error_message(&long).chars().count() <= SNIPPET + 1);
    }
}
