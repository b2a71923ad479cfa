//! One chat-completion request to an OpenAI-compatible endpoint: building the body (and its
//! cache key) from a job, sending it once, and turning status, headers and body into an
//! [`Attempt`].
//!
//! The wire types come from async-openai (`types::chat`: messages, `response_format`), so the
//! body is the official shape. The transport is a plain reqwest client, one per model for
//! connection reuse, and not async-openai's `Client`, because that client
//! - drops the response headers of a failed call, so `Retry-After` / `retry-after-ms` could
//!   not be honoured;
//! - turns a 4xx whose body is not OpenAI's error JSON into a deserialisation error without
//!   the status, so a 401 from a proxy could not fail its model fast;
//! - deserialises into strict response types, which turns an answer from a server that omits
//!   or bends a field (common among "compatible" servers) into an error;
//! - cannot type llama.cpp's `{"type": "json_object", "schema": {...}}`.
//!
//! Sending each attempt by hand also means there is exactly one retry loop (ours, in the
//! engine): nothing inside the HTTP stack retries on its own.

use std::time::Duration;

use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestSystemMessageContent, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, ResponseFormat, ResponseFormatJsonSchema,
};
use bytes::Bytes;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::job::LlmJob;
use super::model::{ModelSettings, StructuredOutput};
use super::response::{
    Attempt, FailKind, SNIPPET, error_message, parse_completion, snippet, without_nul,
};
use super::retry;
use super::secret::{ApiKey, mask_url_credentials};

/// A job's request body, ready to send, and the key its answer is cached under.
pub(crate) struct Request {
    pub body: Bytes,
    /// The answer cache's key: the request, its repeat number and the base URL.
    pub key: [u8; 32],
    /// The request's id in batch files (`custom_id`): the request and its repeat number
    /// only, so that a file exported under one base URL imports under another.
    pub id: [u8; 32],
    /// Prompt tokens guessed before sending (about four characters a token), for the
    /// tokens/min limiter and the budget.
    pub est_prompt_tokens: u32,
    /// A bound the prompt's real token count will not pass in practice (two characters a
    /// token), for the budget guard, which must not be exceeded.
    pub max_prompt_tokens: u32,
}

