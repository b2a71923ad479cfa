//! Batch files in the OpenAI batch format, the one vLLM's `run_batch` entry point reads and
//! writes: one request a line going out (`custom_id`, `method`, `url`, `body`), one result a
//! line coming back (`custom_id`, `response: {status_code, body}`, `error`). The `custom_id`
//! is the request's answer-cache key in hex, so a result lands in the cache under the same
//! key an interactive request would have, and `bench run` then finds it there.
//!
//! Export writes only requests the cache cannot answer. Import reads the whole file before
//! it stores anything: a malformed line stops it with the line's number and nothing stored.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::cache::{Cache, CacheError, CachedAnswer};
use super::client::{Attempt, build_request, parse_completion};
use super::job::JobStream;
use super::model::ModelSettings;

/// The endpoint every exported request is for.
pub(crate) const CHAT_URL: &str = "/v1/chat/completions";

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exported {
    pub written: u64,
    /// Jobs the cache already answers (not written).
    pub cached: u64,
    /// Jobs whose prompt does not render for their lead (not written).
    pub unrendered: u64,
}

/// Writes one request line per job of `streams` that `cache` cannot answer.
pub(crate) fn export_requests(
    streams: Vec<JobStream<'_>>,
    models: &[ModelSettings],
    cache: Option<&Cache>,
    out: &mut impl Write,
) -> Result<Exported, ExportError> {
    let mut done = Exported::default();
    let mut seen = HashSet::new();
    for stream in streams {
        for job in stream.jobs {
            let Ok(job) = job else {
                done.unrendered += 1;
                continue;
            };
            let req = build_request(&models[job.model], &job);
            if cache
                .map(|c| c.get(&req.key))
                .transpose()?
                .flatten()
                .is_some()
            {
                done.cached += 1;
                continue;
            }
            // Two jobs with the same request (a template that ignores the lead) are one
            // request; the cache answers both.
            if !seen.insert(req.key) {
                continue;
            }
            out.write_all(&request_line(&req.key, &req.body))?;
            done.written += 1;
        }
    }
    Ok(done)
}

/// One line of a batch input file, newline included: the request `body` (JSON) under its
/// cache key as `custom_id`.
pub(crate) fn request_line(key: &[u8; 32], body: &[u8]) -> Vec<u8> {
    let body: Value = serde_json::from_slice(body).expect("a request body is always JSON");
    let line = json!({"custom_id": to_hex(key), "method": "POST", "url": CHAT_URL, "body": body});
    let mut bytes = line.to_string().into_bytes();
    bytes.push(b'\n');
    bytes
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One result line, read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BatchResult {
    Answer(CachedAnswer),
    /// The request failed on the batch side (a non-2xx status or an `error`): not stored,
    /// so the next `bench run` or export sends it again.
    Failed {
        status: Option<u16>,
        /// The error's `code` (`batch_expired`: the batch ended before the request ran).
        code: Option<String>,
        message: String,
    },
}

/// A result line that is not one: the line number and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub(crate) struct LineError {
    pub line: u64,
    pub message: String,
}

/// Reads a results file whole: every line's key and result, or the first malformed line.
/// Blank lines are skipped.
pub(crate) fn read_results(input: impl BufRead) -> Result<Vec<([u8; 32], BatchResult)>, LineError> {
    let mut results = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| LineError {
            line: n,
            message: format!("cannot read: {e}"),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = parse_result_line(&line).map_err(|message| LineError { line: n, message })?;
        results.push(parsed);
    }
    Ok(results)
}

/// One line of a results file: `{"custom_id", "response": {"status_code", "body"}, "error"}`.
pub(crate) fn parse_result_line(line: &str) -> Result<([u8; 32], BatchResult), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| {
        format!("expected a JSON object with custom_id and response, found invalid JSON ({e})")
    })?;
    let id = v
        .get("custom_id")
        .and_then(Value::as_str)
        .ok_or("expected a custom_id (the request's id from `bench batch export`)")?;
    let key = from_hex(id)
        .ok_or_else(|| format!("custom_id {id:?} is not one `bench batch export` writes"))?;
    let error = v.get("error").filter(|e| !e.is_null());
    let response = v.get("response").filter(|r| !r.is_null());
    let status = response
        .and_then(|r| r.get("status_code"))
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok());
    let body = response.and_then(|r| r.get("body"));
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let failed = |message: String| {
        let code = code.clone();
        Ok((
            key,
            BatchResult::Failed {
                status,
                code,
                message,
            },
        ))
    };
    if let Some(e) = error {
        let message = e
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| e.to_string(), str::to_string);
        return failed(message);
    }
    match (status, body) {
        (Some(s), Some(body)) if (200..300).contains(&s) => {
            match parse_completion(body.to_string()) {
                Ok(Attempt::Answer {
                    content,
                    finish_reason,
                    raw,
                    prompt_tokens,
                    completion_tokens,
                    cached_prompt_tokens,
                }) => Ok((
                    key,
                    BatchResult::Answer(CachedAnswer {
                        content,
                        finish_reason,
                        raw,
                        prompt_tokens,
                        completion_tokens,
                        cached_prompt_tokens,
                        // A batch does not time its requests.
                        latency_ms: 0,
                        attempts: 1,
                        via_batch: true,
                    }),
                )),
                Ok(Attempt::Failed { message, .. }) | Err(message) => failed(message),
            }
        }
        (Some(s), body) => failed(format!(
            "status {s}: {}",
            body.map_or_else(String::new, |b| b.to_string())
        )),
        (None, _) => Err("expected response.status_code or an error".into()),
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub stored: u64,
    /// Results for requests this config does not make (another config, or the config or
    /// dataset changed since the export): not stored.
    pub unknown: u64,
    /// Failed results, with their custom_id: not stored.
    pub failed: Vec<(String, String)>,
}