/// Builds the request body of `job` for `model`. The cache key hashes the canonical JSON of
/// the base URL, the whole body (model, messages, temperature, max_tokens, response_format)
/// and the repeat number; never the API key.
pub(crate) fn build_request(model: &ModelSettings, job: &LlmJob) -> Request {
    let mut messages = Vec::with_capacity(2);
    if !job.system.is_empty() {
        messages.push(ChatCompletionRequestMessage::System(
            ChatCompletionRequestSystemMessage {
                content: ChatCompletionRequestSystemMessageContent::Text(job.system.to_string()),
                name: None,
            },
        ));
    }
    messages.push(ChatCompletionRequestMessage::User(
        ChatCompletionRequestUserMessage {
            content: ChatCompletionRequestUserMessageContent::Text(job.user.clone()),
            name: None,
        },
    ));
    let response_format = match (model.structured_output, job.schema.as_deref()) {
        (StructuredOutput::None, _) => None,
        (StructuredOutput::JsonSchema, Some(schema)) => Some(
            serde_json::to_value(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: "lead_score".into(),
                    schema: schema.clone(),
                    strict: Some(true),
                },
            })
            .expect("a response format always serialises"),
        ),
        (StructuredOutput::JsonSchema | StructuredOutput::JsonObject, None) => Some(
            serde_json::to_value(ResponseFormat::JsonObject)
                .expect("a response format always serialises"),
        ),
        (StructuredOutput::JsonObject, Some(schema)) => {
            Some(json!({"type": "json_object", "schema": schema}))
        }
    };
    let mut body = json!({
        "model": model.model,
        "messages": messages,
        "stream": false,
    });
    if model.reasoning {
        body["max_completion_tokens"] = json!(model.max_tokens);
    } else {
        body["temperature"] = json!(model.temperature);
        body["max_tokens"] = json!(model.max_tokens);
    }
    if let Some(rf) = response_format {
        body["response_format"] = rf;
    }
    if let Some(n) = job.top_logprobs {
        body["logprobs"] = json!(true);
        body["top_logprobs"] = json!(n);
    }
    let mut request = String::with_capacity(job.user.len() + job.system.len() + 256);
    canonical_json(&body, &mut request);
    // Both are the canonical JSON of an object (keys sorted), written out around the
    // request so that it is made once: the key hashes where the request goes as well, so
    // that two servers' answers are never mixed; the id only what the model receives.
    let base_url = Value::String(model.base_url.clone());
    let repeat = job.repeat;
    let key: [u8; 32] = Sha256::digest(format!(
        r#"{{"base_url":{base_url},"repeat":{repeat},"request":{request}}}"#
    ))
    .into();
    let id: [u8; 32] =
        Sha256::digest(format!(r#"{{"repeat":{repeat},"request":{request}}}"#)).into();
    let chars = job.system.chars().count() + job.user.chars().count();
    Request {
        body: Bytes::from(serde_json::to_vec(&body).expect("a JSON value always serialises")),
        key,
        id,
        est_prompt_tokens: u32::try_from(chars / 4 + 8).unwrap_or(u32::MAX),
        max_prompt_tokens: u32::try_from(chars / 2 + 16).unwrap_or(u32::MAX),
    }
}

/// JSON with object keys sorted at every level, so the same request always hashes the same
/// whatever map order serde_json is built with.
fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A model's HTTP client: one connection pool, the endpoint and the key.
pub(crate) struct ModelClient {
    http: reqwest::Client,
    url: String,
    key: Option<ApiKey>,
    timeout: Duration,
    max_body: usize,
}

/// Why a response body was not read whole.
pub(crate) enum BodyFault {
    /// The body passed the cap; reading stopped there. `head` is what had arrived.
    TooLarge {
        head: Vec<u8>,
    },
    Transport(reqwest::Error),
}

impl ModelClient {
    pub(crate) fn new(model: &ModelSettings, key: Option<ApiKey>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(model.concurrency.get() as usize)
            .tcp_nodelay(true)
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| format!("model `{}`: cannot build an HTTP client: {e}", model.name))?;
        Ok(ModelClient {
            http,
            url: format!("{}/chat/completions", model.base_url),
            key,
            timeout: model.timeout,
            max_body: model.max_response_bytes,
        })
    }

    /// Sends `body` once; never retries.
    pub(crate) async fn send(&self, body: Bytes) -> Attempt {
        let mut req = self
            .http
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(body);
        if let Some(key) = &self.key {
            req = req.bearer_auth(key.expose());
        }
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) => return self.transport_failure(&e),
        };
        let status = response.status();
        let hint = retry::retry_after(response.headers());
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let failed = |kind, message: String| Attempt::Failed {
            kind,
            status: Some(status.as_u16()),
            message: self.redact(&message),
            retry_after: None,
        };
        let bytes = match read_capped(response, self.max_body).await {
            Ok(b) => b,
            Err(BodyFault::Transport(e)) => return self.transport_failure(&e),
            Err(BodyFault::TooLarge { head }) => {
                let head = self.redact(&String::from_utf8_lossy(&head));
                let began = if head.trim().is_empty() {
                    String::new()
                } else {
                    format!("; it began: {}", snippet(&head))
                };
                return failed(
                    FailKind::JobFatal,
                    format!(
                        "HTTP {status}: the response body is larger than max_response_bytes \
                         ({} bytes), not read further{began}",
                        self.max_body
                    ),
                );
            }
        };
        // Redacted whole, before anything is cut to an excerpt or parsed: no prefix of the
        // key can survive in a message, an answer or the cache.
        let text = without_nul(self.redact(&String::from_utf8_lossy(&bytes)));
        drop(bytes);
        if status.is_redirection() {
            // Same-origin redirects were followed; this one points elsewhere (or nowhere).
            let target =
                location.map_or_else(|| "(no Location header)".into(), |l| self.redact(&l));
            return failed(
                FailKind::ModelFatal,
                format!(
                    "HTTP {status}: redirect to {target} not followed: bench sends prompts \
                     (lead data) only to the origin of base_url"
                ),
            );
        }
        if !status.is_success() {
            let kind = match status.as_u16() {
                429 => FailKind::RateLimited,
                401 | 403 | 404 => FailKind::ModelFatal,
                408 | 409 | 425 => FailKind::Transient,
                s if s >= 500 => FailKind::Transient,
                _ => FailKind::JobFatal,
            };
            // Redacted again after JSON decoding, which may have un-escaped a key.
            return Attempt::Failed {
                kind,
                status: Some(status.as_u16()),
                message: format!("HTTP {status}: {}", self.redact(&error_message(&text))),
                retry_after: hint,
            };
        }
        match parse_completion(text) {
            Ok(Attempt::Answer(mut answer)) => {
                answer.content = self.redact(&answer.content);
                Attempt::Answer(answer)
            }
            Ok(failed) => failed,
            Err(message) => failed(FailKind::JobFatal, message),
        }
    }

    fn transport_failure(&self, e: &reqwest::Error) -> Attempt {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        let kind = if e.is_timeout() {
            message = format!(
                "no answer within {:.1} s ({message})",
                self.timeout.as_secs_f64()
            );
            FailKind::Timeout
        } else {
            FailKind::Transient
        };
        Attempt::Failed {
            kind,
            status: None,
            message: self.redact(&message),
            retry_after: None,
        }
    }

    /// `text` with the key taken out (see [`ApiKey::redact`]); also applied by the engine to
    /// answers read from the cache, which an older version may have stored unredacted.
    pub(crate) fn redact(&self, text: &str) -> String {
        let text = match &self.key {
            Some(key) => key.redact(text),
            None => std::borrow::Cow::Borrowed(text),
        };
        mask_url_credentials(&text).into_owned()
    }
}

/// Reads a response body, stopping as soon as it passes `cap` bytes, so that neither a huge
/// nor an endless body can grow memory past `cap` per request in flight. A declared
/// `Content-Length` above the cap is refused before anything is read.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyFault> {
    let declared = response.content_length();
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(BodyFault::TooLarge { head: Vec::new() });
    }
    let mut body = Vec::with_capacity(declared.map_or(8 * 1024, |n| n as usize));
    while let Some(chunk) = response.chunk().await.map_err(BodyFault::Transport)? {
        if body.len() + chunk.len() > cap {
            // Enough of the start for an excerpt (SNIPPET characters of up to four bytes).
            let keep = (SNIPPET * 4).saturating_sub(body.len()).min(chunk.len());
            body.extend_from_slice(&chunk[..keep]);
            body.truncate(SNIPPET * 4);
            return Err(BodyFault::TooLarge { head: body });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Redirects are followed only within the origin (scheme, host and port) of the request, at
/// most ten deep. Following one elsewhere would send the whole prompt, lead data included,
/// to a host the user never configured; such a redirect is handed back as it came, and
/// `ModelClient::send` records it as a failure that names the target.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(reqwest::Url::origin);
        if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else if first.is_some_and(|o| o == attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::llm::model::RawModelSettings;

    fn model(mode: &str) -> ModelSettings {
        let raw: RawModelSettings = toml::from_str(&format!(
            "name = \"m\"\nmodel = \"gpt\"\nbase_url = \"http://h/v1\"\nstructured_output = \"{mode}\"\n"
        ))
        .expect("model parses");
        raw.validate(0).expect("valid")
    }

    fn job(repeat: u32) -> LlmJob {
        LlmJob {
            job_id: 1,
            model: 0,
            scorer: Arc::from("llm/m/p"),
            system: Arc::from("sys"),
            user: "lead".into(),
            schema: Some(Arc::new(json!({"type": "object"}))),
            repeat,
            top_logprobs: None,
        }
    }

    fn body(r: &Request) -> Value {
        serde_json::from_slice(&r.body).expect("body is JSON")
    }

    #[test]
    fn response_format_per_mode() {
        let b = body(&build_request(&model("json_schema"), &job(0)));
        assert_eq!(b["response_format"]["type"], "json_schema");
        assert_eq!(b["response_format"]["json_schema"]["strict"], true);
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(b["messages"][1]["content"], "lead");
        let b = body(&build_request(&model("json_object"), &job(0)));
        assert_eq!(
            b["response_format"],
            json!({"type": "json_object", "schema": {"type": "object"}})
        );
        let b = body(&build_request(&model("none"), &job(0)));
        assert!(b.get("response_format").is_none());
    }

    #[test]
    fn reasoning_models_get_max_completion_tokens_and_no_temperature() {
        let b = body(&build_request(&model("json_schema"), &job(0)));
        assert_eq!(
            (b["max_tokens"].as_u64(), b["temperature"].as_f64()),
            (Some(300), Some(0.0))
        );
        assert!(b.get("max_completion_tokens").is_none());
        let mut m = model("json_schema");
        m.reasoning = true;
        let b = body(&build_request(&m, &job(0)));
        assert_eq!(b["max_completion_tokens"].as_u64(), Some(300));
        assert!(b.get("max_tokens").is_none() && b.get("temperature").is_none());
    }

    #[test]
    fn key_depends_on_repeat_and_url_only_through_content() {
        let m = model("json_schema");
        assert_eq!(
            build_request(&m, &job(0)).key,
            build_request(&m, &job(0)).key
        );
        assert_ne!(
            build_request(&m, &job(0)).key,
            build_request(&m, &job(1)).key
        );
        let mut other = m.clone();
        other.base_url = "http://other/v1".into();
        assert_ne!(
            build_request(&m, &job(0)).key,
            build_request(&other, &job(0)).key
        );
        let mut j = job(0);
        j.job_id = 99;
        assert_eq!(build_request(&m, &job(0)).key, build_request(&m, &j).key);
    }

    #[test]
    fn keys_of_earlier_versions_still_match_and_ids_ignore_the_url() {
        let m = model("json_schema");
        let req = build_request(&m, &job(3));
        let body: Value = serde_json::from_slice(&req.body).expect("JSON");
        // How earlier versions made the key: caches they filled stay readable.
        let mut canon = String::new();
        canonical_json(
            &json!({"base_url": m.base_url, "request": body, "repeat": 3}),
            &mut canon,
        );
        let old: [u8; 32] = Sha256::digest(canon.as_bytes()).into();
        assert_eq!(req.key, old);
        let mut other = m.clone();
        other.base_url = "http://127.0.0.1:9/v1".into();
        let moved = build_request(&other, &job(3));
        assert_eq!(moved.id, req.id);
        assert_ne!(moved.key, req.key);
        assert_ne!(build_request(&m, &job(4)).id, req.id);
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let mut a = String::new();
        canonical_json(&json!({"b": 1, "a": [{"d": 2, "c": "x"}]}), &mut a);
        assert_eq!(a, r#"{"a":[{"c":"x","d":2}],"b":1}"#);
    }
}