/// Stores the answers of `results` whose key is one of `expected` in `cache`.
pub(crate) fn store_results(
    results: Vec<([u8; 32], BatchResult)>,
    expected: &HashSet<[u8; 32]>,
    cache: &Cache,
) -> Result<Imported, CacheError> {
    let mut done = Imported::default();
    let mut answers = Vec::new();
    for (key, result) in results {
        if !expected.contains(&key) {
            done.unknown += 1;
            continue;
        }
        match result {
            BatchResult::Answer(a) => answers.push((key, a)),
            BatchResult::Failed {
                status, message, ..
            } => {
                let why = match status {
                    Some(s) => format!("status {s}: {message}"),
                    None => message,
                };
                done.failed.push((to_hex(&key), why));
            }
        }
    }
    done.stored = answers.len() as u64;
    cache.put_all_blocking(answers)?;
    Ok(done)
}

/// The cache keys of every job of `streams`: the requests a results file may answer.
pub(crate) fn request_keys(
    streams: Vec<JobStream<'_>>,
    models: &[ModelSettings],
) -> HashSet<[u8; 32]> {
    streams
        .into_iter()
        .flat_map(|s| s.jobs)
        .filter_map(Result::ok)
        .map(|job| build_request(&models[job.model], &job).key)
        .collect()
}

/// Reads a results file named `path`, with errors that name it.
pub(crate) fn read_results_file(path: &Path) -> Result<Vec<([u8; 32], BatchResult)>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    read_results(std::io::BufReader::new(file))
        .map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message))
}

pub(crate) fn to_hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        key[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab00ff10ab";

    #[test]
    fn keys_go_to_hex_and_back() {
        let key = from_hex(ID).expect("hex");
        assert_eq!(to_hex(&key), ID);
        assert_eq!(from_hex("request-1"), None);
        assert_eq!(from_hex(&ID.replace('0', "g")), None);
        assert_eq!(from_hex(&ID[..62]), None);
    }

    #[test]
    fn result_lines_of_every_kind() {
        let ok = format!(
            r#"{{"id": "vllm-1", "custom_id": "{ID}", "response": {{"status_code": 200, "request_id": "r", "body": {{"choices": [{{"index": 0, "message": {{"role": "assistant", "content": "{{\"lead_score\": 80}}"}}, "finish_reason": "stop"}}], "usage": {{"prompt_tokens": 300, "completion_tokens": 12}}}}}}, "error": null}}"#
        );
        match parse_result_line(&ok).expect("parses").1 {
            BatchResult::Answer(a) => {
                assert_eq!(a.content, "{\"lead_score\": 80}");
                assert_eq!(
                    (a.prompt_tokens, a.completion_tokens),
                    (Some(300), Some(12))
                );
                assert_eq!(a.finish_reason.as_deref(), Some("stop"));
            }
            other => panic!("{other:?}"),
        }
        let error = format!(
            r#"{{"custom_id": "{ID}", "response": null, "error": {{"code": "expired", "message": "batch expired"}}}}"#
        );
        assert_eq!(
            parse_result_line(&error).expect("parses").1,
            BatchResult::Failed {
                status: None,
                code: Some("expired".into()),
                message: "batch expired".into()
            }
        );
        let status = format!(
            r#"{{"custom_id": "{ID}", "response": {{"status_code": 400, "body": {{"error": "bad"}}}}}}"#
        );
        assert!(matches!(
            parse_result_line(&status).expect("parses").1,
            BatchResult::Failed {
                status: Some(400),
                ..
            }
        ));
        let garbage = format!(
            r#"{{"custom_id": "{ID}", "response": {{"status_code": 200, "body": {{"nothing": 1}}}}}}"#
        );
        assert!(matches!(
            parse_result_line(&garbage).expect("parses").1,
            BatchResult::Failed { .. }
        ));
        for bad in ["not json", "{}", r#"{"custom_id": "request-1"}"#] {
            assert!(parse_result_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_malformed_line_is_named_and_nothing_is_returned() {
        let text =
            format!("{{\"custom_id\": \"{ID}\", \"error\": {{\"message\": \"x\"}}}}\n\n{{oops\n");
        let err = read_results(text.as_bytes()).expect_err("line 3 is bad");
        assert_eq!(err.line, 3);
        assert!(err.message.contains("invalid JSON"), "{err}");
    }
}
